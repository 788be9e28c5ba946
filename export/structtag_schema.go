package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// jv is a JSON value that keeps the order of object members: XGrammar
// generates properties in the order the schema lists them, and so does
// the decoder, so a restricted schema must keep the catalog's order.
type jv struct {
	kind jKind
	str  string // string value, or a number's or literal's JSON text
	obj  []member
	arr  []*jv
}

type member struct {
	key string
	val *jv
}

type jKind uint8

const (
	jNull jKind = iota + 1
	jBool
	jNumber
	jString
	jArray
	jObject
)

// maxSchemaValues bounds the JSON values of one tool schema read here.
const maxSchemaValues = 1 << 20

func parseJV(raw []byte) (*jv, error) {
	v, err := strictjson.Parse(raw, strictjson.Limits{MaxValues: maxSchemaValues})
	if err != nil {
		return nil, err
	}
	return fromStrict(v), nil
}

func fromStrict(v *strictjson.Value) *jv {
	switch v.Kind() {
	case strictjson.Null:
		return &jv{kind: jNull, str: "null"}
	case strictjson.Bool:
		return &jv{kind: jBool, str: v.Text()}
	case strictjson.Number:
		return &jv{kind: jNumber, str: v.Text()}
	case strictjson.String:
		return &jv{kind: jString, str: v.Text()}
	case strictjson.Array:
		out := &jv{kind: jArray}
		for i := range v.Len() {
			out.arr = append(out.arr, fromStrict(v.Elem(i)))
		}
		return out
	default:
		out := &jv{kind: jObject}
		for i := range v.Len() {
			k, val := v.Member(i)
			out.obj = append(out.obj, member{k.Text(), fromStrict(val)})
		}
		return out
	}
}

func (v *jv) clone() *jv {
	c := *v
	c.obj = nil
	c.arr = nil
	for _, m := range v.obj {
		c.obj = append(c.obj, member{m.key, m.val.clone()})
	}
	for _, e := range v.arr {
		c.arr = append(c.arr, e.clone())
	}
	return &c
}

func (v *jv) get(k string) *jv {
	if v == nil || v.kind != jObject {
		return nil
	}
	for _, m := range v.obj {
		if m.key == k {
			return m.val
		}
	}
	return nil
}

func (v *jv) set(k string, val *jv) {
	for i, m := range v.obj {
		if m.key == k {
			v.obj[i].val = val
			return
		}
	}
	v.obj = append(v.obj, member{k, val})
}

func (v *jv) appendJSON(b []byte) []byte {
	switch v.kind {
	case jString:
		return appendJSONString(b, v.str)
	case jArray:
		b = append(b, '[')
		for i, e := range v.arr {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendJSON(b)
		}
		return append(b, ']')
	case jObject:
		b = append(b, '{')
		for i, m := range v.obj {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, m.key), ':')
			b = m.val.appendJSON(b)
		}
		return append(b, '}')
	}
	return append(b, v.str...)
}

// appendJSONString quotes s as JSON without HTML escapes (control
// characters, U+2028 and U+2029 are escaped).
func appendJSONString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

func (v *jv) marshal() (json.RawMessage, error) { return v.appendJSON(nil), nil }

func jstr(s string) *jv { return &jv{kind: jString, str: s} }
func jnum(n ltl.Number) *jv {
	return &jv{kind: jNumber, str: n.String()}
}
func jbool(b bool) *jv { return &jv{kind: jBool, str: strconv.FormatBool(b)} }

func jvalue(v ltl.Value) *jv {
	switch v.Kind {
	case ltl.NumberValue:
		return jnum(v.Num)
	case ltl.BoolValue:
		return jbool(v.Bool)
	}
	return jstr(v.Str)
}

// restrictTool is the tool's schema restricted to the calls of the
// allowed minterms: one schema per minterm (anyOf when several; not
// allOf, which XGrammar replaces by "any JSON" when it has several
// members). With all set, every minterm is allowed and only the
// predicates' type rule (the predicated argument present and of its
// type) restricts the schema. nil: no minterm can be written.
func restrictTool(tool string, base *jv, allowed [][]automata.Lit, all bool) (*jv, []Approximation, error) {
	if base.kind == jBool && base.str == "true" {
		base = &jv{kind: jObject, obj: []member{{"type", jstr("object")}}}
	}
	if base.kind != jObject {
		return nil, nil, stErr(StructTagSchema, "structural tag: tool %s: the parameter schema must be an object", tool)
	}
	var apx []Approximation
	if all {
		// Only the type rule: keep one minterm's paths, with no values.
		s := base.clone()
		var typeOnly []automata.Lit
		if len(allowed) > 0 {
			typeOnly = allowed[0]
		}
		for _, l := range typeOnly {
			leaf, ok := walkPath(s, l.Pred.Segments())
			if !ok {
				apx = append(apx, Approximation{Tool: tool, Pred: l.Pred.String(), Over: true, Reason: "the argument's schema is not a plain object path (properties) here, so its presence and type are not enforced"})
				continue
			}
			if !setKind(leaf, l.Pred) {
				return nil, nil, nil
			}
		}
		return s, dedupe(apx), nil
	}
	var alts []*jv
	for _, lits := range allowed {
		s := base.clone()
		ok := true
		for _, l := range lits {
			a, sat := applyLit(tool, s, l)
			apx = append(apx, a...)
			if !sat {
				ok = false
				break
			}
		}
		if ok {
			alts = append(alts, s)
		}
	}
	switch len(alts) {
	case 0:
		return nil, dedupe(apx), nil
	case 1:
		return alts[0], dedupe(apx), nil
	}
	arr := &jv{kind: jArray, arr: alts}
	return &jv{kind: jObject, obj: []member{{"anyOf", arr}}}, dedupe(apx), nil
}

func dedupe(a []Approximation) []Approximation {
	var out []Approximation
	for _, x := range a {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// combinators are the keywords beside which XGrammar reads no sibling
// (it dispatches on them before "type"), so restrictions added next to
// them would not be enforced; and a $ref's siblings are ignored in older
// drafts. "not" and "if" are ignored by XGrammar, so siblings are fine.
var combinators = []string{"$ref", "anyOf", "oneOf", "allOf"}

// walkPath makes the path required and returns its leaf schema, creating
// property schemas where the object lists none. false: some step is not
// a plain object schema (a $ref, a combinator), which this export does
// not rewrite.
func walkPath(s *jv, path []string) (*jv, bool) {
	cur := s
	for _, seg := range path {
		if cur.kind != jObject {
			return nil, false
		}
		for _, k := range combinators {
			if cur.get(k) != nil {
				return nil, false
			}
		}
		if t := cur.get("type"); t == nil {
			cur.set("type", jstr("object"))
		} else if t.kind != jString || t.str != "object" {
			return nil, false
		}
		req := cur.get("required")
		if req == nil {
			req = &jv{kind: jArray}
			cur.set("required", req)
		}
		if req.kind != jArray {
			return nil, false
		}
		has := false
		for _, r := range req.arr {
			has = has || (r.kind == jString && r.str == seg)
		}
		if !has {
			req.arr = append(req.arr, jstr(seg))
		}
		props := cur.get("properties")
		if props == nil {
			props = &jv{kind: jObject}
			cur.set("properties", props)
		}
		if props.kind != jObject {
			return nil, false
		}
		next := props.get(seg)
		if next == nil || (next.kind == jBool && next.str == "true") {
			next = &jv{kind: jObject}
			props.set(seg, next)
		}
		cur = next
	}
	if cur.kind != jObject {
		return nil, false
	}
	for _, k := range combinators {
		if cur.get(k) != nil {
			return nil, false
		}
	}
	return cur, true
}

// predKind is the JSON Schema type a predicate's fail-closed type rule
// requires ("" when it depends on a captured value's type).
func predKind(p ltl.Pred) string {
	if p.Cmp.IsString() {
		return "string"
	}
	switch p.Value.Kind {
	case ltl.NumberValue:
		return "number"
	case ltl.StringValue:
		return "string"
	case ltl.BoolValue:
		return "boolean"
	}
	return ""
}

// setKind narrows leaf to the predicate's type; false when the schema
// gives the argument another type (no call can satisfy both).
func setKind(leaf *jv, p ltl.Pred) bool {
	k := predKind(p)
	if k == "" {
		return true
	}
	t := leaf.get("type")
	switch {
	case t == nil:
		leaf.set("type", jstr(k))
		return true
	case t.kind == jString:
		return t.str == k || (k == "number" && t.str == "integer")
	case t.kind == jArray:
		for _, e := range t.arr {
			if e.str == k || (k == "number" && e.str == "integer") {
				leaf.set("type", jstr(e.str))
				return true
			}
		}
	}
	return false
}

// applyLit restricts s to the calls where literal l holds as it says.
// false: the minterm cannot be written under this schema.
func applyLit(tool string, s *jv, l automata.Lit) ([]Approximation, bool) {
	name := litName(l)
	over := func(why string) []Approximation {
		return []Approximation{{Tool: tool, Pred: name, Over: true, Reason: why}}
	}
	leaf, ok := walkPath(s, l.Pred.Segments())
	if !ok {
		return over("the argument's schema is not a plain object path (properties) here; the predicate is not enforced"), true
	}
	if !setKind(leaf, l.Pred) {
		return nil, false
	}
	p := l.Pred
	cmp := p.Cmp
	holds := l.Holds
	if cmp == ltl.CmpNe {
		cmp, holds = ltl.CmpEq, !holds
	}
	var apx []Approximation
	switch {
	case cmp == ltl.CmpEq && p.Value.Kind == ltl.BoolValue:
		b := p.Value.Bool == holds
		if c := leaf.get("const"); c != nil && c.str != strconv.FormatBool(b) {
			return nil, false
		}
		leaf.set("const", jbool(b))
	case cmp == ltl.CmpEq && holds && p.Value.Kind == ltl.NumberValue:
		// Bounds, not const: XGrammar's const is the literal's text, and
		// the spec's == is numeric (1.0 == 1).
		apx = append(apx, tighten(tool, name, leaf, "minimum", p.Value.Num, false)...)
		apx = append(apx, tighten(tool, name, leaf, "maximum", p.Value.Num, true)...)
	case cmp == ltl.CmpEq && holds:
		v := jvalue(p.Value)
		if e := leaf.get("enum"); e != nil && !inEnum(e, v) {
			return nil, false
		}
		if c := leaf.get("const"); c != nil && string(c.appendJSON(nil)) != string(v.appendJSON(nil)) {
			return nil, false
		}
		leaf.set("const", v)
	case cmp == ltl.CmpEq:
		leaf.set("not", &jv{kind: jObject, obj: []member{{"const", jvalue(p.Value)}}})
		apx = append(apx, over("XGrammar ignores \"not\": the excluded value is written into the schema but not enforced")...)
	case cmp.IsOrder():
		key := map[ltl.Cmp][2]string{
			ltl.CmpLt: {"exclusiveMaximum", "minimum"},
			ltl.CmpLe: {"maximum", "exclusiveMinimum"},
			ltl.CmpGt: {"exclusiveMinimum", "maximum"},
			ltl.CmpGe: {"minimum", "exclusiveMaximum"},
		}[cmp]
		k := key[0]
		if !holds {
			k = key[1]
		}
		apx = append(apx, tighten(tool, name, leaf, k, p.Value.Num, strings.HasSuffix(strings.ToLower(k), "maximum"))...)
	case cmp == ltl.CmpIn && holds:
		set := p.Set
		if len(set) == 0 {
			set = []ltl.Value{p.Value}
		}
		var vals []*jv
		for _, v := range set {
			jvv := jvalue(v)
			if e := leaf.get("enum"); e == nil || inEnum(e, jvv) {
				vals = append(vals, jvv)
			}
		}
		if len(vals) == 0 {
			return nil, false
		}
		leaf.set("enum", &jv{kind: jArray, arr: vals})
		if set[0].Kind == ltl.NumberValue {
			apx = append(apx, Approximation{Tool: tool, Pred: name, Reason: "XGrammar writes enum numbers only as the literals' text (1.0 is not 1)"})
		}
	case cmp == ltl.CmpIn:
		set := &jv{kind: jArray}
		for _, v := range p.Set {
			set.arr = append(set.arr, jvalue(v))
		}
		leaf.set("not", &jv{kind: jObject, obj: []member{{"enum", set}}})
		apx = append(apx, over("XGrammar ignores \"not\": the excluded values are written into the schema but not enforced")...)
	case cmp.IsString() && holds && cmp != ltl.CmpMatches:
		if leaf.get("pattern") != nil || leaf.get("format") != nil {
			return over("the argument already has a pattern or format, and XGrammar cannot intersect two (allOf with several members is \"any JSON\" there); the tool's schema is kept, the predicate is not enforced"), true
		}
		if leaf.get("minLength") != nil || leaf.get("maxLength") != nil {
			apx = append(apx, over("XGrammar enforces a pattern without the argument's minLength/maxLength")...)
		}
		leaf.set("pattern", jstr(stringPattern(cmp, p.Value.Str)))
	case cmp == ltl.CmpMatches:
		apx = append(apx, over("RE2 patterns are not translated to XGrammar's regex dialect (anchoring and classes differ); the predicate is not enforced")...)
	default: // starts_with, ends_with or contains that must not hold
		if leaf.get("not") != nil {
			return over("the argument's schema already has a \"not\"; the predicate is not written"), true
		}
		leaf.set("not", &jv{kind: jObject, obj: []member{{"pattern", jstr(stringPattern(cmp, p.Value.Str))}}})
		apx = append(apx, over("a string predicate that must not hold is written as \"not\", which XGrammar ignores; not enforced")...)
	}
	return apx, true
}

// stringPattern is starts_with, ends_with or contains s as an anchored
// pattern.
func stringPattern(cmp ltl.Cmp, s string) string {
	lit := regexQuote(s)
	switch cmp {
	case ltl.CmpStartsWith:
		return "^" + lit + anyText + "$"
	case ltl.CmpEndsWith:
		return "^" + anyText + lit + "$"
	}
	return "^" + anyText + lit + anyText + "$"
}

// anyText matches any string content, newlines included: an anchored
// pattern reads the same under JSON Schema's search semantics (ECMA-262)
// and XGrammar's whole-value match.
const anyText = `[\s\S]*`

func regexQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune(`\^$.|?*+()[]{}/`, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func inEnum(e, v *jv) bool {
	if e.kind != jArray {
		return true
	}
	want := string(v.appendJSON(nil))
	for _, x := range e.arr {
		if string(x.appendJSON(nil)) == want {
			return true
		}
	}
	return false
}

// tighten sets bound key (minimum, maximum, exclusiveMinimum,
// exclusiveMaximum) to n unless the schema's bound is already tighter.
func tighten(tool, name string, leaf *jv, key string, n ltl.Number, upper bool) []Approximation {
	var apx []Approximation
	if f, err := strconv.ParseFloat(n.String(), 64); err != nil || new(big.Rat).SetFloat64(f).Cmp(n.Rat()) != 0 {
		apx = append(apx, Approximation{Tool: tool, Pred: name, Over: true,
			Reason: fmt.Sprintf("XGrammar reads bounds as doubles, and %s is not one: the bound it enforces is the nearest double", n)})
	}
	if old := leaf.get(key); old != nil && old.kind == jNumber {
		if r, ok := new(big.Rat).SetString(old.str); ok {
			c := r.Cmp(n.Rat())
			if (upper && c <= 0) || (!upper && c >= 0) {
				return apx
			}
		}
	}
	if old := leaf.get(key); old != nil && old.kind == jBool {
		// Draft-04 boolean exclusive bounds: the numeric form replaces it
		// only where the spec's bound is the tighter; keep it simple and
		// say so.
		apx = append(apx, Approximation{Tool: tool, Pred: name, Over: true, Reason: "the schema uses draft-04 boolean " + key + ", which this export replaces by the spec's bound"})
	}
	leaf.set(key, jnum(n))
	return apx
}

// xgrammarIgnores are keywords XGrammar's JSON Schema converter warns
// about and does not enforce (cpp/json_schema_converter.cc at the commit
// XGrammarStructTagDoc names).
var xgrammarIgnores = []string{"not", "if", "then", "else", "dependentRequired", "dependentSchemas", "uniqueItems", "contains", "minContains", "maxContains"}

// unsupportedKeywords lists the tool schema's keywords that XGrammar does
// not enforce (the decoder enforces them; the structural tag does not).
func unsupportedKeywords(tool string, s *jv) []Approximation {
	seen := map[string]bool{}
	var walk func(v *jv, depth int)
	walk = func(v *jv, depth int) {
		if v == nil || depth > 64 {
			return
		}
		switch v.kind {
		case jArray:
			for _, e := range v.arr {
				walk(e, depth+1)
			}
		case jObject:
			for _, m := range v.obj {
				if slices.Contains(xgrammarIgnores, m.key) {
					seen[m.key] = true
				}
				if m.key == "allOf" && m.val.kind == jArray && len(m.val.arr) > 1 {
					seen["allOf"] = true
				}
				if m.key == "multipleOf" {
					if t := v.get("type"); t == nil || t.str != "integer" {
						seen["multipleOf"] = true
					}
				}
				if m.key == "properties" || m.key == "$defs" || m.key == "definitions" || m.key == "patternProperties" {
					for _, p := range m.val.obj {
						walk(p.val, depth+1)
					}
					continue
				}
				if m.key == "enum" || m.key == "const" || m.key == "default" || m.key == "examples" {
					continue
				}
				walk(m.val, depth+1)
			}
		}
	}
	walk(s, 0)
	var out []Approximation
	for _, k := range append(slices.Clone(xgrammarIgnores), "allOf", "multipleOf") {
		if seen[k] {
			why := fmt.Sprintf("the tool schema uses %q, which XGrammar does not enforce", k)
			if k == "allOf" {
				why = "the tool schema uses allOf with several members, which XGrammar reads as any JSON value"
			}
			out = append(out, Approximation{Tool: tool, Over: true, Reason: why})
		}
	}
	return out
}
