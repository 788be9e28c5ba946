// Package routines is specplan's language for enterprise Routines
// (numbered steps, tools, parameter passing, branches decided by results,
// after Zeng et al., "Routine: A Structural Planning Framework for LLM
// Agent System in Enterprise", arXiv 2507.14447): the `.routine` parser,
// an importer for the paper's plain-text form, a printer, the checks
// `plan check` reports, and the lowering to a `.ltl` spec in issue 9's
// result-aware syntax.
//
// # The language
//
//	routine refund "Refund a damaged order"
//	input order_id: string
//	tools from "shop.tools.json"
//	allow thought                       # thoughts may come between any events
//
//	1. "Verify the caller may refund" -> check_permission(action: "refund") as perm
//	2. if $perm failed {
//	     2.1 "Explain" -> answer
//	     end
//	   }
//	3. "Look up the order" -> get_order(order_id: $order_id) as order
//	4. if $order.status == "delivered" {
//	     4.1 "Issue the refund" -> issue_refund(order_id: $order_id, amount: $order.total)
//	   } else if $order.status in ["placed", "shipped"] {
//	     4.2 -> answer
//	   } else {
//	     4.3 optional -> escalate(...)
//	   }
//	5. repeat { 5.1 -> poll(id: any) as job } until $job.done == true max 5
//	6. choice "by mail" { 6.1 -> send_message(to: $order.email, text: any) } or { 6.2 -> answer }
//	rule G(issue_refund -> F send_message)
//
// A step is `N. [optional] ["description"] -> ACTION`, or an if, choice or
// repeat. ACTION is a call `tool(arg: VALUE, …) [as NAME]` (parentheses
// make it a call, even empty ones) or a step that is not a call (`answer`,
// `thought`: a bare name, no result). VALUE is a JSON literal, `any` (free
// within the parameter's schema) or a reference `$name.a.b` to an input
// or an earlier result; `...` leaves every argument not named free. A
// condition is atoms `$ref OP literal` (== != < <= > >=, contains,
// starts_with, ends_with, matches), `$ref in [literals]`, `$ref failed`,
// `$ref succeeded`, combined with not, and, or and parentheses. `end` ends
// the run on its path. `rule` lines (the rest of the line is an LTL
// formula) are conjoined. Tool names are identifiers, dotted (a.b) or
// between backticks (`read-file`, and words this language reserves, such
// as `end`); argument names may be any JSON string. Steps are numbered 1,
// 2, … and the steps in step N's blocks N.1, N.2, … in order across all
// its arms, at every depth (a trailing dot is optional). `#` and `//`
// start comments. The grammar is in grammar.go.
//
// # Contract
//
//   - Parse(filename, src) returns a Routine whose every node has its
//     position, or an ltl.ErrorList (file:line:col, Format prints the line
//     and a caret) with typed codes: this package's (ErrStepNumber,
//     ErrPlacement, ErrLiteral, ErrRepeatLimit, ErrInputType, …; CodeName
//     names them) and ltl's where the meaning is the same (ltl.ErrSyntax,
//     ltl.ErrSpecSize, ltl.ErrDepthLimit, ltl.ErrDuplicate). A syntax
//     error comes alone; others are all collected. Strings are JSON
//     strings; numbers are JSON numbers kept as written.
//   - Limits: the text is bounded before it is lexed (Options.MaxBytes,
//     default 256 KiB, --max-spec-bytes), nesting of blocks, parentheses
//     and brackets on the token stream before participle's recursive
//     descent (MaxDepth, default 64, --max-depth), a repeat's max
//     (MaxRepeat, default 32, --max-repeat); each error names the limit,
//     the Option and the flag. Parsing is linear; it never panics (fuzzed).
//   - ParseText imports the paper's text form (`Step 1. Name: description;
//     input: a = 1; output: r; uses tool`, `Branch 3-1 Step 1. …: If COND,
//     …`) into the same AST, with positions and the same error contract.
//   - Format prints the canonical `.routine`; Parse(Format(r)) equals r,
//     positions aside (tested on every golden input and fuzzed).
//   - Check(r, catalog) reports unknown tools and arguments, missing
//     required arguments, references not defined on every path, type
//     mismatches (literal, input and MCP outputSchema types against
//     parameter schemas and conditions), unreachable steps and arms, an
//     argument forced at one step of a tool and omissible at another, and
//     rules package ltl rejects. Check is linear in the routine. ltl.ParseCatalog keeps only parameters;
//     Check reads a tool's "outputSchema" from its catalog entry (on the
//     entry or its "function" object).
//   - Lower(r) writes the equivalent `.ltl` spec in issue 9's syntax (`let
//     NAME = TOOL`, `TOOL returns (PRED)`, `TOOL fails`, `$name.path` in
//     argument predicates); see LowerOptions.Lower for the encoding and
//     what it refuses. Text from the routine never becomes a line of the
//     lowered spec: descriptions are JSON-quoted in comments, literals
//     quoted in predicates.
//
// # Semantics
//
// Steps run in order; a call's result (or its failure) arrives with the
// call. A condition is decided when it is reached, on the results so far,
// fail-closed as ltl's predicates are: a missing field or a value of
// another type makes an atom false, so `not ($x.ok == true)` holds when
// `ok` is missing while `$x.ok != true` does not. An if takes its first
// arm whose condition holds, else its else arm, else nothing; a choice is
// the model's. A repeat runs its body, then stops when its condition
// holds or after max runs. An optional step may be skipped; its result is
// then undefined, so a later reference to it is an error.
//
//   - Compile(r, inputs, catalog, opts) is the one call from a parsed
//     routine to a specplan.Spec: inputs checked against their `input`
//     declarations (ErrMissingInput, ErrInputValue), Check, Lower with the
//     inputs, specplan.Compile; every error positioned in the routine's
//     file. Inputs become literals (one Spec per input set; see Compile
//     for why), results stay captures bound during the run.
//     ResolveCatalog finds the catalog a routine's `tools from` names,
//     relative to the routine's file, as specplan.ResolveCatalog does for
//     a .ltl spec; LoadFile reads, parses and resolves in one call.
//
// # Not here
//
// The runtime agent and `plan run` are package agent's; app state
// machines are package apps'.
package routines
