package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzNormalizeForGeneration: any input either normalises or is refused
// with a typed *Error, never a panic or a hang (the limits bound the
// work); a normalised schema's Gen graph is closed (no nil alternative).
func FuzzNormalizeForGeneration(f *testing.F) {
	if a, err := txtar.ParseFile("testdata/refusals.txtar"); err == nil {
		for _, file := range a.Files {
			if strings.HasSuffix(file.Name, ".json") {
				f.Add(file.Data)
			}
		}
	}
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"anyOf":[{"type":"string"},{"type":"null"}]}},"required":["a"]}`,
		`{"$defs":{"t":{"type":"object","properties":{"k":{"type":"array","items":{"$ref":"#/$defs/t"}}}}},"$ref":"#/$defs/t"}`,
		`{"oneOf":[{"const":1},{"const":"1"}],"not":{"enum":[2]}}`,
		`{"if":{"required":["a"]},"then":{"required":["b"]},"else":{"maxProperties":1},"dependentRequired":{"b":["c"]}}`,
		`{"type":"array","prefixItems":[{"format":"date"}],"items":false,"contains":{"type":"string"}}`,
		`{"patternProperties":{"^x":{"type":"integer"}},"additionalProperties":false,"propertyNames":{"maxLength":3}}`,
		`true`, `false`, `{}`, `[]`, `1`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 1<<14 {
			return
		}
		g, err := NormalizeForGeneration(json.RawMessage(raw), Options{MaxGens: 256, MaxAlternatives: 16})
		if err != nil {
			if _, ok := AsError(err); !ok {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		seen := map[*Gen]bool{}
		var visit func(g *Gen)
		visit = func(g *Gen) {
			if g == nil || seen[g] {
				return
			}
			seen[g] = true
			for _, nd := range g.Alts {
				if nd == nil {
					t.Fatal("nil alternative")
				}
				for _, p := range nd.Props {
					if p.Value == nil {
						t.Fatalf("property %q without a Gen", p.Name)
					}
					visit(p.Value)
				}
				for _, p := range nd.Prefix {
					visit(p)
				}
				visit(nd.Rest)
				visit(nd.Contains)
				if nd.Extra != nil {
					visit(nd.Extra.Value)
				}
			}
		}
		visit(g)
	})
}
