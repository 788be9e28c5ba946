// Package agent runs a spec as a constrained agent: the model writes its
// turns in its own chat template under the spec's mask, the calls it makes
// are performed by the embedding service's tools, their results go back to
// the model as tool messages and to the decoder as the calls' outcomes, and
// the run ends when the spec is complete or the budget is spent. It is the
// library `plan run`, `plan generate` and `plan eval` are thin over; an
// embedding service wires nothing by hand that they do for themselves.
//
//	a, err := agent.New(spec, model, agent.Options{CallTimeout: 5 * time.Second})
//	res, err := a.Run(ctx, myTools, "Refund order A17")
//	// res.Accepted: the independent checker's verdict on res.Events
//
// Contract:
//
//   - New does what generate did by hand, once per spec and model: the
//     chat template (the model's own, its tool_use variant when the spec
//     has a catalog, else chat.FallbackTemplate; Options.Template
//     overrides), the call format (Options.Format, else the template's
//     native one: conversation.FormatFor), the system message (Options.System,
//     else decoder.Instructions for the spec's steps and tools, the tools
//     left to the template's own tools section when it has one), and the
//     compiled template. The first Run compiles the decoder's Index for the
//     conversation and fits the budget (decoder.Index.FitBudget); later runs
//     reuse both, so seeded runs cost decoding only.
//   - Run starts from an empty context (Backend.Reset), renders the
//     conversation (system, user prompt, the catalog as the template's
//     tools) and runs it turn by turn (package conversation). When the
//     decoder waits for a call's outcome (or the spec's observation step
//     after a call), the call is performed: Tools.Call with the call's
//     arguments and a context that Options.CallTimeout bounds. A returned
//     error, a timeout and a panic of the tool are the call's outcome
//     `fails`, the error's text its Error: a result the spec can branch
//     on, never a crash. A result is turned into JSON (json.Marshal, at
//     most Options.MaxResultBytes) and read back strictly, numbers exact,
//     so the spec's predicates and captures see what the model sees. The
//     text goes to the model as a tool message tokenized as plain text: no
//     result can become a control token or an event of the model's.
//   - Calls whose outcome the spec never waits for (it neither reads nor
//     captures it and has no observation step after it) are performed in
//     order when the model's turn ends; their outcomes are in Result.Events
//     and the trace, and are not shown to the model.
//   - Options.AfterCall runs after each awaited call's outcome is recorded;
//     the events it returns (calls with outcomes the runtime performed
//     itself, such as an app's rollback) are recorded with
//     decoder.Session.Perform, which accepts only what the spec allows
//     there, and are shown to the model as tool messages. They are Trace
//     entries with Source "runtime".
//   - A spec whose runs must make calls bound to captured values (every
//     routine: `issue_refund(amount: $order.total)`) is unsatisfiable to
//     the decoder's adversarial analysis; the agent then compiles it with
//     decoder.IndexOptions.TrustBindings (Agent.TrustsBindings), under
//     which the decoder refuses, when it arrives, an answer that would
//     strand the run (the run stops with that error).
//   - The verdict comes from the independent path, as `plan generate`'s
//     always did: each of the model's turns parsed back into events on its
//     own (decoder.SegmentEvents), the environment's and the runtime's
//     events as given, and ltl.Eval of the spec's formula on them.
//   - ctx cancels the run (Run returns ctx.Err() with what was done so
//     far); a tool that ignores its context is abandoned when the timeout
//     or ctx ends, never waited for.
//   - Options.Unconstrained runs the same prompt, format and tools without
//     the mask: each assistant message is parsed with the format's parser
//     (a message that does not parse ends the run, rejected), its calls are
//     performed and answered as tool messages, and the run ends at a
//     message without calls or when the budget is spent. The verdict is
//     the same independent checker's. It is the baseline `plan eval`
//     measures the constraint against.
//
// Scripted environments (ReadScript, the ENV.json format of `plan run
// --env`) implement Tools, so a workflow runs end to end without the real
// systems.
package agent
