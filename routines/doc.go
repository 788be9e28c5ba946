// Package routines will hold specplan's second and third spec languages:
// enterprise Routines (numbered steps, tools, parameter passing, branches)
// and mobile app state machines (screens, actions, pre/post-conditions).
// It has no code yet; this file records the contract the next issues build
// to, so that the layout DESIGN.md names exists and nothing else claims
// this package's job.
//
// Contract (planned):
//   - Parse(filename, src) returns an AST with a position on every node and
//     errors collected as ltl.ErrorList (file:line:col, caret, typed codes).
//   - Compile turns a Routine or app FSM into an automata.DFA over the same
//     event alphabet as .ltl specs, so Validate, Monitor, diff and the
//     decoder work on it unchanged.
//   - Values captured from tool results (parameter passing) become
//     constraints bound when a turn starts: decoder.SessionOptions is where
//     they enter the byte-level automaton.
//   - For apps, a looplab/fsm machine tracks the current screen, checks
//     post-conditions and rolls back to the last verified screen.
package routines
