package schema

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Contradictions lists the places where the schema admits no value at
// all, as far as that can be decided keyword by keyword: a range whose
// lower bound is above its upper bound (numbers, lengths, item and
// property counts, contains counts), an enum or const none of whose values
// satisfies the rest of its subschema, a required property whose schema is
// false or that additionalProperties: false forbids, more required
// properties than maxProperties allows, and, for tool parameters, a root
// that admits no object (a call's arguments are always an object).
//
// A contradiction is not an invalid schema (Compile accepts it); it is a
// tool no call can satisfy, which `plan check --tools` reports as an error
// just like an unsatisfiable spec. Each Problem has SchemaPointer and
// Keyword set (Pointer is empty: no value is involved). An empty list does
// not prove that some value validates: contradictions spread over allOf
// branches or $refs are left to the generation analysis.
func (s *Schema) Contradictions() []Problem {
	if s == nil {
		return nil
	}
	var out []Problem
	seen := map[*jsonschema.Schema]bool{}
	var walk func(n *jsonschema.Schema)
	walk = func(n *jsonschema.Schema) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		out = append(out, nodeContradictions(n)...)
		for _, c := range children(n) {
			walk(c)
		}
	}
	walk(s.lib)
	if s.lib.Bool == nil || *s.lib.Bool {
		if s.lib.Types != nil && !s.lib.Types.IsEmpty() && !typesInclude(s.lib.Types, "object") {
			out = append(out, Problem{SchemaPointer: localPointer(s.lib.Location) + "/type", Keyword: "type",
				Msg: fmt.Sprintf("the arguments of a call are an object, but the schema's type is %s", orList(s.lib.Types.ToStrings(), quote))})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SchemaPointer < out[j].SchemaPointer })
	return out
}

func typesInclude(t *jsonschema.Types, name string) bool {
	for _, x := range t.ToStrings() {
		if x == name {
			return true
		}
	}
	return false
}

func nodeContradictions(n *jsonschema.Schema) []Problem {
	var out []Problem
	at := localPointer(n.Location)
	add := func(kw, format string, args ...any) {
		out = append(out, Problem{SchemaPointer: at + "/" + kw, Keyword: kw, Msg: fmt.Sprintf(format, args...)})
	}
	// A type-specific range empties the subschema only when its type
	// admits nothing but that kind of value: {"minimum": 5, "maximum": 3}
	// alone still admits every string.
	only := func(kinds ...string) bool {
		if n.Types == nil || n.Types.IsEmpty() {
			return false
		}
		for _, t := range n.Types.ToStrings() {
			if !slices.Contains(kinds, t) {
				return false
			}
		}
		return true
	}
	objectsOnly := only("object") || n.Location == baseURL+"#" // the root: a call's arguments are an object
	lo, loEx := n.Minimum, false
	if n.ExclusiveMinimum != nil && (lo == nil || n.ExclusiveMinimum.Cmp(lo) >= 0) {
		lo, loEx = n.ExclusiveMinimum, true
	}
	hi, hiEx := n.Maximum, false
	if n.ExclusiveMaximum != nil && (hi == nil || n.ExclusiveMaximum.Cmp(hi) <= 0) {
		hi, hiEx = n.ExclusiveMaximum, true
	}
	if lo != nil && hi != nil && only("number", "integer") {
		c := lo.Cmp(hi)
		if c > 0 || c == 0 && (loEx || hiEx) {
			add(boundKeyword(hiEx, "maximum"), "no number is %s %s and %s %s", boundWord(loEx, "at least", "greater than"), rat(lo), boundWord(hiEx, "at most", "less than"), rat(hi))
		} else if n.Types != nil && typesInclude(n.Types, "integer") && !typesInclude(n.Types, "number") && noIntegerBetween(lo, loEx, hi, hiEx) {
			add(boundKeyword(hiEx, "maximum"), "no integer is %s %s and %s %s", boundWord(loEx, "at least", "greater than"), rat(lo), boundWord(hiEx, "at most", "less than"), rat(hi))
		}
	}
	pair := func(min, max *int, minKW, maxKW, what string) {
		if min != nil && max != nil && *min > *max && (what == "object" && objectsOnly || what != "object" && only(what)) {
			add(maxKW, "%s %d is below %s %d: no %s fits", maxKW, *max, minKW, *min, what)
		}
	}
	pair(n.MinLength, n.MaxLength, "minLength", "maxLength", "string")
	pair(n.MinItems, n.MaxItems, "minItems", "maxItems", "array")
	pair(n.MinProperties, n.MaxProperties, "minProperties", "maxProperties", "object")
	if n.Contains != nil {
		pair(n.MinContains, n.MaxContains, "minContains", "maxContains", "array")
	}
	if n.MaxProperties != nil && objectsOnly {
		distinct := map[string]bool{}
		for _, r := range n.Required {
			distinct[r] = true
		}
		if len(distinct) > *n.MaxProperties {
			add("maxProperties", "%d properties are required but maxProperties is %d", len(distinct), *n.MaxProperties)
		}
	}
	for _, r := range n.Required {
		if !objectsOnly {
			break
		}
		if p, ok := n.Properties[r]; ok {
			if p.Bool != nil && !*p.Bool {
				add("required", "property %s is required, but its schema is false", quote(r))
			}
			continue
		}
		if b, ok := n.AdditionalProperties.(bool); ok && !b && !matchesPattern(n, r) {
			add("required", "property %s is required, but additionalProperties is false and it is not among the properties", quote(r))
		}
	}
	if n.Enum != nil {
		if len(n.Enum.Values) == 0 {
			add("enum", "the enum is empty")
		} else if !anyValid(n, n.Enum.Values) {
			add("enum", "none of the enum's %d values satisfies the rest of the schema", len(n.Enum.Values))
		}
	}
	if n.Const != nil && n.Validate(*n.Const) != nil {
		add("const", "the const value does not satisfy the rest of the schema")
	}
	return out
}

func boundKeyword(exclusive bool, kw string) string {
	if exclusive {
		return "exclusive" + strings.ToUpper(kw[:1]) + kw[1:]
	}
	return kw
}

func boundWord(exclusive bool, inclusive, strict string) string {
	if exclusive {
		return strict
	}
	return inclusive
}

// noIntegerBetween: no integer lies in the (non-empty) range.
func noIntegerBetween(lo *big.Rat, loEx bool, hi *big.Rat, hiEx bool) bool {
	// The least integer in range: ceil(lo), or lo+1 when lo is an
	// integer the range excludes. DivMod with a positive divisor floors.
	first, rem := new(big.Int).DivMod(lo.Num(), lo.Denom(), new(big.Int))
	if rem.Sign() != 0 || loEx {
		first.Add(first, big.NewInt(1))
	}
	c := new(big.Rat).SetInt(first).Cmp(hi)
	return c > 0 || c == 0 && hiEx
}

func matchesPattern(n *jsonschema.Schema, name string) bool {
	for re := range n.PatternProperties {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

func anyValid(n *jsonschema.Schema, values []any) bool {
	for _, v := range values {
		if n.Validate(v) == nil {
			return true
		}
	}
	return false
}

// children are the subschemas of n (every applicator).
func children(s *jsonschema.Schema) []*jsonschema.Schema {
	subs := []*jsonschema.Schema{s.Ref, s.Not, s.If, s.Then, s.Else, s.PropertyNames, s.Contains, s.Items2020,
		s.UnevaluatedItems, s.UnevaluatedProperties, s.ContentSchema, s.RecursiveRef}
	if s.DynamicRef != nil {
		subs = append(subs, s.DynamicRef.Ref)
	}
	subs = append(subs, s.AllOf...)
	subs = append(subs, s.AnyOf...)
	subs = append(subs, s.OneOf...)
	subs = append(subs, s.PrefixItems...)
	for _, k := range sortedSchemaKeys(s.Properties) {
		subs = append(subs, s.Properties[k])
	}
	for _, x := range s.PatternProperties {
		subs = append(subs, x)
	}
	for _, k := range sortedSchemaKeys(s.DependentSchemas) {
		subs = append(subs, s.DependentSchemas[k])
	}
	for _, x := range s.Dependencies {
		if x, ok := x.(*jsonschema.Schema); ok {
			subs = append(subs, x)
		}
	}
	for _, x := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
		switch x := x.(type) {
		case *jsonschema.Schema:
			subs = append(subs, x)
		case []*jsonschema.Schema:
			subs = append(subs, x...)
		}
	}
	out := subs[:0]
	for _, x := range subs {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

func sortedSchemaKeys(m map[string]*jsonschema.Schema) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
