package automata

import (
	"math/rand/v2"
	"testing"
)

// randomDFA is an arbitrary partial DFA (not from a formula): unreachable
// and dead-end states included.
func randomDFA(r *rand.Rand, a *Alphabet) *DFA {
	n := 1 + r.IntN(30)
	d := &DFA{Alphabet: a, Initial: r.IntN(n), Accepting: make([]bool, n), Trans: make([][]int32, n)}
	for q := range d.Trans {
		d.Accepting[q] = r.IntN(4) == 0
		row := make([]int32, len(a.Symbols))
		for s := range row {
			row[s] = int32(r.IntN(n+2)) - 1 // -1: dead, sometimes
			if row[s] >= int32(n) {
				row[s] = -1
			}
		}
		d.Trans[q] = row
	}
	return d
}

// TestMinimizeRandom: on arbitrary DFAs, Minimize keeps the language,
// leaves no two equivalent states, no unreachable state and no state that
// cannot reach acceptance, and is idempotent.
func TestMinimizeRandom(t *testing.T) {
	a := mustAlphabet(t, []string{"x", "y", "z"}, nil)
	r := rand.New(rand.NewPCG(7, 9))
	for i := 0; i < 200; i++ {
		d := randomDFA(r, a)
		m := Minimize(d)
		if eq, cex, _, _ := Equivalent(d, m); !eq {
			t.Fatalf("#%d: language changed on %v", i, cex)
		}
		if m.IsEmpty() != (m.NumStates() == 0) {
			t.Errorf("#%d: empty language with %d states", i, m.NumStates())
		}
		for p := 0; p < m.NumStates(); p++ {
			if m.Distances()[p] < 0 {
				t.Errorf("#%d: state %d cannot reach acceptance", i, p)
			}
			for q := p + 1; q < m.NumStates(); q++ {
				if eq, _, _, _ := Equivalent(withInitial(m, p), withInitial(m, q)); eq {
					t.Errorf("#%d: states %d and %d equivalent", i, p, q)
				}
			}
		}
		if mm := Minimize(m); !sameDFA(m, mm) {
			t.Errorf("#%d: Minimize not idempotent", i)
		}
		tr := Trim(d)
		if eq, _, _, _ := Equivalent(d, tr); !eq {
			t.Errorf("#%d: Trim changed the language", i)
		}
	}
}

func sameDFA(a, b *DFA) bool {
	if a.Initial != b.Initial || len(a.Trans) != len(b.Trans) {
		return false
	}
	for q := range a.Trans {
		if a.Accepting[q] != b.Accepting[q] || !equalInt32s(a.Trans[q], b.Trans[q]) {
			return false
		}
	}
	return true
}

func equalInt32s(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
