package decoder

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/specplan/specplan/internal/strictjson"
	jschema "github.com/specplan/specplan/schema"
)

// schemaGen draws random schemas over the keywords the normaliser handles.
type schemaGen struct {
	r    *rand.Rand
	defs []string
}

func (g *schemaGen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *schemaGen) scalarValue() any {
	switch g.r.IntN(5) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return json.Number(fmt.Sprint(g.r.IntN(200) - 100))
	case 3:
		return json.Number(fmt.Sprintf("%d.%d", g.r.IntN(10), g.r.IntN(100)))
	}
	return g.pick("a", "bb", "ccc", "red", "green", "x y", "é")
}

func (g *schemaGen) value(d int) any {
	if d > 1 || g.r.IntN(3) > 0 {
		return g.scalarValue()
	}
	if g.r.IntN(2) == 0 {
		return []any{g.scalarValue(), g.value(d + 1)}
	}
	return map[string]any{"k": g.scalarValue(), "m": g.value(d + 1)}
}

// schema returns a random schema nested at most d more levels.
func (g *schemaGen) schema(d int) map[string]any {
	s := map[string]any{}
	types := []string{"string", "integer", "number", "boolean", "null", "object", "array"}
	if d <= 0 {
		types = types[:5]
	}
	t := types[g.r.IntN(len(types))]
	switch g.r.IntN(10) {
	case 0:
		s["type"] = []any{t, "null"}
	case 1:
		// no type
	default:
		s["type"] = t
	}
	if g.r.IntN(12) == 0 {
		vals := []any{g.value(0), g.value(0), g.value(0)}
		if g.r.IntN(2) == 0 {
			s["enum"] = vals
		} else {
			s["const"] = vals[0]
		}
		return s
	}
	switch t {
	case "string":
		if g.r.IntN(3) == 0 {
			s["minLength"] = g.r.IntN(4)
		}
		if g.r.IntN(3) == 0 {
			s["maxLength"] = 2 + g.r.IntN(10)
		}
		if g.r.IntN(3) == 0 {
			s["pattern"] = g.pick("^[a-z]+$", "[0-9]", "^a", "b$", "^(ab|cd)*$", "^[A-Z][a-z0-9_]{0,8}$", "x|y")
		}
		if g.r.IntN(4) == 0 {
			s["format"] = g.pick("date", "time", "date-time", "email", "hostname", "ipv4", "ipv6", "uuid", "uri", "uri-reference", "duration", "json-pointer", "int32", "semver")
		}
	case "integer", "number":
		if g.r.IntN(2) == 0 {
			s["minimum"] = g.r.IntN(20) - 10
		}
		if g.r.IntN(2) == 0 {
			s["exclusiveMaximum"] = 10 + g.r.IntN(100)
		}
		if g.r.IntN(5) == 0 {
			s["multipleOf"] = json.Number(g.pick("1", "0.5", "0.01"))
		}
	case "object":
		props := map[string]any{}
		var names []any
		for i := 0; i < g.r.IntN(4); i++ {
			n := g.pick("a", "b", "c", "d", "e")
			props[n] = g.schema(d - 1)
			names = append(names, n)
		}
		if len(props) > 0 || g.r.IntN(2) == 0 {
			s["properties"] = props
		}
		if g.r.IntN(2) == 0 && len(names) > 0 {
			s["required"] = names[:1+g.r.IntN(len(names))]
		}
		if g.r.IntN(6) == 0 {
			s["required"] = append(anySlice(s["required"]), "z")
		}
		switch g.r.IntN(6) {
		case 0:
			s["additionalProperties"] = false
		case 1:
			s["additionalProperties"] = g.schema(d - 1)
		case 2:
			s["patternProperties"] = map[string]any{"^x_": g.schema(d - 1)}
		case 3:
			s["propertyNames"] = map[string]any{"pattern": "^[a-e]$", "maxLength": 3}
		}
		if g.r.IntN(5) == 0 {
			s["minProperties"] = 1 + g.r.IntN(2)
		}
		if g.r.IntN(5) == 0 {
			s["maxProperties"] = 1 + g.r.IntN(3)
		}
		if g.r.IntN(6) == 0 && len(names) > 1 {
			s["dependentRequired"] = map[string]any{names[0].(string): []any{names[1]}}
		}
		if g.r.IntN(8) == 0 {
			s["dependencies"] = map[string]any{"a": map[string]any{"required": []any{"b"}}}
		}
		if g.r.IntN(8) == 0 {
			s["unevaluatedProperties"] = false
		}
	case "array":
		if g.r.IntN(3) == 0 {
			s["prefixItems"] = []any{g.schema(d - 1), g.schema(d - 1)}
		}
		if g.r.IntN(4) > 0 {
			s["items"] = g.schema(d - 1)
		}
		if g.r.IntN(3) == 0 {
			s["minItems"] = g.r.IntN(3)
		}
		if g.r.IntN(3) == 0 {
			s["maxItems"] = 1 + g.r.IntN(4)
		}
		if g.r.IntN(6) == 0 {
			s["uniqueItems"] = true
			if g.r.IntN(2) == 0 {
				s["items"] = map[string]any{"enum": []any{"a", json.Number("1"), true, nil, "b"}}
			}
		}
		if g.r.IntN(6) == 0 && s["prefixItems"] == nil {
			s["contains"] = map[string]any{"type": "integer", "minimum": 5}
		}
	}
	// Combinators.
	switch g.r.IntN(15) {
	case 0:
		s["anyOf"] = []any{g.schema(d - 1), g.schema(d - 1)}
	case 1:
		s["oneOf"] = []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}, map[string]any{"const": true}}
	case 2:
		s["allOf"] = []any{g.schema(d - 1)}
	case 3:
		k := g.pick("type", "enum", "required")
		s["not"] = map[string]any{k: map[string]any{"type": "null", "enum": []any{"a", json.Number("1")}, "required": []any{"a"}}[k]}
		if g.r.IntN(3) == 0 {
			s["not"] = map[string]any{"not": g.schema(d - 1)}
		}
	case 4:
		if t != "object" {
			break
		}
		s["if"] = map[string]any{"properties": map[string]any{"a": map[string]any{"const": "x"}}, "required": []any{"a"}}
		s["then"] = map[string]any{"required": []any{"b"}}
		s["else"] = map[string]any{"maxProperties": 2}
	case 5:
		name := fmt.Sprintf("d%d", len(g.defs))
		g.defs = append(g.defs, name)
		s["$ref"] = "#/$defs/" + name
	case 6:
		s["$ref"] = "#" // recursion through the root
	case 7:
		if t != "object" {
			break
		}
		s["oneOf"] = []any{
			map[string]any{"type": "object", "properties": map[string]any{"kind": map[string]any{"const": "a"}, "x": map[string]any{"type": "integer"}}, "required": []any{"kind"}},
			map[string]any{"type": "object", "properties": map[string]any{"kind": map[string]any{"const": "b"}, "y": map[string]any{"type": "string"}}, "required": []any{"kind", "y"}},
		}
	case 8:
		if t != "object" {
			break
		}
		// Closed alternatives told apart by a property one requires.
		s["oneOf"] = []any{
			map[string]any{"additionalProperties": false, "properties": map[string]any{"a": g.schema(d - 1)}, "required": []any{"a"}},
			map[string]any{"additionalProperties": false, "properties": map[string]any{"b": g.schema(d - 1), "c": map[string]any{}}},
		}
	}
	return s
}

func anySlice(v any) []any {
	a, _ := v.([]any)
	return a
}

func (g *schemaGen) document() map[string]any {
	g.defs = nil
	root := g.schema(3)
	defs := map[string]any{}
	for i := 0; i < len(g.defs); i++ {
		defs[g.defs[i]] = g.schema(2)
	}
	if len(defs) > 0 {
		root["$defs"] = defs
	}
	return root
}

func validatorFor(t *testing.T, raw []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("mem:///p.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mem:///p.json")
	if err != nil {
		return nil
	}
	return s
}

// TestGeneratedValuesValidate is the generation ⇒ validation property: on
// seeded random schemas over every keyword the normaliser handles, every
// text a random walk through the byte automaton writes (short ones and
// long ones) is valid under the full validator. Refusals must be typed
// errors, and most schemas must compile, or the test would prove little.
// TestObjectsNeverRepeatAKey: the keys beyond the declared ones, and the
// keys of free objects, are distinct in every text the decoder writes
// (the strict checker refuses a repeated key).
func TestObjectsNeverRepeatAKey(t *testing.T) {
	walker := rand.New(rand.NewPCG(13, 17))
	for _, raw := range []string{
		`{"type": "object", "propertyNames": {"enum": ["a"]}}`,
		`{"type": "object", "propertyNames": {"maxLength": 0}}`,
		`{}`,
		`{"type": "object", "properties": {"x": {}}, "required": ["x"]}`,
	} {
		a, err := CompileValue(json.RawMessage(raw))
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		for w := 0; w < 300; w++ {
			text := a.Walk(walker, []int{20, 60, 200}[w%3])
			if _, err := strictjson.ParseString(text, strictjson.Limits{}); err != nil {
				t.Fatalf("schema %s: walk wrote %q, which strict JSON refuses: %v", raw, text, err)
			}
			if !a.Accepts(text) {
				t.Fatalf("schema %s: the automaton does not accept its own walk %q", raw, text)
			}
		}
	}
}

func TestGeneratedValuesValidate(t *testing.T) {
	g := &schemaGen{r: rand.New(rand.NewPCG(7, 11))}
	walker := rand.New(rand.NewPCG(3, 5))
	const schemas = 400
	compiled, walks := 0, 0
	refused := map[string]int{}
	for i := 0; i < schemas; i++ {
		raw, err := json.Marshal(g.document())
		if err != nil {
			t.Fatal(err)
		}
		v := validatorFor(t, raw)
		a, err := CompileValue(raw)
		if err != nil {
			var ce *ConstraintError
			if !errorsAs(err, &ce) {
				t.Fatalf("schema %s: untyped error %T %v", raw, err, err)
			}
			refused[refusalKey(err)]++
			continue
		}
		if v == nil {
			t.Fatalf("schema %s compiles for generation but not for validation", raw)
		}
		compiled++
		for w := 0; w < 6; w++ {
			text := a.Walk(walker, []int{0, 20, 60, 200, 600, 1500}[w])
			walks++
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
			if err != nil {
				t.Fatalf("schema %s: walk wrote non-JSON %q: %v", raw, text, err)
			}
			if _, err := strictjson.ParseString(text, strictjson.Limits{}); err != nil {
				t.Fatalf("schema %s: walk wrote %q, which strict JSON refuses: %v", raw, text, err)
			}
			if err := v.Validate(inst); err != nil {
				t.Fatalf("schema %s:\nwalk wrote %s\nwhich the validator rejects: %v", raw, text, err)
			}
			if !a.Accepts(text) {
				t.Fatalf("schema %s: the automaton does not accept its own walk %q", raw, text)
			}
		}
	}
	t.Logf("%d/%d schemas compiled, %d walks valid; refusals %v", compiled, schemas, walks, refused)
	if compiled < schemas*3/5 {
		t.Fatalf("only %d of %d random schemas compiled (refusals %v)", compiled, schemas, refused)
	}
}

// TestFormatPatternsValidate: every format with a regular language writes
// only strings the validator's format check accepts (long walks included).
func TestFormatPatternsValidate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, f := range []string{"date", "time", "date-time", "duration", "email", "idn-email", "hostname", "idn-hostname",
		"ipv4", "ipv6", "uuid", "uri", "iri", "uri-reference", "iri-reference", "uri-template", "json-pointer",
		"relative-json-pointer", "regex", "semver"} {
		if _, ok := jschema.FormatPattern(f); !ok {
			t.Errorf("format %s has no pattern", f)
			continue
		}
		raw := []byte(`{"type":"string","format":"` + f + `"}`)
		v := validatorFor(t, raw)
		a, err := CompileValue(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := 0; i < 60; i++ {
			text := a.Walk(r, []int{0, 10, 40, 200}[i%4])
			inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(text))
			if err := v.Validate(inst); err != nil {
				t.Fatalf("format %s: wrote %s, which fails the format check: %v", f, text, err)
			}
		}
	}
}

// TestAutomatonAcceptsCanonicalInstances: valid instances written in the
// decoder's spelling (", " and ": ", declared properties in schema order,
// keys beyond them after, no \u escapes, numbers of at most 15 digits
// without exponent) are accepted where the schema is generable.
func TestAutomatonAcceptsCanonicalInstances(t *testing.T) {
	cases := []struct {
		schema string
		texts  []string
	}{
		{`{"type":"object","properties":{"id":{"$ref":"#/$defs/id"},"n":{"anyOf":[{"type":"integer"},{"type":"null"}]}},"required":["id"],"$defs":{"id":{"type":"string","pattern":"^[A-Z][0-9]+$","maxLength":4}}}`,
			[]string{`{"id": "A17"}`, `{"id": "B1", "n": null}`, `{"id": "C999", "n": -3}`}},
		{`{"type":"object","additionalProperties":{"type":"integer","minimum":0}}`, []string{`{}`, `{"x": 3}`}},
		{`{"type":"object","properties":{"a":{"type":"string"}},"required":["a","z"]}`, []string{`{"a": "", "z": [1, {"k": null}]}`}},
		{`{"oneOf":[{"type":"object","properties":{"kind":{"const":"a"}},"required":["kind"]},{"type":"object","properties":{"kind":{"const":"b"},"y":{"type":"string"}},"required":["kind","y"]}]}`,
			[]string{`{"kind": "a"}`, `{"kind": "b", "y": "q"}`}},
		{`{"type":"array","prefixItems":[{"type":"string","format":"date"}],"items":{"type":"boolean"},"maxItems":3}`, []string{`["2024-02-28"]`, `["2000-12-31", true, false]`}},
		{`{"type":"string","format":"email","maxLength":10}`, []string{`"a@b.io"`}},
		{`{"if":{"required":["a"]},"then":{"required":["b"]},"type":"object","properties":{"a":{},"b":{}}}`, []string{`{}`, `{"a": 1, "b": 2}`, `{"b": true}`}},
	}
	for _, c := range cases {
		a, err := CompileValue(json.RawMessage(c.schema))
		if err != nil {
			t.Fatalf("%s: %v", c.schema, err)
		}
		v := validatorFor(t, []byte(c.schema))
		for _, text := range c.texts {
			inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(text))
			if err := v.Validate(inst); err != nil {
				t.Fatalf("%s: test instance %s is invalid: %v", c.schema, text, err)
			}
			if !a.Accepts(text) {
				t.Errorf("%s: the automaton refuses the valid canonical instance %s", c.schema, text)
			}
		}
	}
}

func errorsAs(err error, target **ConstraintError) bool {
	ce, ok := err.(*ConstraintError)
	if ok {
		*target = ce
	}
	return ok
}

// TestSessionsHonourRealCatalogShapes: through the whole pipeline (index,
// sessions, the call format's parser), calls under schemas shaped like
// real catalogs validate. The first schema is the shape the old decoder
// got wrong: an object without properties whose additionalProperties
// schema it ignored, writing free values.
func TestSessionsHonourRealCatalogShapes(t *testing.T) {
	for _, schema := range []string{
		`{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"integer","minimum":3}}},"required":["m"]}`,
		`{"type":"object","properties":{"id":{"$ref":"#/$defs/id"},"when":{"anyOf":[{"type":"string","format":"date"},{"type":"null"}]},"tags":{"type":"array","items":{"enum":["a","b","c"]},"uniqueItems":true}},"required":["id","tags"],"$defs":{"id":{"type":"string","pattern":"^[A-Z][0-9]{2}$","maxLength":3}}}`,
		`{"type":"object","oneOf":[{"properties":{"kind":{"const":"card"},"last4":{"type":"string","pattern":"^[0-9]{4}$"}},"required":["kind","last4"]},{"properties":{"kind":{"const":"iban"},"iban":{"type":"string","minLength":15,"maxLength":34,"pattern":"^[A-Z]{2}[0-9A-Z]+$"}},"required":["kind","iban"]}]}`,
	} {
		raw := json.RawMessage(schema)
		d := reactDFA("f")
		v := testVocab()
		ix, err := NewIndex(d, v, NewTrie(v), IndexOptions{Format: FormatJSON, Tools: map[string]json.RawMessage{"f": raw}})
		if err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
		r := rand.New(rand.NewPCG(9, 9))
		calls := 0
		for i := 0; i < 150; i++ {
			s := ix.NewSession()
			walk(t, s, r, 0, 4)
			for _, e := range s.Events() {
				if e.Tool != "f" {
					continue
				}
				calls++
				if err := ValidateArgs(raw, e.Args); err != nil {
					t.Fatalf("%s: generated %v: %v", schema, e.Args, err)
				}
			}
		}
		if calls == 0 {
			t.Fatalf("%s: no call generated in 150 walks", schema)
		}
	}
}

func ExampleCompileValue() {
	a, err := CompileValue(json.RawMessage(`{"type":"object","properties":{"when":{"type":"string","format":"date"}},"required":["when"]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Accepts(`{"when": "2024-02-28"}`), a.Accepts(`{"when": "2024-02-30"}`), a.Accepts(`{"when":"2024-02-28"}`))
	// Output: true false false
}
