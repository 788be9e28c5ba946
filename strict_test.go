package specplan_test

import (
	"encoding/json"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/schema"
)

// TestOpenAIStrictReachesTheDecoder: OpenAI's `"strict": true` sits on the
// function, beside the schema; the decoder's schema (Spec.Schemas) carries
// it at its root, where generation honours it (every declared property
// required), while validation keeps the schema as written.
func TestOpenAIStrictReachesTheDecoder(t *testing.T) {
	cat := `[{"type": "function", "function": {"name": "f", "strict": true, "parameters": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "additionalProperties": false}}},
	         {"type": "function", "function": {"name": "g", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}]`
	tools, err := ltl.ParseCatalog("c.json", []byte(cat))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := specplan.Compile("s.ltl", []byte("spec s\nrule F f\n"), specplan.Options{Catalog: tools})
	if err != nil {
		t.Fatal(err)
	}
	var f, g map[string]any
	if err := json.Unmarshal(spec.Schemas()["f"], &f); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(spec.Schemas()["g"], &g); err != nil {
		t.Fatal(err)
	}
	if f["strict"] != true || g["strict"] != nil {
		t.Errorf("strict on f: %v, on g: %v", f["strict"], g["strict"])
	}
	gen, err := schema.NormalizeForGeneration(spec.Schemas()["f"], schema.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, nd := range gen.Alts {
		for _, p := range nd.Props {
			if !p.Required {
				t.Errorf("strict tool: property %s is optional for generation", p.Name)
			}
		}
	}
	// Validation is standard JSON Schema: b may be left out.
	if v := spec.Validate([]ltl.Event{{Tool: "f", Args: map[string]any{"a": "x"}}}); !v.Accepted {
		t.Errorf("validation enforced strict mode: %+v", v.Violation)
	}
}
