package schema

import (
	"encoding/json"
	"math/big"
	"strconv"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The fast path. Monitor.Step validates every tool call of every session,
// and the general validator allocates a score of times per call (scopes,
// location stacks, big.Rat numbers). The keywords tool catalogs use are
// decided here instead, on the validator's own compiled schema, without
// allocating: exact decimal comparison of numbers' texts, the validator's
// own pattern and format functions.
//
// The verdict is three-valued. Only `valid` is ever trusted alone: on
// `invalid` the general validator runs to say what is wrong, and on
// `unknown` (a keyword not handled here, a very deep recursion) it decides.
// So a gap here costs speed, never correctness, as long as `valid` is
// never wrong; the JSON-Schema-Test-Suite test checks exactly that, case
// by case, against the suite's expected results.

type verdict uint8

const (
	vUnknown verdict = iota
	vValid
	vInvalid
)

// JSON types, as bits.
const (
	tNull uint8 = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

// maxFastDepth bounds the fast path's recursion (schema nodes entered,
// $ref included); deeper checks are left to the general validator, which
// also finds $ref cycles that consume no input.
const maxFastDepth = 200

type addlKind uint8

const (
	addlAny addlKind = iota // absent or true
	addlNone
	addlSchema
)

// node mirrors one *jsonschema.Schema. slow marks a schema using a keyword
// the fast path does not decide.
type node struct {
	slow     bool
	boolean  *bool
	ref      *node
	refOnly  bool // drafts before 2019-09: $ref ignores its siblings
	types    uint8
	enum     []constant
	hasConst bool
	constant constant
	format   func(any) error
	not      *node
	allOf    []*node
	anyOf    []*node
	oneOf    []*node
	ifN      *node
	thenN    *node
	elseN    *node

	minProps, maxProps int // -1 when absent
	required           []string
	props              map[string]*node
	addl               addlKind
	addlNode           *node

	minItems, maxItems int
	items              *node

	minLen, maxLen int
	pattern        jsonschema.Regexp

	min, max, exMin, exMax *decimal[string]
}

// constant is an enum or const value in a form compared without allocating.
type constant struct {
	kind uint8 // one of the t* bits; tNumber for every number
	b    bool
	s    string
	num  decimal[string]
	arr  []constant
	obj  map[string]constant
}

func buildFast(s *jsonschema.Schema) *node {
	b := fastBuilder{memo: map[*jsonschema.Schema]*node{}}
	n := b.build(s)
	if n.slow {
		return nil
	}
	return n
}

type fastBuilder struct {
	memo map[*jsonschema.Schema]*node
}

func (b *fastBuilder) build(s *jsonschema.Schema) *node {
	if s == nil {
		return nil
	}
	if n, ok := b.memo[s]; ok {
		return n
	}
	n := &node{minProps: -1, maxProps: -1, minItems: -1, maxItems: -1, minLen: -1, maxLen: -1}
	b.memo[s] = n
	if s.Bool != nil {
		n.boolean = s.Bool
		return n
	}
	if s.RecursiveRef != nil || s.DynamicRef != nil || s.Dependencies != nil || s.DependentRequired != nil ||
		s.DependentSchemas != nil || s.UnevaluatedProperties != nil || s.UnevaluatedItems != nil ||
		s.PropertyNames != nil || len(s.PatternProperties) > 0 || s.UniqueItems || s.Contains != nil ||
		s.PrefixItems != nil || s.AdditionalItems != nil || s.ContentEncoding != nil ||
		s.ContentMediaType != nil || s.ContentSchema != nil || s.MultipleOf != nil || len(s.Extensions) > 0 {
		n.slow = true
		return n
	}
	if s.Ref != nil {
		n.ref = b.build(s.Ref)
		n.refOnly = s.DraftVersion < 2019
	}
	if s.Types != nil {
		for _, t := range s.Types.ToStrings() {
			n.types |= typeBit(t)
		}
	}
	ok := true
	if s.Enum != nil {
		for _, v := range s.Enum.Values {
			c, good := toConstant(v)
			ok = ok && good
			n.enum = append(n.enum, c)
		}
		if n.enum == nil {
			n.enum = []constant{} // an empty enum matches nothing
		}
	}
	if s.Const != nil {
		n.hasConst = true
		var good bool
		n.constant, good = toConstant(*s.Const)
		ok = ok && good
	}
	if s.Format != nil {
		n.format = s.Format.Validate
	}
	n.not = b.build(s.Not)
	for _, x := range s.AllOf {
		n.allOf = append(n.allOf, b.build(x))
	}
	for _, x := range s.AnyOf {
		n.anyOf = append(n.anyOf, b.build(x))
	}
	for _, x := range s.OneOf {
		n.oneOf = append(n.oneOf, b.build(x))
	}
	n.ifN, n.thenN, n.elseN = b.build(s.If), b.build(s.Then), b.build(s.Else)

	n.minProps, n.maxProps = intOr(s.MinProperties), intOr(s.MaxProperties)
	n.required = s.Required
	if len(s.Properties) > 0 {
		n.props = make(map[string]*node, len(s.Properties))
		for k, x := range s.Properties {
			n.props[k] = b.build(x)
		}
	}
	switch a := s.AdditionalProperties.(type) {
	case bool:
		if !a {
			n.addl = addlNone
		}
	case *jsonschema.Schema:
		n.addl, n.addlNode = addlSchema, b.build(a)
	}

	n.minItems, n.maxItems = intOr(s.MinItems), intOr(s.MaxItems)
	switch it := s.Items.(type) {
	case *jsonschema.Schema:
		n.items = b.build(it)
	case []*jsonschema.Schema:
		ok = false // tuple form: left to the general validator
	}
	if s.Items2020 != nil {
		n.items = b.build(s.Items2020)
	}

	n.minLen, n.maxLen = intOr(s.MinLength), intOr(s.MaxLength)
	n.pattern = s.Pattern

	var good [4]bool
	n.min, good[0] = ratDecimal(s.Minimum)
	n.max, good[1] = ratDecimal(s.Maximum)
	n.exMin, good[2] = ratDecimal(s.ExclusiveMinimum)
	n.exMax, good[3] = ratDecimal(s.ExclusiveMaximum)
	ok = ok && good[0] && good[1] && good[2] && good[3]
	n.slow = !ok
	return n
}

func intOr(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func typeBit(t string) uint8 {
	switch t {
	case "null":
		return tNull
	case "boolean":
		return tBoolean
	case "number":
		return tNumber
	case "integer":
		return tInteger
	case "string":
		return tString
	case "array":
		return tArray
	case "object":
		return tObject
	}
	return 0
}

// ratDecimal writes a schema bound (a rational read from a decimal
// literal) as a decimal; ok is false if it has no finite decimal form.
func ratDecimal(r *big.Rat) (*decimal[string], bool) {
	if r == nil {
		return nil, true
	}
	s := rat(r)
	d, ok := parseDecimal(s, len(s)+1+len(s))
	if !ok {
		return nil, false
	}
	return &d, true
}

func toConstant(v any) (constant, bool) {
	switch v := v.(type) {
	case nil:
		return constant{kind: tNull}, true
	case bool:
		return constant{kind: tBoolean, b: v}, true
	case string:
		return constant{kind: tString, s: v}, true
	case json.Number:
		d, ok := parseDecimal(string(v), len(v)+1)
		return constant{kind: tNumber, num: d}, ok
	case []any:
		c := constant{kind: tArray, arr: make([]constant, len(v))}
		for i, x := range v {
			var ok bool
			if c.arr[i], ok = toConstant(x); !ok {
				return c, false
			}
		}
		return c, true
	case map[string]any:
		c := constant{kind: tObject, obj: make(map[string]constant, len(v))}
		for k, x := range v {
			e, ok := toConstant(x)
			if !ok {
				return c, false
			}
			c.obj[k] = e
		}
		return c, true
	}
	return constant{}, false
}

// numberText formats a Go number as the validator reads it (fmt's %v):
// integers in full, floats in their shortest round-trip form.
func numberText(v any, buf []byte) []byte {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(buf, int64(v), 10)
	case int8:
		return strconv.AppendInt(buf, int64(v), 10)
	case int16:
		return strconv.AppendInt(buf, int64(v), 10)
	case int32:
		return strconv.AppendInt(buf, int64(v), 10)
	case int64:
		return strconv.AppendInt(buf, v, 10)
	case uint:
		return strconv.AppendUint(buf, uint64(v), 10)
	case uint8:
		return strconv.AppendUint(buf, uint64(v), 10)
	case uint16:
		return strconv.AppendUint(buf, uint64(v), 10)
	case uint32:
		return strconv.AppendUint(buf, uint64(v), 10)
	case uint64:
		return strconv.AppendUint(buf, v, 10)
	case float32:
		return strconv.AppendFloat(buf, float64(v), 'g', -1, 32)
	case float64:
		return strconv.AppendFloat(buf, v, 'g', -1, 64)
	}
	return nil
}

func (n *node) check(v any, depth int) verdict {
	if n == nil {
		return vValid
	}
	if n.slow || depth > maxFastDepth {
		return vUnknown
	}
	if n.boolean != nil {
		if *n.boolean {
			return vValid
		}
		return vInvalid
	}
	if n.ref != nil && n.refOnly {
		return n.ref.check(v, depth+1)
	}
	// v is passed on as the interface it came in: converting a typed
	// number back to `any` would allocate.
	switch x := v.(type) {
	case json.Number:
		d, ok := parseDecimal(string(x), len(x)+1)
		if !ok {
			return vUnknown
		}
		return checkNumber(n, v, d, depth)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		var buf [32]byte
		d, ok := parseDecimal(numberText(x, buf[:0]), 64)
		if !ok {
			return vUnknown
		}
		return checkNumber(n, v, d, depth)
	}
	t := tObject
	switch v.(type) {
	case nil:
		t = tNull
	case bool:
		t = tBoolean
	case string:
		t = tString
	case []any:
		t = tArray
	case map[string]any:
	default:
		return vUnknown
	}
	if n.types != 0 && n.types&t == 0 {
		return vInvalid
	}
	if n.enum != nil || n.hasConst {
		if r := n.checkConstants(v); r != vValid {
			return r
		}
	}
	return n.checkRest(v, depth)
}

func checkNumber[T text](n *node, v any, d decimal[T], depth int) verdict {
	if n.types != 0 && n.types&tNumber == 0 && (n.types&tInteger == 0 || !d.isInteger()) {
		return vInvalid
	}
	if n.enum != nil {
		found := false
		for i := range n.enum {
			if c := &n.enum[i]; c.kind == tNumber && compareDecimal(d, c.num) == 0 {
				found = true
				break
			}
		}
		if !found {
			return vInvalid
		}
	}
	if n.hasConst && (n.constant.kind != tNumber || compareDecimal(d, n.constant.num) != 0) {
		return vInvalid
	}
	if n.min != nil && compareDecimal(d, *n.min) < 0 ||
		n.max != nil && compareDecimal(d, *n.max) > 0 ||
		n.exMin != nil && compareDecimal(d, *n.exMin) <= 0 ||
		n.exMax != nil && compareDecimal(d, *n.exMax) >= 0 {
		return vInvalid
	}
	return n.checkRest(v, depth)
}

func (n *node) checkConstants(v any) verdict {
	if n.enum != nil {
		found := false
		for i := range n.enum {
			r := n.enum[i].equal(v)
			if r == vUnknown {
				return vUnknown
			}
			if r == vValid {
				found = true
				break
			}
		}
		if !found {
			return vInvalid
		}
	}
	if n.hasConst {
		return n.constant.equal(v)
	}
	return vValid
}

// equal compares an instance value with the constant: valid if equal,
// invalid if not, unknown for a value it cannot read.
func (c *constant) equal(v any) verdict {
	switch v := v.(type) {
	case nil:
		return is(c.kind == tNull)
	case bool:
		return is(c.kind == tBoolean && c.b == v)
	case string:
		return is(c.kind == tString && c.s == v)
	case json.Number:
		d, ok := parseDecimal(string(v), len(v)+1)
		if !ok {
			return vUnknown
		}
		return is(c.kind == tNumber && compareDecimal(d, c.num) == 0)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		var buf [32]byte
		d, ok := parseDecimal(numberText(v, buf[:0]), 64)
		if !ok {
			return vUnknown
		}
		return is(c.kind == tNumber && compareDecimal(d, c.num) == 0)
	case []any:
		if c.kind != tArray || len(c.arr) != len(v) {
			return vInvalid
		}
		for i := range v {
			if r := c.arr[i].equal(v[i]); r != vValid {
				return r
			}
		}
		return vValid
	case map[string]any:
		if c.kind != tObject || len(c.obj) != len(v) {
			return vInvalid
		}
		for k, x := range v {
			e, ok := c.obj[k]
			if !ok {
				return vInvalid
			}
			if r := e.equal(x); r != vValid {
				return r
			}
		}
		return vValid
	}
	return vUnknown
}

func is(b bool) verdict {
	if b {
		return vValid
	}
	return vInvalid
}

// and combines conjuncts: one invalid decides, else one unknown does.
func and(a, b verdict) verdict {
	if a == vInvalid || b == vInvalid {
		return vInvalid
	}
	if a == vUnknown || b == vUnknown {
		return vUnknown
	}
	return vValid
}

// checkRest checks the keywords that do not depend on a number's value:
// the type-specific ones for strings, arrays and objects, then $ref and
// the applicators.
func (n *node) checkRest(v any, depth int) verdict {
	r := vValid
	switch v := v.(type) {
	case string:
		if n.minLen >= 0 || n.maxLen >= 0 {
			l := runeCount(v)
			if n.minLen >= 0 && l < n.minLen || n.maxLen >= 0 && l > n.maxLen {
				return vInvalid
			}
		}
		if n.pattern != nil && !n.pattern.MatchString(v) {
			return vInvalid
		}
	case []any:
		if n.minItems >= 0 && len(v) < n.minItems || n.maxItems >= 0 && len(v) > n.maxItems {
			return vInvalid
		}
		if n.items != nil {
			for _, x := range v {
				if r = and(r, n.items.check(x, depth+1)); r == vInvalid {
					return r
				}
			}
		}
	case map[string]any:
		if n.minProps >= 0 && len(v) < n.minProps || n.maxProps >= 0 && len(v) > n.maxProps {
			return vInvalid
		}
		for _, k := range n.required {
			if _, ok := v[k]; !ok {
				return vInvalid
			}
		}
		for k, x := range v {
			if p, ok := n.props[k]; ok {
				r = and(r, p.check(x, depth+1))
			} else {
				switch n.addl {
				case addlNone:
					return vInvalid
				case addlSchema:
					r = and(r, n.addlNode.check(x, depth+1))
				}
			}
			if r == vInvalid {
				return r
			}
		}
	}
	if n.format != nil && n.format(v) != nil {
		return vInvalid
	}
	if n.ref != nil {
		if r = and(r, n.ref.check(v, depth+1)); r == vInvalid {
			return r
		}
	}
	if n.not != nil {
		switch n.not.check(v, depth+1) {
		case vValid:
			return vInvalid
		case vUnknown:
			r = and(r, vUnknown)
		}
	}
	for _, x := range n.allOf {
		if r = and(r, x.check(v, depth+1)); r == vInvalid {
			return r
		}
	}
	if len(n.anyOf) > 0 {
		any := vInvalid
		for _, x := range n.anyOf {
			switch x.check(v, depth+1) {
			case vValid:
				any = vValid
			case vUnknown:
				if any == vInvalid {
					any = vUnknown
				}
			}
			if any == vValid {
				break
			}
		}
		if r = and(r, any); r == vInvalid {
			return r
		}
	}
	if len(n.oneOf) > 0 {
		matched, unsure := 0, false
		for _, x := range n.oneOf {
			switch x.check(v, depth+1) {
			case vValid:
				matched++
			case vUnknown:
				unsure = true
			}
		}
		switch {
		case matched > 1:
			return vInvalid
		case unsure:
			r = and(r, vUnknown)
		case matched == 0:
			return vInvalid
		}
	}
	if n.ifN != nil {
		switch n.ifN.check(v, depth+1) {
		case vValid:
			if n.thenN != nil {
				r = and(r, n.thenN.check(v, depth+1))
			}
		case vInvalid:
			if n.elseN != nil {
				r = and(r, n.elseN.check(v, depth+1))
			}
		default:
			r = and(r, vUnknown)
		}
	}
	return r
}

func runeCount(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}
