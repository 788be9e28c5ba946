package decoder

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
	"golang.org/x/tools/txtar"
)

var updateFormats = flag.Bool("update-formats", false, "rewrite testdata/formats.txtar from the parser's output")

// universalDFA accepts any sequence of its symbols.
func universalDFA(syms ...automata.Symbol) *cDFA {
	return newCDFA(syms, 1, []int{0}, func(int, string) int { return 0 })
}

// TestFormatsGolden: each format's canonical text (testdata/formats.txtar,
// file <format>.txt) is accepted byte by byte by the byte automaton, and
// both Format.Parse and Session.Events read it as <format>.events (one JSON
// event per line). Run with -update-formats to rewrite the .events files.
func TestFormatsGolden(t *testing.T) {
	path := filepath.Join("testdata", "formats.txtar")
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := universalDFA(stepSym("thought"), stepSym("answer"), toolSym("search"),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: true}),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: false}))
	vocab := testVocab()
	trie := NewTrie(vocab)
	changed := false
	for i := range ar.Files {
		f := &ar.Files[i]
		name, ok := strings.CutSuffix(f.Name, ".txt")
		if !ok {
			continue
		}
		format, err := ParseFormat(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSession(d, vocab, trie, IndexOptions{Format: format,
			Tools: schemas("search", searchSchema, "refund", refundSchema)}, SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for j, b := range f.Data {
			if err := s.Accept(int(b)); err != nil {
				t.Fatalf("%s: byte %d (%q) after %q: %v", name, j, b, f.Data[:j], err)
			}
		}
		evs, err := format.Parse(f.Data)
		if err != nil {
			t.Fatalf("%s: Parse: %v", name, err)
		}
		if fmt.Sprint(evs) != fmt.Sprint(s.Events()) {
			t.Fatalf("%s: Parse %v, session %v", name, evs, s.Events())
		}
		var buf bytes.Buffer
		for _, e := range evs {
			line, _ := json.Marshal(e)
			buf.Write(line)
			buf.WriteByte('\n')
		}
		want := -1
		for k := range ar.Files {
			if ar.Files[k].Name == name+".events" {
				want = k
			}
		}
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
	if changed {
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		f    Format
		text string
		in   string
	}{
		{FormatJSON, "Thought: x", "newline"},
		{FormatJSON, "{\"name\": \"a\"}\n", "line 1"},
		{FormatJSON, "Thought: x\n{\"name\": \"a\", \"arguments\": [1]}\n", "line 2"},
		{FormatHermes, "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n", "</tool_call>"},
		{FormatPythonic, "a(b=)\n", "col 5"},
		{FormatReAct, "Action: a{}\n", "Action"},
		{FormatReAct, "what\n", "not a step"},
	}
	for _, c := range cases {
		_, err := c.f.Parse([]byte(c.text))
		if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), c.in) {
			t.Errorf("%s %q: want ErrParse naming %q, got %v", c.f, c.text, c.in, err)
		}
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, ErrFormat) {
		t.Errorf("ParseFormat(xml): %v", err)
	}
}

// TestObserveClassifies: an event with arguments maps to the minterm its
// predicates select (symbolOf, which Observe and the oracle use).
func TestObserveClassifies(t *testing.T) {
	rd, _ := refundDFA()
	for amount, want := range map[float64]string{500: "refund(!(amount <= 100))", 50: "refund(amount <= 100)"} {
		s := symbolOf(rd.syms, ltl.Event{Tool: "refund", Args: map[string]any{"amount": amount}})
		if s < 0 || rd.syms[s].Name != want {
			t.Fatalf("refund %v: got symbol %d, want %s", amount, s, want)
		}
	}
}

// TestObserveRefusesModelEvents: Observe takes only environment steps, and
// only once the model's turn is over; a tool call or a model step (which
// would bypass the schema and the budget) is refused and changes nothing.
func TestObserveRefusesModelEvents(t *testing.T) {
	rd, _ := refundDFA()
	vocab := testVocab()
	s, err := NewSession(rd, vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []ltl.Event{{Tool: "refund", Args: map[string]any{"amount": 50.0}}, {Step: "thought", Text: "x"}} {
		if err := s.Observe(ev); !errors.Is(err, ErrNotAllowed) || s.State() != 0 || len(s.Events()) != 0 {
			t.Fatalf("Observe(%s): want ErrNotAllowed and no change, got %v (state %d)", ev.Name(), err, s.State())
		}
	}
	// thought/observation loop until an answer: the environment may move
	// anywhere, but only after the model ends its turn with EOG.
	syms := []automata.Symbol{stepSym("thought"), stepSym("observation"), stepSym("answer")}
	d := newCDFA(syms, 2, []int{1}, func(q int, sym string) int {
		switch {
		case q == 0 && sym == "answer":
			return 1
		case q == 0:
			return 0
		}
		return -1
	})
	s, err = NewSession(d, vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	obs := ltl.Event{Step: "observation", Text: "r"}
	if err := s.Observe(obs); !errors.Is(err, ErrCallOrder) {
		t.Fatalf("Observe before the turn ends: want ErrCallOrder, got %v", err)
	}
	for _, b := range []byte("Thought: t") {
		if err := s.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Observe(obs); !errors.Is(err, ErrCallOrder) {
		t.Fatalf("Observe inside an event: want ErrCallOrder, got %v", err)
	}
	for _, tok := range []int{'\n', vocab.EOG[0]} {
		if err := s.Accept(tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Observe(obs); err != nil || len(s.Events()) != 2 {
		t.Fatalf("Observe after EOG: %v, events %v", err, s.Events())
	}
}

// ExampleNewSession constrains a ReAct-style agent: a thought, then a call
// or the answer; after a call the environment observes.
func ExampleNewSession() {
	syms := []automata.Symbol{stepSym("thought"), stepSym("observation"), stepSym("answer"), toolSym("search")}
	ea := newCDFA(syms, 4, []int{3}, func(q int, s string) int {
		next := map[string]int{"0thought": 1, "1answer": 3, "1search": 2, "2observation": 0}
		if n, ok := next[fmt.Sprint(q)+s]; ok {
			return n
		}
		return -1
	})
	vocab := testVocab("Thought: ", "Answer: ", "Action: ", "search", "[{\"q\": \"", "\"}]\n")
	s, err := NewSession(ea, vocab, NewTrie(vocab), IndexOptions{Format: FormatReAct,
		Tools: map[string]json.RawMessage{"search": json.RawMessage(`{"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}`)}}, SessionOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tokens allowed at the start:", s.Mask().Count())
	for _, piece := range []string{"Thought: ", "h", "i", "\n", "Action: ", "search", "[{\"q\": \"", "g", "o", "\"}]\n"} {
		for id, p := range vocab.Pieces {
			if string(p) == piece {
				if err := s.Accept(id); err != nil {
					fmt.Println(err)
				}
			}
		}
	}
	fmt.Println("done:", s.Done())
	_ = s.Observe(ltl.Event{Step: "observation", Text: "3 results"})
	for _, e := range s.Events() {
		fmt.Printf("%s %v %q\n", e.Name(), e.Args, e.Text)
	}
	fmt.Println("minimum tokens to finish:", s.MinTokens())
	// Output:
	// tokens allowed at the start: 2
	// done: true
	// thought map[] "hi"
	// search map[q:go] ""
	// observation map[] "3 results"
	// minimum tokens to finish: 19
}

func ExampleFormat_Parse() {
	evs, err := FormatPythonic.Parse([]byte("Thought: refund the order\nrefund(amount=42.5, currency=\"EUR\")\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range evs {
		fmt.Printf("%s %v %q\n", e.Name(), e.Args, e.Text)
	}
	// Output:
	// thought map[] "refund the order"
	// refund map[amount:42.5 currency:EUR] ""
}
