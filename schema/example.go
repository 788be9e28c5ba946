package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
)

// Example returns a JSON value that schema accepts, as encoding/json
// decodes values with UseNumber (map[string]any, []any, string, bool,
// json.Number, nil), for use in witnesses and documentation. accept, when
// non-nil, is a further condition on the value (e.g. that a predicate
// keeps its truth value); candidates are tried in a fixed order until one
// is accepted.
//
// Example knows type (and type lists), enum, const, minimum, maximum,
// exclusiveMinimum/exclusiveMaximum (draft 4 booleans and numbers),
// multipleOf on integers, minLength, maxLength, pattern (RE2-compatible
// patterns: literals, classes, alternation, repetition, anchors), the
// common formats (date, date-time, time, email, hostname, ipv4, ipv6, uri,
// uuid …), properties, required, additionalProperties, items, prefixItems,
// minItems, maxItems, local $ref (#/$defs/…, #/definitions/…, #), anyOf and
// oneOf (a branch's value that no other oneOf branch obviously takes), and
// annotations. For any other keyword that constrains values, and when no
// candidate satisfies everything, it returns an error naming the keyword
// or the schema location instead of a value that might not validate.
func Example(schema json.RawMessage, accept func(any) bool) (any, error) {
	root, err := exDecode(schema)
	if err != nil {
		return nil, err
	}
	return exFirst(root, root, "#", 0, accept)
}

// PropertyExample is Example for the schema of property name of the object
// schema objectSchema (a tool's parameters), resolving $ref against the
// object schema. A property the schema does not list is an error.
func PropertyExample(objectSchema json.RawMessage, name string, accept func(any) bool) (any, error) {
	root, err := exDecode(objectSchema)
	if err != nil {
		return nil, err
	}
	obj, _ := root.(map[string]any)
	props, _ := obj["properties"].(map[string]any)
	sub, ok := props[name]
	if !ok {
		return nil, fmt.Errorf("schema: the schema lists no property %q", name)
	}
	return exFirst(sub, root, "#/properties/"+strictjson.EscapeToken(name), 0, accept)
}

// exMaxDepth bounds $ref chains and nesting while generating.
const exMaxDepth = 32

// exMaxCandidates bounds the candidates tried per schema.
const exMaxCandidates = 64

func exDecode(raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return true, nil
	}
	v, _, err := readJSON(raw, defaultMaxDepth)
	if err != nil {
		return nil, fmt.Errorf("schema: %v", err)
	}
	return v, nil
}

func exFirst(s, root any, at string, depth int, accept func(any) bool) (any, error) {
	cands, err := exGen(s, root, at, depth)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		if accept == nil || accept(c) {
			return c, nil
		}
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("schema: %s: no value satisfies the schema", at)
	}
	return nil, fmt.Errorf("schema: %s: none of the %d values tried satisfies both the schema and the required condition", at, len(cands))
}

// exAnnotations are keywords that never constrain a value.
var exAnnotations = map[string]bool{
	"$schema": true, "$id": true, "id": true, "$comment": true, "$defs": true, "definitions": true, "$anchor": true,
	"title": true, "description": true, "default": true, "examples": true, "example": true, "deprecated": true,
	"readOnly": true, "writeOnly": true, "contentEncoding": true, "contentMediaType": true,
}

// exHandled are the keywords exGen enforces.
var exHandled = map[string]bool{
	"type": true, "enum": true, "const": true, "minimum": true, "maximum": true, "exclusiveMinimum": true,
	"exclusiveMaximum": true, "multipleOf": true, "minLength": true, "maxLength": true, "pattern": true, "format": true,
	"properties": true, "required": true, "additionalProperties": true, "items": true, "prefixItems": true,
	"minItems": true, "maxItems": true, "additionalItems": true, "$ref": true, "anyOf": true, "oneOf": true,
}

// exGen returns candidate values valid under s, best first.
func exGen(s, root any, at string, depth int) ([]any, error) {
	if depth > exMaxDepth {
		return nil, fmt.Errorf("schema: %s: nesting or $ref chain deeper than %d", at, exMaxDepth)
	}
	switch s := s.(type) {
	case bool:
		if !s {
			return nil, fmt.Errorf("schema: %s: the schema false accepts no value", at)
		}
		return []any{"x", json.Number("0"), true, nil}, nil
	case map[string]any:
		return exGenObject(s, root, at, depth)
	}
	return nil, fmt.Errorf("schema: %s: a schema must be an object or a boolean", at)
}

func exGenObject(s map[string]any, root any, at string, depth int) ([]any, error) {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !exHandled[k] && !exAnnotations[k] {
			return nil, fmt.Errorf("schema: %s: keyword %q is not supported for example values", at, k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		if len(s) > 1 && !exOnlyAnnotations(s, "$ref") {
			return nil, fmt.Errorf("schema: %s: $ref beside other keywords is not supported for example values", at)
		}
		target, err := exResolve(root, ref)
		if err != nil {
			return nil, fmt.Errorf("schema: %s: %v", at, err)
		}
		return exGen(target, root, ref, depth+1)
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		branches, ok := s[k].([]any)
		if !ok {
			continue
		}
		if !exOnlyAnnotations(s, k) {
			return nil, fmt.Errorf("schema: %s: %s beside other keywords is not supported for example values", at, k)
		}
		var out []any
		var firstErr error
		for i, b := range branches {
			cands, err := exGen(b, root, fmt.Sprintf("%s/%s/%d", at, k, i), depth+1)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			for _, c := range cands {
				if k == "oneOf" && exInOtherBranch(c, branches, i) {
					continue
				}
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			if firstErr != nil {
				return nil, firstErr
			}
			return nil, fmt.Errorf("schema: %s: no branch of %s gives a value", at, k)
		}
		return exCap(out), nil
	}
	if c, ok := s["const"]; ok {
		return []any{c}, nil
	}
	types := exTypes(s)
	if enum, ok := s["enum"].([]any); ok {
		var out []any
		for _, v := range enum {
			if exTypeOK(v, types) && exScalarOK(v, s) {
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("schema: %s: no enum value fits the schema's other keywords", at)
		}
		return out, nil
	}
	var out []any
	var firstErr error
	for _, t := range types {
		var cands []any
		var err error
		switch t {
		case "string":
			cands, err = exStrings(s, at)
		case "integer", "number":
			cands, err = exNumbers(s, at, t == "integer")
		case "boolean":
			cands = []any{false, true}
		case "null":
			cands = []any{nil}
		case "object":
			cands, err = exObjects(s, root, at, depth)
		case "array":
			cands, err = exArrays(s, root, at, depth)
		default:
			err = fmt.Errorf("schema: %s: unknown type %q", at, t)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, cands...)
	}
	if len(out) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return exCap(out), nil
}

func exCap(xs []any) []any {
	if len(xs) > exMaxCandidates {
		return xs[:exMaxCandidates]
	}
	return xs
}

func exOnlyAnnotations(s map[string]any, except string) bool {
	for k := range s {
		if k != except && !exAnnotations[k] {
			return false
		}
	}
	return true
}

// exInOtherBranch reports whether candidate c obviously satisfies another
// oneOf branch: one with a const or enum containing it, or a bare type that
// c has. It is a conservative filter; the caller's validator has the last word.
func exInOtherBranch(c any, branches []any, self int) bool {
	for j, b := range branches {
		if j == self {
			continue
		}
		m, ok := b.(map[string]any)
		if !ok {
			if b == true {
				return true
			}
			continue
		}
		if k, ok := m["const"]; ok && exEqual(k, c) {
			return true
		}
		if e, ok := m["enum"].([]any); ok {
			for _, v := range e {
				if exEqual(v, c) {
					return true
				}
			}
		}
		if _, ok := m["type"]; ok && exOnlyAnnotations(m, "type") && exTypeOK(c, exTypes(m)) {
			return true
		}
	}
	return false
}

func exEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func exResolve(root any, ref string) (any, error) {
	if ref == "#" {
		return root, nil
	}
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q is not a local JSON pointer (specplan never fetches schemas)", ref)
	}
	cur := root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strictjson.UnescapeToken(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return cur, nil
}

var exAllTypes = []string{"string", "number", "boolean", "null", "object", "array"}

func exTypes(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if str, ok := x.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	// No type: infer the kinds the other keywords speak about, so a
	// schema with only minLength gets a string.
	for _, k := range []string{"minLength", "maxLength", "pattern", "format"} {
		if _, ok := s[k]; ok {
			return []string{"string"}
		}
	}
	for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} {
		if _, ok := s[k]; ok {
			return []string{"number"}
		}
	}
	for _, k := range []string{"properties", "required", "additionalProperties"} {
		if _, ok := s[k]; ok {
			return []string{"object"}
		}
	}
	for _, k := range []string{"items", "prefixItems", "minItems", "maxItems"} {
		if _, ok := s[k]; ok {
			return []string{"array"}
		}
	}
	return exAllTypes
}

func exTypeOK(v any, types []string) bool {
	for _, t := range types {
		switch x := v.(type) {
		case string:
			if t == "string" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case nil:
			if t == "null" {
				return true
			}
		case json.Number:
			if t == "number" {
				return true
			}
			if t == "integer" {
				if r, ok := exRat(x); ok && r.IsInt() {
					return true
				}
			}
		case map[string]any:
			if t == "object" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		}
	}
	return false
}

// exScalarOK checks an enum value against the scalar keywords beside it.
func exScalarOK(v any, s map[string]any) bool {
	switch x := v.(type) {
	case string:
		return exStringOK(x, s)
	case json.Number:
		r, ok := exRat(x)
		if !ok {
			return false
		}
		lo, hi, err := exBounds(s)
		return err == nil && exInBounds(r, lo, hi)
	}
	return true
}

// exRat parses a JSON number of bounded exponent exactly.
func exRat(n json.Number) (*big.Rat, bool) {
	s := string(n)
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 4096 || e < -4096 {
			return nil, false
		}
	}
	if len(s) > 4096 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

type exEnd struct {
	v    *big.Rat
	open bool
}

func exBounds(s map[string]any) (lo, hi *exEnd, err error) {
	num := func(k string) (*big.Rat, error) {
		v, ok := s[k]
		if !ok {
			return nil, nil
		}
		n, ok := v.(json.Number)
		if !ok {
			return nil, nil // a draft-4 boolean, read below
		}
		r, ok := exRat(n)
		if !ok {
			return nil, fmt.Errorf("%s %s is beyond the range example values use", k, n)
		}
		return r, nil
	}
	mn, err := num("minimum")
	if err != nil {
		return nil, nil, err
	}
	mx, err := num("maximum")
	if err != nil {
		return nil, nil, err
	}
	emn, err := num("exclusiveMinimum")
	if err != nil {
		return nil, nil, err
	}
	emx, err := num("exclusiveMaximum")
	if err != nil {
		return nil, nil, err
	}
	if mn != nil {
		lo = &exEnd{v: mn, open: s["exclusiveMinimum"] == true}
	}
	if emn != nil && (lo == nil || emn.Cmp(lo.v) >= 0) {
		lo = &exEnd{v: emn, open: true}
	}
	if mx != nil {
		hi = &exEnd{v: mx, open: s["exclusiveMaximum"] == true}
	}
	if emx != nil && (hi == nil || emx.Cmp(hi.v) <= 0) {
		hi = &exEnd{v: emx, open: true}
	}
	return lo, hi, nil
}

func exInBounds(r *big.Rat, lo, hi *exEnd) bool {
	if lo != nil {
		if c := r.Cmp(lo.v); c < 0 || (c == 0 && lo.open) {
			return false
		}
	}
	if hi != nil {
		if c := r.Cmp(hi.v); c > 0 || (c == 0 && hi.open) {
			return false
		}
	}
	return true
}

func exNumbers(s map[string]any, at string, integer bool) ([]any, error) {
	lo, hi, err := exBounds(s)
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %v", at, err)
	}
	var mult *big.Rat
	if v, ok := s["multipleOf"]; ok {
		n, _ := v.(json.Number)
		r, ok := exRat(n)
		if !ok || r.Sign() <= 0 || !r.IsInt() {
			return nil, fmt.Errorf("schema: %s: multipleOf %v is supported for example values only as a positive integer", at, v)
		}
		mult, integer = r, true
	}
	one := big.NewRat(1, 1)
	var seeds []*big.Rat
	if lo != nil {
		seeds = append(seeds, lo.v, new(big.Rat).Add(lo.v, one))
		if lo.open && !integer {
			seeds = append(seeds, new(big.Rat).Add(lo.v, big.NewRat(1, 1000000)))
		}
	}
	if hi != nil {
		seeds = append(seeds, hi.v, new(big.Rat).Sub(hi.v, one))
		if hi.open && !integer {
			seeds = append(seeds, new(big.Rat).Sub(hi.v, big.NewRat(1, 1000000)))
		}
	}
	if lo != nil && hi != nil {
		m := new(big.Rat).Add(lo.v, hi.v)
		seeds = append(seeds, m.Mul(m, big.NewRat(1, 2)))
	}
	for _, x := range []int64{0, 1, 2, 10, 100, 1000, -1} {
		seeds = append(seeds, big.NewRat(x, 1))
	}
	var out []any
	seen := map[string]bool{}
	for _, r := range seeds {
		cands := []*big.Rat{r}
		if integer {
			f := exFloor(r)
			cands = []*big.Rat{f, new(big.Rat).Add(f, one)}
			if mult != nil {
				q := exFloor(new(big.Rat).Quo(r, mult))
				a := new(big.Rat).Mul(q, mult)
				cands = []*big.Rat{a, new(big.Rat).Add(a, mult)}
			}
		}
		for _, c := range cands {
			if !exInBounds(c, lo, hi) {
				continue
			}
			n := exNumberText(c)
			if n == "" || seen[n] {
				continue
			}
			seen[n] = true
			out = append(out, json.Number(n))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("schema: %s: no number satisfies the bounds%s", at, map[bool]string{true: " as an integer", false: ""}[integer])
	}
	return out, nil
}

func exFloor(r *big.Rat) *big.Rat {
	return new(big.Rat).SetInt(new(big.Int).Div(r.Num(), r.Denom()))
}

// exNumberText prints a rational with a finite decimal expansion ("" if not).
func exNumberText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	for digits := 1; digits <= 8200; digits *= 2 {
		s := r.FloatString(digits)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
	}
	return ""
}

func exIntKeyword(s map[string]any, k string) (int, bool) {
	n, ok := s[k].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	if err != nil || i < 0 {
		return 0, false
	}
	return i, true
}

func exStringOK(x string, s map[string]any) bool {
	n := utf8.RuneCountInString(x)
	if mn, ok := exIntKeyword(s, "minLength"); ok && n < mn {
		return false
	}
	if mx, ok := exIntKeyword(s, "maxLength"); ok && n > mx {
		return false
	}
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(p)
		if err != nil || !re.MatchString(x) {
			return false
		}
	}
	return true
}

// exFormats are one valid value per common format.
var exFormats = map[string][]string{
	"date":                  {"2024-01-31"},
	"date-time":             {"2024-01-31T12:00:00Z"},
	"time":                  {"12:00:00Z"},
	"duration":              {"P1D"},
	"email":                 {"user@example.com"},
	"idn-email":             {"user@example.com"},
	"hostname":              {"example.com"},
	"idn-hostname":          {"example.com"},
	"ipv4":                  {"192.0.2.1"},
	"ipv6":                  {"2001:db8::1"},
	"uri":                   {"https://example.com/"},
	"uri-reference":         {"https://example.com/"},
	"iri":                   {"https://example.com/"},
	"iri-reference":         {"https://example.com/"},
	"uri-template":          {"https://example.com/{id}"},
	"uuid":                  {"123e4567-e89b-12d3-a456-426614174000"},
	"json-pointer":          {"/a"},
	"relative-json-pointer": {"0"},
	"regex":                 {"a+"},
}

func exStrings(s map[string]any, at string) ([]any, error) {
	var base []string
	if f, ok := s["format"].(string); ok {
		vals, known := exFormats[f]
		if !known {
			return nil, fmt.Errorf("schema: %s: format %q is not supported for example values", at, f)
		}
		base = vals
	} else if p, ok := s["pattern"].(string); ok {
		var err error
		if base, err = exPatternStrings(p); err != nil {
			return nil, fmt.Errorf("schema: %s: pattern %q: %v", at, p, err)
		}
	} else {
		mn, _ := exIntKeyword(s, "minLength")
		mx, hasMax := exIntKeyword(s, "maxLength")
		for _, c := range "abcxyz" {
			for _, n := range []int{max(mn, 1), mn, mn + 1} {
				if hasMax && n > mx {
					n = mx
				}
				base = append(base, strings.Repeat(string(c), n))
			}
		}
	}
	var out []any
	seen := map[string]bool{}
	for _, x := range base {
		if !seen[x] && exStringOK(x, s) {
			seen[x] = true
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("schema: %s: no example string satisfies pattern, format, minLength and maxLength together", at)
	}
	return out, nil
}

// exPatternStrings enumerates a few short strings the pattern matches (the
// search is unanchored, as JSON Schema's pattern is: a match anywhere).
func exPatternStrings(p string) ([]string, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, err
	}
	out := exRegexp(re.Simplify(), 8)
	if len(out) == 0 {
		return nil, fmt.Errorf("no example string found")
	}
	return out, nil
}

// exRegexp returns up to limit strings matched by re, shortest choices first.
func exRegexp(re *syntax.Regexp, limit int) []string {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune) && len(out) < limit; i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < lo+3 && len(out) < limit; r++ {
				if r >= 0x20 && r != 0x7f && utf8.ValidRune(r) {
					out = append(out, string(r))
				}
			}
		}
		return out
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"a", "b"}
	case syntax.OpCapture:
		return exRegexp(re.Sub[0], limit)
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			parts := exRegexp(sub, limit)
			var next []string
			for _, a := range out {
				for _, b := range parts {
					if len(next) < limit {
						next = append(next, a+b)
					}
				}
			}
			out = next
			if len(out) == 0 {
				return nil
			}
		}
		return out
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			for _, s := range exRegexp(sub, limit) {
				if len(out) < limit {
					out = append(out, s)
				}
			}
		}
		return out
	case syntax.OpStar, syntax.OpQuest:
		return append([]string{""}, exRegexp(re.Sub[0], limit-1)...)
	case syntax.OpPlus:
		return exRegexp(re.Sub[0], limit)
	case syntax.OpRepeat:
		min := re.Min
		if min > 64 {
			return nil
		}
		parts := exRegexp(re.Sub[0], limit)
		if len(parts) == 0 {
			return nil
		}
		var out []string
		for _, p := range parts {
			out = append(out, strings.Repeat(p, min))
			if re.Max != min && len(out) < limit {
				out = append(out, strings.Repeat(p, min+1))
			}
		}
		if len(out) > limit {
			out = out[:limit]
		}
		return out
	}
	return nil
}

func exObjects(s map[string]any, root any, at string, depth int) ([]any, error) {
	props, _ := s["properties"].(map[string]any)
	obj := map[string]any{}
	req, _ := s["required"].([]any)
	for _, r := range req {
		name, ok := r.(string)
		if !ok {
			continue
		}
		sub, listed := props[name]
		if !listed {
			switch ap := s["additionalProperties"].(type) {
			case nil:
				sub = true
			case bool:
				if !ap {
					return nil, fmt.Errorf("schema: %s: required property %q is not listed and additionalProperties is false", at, name)
				}
				sub = true
			default:
				sub = ap
			}
		}
		v, err := exFirst(sub, root, at+"/properties/"+strictjson.EscapeToken(name), depth+1, nil)
		if err != nil {
			return nil, err
		}
		obj[name] = v
	}
	return []any{obj}, nil
}

func exArrays(s map[string]any, root any, at string, depth int) ([]any, error) {
	mn, _ := exIntKeyword(s, "minItems")
	if mn > 64 {
		return nil, fmt.Errorf("schema: %s: minItems %d is too large for an example value", at, mn)
	}
	var arr []any
	prefix, _ := s["prefixItems"].([]any)
	for i := 0; i < mn; i++ {
		var sub any = true
		if i < len(prefix) {
			sub = prefix[i]
		} else if it, ok := s["items"]; ok {
			if list, isList := it.([]any); isList { // draft 4-7 tuple form
				if i < len(list) {
					sub = list[i]
				} else {
					sub = s["additionalItems"]
					if sub == nil {
						sub = true
					}
				}
			} else {
				sub = it
			}
		}
		cands, err := exGen(sub, root, fmt.Sprintf("%s/items/%d", at, i), depth+1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, cands[0])
	}
	if arr == nil {
		arr = []any{}
	}
	return []any{arr}, nil
}
