package decoder

import (
	"slices"
	"strings"
	"sync"

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

// evInfo is what the byte level needs to know of one event state in one
// message mode.
type evInfo struct {
	cost  int32   // tokens (upper bound) to end the turn acceptably; -1: never
	model []int32 // progs the model may write here (each keeps cost finite)
	eog   bool    // the model may end its output here (EOG token)
	// eogCost is the model tokens that finish the run if the model writes
	// EOG here: 1 where the spec accepts (the run ends), else 1 plus the
	// worst cost after the environment's step (the turn ends, the run goes
	// on). A budget must cover it before EOG is allowed.
	eogCost int32
	done    bool // nothing can be written: the environment moves next
}

// progEdge is what the analysis needs of one prog (one way of writing a
// symbol's event, or the close of a call list, in one message mode).
type progEdge struct {
	sym     int32   // the symbol written; -1: no event (a list's close)
	call    bool    // the event is a tool call
	in, out msgMode // message mode before and after
	weight  int     // fewest bytes of the text (-1: cannot be written)
	// explore: a symbol written only under a binding of captured values
	// (weight -1 here). Its edges are explored, so the event states after
	// it are analysed, but never count as a way to finish: the environment
	// may answer values that make it unwritable.
	explore bool
	// trusted is explore's weight where the analysis trusts bindings
	// (IndexOptions.TrustBindings, trust.go): the fewest bytes of the
	// symbol's text with its bound arguments left free; -1 otherwise.
	trusted int
}

// analyze explores the product of the event automaton and the message
// modes from (initial, mBegin) and computes, per product state, the model
// tokens needed to finish the whole run (see the cost comment inside),
// which progs the model may write there, and whether it may end its output
// (EOG) or must hand over to the environment. key(q, m) numbers the
// product states; canEnd(m) says whether a message may end in mode m.
// With a single mode this is the analysis of the event automaton alone.
//
// A turn restriction (tool_choice) r narrows it: only the progs r.allowed
// marks are written, and with r.required a turn (and so the run) may end
// only after a call in it; the product then tracks whether the current
// turn has called yet, and its keys are key*2+called.
func analyze(ea EventAutomaton, isEnv []bool, progs []progEdge, nmodes int, canEnd func(msgMode) bool, r restriction) (map[int]*evInfo, error) {
	nsym := len(ea.Symbols())
	type pstate struct {
		q      int
		m      msgMode
		called bool
	}
	byMode := make([][]int, nmodes) // prog ids by their input mode
	for pid, p := range progs {
		if (p.weight >= 0 || p.explore) && int(p.in) < nmodes && (r.allowed == nil || r.allowed[pid]) {
			byMode[p.in] = append(byMode[p.in], pid)
		}
	}
	if r.starts == nil {
		r.starts = []int{ea.Initial()}
	}
	idx := map[pstate]int{}
	var states []pstate
	for _, q := range r.starts {
		p := pstate{q, mBegin, false}
		if _, ok := idx[p]; !ok {
			idx[p] = len(states)
			states = append(states, p)
		}
	}
	type edge struct {
		pid int32 // -1 for an environment step
		to  int
	}
	model := [][]edge{} // per state index: model edges
	envTo := [][]int{}  // per state index: successors by environment steps
	add := func(t pstate) (int, error) {
		j, ok := idx[t]
		if !ok {
			if len(states) >= maxEventStates {
				return 0, newErr(CodeLimit, "event automaton has more than %d reachable states (limit maxEventStates)", maxEventStates)
			}
			j = len(states)
			idx[t] = j
			states = append(states, t)
		}
		return j, nil
	}
	for i := 0; i < len(states); i++ {
		st := states[i]
		var row []edge
		for _, pid := range byMode[st.m] {
			p := progs[pid]
			t := st.q
			if p.sym >= 0 {
				t = ea.Step(st.q, int(p.sym))
			}
			if t < 0 {
				continue
			}
			j, err := add(pstate{t, p.out, r.required && (st.called || p.call)})
			if err != nil {
				return nil, err
			}
			row = append(row, edge{pid: int32(pid), to: j})
		}
		var env []int
		if canEnd(st.m) && (!r.required || st.called) {
			for s := 0; s < nsym; s++ {
				if !isEnv[s] {
					continue
				}
				if t := ea.Step(st.q, s); t >= 0 {
					j, err := add(pstate{t, mBegin, false})
					if err != nil {
						return nil, err
					}
					env = append(env, j)
				}
			}
			// A message that ends after calls whose outcome the spec
			// does not await (no result symbol: it neither reads nor uses
			// a capture of it) still hands over to the environment,
			// which answers the last call (Observe with its ResultEvent)
			// without moving the automaton. Without this edge a format
			// that must end a message after a call (llama3's one call per
			// message, a step after calls in qwen) had no run at all.
			// Only where the environment has no other move: a step it
			// takes here stays its answer (an added choice of the
			// adversarial environment could only cost more).
			if len(env) == 0 && nmodes > 1 && (st.m == mCall || st.m == mClosed) && !awaited(ea, st.q) {
				j, err := add(pstate{st.q, mBegin, false})
				if err != nil {
					return nil, err
				}
				env = append(env, j)
			}
		}
		model = append(model, row)
		envTo = append(envTo, env)
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
	// at a turn) costs one EOG token where the model could go on. A message
	// ends only in a mode that may end it (a call list must be closed).
	// Value iteration from infinity down converges because every model
	// edge costs at least one byte.
	cost := make([]int32, n)
	for i := range cost {
		cost[i] = inf
	}
	// An EOG token is needed to end only where the model could go on;
	// where it cannot, the session is Done without one.
	eogCost := make([]int32, n)
	for i := range n {
		if len(model[i]) > 0 {
			eogCost[i] = 1
		}
	}
	accepting := func(i int) bool {
		return ea.Accepting(states[i].q) && canEnd(states[i].m) && (!r.required || states[i].called)
	}
	turnEnd := func(i int) int32 { // cost of ending the model's turn at i and letting the environment move
		worst := int32(0)
		if len(envTo[i]) == 0 {
			return inf
		}
		for _, j := range envTo[i] {
			worst = max(worst, cost[j])
		}
		if worst >= inf {
			return inf
		}
		return eogCost[i] + worst
	}
	for changed := true; changed; {
		changed = false
		for i := n - 1; i >= 0; i-- {
			c := inf
			if accepting(i) {
				c = eogCost[i]
			}
			if t := turnEnd(i); t < c {
				c = t
			}
			for _, e := range model[i] {
				if w := progs[e.pid].costWeight(); cost[e.to] < inf && w >= 0 {
					if v := int32(w) + cost[e.to]; v < c {
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
		k := states[i].q*nmodes + int(states[i].m)
		if r.required {
			k = 2 * k
			if states[i].called {
				k++
			}
		}
		info[k] = in
		if cost[i] >= inf {
			in.cost = -1
			continue
		}
		for _, e := range model[i] {
			if cost[e.to] < inf && progs[e.pid].weight >= 0 {
				in.model = append(in.model, e.pid)
			}
		}
		in.done = len(in.model) == 0
		in.eog = !in.done && (accepting(i) || turnEnd(i) < inf)
		if accepting(i) {
			in.eogCost = 1
		} else {
			in.eogCost = turnEnd(i)
		}
	}
	return info, nil
}

// awaited reports whether event state q waits for a call's outcome (a
// resultAutomaton's pending state): the environment's answer there is a
// result symbol, not the unread outcome of analyze's message end.
func awaited(ea EventAutomaton, q int) bool {
	ra, ok := ea.(*resultAutomaton)
	if !ok {
		return false
	}
	_, _, p := ra.pendingOf(q)
	return p
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

// alphabeted is an EventAutomaton that knows its alphabet (FromDFA's does):
// the decoder needs it to classify the environment's results and to
// follow captures.
type alphabeted interface{ Alphabet() *automata.Alphabet }

func (a dfaAutomaton) Alphabet() *automata.Alphabet { return a.d.Alphabet }

// pendingBase numbers the states of a resultAutomaton that wait for a
// call's result: pendingBase + k for the k-th (state, call part) pair.
const pendingBase = 1 << 28

// resultAutomaton splits every call whose outcome the spec reads into the
// model's part and the environment's part. Its symbols are the base
// automaton's, then one per call part of such a tool: the model writes the
// call part (a symbol of its own, with the call's literals), which leads to
// a pending state; from there only the base symbols that share that call
// part (one per result minterm: returns with each truth of the result
// predicates, fails, "without result") lead on, as environment moves. The
// base's symbols of such tools are environment-only. A call part is
// allowed only where EVERY result the environment could answer leaves a
// state that can still reach acceptance (the base is trimmed): the
// environment's answer is adversarial, so a call that some answer would
// strand is never written. The analysis then takes the worst answer for
// the budget (its environment edges).
type resultAutomaton struct {
	base   EventAutomaton
	alpha  *automata.Alphabet
	nbase  int
	syms   []automata.Symbol
	partOf []int  // by symbol: the call part a model call-part symbol writes, -1 otherwise
	result []bool // by symbol: a base symbol the environment chooses (a pending tool's)

	// trust (IndexOptions.TrustBindings): a call part is allowed where
	// SOME answer leaves a way to acceptance; Observe refuses the others.
	trust bool

	mu      sync.Mutex
	pending map[[2]int]int // (base state, call part) -> index
	keys    [][2]int
}

// newResultAutomaton wraps ea when its alphabet reads outcomes; it returns
// ea itself when nothing needs splitting.
func newResultAutomaton(ea EventAutomaton) (EventAutomaton, *automata.Alphabet, error) {
	al, ok := ea.(alphabeted)
	syms := ea.Symbols()
	needs := false
	for _, s := range syms {
		if s.Tool != "" && (s.Outcome != ltl.Pending || len(s.Result) > 0) {
			needs = true
		}
	}
	if !ok {
		if needs {
			return nil, nil, &ResultsError{Symbol: "", What: "reads results, and the event automaton does not give its alphabet (use FromDFA)"}
		}
		return ea, nil, nil
	}
	alpha := al.Alphabet()
	if !needs && len(alpha.Lets) == 0 {
		return ea, alpha, nil
	}
	r := &resultAutomaton{base: ea, alpha: alpha, nbase: len(syms), syms: slices.Clone(syms), pending: map[[2]int]int{}}
	r.partOf = make([]int, len(syms))
	r.result = make([]bool, len(syms))
	for i := range r.partOf {
		r.partOf[i] = -1
	}
	for c, cp := range alpha.Calls {
		if !alpha.NeedsOutcome(cp.Tool) {
			continue
		}
		for _, s := range cp.Symbols {
			r.result[s] = true
		}
		r.syms = append(r.syms, automata.Symbol{Tool: cp.Tool, Lits: cp.Lits, Outcome: ltl.Pending, Call: c, Name: callPartName(cp)})
		r.partOf = append(r.partOf, c)
		r.result = append(r.result, false)
	}
	return r, alpha, nil
}

func callPartName(cp automata.CallPart) string {
	if len(cp.Lits) == 0 {
		return cp.Tool
	}
	parts := make([]string, len(cp.Lits))
	for i, l := range cp.Lits {
		parts[i] = l.Pred.String()
		if !l.Holds {
			parts[i] = "!(" + parts[i] + ")"
		}
	}
	return cp.Tool + "(" + strings.Join(parts, " & ") + ")"
}

func (r *resultAutomaton) Initial() int               { return r.base.Initial() }
func (r *resultAutomaton) Symbols() []automata.Symbol { return r.syms }

// pendingOf is the (base state, call part) of a pending state.
func (r *resultAutomaton) pendingOf(q int) (int, int, bool) {
	if q < pendingBase {
		return 0, 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.keys[q-pendingBase]
	return k[0], k[1], true
}

func (r *resultAutomaton) Step(q, sym int) int {
	if q < 0 || sym < 0 || sym >= len(r.syms) {
		return -1
	}
	if bq, c, ok := r.pendingOf(q); ok {
		if r.result[sym] && r.syms[sym].Call == c {
			return r.base.Step(bq, sym)
		}
		return -1
	}
	if sym < r.nbase {
		if r.result[sym] {
			return -1 // only the environment answers, from a pending state
		}
		return r.base.Step(q, sym)
	}
	c := r.partOf[sym]
	live := false
	for _, s := range r.alpha.Calls[c].Symbols {
		if r.base.Step(q, s) < 0 {
			if !r.trust {
				return -1 // some answer would leave no way to acceptance
			}
		} else {
			live = true
		}
	}
	if !live {
		return -1
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]int{q, c}
	i, ok := r.pending[k]
	if !ok {
		i = len(r.keys)
		r.pending[k] = i
		r.keys = append(r.keys, k)
	}
	return pendingBase + i
}

func (r *resultAutomaton) Accepting(q int) bool {
	return q >= 0 && q < pendingBase && r.base.Accepting(q)
}

func (r *resultAutomaton) Distance(q int) int {
	bq, c, ok := r.pendingOf(q)
	if !ok {
		return r.base.Distance(q)
	}
	worst := -1
	for _, s := range r.alpha.Calls[c].Symbols {
		d := r.base.Distance(r.base.Step(bq, s))
		if d < 0 {
			if r.trust {
				continue // an answer Observe refuses
			}
			return -1
		}
		worst = max(worst, d)
	}
	return worst
}
