package mona

import (
	"math/rand"
	"testing"

	"github.com/specplan/specplan/automata"
)

const compileStateLimit = 5000

// lettersOf turns an automata.Alphabet into MONA letters with the same
// indices: each symbol's representative event (Alphabet.Events) decides
// which atoms hold on it, by ltl.Atom.Holds, not by the automata package.
func lettersOf(a *automata.Alphabet) []Letter {
	letters := make([]Letter, a.Len())
	for i, s := range a.Symbols {
		letters[i] = Letter{Name: s.Name, Event: a.Events([]int{i})[0]}
	}
	return letters
}

// automata.Compile's minimal DFA accepts a trace iff MONA's automaton does,
// for the seeded random formulas, on every word of length 1-4 over the
// formula's alphabet and on random words of length 5-6.
func TestCompileAgainstMONA(t *testing.T) {
	needMONA(t)
	ctx := testCtx(t)
	steps, tools := []string{"thought", "answer"}, []string{"search", "refund"}
	for i, f := range randomCases() {
		a, err := automata.NewAlphabet(steps, tools, f)
		if err != nil {
			t.Fatalf("formula %d %v: NewAlphabet: %v", i, f, err)
		}
		letters := lettersOf(a)
		m, err := BuildDFA(ctx, f, letters)
		if err != nil {
			t.Fatalf("formula %d %v: MONA: %v", i, f, err)
		}
		// A state limit far above MONA's automata for these formulas (tens
		// of states): a blow-up in the progression fails here instead of
		// hanging the test.
		d, err := automata.Compile(f, a, automata.Options{MaxStates: compileStateLimit})
		if err != nil {
			t.Errorf("formula %d %v: Compile: %v (MONA's DFA has %d states)", i, f, err, m.NumStates())
			continue
		}
		// MONA's automaton minus its dummy initial state recognises the same
		// language, so the minimal DFA (dead state implicit) cannot be larger.
		if d.NumStates() > m.NumStates()-1 {
			t.Errorf("formula %d %v: Compile has %d states, MONA %d: not minimal", i, f, d.NumStates(), m.NumStates())
		}
		r := rand.New(rand.NewSource(int64(i)))
		words := allTraces(len(letters), 4)
		for range 40 {
			words = append(words, randTrace(r, len(letters), 5, 6))
		}
		for _, w := range words {
			want, err := m.Accepts(w)
			if err != nil {
				t.Fatalf("formula %d %v on %s: %v", i, f, traceString(letters, w), err)
			}
			if got := d.AcceptsWord(w); got != want {
				t.Errorf("formula %d %v on %s: Compile %v, MONA %v", i, f, traceString(letters, w), got, want)
				break
			}
			if got := d.Accepts(a.Events(w)); got != want {
				t.Errorf("formula %d %v on events %s: Compile %v, MONA %v", i, f, traceString(letters, w), got, want)
				break
			}
		}
	}
}

// The chain family, where MONA's construction is exponential, agrees too.
func TestCompileChainAgainstMONA(t *testing.T) {
	needMONA(t)
	ctx := testCtx(t)
	for _, k := range []int{1, 3, 5} {
		f, letters := ChainFormula(k)
		names := make([]string, k)
		for i, l := range letters {
			names[i] = l.Name
		}
		a, err := automata.NewAlphabet(names, nil, f)
		if err != nil {
			t.Fatal(err)
		}
		d, err := automata.Compile(f, a, automata.Options{MaxStates: compileStateLimit})
		if err != nil {
			t.Fatal(err)
		}
		m, err := BuildDFA(ctx, f, lettersOf(a))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range allTraces(k, min(k+1, 5)) {
			want, err := m.Accepts(w)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.AcceptsWord(w); got != want {
				t.Errorf("chain K=%d on %v: Compile %v, MONA %v", k, w, got, want)
			}
		}
	}
}
