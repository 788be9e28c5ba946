package mona

import (
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// Result atoms are letters to MONA like any other: a symbol's
// representative event carries its outcome, and ltl.Atom.Holds reads it.
// automata.Compile agrees with MONA on every word up to length 4.
func TestResultAtomsAgainstMONA(t *testing.T) {
	needMONA(t)
	ctx := testCtx(t)
	src := `spec r
steps answer
tools search, refund
rule G(refund -> Y search returns (hits > 0))
rule G(search fails -> X answer)
rule F(search returns (hits > 0, top.kind in ["a", "b"])) | G !search
rule (search returns (hits > 3) U answer) & !refund(note contains "x") W answer
`
	s, err := ltl.Parse("r.ltl", []byte(src), ltl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range s.Rules {
		f := r.Formula
		a, err := automata.NewAlphabet([]string{"answer"}, []string{"search", "refund"}, f)
		if err != nil {
			t.Fatal(err)
		}
		letters := lettersOf(a)
		m, err := BuildDFA(ctx, f, letters)
		if err != nil {
			t.Fatalf("rule %d %v: MONA: %v", i, f, err)
		}
		d, err := automata.Compile(f, a, automata.Options{MaxStates: compileStateLimit})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("rule %d: %d letters, MONA %d states", i, len(letters), m.NumStates())
		for _, w := range allTraces(len(letters), 4) {
			want, err := m.Accepts(w)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.AcceptsWord(w); got != want {
				t.Fatalf("rule %d %v on %s: Compile %v, MONA %v", i, f, traceString(letters, w), got, want)
			}
		}
	}
}
