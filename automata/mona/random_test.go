package mona

import (
	"math/rand"
	"sync"
	"testing"

	"github.com/specplan/specplan/ltl"
)

const (
	randomFormulas = 150
	randomSeed     = 20261125
)

// randomCases draws the seeded random formulas shared by the MONA-vs-Eval
// and DFA-vs-MONA tests.
func randomCases() []ltl.Formula {
	r := rand.New(rand.NewSource(randomSeed))
	fs := make([]ltl.Formula, randomFormulas)
	for i := range fs {
		fs[i] = randFormula(r, 4)
	}
	return fs
}

// forEachMONADFA builds MONA's DFA for every random formula (two at a time:
// one MONA process per core) and calls check with it.
func forEachMONADFA(t *testing.T, check func(t *testing.T, i int, f ltl.Formula, d *DFA)) {
	t.Helper()
	ctx := testCtx(t)
	fs := randomCases()
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d, err := BuildDFA(ctx, f, testAlphabet)
			if err != nil {
				t.Errorf("formula %d %v: %v", i, f, err)
				return
			}
			check(t, i, f, d)
		}()
	}
	wg.Wait()
}

// MONA's verdict equals ltl.Eval on every trace of length 1-4 and on random
// traces of length 5-6, for seeded random formulas over all operators. One
// MONA run per formula: the traces run on the DFA MONA printed.
func TestRandomAgainstEval(t *testing.T) {
	needMONA(t)
	short := allTraces(len(testAlphabet), 4)
	forEachMONADFA(t, func(t *testing.T, i int, f ltl.Formula, d *DFA) {
		r := rand.New(rand.NewSource(int64(i)))
		traces := append([][]int(nil), short...)
		for range 40 {
			traces = append(traces, randTrace(r, len(testAlphabet), 5, 6))
		}
		for _, tr := range traces {
			got, err := d.Accepts(tr)
			if err != nil {
				t.Errorf("formula %d %v on %s: %v", i, f, traceString(testAlphabet, tr), err)
				return
			}
			if want := ltl.Eval(f, events(testAlphabet, tr)); got != want {
				t.Errorf("formula %d %v on %s: MONA %v, ltl.Eval %v", i, f, traceString(testAlphabet, tr), got, want)
				return
			}
		}
	})
}

// The DFA path and the validity path (Accepts) agree: a few traces per
// formula for a tenth of the random formulas, so that a bug in reading
// MONA's automaton cannot hide behind the same bug in the encoding.
func TestRandomValidityPath(t *testing.T) {
	needMONA(t)
	ctx := testCtx(t)
	r := rand.New(rand.NewSource(randomSeed + 1))
	for i, f := range randomCases() {
		if i%10 != 0 {
			continue
		}
		for range 3 {
			tr := randTrace(r, len(testAlphabet), 1, 6)
			got, err := Accepts(ctx, f, testAlphabet, tr)
			if err != nil {
				t.Fatalf("formula %d %v: %v", i, f, err)
			}
			if want := ltl.Eval(f, events(testAlphabet, tr)); got != want {
				t.Errorf("formula %d %v on %s: Accepts %v, ltl.Eval %v", i, f, traceString(testAlphabet, tr), got, want)
			}
		}
	}
}
