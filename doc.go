// Package specplan is the front door to specplan: it compiles an LTLf spec of
// agent behaviour (a .ltl file) into a minimal automaton over tool-call
// events, validates traces against it with explanations, and monitors live
// tool calls from any LLM or agent framework.
//
// The stages live in their own packages — ltl (parse, check, semantics),
// automata (alphabet, LTLf→DFA, operations), decoder (token-level constrained
// decoding on llama.cpp) — and this package only wires them together, so a
// service embedding specplan needs one import for the common cases:
//
//	spec, err := specplan.CompileFile("specs/refund.ltl", specplan.Options{})
//	verdict := spec.Validate(trace)
//	mon := spec.NewMonitor() // one per agent session; spec is shared
//	if d := mon.Step(event); !d.Allow { block(d.Reason) }
//	result, err := runTool(event) // the call runs
//	mon.Result(result, err)       // its outcome, for specs that read results
//
// Specs may read what tools return (`check_permission returns (allowed ==
// true)`, `hold_seat fails`) and carry results forward (`let budget =
// get_budget` … `pay(amount <= $budget.limit)`). Validate follows the
// captures along the trace; Monitor.Result records each outcome (see
// Monitor for the call order). A reference to a value not captured, or
// one of the wrong type, rejects the call whatever the rule's polarity
// (fail-closed, ltl's doc).
//
// A compiled *Spec is immutable and safe for concurrent use; a *Monitor holds
// one session's position and is safe for concurrent use too.
package specplan
