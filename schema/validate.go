package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/specplan/specplan/internal/strictjson"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/specplan/specplan/internal/safetext"
)

// maxValueDepth bounds the nesting of a validated value (a map that
// contains itself would otherwise never end).
const maxValueDepth = 512

// Validate checks one JSON value against the schema and returns nil or a
// *ValidationError listing the problems, each with the JSON pointer of the
// failing value and the keyword that fails.
//
// Values are what encoding/json decodes (map[string]any, []any, string,
// bool, nil, json.Number or float64) or what Go code builds: any integer or
// float type, slices and arrays, string-keyed maps, pointers, named types
// of those kinds, and json.RawMessage (decoded strictly). Numbers are
// compared exactly: json.Number and integers by their digits (so
// 9007199254740993 is not 9007199254740992), floats by their shortest
// decimal form. NaN, infinities, a json.Number that is not a JSON number
// and Go values with no JSON meaning (structs, channels, funcs) are
// problems of their own, never silently accepted.
//
// A nil *Schema accepts every value. Validate is safe for concurrent use.
// For the common tool-call schemas (types, properties, required, enum,
// const, bounds, lengths, pattern, format, items, $ref, allOf/anyOf/oneOf,
// not, if/then/else) it allocates nothing when the value is valid.
func (s *Schema) Validate(v any) error {
	if s == nil {
		return nil
	}
	if s.fast != nil && s.wellFormed(v, 0) && s.fast.check(v, 0) == vValid {
		return nil
	}
	return s.slow(v)
}

// ValidateArgs validates a tool call's arguments: nil args is the empty
// object, as a call written without arguments means.
func (s *Schema) ValidateArgs(args map[string]any) error {
	if args == nil {
		return s.Validate(emptyArgs)
	}
	return s.Validate(args)
}

var emptyArgs any = map[string]any{}

func (s *Schema) slow(v any) error {
	w, _, prob := toJSON(v, "", 0, s.opts.MaxNumberLen)
	if prob != nil {
		return &ValidationError{Problems: []Problem{*prob}}
	}
	err := s.lib.Validate(w)
	if err == nil {
		return nil
	}
	verr, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return &ValidationError{Problems: []Problem{{Msg: err.Error()}}}
	}
	probs, omitted := problems(verr, maxProblems)
	if len(probs) == 0 {
		probs = []Problem{{Msg: "does not match the schema"}}
	}
	return &ValidationError{Problems: probs, Omitted: omitted}
}

// wellFormed reports whether v is already made of the JSON types the
// validator takes, with every number a finite, well-formed JSON number
// within the limits; it allocates nothing. Values that are not go the
// slow way, where toJSON converts or refuses them.
func (s *Schema) wellFormed(v any, depth int) bool {
	if depth > maxValueDepth {
		return false
	}
	switch v := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	case float32:
		return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
	case json.Number:
		_, ok := parseDecimal(string(v), s.opts.MaxNumberLen)
		return ok
	case []any:
		for _, x := range v {
			if !s.wellFormed(x, depth+1) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, x := range v {
			if !s.wellFormed(x, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// toJSON converts a Go value into the JSON types the validator takes, or
// says why it has no JSON meaning. changed reports whether the result is a
// new value (the input is never modified).
func toJSON(v any, ptr string, depth, maxNum int) (out any, changed bool, prob *Problem) {
	bad := func(msg string) (any, bool, *Problem) { return nil, false, &Problem{Pointer: ptr, Msg: msg} }
	if depth > maxValueDepth {
		return bad(fmt.Sprintf("the value nests deeper than %d levels", maxValueDepth))
	}
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v, false, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return bad(fmt.Sprintf("%v is not a JSON number", x))
		}
		return v, false, nil
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return bad(fmt.Sprintf("%v is not a JSON number", x))
		}
		return v, false, nil
	case json.Number:
		if _, ok := parseDecimal(string(x), maxNum); !ok {
			if _, ok := parseDecimal(string(x), math.MaxInt32); ok {
				return bad(fmt.Sprintf("the number %s is longer than %d characters or has a larger exponent (schema.CompileOptions.MaxNumberLen)", truncate(string(x), 40), maxNum))
			}
			return bad(fmt.Sprintf("%s is not a JSON number", strconv.Quote(truncate(string(x), 40))))
		}
		return v, false, nil
	case json.RawMessage:
		d, _, err := readJSON(x, maxValueDepth-depth)
		if err != nil {
			return bad("the raw JSON value is not valid: " + err.(*CompileError).Msg)
		}
		w, _, p := toJSON(d, ptr, depth, maxNum)
		return w, true, p
	case []any:
		var out []any
		for i, e := range x {
			w, ch, p := toJSON(e, ptr+"/"+strconv.Itoa(i), depth+1, maxNum)
			if p != nil {
				return nil, false, p
			}
			if ch && out == nil {
				out = slices.Clone(x)
			}
			if out != nil {
				out[i] = w
			}
		}
		if out != nil {
			return out, true, nil
		}
		return v, false, nil
	case map[string]any:
		var out map[string]any
		for _, k := range sortedKeys(x) {
			w, ch, p := toJSON(x[k], ptr+"/"+strictjson.EscapeToken(k), depth+1, maxNum)
			if p != nil {
				return nil, false, p
			}
			if ch && out == nil {
				out = maps.Clone(x)
			}
			if out != nil {
				out[k] = w
			}
		}
		if out != nil {
			return out, true, nil
		}
		return v, false, nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, true, nil
		}
		w, _, p := toJSON(rv.Elem().Interface(), ptr, depth+1, maxNum)
		return w, true, p
	case reflect.Bool:
		return rv.Bool(), true, nil
	case reflect.String:
		return rv.String(), true, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint(), true, nil
	case reflect.Float32, reflect.Float64:
		w, _, p := toJSON(rv.Float(), ptr, depth, maxNum)
		return w, true, p
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, true, nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			w, _, p := toJSON(rv.Index(i).Interface(), ptr+"/"+strconv.Itoa(i), depth+1, maxNum)
			if p != nil {
				return nil, false, p
			}
			out[i] = w
		}
		return out, true, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return bad(fmt.Sprintf("a Go %s is not a JSON object: its keys are not strings", rv.Type()))
		}
		if rv.IsNil() {
			return nil, true, nil
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			k := it.Key().String()
			w, _, p := toJSON(it.Value().Interface(), ptr+"/"+strictjson.EscapeToken(k), depth+1, maxNum)
			if p != nil {
				return nil, false, p
			}
			out[k] = w
		}
		return out, true, nil
	}
	return bad(fmt.Sprintf("a Go %T is not a JSON value (marshal it to JSON first)", v))
}

// checkNumbers checks every number literal of a decoded schema against the
// length/exponent limit; it returns the pointer of the first one over.
func checkNumbers(v any, ptr string, limit int) (string, bool) {
	switch v := v.(type) {
	case json.Number:
		if _, ok := parseDecimal(string(v), limit); !ok {
			return ptr, false
		}
	case []any:
		for i, x := range v {
			if p, ok := checkNumbers(x, ptr+"/"+strconv.Itoa(i), limit); !ok {
				return p, false
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if p, ok := checkNumbers(v[k], ptr+"/"+strictjson.EscapeToken(k), limit); !ok {
				return p, false
			}
		}
	}
	return "", true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var printer = message.NewPrinter(language.English)

// problems flattens the validator's error tree into problems, leaves
// first: groups and references are walked through; a failed anyOf/oneOf
// is one problem naming what each alternative lacked.
//
// The validator walks objects in map order, so the problems are sorted (by
// pointer, keyword, message) before the first max are kept: the same
// value always gets the same report.
func problems(root *jsonschema.ValidationError, max int) ([]Problem, int) {
	probs, omitted := collectProblems(root, maxCollected)
	sort.SliceStable(probs, func(i, j int) bool {
		a, b := probs[i], probs[j]
		if a.Pointer != b.Pointer {
			return a.Pointer < b.Pointer
		}
		if a.Keyword != b.Keyword {
			return a.Keyword < b.Keyword
		}
		return a.Msg < b.Msg
	})
	if len(probs) > max {
		omitted += len(probs) - max
		probs = probs[:max]
	}
	return probs, omitted
}

// maxCollected bounds the problems gathered from one error tree before
// sorting (a hostile value can fail in a million places).
const maxCollected = 1000

func collectProblems(root *jsonschema.ValidationError, max int) ([]Problem, int) {
	var out []Problem
	omitted := 0
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch k := e.ErrorKind.(type) {
		case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
			if len(e.Causes) > 0 {
				for _, c := range e.Causes {
					walk(c)
				}
				return
			}
		case *kind.AnyOf, *kind.OneOf:
			if o, ok := k.(*kind.OneOf); ok && o.Subschemas != nil {
				break
			}
			var alts []string
			for i, c := range e.Causes {
				sub, more := problems(c, 1)
				if len(sub) > 0 {
					s := sub[0].String()
					if more > 0 {
						s += fmt.Sprintf(" and %d more", more)
					}
					alts = append(alts, fmt.Sprintf("(%d) %s", i+1, s))
				}
			}
			p := problem(e)
			if len(alts) > 0 {
				p.Msg += ": " + strings.Join(alts, "; ")
			}
			add(&out, &omitted, max, p)
			return
		}
		add(&out, &omitted, max, problem(e))
	}
	walk(root)
	return out, omitted
}

func add(out *[]Problem, omitted *int, max int, p Problem) {
	if len(*out) >= max {
		*omitted++
		return
	}
	*out = append(*out, p)
}

func problem(e *jsonschema.ValidationError) Problem {
	var ptr strings.Builder
	for _, t := range e.InstanceLocation {
		ptr.WriteByte('/')
		ptr.WriteString(strictjson.EscapeToken(t))
	}
	p := Problem{Pointer: ptr.String(), Msg: describe(e.ErrorKind)}
	kp := e.ErrorKind.KeywordPath()
	if len(kp) > 0 {
		p.Keyword = kp[0] // dependencies/NAME, dependentRequired/NAME: the keyword comes first
	}
	sp := localPointer(e.SchemaURL)
	for _, t := range kp {
		sp += "/" + strictjson.EscapeToken(t)
	}
	p.SchemaPointer = sp
	return p
}

// describe says what a failed keyword means, for a spec author.
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("is %s, must be %s", article(k.Got), orList(k.Want, article))
	case *kind.Required:
		if len(k.Missing) == 1 {
			return fmt.Sprintf("required property %s is missing", quote(k.Missing[0]))
		}
		return fmt.Sprintf("required properties %s are missing", andList(k.Missing, quote))
	case *kind.AdditionalProperties:
		if len(k.Properties) == 1 {
			return fmt.Sprintf("property %s is not allowed (additionalProperties)", quote(k.Properties[0]))
		}
		return fmt.Sprintf("properties %s are not allowed (additionalProperties)", andList(k.Properties, quote))
	case *kind.Minimum:
		return fmt.Sprintf("%s is less than the minimum %s", rat(k.Got), rat(k.Want))
	case *kind.Maximum:
		return fmt.Sprintf("%s is greater than the maximum %s", rat(k.Got), rat(k.Want))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("%s must be greater than %s", rat(k.Got), rat(k.Want))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("%s must be less than %s", rat(k.Got), rat(k.Want))
	case *kind.MultipleOf:
		return fmt.Sprintf("%s is not a multiple of %s", rat(k.Got), rat(k.Want))
	case *kind.MinLength:
		return fmt.Sprintf("is %d characters long, shorter than the minimum %d", k.Got, k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("is %d characters long, longer than the maximum %d", k.Got, k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("%s does not match the pattern %s", quote(k.Got), quote(k.Want))
	case *kind.Format:
		return fmt.Sprintf("%s is not a valid %s: %s", display(k.Got), k.Want, safetext.Escape(truncate(fmt.Sprint(k.Err), 120)))
	case *kind.Enum:
		return fmt.Sprintf("%s is not one of %s", display(k.Got), orList(k.Want, display))
	case *kind.Const:
		return fmt.Sprintf("%s is not the required value %s", display(k.Got), display(k.Want))
	case *kind.MinItems:
		return fmt.Sprintf("has %d items, fewer than the minimum %d", k.Got, k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("has %d items, more than the maximum %d", k.Got, k.Want)
	case *kind.MinProperties:
		return fmt.Sprintf("has %d properties, fewer than the minimum %d", k.Got, k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("has %d properties, more than the maximum %d", k.Got, k.Want)
	case *kind.UniqueItems:
		return fmt.Sprintf("items %d and %d are equal, and the items must be unique", k.Duplicates[0], k.Duplicates[1])
	case *kind.Contains:
		return "no item matches the contains schema"
	case *kind.PropertyNames:
		return fmt.Sprintf("property name %s is not allowed (propertyNames)", quote(k.Property))
	case *kind.Dependency:
		return fmt.Sprintf("property %s requires %s", quote(k.Prop), andList(k.Missing, quote))
	case *kind.DependentRequired:
		return fmt.Sprintf("property %s requires %s", quote(k.Prop), andList(k.Missing, quote))
	case *kind.AdditionalItems:
		return fmt.Sprintf("the last %d items are not allowed (additionalItems)", k.Count)
	case *kind.FalseSchema:
		return "no value is allowed here (the schema is false)"
	case *kind.Not:
		return "matches the schema under not, which it must not"
	case *kind.AnyOf:
		return "matches none of the anyOf alternatives"
	case *kind.OneOf:
		if k.Subschemas == nil {
			return "matches none of the oneOf alternatives"
		}
		return fmt.Sprintf("matches oneOf alternatives %d and %d, but must match exactly one", k.Subschemas[0]+1, k.Subschemas[1]+1)
	case *kind.InvalidJsonValue:
		return fmt.Sprintf("a Go %T is not a JSON value", k.Value)
	}
	return safetext.Escape(k.LocalizedString(printer))
}

func article(t string) string {
	switch t {
	case "null":
		return "null"
	case "array", "integer", "object":
		return "an " + t
	}
	return "a " + t
}

func orList[T any](xs []T, f func(T) string) string { return list(xs, f, "or") }

func andList[T any](xs []T, f func(T) string) string { return list(xs, f, "and") }

func list[T any](xs []T, f func(T) string, conj string) string {
	const most = 10
	var parts []string
	for i, x := range xs {
		if i == most {
			parts = append(parts, fmt.Sprintf("%d more", len(xs)-most))
			break
		}
		parts = append(parts, f(x))
	}
	switch len(parts) {
	case 0:
		return "nothing"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + conj + " " + parts[len(parts)-1]
}

func quote(s string) string { return strconv.Quote(truncate(s, 80)) }

// display prints a JSON value briefly: untrusted, so quoted, escaped and cut.
func display(v any) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T", v)
	}
	return safetext.Escape(truncate(string(b), 80))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// rat prints an exact number as the decimal it was written as.
func rat(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	d := new(big.Int).Set(r.Denom())
	twos, fives := 0, 0
	two, five, zero := big.NewInt(2), big.NewInt(5), new(big.Int)
	m := new(big.Int)
	for m.Mod(d, two).Cmp(zero) == 0 {
		d.Quo(d, two)
		twos++
	}
	for m.Mod(d, five).Cmp(zero) == 0 {
		d.Quo(d, five)
		fives++
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.RatString()
	}
	return r.FloatString(max(twos, fives))
}
