package decoder

import (
	"bytes"
	"encoding/json"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// MaxSchemaDepth bounds the nesting of objects and arrays in a tool schema.
const MaxSchemaDepth = 8

// freeDepth is how deep objects and arrays nest inside a value the schema
// leaves open (no schema for the tool, or a property without a type).
const freeDepth = 2

// maxItemsUnrolled bounds minItems/maxItems, which are unrolled in the NFA.
const maxItemsUnrolled = 64

// schema is the subset of JSON Schema the decoder enforces.
type schema struct {
	types              []string // empty: any
	enum               []any    // with hasEnum (const is a one-value enum)
	hasEnum            bool
	props              []prop // in schema order
	required           map[string]bool
	items              *schema
	minItems, maxItems int // maxItems -1: unbounded
	minLen, maxLen     int // maxLen -1: unbounded
	pattern            string
	bounds             []interval
}

type prop struct {
	name string
	s    *schema
}

var allTypes = []string{"string", "number", "boolean", "null", "object", "array"}

// unsupportedKeywords change which values are valid in ways the decoder
// does not enforce; a schema using them is refused rather than silently
// loosened. (additionalProperties, patternProperties and propertyNames need
// nothing: the decoder writes only declared properties.)
var unsupportedKeywords = []string{"anyOf", "oneOf", "allOf", "not", "$ref", "multipleOf",
	"uniqueItems", "minProperties", "maxProperties", "prefixItems", "contains", "if",
	"dependentRequired", "dependentSchemas", "dependencies"}

// orderedObject decodes a JSON object keeping its key order.
func orderedObject(raw json.RawMessage) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	t, err := dec.Token()
	if err != nil {
		return nil, nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, nil, newErr(CodeSchema, "expected a JSON object")
	}
	var keys []string
	m := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := m[k]; !dup {
			keys = append(keys, k)
		}
		m[k] = v
	}
	return keys, m, nil
}

func parseSchema(raw json.RawMessage, path string, depth int) (*schema, error) {
	if depth > MaxSchemaDepth {
		return nil, newErr(CodeLimit, "%s: schema nesting deeper than %d (limit MaxSchemaDepth)", path, MaxSchemaDepth)
	}
	s := &schema{maxItems: -1, maxLen: -1, bounds: fullLine}
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "true" {
		return s, nil
	}
	_, m, err := orderedObject(raw)
	if err != nil {
		return nil, newErr(CodeSchema, "%s: %v", path, err)
	}
	for _, k := range unsupportedKeywords {
		if _, ok := m[k]; ok {
			return nil, newErr(CodeSchema, "%s: keyword %q is not supported (the decoder cannot enforce it)", path, k)
		}
	}
	dec := func(key string, v any) error {
		if r, ok := m[key]; ok {
			d := json.NewDecoder(bytes.NewReader(r))
			d.UseNumber()
			if err := d.Decode(v); err != nil {
				return newErr(CodeSchema, "%s: %q: %v", path, key, err)
			}
		}
		return nil
	}
	if r, ok := m["type"]; ok {
		var one string
		if json.Unmarshal(r, &one) == nil {
			s.types = []string{one}
		} else if err := json.Unmarshal(r, &s.types); err != nil {
			return nil, newErr(CodeSchema, "%s: \"type\" must be a string or a list of strings", path)
		}
		for _, t := range s.types {
			if t != "integer" && !slices.Contains(allTypes, t) {
				return nil, newErr(CodeSchema, "%s: unknown type %q", path, t)
			}
		}
	}
	if r, ok := m["const"]; ok {
		var v any
		d := json.NewDecoder(bytes.NewReader(r))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, newErr(CodeSchema, "%s: const: %v", path, err)
		}
		s.enum, s.hasEnum = []any{v}, true
	} else if _, ok := m["enum"]; ok {
		if err := dec("enum", &s.enum); err != nil {
			return nil, err
		}
		s.hasEnum = true
	}
	var req []string
	if err := dec("required", &req); err != nil {
		return nil, err
	}
	s.required = map[string]bool{}
	for _, r := range req {
		s.required[r] = true
	}
	if r, ok := m["properties"]; ok {
		keys, pm, err := orderedObject(r)
		if err != nil {
			return nil, newErr(CodeSchema, "%s: properties: %v", path, err)
		}
		for _, k := range keys {
			ps, err := parseSchema(pm[k], path+"."+k, depth+1)
			if err != nil {
				return nil, err
			}
			s.props = append(s.props, prop{name: k, s: ps})
		}
	}
	for r := range s.required {
		if !slices.ContainsFunc(s.props, func(p prop) bool { return p.name == r }) {
			return nil, newErr(CodeSchema, "%s: required property %q has no entry in properties", path, r)
		}
	}
	if r, ok := m["items"]; ok {
		if s.items, err = parseSchema(r, path+"[]", depth+1); err != nil {
			return nil, err
		}
	}
	var n *int
	for _, kv := range []struct {
		key string
		dst *int
	}{{"minItems", &s.minItems}, {"maxItems", &s.maxItems}, {"minLength", &s.minLen}, {"maxLength", &s.maxLen}} {
		if err := dec(kv.key, &n); err != nil {
			return nil, err
		}
		if n != nil {
			if *n < 0 {
				return nil, newErr(CodeSchema, "%s: %s is negative", path, kv.key)
			}
			*kv.dst = *n
		}
		n = nil
	}
	if s.minItems > maxItemsUnrolled || s.maxItems > maxItemsUnrolled {
		return nil, newErr(CodeLimit, "%s: minItems/maxItems above %d (limit maxItemsUnrolled)", path, maxItemsUnrolled)
	}
	if err := dec("pattern", &s.pattern); err != nil {
		return nil, err
	}
	if s.pattern != "" {
		if _, err := newRegexLeaf(s.pattern); err != nil {
			return nil, newErr(CodeSchema, "%s: %s", path, err.(*ConstraintError).Msg)
		}
	}
	// Numeric bounds, draft 4 (boolean exclusive*) and draft 6+ (numeric).
	num := func(key string) (*big.Rat, bool, error) {
		r, ok := m[key]
		if !ok {
			return nil, false, nil
		}
		var b bool
		if json.Unmarshal(r, &b) == nil {
			return nil, b, nil
		}
		x, ok := new(big.Rat).SetString(strings.TrimSpace(string(r)))
		if !ok {
			return nil, false, newErr(CodeSchema, "%s: %s is not a number", path, key)
		}
		return x, false, nil
	}
	mn, _, err := num("minimum")
	if err != nil {
		return nil, err
	}
	mx, _, err := num("maximum")
	if err != nil {
		return nil, err
	}
	emn, emnFlag, err := num("exclusiveMinimum")
	if err != nil {
		return nil, err
	}
	emx, emxFlag, err := num("exclusiveMaximum")
	if err != nil {
		return nil, err
	}
	iv := interval{lo: mn, hi: mx, loOpen: emnFlag, hiOpen: emxFlag}
	s.bounds = []interval{iv}
	if emn != nil {
		s.bounds = intersect(s.bounds, []interval{{lo: emn, loOpen: true}})
	}
	if emx != nil {
		s.bounds = intersect(s.bounds, []interval{{hi: emx, hiOpen: true}})
	}
	return s, nil
}

// ratOf is the exact decimal value of a float64 at its shortest form.
func ratOf(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}

// predIntervals is the set of numbers on which p has truth value holds.
func predIntervals(p ltl.Pred, holds bool) []interval {
	c := p.Value.Num.Rat()
	var yes, no []interval
	switch p.Cmp {
	case ltl.CmpEq:
		yes, no = []interval{{lo: c, hi: c}}, []interval{{hi: c, hiOpen: true}, {lo: c, loOpen: true}}
	case ltl.CmpNe:
		no, yes = []interval{{lo: c, hi: c}}, []interval{{hi: c, hiOpen: true}, {lo: c, loOpen: true}}
	case ltl.CmpLt:
		yes, no = []interval{{hi: c, hiOpen: true}}, []interval{{lo: c}}
	case ltl.CmpLe:
		yes, no = []interval{{hi: c}}, []interval{{lo: c, loOpen: true}}
	case ltl.CmpGt:
		yes, no = []interval{{lo: c, loOpen: true}}, []interval{{hi: c}}
	case ltl.CmpGe:
		yes, no = []interval{{lo: c}}, []interval{{hi: c, hiOpen: true}}
	}
	if holds {
		return yes
	}
	return no
}

// compiler builds the NFA of one symbol's arguments.
type compiler struct {
	b   *builder
	syn valueSyntax
	f   Format
}

// typeAllowed reports whether a value of JSON type t can give every lit its
// truth value when the lits of t's own kind are handled by the caller:
// a lit of another kind is false on every value of t.
func typeAllowed(lits []automata.Lit, kind ltl.ValueKind) bool {
	// Fail-closed (ltl.CheckArgs): every predicate, true or false, implies
	// its argument's type; a value of another type is in no symbol.
	for _, l := range lits {
		if l.Pred.Value.Kind != kind {
			return false
		}
	}
	return true
}

// litTyped reports whether v has the type l's predicate implies.
func litTyped(l automata.Lit, v any) bool {
	return ltl.CheckArgs("", []ltl.Pred{l.Pred}, map[string]any{l.Pred.Arg: v}) == nil
}

// value builds the NFA of one value of schema s whose lits (predicates on
// this value) must take the given truth values; -1 if no value qualifies.
func (c *compiler) value(s *schema, lits []automata.Lit, depth int, next int32) (int32, error) {
	if depth > MaxSchemaDepth {
		return -1, newErr(CodeLimit, "value nesting deeper than %d (limit MaxSchemaDepth)", MaxSchemaDepth)
	}
	if s.hasEnum {
		var outs []int32
		for _, v := range s.enum {
			ok := len(s.types) == 0 || slices.Contains(s.types, jsonType(v)) ||
				jsonType(v) == "number" && slices.Contains(s.types, "integer") && isIntegral(v)
			// Every other keyword applies to enum values too (JSON
			// Schema): write only the values ValidateArgs would accept.
			var ck argChecker
			if ck.value(s, v, ""); len(ck.errs) > 0 {
				ok = false
			}
			for _, l := range lits {
				if l.Pred.Holds(map[string]any{l.Pred.Arg: v}) != l.Holds || !litTyped(l, v) {
					ok = false
				}
			}
			if ok {
				outs = append(outs, c.b.lit(renderValue(v, c.syn), next))
			}
		}
		return c.b.split(outs...), c.b.err
	}
	types := s.types
	if len(types) == 0 {
		types = allTypes
	}
	var outs []int32
	for _, t := range types {
		pc := int32(-1)
		var err error
		switch t {
		case "string":
			pc, err = c.stringValue(s, lits, modeJSON, nil, next)
		case "number", "integer":
			if !typeAllowed(lits, ltl.NumberValue) {
				continue
			}
			ivs := s.bounds
			for _, l := range lits {
				if l.Pred.Value.Kind == ltl.NumberValue {
					ivs = intersect(ivs, predIntervals(l.Pred, l.Holds))
				}
			}
			if len(ivs) > 0 {
				pc = c.b.leafNode(newNumLeaf(t == "integer", ivs), next)
			}
		case "boolean", "null":
			vals := []any{true, false}
			kind := ltl.BoolValue
			if t == "null" {
				vals, kind = []any{nil}, 0
			}
			if !typeAllowed(lits, kind) {
				continue
			}
			var alts []int32
			for _, v := range vals {
				ok := true
				for _, l := range lits {
					if l.Pred.Holds(map[string]any{l.Pred.Arg: v}) != l.Holds {
						ok = false
					}
				}
				if ok {
					alts = append(alts, c.b.lit(renderValue(v, c.syn), next))
				}
			}
			pc = c.b.split(alts...)
		case "object":
			if !typeAllowed(lits, 0) {
				continue
			}
			if len(s.props) == 0 && len(s.types) == 0 {
				pc = c.freeObject(freeDepth, next)
			} else if len(s.props) == 0 {
				pc = c.freeObject(min(freeDepth, MaxSchemaDepth-depth), next)
			} else {
				pc, err = c.object(s, jsonFrame, nil, depth+1, next)
			}
		case "array":
			if !typeAllowed(lits, 0) {
				continue
			}
			pc, err = c.array(s, depth+1, next)
		}
		if err != nil {
			return -1, err
		}
		if pc >= 0 {
			outs = append(outs, pc)
		}
	}
	return c.b.split(outs...), c.b.err
}

func (c *compiler) stringValue(s *schema, lits []automata.Lit, mode strMode, exclude []string, next int32) (int32, error) {
	if !typeAllowed(lits, ltl.StringValue) {
		return -1, nil
	}
	l := &strLeaf{mode: mode, minLen: s.minLen, maxLen: s.maxLen, notIn: slices.Clone(exclude)}
	for _, lt := range lits {
		if lt.Pred.Value.Kind != ltl.StringValue {
			continue
		}
		v := lt.Pred.Value.Str
		eq := (lt.Pred.Cmp == ltl.CmpEq) == lt.Holds
		if eq {
			if l.in == nil {
				l.in = []string{v}
			} else if !slices.Contains(l.in, v) {
				l.in = []string{}
			}
		} else if !slices.Contains(l.notIn, v) {
			l.notIn = append(l.notIn, v)
		}
	}
	if l.in != nil {
		l.in = slices.DeleteFunc(l.in, func(v string) bool {
			n := len([]rune(v))
			return slices.Contains(l.notIn, v) || !spellable(mode, v) || n < l.minLen || l.maxLen >= 0 && n > l.maxLen
		})
		l.notIn = nil
		if len(l.in) == 0 {
			return -1, nil
		}
	}
	if s.pattern != "" {
		re, err := regexp.Compile(s.pattern)
		if err != nil {
			return -1, newErr(CodeSchema, "pattern %q: %v", s.pattern, err)
		}
		switch {
		case l.in != nil:
			l.in = slices.DeleteFunc(l.in, func(v string) bool { return !re.MatchString(v) })
			if len(l.in) == 0 {
				return -1, nil
			}
		case l.minLen > 0 || l.maxLen >= 0 || mode != modeJSON:
			return -1, newErr(CodeSchema, "pattern %q together with minLength or maxLength (or outside a JSON string) is not supported", s.pattern)
		default:
			rl, err := newRegexLeaf(s.pattern)
			if err != nil {
				return -1, err
			}
			var lf leaf = rl
			if len(l.notIn) > maxExcluded {
				return -1, newErr(CodeLimit, "more than %d excluded string values for one argument (limit maxExcluded)", maxExcluded)
			} else if len(l.notIn) > 0 {
				lf = newRegexNotLeaf(rl, l.notIn)
			}
			if lf.minRem(lf.init()) < 0 {
				return -1, nil
			}
			return c.b.leafNode(lf, next), nil
		}
	}
	if len(l.notIn) > maxExcluded {
		return -1, newErr(CodeLimit, "more than %d excluded string values for one argument (limit maxExcluded)", maxExcluded)
	}
	if l.minRem(l.init()) < 0 {
		return -1, nil
	}
	return c.b.leafNode(l, next), nil
}

// keyText spells a property name as an object key (or keyword argument).
func keyText(name string, fr objFrame) string {
	if fr.identKeys {
		return name
	}
	return quoteJSON(name)
}

func quoteJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

// object builds an object with the properties of s in schema order, each
// optional one present or not (any subsequence), required ones always.
// argLits holds the predicates on top-level arguments (nil below the top).
func (c *compiler) object(s *schema, fr objFrame, argLits map[string][]automata.Lit, depth int, next int32) (int32, error) {
	for name := range argLits {
		if !slices.ContainsFunc(s.props, func(p prop) bool { return p.name == name }) {
			// A predicated argument must be present (fail-closed rule),
			// and only listed properties are generated.
			return -1, nil
		}
	}
	end := c.b.lit(fr.close, next)
	return c.properties(s, fr, argLits, depth, func(bool) int32 { return end })
}

// properties builds an object's properties in schema order, each present
// or (when optional) absent, then the tail: tail(written) continues after
// the last property, written saying whether any came before (so a
// separator is due).
func (c *compiler) properties(s *schema, fr objFrame, argLits map[string][]automata.Lit, depth int, tail func(written bool) int32) (int32, error) {
	type key struct {
		i   int
		any bool
	}
	memo := map[key]int32{}
	var build func(i int, any bool) (int32, error)
	build = func(i int, any bool) (int32, error) {
		if i == len(s.props) {
			return tail(any), nil
		}
		if pc, ok := memo[key{i, any}]; ok {
			return pc, nil
		}
		p := s.props[i]
		if fr.identKeys && (!isIdent(p.name) || slices.Contains(pythonKeywords, p.name)) {
			return -1, newErr(CodeFormat, "argument %q is not a Python identifier (pythonic format)", p.name)
		}
		lits := argLits[p.name]
		// A predicated argument is always present (fail-closed rule).
		required := s.required[p.name] || len(lits) > 0
		rest, err := build(i+1, true)
		if err != nil {
			return -1, err
		}
		val, err := c.value(p.s, lits, depth, rest)
		if err != nil {
			return -1, err
		}
		present := int32(-1)
		if val >= 0 && rest >= 0 {
			sep := ""
			if any {
				sep = ", "
			}
			present = c.b.lit(sep+keyText(p.name, fr)+fr.sep, val)
		}
		absent := int32(-1)
		if !required {
			if absent, err = build(i+1, any); err != nil {
				return -1, err
			}
		}
		pc := c.b.split(present, absent)
		memo[key{i, any}] = pc
		return pc, nil
	}
	first, err := build(0, false)
	if err != nil || first < 0 {
		return -1, err
	}
	return c.b.lit(fr.open, first), c.b.err
}

// freeObject is an object of any keys and free values, nested up to d.
func (c *compiler) freeObject(d int, next int32) int32 {
	if d <= 0 {
		return -1
	}
	tail := c.b.placeholder()
	key := c.b.leafNode(&strLeaf{mode: modeJSON, maxLen: -1}, c.b.lit(": ", c.freeValue(d-1, tail)))
	c.b.fill(tail, c.b.lit("}", next), c.b.lit(", ", key))
	return c.b.lit("{", c.b.split(c.b.lit("}", next), key))
}

func (c *compiler) freeArray(d int, next int32) int32 {
	if d <= 0 {
		return -1
	}
	tail := c.b.placeholder()
	item := c.freeValue(d-1, tail)
	c.b.fill(tail, c.b.lit("]", next), c.b.lit(", ", item))
	return c.b.lit("[", c.b.split(c.b.lit("]", next), item))
}

// freeValue is any scalar, or an object or array nested up to d.
func (c *compiler) freeValue(d int, next int32) int32 {
	return c.b.split(
		c.b.leafNode(&strLeaf{mode: modeJSON, maxLen: -1}, next),
		c.b.leafNode(newNumLeaf(false, fullLine), next),
		c.b.lit(c.syn.trueLit(), next),
		c.b.lit(c.syn.falseLit(), next),
		c.b.lit(c.syn.nullLit(), next),
		c.freeObject(d, next),
		c.freeArray(d, next),
	)
}

func (c *compiler) array(s *schema, depth int, next int32) (int32, error) {
	item := func(next int32) (int32, error) {
		if s.items == nil {
			return c.freeValue(freeDepth-1, next), nil
		}
		return c.value(s.items, nil, depth, next)
	}
	// build(k): k items written so far.
	var build func(k int) (int32, error)
	var loop int32 = -1
	build = func(k int) (int32, error) {
		sep := ""
		if k > 0 {
			sep = ", "
		}
		closeArr := c.b.lit("]", next)
		if s.maxItems >= 0 && k >= s.maxItems {
			return closeArr, nil
		}
		if s.maxItems < 0 && k >= max(s.minItems, 1) {
			if loop < 0 {
				loop = c.b.placeholder()
				it, err := item(loop)
				if err != nil {
					return -1, err
				}
				c.b.fill(loop, closeArr, c.b.lit(", ", it))
			}
			return loop, nil
		}
		rest, err := build(k + 1)
		if err != nil {
			return -1, err
		}
		it, err := item(rest)
		if err != nil {
			return -1, err
		}
		more := int32(-1)
		if it >= 0 {
			more = c.b.lit(sep, it)
		}
		if k < s.minItems {
			return more, nil
		}
		return c.b.split(closeArr, more), nil
	}
	first, err := build(0)
	if err != nil || first < 0 {
		return -1, err
	}
	return c.b.lit("[", first), c.b.err
}

// args builds a call's arguments: by the tool's schema if it has one, else
// an object whose predicated arguments come first (in predicate order) and
// then any other keys with free values.
func (c *compiler) args(s *schema, lits []automata.Lit, next int32) (int32, error) {
	byArg := map[string][]automata.Lit{}
	var order []string
	for _, l := range lits {
		if _, ok := byArg[l.Pred.Arg]; !ok {
			order = append(order, l.Pred.Arg)
		}
		byArg[l.Pred.Arg] = append(byArg[l.Pred.Arg], l)
	}
	fr := c.f.argFrame()
	if s != nil {
		if len(s.types) > 0 && !slices.Contains(s.types, "object") {
			return -1, newErr(CodeSchema, "parameters must be of type object")
		}
		return c.object(s, fr, byArg, 1, next)
	}
	// Schemaless: predicated arguments as optional typed properties.
	ps := &schema{required: map[string]bool{}}
	for _, a := range order {
		ps.props = append(ps.props, prop{name: a, s: &schema{maxItems: -1, maxLen: -1, bounds: fullLine,
			types: []string{"string", "number", "boolean", "null"}}})
	}
	exclude := slices.Clone(order)
	if fr.identKeys {
		exclude = append(exclude, pythonKeywords...)
	}
	sort.Strings(exclude)
	exclude = slices.Compact(exclude)
	if len(exclude) > maxExcluded {
		return -1, newErr(CodeLimit, "more than %d predicated arguments on one schemaless tool (limit maxExcluded)", maxExcluded)
	}
	end := c.b.lit(fr.close, next)
	// Free pairs after the predicated ones: tail(any).
	mode := modeJSON
	if fr.identKeys {
		mode = modeIdent
	}
	tailAny := c.b.placeholder()
	pair := c.b.leafNode(&strLeaf{mode: mode, maxLen: -1, notIn: exclude}, c.b.lit(fr.sep, c.freeValue(freeDepth, tailAny)))
	c.b.fill(tailAny, end, c.b.lit(", ", pair))
	tailNone := c.b.split(end, pair)
	// Predicated properties, then the tail.
	return c.properties(ps, fr, byArg, 1, func(written bool) int32 {
		if written {
			return tailAny
		}
		return tailNone
	})
}

// renderValue spells a literal value (from an enum or const) canonically.
func renderValue(v any, syn valueSyntax) string {
	switch x := v.(type) {
	case nil:
		return syn.nullLit()
	case bool:
		if x {
			return syn.trueLit()
		}
		return syn.falseLit()
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return quoteJSON(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = renderValue(e, syn)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = quoteJSON(k) + ": " + renderValue(x[k], syn)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return syn.nullLit()
}

// jsonType is the JSON Schema type name of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

func isIntegral(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	r, ok := new(big.Rat).SetString(n.String())
	return ok && r.IsInt()
}
