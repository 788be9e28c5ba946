package routines

import (
	"fmt"
	"strings"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/schema"
)

// checkValue reports a value the parameter's schema rejects whatever the
// model does (ErrSchemaValue), beyond its type (checked before): a
// literal against the parameter's enum, pattern, bounds, length, format
// and the rest of its schema, and a reference to a result field whose
// outputSchema lists its values (enum, const) none of which the
// parameter accepts. Either makes the lowered spec's step impossible:
// the call Validate would accept does not exist.
func (c *checker) checkValue(s *Step, a *Arg, info *toolInfo, env map[string]*Step) {
	params := info.compiled()
	if params == nil {
		return
	}
	var values []any
	var what string
	switch a.Kind {
	case ArgLiteral:
		v, err := strictjson.ParseString(a.Value.JSON, strictjson.Limits{})
		if err != nil {
			return
		}
		values, what = []any{v.Any()}, a.Value.JSON
	case ArgRef:
		field := c.refSchema(a.Ref, env)
		if field == nil {
			return
		}
		if e := field.Get("enum"); e != nil && e.Kind() == strictjson.Array {
			for i := range e.Len() {
				values = append(values, e.Elem(i).Any())
			}
		} else if k := field.Get("const"); k != nil {
			values = []any{k.Any()}
		}
		if len(values) == 0 {
			return
		}
		what = a.Ref.String() + " (its outputSchema allows only " + jsonList(field, values) + ")"
	default:
		return
	}
	ptr := "/" + strictjson.EscapeToken(a.Name)
	var why string
	for _, v := range values {
		err := params.Validate(map[string]any{a.Name: v})
		ve, ok := err.(*schema.ValidationError)
		if err == nil || !ok {
			return // accepted (or not judged here)
		}
		here := ""
		for _, p := range ve.Problems {
			if p.Pointer == ptr || strings.HasPrefix(p.Pointer, ptr+"/") {
				here = p.String()
				break
			}
		}
		if here == "" {
			return // only other parameters' problems (required ones, here absent)
		}
		if why == "" {
			why = here
		}
	}
	c.e.add(a.Pos, ErrSchemaValue, fmt.Sprintf("parameter %q of %s never accepts %s: %s", a.Name, s.Name, what, why))
}

func jsonList(field *strictjson.Value, values []any) string {
	var parts []string
	if e := field.Get("enum"); e != nil && e.Kind() == strictjson.Array {
		for i := range e.Len() {
			parts = append(parts, string(e.Elem(i).AppendJSON(nil)))
		}
	} else if k := field.Get("const"); k != nil {
		parts = append(parts, string(k.AppendJSON(nil)))
	}
	if len(parts) > 4 {
		parts = append(parts[:4], fmt.Sprintf("and %d more", len(values)-4))
	}
	return strings.Join(parts, ", ")
}

// refSchema is the outputSchema of the result field r names, or nil.
func (c *checker) refSchema(r *Ref, env map[string]*Step) *strictjson.Value {
	s, ok := env[r.Name]
	if !ok || c.tools == nil {
		return nil
	}
	info := c.tools[s.Name]
	if info == nil || info.output == nil {
		return nil
	}
	sch := info.output
	for _, seg := range r.Path {
		if sch = sch.Get("properties").Get(seg); sch == nil {
			return nil
		}
	}
	return sch
}

// compiled is the tool's parameter schema compiled once, or nil when it
// has none or it does not compile (the catalog's own check reports that).
func (t *toolInfo) compiled() *schema.Schema {
	if !t.compileTried {
		t.compileTried = true
		if len(t.tool.Parameters) > 0 {
			t.schema, _ = schema.Compile(t.tool.Parameters, schema.CompileOptions{})
		}
	}
	return t.schema
}
