package routines

import (
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/schema"
)

// toolInfo is what Check reads from one catalog tool: its parameter
// schema and, when the entry has one, its MCP-style outputSchema (on the
// entry or on its "function" object), both parsed once.
type toolInfo struct {
	tool   ltl.CatalogTool
	params *strictjson.Value
	output *strictjson.Value

	schema       *schema.Schema // params compiled, on first use (compiled)
	compileTried bool
}

func newToolInfo(t ltl.CatalogTool) *toolInfo {
	info := &toolInfo{tool: t}
	lim := strictjson.Limits{MaxDepth: strictjson.DefaultMaxDepth}
	if len(t.Parameters) > 0 {
		info.params, _ = strictjson.Parse(t.Parameters, lim)
	}
	if len(t.Entry) > 0 {
		if e, err := strictjson.Parse(t.Entry, lim); err == nil {
			info.output = e.Get("outputSchema")
			if info.output == nil {
				info.output = e.Get("function").Get("outputSchema")
			}
		}
	}
	return info
}

// schemaTypes returns the JSON types a schema allows, nil when it does
// not say (no "type", or one this reader does not follow such as $ref).
func schemaTypes(s *strictjson.Value) []string {
	t := s.Get("type")
	switch {
	case t == nil:
		if c := s.Get("const"); c != nil {
			return []string{jsonKind(c)}
		}
		return nil
	case t.Kind() == strictjson.String:
		return []string{t.Text()}
	case t.Kind() == strictjson.Array:
		var out []string
		for i := range t.Len() {
			if e := t.Elem(i); e.Kind() == strictjson.String {
				out = append(out, e.Text())
			}
		}
		return out
	}
	return nil
}

func jsonKind(v *strictjson.Value) string {
	switch v.Kind() {
	case strictjson.Number:
		if n, err := ltl.ParseNumber(v.Text()); err == nil && n.IsInt() {
			return "integer"
		}
		return "number"
	case strictjson.Bool:
		return "boolean"
	}
	return v.Kind().String()
}

// property returns the schema of an object schema's property, and whether
// the schema closes its properties (additionalProperties: false, or a
// properties list with no additionalProperties that allows more — the
// way tool catalogs are written).
func property(s *strictjson.Value, name string) (prop *strictjson.Value, known bool) {
	props := s.Get("properties")
	if props == nil || props.Kind() != strictjson.Object {
		return nil, false
	}
	if p := props.Get(name); p != nil {
		return p, true
	}
	ap := s.Get("additionalProperties")
	if ap != nil && !(ap.Kind() == strictjson.Bool && ap.Text() == "false") {
		return nil, false
	}
	return nil, true
}

// required lists an object schema's required property names.
func required(s *strictjson.Value) []string {
	r := s.Get("required")
	if r == nil || r.Kind() != strictjson.Array {
		return nil
	}
	var out []string
	for i := range r.Len() {
		if e := r.Elem(i); e.Kind() == strictjson.String {
			out = append(out, e.Text())
		}
	}
	return out
}

// typeFits says whether a value of type have may stand where the schema
// types want allow; unknown (empty) on either side fits.
func typeFits(have string, want []string) bool {
	if have == "" || have == "any" || len(want) == 0 {
		return true
	}
	for _, w := range want {
		if w == have || w == "number" && have == "integer" {
			return true
		}
	}
	return false
}
