package decoder

import (
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
	// eogCost is the model tokens that finish the run if the model writes
	// EOG here: 1 where the spec accepts (the run ends), else 1 plus the
	// worst cost after the environment's step (the turn ends, the run goes
	// on). A budget must cover it before EOG is allowed.
	eogCost int32
	done    bool // nothing can be written: the environment moves next
}

// analyze explores the event automaton from its initial state and computes,
// per state, the model tokens needed to finish the whole run (see the cost
// comment inside), which symbols the model may write there, and whether it
// may end its output (EOG) or must hand over to the environment. weight[s]
// is the fewest bytes of symbol s's event text (-1: s cannot be written).
func analyze(ea EventAutomaton, isEnv []bool, weight []int) (map[int]*evInfo, error) {
	nsym := len(ea.Symbols())
	init := ea.Initial()
	idx := map[int]int{init: 0}
	states := []int{init}
	succ := [][]int{} // per state index, per symbol: index of successor or -1
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
	const inf = int32(1 << 30)
	// cost[i] is the fewest model tokens (bytes: an upper bound on tokens
	// when every byte is a token) that finish the WHOLE run from state i,
	// across environment turns, so that a budget that fits at the start
	// still fits after every observation (guarantee 3 holds for the run,
	// not only for the current turn). The model picks its events; the
	// environment's choice is adversarial: where the model ends its turn,
	// the worst environment successor counts, and if the automaton allows
	// an environment step after which the run cannot finish, ending the
	// turn there is not allowed at all (turnEnd is infinite): conservative,
	// since the environment might take that step. Ending (at acceptance or
	// at a turn) costs one EOG token where the model could go on. Value iteration from infinity down
	// converges because every model edge costs at least one byte.
	cost := make([]int32, n)
	for i := range cost {
		cost[i] = inf
	}
	// An EOG token is needed to end only where the model could go on;
	// where it cannot, the session is Done without one.
	eogCost := make([]int32, n)
	for i := range n {
		for s, j := range succ[i] {
			if j >= 0 && !isEnv[s] && weight[s] >= 0 {
				eogCost[i] = 1
				break
			}
		}
	}
	turnEnd := func(i int) int32 { // cost of ending the model's turn at i and letting the environment move
		worst, any := int32(0), false
		for s, j := range succ[i] {
			if j >= 0 && isEnv[s] {
				any = true
				if cost[j] > worst {
					worst = cost[j]
				}
			}
		}
		if !any || worst >= inf {
			return inf
		}
		return eogCost[i] + worst
	}
	for changed := true; changed; {
		changed = false
		for i := n - 1; i >= 0; i-- {
			c := inf
			if ea.Accepting(states[i]) {
				c = eogCost[i]
			}
			if t := turnEnd(i); t < c {
				c = t
			}
			for s, j := range succ[i] {
				if j >= 0 && !isEnv[s] && weight[s] >= 0 && cost[j] < inf {
					if v := int32(weight[s]) + cost[j]; v < c {
						c = v
					}
				}
			}
			if c < cost[i] {
				cost[i], changed = c, true
			}
		}
	}
	info := make(map[int]*evInfo, n)
	for i := range n {
		in := &evInfo{cost: cost[i]}
		info[states[i]] = in
		if cost[i] >= inf {
			in.cost = -1
			continue
		}
		for s, j := range succ[i] {
			if j >= 0 && !isEnv[s] && weight[s] >= 0 && cost[j] < inf {
				in.model = append(in.model, int32(s))
			}
		}
		in.done = len(in.model) == 0
		in.eog = !in.done && (ea.Accepting(states[i]) || turnEnd(i) < inf)
		if ea.Accepting(states[i]) {
			in.eogCost = 1
		} else {
			in.eogCost = turnEnd(i)
		}
	}
	return info, nil
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
