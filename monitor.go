package specplan

import (
	"sync"

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
type Monitor struct {
	spec *Spec

	mu     sync.Mutex
	state  int
	events []ltl.Event
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
	if s == nil || s.DFA == nil || s.Alphabet == nil {
		return &Monitor{state: -1}
	}
	return &Monitor{spec: s, state: s.DFA.Initial}
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
	if m.state < 0 { // the spec is unsatisfiable: nothing is ever allowed
		return Decision{Reason: "the spec is unsatisfiable: no run can satisfy it", Violation: &Violation{Reason: "unsatisfiable spec"}}
	}
	if err := s.checkArgs(e); err != nil { // the schema first, as in Validate
		v := schemaViolation(len(m.events), e, err)
		return Decision{Reason: v.Reason, Violation: v}
	}
	sym, err := s.Alphabet.Classify(e)
	if err != nil {
		v := s.classifyViolation(len(m.events), e, m.state, err)
		return Decision{Reason: v.Reason, Violation: v}
	}
	next := s.DFA.Step(m.state, sym)
	if next < 0 {
		trace := append(append([]ltl.Event(nil), m.events...), e)
		v := s.explainDead(trace, len(m.events), m.state)
		return Decision{Reason: v.Reason, Violation: v}
	}
	m.state = next
	m.events = append(m.events, e)
	return Decision{Allow: true, Reason: s.allowReason(sym, s.DFA.Accepting[next])}
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
	name := s.Alphabet.Symbols[sym].Name
	if accepting {
		return name + " is allowed; the run may end here"
	}
	return name + " is allowed"
}

// Allowed lists what may come next, as alphabet symbol names (a tool name,
// or a tool with the predicate values it needs, or a step kind).
func (m *Monitor) Allowed() []string {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state < 0 || m.spec == nil {
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
	return m.spec != nil && m.state >= 0 && len(m.events) > 0 && m.spec.DFA.Accepting[m.state]
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
	m.state, m.events = m.spec.DFA.Initial, m.events[:0]
}
