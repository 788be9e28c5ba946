package decoder

import (
	"errors"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// hiddenAlphabet is an event automaton that does not give its alphabet.
type hiddenAlphabet struct{ EventAutomaton }

// TestNewIndexResults: specs that read results, compare with captured
// values, use nested paths, string predicates or `in` build an index; a
// spec reading results through an automaton that does not give its
// alphabet is refused with a *ResultsError (the results could not be
// classified).
func TestNewIndexResults(t *testing.T) {
	vocab := testVocab()
	trie := NewTrie(vocab)
	head := "spec r\nsteps answer\ntools ask_user, delete_file, get_budget, pay\nlet budget = get_budget\n"
	cases := []struct {
		rule    string
		outcome bool // the alphabet reads outcomes
	}{
		{"G(delete_file -> Y ask_user returns (approved == true)) & F answer", true},
		{"G(delete_file -> Y ask_user fails) & F answer", true},
		{"G(pay -> pay(amount <= $budget.limit)) & F answer", true},
		{`never(pay(card.kind == "amex")) & F answer`, false},
		{`never(pay(note contains "x")) & F answer`, false},
		{`never(pay(kind in ["a", "b"])) & F answer`, false},
		{`G(pay -> pay(amount <= 100)) & F answer`, false},
	}
	for _, c := range cases {
		_, d := specDFA(t, "r.ltl", head+"rule "+c.rule+"\n")
		if _, err := NewIndex(FromDFA(d), vocab, trie, IndexOptions{Format: FormatJSON}); err != nil {
			t.Errorf("%s: %v", c.rule, err)
		}
		_, err := NewIndex(hiddenAlphabet{FromDFA(d)}, vocab, trie, IndexOptions{Format: FormatJSON})
		var re *ResultsError
		if c.outcome != (errors.As(err, &re) && errors.Is(err, ErrResults)) {
			t.Errorf("%s without its alphabet: %v", c.rule, err)
		}
	}
}

func declNamesOf(ds []ltl.Decl) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}
