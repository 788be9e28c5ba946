package schema

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the .out sections of testdata/refusals.txtar")

// TestRefusalGolden: every keyword (and limit) the generator refuses is
// refused with its code, the JSON pointer of the schema holding it and the
// keyword, as recorded in testdata/refusals.txtar.
func TestRefusalGolden(t *testing.T) {
	const path = "testdata/refusals.txtar"
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changed := false
	for i := range a.Files {
		f := &a.Files[i]
		name, ok := strings.CutSuffix(f.Name, ".json")
		if !ok {
			continue
		}
		_, err := NormalizeForGeneration(json.RawMessage(f.Data), Options{})
		got := "no error\n"
		if err != nil {
			e, ok := AsError(err)
			if !ok {
				t.Errorf("%s: untyped error %T: %v", name, err, err)
				continue
			}
			got = fmt.Sprintf("code=%s pointer=%q keyword=%q\n%s\n", e.Code, e.Pointer, e.Keyword, e.Error())
		}
		for j := range a.Files {
			if a.Files[j].Name != name+".out" {
				continue
			}
			if string(a.Files[j].Data) != got {
				if *update {
					a.Files[j].Data = []byte(got)
					changed = true
				} else {
					t.Errorf("%s:\n got %s\nwant %s", name, got, a.Files[j].Data)
				}
			}
		}
		if got == "no error\n" {
			t.Errorf("%s: the schema is accepted; every case here must be refused", name)
		}
	}
	if changed {
		if err := os.WriteFile(path, txtar.Format(a), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNormalizeShapes checks the generation form of the constructs that
// real catalogs use.
func TestNormalizeShapes(t *testing.T) {
	norm := func(s string) *Gen {
		t.Helper()
		g, err := NormalizeForGeneration(json.RawMessage(s), Options{})
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return g
	}
	// Optional[X] from Pydantic: anyOf with null, two alternatives.
	g := norm(`{"type":"object","properties":{"x":{"anyOf":[{"type":"string"},{"type":"null"}],"default":null}}}`)
	if x := g.Alts[0].Props[0].Value; len(x.Alts) != 2 || x.Alts[0].Types != TString || x.Alts[1].Types != TNull {
		t.Errorf("Optional: alternatives %v", x.Alts)
	}
	// $ref into $defs, recursion: the Gen graph is cyclic, not unrolled.
	g = norm(`{"$defs":{"n":{"type":"object","properties":{"kids":{"type":"array","items":{"$ref":"#/$defs/n"}}}}},"$ref":"#/$defs/n"}`)
	kids := g.Alts[0].Props[0].Value.Alts[0].Rest
	if again := kids.Alts[0].Props[0].Value.Alts[0].Rest; again != kids {
		t.Errorf("recursive $ref: the items Gen of #/$defs/n is %p, then %p; want one cyclic Gen", kids, again)
	}
	// allOf merges: bounds intersect, required unite, properties conjoin.
	g = norm(`{"allOf":[{"type":"object","properties":{"a":{"type":"integer","minimum":1}},"required":["a"]},{"properties":{"a":{"maximum":5},"b":{}},"required":["b"]}]}`)
	nd := g.Alts[0]
	if len(nd.Props) != 2 || !nd.Props[0].Required || !nd.Props[1].Required {
		t.Fatalf("allOf props %+v", nd.Props)
	}
	a := nd.Props[0].Value.Alts[0]
	if a.Types != TInt || a.Bounds.Lo.RatString() != "1" || a.Bounds.Hi.RatString() != "5" {
		t.Errorf("allOf bounds: types %v, [%v, %v]", a.Types, a.Bounds.Lo, a.Bounds.Hi)
	}
	// oneOf with a const discriminator: both kept, exclusive by kind.
	g = norm(`{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"}},"required":["kind"]},{"type":"object","properties":{"kind":{"const":"b"}},"required":["kind"]}]}`)
	if len(g.Alts) != 2 {
		t.Errorf("discriminated oneOf: %d alternatives", len(g.Alts))
	}
	// additionalProperties schema without properties: one extra key whose
	// value follows the schema (the old decoder wrote a free object here).
	g = norm(`{"type":"object","additionalProperties":{"$ref":"#/$defs/v"},"$defs":{"v":{"type":"integer"}}}`)
	if ex := g.Alts[0].Extra; ex == nil || ex.Many || ex.Value.Alts[0].Types != TInt {
		t.Errorf("additionalProperties schema: extra %+v", ex)
	}
	// Required names not in properties become properties.
	g = norm(`{"type":"object","properties":{},"required":["q"]}`)
	if p := g.Alts[0].Props; len(p) != 1 || p[0].Name != "q" || !p[0].Required || !p[0].Value.Any() {
		t.Errorf("required not declared: %+v", p)
	}
	// strict: every declared property required, nothing else.
	g, err := NormalizeForGeneration(json.RawMessage(`{"type":"object","properties":{"a":{},"b":{}}}`), Options{Strict: true})
	if err != nil || !g.Alts[0].Props[0].Required || !g.Alts[0].Props[1].Required || g.Alts[0].Extra != nil {
		t.Errorf("strict: %v %+v", err, g)
	}
	// multipleOf 0.01 writes integers; format date keeps its pattern.
	g = norm(`{"type":"number","multipleOf":0.01}`)
	if g.Alts[0].Types != TInt {
		t.Errorf("multipleOf 0.01: types %v", g.Alts[0].Types)
	}
	// not {not X} is X.
	g = norm(`{"type":"integer","not":{"not":{"minimum":3}}}`)
	if lo := g.Alts[0].Bounds.Lo; lo == nil || lo.RatString() != "3" {
		t.Errorf("double negation: bounds %+v", g.Alts[0].Bounds)
	}
	// A oneOf whose alternatives every value matches (the parent requires
	// all the names they tell apart by) has no value: unsatisfiable, not
	// "unsupported".
	_, err = NormalizeForGeneration(json.RawMessage(`{"type":"object","properties":{"r":{},"l":{}},"required":["r","l"],"oneOf":[{"required":["r"]},{"required":["l"]}]}`), Options{})
	if e, ok := AsError(err); !ok || e.Code != CodeUnsatisfiable {
		t.Errorf("oneOf every value matches twice: %v", err)
	}
	// Dependencies split into absent / present-with-requirements.
	g = norm(`{"type":"object","properties":{"a":{},"b":{}},"dependentRequired":{"a":["b"]}}`)
	if len(g.Alts) != 2 || len(g.Alts[0].Props) != 1 || !g.Alts[1].Props[0].Required || !g.Alts[1].Props[1].Required {
		t.Errorf("dependentRequired: %d alts", len(g.Alts))
	}
}

func ExampleCheckGenerable() {
	fmt.Println(CheckGenerable(json.RawMessage(`{"type":"object","properties":{"id":{"$ref":"#/$defs/id"}},"$defs":{"id":{"type":"string","format":"uuid"}}}`)))
	fmt.Println(CheckGenerable(json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer","multipleOf":7}}}`)))
	// Output:
	// <nil>
	// schema /properties/n: multipleOf: multipleOf 7 is enforced only when 1/multipleOf is an integer (then integers are written)
}
