// Package automata compiles LTLf formulas over tool-call events to minimal
// deterministic automata and operates on them.
//
// # Alphabet
//
// Events are exclusive (one step kind or one call per position), so the
// alphabet is the declared step kinds plus, per tool, the satisfiable
// minterms of the argument predicates the formulas use on that tool
// (NewAlphabet). A minterm is kept only if concrete arguments realise it:
// per argument the candidate values are the numeric constants, one number
// strictly inside each gap between them and one beyond each end (exact
// decimals, no float rounding), the string constants and a fresh string,
// or both booleans; per-tool minterms are the product over arguments. A
// predicated argument is always present and of its predicate's type: a call
// that breaks this fail-closed rule (ltl.CheckArgs) is in no symbol, and
// Classify returns ErrArgType. NewAlphabetWith takes per-argument domains
// (ArgDomain: kinds, a finite value set, numeric bounds, integers) that the
// caller builds from a tool schema; candidates outside a domain are
// dropped, so an enum of 3 values yields no "none of the 3" symbol, and a
// value outside its domain is ErrArgDomain. Classify maps an event to its
// symbol, Events maps symbols back to concrete events. Several specs
// compared with each other must share one alphabet: build it from all
// their steps, tools and formulas. Limit: DefaultMaxSymbols (ErrSymbolLimit).
//
// # Results and captures
//
// A call symbol has a CALL part, what the model writes (the tool and the
// minterm of its argument predicates), and, for a tool whose outcome some
// `returns` or `fails` atom reads (Alphabet.Observed), a RESULT part, what
// the environment answers: Failed, or Returned with the minterm of the
// result predicates. Alphabet.Calls lists the call parts, Results(sym) the
// symbols sharing sym's call part (the environment's choices). Predicates
// comparing with a captured value (`amount <= $budget.limit`) are symbolic:
// their minterm bits are enumerated from the relation of the two values
// (less, equal, greater, or equal/other for == and !=), since the captured
// value is whatever an earlier call returned; ClassifyAt takes the values
// captured before the event (CaptureState follows a trace; DFA.Run does it).
// A reference to a value not captured, or one of the wrong type, rejects
// the call (ErrArgType), whatever the predicate's polarity. String
// predicates (contains, starts_with, ends_with, matches) keep every
// combination of their truth values that candidate strings do not realise
// as a symbol too (regular expressions cannot be decided here), so the
// alphabet stays complete and over-approximates: such a symbol may never be
// classified. Nested paths (`to.iban`) are grouped as arguments are.
// Events writes a realising result into the most recent earlier call of a
// captured tool; where none exists the event does not realise its symbol.
//
// # Compile
//
// Input: a formula whose atoms are resolved (ltl.AtomStep, AtomTool,
// AtomCall) against the alphabet's steps and tools, with predicates the
// alphabet was built with; past operators (Y O H S) may only have
// propositional or past operands. Output: the minimal DFA accepting exactly
// the non-empty traces that satisfy the formula under ltl.Eval's semantics,
// trimmed (every state can reach acceptance; transitions into the dead
// state are -1) and numbered breadth-first, so equal languages over one
// alphabet give identical automata. The empty language is the DFA with zero
// states and Initial -1; the empty trace is never accepted.
//
// Construction: the formula is put in negation normal form and hash-consed
// (And/Or flattened, sorted, deduplicated, constants absorbed). Each
// maximal past subformula becomes a proposition whose value the DFA state
// carries as bits. A state is (progressed formula, past bits, accepted
// bit); progressing on a symbol evaluates the propositions, rewrites
// X φ → φ, φ U ψ → ψ' ∨ (φ' ∧ φ U ψ), φ R ψ → ψ' ∧ (φ' ∨ φ R ψ), and
// normalises the result to its minimal DNF over non-boolean subformulas,
// which bounds the number of states and terminates. The accepted bit is the
// formula's value if the trace ended at that event (X false, N true, U and
// R by their right operand). Hopcroft's algorithm then minimises
// (O(n·|Σ|·log n)), and trimming drops useless states.
//
// Complexity: the progression automaton can be exponential in the formula
// in the worst case (e.g. "x six positions before the end"); Options.
// MaxStates (default DefaultMaxStates) turns that into an ErrStateLimit
// error, and MaxClauses bounds one progressed formula. Independently of the
// state count, MaxFormulaSize bounds the formulas built and MaxDNFWork the
// normalisation of one formula (both ErrStateLimit, Limit set): deep
// nestings such as f U (f U … U g) have tiny DFAs but would otherwise take
// quadratic memory. On the usual agent
// specs it is small: a sequential chain F(t1 & X F(t2 & …)) over K tools
// has K+1 states and compiles in time polynomial in K (see BenchmarkChain).
//
// # Operations
//
// Product (intersection, union, difference, symmetric difference),
// Complement (within non-empty traces), Minimize, Trim, Equivalent and
// Included with a shortest counterexample (lexicographically least among
// the shortest), Shortest and Witnesses (the k least accepted words by
// length then symbol order), IsUniversal, Distances (shortest completion,
// cached) and Allowed (the symbols that keep acceptance reachable: the
// decoder's mask at the event level). Automata combined must share an
// alphabet (the same pointer or equal symbol lists), else
// ErrAlphabetMismatch. Pair automata are bounded too: ProductLimit,
// EquivalentLimit and IncludedLimit take a state limit (0 means
// DefaultMaxStates), and Product, Equivalent and Included apply
// DefaultMaxStates; exceeding it is an ErrStateLimit error whose Limit is
// the bound (k rules of n states can have n^k pairs).
//
// Every limit error ends by saying what raises it: "(raise it with
// --max-states or Options.MaxStates)" (Error.Option names the field), or
// "(a fixed limit)" for MaxTransitions, MaxClauses, MaxFormulaSize and
// MaxDNFWork, which no option moves.
//
// # Export
//
// WriteJSON, WriteDOT and WriteMermaid; the JSON shape is
//
//	{"states":N,"initial":i,"accepting":[…],"alphabet":[…names…],"transitions":[[from,"symbol",to],…]}
//
// Errors are *Error values whose Kind is one of the Err* sentinels (compare
// with errors.Is); errors about a formula node carry its position and print
// as file:line:col: message. Nothing in this package panics on bad input.
package automata
