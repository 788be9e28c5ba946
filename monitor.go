package specplan

import (
	"fmt"
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
func (s *Spec) NewMonitor() *Monitor {
	return &Monitor{spec: s, state: s.DFA.Initial}
}

// Step decides whether e may happen now. Allowed events advance the session.
func (m *Monitor) Step(e ltl.Event) Decision {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.spec
	if m.state < 0 { // the spec is unsatisfiable: nothing is ever allowed
		return Decision{Reason: "the spec is unsatisfiable: no run can satisfy it", Violation: &Violation{Reason: "unsatisfiable spec"}}
	}
	sym, err := s.Alphabet.Classify(e)
	if err != nil {
		v := s.classifyViolation(len(m.events), e, m.state, err)
		return Decision{Reason: v.Reason, Violation: v}
	}
	if err := s.checkArgs(e); err != nil {
		v := schemaViolation(len(m.events), e, err)
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
	if s.DFA.Accepting[next] {
		return Decision{Allow: true, Reason: fmt.Sprintf("%s is allowed; the run may end here", s.Alphabet.Symbols[sym].Name)}
	}
	return Decision{Allow: true, Reason: fmt.Sprintf("%s is allowed", s.Alphabet.Symbols[sym].Name)}
}

// Allowed lists what may come next, as alphabet symbol names (a tool name,
// or a tool with the predicate values it needs, or a step kind).
func (m *Monitor) Allowed() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state < 0 {
		return nil
	}
	return m.spec.allowedNames(m.state)
}

// CanEnd reports whether the run may stop now: the events so far satisfy the spec.
func (m *Monitor) CanEnd() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state >= 0 && len(m.events) > 0 && m.spec.DFA.Accepting[m.state]
}

// Events returns a copy of the events allowed so far.
func (m *Monitor) Events() []ltl.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]ltl.Event(nil), m.events...)
}

// Reset starts the session over.
func (m *Monitor) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state, m.events = m.spec.DFA.Initial, nil
}
