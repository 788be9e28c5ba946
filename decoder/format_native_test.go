package decoder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/ltl"
	"golang.org/x/tools/txtar"
)

var nativeFormats = []Format{FormatQwen, FormatLlama3, FormatLlama3Tag, FormatMistral, FormatMistralV11, FormatGranite, FormatDeepSeek, FormatDeepSeekR1, FormatHarmony}

func nativeDFA() *cDFA {
	return universalDFA(stepSym("think"), stepSym("thought"), stepSym("answer"), toolSym("search"),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: true}),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: false}))
}

// feed accepts text byte by byte and reports whether the message may end
// there (EOG allowed, or nothing more can be written).
func feed(t *testing.T, s *Session, text []byte) bool {
	t.Helper()
	for j, b := range text {
		if err := s.Accept(int(b)); err != nil {
			t.Fatalf("byte %d (%q) after %q: %v", j, b, text[:j], err)
		}
	}
	return s.Done() || s.Mask().Has(s.Index().Vocab().EOG[0])
}

// goldenCall is a parsed call as the golden files spell it: the event's
// JSON with the call's id added. (Embedding ltl.Event would promote its
// MarshalJSON and drop the id.)
type goldenCall struct {
	Event ltl.Event
	ID    string
}

func (g goldenCall) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(g.Event); err != nil {
		return nil, err
	}
	ev := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if g.ID == "" {
		return ev, nil
	}
	id, _ := json.Marshal(g.ID)
	return append(append(append(ev[:len(ev)-1:len(ev)-1], `,"id":`...), id...), '}'), nil
}

// TestNativeFormatsGolden: each native format's canonical message
// (testdata/formats_native.txtar) is accepted byte by byte, may end there,
// and reads back (ParseMessage and Session.Calls alike) as its .events.
func TestNativeFormatsGolden(t *testing.T) {
	path := filepath.Join("testdata", "formats_native.txtar")
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vocab := testVocab()
	trie := NewTrie(vocab)
	changed := false
	seen := map[string]bool{}
	for i := range ar.Files {
		f := &ar.Files[i]
		name, ok := strings.CutSuffix(f.Name, ".txt")
		if !ok {
			continue
		}
		seen[name] = true
		format, err := ParseFormat(name)
		if err != nil {
			t.Fatal(err)
		}
		msg := bytes.TrimSuffix(f.Data, []byte("\n"))
		s, err := NewSession(nativeDFA(), vocab, trie, IndexOptions{Format: format,
			Tools: schemas("search", searchSchema, "refund", refundSchema)}, SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !feed(t, s, msg) {
			t.Errorf("%s: the message cannot end after its text", name)
		}
		calls, err := format.ParseMessage(msg)
		if err != nil {
			t.Fatalf("%s: ParseMessage: %v", name, err)
		}
		if fmt.Sprint(calls) != fmt.Sprint(s.Calls()) {
			t.Fatalf("%s: ParseMessage %v, session %v", name, calls, s.Calls())
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for _, c := range calls {
			if err := enc.Encode(goldenCall{c.Event, c.ID}); err != nil {
				t.Fatal(err)
			}
		}
		want := slices.IndexFunc(ar.Files, func(g txtar.File) bool { return g.Name == name+".events" })
		switch {
		case *updateFormats && want < 0:
			ar.Files = append(ar.Files, txtar.File{Name: name + ".events", Data: buf.Bytes()})
			changed = true
		case *updateFormats:
			if !bytes.Equal(ar.Files[want].Data, buf.Bytes()) {
				ar.Files[want].Data = buf.Bytes()
				changed = true
			}
		case want < 0:
			t.Errorf("%s: no %s.events in %s (run with -update-formats)", name, name, path)
		case !bytes.Equal(ar.Files[want].Data, buf.Bytes()):
			t.Errorf("%s events:\n got %s\nwant %s", name, buf.Bytes(), ar.Files[want].Data)
		}
	}
	for _, f := range nativeFormats {
		if !seen[f.String()] {
			t.Errorf("no golden message for native format %s", f)
		}
	}
	if changed {
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNativeFormatsMatchTemplates: the assistant tool-call message that
// each family's real chat template renders (chat/testdata/golden, rendered
// by Python Jinja2 as transformers does) is text the byte automaton writes
// and Format.Parse reads as that call, with its id, and the format chosen
// from the template (FormatForChat) is the one that reads it.
func TestNativeFormatsMatchTemplates(t *testing.T) {
	cases := []struct {
		golden, template string
		after, before    string // the assistant message lies between
		format           Format
		id               string
	}{
		{"qwen2.5", "Qwen-Qwen2.5-7B-Instruct.jinja", "<|im_start|>assistant\n", "<|im_end|>", FormatQwen, ""},
		{"qwen3", "Qwen-Qwen3-0.6B.jinja", "<|im_start|>assistant\n", "<|im_end|>", FormatQwen, ""},
		{"hermes-style", "specplan-hermes-style.jinja", "<|im_start|>assistant\n", "<|im_end|>", FormatQwen, ""},
		{"granite4.0", "ibm-granite-granite-4.0.jinja", "<|start_of_role|>assistant<|end_of_role|>", "<|end_of_text|>", FormatQwen, ""},
		{"mistral-nemo", "mistralai-Mistral-Nemo-Instruct-2407.jinja", "[/INST]", "</s>", FormatMistral, "a1b2c3d4e"},
		{"llama3-style", "specplan-llama3-style.jinja", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<|eot_id|>", FormatLlama3, ""},
		{"mistral-small-3.2", "Mistral-Small-3.2-24B-Instruct-2506.jinja", "[/INST]", "</s>", FormatMistralV11, "a1b2c3d4e"},
		{"gpt-oss", "openai-gpt-oss-120b.jinja", "<|start|>assistant", "<|call|>", FormatHarmony, ""},
		{"deepseek-r1-distill-qwen", "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja", "<｜Assistant｜>", "<｜end▁of▁sentence｜>", FormatDeepSeekR1, ""},
	}
	want := ltl.Event{Tool: "search_flights", Args: map[string]any{"city": "Lyon", "max_price": 100.0,
		"options": map[string]any{"direct": true, "stops": 0.0}}}
	vocab := testVocab()
	trie := NewTrie(vocab)
	for _, c := range cases {
		ar, err := txtar.ParseFile(filepath.Join("..", "chat", "testdata", "golden", c.golden+".txtar"))
		if err != nil {
			t.Fatal(err)
		}
		var text string
		for _, f := range ar.Files {
			if f.Name == "toolcall" {
				text = string(f.Data)
			}
		}
		// The assistant message with the call: the first one after the user's.
		i := strings.Index(text, "Find me a flight to Lyon.")
		j := strings.Index(text[i:], c.after)
		if i < 0 || j < 0 {
			t.Fatalf("%s: no assistant message in the rendering", c.golden)
		}
		msg := text[i+j+len(c.after):]
		msg = msg[:strings.Index(msg, c.before)]
		tmpl, err := os.ReadFile(filepath.Join("..", "chat", "testdata", "templates", c.template))
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := FormatForTemplate(string(chat.DetectToolCallFormat(string(tmpl))), string(tmpl)); !ok || f != c.format {
			t.Errorf("%s: FormatForTemplate = %v, %v; want %s", c.golden, f, ok, c.format)
		}
		if f, ok := FormatForChat(string(chat.DetectToolCallFormat(string(tmpl)))); !ok || f != c.format && c.format.Spec().TemplateHint == "" {
			t.Errorf("%s: FormatForChat = %v, %v; want %s", c.golden, f, ok, c.format)
		}
		d := universalDFA(toolSym("search_flights"))
		if th := c.format.Spec().Think; th != nil && th.InPrompt {
			// The history drops the reasoning that the generation prompt
			// opens; what the model writes has it first.
			msg = "I will search.\n</think>\n\n" + msg
			d = universalDFA(stepSym("think"), toolSym("search_flights"))
		}
		calls, err := c.format.ParseMessage([]byte(msg))
		if err != nil {
			t.Fatalf("%s: %q: %v", c.golden, msg, err)
		}
		if n := len(calls); n == 0 || fmt.Sprint(calls[n-1].Event) != fmt.Sprint(want) || calls[n-1].ID != c.id || n > 1 && calls[0].Event.Step != "think" {
			t.Fatalf("%s: %q reads as %v", c.golden, msg, calls)
		}
		s, err := NewSession(d, vocab, trie, IndexOptions{Format: c.format}, SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !feed(t, s, []byte(msg)) {
			t.Errorf("%s: the message cannot end after %q", c.golden, msg)
		}
	}
}

// TestNativeFormatsRefuse: what a native format does not allow is refused
// by the parser and by the byte automaton alike.
func TestNativeFormatsRefuse(t *testing.T) {
	cases := []struct {
		f    Format
		text string
		in   string
	}{
		{FormatQwen, "<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>\n", "not a step or a call"},
		{FormatQwen, "<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>Thought: x\n", "after a call"},
		{FormatQwen, "Thought: x\n<think>\nlate\n</think>\n\n", "not a step or a call"},
		{FormatQwen, "<think>\nno end", "without"},
		{FormatLlama3, "{\"name\": \"search\", \"parameters\": {}}{\"name\": \"search\", \"parameters\": {}}", "after the message's calls"},
		{FormatLlama3, "{\"name\": \"search\", \"arguments\": {}}", "unknown field"},
		{FormatMistral, "[TOOL_CALLS][{\"name\": \"search\", \"arguments\": {}, \"id\": \"short\"}]", "9 characters"},
		{FormatMistral, "[TOOL_CALLS][{\"name\": \"search\", \"arguments\": {}, \"id\": \"abc-12345\"}]", "not allowed"},
		{FormatMistral, "[TOOL_CALLS][{\"name\": \"search\", \"arguments\": {}}]", "needs \"id\""},
		{FormatMistral, "[TOOL_CALLS][{\"name\": \"search\", \"arguments\": {}, \"id\": \"abcdefghi\"}", "not closed"},
		{FormatGranite, "<|tool_call|>[{\"name\": \"search\", \"arguments\": {}, \"name\": \"x\"}]", "duplicate key"},
		{FormatGranite, "<|tool_call|>[{\"name\": \"search\", \"arguments\": {}}]Thought: x\n", "after the message's calls"},
		{FormatMistralV11, "[TOOL_CALLS]search[CALL_ID]abc[ARGS]{}", "9 characters"},
		{FormatMistralV11, "[TOOL_CALLS]search[ARGS]{}", "want tool"},
		{FormatHarmony, " to=functions.search<|channel|>commentary json<|message|>{} to=functions.search<|channel|>commentary json<|message|>{}", "after the message's calls"},
		// CallsOnly (conversation.New finds the templates that drop the
		// text before calls): no step line before a call.
		{FormatLlama3.WithCallsOnly(), "Thought: x\n{\"name\": \"search\", \"parameters\": {}}", "not a step or a call"},
		{FormatMistral.WithCallsOnly(), "Thought: x\n[TOOL_CALLS][{\"name\": \"search\", \"arguments\": {}, \"id\": \"abcdefghi\"}]", "not a step or a call"},
		{FormatMistralV11.WithCallsOnly(), "Thought: x\n[TOOL_CALLS]search[CALL_ID]abcdefghi[ARGS]{}", "not a step or a call"},
	}
	vocab := testVocab()
	trie := NewTrie(vocab)
	for _, c := range cases {
		_, err := c.f.ParseMessage([]byte(c.text))
		if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), c.in) {
			t.Errorf("%s %q: want ErrParse naming %q, got %v", c.f, c.text, c.in, err)
		}
		s, err := NewSession(nativeDFA(), vocab, trie, IndexOptions{Format: c.f,
			Tools: schemas("search", searchSchema, "refund", refundSchema)}, SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ok := true
		for _, b := range []byte(c.text) {
			if s.Done() || s.Accept(int(b)) != nil {
				ok = false
				break
			}
		}
		if ok && (s.Done() || s.Mask().Has(vocab.EOG[0])) {
			t.Errorf("%s %q: the byte automaton writes it and may end", c.f, c.text)
		}
	}
}

// greedy tokenizes text by longest match over v's pieces.
func greedy(v *Vocab, text []byte) []int {
	var out []int
	for len(text) > 0 {
		best, n := -1, 0
		for id, p := range v.Pieces {
			if len(p) > n && bytes.HasPrefix(text, p) && !v.IsEOG(id) {
				best, n = id, len(p)
			}
		}
		out = append(out, best)
		text = text[n:]
	}
	return out
}

// TestNativeTokenBoundaries: tokens that span a marker and the JSON after
// it, or the end of one call and the start of the next, are allowed exactly
// where their bytes are (each golden message, tokenized greedily with such
// tokens, is accepted token by token; each spanning token is used).
func TestNativeTokenBoundaries(t *testing.T) {
	spans := map[Format][]string{
		FormatQwen:       {"</tool_call>\n<tool_call>\n{\"", "\n</think>\n\nThought", "<tool_call>\n{\"name\": \""},
		FormatMistral:    {"[TOOL_CALLS][{\"", "\"}, {\"name", "\"}]"},
		FormatGranite:    {"<|tool_call|>[{\"name", "}}, {\"", "}}]"},
		FormatLlama3:     {"\n{\"name\": \"", "\"}}"},
		FormatLlama3Tag:  {"|>{\"", "\"}}"},
		FormatMistralV11: {"}[TOOL_CALLS]", "[ARGS]{\""},
		FormatHarmony:    {"\n to=functions.", "json<|message|>{\""},
		FormatDeepSeek:   {"search\n```json\n{\"", "}\n```<｜tool▁call▁end｜>\n<｜"},
	}
	ar, err := txtar.ParseFile(filepath.Join("testdata", "formats_native.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		name, ok := strings.CutSuffix(f.Name, ".txt")
		if !ok {
			continue
		}
		format, _ := ParseFormat(name)
		vocab := testVocab(spans[format]...)
		s, err := NewSession(nativeDFA(), vocab, NewTrie(vocab), IndexOptions{Format: format,
			Tools: schemas("search", searchSchema, "refund", refundSchema)}, SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		msg := bytes.TrimSuffix(f.Data, []byte("\n"))
		used := map[int]bool{}
		for _, tok := range greedy(vocab, msg) {
			if err := s.Accept(tok); err != nil {
				t.Fatalf("%s: token %q: %v", name, vocab.Pieces[tok], err)
			}
			used[tok] = true
		}
		for k := range spans[format] {
			if !used[256+k] {
				t.Errorf("%s: spanning token %q not used: the test does not test it", name, spans[format][k])
			}
		}
		if evs, _ := format.Parse(msg); fmt.Sprint(evs) != fmt.Sprint(s.Events()) {
			t.Errorf("%s: session events %v, Parse %v", name, s.Events(), evs)
		}
	}
}

// markerVocab is testVocab with the given markers as special tokens (empty
// pieces), after the EOG token.
func markerVocab(markers ...string) (*Vocab, map[string]int) {
	v := testVocab()
	ids := map[string]int{}
	for _, m := range markers {
		ids[m] = len(v.Pieces)
		v.Pieces = append(v.Pieces, nil)
		v.Special = append(v.Special, true)
	}
	return v, ids
}

// TestSpecialMarkers: where the vocabulary has a format's marker as a
// special token, the decoder writes the marker only as that token (never
// as its bytes, never through a reserved byte's ordinary token), the
// session's text shows the marker, and the events read back.
func TestSpecialMarkers(t *testing.T) {
	for _, c := range []struct {
		f      Format
		marker string
	}{{FormatMistral, "[TOOL_CALLS]"}, {FormatGranite, "<|tool_call|>"}, {FormatLlama3Tag, "<|python_tag|>"}, {FormatDeepSeek, "<｜tool▁calls▁begin｜>"}, {FormatMistralV11, "[TOOL_CALLS]"}} {
		vocab, ids := markerVocab(c.marker)
		d := universalDFA(stepSym("thought"), toolSym("search"))
		s, err := NewSession(d, vocab, NewTrie(vocab), IndexOptions{Format: c.f, Markers: ids,
			Tools: schemas("search", searchSchema)}, SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		m := s.Mask()
		tok := ids[c.marker]
		if !m.Has(tok) {
			t.Fatalf("%s: the marker token is not allowed at the start", c.f)
		}
		if m.Has(int(c.marker[0])) {
			t.Errorf("%s: the marker's first byte %q is allowed as text", c.f, c.marker[0])
		}
		for b := markerBase; b < 256; b++ {
			if m.Has(b) {
				t.Errorf("%s: ordinary token 0x%02X (a reserved byte) is allowed", c.f, b)
			}
		}
		if err := s.Accept(tok); err != nil {
			t.Fatal(err)
		}
		rest := `[{"name": "search", "arguments": {"q": "x"}, "id": "abcdefghi"}]`
		switch c.f {
		case FormatGranite:
			rest = `[{"name": "search", "arguments": {"q": "x"}}]`
		case FormatLlama3Tag:
			rest = `{"name": "search", "parameters": {"q": "x"}}`
		case FormatMistralV11:
			rest = `search[CALL_ID]abcdefghi[ARGS]{"q": "x"}`
		case FormatDeepSeek:
			rest = "<｜tool▁call▁begin｜>function<｜tool▁sep｜>search\n```json\n{\"q\": \"x\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>"
		}
		for _, b := range []byte(rest) {
			if err := s.Accept(int(b)); err != nil {
				t.Fatalf("%s: byte %q after %q: %v", c.f, b, s.Text(), err)
			}
		}
		if got := string(s.Text()); got != c.marker+rest {
			t.Errorf("%s: text %q, want the marker's text first", c.f, got)
		}
		if !s.Done() && !s.Mask().Has(vocab.EOG[0]) {
			t.Errorf("%s: cannot end after the call", c.f)
		}
		if evs := s.Events(); len(evs) != 1 || evs[0].Tool != "search" {
			t.Errorf("%s: events %v", c.f, evs)
		}
		if string(s.TokenText(tok)) != c.marker {
			t.Errorf("%s: TokenText %q", c.f, s.TokenText(tok))
		}
	}
	// A marker that is not the format's, or not a special token, is refused.
	vocab, ids := markerVocab("[TOOL_CALLS]")
	d := universalDFA(toolSym("search"))
	if _, err := NewIndex(d, vocab, NewTrie(vocab), IndexOptions{Format: FormatGranite, Markers: ids}); !errors.Is(err, ErrSpell) {
		t.Errorf("foreign marker: %v, want ErrSpell", err)
	}
	if _, err := NewIndex(d, vocab, NewTrie(vocab), IndexOptions{Format: FormatMistral, Markers: map[string]int{"[TOOL_CALLS]": 'x'}}); !errors.Is(err, ErrSpell) {
		t.Errorf("marker on an ordinary token: %v, want ErrSpell", err)
	}
}

// TestPythonicKeywordArguments: Python keywords are plain argument names in
// the pythonic format (ArgsPython): a schema with `from` and `class`
// compiles, the decoder writes `f(from="x", class="y")`, and Parse reads it.
func TestPythonicKeywordArguments(t *testing.T) {
	const sch = `{"type": "object", "properties": {"from": {"type": "string", "enum": ["x"]}, "class": {"type": "string", "enum": ["y"]}, "None": {"type": "boolean"}}, "required": ["from", "class", "None"]}`
	vocab := testVocab()
	s, err := NewSession(universalDFA(toolSym("move")), vocab, NewTrie(vocab),
		IndexOptions{Format: FormatPythonic, Tools: schemas("move", sch)}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("move(from=\"x\", class=\"y\", None=True)\n")
	feed(t, s, text)
	want := []ltl.Event{{Tool: "move", Args: map[string]any{"from": "x", "class": "y", "None": true}}}
	if evs := s.Events(); fmt.Sprint(evs) != fmt.Sprint(want) {
		t.Errorf("session events %v, want %v", evs, want)
	}
	if evs, err := FormatPythonic.Parse(text); err != nil || fmt.Sprint(evs) != fmt.Sprint(want) {
		t.Errorf("Parse: %v, %v", evs, err)
	}
	// Schemaless, a free keyword argument may be a keyword too.
	s, err = NewSession(universalDFA(toolSym("move")), vocab, NewTrie(vocab), IndexOptions{Format: FormatPythonic}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	feed(t, s, []byte("move(lambda=1)\n"))
	if evs := s.Events(); len(evs) != 1 || evs[0].Args["lambda"] != 1.0 {
		t.Errorf("schemaless keyword argument: %v", evs)
	}
}

// TestChatFamilyNames: the families the formats name are chat's names
// (the decoder does not import chat, so a rename there must fail here).
func TestChatFamilyNames(t *testing.T) {
	known := []chat.ToolCallFormat{chat.FormatHermes, chat.FormatLlama3, chat.FormatMistral,
		chat.FormatGranite, chat.FormatDeepSeek, chat.FormatHarmony}
	for _, f := range Formats() {
		for _, c := range f.Spec().Chat {
			if !slices.Contains(known, chat.ToolCallFormat(c)) {
				t.Errorf("%s: family %q is not a chat.ToolCallFormat", f, c)
			}
		}
	}
	for _, c := range known {
		if _, ok := FormatForChat(string(c)); !ok {
			t.Errorf("no format for family %s", c)
		}
	}
}

// TestFormatExample: each format's Example is a message its Parse reads as
// the one call.
func TestFormatExample(t *testing.T) {
	for _, f := range Formats() {
		ex := f.Example("search")
		if th := f.Spec().Think; th != nil && th.InPrompt {
			ex = "ok\n</think>\n\n" + ex
		}
		calls, err := f.ParseMessage([]byte(ex))
		if err != nil {
			t.Errorf("%s: Example %q: %v", f, ex, err)
			continue
		}
		last := calls[len(calls)-1].Event
		if last.Tool != "search" || last.Args["arg"] != "value" {
			t.Errorf("%s: Example %q reads as %v", f, ex, calls)
		}
	}
}

// WithCallsOnly keeps the name and leaves the line formats and the think
// formats as they are; the plain native format still writes a step before
// a call.
func TestWithCallsOnly(t *testing.T) {
	co := FormatLlama3.WithCallsOnly()
	if co.String() != FormatLlama3.String() || !co.Spec().CallsOnly || FormatLlama3.Spec().CallsOnly {
		t.Errorf("WithCallsOnly: %s %+v", co, co.Spec())
	}
	for _, f := range []Format{FormatJSON, FormatHermes, FormatQwen} {
		if f.WithCallsOnly().Spec().CallsOnly {
			t.Errorf("%s: CallsOnly set on a format with steps after calls or a think block", f)
		}
	}
	if _, err := FormatLlama3.ParseMessage([]byte("Thought: x\n{\"name\": \"search\", \"parameters\": {}}")); err != nil {
		t.Errorf("llama3 without CallsOnly: %v", err)
	}
	if _, err := NewFormat(FormatSpec{Name: "x-calls-only", Args: ArgsJSON, NameKey: "name", ArgsKey: "arguments", CallsOnly: true, StepsAfterCalls: true}); err == nil {
		t.Error("CallsOnly with StepsAfterCalls accepted")
	}
}
