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
// A trace with a call whose arguments break the fail-closed rule for the
// predicates of f (CheckArgs: a predicate's argument missing, or of another
// type than the predicate implies) satisfies nothing, neither f nor !f:
// such a call is outside every spec that speaks about that argument.
// Numbers are compared exactly (Number).
func Eval(f Formula, trace []Event) bool {
	if len(trace) == 0 {
		return false
	}
	if CheckTrace(f, trace) != nil {
		return false
	}
	return EvalAt(f, trace, 0)
}

// CheckTrace returns the first call of trace that the fail-closed rule
// rejects for the predicates of f, or nil. The error is an *ArgTypeError.
func CheckTrace(f Formula, trace []Event) error {
	preds := ToolPreds(f)
	for _, e := range trace {
		if e.Tool == "" {
			continue
		}
		if err := CheckArgs(e.Tool, preds[e.Tool], e.Args); err != nil {
			return err
		}
	}
	return nil
}

// EvalAt evaluates f at position i of a non-empty trace (0 <= i < len(trace)).
// It does not apply the fail-closed rule (Eval does, once for the trace):
// on a call that breaks it, predicates are simply false.
func EvalAt(f Formula, trace []Event, i int) bool {
	n := len(trace)
	switch f := f.(type) {
	case *Const:
		return f.Value
	case *Last:
		return i == n-1
	case *Atom:
		return f.Holds(trace[i])
	case *Unary:
		switch f.Op {
		case OpNot:
			return !EvalAt(f.X, trace, i)
		case OpNext:
			return i+1 < n && EvalAt(f.X, trace, i+1)
		case OpWeakNext:
			return i+1 >= n || EvalAt(f.X, trace, i+1)
		case OpEventually:
			for j := i; j < n; j++ {
				if EvalAt(f.X, trace, j) {
					return true
				}
			}
			return false
		case OpAlways:
			for j := i; j < n; j++ {
				if !EvalAt(f.X, trace, j) {
					return false
				}
			}
			return true
		case OpYesterday:
			return i > 0 && EvalAt(f.X, trace, i-1)
		case OpOnce:
			for j := i; j >= 0; j-- {
				if EvalAt(f.X, trace, j) {
					return true
				}
			}
			return false
		case OpHistorically:
			for j := i; j >= 0; j-- {
				if !EvalAt(f.X, trace, j) {
					return false
				}
			}
			return true
		}
	case *Binary:
		switch f.Op {
		case OpAnd:
			return EvalAt(f.L, trace, i) && EvalAt(f.R, trace, i)
		case OpOr:
			return EvalAt(f.L, trace, i) || EvalAt(f.R, trace, i)
		case OpImplies:
			return !EvalAt(f.L, trace, i) || EvalAt(f.R, trace, i)
		case OpIff:
			return EvalAt(f.L, trace, i) == EvalAt(f.R, trace, i)
		case OpUntil: // exists k>=i: R at k, and L at all i<=j<k
			for k := i; k < n; k++ {
				if EvalAt(f.R, trace, k) {
					return true
				}
				if !EvalAt(f.L, trace, k) {
					return false
				}
			}
			return false
		case OpWeakUntil: // L U R, or L holds to the end
			for k := i; k < n; k++ {
				if EvalAt(f.R, trace, k) {
					return true
				}
				if !EvalAt(f.L, trace, k) {
					return false
				}
			}
			return true
		case OpRelease: // R holds up to and including the first L, or to the end
			for k := i; k < n; k++ {
				if !EvalAt(f.R, trace, k) {
					return false
				}
				if EvalAt(f.L, trace, k) {
					return true
				}
			}
			return true
		case OpSince: // exists k<=i: R at k, and L at all k<j<=i
			for k := i; k >= 0; k-- {
				if EvalAt(f.R, trace, k) {
					return true
				}
				if !EvalAt(f.L, trace, k) {
					return false
				}
			}
			return false
		}
	}
	panic("ltl.EvalAt: unknown formula node") // unreachable for trees built by this package
}
