package automata

import (
	"sync"

	"github.com/specplan/specplan/ltl"
)

// DFA is a deterministic automaton over an Alphabet. Trans[q][s] is the
// state reached from q on symbol s, or -1 for the (implicit) dead state:
// the dead state is never stored. A DFA with zero states and Initial == -1
// accepts nothing (the empty language). The empty trace is accepted iff
// Accepting[Initial]; automata built by Compile never accept it.
//
// A DFA is immutable once built; its methods are safe for concurrent use.
type DFA struct {
	Alphabet  *Alphabet
	Initial   int
	Accepting []bool
	Trans     [][]int32

	distOnce sync.Once
	dist     []int
}

// NumStates is the number of stored states (the dead state not counted).
func (d *DFA) NumStates() int { return len(d.Trans) }

// IsEmpty reports whether the DFA accepts no trace at all.
func (d *DFA) IsEmpty() bool {
	if d.Initial < 0 || d.Initial >= len(d.Trans) {
		return true
	}
	return d.Distances()[d.Initial] < 0
}

// Step returns the state after symbol sym from state, or -1 (dead) — also
// for a dead or out-of-range state or symbol.
func (d *DFA) Step(state int, sym int) int {
	if state < 0 || state >= len(d.Trans) || sym < 0 || sym >= len(d.Trans[state]) {
		return -1
	}
	return int(d.Trans[state][sym])
}

// Run feeds trace from the initial state. It returns the state reached and
// len(trace), or state -1 and the index of the first event that leads to
// the dead state. An event outside the alphabet is an ErrUnknownEvent error
// (with pos its index). Each event is classified with the values captured
// before it (Alphabet.ClassifyAt).
func (d *DFA) Run(trace []ltl.Event) (state int, pos int, err error) {
	q := d.Initial
	if q < 0 {
		return -1, 0, nil
	}
	caps := d.Alphabet.Captures()
	for i, e := range trace {
		s, err := d.Alphabet.ClassifyAt(e, caps.Before())
		caps.Record(e)
		if err != nil {
			return q, i, err
		}
		q = d.Step(q, s)
		if q < 0 {
			return -1, i, nil
		}
	}
	return q, len(trace), nil
}

// Accepts reports whether the trace is in the language. Events outside the
// alphabet make it false.
func (d *DFA) Accepts(trace []ltl.Event) bool {
	q, _, err := d.Run(trace)
	return err == nil && q >= 0 && d.Accepting[q]
}

// AcceptsWord is Accepts for a word of symbol indices.
func (d *DFA) AcceptsWord(word []int) bool {
	q := d.Initial
	for _, s := range word {
		q = d.Step(q, s)
		if q < 0 {
			return false
		}
	}
	return q >= 0 && d.Accepting[q]
}

// Allowed lists, in increasing order, the symbols that do not lead from
// state to the dead state. In a trimmed DFA these are exactly the symbols
// after which acceptance is still reachable.
func (d *DFA) Allowed(state int) []int {
	if state < 0 || state >= len(d.Trans) {
		return nil
	}
	var out []int
	for s, t := range d.Trans[state] {
		if t >= 0 {
			out = append(out, s)
		}
	}
	return out
}

// Distances returns, per state, the least number of further events that
// reach an accepting state (0 for accepting states, -1 when none can be
// reached). It is computed once, by a backward breadth-first search, and
// cached; the returned slice must not be modified.
func (d *DFA) Distances() []int {
	d.distOnce.Do(func() {
		n := len(d.Trans)
		pred := reverse(d)
		dist := make([]int, n)
		queue := make([]int, 0, n)
		for q := range dist {
			dist[q] = -1
			if d.Accepting[q] {
				dist[q] = 0
				queue = append(queue, q)
			}
		}
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			for _, p := range pred[q] {
				if dist[p] < 0 {
					dist[p] = dist[q] + 1
					queue = append(queue, int(p))
				}
			}
		}
		d.dist = dist
	})
	return d.dist
}

// reverse lists, per state, its predecessors (each once).
func reverse(d *DFA) [][]int32 {
	n := len(d.Trans)
	pred := make([][]int32, n)
	last := make([]int32, n)
	for i := range last {
		last[i] = -1
	}
	for q, row := range d.Trans {
		for _, t := range row {
			if t >= 0 && last[t] != int32(q) {
				last[t] = int32(q)
				pred[t] = append(pred[t], int32(q))
			}
		}
	}
	return pred
}

// emptyDFA is the canonical automaton of the empty language.
func emptyDFA(a *Alphabet) *DFA {
	return &DFA{Alphabet: a, Initial: -1, Accepting: []bool{}, Trans: [][]int32{}}
}
