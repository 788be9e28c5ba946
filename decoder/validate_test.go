package decoder

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestValidateArgs: each keyword accepts a conforming argument object and
// reports every violation of a non-conforming one, each with its JSON path,
// in one CodeSchema error whose message is compared whole.
func TestValidateArgs(t *testing.T) {
	const orderSchema = `{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}`
	tests := []struct {
		name   string
		schema string
		args   map[string]any
		want   string // "" means valid; else the exact violation list
	}{
		{"nil schema accepts anything", ``, map[string]any{"x": 1.0, "y": []any{"z"}}, ""},
		{"empty schema accepts anything", `{}`, map[string]any{"x": map[string]any{"k": nil}}, ""},
		{"true schema accepts anything", `true`, map[string]any{"x": 1.0}, ""},
		{"object without properties is open", `{"type":"object"}`, map[string]any{"any": "thing"}, ""},
		{"nil args is the empty object", orderSchema, nil, "order_id: required property missing"},

		{"string ok", orderSchema, map[string]any{"order_id": "A17"}, ""},
		{"string got number", orderSchema, map[string]any{"order_id": 17.0}, "order_id: want string, got number 17"},
		{"string got int", orderSchema, map[string]any{"order_id": 17}, "order_id: want string, got number 17"},
		{"string got bool", orderSchema, map[string]any{"order_id": true}, "order_id: want string, got boolean true"},
		{"string got null", orderSchema, map[string]any{"order_id": nil}, "order_id: want string, got null"},
		{"string got array", orderSchema, map[string]any{"order_id": []any{"A"}}, "order_id: want string, got array of 1 items"},
		{"string got object", orderSchema, map[string]any{"order_id": map[string]any{}}, "order_id: want string, got object"},
		{"required missing", orderSchema, map[string]any{}, "order_id: required property missing"},
		{"unknown key", orderSchema, map[string]any{"order_id": "A", "zz": 1.0, "extra": 2.0},
			"extra: unknown property (the schema declares order_id); zz: unknown property (the schema declares order_id)"},
		{"unknown key despite additionalProperties", `{"type":"object","properties":{"a":{}},"additionalProperties":true}`,
			map[string]any{"b": 1.0}, "b: unknown property (the schema declares a)"},
		{"optional absent", `{"type":"object","properties":{"a":{"type":"string"}}}`, map[string]any{}, ""},

		{"integer ok", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": 3.0}, ""},
		{"integer ok as float 2.0", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": 2.0}, ""},
		{"integer ok as int64", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": int64(-9)}, ""},
		{"integer ok as json.Number", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": json.Number("12")}, ""},
		{"integer got 2.5", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": 2.5}, "n: want integer, got number 2.5"},
		{"integer got string", `{"properties":{"n":{"type":"integer"}}}`, map[string]any{"n": "2"}, `n: want integer, got string "2"`},
		{"number got NaN", `{"properties":{"n":{"type":"number"}}}`, map[string]any{"n": math.NaN()}, "n: want number, got NaN (not a JSON number)"},
		{"number ok as float32", `{"properties":{"n":{"type":"number","maximum":0.5}}}`, map[string]any{"n": float32(0.5)}, ""},
		{"non-JSON Go value", `{"properties":{"n":{"type":"number"}}}`, map[string]any{"n": struct{}{}}, "n: want number, got Go value of type struct {} (not JSON)"},
		{"type list ok null", `{"properties":{"v":{"type":["string","null"]}}}`, map[string]any{"v": nil}, ""},
		{"type list ok string", `{"properties":{"v":{"type":["string","null"]}}}`, map[string]any{"v": "s"}, ""},
		{"type list bad", `{"properties":{"v":{"type":["string","null"]}}}`, map[string]any{"v": 1.0}, "v: want string or null, got number 1"},
		{"untyped property takes any value", `{"properties":{"v":{}}}`, map[string]any{"v": []any{1.0, map[string]any{}}}, ""},

		{"enum ok", `{"properties":{"r":{"enum":["agent","manager"]}}}`, map[string]any{"r": "agent"}, ""},
		{"enum bad", `{"properties":{"r":{"type":"string","enum":["agent","manager"]}}}`, map[string]any{"r": "admin"},
			`r: want one of "agent", "manager", got string "admin"`},
		{"enum mixed ok number", `{"properties":{"m":{"enum":["a",1,true,null,[1,"x"],{"k":2}]}}}`, map[string]any{"m": 1.0}, ""},
		{"enum mixed ok int", `{"properties":{"m":{"enum":["a",1,true,null]}}}`, map[string]any{"m": 1}, ""},
		{"enum mixed ok null", `{"properties":{"m":{"enum":["a",1,true,null]}}}`, map[string]any{"m": nil}, ""},
		{"enum mixed ok bool", `{"properties":{"m":{"enum":["a",1,true,null]}}}`, map[string]any{"m": true}, ""},
		{"enum mixed ok array", `{"properties":{"m":{"enum":["a",[1,"x"]]}}}`, map[string]any{"m": []any{1.0, "x"}}, ""},
		{"enum mixed ok object", `{"properties":{"m":{"enum":["a",{"k":2}]}}}`, map[string]any{"m": map[string]any{"k": 2.0}}, ""},
		{"enum mixed: string 1 is not number 1", `{"properties":{"m":{"enum":["a",1,true,null]}}}`, map[string]any{"m": "1"},
			`m: want one of "a", 1, true, null, got string "1"`},
		{"enum mixed: false is not in it", `{"properties":{"m":{"enum":["a",1,true,null]}}}`, map[string]any{"m": false},
			`m: want one of "a", 1, true, null, got boolean false`},
		{"enum mixed: object differs", `{"properties":{"m":{"enum":[{"k":2}]}}}`, map[string]any{"m": map[string]any{"k": 2.0, "j": 1.0}},
			`m: want {"k":2}, got object`},
		{"enum number compared exactly", `{"properties":{"m":{"enum":[0.1]}}}`, map[string]any{"m": 0.1}, ""},
		{"const ok", `{"properties":{"c":{"const":"x"}}}`, map[string]any{"c": "x"}, ""},
		{"const bad", `{"properties":{"c":{"const":"x"}}}`, map[string]any{"c": "y"}, `c: want "x", got string "y"`},

		{"minLength ok", `{"properties":{"s":{"type":"string","minLength":2}}}`, map[string]any{"s": "ab"}, ""},
		{"minLength bad", `{"properties":{"s":{"type":"string","minLength":2}}}`, map[string]any{"s": "a"}, "s: want at least 2 characters, got 1"},
		{"maxLength counts runes", `{"properties":{"s":{"type":"string","maxLength":3}}}`, map[string]any{"s": "äöü"}, ""},
		{"maxLength bad", `{"properties":{"s":{"type":"string","maxLength":3}}}`, map[string]any{"s": "äöüß"}, "s: want at most 3 characters, got 4"},
		{"pattern ok", `{"properties":{"id":{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"}}}`, map[string]any{"id": "A17"}, ""},
		{"pattern bad", `{"properties":{"id":{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"}}}`, map[string]any{"id": "a17"},
			`id: want a string matching "^[A-Z][0-9]{1,5}$", got string "a17"`},
		{"pattern is unanchored", `{"properties":{"id":{"type":"string","pattern":"[0-9]+"}}}`, map[string]any{"id": "abc123def"}, ""},
		{"pattern ignores non-strings", `{"properties":{"id":{"pattern":"^x$"}}}`, map[string]any{"id": 5.0}, ""},

		{"minimum ok at bound", `{"properties":{"a":{"type":"number","minimum":0}}}`, map[string]any{"a": 0.0}, ""},
		{"minimum bad", `{"properties":{"a":{"type":"number","minimum":0}}}`, map[string]any{"a": -0.5}, "a: want a number >= 0, got number -0.5"},
		{"maximum bad", `{"properties":{"a":{"type":"number","maximum":10}}}`, map[string]any{"a": 10.25}, "a: want a number <= 10, got number 10.25"},
		{"exclusiveMinimum number", `{"properties":{"a":{"type":"number","exclusiveMinimum":0}}}`, map[string]any{"a": 0}, "a: want a number > 0, got number 0"},
		{"exclusiveMaximum number ok", `{"properties":{"a":{"type":"number","exclusiveMaximum":1.5}}}`, map[string]any{"a": 1.49}, ""},
		{"exclusive draft 4 booleans", `{"properties":{"a":{"type":"number","minimum":1,"maximum":2,"exclusiveMaximum":true}}}`, map[string]any{"a": 2.0},
			"a: want a number >= 1 and < 2, got number 2"},
		{"bounds ignore non-numbers", `{"properties":{"a":{"minimum":3}}}`, map[string]any{"a": "x"}, ""},

		{"items ok", `{"properties":{"l":{"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3}}}`, map[string]any{"l": []any{1.0, 2.0}}, ""},
		{"items typed Go slice", `{"properties":{"l":{"type":"array","items":{"type":"string"}}}}`, map[string]any{"l": []string{"a", "b"}}, ""},
		{"items bad elements", `{"properties":{"l":{"type":"array","items":{"type":"integer"}}}}`, map[string]any{"l": []any{1.0, 1.5, "x"}},
			`l[1]: want integer, got number 1.5; l[2]: want integer, got string "x"`},
		{"minItems bad", `{"properties":{"l":{"type":"array","minItems":2}}}`, map[string]any{"l": []any{1.0}}, "l: want at least 2 items, got 1"},
		{"maxItems bad", `{"properties":{"l":{"type":"array","maxItems":1}}}`, map[string]any{"l": []any{1.0, 2.0}}, "l: want at most 1 items, got 2"},

		{"nested ok", `{"properties":{"c":{"type":"object","properties":{"addr":{"type":"object","properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["zip"]}},"required":["addr"]}}}`,
			map[string]any{"c": map[string]any{"addr": map[string]any{"zip": "12345"}}}, ""},
		{"nested violations all reported", `{"properties":{"c":{"type":"object","properties":{"addr":{"type":"object","properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["zip"]},"tags":{"type":"array","items":{"type":"object","properties":{"k":{"type":"string"}},"required":["k"]}}},"required":["addr"]}}}`,
			map[string]any{"c": map[string]any{"addr": map[string]any{"zip": "1234", "x": 1.0}, "tags": []any{map[string]any{"k": "a"}, map[string]any{}}}},
			`c.addr.zip: want a string matching "^[0-9]{5}$", got string "1234"; c.addr.x: unknown property (the schema declares zip); c.tags[1].k: required property missing`},
		{"nested typed Go map", `{"properties":{"m":{"type":"object","properties":{"k":{"type":"integer"}}}}}`, map[string]any{"m": map[string]int{"k": 2}}, ""},
		{"several top-level violations", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a","b"]}`,
			map[string]any{"b": 0.5},
			"a: required property missing; b: want integer, got number 0.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateArgs(json.RawMessage(tc.schema), tc.args)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidateArgs = %v, want valid", err)
				}
				return
			}
			var ce *ConstraintError
			if !errors.As(err, &ce) || ce.Code != CodeSchema {
				t.Fatalf("ValidateArgs = %v (%T), want a CodeSchema *ConstraintError", err, err)
			}
			if ce.Msg != tc.want {
				t.Errorf("violations:\n got %s\nwant %s", ce.Msg, tc.want)
			}
		})
	}
}

// TestValidateArgsRefusesWhatTheDecoderRefuses: a schema the decoder cannot
// generate from is refused with the same error code, whatever the arguments.
func TestValidateArgsRefusesWhatTheDecoderRefuses(t *testing.T) {
	deep := `{"type":"string"}`
	for range MaxSchemaDepth + 1 {
		deep = `{"type":"object","properties":{"a":` + deep + `}}`
	}
	tests := []struct {
		name, schema string
		code         ErrorCode
		contains     string
	}{
		{"anyOf", `{"properties":{"a":{"anyOf":[{"type":"string"}]}}}`, CodeSchema, `keyword "anyOf" is not supported`},
		{"unknown type", `{"properties":{"a":{"type":"text"}}}`, CodeSchema, `unknown type "text"`},
		{"word boundary pattern", `{"properties":{"a":{"type":"string","pattern":"\\bx"}}}`, CodeSchema, "word boundaries"},
		{"required not declared", `{"properties":{},"required":["a"]}`, CodeSchema, `required property "a" has no entry`},
		{"too deep", deep, CodeLimit, "MaxSchemaDepth"},
		{"too many items", `{"properties":{"a":{"type":"array","maxItems":65}}}`, CodeLimit, "maxItemsUnrolled"},
		{"parameters not an object", `{"type":"string"}`, CodeSchema, "parameters must be of type object"},
		{"not JSON", `{"type":`, CodeSchema, "parameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateArgs(json.RawMessage(tc.schema), map[string]any{})
			var ce *ConstraintError
			if !errors.As(err, &ce) || ce.Code != tc.code || !strings.Contains(ce.Msg, tc.contains) {
				t.Fatalf("ValidateArgs = %v, want code %v containing %q", err, tc.code, tc.contains)
			}
			// The decoder's own parser refuses it with the same code (the
			// top-level type check aside, which the decoder makes later).
			if tc.name != "parameters not an object" {
				if _, perr := parseSchema(json.RawMessage(tc.schema), "parameters", 0); perr == nil || perr.(*ConstraintError).Code != tc.code {
					t.Errorf("parseSchema = %v, want code %v", perr, tc.code)
				}
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
		{"get_order", map[string]any{"order_id": 17.0}, "order_id: want string, got number 17"},
		{"get_order", map[string]any{"order_id": "A123456"}, `order_id: want a string matching "^[A-Z][0-9]{1,5}$", got string "A123456"`},
		{"check_permission", map[string]any{"role": "root"}, `role: want one of "agent", "manager", "viewer", got string "root"`},
		{"refund", map[string]any{"order_id": "A1", "amount": -1.0, "currency": "GBP"},
			`amount: want a number >= 0, got number -1; currency: want one of "EUR", "USD", got string "GBP"`},
		{"notify_customer", map[string]any{"message": strings.Repeat("x", 201)}, "message: want at most 200 characters, got 201"},
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
	// decoder: schema: order_id: want string, got number 17; qty: want integer, got number 2.5; note: unknown property (the schema declares order_id, qty)
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
