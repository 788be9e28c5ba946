package apps

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/looplab/fsm"
	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// Goal is the app's goal automaton for the runtime: the lowered spec under
// ObserveAnyScreen (the tracker believes any known screen it observes, so
// the automaton must follow runs through wrong screens and popups; the
// judge, not the automaton, holds actions to their ensures). Compile it
// once per app (CompileGoal) and share it between runs: it is read-only.
type Goal struct {
	app  *App
	spec *specplan.Spec
	dfa  *automata.DFA
	dist []int
	opts LowerOptions
}

// CompileGoal lowers and compiles the app's goal automaton. lo.Inputs give
// $ref values; lo.Observations is set to ObserveAnyScreen.
func CompileGoal(a *App, lo LowerOptions, opts specplan.Options) (*Goal, error) {
	lo.Observations = ObserveAnyScreen
	lo.ClosedWorld, lo.FaultFree = false, false
	spec, err := Compile(a, lo, opts)
	if err != nil {
		return nil, err
	}
	d := spec.DFA()
	return &Goal{app: a, spec: spec, dfa: d, dist: d.Distances(), opts: lo}, nil
}

// Spec is the compiled goal spec (what plan validate replays traces on).
func (g *Goal) Spec() *specplan.Spec { return g.spec }

// Move is one action the tracker offers on the believed screen: a
// transition of a screen (Transition set) or an overlay's dismiss action
// (Transition nil; Target "": it lands where the interrupted action does).
type Move struct {
	From       string
	Action     *Action
	Target     string
	Ensures    *Formula
	Transition *Transition
}

// Key is the move's action as the app writes it, the tracker's FSM event.
func (m Move) Key() string { return m.Action.Key() }

// Tracker follows the screen the agent believes current, on a
// github.com/looplab/fsm machine (states: the app's screens and overlays;
// events: their actions, keyed by Action.Key), and the goal automaton's
// state along the run. It is one run's and not safe for concurrent use.
type Tracker struct {
	goal    *Goal
	machine *fsm.FSM
	moves   map[string]map[string]Move // by screen, by key
	q       int                        // goal automaton state; -1: no run from here satisfies the goal
	known   bool                       // the last observation was recognised
	obs     *Observation               // the last observation (nil: none yet)
	events  []ltl.Event
}

// NewTracker starts a tracker on the app's start screen (or lo.Start).
func (g *Goal) NewTracker() *Tracker {
	a := g.app
	t := &Tracker{goal: g, moves: map[string]map[string]Move{}, q: g.dfa.Initial, known: true}
	var evs fsm.Events
	for _, s := range a.Screens {
		t.moves[s.Name] = map[string]Move{}
		for _, tr := range s.Transitions {
			if a.Screen(tr.Target) == nil {
				continue
			}
			m := Move{From: s.Name, Action: tr.Action, Target: tr.Target, Ensures: tr.Ensures, Transition: tr}
			t.moves[s.Name][m.Key()] = m
			evs = append(evs, fsm.EventDesc{Name: m.Key(), Src: []string{s.Name}, Dst: tr.Target})
		}
	}
	for _, o := range a.Overlays {
		m := Move{From: o.Name, Action: o.Dismiss}
		t.moves[o.Name] = map[string]Move{m.Key(): m}
		// Where a dismiss lands is observed, not known: the machine
		// stays on the overlay until the observation sets the state.
		evs = append(evs, fsm.EventDesc{Name: m.Key(), Src: []string{o.Name}, Dst: o.Name})
	}
	start := a.Start
	if g.opts.Start != "" {
		start = g.opts.Start
	}
	t.machine = fsm.NewFSM(start, evs, nil)
	return t
}

// Screen is the believed screen (or overlay); "" after an observation that
// matched no screen or several.
func (t *Tracker) Screen() string {
	if !t.known {
		return ""
	}
	return t.machine.Current()
}

// Available are the FSM's transitions from the believed screen, sorted by
// key: the actions the screen has.
func (t *Tracker) Available() []Move {
	if !t.known {
		return nil
	}
	cur := t.machine.Current()
	var out []Move
	for _, key := range t.machine.AvailableTransitions() {
		out = append(out, t.moves[cur][key])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// Allowed are the available moves that keep the goal reachable: the FSM's
// transitions intersected with the goal automaton's live transitions (some
// answer observing the move's target leads to a state from which the goal
// and rules can still be met), less the moves whose target's requires is
// already false on what the device shows now (a text or count it shows:
// texts and counts are one value across screens, so Checkout's
// `requires count(cart) >= 1` cannot hold after a Cart that shows an
// empty cart; labels differ from screen to screen and are not read). These,
// and only these, are what the agent may do next. An action with an `any` argument is allowed when some
// value of it keeps the goal reachable (the values the app's own literals
// for that argument name, and one that is none of them).
func (t *Tracker) Allowed() []Move {
	var out []Move
	for _, m := range t.Available() {
		if t.live(m) && !t.precluded(m) {
			out = append(out, m)
		}
	}
	return out
}

// precluded: the target's requires is false on the texts and counts the
// last observation shows.
func (t *Tracker) precluded(m Move) bool {
	if t.obs == nil || m.Target == "" {
		return false
	}
	s := t.goal.app.Screen(m.Target)
	if s == nil || s.Requires == nil {
		return false
	}
	v, known := holds3(s.Requires.Node, *t.obs, t.goal.opts.Inputs)
	return known && !v
}

// holds3 is Holds where only texts and counts the observation shows are
// known; everything else is unknown.
func holds3(n Node, o Observation, inputs map[string]any) (v, known bool) {
	switch x := n.(type) {
	case *Unary:
		if x.Op == ltl.OpNot {
			v, k := holds3(x.X, o, inputs)
			return !v, k
		}
	case *Binary:
		lv, lk := holds3(x.L, o, inputs)
		rv, rk := holds3(x.R, o, inputs)
		switch x.Op {
		case ltl.OpAnd:
			if lk && !lv || rk && !rv {
				return false, true
			}
			return true, lk && rk
		case ltl.OpOr:
			if lk && lv || rk && rv {
				return true, true
			}
			return false, lk && rk
		}
	case *PredAtom:
		switch x.Kind {
		case TextOf:
			if _, ok := o.Text[x.Arg]; ok {
				return Holds(x, o, inputs), true
			}
		case Count:
			if _, ok := o.Count[x.Arg]; ok {
				return Holds(x, o, inputs), true
			}
		}
	}
	return false, false
}

func (t *Tracker) live(m Move) bool {
	if t.q < 0 {
		return false
	}
	d := t.goal.dfa
	for _, c := range t.representatives(m.Action) {
		ci, err := d.Alphabet.ClassifyCall(c.Event(), nil)
		if err != nil {
			continue
		}
		for _, sym := range d.Alphabet.Calls[ci].Symbols {
			s := d.Alphabet.Symbols[sym]
			if s.Outcome != ltl.Returned {
				continue
			}
			if m.Target != "" {
				if seen, ok := observedScreen(s); !ok || seen != m.Target {
					continue
				}
			}
			if n := d.Step(t.q, sym); n >= 0 && t.goal.dist[n] >= 0 {
				return true
			}
		}
	}
	return false
}

// representatives are concrete calls standing for an action: itself when
// it has no `any` argument; else one per literal the app gives that
// argument elsewhere, and one with a value no literal has.
func (t *Tracker) representatives(a *Action) []Call {
	if c, ok := a.Call(t.goal.opts.Inputs); ok {
		return []Call{c}
	}
	base := map[string]any{}
	var free []string
	for i, p := range a.Params {
		if v, ok := concrete(a.Args[i], t.goal.opts.Inputs); ok {
			base[p] = v
		} else {
			free = append(free, p)
		}
	}
	vals := map[string][]any{}
	for _, p := range free {
		vals[p] = []any{"\x00none of the literals"}
	}
	for _, s := range t.goal.app.Screens {
		for _, tr := range s.Transitions {
			if tr.Action.Name != a.Name {
				continue
			}
			for i, p := range tr.Action.Params {
				if _, isFree := vals[p]; isFree {
					if v, ok := concrete(tr.Action.Args[i], t.goal.opts.Inputs); ok {
						vals[p] = append(vals[p], v)
					}
				}
			}
		}
	}
	// One free parameter at a time varies; the others take their first
	// value (built-in actions have at most one free text).
	var out []Call
	for _, p := range free {
		for _, v := range vals[p] {
			args := map[string]any{}
			for k, x := range base {
				args[k] = x
			}
			for _, q := range free {
				args[q] = vals[q][0]
			}
			args[p] = v
			out = append(out, Call{Tool: a.Name, Args: args})
		}
	}
	return out
}

// Lookup is the move of the believed screen that call c is, if any.
func (t *Tracker) Lookup(c Call) (Move, bool) {
	if !t.known {
		return Move{}, false
	}
	for _, m := range t.moves[t.machine.Current()] {
		if m.Action.Matches(c, t.goal.opts.Inputs) {
			return m, true
		}
	}
	return Move{}, false
}

// Record takes one performed call and what followed: the observation
// after it, recognised (obs nil: the device could not perform it). The
// goal automaton steps on the call with its result (ResultOf, the
// recognised screen as its screen), or its failure; the believed screen
// becomes the recognised one (unchanged after a failure). It returns the
// event recorded.
func (t *Tracker) Record(c Call, obs *Observation, rec Recognition, doErr error) ltl.Event {
	ev := c.Event()
	if obs == nil {
		ev.Outcome = ltl.Failed
		if doErr != nil {
			ev.Error = doErr.Error()
		}
	} else {
		o := t.goal.app.Complete(*obs)
		o.Screen = rec.Screen
		ev.Outcome, ev.Result = ltl.Returned, ResultOf(o)
	}
	t.events = append(t.events, ev)
	if obs != nil {
		o := *obs
		t.obs = &o
	}
	if t.q >= 0 {
		if sym, err := t.goal.dfa.Alphabet.ClassifyAt(ev, nil); err != nil {
			t.q = -1
		} else {
			t.q = t.goal.dfa.Step(t.q, sym)
		}
	}
	if obs == nil {
		return ev
	}
	if !rec.Known() {
		t.known = false
		return ev
	}
	t.known = true
	if m, ok := t.Lookup(c); ok && m.Target == rec.Screen && m.Target != t.machine.Current() {
		// The transition the machine has: let it take it.
		if err := t.machine.Event(context.Background(), m.Key()); err != nil && !errors.As(err, new(fsm.NoTransitionError)) {
			t.machine.SetState(rec.Screen)
		}
	} else {
		t.machine.SetState(rec.Screen)
	}
	return ev
}

// Believe sets the believed screen to a recognised observation without an
// action (the first observation of a run, or one taken again).
func (t *Tracker) Believe(o Observation, rec Recognition) {
	t.obs = &o
	t.known = rec.Known()
	if t.known {
		t.machine.SetState(rec.Screen)
	}
}

// Reached reports whether the run so far satisfies the goal and rules.
func (t *Tracker) Reached() bool { return t.q >= 0 && t.goal.dfa.Accepting[t.q] }

// Dead reports whether no continuation of the run can satisfy the goal.
func (t *Tracker) Dead() bool { return t.q < 0 || t.goal.dist[t.q] < 0 }

// Events are the events recorded so far.
func (t *Tracker) Events() []ltl.Event { return append([]ltl.Event(nil), t.events...) }

// String is the believed screen and goal state, for reports.
func (t *Tracker) String() string { return fmt.Sprintf("screen %s, goal state %d", t.Screen(), t.q) }
