package decoder

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

func choiceDFA() *cDFA {
	return universalDFA(stepSym("think"), stepSym("thought"), stepSym("observation"), toolSym("search"),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: true}),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: false}))
}

// turnsOf splits a run's events into the model's turns (at observations).
func turnsOf(evs []ltl.Event) [][]ltl.Event {
	turns := [][]ltl.Event{nil}
	for _, e := range evs {
		if e.Step == "observation" {
			turns = append(turns, nil)
			continue
		}
		turns[len(turns)-1] = append(turns[len(turns)-1], e)
	}
	return turns
}

// TestToolChoiceWalks: under each tool_choice, in every format, seeded
// random walks over the masks (random tokens, budgets from MinTokens up)
// always finish accepted within the budget, and every turn keeps the
// restriction: no calls under none, a call in every turn under required,
// only the allowed tools otherwise.
func TestToolChoiceWalks(t *testing.T) {
	choices := []ToolChoice{{}, {Mode: ChoiceNone}, {Mode: ChoiceRequired},
		{Mode: ChoiceRequired, Tools: []string{"refund"}}, {Tools: []string{"search"}}}
	vocab := testVocab()
	trie := NewTrie(vocab)
	for _, f := range Formats() {
		ix, err := NewIndex(choiceDFA(), vocab, trie, IndexOptions{Format: f,
			Tools: schemas("search", searchSchema, "refund", refundSchema)})
		if err != nil {
			t.Fatal(err)
		}
		for ci, c := range choices {
			s0, err := ix.Start(SessionOptions{ToolChoice: c})
			if err != nil {
				t.Fatalf("%s %s: %v", f, c, err)
			}
			min0 := s0.MinTokens()
			for w := range 8 {
				s, err := ix.Start(SessionOptions{ToolChoice: c})
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(uint64(ci), uint64(w)))
				k := min0 + w*7
				budgetWalk(t, s, r, k, w%2 == 0)
				for ti, turn := range turnsOf(s.Events()) {
					calls := 0
					for _, e := range turn {
						if e.IsCall() {
							calls++
							if c.Tools != nil && !slices.Contains(c.Tools, e.Tool) {
								t.Errorf("%s %s: turn %d calls %s", f, c, ti, e.Tool)
							}
						}
					}
					if c.Mode == ChoiceNone && calls > 0 || c.Mode == ChoiceRequired && calls == 0 {
						t.Errorf("%s %s: turn %d has %d calls: %v (text %q)", f, c, ti, calls, turn, s.Text())
					}
				}
			}
		}
	}
}

// TestToolChoiceRefusedBeforeDecoding: a choice that leaves no valid
// output, or names a tool the spec lacks, is an error from Start.
func TestToolChoiceRefusedBeforeDecoding(t *testing.T) {
	// thought* refund: the run must call refund.
	syms := []automata.Symbol{stepSym("thought"), toolSym("refund"), toolSym("search")}
	d := newCDFA(syms, 3, []int{1}, func(q int, s string) int {
		switch {
		case q == 0 && s == "thought":
			return 0
		case q == 0 && s == "refund":
			return 1
		}
		return -1
	})
	vocab := testVocab()
	ix, err := NewIndex(d, vocab, NewTrie(vocab), IndexOptions{Format: FormatQwen})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []ToolChoice{{Mode: ChoiceNone}, {Tools: []string{"search"}}, {Mode: ChoiceRequired, Tools: []string{"search"}}} {
		if _, err := ix.Start(SessionOptions{ToolChoice: c}); !errors.Is(err, ErrUnsat) {
			t.Errorf("%s: %v, want ErrUnsat", c, err)
		}
	}
	if _, err := ix.Start(SessionOptions{ToolChoice: ToolChoice{Tools: []string{"nope"}}}); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("unknown tool: %v", err)
	}
	// A named function the spec allows: the only first call is refund.
	s, err := ix.Start(SessionOptions{ToolChoice: ToolChoice{Mode: ChoiceRequired, Tools: []string{"refund"}}})
	if err != nil {
		t.Fatal(err)
	}
	text := "<tool_call>\n{\"name\": \"re"
	for _, b := range []byte(text) {
		if err := s.Accept(int(b)); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
	}
	if s.Mask().Has('s') {
		t.Error("search is allowed under a choice naming refund")
	}
	// Mid-turn changes are refused.
	if err := s.SetToolChoice(ToolChoice{}); !errors.Is(err, ErrCallOrder) {
		t.Errorf("SetToolChoice mid-turn: %v", err)
	}
}

func TestParseToolChoice(t *testing.T) {
	ok := map[string]string{
		`"auto"`:     "auto",
		`"required"`: "required",
		` "none" `:   "none",
		`{"type": "function", "function": {"name": "refund"}}`:                                                                                                                          "required[refund]",
		`{"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": [{"type": "function", "function": {"name": "a"}}]}}`:                                                      "auto[a]",
		`{"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "a"}}, {"type": "function", "function": {"name": "b"}}]}}`: "required[a,b]",
	}
	for in, want := range ok {
		c, err := ParseToolChoice([]byte(in))
		if err != nil || c.String() != want {
			t.Errorf("%s: %v %v, want %s", in, c, err, want)
		}
	}
	bad := map[string]string{
		`"sometimes"`: "unknown mode",
		`{"type": "function", "function": {"name": "a"}, "type": "function"}`: "duplicate key",
		`{"type": "function", "function": {"Name": "a"}}`:                     "unknown key",
		`{"type": "function"}`: "exactly",
		`{"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": []}}`:    "non-empty",
		`{"type": "allowed_tools", "allowed_tools": {"mode": "never", "tools": [{}]}}`: "mode",
		`{"type": "code"}`: "unknown type",
		`[1]`:              "object",
	}
	for in, want := range bad {
		if _, err := ParseToolChoice([]byte(in)); !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want ErrParse naming %q", in, err, want)
		}
	}
	if _, err := ParseToolChoice([]byte(`"` + strings.Repeat("a", maxToolChoiceBytes) + `"`)); err == nil || !strings.Contains(err.Error(), "maxToolChoiceBytes") {
		t.Errorf("size limit: %v", err)
	}
	_ = fmt.Sprint
}
