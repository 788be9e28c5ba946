// Package mona decides LTLf formulas with MONA, as an oracle independent of
// the automata package's construction.
//
// # Encoding
//
// Encode writes the standard first-order translation of LTLf (with past
// operators) over finite traces as an M2L-Str program: string positions are
// first-order variables, the trace is the string, the last position is
// max($). Events are exclusive, so each position carries exactly one letter
// of the alphabet; a letter is a binary code over second-order variables
// B0…B(k-1) (k = ⌈log2 n⌉, at least 1), and when n is not a power of two an
// axiom WF excludes the unused codes (exclusivity is free with a code). An
// atom is the disjunction of the letters on which it holds, decided by
// ltl.Atom.Holds on each letter's representative event; temporal operators
// become quantifiers (X φ at x: ∃y. y = x+1 ∧ φ(y); φ U ψ at x: ∃y ≥ x. ψ(y)
// ∧ ∀z ∈ [x, y). φ(z); Y, O, H, S mirror them backwards; `last` is x =
// max($)). The formula is read at position 0 of a non-empty string, matching
// ltl.Eval: the empty trace satisfies nothing.
//
// # Questions
//
//   - Check runs mona on any program and reads the verdict (valid,
//     satisfiable, unsatisfiable) and MONA's least examples.
//   - Accepts decides one trace: validity of "the string is this trace ⇒ f".
//   - Distinguish / Equivalent: validity of f ⇔ g under the letter axiom,
//     with a shortest separating trace.
//   - BuildDFA reads the automaton `mona -w` prints and runs traces on it
//     here: one MONA process per formula for any number of traces, which is
//     how the tests compare thousands of traces with ltl.Eval and with
//     automata.Compile. MONA's automaton reads a dummy letter first (its
//     M2L-Str encoding); DFA.Accepts does that.
//
// # Why it is an oracle
//
// Nothing here shares code or ideas with formula progression: the meaning of
// each operator is written once as a first-order formula, and MONA's
// automata-theoretic decision procedure (its own BDD-based determinisation
// and minimisation) does the rest. Agreement of three independent readings —
// ltl.Eval, MONA, and automata.Compile — is what the tests check.
//
// # Costs
//
// One mona process per question (a few milliseconds for small formulas).
// MONA's construction is non-elementary in quantifier alternation and, on
// sequential chains F(a1 ∧ X F(a2 ∧ …)), exponential in the chain length
// even though the minimal DFA has K+2 states: with this package's binary
// letter code it stays in milliseconds up to K = 12 but then grows about
// tenfold per two letters (BenchmarkMONAChain, TimeChain). Callers bound it
// with a context: mona is killed when the context ends (ErrTimeout).
//
// # Requirements
//
// The mona binary on PATH (Debian/Ubuntu: apt-get install mona). Without it
// every call that runs mona returns ErrNotInstalled and the tests skip.
package mona
