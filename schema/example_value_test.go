package schema

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// exValidate checks v against schema with an independent validator.
func exValidate(t *testing.T, schema string, v any) error {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("mem://s.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("mem://s.json")
	if err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	// Round-trip through JSON text, as a trace line would carry it.
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

// TestExampleValidates: the value Example returns validates under the
// schema, per github.com/santhosh-tekuri/jsonschema/v6, for the keywords
// bundled and common tool schemas use.
func TestExampleValidates(t *testing.T) {
	schemas := []string{
		`{"type":"string"}`,
		`{"type":"string","minLength":5,"maxLength":7}`,
		`{"type":"string","maxLength":0}`,
		`{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"}`,
		`{"type":"string","pattern":"^(foo|bar)-[a-f0-9]{8}$"}`,
		`{"type":"string","pattern":"[0-9]+","minLength":1}`,
		`{"type":"string","format":"date"}`,
		`{"type":"string","format":"date-time"}`,
		`{"type":"string","format":"email"}`,
		`{"type":"string","format":"uuid"}`,
		`{"type":"string","format":"uri"}`,
		`{"type":"string","format":"ipv4"}`,
		`{"type":"string","enum":["agent","manager"]}`,
		`{"const":"fixed"}`,
		`{"type":"number","minimum":0}`,
		`{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1}`,
		`{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","minimum":5,"exclusiveMinimum":true}`,
		`{"type":"integer","minimum":-10,"maximum":-3}`,
		`{"type":"integer","multipleOf":7,"minimum":50}`,
		`{"type":"number","minimum":9007199254740993,"maximum":9007199254740993}`,
		`{"type":"boolean"}`,
		`{"type":"null"}`,
		`{"type":["null","string"]}`,
		`{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}`,
		`{"type":"array","prefixItems":[{"type":"string"},{"type":"boolean"}],"minItems":2}`,
		`{"type":"object","properties":{"order_id":{"type":"string"},"amount":{"type":"number","minimum":0},"currency":{"type":"string","enum":["EUR","USD"]}},"required":["order_id","amount"]}`,
		`{"type":"object","properties":{"a":{"$ref":"#/$defs/pos"}},"required":["a"],"additionalProperties":false,"$defs":{"pos":{"type":"integer","minimum":1}}}`,
		`{"type":"object","properties":{"a":{"anyOf":[{"type":"null"},{"type":"string","minLength":3}]}},"required":["a"]}`,
		`{"type":"object","properties":{"a":{"oneOf":[{"type":"string"},{"type":"integer","minimum":2}]}},"required":["a"]}`,
		`{"type":"object","properties":{"o":{"type":"object","properties":{"x":{"type":"boolean"}},"required":["x"]}},"required":["o"]}`,
		`{"type":"object","required":["free"]}`,
		`{"type":"object","description":"no properties at all"}`,
	}
	for _, s := range schemas {
		v, err := Example(json.RawMessage(s), nil)
		if err != nil {
			t.Errorf("Example(%s): %v", s, err)
			continue
		}
		if err := exValidate(t, s, v); err != nil {
			t.Errorf("Example(%s) = %#v, which does not validate: %v", s, v, err)
		}
	}
}

// TestExampleAccept: accept selects among valid candidates, and an
// unsatisfiable condition is an error, not an invalid value.
func TestExampleAccept(t *testing.T) {
	s := `{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"}`
	v, err := Example(json.RawMessage(s), func(v any) bool { return v != "A0" })
	if err != nil || v == "A0" {
		t.Fatalf("Example with A0 excluded = %v, %v", v, err)
	}
	if err := exValidate(t, s, v); err != nil {
		t.Errorf("%v does not validate: %v", v, err)
	}
	n := `{"type":"number","minimum":0,"maximum":100}`
	v, err = Example(json.RawMessage(n), func(v any) bool { return v != json.Number("0") && v != json.Number("100") })
	if err != nil || exValidate(t, n, v) != nil {
		t.Errorf("number avoiding the bounds: %v, %v", v, err)
	}
	if _, err := Example(json.RawMessage(`{"type":"boolean"}`), func(any) bool { return false }); err == nil || !strings.Contains(err.Error(), "none of the 2 values") {
		t.Errorf("unsatisfiable accept: %v", err)
	}
}

// TestExampleRefuses: keywords Example cannot honour are errors naming the
// keyword or location, never a value that might not validate.
func TestExampleRefuses(t *testing.T) {
	cases := map[string]string{
		`{"type":"string","uniqueItems":true,"allOf":[{}]}`:                                 `keyword "allOf"`,
		`{"not":{"type":"string"}}`:                                                         `keyword "not"`,
		`{"type":"string","format":"x-custom"}`:                                             `format "x-custom"`,
		`{"type":"string","pattern":"^a$","minLength":3}`:                                   "no example string",
		`{"type":"integer","minimum":1.5,"maximum":1.9}`:                                    "no number",
		`{"type":"object","properties":{"a":{"$ref":"https://x.test/s"}},"required":["a"]}`: "not a local JSON pointer",
		`{"$ref":"#"}`:                       "deeper than",
		`false`:                              "accepts no value",
		`{"type":"number","multipleOf":0.5}`: "multipleOf",
		`{"type":"object","required":["a"],"additionalProperties":false}`: `required property "a" is not listed`,
	}
	for s, want := range cases {
		v, err := Example(json.RawMessage(s), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Example(%s) = %v, %v; want an error saying %q", s, v, err, want)
		}
	}
}

func TestPropertyExample(t *testing.T) {
	s := `{"type":"object","properties":{"a":{"$ref":"#/$defs/d"}},"$defs":{"d":{"type":"string","enum":["p","q"]}}}`
	v, err := PropertyExample(json.RawMessage(s), "a", func(v any) bool { return v == "q" })
	if err != nil || v != "q" {
		t.Errorf("PropertyExample = %v, %v", v, err)
	}
	if _, err := PropertyExample(json.RawMessage(s), "b", nil); err == nil {
		t.Error("an unlisted property gave an example")
	}
}

// TestExampleReadsStrictly: Example reads its schema with the same strict
// reader as Compile, so a repeated keyword is an error, not the last one.
func TestExampleReadsStrictly(t *testing.T) {
	for _, s := range []string{`{"type": "string", "type": "integer"}`, `{"type": "string"} {}`, `{"TYPE": "string", "type": "integer", "type": "string"}`} {
		if v, err := Example(json.RawMessage(s), nil); err == nil || !strings.Contains(err.Error(), "schema") {
			t.Errorf("%s: got %#v, %v; want an error", s, v, err)
		}
	}
}
