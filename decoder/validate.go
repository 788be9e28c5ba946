package decoder

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidateArgs checks a tool call's concrete arguments against the tool's
// JSON schema (the "parameters" object of a catalog entry). The schema is
// read by the same parser the decoder generates from, so the same keywords
// are supported and the same schemas are refused (an unsupported keyword or
// a limit is returned as that parse error, CodeSchema or CodeLimit): a schema
// cannot mean one thing to generation and another to validation.
//
// Every keyword applies as in JSON Schema: type (a list means any of them;
// "integer" is a number without a fraction, so 2.0 is one and 2.5 is not),
// enum and const (numbers compared by exact value), properties and required,
// items, minItems/maxItems, minLength/maxLength (counted in characters, i.e.
// runes, as the decoder counts), minimum/maximum/exclusiveMinimum/
// exclusiveMaximum (draft 4 booleans and draft 6 numbers, compared exactly
// against the number's shortest decimal form, as the decoder's predicates
// are), and pattern (Go regexp syntax, unanchored).
//
// Unknown keys: an object whose schema declares properties is written by
// the decoder with those properties only, so a key the schema does not
// declare is a violation (whatever additionalProperties says: the decoder
// never writes one). An object schema without properties leaves its keys
// and values open, as the decoder's open objects do.
//
// Numbers may be float64 (as encoding/json decodes them), json.Number or
// any Go integer or float type; NaN and infinities are not JSON numbers.
// Slices and string-keyed maps of any element type count as arrays and
// objects. A nil or empty schema (no bytes, null, true or {}) accepts any
// object; nil args is the empty object.
//
// The result is nil when the arguments are valid, else one *ConstraintError
// with Code CodeSchema whose message lists every violation, each led by its
// JSON path ("order_id: want string, got number 17", "items[2].sku: ...").
func ValidateArgs(schema json.RawMessage, args map[string]any) error {
	s, err := parseParameters(schema)
	if s == nil || err != nil {
		return err
	}
	if args == nil {
		args = map[string]any{}
	}
	var c argChecker
	c.value(s, args, "")
	if len(c.errs) == 0 {
		return nil
	}
	return &ConstraintError{Code: CodeSchema, Msg: strings.Join(c.errs, "; ")}
}

// argChecker collects the violations of one argument object.
type argChecker struct {
	errs []string
}

func (c *argChecker) fail(path, format string, a ...any) {
	if path == "" {
		path = "args"
	}
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, a...))
}

// value checks v against s. The recursion follows the schema, whose depth
// parseSchema bounds, so a cyclic Go value cannot make it loop.
func (c *argChecker) value(s *schema, v any, path string) {
	kind := valueKind(v)
	if len(s.types) > 0 && !slices.ContainsFunc(s.types, func(t string) bool { return typeMatches(t, v, kind) }) {
		c.fail(path, "want %s, got %s", strings.Join(s.types, " or "), describeValue(v, kind))
		return // the other keywords speak about values of the wanted types
	}
	if s.hasEnum && !slices.ContainsFunc(s.enum, func(e any) bool { return jsonEqual(e, v) }) {
		if len(s.enum) == 1 {
			c.fail(path, "want %s, got %s", renderJSON(s.enum[0]), describeValue(v, kind))
		} else {
			alts := make([]string, len(s.enum))
			for i, e := range s.enum {
				alts[i] = renderJSON(e)
			}
			c.fail(path, "want one of %s, got %s", strings.Join(alts, ", "), describeValue(v, kind))
		}
	}
	switch kind {
	case "string":
		c.str(s, v.(string), path)
	case "number":
		c.num(s, v, path)
	case "array":
		c.array(s, v, path)
	case "object":
		c.object(s, v, path)
	}
}

func (c *argChecker) str(s *schema, x string, path string) {
	n := utf8.RuneCountInString(x)
	if n < s.minLen {
		c.fail(path, "want at least %d characters, got %d", s.minLen, n)
	}
	if s.maxLen >= 0 && n > s.maxLen {
		c.fail(path, "want at most %d characters, got %d", s.maxLen, n)
	}
	if s.pattern != "" {
		re, err := regexp.Compile(s.pattern)
		if err != nil { // parseSchema already compiled it; kept for safety
			c.fail(path, "pattern %q: %v", s.pattern, err)
		} else if !re.MatchString(x) {
			c.fail(path, "want a string matching %q, got %s", s.pattern, describeValue(x, "string"))
		}
	}
}

func (c *argChecker) num(s *schema, v any, path string) {
	r, _ := numberRat(v)
	for _, iv := range s.bounds {
		if inInterval(iv, r) {
			return
		}
	}
	c.fail(path, "want %s, got %s", describeBounds(s.bounds), describeValue(v, "number"))
}

func (c *argChecker) array(s *schema, v any, path string) {
	items := arrayElems(v)
	if len(items) < s.minItems {
		c.fail(path, "want at least %d items, got %d", s.minItems, len(items))
	}
	if s.maxItems >= 0 && len(items) > s.maxItems {
		c.fail(path, "want at most %d items, got %d", s.maxItems, len(items))
	}
	if s.items == nil {
		return
	}
	for i, e := range items {
		c.value(s.items, e, fmt.Sprintf("%s[%d]", path, i))
	}
}

func (c *argChecker) object(s *schema, v any, path string) {
	obj := objectFields(v)
	for _, p := range s.props {
		pv, ok := obj[p.name]
		if !ok {
			if s.required[p.name] {
				c.fail(joinPath(path, p.name), "required property missing")
			}
			continue
		}
		c.value(p.s, pv, joinPath(path, p.name))
	}
	if len(s.props) == 0 {
		return // an open object, as the decoder writes it
	}
	var unknown []string
	for k := range obj {
		if !slices.ContainsFunc(s.props, func(p prop) bool { return p.name == k }) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(unknown) == 0 {
		return
	}
	names := make([]string, len(s.props))
	for i, p := range s.props {
		names[i] = p.name
	}
	for _, k := range unknown {
		c.fail(joinPath(path, k), "unknown property (the schema declares %s)", strings.Join(names, ", "))
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// valueKind is the JSON type of a Go value, "" if it has none.
func valueKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ""
		}
		return "number"
	}
	if _, ok := numberRat(v); ok {
		return "number"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			return "object"
		}
	case reflect.Pointer:
		if rv.IsNil() {
			return "null"
		}
	}
	return ""
}

// numberRat is the exact value of a Go number; floats are taken at their
// shortest decimal form, as the decoder takes predicate constants.
func numberRat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return ratOf(x), true
	case float32:
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 32))
		return r, true
	case json.Number:
		return new(big.Rat).SetString(x.String())
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case int8:
		return new(big.Rat).SetInt64(int64(x)), true
	case int16:
		return new(big.Rat).SetInt64(int64(x)), true
	case int32:
		return new(big.Rat).SetInt64(int64(x)), true
	case int64:
		return new(big.Rat).SetInt64(x), true
	case uint:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint8:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint16:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint32:
		return new(big.Rat).SetUint64(uint64(x)), true
	case uint64:
		return new(big.Rat).SetUint64(x), true
	case uintptr:
		return new(big.Rat).SetUint64(uint64(x)), true
	}
	return nil, false
}

func typeMatches(t string, v any, kind string) bool {
	if t == "integer" {
		r, ok := numberRat(v)
		return ok && r.IsInt()
	}
	return t == kind
}

func arrayElems(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	rv := reflect.ValueOf(v)
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

func objectFields(v any) map[string]any {
	if m, ok := v.(map[string]any); ok {
		return m
	}
	rv := reflect.ValueOf(v)
	out := make(map[string]any, rv.Len())
	for it := rv.MapRange(); it.Next(); {
		out[it.Key().String()] = it.Value().Interface()
	}
	return out
}

// jsonEqual compares a schema literal (as parseSchema decodes it: json.Number
// for numbers) with an argument value. The recursion follows e, which is
// finite and acyclic.
func jsonEqual(e, v any) bool {
	kind := valueKind(v)
	switch x := e.(type) {
	case nil:
		return kind == "null"
	case bool:
		b, ok := v.(bool)
		return ok && b == x
	case string:
		s, ok := v.(string)
		return ok && s == x
	case json.Number:
		a, ok1 := numberRat(x)
		b, ok2 := numberRat(v)
		return ok1 && ok2 && a.Cmp(b) == 0
	case []any:
		if kind != "array" {
			return false
		}
		vs := arrayElems(v)
		if len(vs) != len(x) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], vs[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		if kind != "object" {
			return false
		}
		vm := objectFields(v)
		if len(vm) != len(x) {
			return false
		}
		for k, ev := range x {
			vv, ok := vm[k]
			if !ok || !jsonEqual(ev, vv) {
				return false
			}
		}
		return true
	}
	return false
}

func inInterval(iv interval, r *big.Rat) bool {
	if iv.lo != nil {
		if c := r.Cmp(iv.lo); c < 0 || c == 0 && iv.loOpen {
			return false
		}
	}
	if iv.hi != nil {
		if c := r.Cmp(iv.hi); c > 0 || c == 0 && iv.hiOpen {
			return false
		}
	}
	return true
}

func ratText(r *big.Rat) string {
	if n, exact := r.FloatPrec(); exact {
		return r.FloatString(n)
	}
	return r.RatString()
}

// describeBounds spells the numeric range a schema allows (one interval,
// or none when the bounds contradict each other).
func describeBounds(ivs []interval) string {
	if len(ivs) == 0 {
		return "a number within contradictory bounds (none exists)"
	}
	var parts []string
	for _, iv := range ivs {
		var p []string
		if iv.lo != nil {
			op := ">="
			if iv.loOpen {
				op = ">"
			}
			p = append(p, op+" "+ratText(iv.lo))
		}
		if iv.hi != nil {
			op := "<="
			if iv.hiOpen {
				op = "<"
			}
			p = append(p, op+" "+ratText(iv.hi))
		}
		parts = append(parts, strings.Join(p, " and "))
	}
	return "a number " + strings.Join(parts, " or ")
}

// maxShownRunes bounds how much of a string value an error message quotes.
const maxShownRunes = 40

// describeValue names a value's type and, for scalars, the value itself.
func describeValue(v any, kind string) string {
	switch kind {
	case "null":
		return "null"
	case "boolean":
		return fmt.Sprintf("boolean %v", v)
	case "number":
		r, _ := numberRat(v)
		return "number " + ratText(r)
	case "string":
		s := v.(string)
		if utf8.RuneCountInString(s) > maxShownRunes {
			s = string([]rune(s)[:maxShownRunes]) + "..."
		}
		return "string " + strconv.Quote(s)
	case "array":
		return fmt.Sprintf("array of %d items", reflect.ValueOf(v).Len())
	case "object":
		return "object"
	}
	if f, ok := v.(float64); ok {
		return fmt.Sprintf("%v (not a JSON number)", f)
	}
	if f, ok := v.(float32); ok {
		return fmt.Sprintf("%v (not a JSON number)", f)
	}
	return fmt.Sprintf("Go value of type %T (not JSON)", v)
}

// renderJSON spells a schema literal for an error message.
func renderJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// CheckSchema reports whether a tool's parameters schema is one the decoder
// supports (the same refusals as NewIndex and ValidateArgs), so that a bad
// catalog is an error when a spec is compiled, not later at generation.
func CheckSchema(schema json.RawMessage) error {
	_, err := parseParameters(schema)
	return err
}

// parseParameters parses a tool's parameters schema; nil (and no error)
// for an absent one, which allows any arguments.
func parseParameters(raw json.RawMessage) (*schema, error) {
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" {
		return nil, nil
	}
	s, err := parseSchema(raw, "parameters", 0)
	if err != nil {
		return nil, err
	}
	if len(s.types) > 0 && !slices.Contains(s.types, "object") {
		// The decoder refuses such a tool too (compiler.args).
		return nil, newErr(CodeSchema, "parameters must be of type object")
	}
	return s, nil
}
