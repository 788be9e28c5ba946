package specplan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// toolArgs is what the alphabet and the predicate checks need from one
// tool's parameter schema: per listed property, the domain of its values,
// and whether properties not listed are forbidden.
type toolArgs struct {
	props  map[string]automata.ArgDomain
	types  map[string][]string // the property's schema type names, for messages
	closed bool                // additionalProperties: false
}

// readToolArgs is the one place this package reads a raw parameter schema
// for predicates (the decoder and validator read it for arguments). It
// reads only properties.ARG.{type, enum, const, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum} and additionalProperties: false; a
// property using any keyword that could widen or reshape its values
// ($ref, anyOf, oneOf, allOf, not, if) gets an unconstrained domain, so
// the domain always over-approximates what the schema allows. A schema
// that is not an object with properties yields nothing.
func readToolArgs(params json.RawMessage) toolArgs {
	out := toolArgs{props: map[string]automata.ArgDomain{}, types: map[string][]string{}}
	top := readSchemaTree(params)
	if top == nil || top.Kind() != strictjson.Object {
		return out
	}
	props := top.Get("properties")
	if props != nil && props.Kind() != strictjson.Object && props.Kind() != strictjson.Null {
		return out
	}
	ap := top.Get("additionalProperties")
	out.closed = ap != nil && ap.Kind() == strictjson.Bool && ap.Text() == "false"
	if props == nil || props.Kind() != strictjson.Object {
		return out
	}
	for i := range props.Len() {
		name, raw := props.Member(i)
		d, types := readArgDomain(raw)
		out.props[name.Text()] = d
		out.types[name.Text()] = types
	}
	return out
}

// readSchemaTree reads a catalog's parameter schema with the project's
// strict JSON reader (the same keys, exactly, that schema.Compile reads), or
// returns nil: a schema that does not parse constrains nothing here, and
// schema.Compile reports it.
func readSchemaTree(raw json.RawMessage) *strictjson.Value {
	v, err := strictjson.Parse(raw, strictjson.Limits{})
	if err != nil {
		return nil
	}
	return v
}

func readArgDomain(raw *strictjson.Value) (automata.ArgDomain, []string) {
	if raw.Kind() != strictjson.Object {
		return automata.ArgDomain{}, nil
	}
	m := raw.Map()
	for _, k := range []string{"$ref", "anyOf", "oneOf", "allOf", "not", "if", "$dynamicRef"} {
		if _, ok := m[k]; ok {
			return automata.ArgDomain{}, nil
		}
	}
	var d automata.ArgDomain
	var types []string
	switch t := m["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				types = append(types, s)
			}
		}
	}
	if _, ok := m["type"]; ok {
		d.Kinds = []ltl.ValueKind{}
		hasNumber, hasInteger := false, false
		for _, t := range types {
			switch t {
			case "number":
				hasNumber = true
			case "integer":
				hasInteger = true
			case "string":
				d.Kinds = append(d.Kinds, ltl.StringValue)
			case "boolean":
				d.Kinds = append(d.Kinds, ltl.BoolValue)
			}
		}
		if hasNumber || hasInteger {
			d.Kinds = append(d.Kinds, ltl.NumberValue)
			d.Integer = hasInteger && !hasNumber
		}
	}
	var finite []any
	if enum, ok := m["enum"].([]any); ok {
		d.Finite, finite = true, enum
	}
	if c, ok := m["const"]; ok {
		if d.Finite { // both: the const, if the enum has it (else nothing)
			var keep []any
			for _, v := range finite {
				if jsonScalarEqual(v, c) {
					keep = append(keep, v)
				}
			}
			finite = keep
		} else {
			d.Finite, finite = true, []any{c}
		}
	}
	for _, v := range finite {
		if lv, ok := scalarValue(v); ok {
			d.Values = append(d.Values, lv)
		}
	}
	num := func(key string) *ltl.Number {
		if n, ok := m[key].(json.Number); ok {
			if x, err := ltl.ParseNumber(string(n)); err == nil {
				return &x
			}
		}
		return nil
	}
	d.Min, d.Max = num("minimum"), num("maximum")
	// Draft 4: exclusiveMinimum is a boolean on minimum; draft 6+: a number.
	if b, ok := m["exclusiveMinimum"].(bool); ok {
		d.MinExclusive = b && d.Min != nil
	} else if x := num("exclusiveMinimum"); x != nil && (d.Min == nil || x.Cmp(*d.Min) >= 0) {
		d.Min, d.MinExclusive = x, true
	}
	if b, ok := m["exclusiveMaximum"].(bool); ok {
		d.MaxExclusive = b && d.Max != nil
	} else if x := num("exclusiveMaximum"); x != nil && (d.Max == nil || x.Cmp(*d.Max) <= 0) {
		d.Max, d.MaxExclusive = x, true
	}
	return d, types
}

func scalarValue(v any) (ltl.Value, bool) {
	switch x := v.(type) {
	case string:
		return ltl.Value{Kind: ltl.StringValue, Str: x}, true
	case bool:
		return ltl.Value{Kind: ltl.BoolValue, Bool: x}, true
	case json.Number:
		if n, err := ltl.ParseNumber(string(x)); err == nil {
			return ltl.Value{Kind: ltl.NumberValue, Num: n}, true
		}
	}
	return ltl.Value{}, false
}

func jsonScalarEqual(a, b any) bool {
	x, ok1 := scalarValue(a)
	y, ok2 := scalarValue(b)
	return ok1 && ok2 && x == y
}

// catalogDomains builds the alphabet's argument domains from the catalog's
// parameter schemas: listed properties get their domain, and on a tool
// whose schema forbids other properties, every predicated argument it does
// not list is Absent.
func catalogDomains(schemas map[string]json.RawMessage, formulas []ltl.Formula) map[string]map[string]automata.ArgDomain {
	preds := ltl.ToolPreds(formulas...)
	out := map[string]map[string]automata.ArgDomain{}
	for tool, raw := range schemas {
		ta := readToolArgs(raw)
		doms := map[string]automata.ArgDomain{}
		for name, d := range ta.props {
			doms[name] = d
		}
		if ta.closed {
			for _, p := range preds[tool] {
				if _, ok := ta.props[p.Arg]; !ok && len(p.Segments()) == 1 {
					doms[p.Arg] = automata.ArgDomain{Absent: true}
				}
			}
		}
		out[tool] = doms
	}
	return out
}

// checkPredicateTypes reports, for plan check, predicates that no call can
// satisfy well-typed: two predicates that imply different types for one
// argument, and, where the catalog gives the tool's schema, a predicate
// whose type the schema contradicts (its type, enum or const) or on an
// argument the schema does not allow.
func (s *Spec) checkPredicateTypes(add func(p ltl.Pos, sev Severity, c CheckCode, format string, args ...any)) {
	var formulas []ltl.Formula
	for _, r := range s.source.Rules {
		formulas = append(formulas, r.Formula)
	}
	preds := ltl.ToolPreds(formulas...)
	tools := make([]string, 0, len(preds))
	for t := range preds {
		tools = append(tools, t)
	}
	sort.Strings(tools)
	for _, tool := range tools {
		ps := preds[tool]
		first := map[string]ltl.Pred{} // per argument, the first predicate on it (source order of rules)
		for _, b := range ps {
			if b.Value.Kind == 0 {
				continue // == or != with a captured value: any scalar, known along the run
			}
			a, ok := first[b.Arg]
			if !ok {
				first[b.Arg] = b
				continue
			}
			if a.Value.Kind != b.Value.Kind {
				add(b.Pos, SeverityError, CheckPredicateType,
					"predicate %s on %s implies %s is a %s, but %s (%s) implies it is a %s: no call of %s can have both, so every call of it would be rejected",
					b, tool, b.Arg, b.Value.Kind, a, posString(a.Pos), a.Value.Kind, tool)
			}
		}
		raw, ok := s.schemas[tool]
		if !ok {
			continue
		}
		ta := readToolArgs(raw)
		for _, p := range ps {
			top := p.Segments()[0]
			d, listed := ta.props[top]
			switch {
			case !listed && ta.closed:
				add(p.Pos, SeverityError, CheckPredicateType,
					"predicate %s: the schema of %s has no property %s and forbids others (additionalProperties: false)", p, tool, top)
			case !listed, p.Value.Kind == 0, len(p.Segments()) > 1:
			case !kindAllowed(d, p.Value.Kind):
				add(p.Pos, SeverityError, CheckPredicateType,
					"predicate %s implies %s is a %s, but the schema of %s says %s is %s",
					p, p.Arg, p.Value.Kind, tool, p.Arg, schemaTypeWords(d, ta.types[p.Arg]))
			}
		}
	}
}

func kindAllowed(d automata.ArgDomain, k ltl.ValueKind) bool {
	if d.Kinds != nil {
		ok := false
		for _, x := range d.Kinds {
			ok = ok || x == k
		}
		if !ok {
			return false
		}
	}
	if d.Finite {
		for _, v := range d.Values {
			if v.Kind == k {
				return true
			}
		}
		return false
	}
	return true
}

func schemaTypeWords(d automata.ArgDomain, types []string) string {
	if d.Finite {
		var vals []string
		for _, v := range d.Values {
			vals = append(vals, v.String())
		}
		if len(vals) == 0 {
			return "one of values that are not numbers, strings or booleans"
		}
		return "one of " + strings.Join(vals, ", ")
	}
	if len(types) == 1 {
		return "a " + types[0]
	}
	return fmt.Sprintf("of type %s", strings.Join(types, " or "))
}
