package decoder

import (
	"container/heap"
	"slices"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// EventAutomaton is the event-level automaton the decoder runs: a DFA over
// the symbols of an event alphabet. The lead adapts *automata.DFA to it.
type EventAutomaton interface {
	Initial() int
	// Step is the state after symbol sym (an index into Symbols), -1 if dead.
	Step(state, sym int) int
	Accepting(state int) bool
	// Distance is the fewest events from state to acceptance, -1 if none.
	Distance(state int) int
	Symbols() []automata.Symbol
}

// maxEventStates bounds the event states explored from the initial one.
const maxEventStates = 1 << 20

// evInfo is what the byte level needs to know of one event state.
type evInfo struct {
	cost  int32   // tokens (upper bound) to end the turn acceptably; -1: never
	model []int32 // symbols the model may write here (each keeps cost finite)
	eog   bool    // the model may end its output here (EOG token)
	done  bool    // nothing can be written: the environment moves next
}

// analyze explores the event automaton from its initial state and computes,
// per state, the cost to end a turn. A turn ends at an event boundary where
// the state accepts (final end, EOG) or where an environment step can follow
// that keeps the spec satisfiable (end of turn, EOG unless it is the only
// thing that can follow). weight[s] is the fewest bytes of symbol s's event
// text (-1: s cannot be written).
func analyze(ea EventAutomaton, isEnv []bool, weight []int) (map[int]*evInfo, error) {
	nsym := len(ea.Symbols())
	init := ea.Initial()
	idx := map[int]int{init: 0}
	states := []int{init}
	type edge struct{ from, sym int }
	var preds [][]edge // per state index: model edges into it
	succ := [][]int{}  // per state index, per symbol: index of successor or -1
	for i := 0; i < len(states); i++ {
		row := make([]int, nsym)
		for s := 0; s < nsym; s++ {
			t := ea.Step(states[i], s)
			if t < 0 {
				row[s] = -1
				continue
			}
			j, ok := idx[t]
			if !ok {
				if len(states) >= maxEventStates {
					return nil, newErr(CodeLimit, "event automaton has more than %d reachable states (limit maxEventStates)", maxEventStates)
				}
				j = len(states)
				idx[t] = j
				states = append(states, t)
			}
			row[s] = j
		}
		succ = append(succ, row)
	}
	n := len(states)
	preds = make([][]edge, n)
	for i := range n {
		for s, j := range succ[i] {
			if j >= 0 && !isEnv[s] && weight[s] >= 0 {
				preds[j] = append(preds[j], edge{i, s})
			}
		}
	}
	const inf = int32(1 << 30)
	// Which states can end a turn: accepting, or with an env step to a state
	// from which a turn can end again. Iterate to a fixpoint on finiteness.
	target := make([]bool, n)
	for i := range n {
		target[i] = ea.Accepting(states[i])
	}
	var cost []int32
	dijkstra := func(endCost func(i int) int32) {
		cost = make([]int32, n)
		pq := &costHeap{}
		for i := range n {
			cost[i] = inf
			if target[i] {
				cost[i] = endCost(i)
				heap.Push(pq, costItem{i, cost[i]})
			}
		}
		for pq.Len() > 0 {
			it := heap.Pop(pq).(costItem)
			if it.c > cost[it.i] {
				continue
			}
			for _, e := range preds[it.i] {
				c := it.c + int32(weight[e.sym])
				if c < cost[e.from] {
					cost[e.from] = c
					heap.Push(pq, costItem{e.from, c})
				}
			}
		}
	}
	for {
		dijkstra(func(int) int32 { return 1 })
		changed := false
		for i := range n {
			if target[i] {
				continue
			}
			for s, j := range succ[i] {
				if j >= 0 && isEnv[s] && cost[j] < inf {
					target[i] = true
					changed = true
					break
				}
			}
		}
		if !changed {
			break
		}
	}
	// Model symbols per state, then exact end costs (an EOG token is needed
	// only where the model could also go on).
	info := make(map[int]*evInfo, n)
	infos := make([]*evInfo, n)
	for i := range n {
		in := &evInfo{}
		for s, j := range succ[i] {
			if j >= 0 && !isEnv[s] && weight[s] >= 0 && cost[j] < inf {
				in.model = append(in.model, int32(s))
			}
		}
		infos[i] = in
		info[states[i]] = in
	}
	dijkstra(func(i int) int32 {
		if len(infos[i].model) == 0 {
			return 0
		}
		return 1
	})
	for i, in := range infos {
		in.cost = cost[i]
		if cost[i] >= inf {
			in.cost = -1
			in.model = nil
			continue
		}
		in.done = len(in.model) == 0
		in.eog = target[i] && !in.done
	}
	return info, nil
}

type costItem struct {
	i int
	c int32
}

type costHeap []costItem

func (h costHeap) Len() int           { return len(h) }
func (h costHeap) Less(i, j int) bool { return h[i].c < h[j].c }
func (h costHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *costHeap) Push(x any)        { *h = append(*h, x.(costItem)) }
func (h *costHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// symbolOf is the symbol of syms that event e is, -1 if none.
func symbolOf(syms []automata.Symbol, e ltl.Event) int {
	for i, s := range syms {
		if e.Tool == "" {
			if s.Tool == "" && s.Step == e.Step {
				return i
			}
			continue
		}
		if s.Tool != e.Tool {
			continue
		}
		ok := true
		for _, l := range s.Lits {
			if l.Pred.Holds(e.Args) != l.Holds {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// envSet marks the symbols that are environment steps.
func envSet(syms []automata.Symbol, env []string) []bool {
	out := make([]bool, len(syms))
	for i, s := range syms {
		out[i] = s.Tool == "" && slices.Contains(env, s.Step)
	}
	return out
}

// FromDFA adapts a compiled spec's automaton to the decoder. The DFA must
// be trimmed (as automata.Compile returns it), so that every state it
// reaches can still reach acceptance: the byte level relies on that for
// guarantee 2 (no dead ends).
func FromDFA(d *automata.DFA) EventAutomaton { return dfaAutomaton{d: d, dist: d.Distances()} }

type dfaAutomaton struct {
	d    *automata.DFA
	dist []int
}

func (a dfaAutomaton) Initial() int               { return a.d.Initial }
func (a dfaAutomaton) Step(state, sym int) int    { return a.d.Step(state, sym) }
func (a dfaAutomaton) Symbols() []automata.Symbol { return a.d.Alphabet.Symbols }
func (a dfaAutomaton) Accepting(state int) bool   { return state >= 0 && a.d.Accepting[state] }
func (a dfaAutomaton) Distance(state int) int {
	if state < 0 || state >= len(a.dist) {
		return -1
	}
	return a.dist[state]
}
