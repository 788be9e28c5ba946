package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

func compileSpec(t testing.TB, spec, tools string) *specplan.Spec {
	t.Helper()
	opts := specplan.Options{}
	if tools != "" {
		cat, err := specplan.LoadCatalog(tools, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Catalog = cat
	}
	s, err := specplan.CompileFile(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stateAfter is the DFA state after a trace.
func stateAfter(t *testing.T, s *specplan.Spec, trace []ltl.Event) int {
	t.Helper()
	q, n, err := s.DFA().Run(trace)
	if err != nil || q < 0 || n != len(trace) {
		t.Fatalf("trace rejected at %d (state %d): %v", n, q, err)
	}
	return q
}

// tagSchema is the json_schema of the tool's tag.
func tagSchema(t *testing.T, e *StructTagExport, tool string) json.RawMessage {
	t.Helper()
	var found json.RawMessage
	var walk func(f *Fmt)
	walk = func(f *Fmt) {
		if f == nil {
			return
		}
		if f.Type == "tag" && f.Begin != nil && strings.Contains(f.Begin.String(), `"`+tool+`"`) {
			c := f.Content
			if c.Type == "sequence" {
				for _, el := range c.Elements {
					if el.Type == "json_schema" {
						c = el
					}
				}
			}
			found = c.JSONSchema
		}
		walk(f.Content)
		for _, x := range append(slices.Clone(f.Tags), f.Elements...) {
			walk(x)
		}
	}
	walk(e.Tag.Format)
	if found == nil {
		t.Fatalf("no tag for %s in %+v", tool, e.Tools)
	}
	return found
}

func validator(t *testing.T, raw json.RawMessage) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("tag.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("tag.json")
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return s
}

func valid(s *jsonschema.Schema, args string) bool {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(args))
	if err != nil {
		panic(err)
	}
	return s.Validate(v) == nil
}

// TestStructuralTagRefund: the tools allowed next and their restricted
// schemas follow the spec's state. At the start a refund is not allowed
// (before(get_order, refund)); after the order and an agent's permission
// it is, up to 100 (above needs an approval first); the JSON Schema says
// so under a standard validator.
func TestStructuralTagRefund(t *testing.T) {
	s := compileSpec(t, "../specs/refund.ltl", "../specs/refund.tools.json")
	e, err := StructuralTag(s, StructTagOptions{Format: decoder.FormatQwen, State: StateStart})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(e.Tools, "refund") || !slices.Contains(e.Tools, "get_order") {
		t.Fatalf("tools at the start: %v", e.Tools)
	}
	tt := e.Tag.Format
	if tt.Type != "triggered_tags" || !reflect.DeepEqual(tt.Triggers, []string{"<tool_call>\n"}) || !*tt.StopAfterFirst {
		t.Fatalf("top format: %+v", tt)
	}
	if b := tt.Tags[0].Begin.Text; b != "<tool_call>\n{\"name\": \"get_order\", \"arguments\": " || tt.Tags[0].End.Text != "}\n</tool_call>" {
		t.Fatalf("tag: %q … %q", b, tt.Tags[0].End.Text)
	}

	q := stateAfter(t, s, []ltl.Event{
		{Tool: "get_order", Args: map[string]any{"order_id": "A1"}}, {Step: "observation"},
		{Tool: "check_permission", Args: map[string]any{"role": "agent"}}, {Step: "observation"},
	})
	e, err = StructuralTag(s, StructTagOptions{Format: decoder.FormatJSON, State: q})
	if err != nil {
		t.Fatal(err)
	}
	raw := tagSchema(t, e, "refund")
	want := `{"type":"object","properties":{"order_id":{"type":"string"},"amount":{"type":"number","minimum":0,"maximum":100},"currency":{"type":"string","enum":["EUR","USD"]}},"required":["order_id","amount"]}`
	if string(raw) != want {
		t.Fatalf("refund schema\n got %s\nwant %s", raw, want)
	}
	v := validator(t, raw)
	for args, ok := range map[string]bool{
		`{"order_id": "A1", "amount": 100}`:   true,
		`{"order_id": "A1", "amount": 100.5}`: false,
		`{"order_id": "A1", "amount": -1}`:    false,
		`{"order_id": "A1"}`:                  false,
	} {
		if valid(v, args) != ok {
			t.Errorf("refund %s: valid = %v, want %v", args, !ok, ok)
		}
	}
	if len(e.Approximations) != 0 {
		t.Errorf("approximations: %v", e.Approximations)
	}
}

// TestStructuralTagBindings: a predicate on a captured value is left out
// without --bind (and said so), and is a literal bound with it.
func TestStructuralTagBindings(t *testing.T) {
	s := compileSpec(t, "../specs/travel_booking.ltl", "../specs/travel_booking.tools.json")
	trace := []ltl.Event{
		{Tool: "get_budget", Args: map[string]any{"trip_id": "T"}, Outcome: ltl.Returned, Result: map[string]any{"limit": 480, "currency": "EUR"}},
		{Step: "observation"},
		{Tool: "search_flights", Args: map[string]any{"from": "A", "to": "B", "date": "d"}}, {Step: "observation"},
		{Tool: "hold_seat", Args: map[string]any{"flight": "F1"}, Outcome: ltl.Returned, Result: map[string]any{"id": "H7", "price": 300}},
		{Step: "observation"},
	}
	q := stateAfter(t, s, trace)
	e, err := StructuralTag(s, StructTagOptions{Format: decoder.FormatJSON, State: q})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(e.Tools, "pay") {
		t.Fatalf("pay allowed without bindings: %v", e.Tools)
	}
	said := false
	for _, a := range e.Approximations {
		said = said || (a.Tool == "pay" && strings.Contains(a.Reason, "--bind") && !a.Over)
	}
	if !said {
		t.Fatalf("leaving pay out is not said: %v", e.Approximations)
	}
	caps := ltl.Captures{"budget": map[string]any{"limit": 480, "currency": "EUR"}, "hold": map[string]any{"id": "H7", "price": 300}}
	e, err = StructuralTag(s, StructTagOptions{Format: decoder.FormatJSON, State: q, Bindings: caps})
	if err != nil {
		t.Fatal(err)
	}
	v := validator(t, tagSchema(t, e, "pay"))
	for args, ok := range map[string]bool{
		`{"hold_id": "H7", "amount": 480, "currency": "EUR"}`: true,
		`{"hold_id": "H7", "amount": 481, "currency": "EUR"}`: false,
		`{"hold_id": "H8", "amount": 10, "currency": "EUR"}`:  false,
		`{"hold_id": "H7", "amount": 10, "currency": "USD"}`:  false,
	} {
		if valid(v, args) != ok {
			t.Errorf("pay %s: valid = %v, want %v", args, !ok, ok)
		}
	}
}

// TestStructuralTagApproximations: what XGrammar cannot enforce is listed
// as an over-approximation, and what is exact is not.
func TestStructuralTagApproximations(t *testing.T) {
	dir := t.TempDir()
	spec := dir + "/a.ltl"
	cat := dir + "/a.tools.json"
	write(t, spec, "spec a \"approx\"\ntools send, fetch\nrule G(send -> send(to != \"root\", body starts_with \"Hi\"))\nrule never(send(body matches \"x+y\"))\nrule never(send(body contains \"password\"))\nrule G(fetch -> fetch(path ends_with \".txt\"))\n")
	write(t, cat, `[{"type":"function","function":{"name":"send","parameters":{"type":"object","properties":{"to":{"type":"string"},"body":{"type":"string"}},"required":["to","body"]}}},
{"type":"function","function":{"name":"fetch","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"not":{"required":["x"]}}}}]`)
	s := compileSpec(t, spec, cat)
	e, err := StructuralTag(s, StructTagOptions{Format: decoder.FormatHermes, State: StateStart})
	if err != nil {
		t.Fatal(err)
	}
	var over []string
	for _, a := range e.Approximations {
		if a.Over {
			over = append(over, a.Tool+" "+a.Pred+" "+a.Reason)
		}
	}
	want := []string{`must not hold`, `not translated`, `ignores "not"`, `uses "not"`}
	if len(over) != len(want) {
		t.Fatalf("over-approximations:\n%s", strings.Join(over, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(over[i], w) {
			t.Errorf("over[%d] = %q, want it to mention %s", i, over[i], w)
		}
	}
	v := validator(t, tagSchema(t, e, "send"))
	if !valid(v, `{"to": "bob", "body": "Hi there"}`) || valid(v, `{"to": "bob", "body": "Yo"}`) || valid(v, `{"to": "root", "body": "Hi"}`) || valid(v, `{"to": "bob", "body": "Hi, my password"}`) {
		t.Error("send's schema does not say what the spec says (a standard validator reads not)")
	}
	fv := validator(t, tagSchema(t, e, "fetch"))
	if !valid(fv, `{"path": "a\nb.txt"}`) || valid(fv, `{"path": "a.txt.gz"}`) {
		t.Error("fetch's pattern is not ends_with \".txt\"")
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStructuralTagFormats: every call format with JSON arguments exports
// a document the checker accepts, whose tags open with the format's
// trigger; pythonic is refused with its code.
func TestStructuralTagFormats(t *testing.T) {
	s := compileSpec(t, "../specs/refund.ltl", "../specs/refund.tools.json")
	for _, name := range decoder.FormatNames() {
		f, err := decoder.ParseFormat(name)
		if err != nil {
			t.Fatal(err)
		}
		e, err := StructuralTag(s, StructTagOptions{Format: f, State: StateStart})
		if f.Spec().Args == decoder.ArgsPython {
			if !errors.Is(err, &StructTagError{Code: StructTagFormat}) {
				t.Errorf("%s: err = %v, want StructTagFormat", name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		b, err := e.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckStructuralTagJSON(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if fs := f.Spec(); fs.ListOpen != "" && e.Tag.Format.Tags[0].Content.Type != "tags_with_separator" {
			t.Errorf("%s: a list format's calls are not one separated list", name)
		}
	}
}

// TestStructuralTagRoundTrip: marshal, strict parse, equal.
func TestStructuralTagRoundTrip(t *testing.T) {
	s := compileSpec(t, "../specs/refund.ltl", "../specs/refund.tools.json")
	for _, f := range []decoder.Format{decoder.FormatJSON, decoder.FormatQwen, decoder.FormatMistral, decoder.FormatMistralV11, decoder.FormatHarmony} {
		e, err := StructuralTag(s, StructTagOptions{Format: f, State: StateStart})
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.JSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseStructuralTag(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		compactSchemas(t, got.Format)
		compactSchemas(t, e.Tag.Format)
		if !reflect.DeepEqual(*got, e.Tag) {
			t.Errorf("%s: round trip differs", f)
		}
		b2, _ := json.Marshal(got)
		b1, _ := json.Marshal(e.Tag)
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s: re-marshalled bytes differ:\n%s\n%s", f, b1, b2)
		}
	}
}

func compactSchemas(t *testing.T, f *Fmt) {
	if f == nil {
		return
	}
	if f.JSONSchema != nil {
		var b bytes.Buffer
		if err := json.Compact(&b, f.JSONSchema); err != nil {
			t.Fatal(err)
		}
		f.JSONSchema = b.Bytes()
	}
	compactSchemas(t, f.Content)
	for _, x := range append(slices.Clone(f.Tags), f.Elements...) {
		compactSchemas(t, x)
	}
}

// TestStructuralTagErrors: bad options fail with their codes.
func TestStructuralTagErrors(t *testing.T) {
	s := compileSpec(t, "../specs/refund.ltl", "../specs/refund.tools.json")
	for _, c := range []struct {
		name string
		opts StructTagOptions
		code StructTagCode
		msg  string
	}{
		{"noformat", StructTagOptions{}, StructTagFormat, "--call-format"},
		{"pythonic", StructTagOptions{Format: decoder.FormatPythonic}, StructTagFormat, "keyword arguments"},
		{"state", StructTagOptions{Format: decoder.FormatJSON, State: 100000}, StructTagState, "does not exist"},
		{"limit", StructTagOptions{Format: decoder.FormatJSON, State: StateStart, MaxBytes: 100}, StructTagLimit, "MaxBytes"},
	} {
		_, err := StructuralTag(s, c.opts)
		if !errors.Is(err, &StructTagError{Code: c.code}) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want code %d mentioning %q", c.name, err, c.code, c.msg)
		}
	}
}

// TestCheckStructuralTag: the checker refuses what XGrammar's document
// does not allow, each for its reason.
func TestCheckStructuralTag(t *testing.T) {
	tag := func(begin string) string {
		return `{"type":"tag","begin":"` + begin + `","content":{"type":"json_schema","json_schema":{"type":"object"}},"end":"</f>"}`
	}
	ok := `{"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<f="],"tags":[` + tag("<f=a>") + `],"at_least_one":false,"stop_after_first":true}}`
	tok := `{"type":"structural_tag","format":{"type":"token_triggered_tags","trigger_tokens":["<|t|>", 7],"tags":[{"type":"tag","begin":{"type":"token","token":7},"content":{"type":"json_schema","json_schema":{}},"end":{"type":"token","token":"<|e|>"}}],"exclude_tokens":["</s>"]}}`
	for _, doc := range []string{ok, tok} {
		if err := CheckStructuralTagJSON([]byte(doc)); err != nil {
			t.Fatalf("valid document refused: %v\n%s", err, doc)
		}
	}
	for _, c := range []struct{ name, doc, msg string }{
		{"toptype", `{"type":"structural_tags","format":{"type":"any_text"}}`, `"structural_tag"`},
		{"noformat", `{"type":"structural_tag"}`, `"format" is required`},
		{"topkey", `{"type":"structural_tag","format":{"type":"any_text"},"x":1}`, `unknown key "x"`},
		{"dupkey", `{"type":"structural_tag","type":"structural_tag","format":{"type":"any_text"}}`, "duplicate"},
		{"unknowntype", `{"type":"structural_tag","format":{"type":"anytext"}}`, `"anytext"`},
		{"unwritten", `{"type":"structural_tag","format":{"type":"exclude_token","exclude_tokens":[1]}}`, `"exclude_token"`},
		{"tokenid", `{"type":"structural_tag","format":{"type":"token","token":-1}}`, "token id"},
		{"tokenbegin", `{"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<f="],"tags":[{"type":"tag","begin":{"type":"token","token":"<f="},"content":{"type":"any_text"},"end":"x"}]}}`, "token_triggered_tags"},
		{"tokentrigger", `{"type":"structural_tag","format":{"type":"token_triggered_tags","trigger_tokens":["<a>"],"tags":[{"type":"tag","begin":{"type":"token","token":"<b>"},"content":{"type":"any_text"},"end":"x"}]}}`, "not one of the trigger tokens"},
		{"tokenstringbegin", `{"type":"structural_tag","format":{"type":"token_triggered_tags","trigger_tokens":["<a>"],"tags":[{"type":"tag","begin":"<a>","content":{"type":"any_text"},"end":"x"}]}}`, "must be a token format"},
		{"delim", `{"type":"structural_tag","format":{"type":"tag","begin":{"type":"const_string","value":"a"},"content":{"type":"any_text"},"end":"x"}}`, "string or a token format"},
		{"field", `{"type":"structural_tag","format":{"type":"const_string","value":"a","values":"b"}}`, `no field "values"`},
		{"required", `{"type":"structural_tag","format":{"type":"tag","begin":"a","end":"b"}}`, `needs "content"`},
		{"fieldtype", `{"type":"structural_tag","format":{"type":"const_string","value":3}}`, "must be a string"},
		{"emptyelems", `{"type":"structural_tag","format":{"type":"sequence","elements":[]}}`, "non-empty"},
		{"repeat", `{"type":"structural_tag","format":{"type":"repeat","min":3,"max":2,"content":{"type":"any_text"}}}`, "min <= max"},
		{"style", `{"type":"structural_tag","format":{"type":"json_schema","json_schema":{},"style":"yaml"}}`, "style"},
		{"prefix", `{"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<f","<f="],"tags":[` + tag("<f=a>") + `]}}`, "prefix"},
		{"begin", `{"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<g="],"tags":[` + tag("<f=a>") + `]}}`, "exactly one trigger"},
		{"nottag", `{"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<f="],"tags":[{"type":"const_string","value":"<f="}]}}`, "must be a tag"},
		{"schema", `{"type":"structural_tag","format":{"type":"json_schema","json_schema":"object"}}`, "JSON Schema"},
		{"deep", `{"type":"structural_tag","format":` + strings.Repeat(`{"type":"optional","content":`, 70) + `{"type":"any_text"}` + strings.Repeat("}", 70) + `}`, "deeper"},
	} {
		err := CheckStructuralTagJSON([]byte(c.doc))
		if !errors.Is(err, &StructTagError{Code: StructTagInvalid}) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want StructTagInvalid mentioning %q", c.name, err, c.msg)
		}
	}
}

// FuzzCheckStructuralTag: the checker never panics, and what it accepts
// parses and re-marshals to a document it accepts again.
func FuzzCheckStructuralTag(f *testing.F) {
	f.Add([]byte(`{"type":"structural_tag","format":{"type":"triggered_tags","triggers":["<f="],"tags":[{"type":"tag","begin":"<f=a>","content":{"type":"json_schema","json_schema":{"type":"object"}},"end":"</f>"}]}}`))
	f.Add([]byte(`{"type":"structural_tag","format":{"type":"repeat","min":1,"max":-1,"content":{"type":"regex","pattern":"a+"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		st, err := ParseStructuralTag(data)
		if err != nil {
			return
		}
		if err := CheckStructuralTag(st); err != nil {
			t.Fatalf("accepted %s, but not once re-marshalled: %v", data, err)
		}
	})
}

// TestStructTagJSONEscapes: markers stay readable (< > & unescaped), and
// a control character from a catalog never reaches a terminal raw.
func TestStructTagJSONEscapes(t *testing.T) {
	got := string(appendJSONString(nil, "<tool_call>&\x1b[31m\u2028"))
	if want := `"<tool_call>&\u001b[31m\u2028"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestStructuralTagExactLiterals: == on a number is both bounds (so 5.0
// passes as 5 does), in is an enum, == on a boolean a const, and none of
// them is an approximation beyond enum's spelling note.
func TestStructuralTagExactLiterals(t *testing.T) {
	dir := t.TempDir()
	write(t, dir+"/p.ltl", "spec p \"literals\"\ntools pay\nrule G(pay -> pay(amount == 5, kind in [\"a\", \"b\"], ok == true))\n")
	write(t, dir+"/p.tools.json", `[{"type":"function","function":{"name":"pay","parameters":{"type":"object","properties":{"amount":{"type":"number"},"kind":{"type":"string"},"ok":{"type":"boolean"}}}}}]`)
	s := compileSpec(t, dir+"/p.ltl", dir+"/p.tools.json")
	e, err := StructuralTag(s, StructTagOptions{Format: decoder.FormatJSON, State: StateStart})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range e.Approximations {
		if a.Over {
			t.Errorf("over-approximation: %v", a)
		}
	}
	v := validator(t, tagSchema(t, e, "pay"))
	for args, ok := range map[string]bool{
		`{"amount": 5, "kind": "a", "ok": true}`:   true,
		`{"amount": 5.0, "kind": "b", "ok": true}`: true,
		`{"amount": 6, "kind": "a", "ok": true}`:   false,
		`{"amount": 5, "kind": "c", "ok": true}`:   false,
		`{"amount": 5, "kind": "a", "ok": false}`:  false,
		`{"kind": "a", "ok": true}`:                false,
	} {
		if valid(v, args) != ok {
			t.Errorf("pay %s: valid = %v, want %v", args, !ok, ok)
		}
	}
}

// TestStructuralTagContradiction: a minterm the catalog's own const or
// enum contradicts is not written (no call can satisfy both), and a tool
// left with none is not in the tag. The nested path keeps the alphabet's
// own domain analysis (top-level properties) from pruning it first.
func TestStructuralTagContradiction(t *testing.T) {
	dir := t.TempDir()
	write(t, dir+"/c.ltl", "spec c \"contradiction\"\ntools mode, level\nrule G(mode -> mode(opts.m == \"fast\"))\nrule G(level -> level(l == \"high\"))\n")
	write(t, dir+"/c.tools.json", `[{"type":"function","function":{"name":"mode","parameters":{"type":"object","properties":{"opts":{"type":"object","properties":{"m":{"type":"string","const":"slow"}}}}}}},
{"type":"function","function":{"name":"level","parameters":{"type":"object","properties":{"l":{"type":"string","enum":["low","high"]}}}}}]`)
	s := compileSpec(t, dir+"/c.ltl", dir+"/c.tools.json")
	e, err := StructuralTag(s, StructTagOptions{Format: decoder.FormatJSON, State: StateStart})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(e.Tools, "mode") || !slices.Contains(e.Tools, "level") {
		t.Fatalf("tools %v: want level only (mode's const contradicts the spec)", e.Tools)
	}
	v := validator(t, tagSchema(t, e, "level"))
	if !valid(v, `{"l": "high"}`) || valid(v, `{"l": "low"}`) {
		t.Error("level's schema is not l == \"high\"")
	}
}

// TestStructuralTagTokenMarkers: with TokenMarkers the format's special
// markers are token formats: calls that open with one are dispatched by
// token_triggered_tags on it, the rest of the opening text and the markers
// inside the call move into the content, and a closing marker is the
// tag's end token. Every format's document passes the checker and
// round-trips; without the option nothing is a token.
func TestStructuralTagTokenMarkers(t *testing.T) {
	s := compileSpec(t, "../specs/refund.ltl", "../specs/refund.tools.json")
	e, err := StructuralTag(s, StructTagOptions{Format: decoder.FormatQwen, State: StateStart, TokenMarkers: true})
	if err != nil {
		t.Fatal(err)
	}
	f := e.Tag.Format
	if f.Type != "token_triggered_tags" || len(f.TriggerTokens) != 1 || string(f.TriggerTokens[0]) != `"<tool_call>"` {
		t.Fatalf("qwen: %s %s", f.Type, f.TriggerTokens)
	}
	tag := f.Tags[0]
	if tag.Begin.Token == nil || string(tag.Begin.Token.Token) != `"<tool_call>"` || tag.End.Token == nil || string(tag.End.Token.Token) != `"</tool_call>"` {
		t.Fatalf("qwen tag delimiters: %s … %s", tag.Begin, tag.End)
	}
	el := tag.Content.Elements
	if len(el) != 3 || *el[0].Value != "\n{\"name\": \"get_order\", \"arguments\": " || el[1].Type != "json_schema" || *el[2].Value != "}\n" {
		t.Fatalf("qwen content: %+v", el)
	}

	e, err = StructuralTag(s, StructTagOptions{Format: decoder.FormatHarmony, State: StateStart, TokenMarkers: true})
	if err != nil {
		t.Fatal(err)
	}
	if f := e.Tag.Format; f.Type != "triggered_tags" || f.Triggers[0] != " to=functions." || f.Tags[0].Begin.Text != " to=functions.get_order" ||
		f.Tags[0].Content.Elements[0].Type != "token" || string(f.Tags[0].Content.Elements[0].Token) != `"<|channel|>"` {
		t.Fatalf("harmony: %s %v %s", f.Type, f.Triggers, f.Tags[0].Begin)
	}

	for _, name := range decoder.FormatNames() {
		f, _ := decoder.ParseFormat(name)
		if f.Spec().Args == decoder.ArgsPython {
			continue
		}
		for _, tm := range []bool{false, true} {
			e, err := StructuralTag(s, StructTagOptions{Format: f, State: StateStart, TokenMarkers: tm})
			if err != nil {
				t.Errorf("%s tokens=%v: %v", name, tm, err)
				continue
			}
			b, err := e.JSON()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseStructuralTag(b)
			if err != nil {
				t.Errorf("%s tokens=%v: %v\n%s", name, tm, err, b)
				continue
			}
			compactSchemas(t, got.Format)
			compactSchemas(t, e.Tag.Format)
			b1, _ := json.Marshal(e.Tag)
			b2, _ := json.Marshal(got)
			if !bytes.Equal(b1, b2) {
				t.Errorf("%s tokens=%v: round trip differs", name, tm)
			}
			if hasToken := bytes.Contains(b, []byte(`"type": "token"`)); hasToken != (tm && len(f.Spec().Special) > 0) {
				t.Errorf("%s tokens=%v: token formats present = %v", name, tm, hasToken)
			}
		}
	}
}
