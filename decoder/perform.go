package decoder

import "github.com/specplan/specplan/ltl"

// Perform records an event the runtime performed itself, not the model (a
// call an app's rollback makes, such as `back`, with its outcome), and
// moves the event automaton and the captures past it as Observe does for
// the environment's answers. It is the environment's move, so it is
// accepted only at a turn boundary where the model has not started
// writing: while AwaitingEnvironment, or after Observe (or another
// Perform) and before the next token. A call must carry its outcome
// (Outcome Returned or Failed, with Result or Error): the runtime knows
// it, and the spec may read it.
//
// The event is accepted only if the spec allows it, with that outcome,
// from the current state, and the run can still be completed afterwards
// (the model's next turn has a way to acceptance: no dead end); the
// values captured change for the next turn (bindings). Otherwise it fails,
// changing nothing: CodeNotAllowed for an event the spec forbids here,
// that leaves it unsatisfiable, or whose outcome its type rule rejects;
// CodeOrder inside the model's turn, while a call awaits its outcome
// (Observe must give it first), after the run is complete, or for a call
// without an outcome.
func (s *Session) Perform(ev ltl.Event) error {
	st := s.st()
	ix := s.ix
	switch {
	case !st.bound || (s.midTurn && !s.Done()):
		return newErr(CodeOrder, "Perform inside the model's turn (after %q): the runtime acts between turns", s.text[s.evStart:])
	case s.Done() && s.Complete():
		return newErr(CodeOrder, "Perform after the run is complete (the model's turn is over and the spec accepts)")
	case s.pending():
		return newErr(CodeOrder, "Perform while the call of %s awaits its outcome: give it with Observe first", s.events[len(s.events)-1].Tool)
	case ev.Tool != "" && ev.Outcome == ltl.Pending:
		return newErr(CodeOrder, "Perform of a call of %s without its outcome: the runtime performed it, so give Outcome (and Result or Error)", ev.Tool)
	case ev.Tool == "" && ev.Outcome != ltl.Pending:
		return newErr(CodeNotAllowed, "Perform of step %s with an outcome: only calls have outcomes", ev.Name())
	}
	q := int(st.q)
	caps := s.caps
	// The event is concrete (its outcome is known), so it moves the spec's
	// own automaton on its full symbol; a resultAutomaton lets only the
	// environment pick result symbols, from pending states, so its base
	// is stepped directly.
	var sym int
	if ix.alpha != nil {
		r, err := ix.alpha.ClassifyAt(ev, caps)
		if err != nil {
			return newErr(CodeNotAllowed, "the runtime's event %s is rejected by the spec: %v", ev.Name(), err)
		}
		sym = r
		caps = caps.After(ix.alpha.Lets, ev)
	} else if sym = symbolOf(ix.syms, ev); sym < 0 {
		return newErr(CodeNotAllowed, "the runtime's event %q is not in the alphabet", ev.Name())
	}
	if ix.results != nil {
		q = ix.results.base.Step(q, sym)
	} else {
		q = ix.ea.Step(q, sym)
	}
	if q < 0 {
		return newErr(CodeNotAllowed, "the runtime's event %s is not allowed here by the spec", ev.Name())
	}
	if err := s.nextTurn(q, caps, "the runtime's event "+ev.Name()); err != nil {
		return err
	}
	s.events = append(s.events, ev)
	s.ids = append(s.ids, "")
	return nil
}
