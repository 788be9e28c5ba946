// Package apps is specplan's language for mobile app state machines
// (`.app` files): screens, the actions that move between them, pre- and
// post-conditions over what a screen shows, popups, and goals and rules in
// LTL over screens, actions and those conditions. It parses an app
// (Parse), checks its graph (Check), and lowers it to an equivalent `.ltl`
// spec over tool-call events with results (Lower), which specplan compiles
// like any other (Compile, Witnesses). The runtime that tracks the screen
// on a device comes later; this package is the language.
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
package apps
