package specplan

import (
	"fmt"
	"sync"

	"github.com/specplan/specplan/automata"

	"github.com/specplan/specplan/ltl"
)

// Monitor guards one agent session: it watches events one at a time, as
// they come from any LLM or agent framework, and says for each whether it
// keeps the run satisfiable. A denied event is treated as blocked — it did
// not happen — so the monitor's state does not move and the agent may try
// something else. Every method is O(alphabet) at most, allocation-light, and
// never waits on anything but the monitor's own short lock.
//
// Create one Monitor per session with Spec.NewMonitor; the compiled Spec is
// shared and read-only.
//
// Results. For a spec that reads outcomes (`returns`, `fails`) or captures
// results (`let`), the call order is: Step(call) before the call runs,
// then Result(result, err) with what it answered, before the next Step. A
// call is allowed when SOME answer keeps the run satisfiable (the answer
// is not the agent's to choose); Result then judges the answer, and an
// answer that leaves no way to satisfy the spec is a violation that ends
// the session (every later Step is denied; Reset starts over). A Step
// that comes while an allowed call of such a tool still waits for its
// Result is denied, naming the call. A denied (blocked) call records
// nothing: no Result is expected for it, and one given is refused. A
// call that already carries its outcome (Event.Outcome set) is judged
// whole in Step. For tools whose outcome no rule reads, Result is optional
// (it only records the result in Events).
type Monitor struct {
	spec *Spec

	mu     sync.Mutex
	state  int
	events []ltl.Event
	caps   *automata.CaptureState
	// pending: the last event is a call whose outcome the spec needs and
	// that has none yet; state is still the state before it.
	pending bool
	// dead is the violation an answer caused: the session is over.
	dead *Violation
}

// Decision is the monitor's answer to one event.
type Decision struct {
	Allow  bool   `json:"allow"`
	Reason string `json:"reason"`
	// Violation is set when Allow is false: what would have gone wrong.
	Violation *Violation `json:"violation,omitempty"`
}

// NewMonitor starts a session at the beginning of a run.
//
// On a nil *Spec (a failed compile whose error was not checked) it still
// returns a Monitor, one that fails closed: every Step is denied with
// ErrNotCompiled as the reason, Allowed is empty and CanEnd is false. A
// guard must never let calls through because its spec is missing.
func (s *Spec) NewMonitor() *Monitor {
	if s == nil || s.dfa == nil || s.alphabet == nil {
		return &Monitor{state: -1}
	}
	return &Monitor{spec: s, state: s.dfa.Initial, caps: s.alphabet.Captures()}
}

// notCompiled is the decision of a monitor without a spec.
var notCompiled = Decision{Reason: ErrNotCompiled.Error(), Violation: &Violation{Reason: ErrNotCompiled.Error()}}

// Step decides whether e may happen now. Allowed events advance the session.
//
// A call whose arguments do not match its tool's catalog schema is denied
// with the schema's problems as the reason (JSON pointer and keyword of
// each) and Violation.Arguments set.
func (m *Monitor) Step(e ltl.Event) Decision {
	if m == nil {
		return notCompiled
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.spec
	if s == nil {
		return notCompiled
	}
	if m.dead != nil {
		return Decision{Reason: "the run already violates the spec: " + m.dead.Reason, Violation: m.dead}
	}
	if m.state < 0 { // the spec is unsatisfiable: nothing is ever allowed
		return Decision{Reason: "the spec is unsatisfiable: no run can satisfy it", Violation: &Violation{Reason: "unsatisfiable spec"}}
	}
	if m.pending {
		last := m.events[len(m.events)-1]
		r := fmt.Sprintf("event %d (%s) waits for its result: call Monitor.Result with what the call returned or the error it got before the next event", len(m.events), last.Tool)
		return Decision{Reason: r, Violation: &Violation{Position: len(m.events), Reason: r}}
	}
	if err := s.checkArgs(e); err != nil { // the schema first, as in Validate
		v := schemaViolation(len(m.events), e, err)
		return Decision{Reason: v.Reason, Violation: v}
	}
	if e.Tool != "" && e.Outcome == ltl.Pending && s.alphabet.NeedsOutcome(e.Tool) {
		return m.stepCall(e)
	}
	sym, err := s.alphabet.ClassifyAt(e, m.caps.Before())
	if err != nil {
		v := s.classifyViolation(len(m.events), e, m.state, err)
		return Decision{Reason: v.Reason, Violation: v}
	}
	next := s.dfa.Step(m.state, sym)
	if next < 0 {
		trace := append(append([]ltl.Event(nil), m.events...), e)
		v := s.explainDead(trace, len(m.events), m.state)
		return Decision{Reason: v.Reason, Violation: v}
	}
	m.state = next
	m.events = append(m.events, e)
	m.caps.Record(e)
	return Decision{Allow: true, Reason: s.allowReason(sym, s.dfa.Accepting[next])}
}

// stepCall decides a call whose outcome the spec needs, before it has one:
// allowed when some answer keeps the run satisfiable.
func (m *Monitor) stepCall(e ltl.Event) Decision {
	s := m.spec
	ci, err := s.alphabet.ClassifyCall(e, m.caps.Before())
	if err != nil {
		v := s.classifyViolation(len(m.events), e, m.state, err)
		return Decision{Reason: v.Reason, Violation: v}
	}
	syms := s.alphabet.Calls[ci].Symbols
	for _, sym := range syms {
		if s.dfa.Step(m.state, sym) >= 0 {
			m.events = append(m.events, e)
			m.pending = true
			return Decision{Allow: true, Reason: s.alphabet.Symbols[sym].Tool + " is allowed; record its result with Monitor.Result"}
		}
	}
	// Whatever it returns, the run dies: explain with one answer.
	alt := e
	if len(syms) > 0 {
		r := s.alphabet.Events([]int{syms[0]})[0]
		alt.Outcome, alt.Result, alt.Error = r.Outcome, r.Result, r.Error
	}
	trace := append(append([]ltl.Event(nil), m.events...), alt)
	var v *Violation
	if _, err := s.alphabet.ClassifyAt(alt, m.caps.Before()); err == nil {
		v = s.explainDead(trace, len(m.events), m.state)
		v.Reason = "whatever it returns, " + v.Reason
	} else {
		v = &Violation{Position: len(m.events), Expected: s.allowedNames(m.state),
			Reason: fmt.Sprintf("event %d (%s) is not allowed here, whatever it returns", len(m.events)+1, e.Tool)}
	}
	return Decision{Reason: v.Reason, Violation: v}
}

// Result records the outcome of the call the last allowed Step let
// through: its result (any JSON value; numbers best as json.Number), or,
// with err non-nil, its error (err.Error() is the message). For a tool
// whose outcome the spec reads, the answer is judged: Allow false means
// it leaves no way to satisfy the spec (or breaks the fail-closed rule,
// e.g. a result without a field a returns predicate reads), the run is
// then a violation and the session is over. Result without a call waiting
// for one (no call yet, a denied call, a step, or a second Result) is
// refused with Allow false and changes nothing.
func (m *Monitor) Result(result any, err error) Decision {
	if m == nil {
		return notCompiled
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.spec
	if s == nil {
		return notCompiled
	}
	n := len(m.events)
	if n == 0 || m.events[n-1].Tool == "" || m.events[n-1].Outcome != ltl.Pending || m.dead != nil {
		r := "no call waits for a result: Result follows the allowed Step of a call, once"
		return Decision{Reason: r, Violation: &Violation{Position: n, Reason: r}}
	}
	e := m.events[n-1]
	if err != nil {
		e.Outcome, e.Error = ltl.Failed, err.Error()
	} else {
		e.Outcome, e.Result = ltl.Returned, result
	}
	if !m.pending {
		// The outcome is not read: record it, the state has moved already.
		m.events[n-1] = e
		return Decision{Allow: true, Reason: e.Tool + " result recorded"}
	}
	sym, cerr := s.alphabet.ClassifyAt(e, m.caps.Before())
	m.events[n-1] = e
	m.pending = false
	var v *Violation
	if cerr != nil {
		v = s.classifyViolation(n-1, e, m.state, cerr)
	} else if next := s.dfa.Step(m.state, sym); next < 0 {
		v = s.explainDead(m.events, n-1, m.state)
	} else {
		m.state = next
		m.caps.Record(e)
		return Decision{Allow: true, Reason: s.allowReason(sym, s.dfa.Accepting[next])}
	}
	m.dead = v
	return Decision{Reason: v.Reason, Violation: v}
}

// allowReason is the reason of an allowed event, built once per symbol by
// Build so that an allowed Step does not allocate it.
func (s *Spec) allowReason(sym int, accepting bool) string {
	if sym < len(s.allowReasons) {
		if accepting {
			return s.allowReasons[sym][1]
		}
		return s.allowReasons[sym][0]
	}
	name := s.alphabet.Symbols[sym].Name
	if accepting {
		return name + " is allowed; the run may end here"
	}
	return name + " is allowed"
}

// Allowed lists what may come next, as alphabet symbol names (a tool name,
// or a tool with the predicate values it needs, or a step kind). A tool
// any call of which may come next is listed once, as its name, not as
// each combination of its predicates.
func (m *Monitor) Allowed() []string {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state < 0 || m.spec == nil || m.pending || m.dead != nil {
		return nil
	}
	return m.spec.allowedNames(m.state)
}

// CanEnd reports whether the run may stop now: the events so far satisfy the spec.
func (m *Monitor) CanEnd() bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.spec != nil && m.state >= 0 && len(m.events) > 0 && !m.pending && m.dead == nil && m.spec.dfa.Accepting[m.state]
}

// Events returns a copy of the events allowed so far.
func (m *Monitor) Events() []ltl.Event {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]ltl.Event(nil), m.events...)
}

// Reset starts the session over.
func (m *Monitor) Reset() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.spec == nil {
		return
	}
	m.state, m.events = m.spec.dfa.Initial, m.events[:0]
	m.caps, m.pending, m.dead = m.spec.alphabet.Captures(), false, nil
}
