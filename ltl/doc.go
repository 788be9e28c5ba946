// Package ltl is the front end for specplan's `.ltl` specs: lexer and
// participle grammar, pattern sugar, name resolution and checks, NNF and
// simplification, and readers for the inputs that are checked against a spec
// (JSON Lines traces, few-shot examples in prompts, OpenAI tool catalogs).
//
// # Input
//
// A spec is `spec NAME "optional title"` followed by any number of
// `steps a, b`, `tools x, y`, `tools from "FILE"` and `rule FORMULA`
// declarations; newlines are
// whitespace, keywords delimit, `#` and `//` start comments. A step or tool
// name is an identifier, a dotted identifier (ancient_empires.get_religion_info)
// or any other name between backticks (`read-file`, `next`); QuoteName
// writes a name as a spec spells it. Formulas use
// symbolic or word operators; precedence from loose to tight is
// <->, -> (right-assoc), |, &, the binary temporal operators U R W S
// (right-assoc), then prefix operators (! X N F G Y O H). The grammar is in
// grammar.go.
//
// Parse expects UTF-8 text and never panics or overflows the stack: the
// text's size is bounded (Options.MaxSpecBytes, default 256 KiB) before it
// is lexed, nesting of parentheses and prefix operators is bounded on the
// token stream (Options.MaxDepth, default 256) before the recursive-descent
// parser runs, pattern counts are bounded (MaxPatternCount) and so is the
// total size of all rules after expansion (MaxFormulaSize). Each limit is an
// error naming it and what raises it (the Option and the plan flag), or
// saying that it is fixed. Parsing, and printing errors with Format, take
// time linear in the input.
//
// The same front end serves the other languages that compile to specs
// (.app in package apps, .routine in package routines): Frontend (size
// before lexing, nesting bounded on the token stream by a DepthRule,
// participle's errors as an ErrorList with productions in words),
// NewLexer, and the formula grammar with a language's own atoms,
// FormulaSyntax[A], converted to its nodes by FormulaBuilder. A language
// written on them has ltl's operators, precedence, positions and limits by
// construction.
//
// # Output
//
// Error and FormatPos escape file names and messages, and Format escapes
// quoted source lines (internal/safetext): no input, file name included,
// reaches the terminal as a control sequence, a forged line or a
// bidirectional override.
//
// The readers of the inputs checked against a spec (ReadTrace,
// ParseCatalog, ParseExamples, and ReadInput for any file) treat them as
// hostile. JSON is parsed by internal/strictjson: keys match exactly and a
// key that differs from a known one only in case is an error with a
// did-you-mean, duplicate keys and data after the value are errors, and
// argument numbers are json.Number, exactly as written. Every reader is
// bounded by Options.MaxInputBytes (default 8 MiB), MaxLineBytes (1 MiB, a
// trace line) and MaxJSONDepth (128); each is ErrInputLimit naming the
// Option and the plan flag that raises it, and a reader never reads more
// than one buffer past a limit. A reader stops after MaxErrors errors.
// Catalogs may be the OpenAI tools array, {"tools": [...]}, or an MCP
// tools/list result (bare or in its JSON-RPC response); a spec may name its
// own with `tools from "FILE"` (Spec.Catalog, FindCatalogRef), which ltl
// records but never opens.
//
// # Guarantees
//
// On success Parse returns a Spec whose rules are plain AST (patterns such as
// never, responds, at_most expanded, each expanded node carrying the position
// of the pattern call), whose atoms are all resolved to a step, a tool, or
// `call`, and which declares at least one step or tool. Formula.String()
// reparses to an equal formula. On failure it returns an ErrorList: every
// semantic error is collected (undeclared names with a did-you-mean,
// duplicate and reserved declarations, misplaced predicates, limits, past over
// future), each with its Code and file:line:col; a syntax error ends parsing
// and comes alone.
//
// # Semantics
//
// Formulas are LTLf with past operators, read on non-empty finite traces at
// position 0 (see Eval, the reference). Each position is exactly one event:
// a non-call step or a call of one tool, so two step atoms, or a step and
// `call`, never hold together. X is strong (false at the last position), N is
// its weak dual, `last` holds only at the final position; Y is strong (false
// at position 0).
//
// Argument predicates compare exactly. A number literal is an exact
// decimal (Number; 1e400 and -1e-400 are kept, literals beyond 1e±4096 are
// an error that says so), and so is every argument value: json.Number text,
// every Go integer type, and floats as the shortest decimal that rounds to
// them (what encoding/json writes). No comparison rounds through float64.
//
// Predicates are fail-closed: a predicate implies its argument's type
// (`amount > 100`: a number, `currency == "EUR"`: a string, `urgent ==
// true`: a boolean). A call whose argument is missing, or of another type
// than a predicate on that tool implies, satisfies no formula with that
// predicate, nor its negation: Eval rejects the trace (CheckTrace,
// CheckArgs, ArgTypeError), the automata classify the call into no symbol,
// Validate reports a violation and Monitor blocks it, with or without a
// tool catalog. Otherwise `never(refund(amount > 1000))` would let
// refund(amount: "5000") through, the predicate being false on a string.
//
// # Results, captures and more predicates
//
// An event may carry its call's outcome (Event.Outcome: Pending, Returned
// with Result, Failed with Error); ReadTrace documents the trace forms,
// including the observation line. `TOOL returns (P, …)` holds at a call of
// TOOL that Returned a result satisfying every P (paths into the result:
// `allowed == true`, `by.role in ["admin"]`); `TOOL fails` at one that
// Failed. Argument predicates may precede either: `ask_user(q == "x")
// returns (approved == true)`. `let NAME = TOOL` (a declaration) names the
// result of the most recent call of TOOL; `$NAME.path` compares with it
// (==, !=, <, <=, >, >=): `pay(amount <= $budget.limit)`. Before an event,
// NAME holds the Result of the last earlier call of TOOL if that call
// Returned, and nothing if it Failed or has no outcome (a failed call
// clears its capture; an older result is not used instead). Predicates
// also take nested paths (`to.iban`, one Dotted token split at the dots),
// string predicates written infix (`contains`, `starts_with`,
// `ends_with`, `matches` with an RE2 expression compiled at parse: a bad
// one is ErrRegex at the literal) and set membership (`kind in ["visa",
// "mastercard"]`, literals of one type).
//
// The fail-closed rule covers all of them (results.go, Needs.Check): a
// missing path, a value of another type than the predicate implies (a
// string predicate implies a string, `in` its literals' type), a reference
// to a capture that holds nothing or lacks the path, a captured value that
// does not fit the comparison (ordering: two numbers; == and !=: two
// scalars of one type), and a call with no outcome of a tool that a
// `returns`/`fails` atom reads, each make the trace satisfy neither f nor
// !f. So a reference to a value not yet captured can never let a forbidden
// call pass, whatever the predicate's polarity: `never(pay(amount >
// $budget.limit))` rejects a pay before get_budget has returned.
//
// Past operators (Y O H S) may only be applied to formulas without future
// operators or `last` (ErrPastOverFuture). The automaton construction tracks
// every past subformula as a state bit updated from the previous bits and the
// current event; that needs the value of a past subformula at a position to
// be determined by the prefix read so far, which a future operator inside it
// would break. Future operators over past ones are unrestricted.
package ltl
