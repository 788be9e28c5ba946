package ltl

// Formula returns the conjunction of all rules (left-nested in rule order),
// or `true` when the spec has no rules.
func (s *Spec) Formula() Formula {
	if len(s.Rules) == 0 {
		return &Const{Pos: s.Pos, Value: true}
	}
	f := s.Rules[0].Formula
	for _, r := range s.Rules[1:] {
		f = &Binary{Pos: r.Pos, Op: OpAnd, L: f, R: r.Formula}
	}
	return f
}

// WalkAtoms calls fn on every atom of f, left to right.
func WalkAtoms(f Formula, fn func(*Atom)) {
	switch f := f.(type) {
	case *Atom:
		fn(f)
	case *Unary:
		WalkAtoms(f.X, fn)
	case *Binary:
		WalkAtoms(f.L, fn)
		WalkAtoms(f.R, fn)
	}
}

// Size is the number of nodes of f.
func Size(f Formula) int {
	switch f := f.(type) {
	case *Unary:
		return 1 + Size(f.X)
	case *Binary:
		return 1 + Size(f.L) + Size(f.R)
	case nil:
		return 0
	}
	return 1
}

// HasFuture reports whether f contains a future operator (X N F G U R W) or `last`.
func HasFuture(f Formula) bool {
	switch f := f.(type) {
	case *Last:
		return true
	case *Unary:
		return (f.Op.IsTemporal() && !f.Op.IsPast()) || HasFuture(f.X)
	case *Binary:
		return (f.Op.IsTemporal() && !f.Op.IsPast()) || HasFuture(f.L) || HasFuture(f.R)
	}
	return false
}

// Equal reports whether a and b are the same tree (positions ignored).
func Equal(a, b Formula) bool {
	switch a := a.(type) {
	case *Const:
		b, ok := b.(*Const)
		return ok && a.Value == b.Value
	case *Last:
		_, ok := b.(*Last)
		return ok
	case *Atom:
		b, ok := b.(*Atom)
		if !ok || a.Kind != b.Kind || a.Name != b.Name || len(a.Preds) != len(b.Preds) {
			return false
		}
		for i := range a.Preds {
			if a.Preds[i].String() != b.Preds[i].String() {
				return false
			}
		}
		return true
	case *Unary:
		b, ok := b.(*Unary)
		return ok && a.Op == b.Op && Equal(a.X, b.X)
	case *Binary:
		b, ok := b.(*Binary)
		return ok && a.Op == b.Op && Equal(a.L, b.L) && Equal(a.R, b.R)
	}
	return false
}

// NNF returns f in negation normal form: -> and <-> are eliminated, and
// negation is pushed through boolean and future operators using their duals
// (!X a = N !a, !F a = G !a, !(a U b) = !a R !b, !(a W b) = !b U (!a & !b)),
// so it is left only in front of atoms, `last`, and past operators. Past
// operators have no weak duals in the AST, so `!` stays in front of them;
// their operands are put in NNF. <-> is expanded into two conjunctions, which
// doubles its operands (nested <-> grow exponentially). The result has the
// same Eval value as f on every trace. f is not modified.
func NNF(f Formula) Formula { return nnf(f, false) }

func neg(f Formula) Formula { return &Unary{Pos: f.Position(), Op: OpNot, X: f} }

func nnf(f Formula, negate bool) Formula {
	switch f := f.(type) {
	case *Const:
		return &Const{Pos: f.Pos, Value: f.Value != negate}
	case *Last, *Atom:
		g := clone(f)
		if negate {
			return neg(g)
		}
		return g
	case *Unary:
		p := f.Pos
		switch f.Op {
		case OpNot:
			return nnf(f.X, !negate)
		case OpNext, OpWeakNext:
			op := f.Op
			if negate {
				op = OpNext + OpWeakNext - op
			}
			return &Unary{Pos: p, Op: op, X: nnf(f.X, negate)}
		case OpEventually, OpAlways:
			op := f.Op
			if negate {
				op = OpEventually + OpAlways - op
			}
			return &Unary{Pos: p, Op: op, X: nnf(f.X, negate)}
		default: // past
			g := &Unary{Pos: p, Op: f.Op, X: nnf(f.X, false)}
			if negate {
				return neg(g)
			}
			return g
		}
	case *Binary:
		p := f.Pos
		switch f.Op {
		case OpAnd, OpOr:
			op := f.Op
			if negate {
				op = OpAnd + OpOr - op
			}
			return &Binary{Pos: p, Op: op, L: nnf(f.L, negate), R: nnf(f.R, negate)}
		case OpImplies: // a -> b = !a | b; !(a -> b) = a & !b
			if negate {
				return &Binary{Pos: p, Op: OpAnd, L: nnf(f.L, false), R: nnf(f.R, true)}
			}
			return &Binary{Pos: p, Op: OpOr, L: nnf(f.L, true), R: nnf(f.R, false)}
		case OpIff: // a <-> b = (a & b) | (!a & !b); !(a <-> b) = (a & !b) | (!a & b)
			return &Binary{Pos: p, Op: OpOr,
				L: &Binary{Pos: p, Op: OpAnd, L: nnf(f.L, false), R: nnf(f.R, negate)},
				R: &Binary{Pos: p, Op: OpAnd, L: nnf(f.L, true), R: nnf(f.R, !negate)}}
		case OpUntil, OpRelease:
			op := f.Op
			if negate {
				op = OpUntil + OpRelease - op
			}
			return &Binary{Pos: p, Op: op, L: nnf(f.L, negate), R: nnf(f.R, negate)}
		case OpWeakUntil:
			if negate { // !(a W b) = !b U (!a & !b)
				return &Binary{Pos: p, Op: OpUntil, L: nnf(f.R, true),
					R: &Binary{Pos: p, Op: OpAnd, L: nnf(f.L, true), R: nnf(f.R, true)}}
			}
			return &Binary{Pos: p, Op: OpWeakUntil, L: nnf(f.L, false), R: nnf(f.R, false)}
		default: // since
			g := &Binary{Pos: p, Op: f.Op, L: nnf(f.L, false), R: nnf(f.R, false)}
			if negate {
				return neg(g)
			}
			return g
		}
	}
	return f
}

// Simplify folds constants (a & true = a, a U false = false, F true = true,
// G false = false, X false = false, N true = true, ...), removes double
// negation, idempotent & and |, and repeated F F / G G / O O / H H. The result
// has the same Eval value as f on every (non-empty) trace. f is not modified.
func Simplify(f Formula) Formula {
	switch f := f.(type) {
	case *Unary:
		x := Simplify(f.X)
		p := f.Pos
		c, isConst := x.(*Const)
		switch f.Op {
		case OpNot:
			if isConst {
				return &Const{Pos: p, Value: !c.Value}
			}
			if u, ok := x.(*Unary); ok && u.Op == OpNot {
				return u.X
			}
		case OpNext, OpYesterday: // strong: X true is false at the last position
			if isConst && !c.Value {
				return c
			}
		case OpWeakNext:
			if isConst && c.Value {
				return c
			}
		case OpEventually, OpAlways, OpOnce, OpHistorically:
			if isConst {
				return c
			}
			if u, ok := x.(*Unary); ok && u.Op == f.Op {
				return u
			}
		}
		return &Unary{Pos: p, Op: f.Op, X: x}
	case *Binary:
		l, r := Simplify(f.L), Simplify(f.R)
		return simplifyBinary(f.Pos, f.Op, l, r)
	case *Const:
		c := *f
		return &c
	}
	return clone(f)
}

func simplifyBinary(p Pos, op Op, l, r Formula) Formula {
	lc, lok := l.(*Const)
	rc, rok := r.(*Const)
	not := func(x Formula) Formula { return Simplify(neg(x)) }
	switch op {
	case OpAnd:
		switch {
		case lok && !lc.Value, rok && !rc.Value:
			return &Const{Pos: p, Value: false}
		case lok:
			return r
		case rok:
			return l
		case Equal(l, r):
			return l
		}
	case OpOr:
		switch {
		case lok && lc.Value, rok && rc.Value:
			return &Const{Pos: p, Value: true}
		case lok:
			return r
		case rok:
			return l
		case Equal(l, r):
			return l
		}
	case OpImplies:
		switch {
		case lok && !lc.Value, rok && rc.Value:
			return &Const{Pos: p, Value: true}
		case lok:
			return r
		case rok:
			return not(l)
		}
	case OpIff:
		switch {
		case lok && lc.Value:
			return r
		case rok && rc.Value:
			return l
		case lok:
			return not(r)
		case rok:
			return not(l)
		}
	case OpUntil:
		switch {
		case rok:
			return rc
		case lok && lc.Value:
			return &Unary{Pos: p, Op: OpEventually, X: r}
		case lok:
			return r
		}
	case OpRelease:
		switch {
		case rok:
			return rc
		case lok && lc.Value:
			return r
		case lok:
			return &Unary{Pos: p, Op: OpAlways, X: r}
		}
	case OpWeakUntil:
		switch {
		case rok && rc.Value, lok && lc.Value:
			return &Const{Pos: p, Value: true}
		case rok:
			return &Unary{Pos: p, Op: OpAlways, X: l}
		case lok:
			return r
		}
	case OpSince:
		switch {
		case rok:
			return rc
		case lok && lc.Value:
			return &Unary{Pos: p, Op: OpOnce, X: r}
		case lok:
			return r
		}
	}
	return &Binary{Pos: p, Op: op, L: l, R: r}
}
