package ltl

// Eval reports whether trace satisfies f under the standard LTLf semantics on
// finite, non-empty traces, evaluated at position 0. The empty trace satisfies
// nothing (not even `true`): specs speak about runs that happened.
//
// Eval is a direct recursive reading of the semantics, written for clarity,
// not speed. It is the oracle the automata are tested against and the
// reference the decoder's output is checked with, so it must stay independent
// of the automaton construction: do not "optimise" it by sharing code with it.
//
// A trace with a call that the fail-closed rule rejects for the predicates
// of f (Needs.Check: a predicate's argument or result path missing or of
// another type than the predicate implies, a reference to a value not
// captured, or no outcome where a `returns`/`fails` atom needs one)
// satisfies nothing, neither f nor !f: such a call is outside every spec
// that speaks about it. Numbers are compared exactly (Number). Captures
// follow the trace (Captures.After): each event sees the values captured
// before it.
func Eval(f Formula, trace []Event) bool {
	if len(trace) == 0 {
		return false
	}
	if CheckTrace(f, trace) != nil {
		return false
	}
	return (&evaluator{trace: trace, caps: captureStates(f, trace)}).at(f, 0)
}

// CheckTrace returns the first call of trace that the fail-closed rule
// rejects for the predicates of f, or nil. The error is an *ArgTypeError.
func CheckTrace(f Formula, trace []Event) error {
	needs := NeedsOf(f)
	caps := captureStates(f, trace)
	for i, e := range trace {
		if err := needs.Check(e, caps[i]); err != nil {
			return err
		}
	}
	return nil
}

// captureStates returns, per position, the values captured before it.
func captureStates(f Formula, trace []Event) []Captures {
	lets := LetsOf(f)
	out := make([]Captures, len(trace))
	var c Captures
	for i, e := range trace {
		out[i] = c
		if len(lets) > 0 {
			c = c.After(lets, e)
		}
	}
	return out
}

// EvalAt evaluates f at position i of a non-empty trace (0 <= i < len(trace)).
// It does not apply the fail-closed rule (Eval does, once for the trace):
// on a call that breaks it, predicates are simply false.
func EvalAt(f Formula, trace []Event, i int) bool {
	return (&evaluator{trace: trace, caps: captureStates(f, trace)}).at(f, i)
}

type evaluator struct {
	trace []Event
	caps  []Captures
}

func (ev *evaluator) at(f Formula, i int) bool {
	trace := ev.trace
	n := len(trace)
	switch f := f.(type) {
	case *Const:
		return f.Value
	case *Last:
		return i == n-1
	case *Atom:
		return f.HoldsWith(trace[i], ev.caps[i])
	case *Unary:
		switch f.Op {
		case OpNot:
			return !ev.at(f.X, i)
		case OpNext:
			return i+1 < n && ev.at(f.X, i+1)
		case OpWeakNext:
			return i+1 >= n || ev.at(f.X, i+1)
		case OpEventually:
			for j := i; j < n; j++ {
				if ev.at(f.X, j) {
					return true
				}
			}
			return false
		case OpAlways:
			for j := i; j < n; j++ {
				if !ev.at(f.X, j) {
					return false
				}
			}
			return true
		case OpYesterday:
			return i > 0 && ev.at(f.X, i-1)
		case OpOnce:
			for j := i; j >= 0; j-- {
				if ev.at(f.X, j) {
					return true
				}
			}
			return false
		case OpHistorically:
			for j := i; j >= 0; j-- {
				if !ev.at(f.X, j) {
					return false
				}
			}
			return true
		}
	case *Binary:
		switch f.Op {
		case OpAnd:
			return ev.at(f.L, i) && ev.at(f.R, i)
		case OpOr:
			return ev.at(f.L, i) || ev.at(f.R, i)
		case OpImplies:
			return !ev.at(f.L, i) || ev.at(f.R, i)
		case OpIff:
			return ev.at(f.L, i) == ev.at(f.R, i)
		case OpUntil: // exists k>=i: R at k, and L at all i<=j<k
			for k := i; k < n; k++ {
				if ev.at(f.R, k) {
					return true
				}
				if !ev.at(f.L, k) {
					return false
				}
			}
			return false
		case OpWeakUntil: // L U R, or L holds to the end
			for k := i; k < n; k++ {
				if ev.at(f.R, k) {
					return true
				}
				if !ev.at(f.L, k) {
					return false
				}
			}
			return true
		case OpRelease: // R holds up to and including the first L, or to the end
			for k := i; k < n; k++ {
				if !ev.at(f.R, k) {
					return false
				}
				if ev.at(f.L, k) {
					return true
				}
			}
			return true
		case OpSince: // exists k<=i: R at k, and L at all k<j<=i
			for k := i; k >= 0; k-- {
				if ev.at(f.R, k) {
					return true
				}
				if !ev.at(f.L, k) {
					return false
				}
			}
			return false
		}
	}
	panic("ltl.EvalAt: unknown formula node") // unreachable for trees built by this package
}
