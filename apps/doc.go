// Package apps is specplan's language for mobile app state machines
// (`.app` files): screens, the actions that move between them, pre- and
// post-conditions over what a screen shows, popups, and goals and rules in
// LTL over screens, actions and those conditions. It parses an app
// (Parse), checks its graph (Check), and lowers it to an equivalent `.ltl`
// spec over tool-call events with results (Lower), which specplan compiles
// like any other (Compile, Witnesses), and runs it on a device: a screen
// tracker, a judge of each action, rollback, traces (see "The runtime").
//
// # The language
//
//	app settings "Android Settings" start Home
//	action share(target: string)           # a custom action and its JSON schema
//	screen Home "Settings list" {
//	  tap("Network & internet") -> Network
//	}
//	screen Network requires visible("Internet") {
//	  tap("Internet") -> Internet
//	  back -> Home
//	}
//	screen Internet {
//	  toggle("Wi-Fi") -> Internet ensures checked("Wi-Fi")
//	  back -> Network
//	}
//	overlay Permission shows("Allow?") dismiss back
//	goal F (Internet & checked("Wi-Fi"))
//
// Actions: tap(label), long_press(label), toggle(label), type(field,
// text), swipe(direction: "up", "down", "left" or "right"), back, home, and
// custom actions declared with `action NAME(param: type, …)`, types string,
// number, integer or boolean (ActionDecl.Schema is the JSON schema: all
// parameters required, no others). A label is a string literal of one line;
// a field or list is an identifier (its id); a text is `any`, a literal or
// `$name.path` (an input, given to Lower). Conditions: visible(label),
// checked(label), text(field) OP value, count(list) OP n, under ! & |.
// Goals and rules use ltl's operators with ltl's precedence (<->, ->, |, &,
// U R W S, prefix ! X N F G Y O H); their atoms are screen and overlay
// names, actions (`any` stands for any argument: tap(any)) and conditions.
// The grammar is in grammar.go; the example parses as written
// (toggle is a built-in action).
//
// Errors are an ltl.ErrorList, each with file:line:col (ltl's Format and
// FormatFiles print the line and a caret) and a typed Code (this
// package's from 2000 on, CodeName names them; ltl's where the meaning is
// ltl's). A syntax error comes alone; resolution errors are all collected.
// Limits: Options.MaxBytes (256 KiB, plan --max-spec-bytes), MaxDepth (64
// levels of parentheses and prefix operators, checked on the tokens before
// the recursive parser runs, plan --max-depth), MaxScreens (256 screens and
// overlays), LowerOptions.MaxBytes (256 KiB of lowered text, ltl's spec
// limit); each error
// names its Option.
//
// # Checks
//
// Check reports unreachable screens, screens from which the goal cannot be
// reached (on the lowered spec's automaton, so any LTL goal), transitions
// with no target, duplicate actions on a screen, and labels in conditions
// that no screen shows. What a screen shows is defined in Check's doc.
//
// # The lowering and what it assumes
//
// Lower writes a `.ltl` spec; each event is an action and its outcome:
//   - An action is a call of a tool named like it, its arguments
//     predicates: tap("Wi-Fi") is `tap(label == "Wi-Fi")`, type(search,
//     "x") is `type(field == "search", text == "x")`, back is `back`; an
//     `any` argument is unconstrained; $name is replaced by its value from
//     LowerOptions.Inputs (.ltl has no inputs yet; a missing one is
//     ErrLower).
//   - The observed screen after an action is the call's RESULT, an object
//     ResultOf builds: {"screen": NAME, "shows": LABELS, "checked": LABELS,
//     "text": {field: text}, "count": {list: n}}. A label set is one
//     string, each label between newlines ("\nA\nB\n"), because .ltl
//     predicates have no membership test on arrays: visible("A") is
//     `shows contains "\nA\n"`. Every action event must carry its outcome
//     (a result or an error): ltl's fail-closed rule rejects one without,
//     and one whose result lacks a field a condition reads.
//   - The believed screen before an event is the one the last call that
//     returned observed; a failed call (an error: the device did not
//     perform the action) changes nothing; before any returned call it is
//     the start screen. On a believed screen only its own actions are
//     allowed (an overlay: its dismiss action); a screen without actions
//     ends the run.
//   - Observations (ObserveExpected, the default): after ACTION -> T on S,
//     the observation is T satisfying T's requires and the ensures
//     (Success); or S satisfying its requires when T is not S (NoChange:
//     the action did nothing, and the agent goes on from S); or an overlay
//     showing its labels (a popup, whose dismiss must then return T or S);
//     or the call fails. A wrong screen, an unmet post-condition (Fail) and
//     an observation that matches no screen are rejected: the spec's
//     language is the app's runs as modelled. ObserveAnyScreen accepts any
//     known screen or overlay after any action (a tracker that believes
//     what it sees and re-plans) and does not enforce ensures.
//   - Goals and rules are read at each event: a screen atom holds at an
//     event that observed that screen, a condition at an event whose
//     observation satisfies it, an action atom at that action. Goals and
//     rules are conjoined with the machine.
//
// ClosedWorld (Witnesses uses it, with FaultFree) makes an observation show
// no label a condition mentions unless the observed screen's requires or
// the transition's ensures say so, so that shortest witnesses reach the
// goal by the app's actions rather than by a screen that already shows it.
//
// # Drawing
//
// NewGraph marks the goal screens (observed by a transition into an
// accepting state of the lowered automaton) and the transitions of a
// witness; Graph.WriteDOT and WriteMermaid draw it (plan compile SPEC.app
// --format dot|mermaid|svg|png; --format ltl prints the lowered spec).
//
// # The runtime
//
// CompileGoal compiles the goal automaton once per app (the lowering
// under ObserveAnyScreen: it follows a run through wrong screens and
// popups; the judge, not the automaton, holds actions to their ensures).
// Goal.Run drives one run:
//   - Tracker: a github.com/looplab/fsm machine whose states are the
//     screens and overlays and whose events are their actions (by
//     Action.Key) follows the believed screen; beside it the goal
//     automaton's state. Tracker.Allowed is the FSM's available
//     transitions intersected with the goal automaton's live transitions
//     (some answer observing the move's target keeps the goal and rules
//     satisfiable), less moves whose target's requires is false on a text
//     or count shown now. A Chooser gets them in Turn.Allowed when the turn
//     starts; apps/modelturn's mask admits exactly them (tested against
//     the real vocabulary on every screen the runs visit).
//   - Recognition (App.Recognize): an observation matches a screen whose
//     signature labels (title, tap/long_press/toggle labels) it all shows
//     and whose requires holds, or an overlay whose shows it shows; a
//     signature strictly inside another matching one drops out. None or
//     several left is reported (Recognition.Why), never guessed.
//   - Judge: Success (the expected screen, its ensures), NoChange (the
//     device shows what it showed before), Fail (anything else, a device
//     error included). The tracker believes any recognised screen and the
//     next turn plans from there.
//   - Rollback (RunOptions.Rollback): on Fail or NoChange the runtime
//     dismisses a popup (landing where the interrupted action goes
//     verifies that screen), then walks the shortest path of the app's own
//     actions (back and home first, none with `any` arguments, each one
//     live in the goal automaton) from the observed screen to the last
//     verified one, re-planned after each observation, recording its own
//     actions (TraceLine.Rollback). A Fail or NoChange once
//     RunOptions.MaxRecoveries recoveries are spent, the step limit, an
//     unrecognised observation, a dead goal automaton or a screen without
//     allowed moves end the run EndUnrecoverable with Result.Report: where,
//     what was tried, why it gave up. Every action stays in the trace.
//   - Device: Screen and Do, Settled adds the settle time. Emulator
//     (ReadEnv: EMU.json, strict JSON, file:line:col errors; faults
//     nochange, wrong_screen, popup with dismiss) is the deterministic one;
//     texts and counts are one value per field and list across screens, a
//     screen whose requires does not hold is not entered, ensures and
//     type's text and toggle's switch are applied.
//   - Traces: WriteTrace writes JSONL (one line per action with the app's
//     fields, an end line); ReadTrace reads it strictly; ValidateTrace
//     replays it (plan validate SPEC.app TRACE).
//
// A result the lowered spec reads for every call (Complete): a text a
// screen does not show is "", a count 0, since the spec's fail-closed rule
// rejects a result without a path a condition reads.
package apps
