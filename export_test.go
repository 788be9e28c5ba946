package specplan

import "github.com/specplan/specplan/automata"

// WithDFA returns a copy of s whose automaton is d, for tests that ask for
// witnesses through one symbol (the fields are not settable from outside).
func WithDFA(s *Spec, d *automata.DFA) *Spec {
	c := *s
	c.dfa = d
	return &c
}
