package decoder

import (
	"errors"
	"strings"
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// TestNewIndexRefusesResults: a spec that reads results, compares with
// captured values, or uses predicates the value automata do not spell is
// refused with a *ResultsError naming the symbol and what it needs; the
// same tools without them build an index.
func TestNewIndexRefusesResults(t *testing.T) {
	vocab := testVocab()
	trie := NewTrie(vocab)
	head := "spec r\nsteps answer\ntools ask_user, delete_file, get_budget, pay\nlet budget = get_budget\n"
	cases := []struct{ rule, want string }{
		{"G(delete_file -> Y ask_user returns (approved == true))", "returns"},
		{"G(delete_file -> Y ask_user fails)", "ask_user fails reads"},
		{"G(pay -> pay(amount <= $budget.limit))", "$budget.limit"},
		{`never(pay(card.kind == "amex"))`, "card.kind"},
		{`never(pay(note contains "x"))`, "contains"},
		{`never(pay(kind in ["a", "b"]))`, "in"},
		{`G(pay -> pay(amount <= 100)) & F answer`, ""},
	}
	for _, c := range cases {
		s, err := ltl.Parse("r.ltl", []byte(head+"rule "+c.rule+"\n"), ltl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		f := s.Formula()
		a, err := automata.NewAlphabet(declNamesOf(s.Steps), declNamesOf(s.Tools), f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := automata.Compile(f, a, automata.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewIndex(FromDFA(d), vocab, trie, IndexOptions{Format: FormatJSON})
		var re *ResultsError
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.rule, err)
			}
			continue
		}
		if !errors.As(err, &re) || !errors.Is(err, ErrResults) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want a ResultsError mentioning %q", c.rule, err, c.want)
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
