package decoder

import (
	"encoding/json"
	"errors"
	"fmt"
	jschema "github.com/specplan/specplan/schema"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestValidateArgs: ValidateArgs is standard JSON Schema validation: each
// keyword accepts a conforming argument object and reports a
// non-conforming one as a CodeSchema error led by the JSON pointer and the
// keyword of every violation.
func TestValidateArgs(t *testing.T) {
	const orderSchema = `{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}`
	tests := []struct {
		name   string
		schema string
		args   map[string]any
		want   []string // nil means valid; else "pointer: keyword" of each violation
	}{
		{"nil schema accepts anything", ``, map[string]any{"x": 1.0, "y": []any{"z"}}, nil},
		{"empty schema accepts anything", `{}`, map[string]any{"x": map[string]any{"k": nil}}, nil},
		{"true schema accepts anything", `true`, map[string]any{"x": 1.0}, nil},
		{"object without properties is open", `{"type":"object"}`, map[string]any{"any": "thing"}, nil},
		{"nil args is the empty object", orderSchema, nil, []string{"/: required"}},
		{"string ok", orderSchema, map[string]any{"order_id": "A17"}, nil},
		{"string got number", orderSchema, map[string]any{"order_id": 17.0}, []string{"/order_id: type"}},
		{"string got int", orderSchema, map[string]any{"order_id": 17}, []string{"/order_id: type"}},
		{"additional keys allowed unless forbidden", orderSchema, map[string]any{"order_id": "A", "zz": 1.0}, nil},
		{"additionalProperties false", `{"properties":{"a":{}},"additionalProperties":false}`, map[string]any{"b": 1.0}, []string{"/: additionalProperties"}},
		{"integer ok as float 2.0", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": 2.0}, nil},
		{"integer ok as json.Number", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": json.Number("12")}, nil},
		{"integer got 2.5", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": 2.5}, []string{"/n: type"}},
		{"type list", `{"properties":{"v":{"type":["string","null"]}}}`, map[string]any{"v": 1.0}, []string{"/v: type"}},
		{"enum bad", `{"properties":{"r":{"type":"string","enum":["agent","manager"]}}}`, map[string]any{"r": "admin"}, []string{"/r: enum"}},
		{"enum object ok", `{"properties":{"m":{"enum":["a",{"k":2}]}}}`, map[string]any{"m": map[string]any{"k": 2.0}}, nil},
		{"const bad", `{"properties":{"c":{"const":"x"}}}`, map[string]any{"c": "y"}, []string{"/c: const"}},
		{"maxLength counts runes", `{"properties":{"s":{"type":"string","maxLength":3}}}`, map[string]any{"s": "äöü"}, nil},
		{"pattern is unanchored", `{"properties":{"id":{"type":"string","pattern":"[0-9]+"}}}`, map[string]any{"id": "abc123def"}, nil},
		{"pattern bad", `{"properties":{"id":{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"}}}`, map[string]any{"id": "a17"}, []string{"/id: pattern"}},
		{"format asserted", `{"properties":{"d":{"type":"string","format":"date"}}}`, map[string]any{"d": "2024-13-01"}, []string{"/d: format"}},
		{"exclusive draft 4 booleans", `{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"a":{"type":"number","minimum":1,"maximum":2,"exclusiveMaximum":true}}}`, map[string]any{"a": 2.0}, []string{"/a: exclusiveMaximum"}},
		{"anyOf", `{"properties":{"a":{"anyOf":[{"type":"string"},{"type":"null"}]}}}`, map[string]any{"a": 1.0}, []string{"/a: anyOf"}},
		{"$ref", `{"$defs":{"id":{"type":"string"}},"properties":{"a":{"$ref":"#/$defs/id"}}}`, map[string]any{"a": 1.0}, []string{"/a: type"}},
		{"nested violations all reported", `{"properties":{"c":{"type":"object","properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["zip","k"]}}}`,
			map[string]any{"c": map[string]any{"zip": "1234"}}, []string{"/c: required", "/c/zip: pattern"}},
		{"NaN is not JSON", `{"properties":{"n":{"type":"number"}}}`, map[string]any{"n": math.NaN()}, []string{"/n: NaN is not a JSON number"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateArgs(json.RawMessage(tc.schema), tc.args)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ValidateArgs = %v, want valid", err)
				}
				return
			}
			var ce *ConstraintError
			if !errors.As(err, &ce) || ce.Code != CodeSchema {
				t.Fatalf("ValidateArgs = %v (%T), want a CodeSchema *ConstraintError", err, err)
			}
			var got []string
			var ve *jschema.ValidationError
			if errors.As(err, &ve) {
				for _, p := range ve.Problems {
					ptr := p.Pointer
					if ptr == "" {
						ptr = "/"
					}
					what := p.Keyword
					if what == "" {
						what = p.Msg // not a keyword's failure: a value JSON cannot hold
					}
					got = append(got, ptr+": "+what)
				}
			} else {
				got = []string{ce.Msg}
			}
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("violations:\n got %s\nwant %s", ce.Msg, strings.Join(tc.want, "; "))
			}
		})
	}
}

// TestCheckSchemaRefuses: a schema the decoder cannot generate from is
// refused by CheckSchema (as by NewIndex) with an error code, the keyword
// and the JSON pointer.
func TestCheckSchemaRefuses(t *testing.T) {
	deep := `{"type":"string"}`
	for range MaxSchemaDepth + 1 {
		deep = `{"type":"object","properties":{"a":` + deep + `},"required":["a"]}`
	}
	tests := []struct {
		name, schema string
		code         ErrorCode
		contains     string
	}{
		{"unknown type", `{"properties":{"a":{"type":"text"}}}`, CodeSchema, `type`},
		{"word boundary pattern", `{"properties":{"a":{"type":"string","pattern":"\\bx"}}}`, CodeSchema, "word boundaries"},
		{"multipleOf", `{"properties":{"a":{"type":"integer","multipleOf":7}}}`, CodeSchema, "/properties/a: multipleOf"},
		{"oneOf overlapping", `{"properties":{"a":{"oneOf":[{"type":"string"},{"type":"string","maxLength":3}]}}}`, CodeSchema, "/properties/a: oneOf"},
		{"too deep", deep, CodeLimit, "MaxSchemaDepth"},
		{"too many items", `{"properties":{"a":{"type":"array","minItems":65}}}`, CodeLimit, "maxItemsUnrolled"},
		{"parameters not an object", `{"type":"string"}`, CodeSchema, "parameters must be of type object"},
		{"not JSON", `{"type":`, CodeSchema, "not valid JSON"},
		{"remote ref", `{"properties":{"a":{"$ref":"https://example.com/s.json"}}}`, CodeSchema, "$ref"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSchema(json.RawMessage(tc.schema))
			var ce *ConstraintError
			if !errors.As(err, &ce) || ce.Code != tc.code || !strings.Contains(ce.Msg, tc.contains) {
				t.Fatalf("CheckSchema = %v, want code %v containing %q", err, tc.code, tc.contains)
			}
		})
	}
}

// loadRefundCatalog reads the bundled refund catalog's parameter schemas.
func loadRefundCatalog(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile("../specs/refund.tools.json")
	if err != nil {
		t.Fatal(err)
	}
	var tools []struct {
		Function struct {
			Name       string          `json:"name"`
			Parameters json.RawMessage `json:"parameters"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &tools); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, tl := range tools {
		out[tl.Function.Name] = tl.Function.Parameters
	}
	return out
}

// TestValidateArgsRefundCatalog: every call in the bundled accepted refund
// traces conforms to the bundled catalog, and the motivating bad call (a
// numeric order_id) does not.
func TestValidateArgsRefundCatalog(t *testing.T) {
	schemas := loadRefundCatalog(t)
	paths, err := filepath.Glob("../specs/testdata/refund/accept/*.jsonl")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no accepted traces found (%v)", err)
	}
	calls := 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		events, err := ltl.ReadTrace(p, f, nil)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for i, ev := range events {
			if !ev.IsCall() {
				continue
			}
			calls++
			s, ok := schemas[ev.Tool]
			if !ok {
				t.Errorf("%s: event %d: tool %q not in the catalog", p, i+1, ev.Tool)
				continue
			}
			if err := ValidateArgs(s, ev.Args); err != nil {
				t.Errorf("%s: event %d (%s): %v", p, i+1, ev.Tool, err)
			}
		}
	}
	if calls == 0 {
		t.Fatal("the accepted traces hold no tool calls")
	}
	bad := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"get_order", map[string]any{"order_id": 17.0}, "/order_id (type): is a number, must be a string"},
		{"get_order", map[string]any{"order_id": "A123456"}, `/order_id (pattern): "A123456" does not match the pattern "^[A-Z][0-9]{1,5}$"`},
		{"check_permission", map[string]any{"role": "root"}, `/role (enum): "root" is not one of "agent", "manager" or "viewer"`},
		{"refund", map[string]any{"order_id": "A1", "amount": -1.0, "currency": "GBP"},
			`/amount (minimum): -1 is less than the minimum 0; /currency (enum): "GBP" is not one of "EUR" or "USD"`},
		{"notify_customer", map[string]any{"message": strings.Repeat("x", 201)}, "/message (maxLength): is 201 characters long, longer than the maximum 200"},
	}
	for _, b := range bad {
		err := ValidateArgs(schemas[b.tool], b.args)
		var ce *ConstraintError
		if !errors.As(err, &ce) || !errors.Is(err, ErrSchema) || ce.Msg != b.want {
			t.Errorf("%s %v: got %v, want violations %q", b.tool, b.args, err, b.want)
		}
	}
}

func ExampleValidateArgs() {
	schema := json.RawMessage(`{"type":"object","properties":{"order_id":{"type":"string"},"qty":{"type":"integer","minimum":1}},"required":["order_id"]}`)
	fmt.Println(ValidateArgs(schema, map[string]any{"order_id": "A17", "qty": 2.0}))
	fmt.Println(ValidateArgs(schema, map[string]any{"order_id": 17.0, "qty": 2.5, "note": "x"}))
	// Output:
	// <nil>
	// decoder: schema: /order_id (type): is a number, must be a string; /qty (type): is a number, must be an integer
}

// An enum value that breaks another keyword of its schema is never
// written: generation and validation agree.
func TestEnumFilteredByOtherKeywords(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"code":{"type":"string","enum":["a","bbbb","cc"],"maxLength":2}},"required":["code"]}`)
	for _, v := range []string{"a", "cc"} {
		if err := ValidateArgs(schema, map[string]any{"code": v}); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	if ValidateArgs(schema, map[string]any{"code": "bbbb"}) == nil {
		t.Fatal("bbbb passes validation despite maxLength 2")
	}
	// Generation: walk the react automaton with tool f many times; every
	// call written must validate.
	d := reactDFA("f")
	v := testVocab()
	ix, err := NewIndex(d, v, NewTrie(v), IndexOptions{Format: FormatJSON, Tools: map[string]json.RawMessage{"f": schema}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		s := ix.NewSession()
		walk(t, s, r, 0, 4)
		for _, e := range s.Events() {
			if e.Tool == "f" {
				if err := ValidateArgs(schema, e.Args); err != nil {
					t.Fatalf("generated %v: %v", e.Args, err)
				}
			}
		}
	}
}
