package automata

import (
	"encoding/binary"
	"slices"
	"strconv"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// node kinds of the hash-consed formula factory. The factory holds formulas
// in negation normal form over "propositions": an atom of the alphabet or a
// past subformula whose value the DFA state tracks in its past bits.
type kind uint8

const (
	kTrue kind = iota
	kFalse
	kProp    // a = proposition index
	kNotProp // a = proposition index
	kAnd     // kids, sorted, deduplicated, >= 2
	kOr      // kids, sorted, deduplicated, >= 2
	kNext    // a = operand (strong next)
	kWeak    // a = operand (weak next)
	kUntil   // a U b
	kRelease // a R b
)

type node struct {
	k    kind
	a, b int32
	kids []int32
}

const (
	idTrue  = 0
	idFalse = 1
)

// factory interns formulas as integer ids: equal formulas get equal ids, so
// a DFA state (a progressed formula) is compared by one integer.
type factory struct {
	nodes   []node
	index   map[string]int32
	buf     []byte
	scratch []int32

	// size is the nodes plus operand lists interned so far. Once it would
	// pass MaxFormulaSize, over is set and junction stops interning (it
	// returns false instead); Determinize checks over and fails with
	// ErrStateLimit. Progression flattens And/Or, so a chain of n nested
	// U's progresses to Or nodes of every length 1..n, n²/2 operands for a
	// 2-state DFA: this is what keeps that bounded.
	size int
	over bool
}

// MaxFormulaSize bounds the formulas one compilation builds: each distinct
// subformula costs 1 plus its number of And/Or operands. Beyond it Compile
// fails with ErrStateLimit (Limit = MaxFormulaSize).
const MaxFormulaSize = 1 << 24

func newFactory() *factory {
	f := &factory{index: map[string]int32{}}
	f.intern(node{k: kTrue})
	f.intern(node{k: kFalse})
	return f
}

// lookup finds an interned node without storing n.
func (f *factory) lookup(n node) (int32, bool) {
	f.key(n)
	id, ok := f.index[string(f.buf)]
	return id, ok
}

func (f *factory) key(n node) {
	// Key: kind byte, then a, b and the kids as fixed 4-byte integers.
	b := f.buf[:0]
	b = append(b, byte(n.k))
	b = binary.LittleEndian.AppendUint32(b, uint32(n.a))
	b = binary.LittleEndian.AppendUint32(b, uint32(n.b))
	for _, k := range n.kids {
		b = binary.LittleEndian.AppendUint32(b, uint32(k))
	}
	f.buf = b
}

func (f *factory) intern(n node) int32 {
	f.key(n)
	if id, ok := f.index[string(f.buf)]; ok {
		return id
	}
	id := int32(len(f.nodes))
	f.size += 1 + len(n.kids)
	f.nodes = append(f.nodes, n)
	f.index[string(f.buf)] = id
	return id
}

func (f *factory) prop(p int, neg bool) int32 {
	if neg {
		return f.intern(node{k: kNotProp, a: int32(p)})
	}
	return f.intern(node{k: kProp, a: int32(p)})
}

// junction builds an And (or Or) of xs: flattened, sorted, deduplicated,
// with true/false absorbed and complementary literals p, !p collapsed.
func (f *factory) junction(and bool, xs ...int32) int32 {
	k, unit, zero := kOr, int32(idFalse), int32(idTrue)
	if and {
		k, unit, zero = kAnd, idTrue, idFalse
	}
	if f.over {
		return idFalse // see factory.over
	}
	flat := f.scratch[:0] // copied by intern only when a new node is made
	defer func() { f.scratch = flat[:0] }()
	for _, x := range xs {
		switch {
		case x == zero:
			return zero
		case x == unit:
		case f.nodes[x].k == k:
			flat = append(flat, f.nodes[x].kids...)
		default:
			flat = append(flat, x)
		}
	}
	slices.Sort(flat)
	flat = slices.Compact(flat)
	// Complementary propositions (p & !p) are left to the DNF
	// normalisation of progressed formulas, which drops such clauses.
	switch len(flat) {
	case 0:
		return unit
	case 1:
		return flat[0]
	}
	if id, ok := f.lookup(node{k: k, kids: flat}); ok {
		return id
	}
	if f.over || f.size+1+len(flat) > MaxFormulaSize {
		f.over = true
		return idFalse // meaningless; the caller sees over and fails
	}
	return f.intern(node{k: k, kids: slices.Clone(flat)})
}

func (f *factory) and(xs ...int32) int32 { return f.junction(true, xs...) }
func (f *factory) or(xs ...int32) int32  { return f.junction(false, xs...) }

func (f *factory) next(x int32, weak bool) int32 {
	if weak {
		return f.intern(node{k: kWeak, a: x})
	}
	return f.intern(node{k: kNext, a: x})
}

func (f *factory) until(a, b int32) int32 {
	if b == idTrue || b == idFalse || a == idFalse {
		return b // a U true = true; a U false = false; false U b = b
	}
	return f.intern(node{k: kUntil, a: a, b: b})
}

func (f *factory) release(a, b int32) int32 {
	if b == idTrue || b == idFalse || a == idTrue {
		return b // a R true = true; a R false = false; true R b = b
	}
	return f.intern(node{k: kRelease, a: a, b: b})
}

// pastNode is one past subformula, tracked as one bit of the DFA state.
// For Y the stored bit is the operand's value at the previous position; for
// O, H and S it is the node's own previous value.
type pastNode struct {
	op   ltl.Op
	l, r int32 // operands (factory ids, propositional over props); l unused except for S
}

// builder converts ltl formulas to factory ids in NNF, collecting atoms and
// past subformulas as propositions.
type builder struct {
	fac    *factory
	alpha  *Alphabet
	atoms  []*ltl.Atom // propositions 0..len(atoms)-1
	atomIx map[string]int
	past   []pastNode // proposition len(atoms)+k is past[k]; but atoms may grow, so past props are numbered separately
	pastIx map[string]int
}

// Proposition numbering: atoms are props 0,2,4,...; past nodes 1,3,5,...
// so both sets can grow independently while ids stay stable.
func atomProp(i int) int    { return 2 * i }
func pastProp(i int) int    { return 2*i + 1 }
func propIsPast(p int) bool { return p%2 == 1 }

func (b *builder) atom(a *ltl.Atom) (int, error) {
	if err := b.alpha.checkAtom(a); err != nil {
		return 0, err
	}
	if !b.alpha.knows(a) {
		return 0, errorf(ErrUnknownAtom, a.Pos, "a predicate of %s is not in the alphabet (build it with this formula)", a.String())
	}
	key := strconv.Itoa(int(a.Kind)) + ":" + a.String()
	if i, ok := b.atomIx[key]; ok {
		return atomProp(i), nil
	}
	b.atomIx[key] = len(b.atoms)
	b.atoms = append(b.atoms, a)
	return atomProp(len(b.atoms) - 1), nil
}

// nnf converts f (negated when neg) to a factory id. inPast is set under a
// past operator, where future operators and `last` are rejected.
func (b *builder) nnf(f ltl.Formula, neg, inPast bool) (int32, error) {
	fac := b.fac
	switch f := f.(type) {
	case *ltl.Const:
		if f == nil {
			break
		}
		if f.Value != neg {
			return idTrue, nil
		}
		return idFalse, nil
	case *ltl.Last:
		if f == nil {
			break
		}
		if inPast {
			return 0, errorf(ErrFutureInPast, f.Pos, "`last` under a past operator")
		}
		// last = N false; !last = X true.
		if neg {
			return fac.next(idTrue, false), nil
		}
		return fac.next(idFalse, true), nil
	case *ltl.Atom:
		if f == nil {
			break
		}
		p, err := b.atom(f)
		if err != nil {
			return 0, err
		}
		return fac.prop(p, neg), nil
	case *ltl.Unary:
		if f == nil {
			break
		}
		if f.Op.IsPast() {
			return b.pastUnary(f, neg)
		}
		if f.Op == ltl.OpNot {
			return b.nnf(f.X, !neg, inPast)
		}
		if inPast {
			return 0, errorf(ErrFutureInPast, f.Pos, "future operator %s under a past operator", f.Op)
		}
		x, err := b.nnf(f.X, neg, false)
		if err != nil {
			return 0, err
		}
		switch f.Op {
		case ltl.OpNext: // !X a = N !a
			return fac.next(x, neg), nil
		case ltl.OpWeakNext: // !N a = X !a
			return fac.next(x, !neg), nil
		case ltl.OpEventually: // F a = true U a; !F a = G !a = false R !a
			if neg {
				return fac.release(idFalse, x), nil
			}
			return fac.until(idTrue, x), nil
		case ltl.OpAlways:
			if neg {
				return fac.until(idTrue, x), nil
			}
			return fac.release(idFalse, x), nil
		}
	case *ltl.Binary:
		if f == nil {
			break
		}
		if f.Op == ltl.OpSince {
			return b.pastSince(f, neg)
		}
		if inPast && f.Op.IsTemporal() {
			return 0, errorf(ErrFutureInPast, f.Pos, "future operator %s under a past operator", f.Op)
		}
		switch f.Op {
		case ltl.OpAnd, ltl.OpOr:
			l, err := b.nnf(f.L, neg, inPast)
			if err != nil {
				return 0, err
			}
			r, err := b.nnf(f.R, neg, inPast)
			if err != nil {
				return 0, err
			}
			return fac.junction((f.Op == ltl.OpAnd) != neg, l, r), nil
		case ltl.OpImplies: // a -> b = !a | b; negated: a & !b
			l, err := b.nnf(f.L, !neg, inPast)
			if err != nil {
				return 0, err
			}
			r, err := b.nnf(f.R, neg, inPast)
			if err != nil {
				return 0, err
			}
			if neg {
				return fac.and(l, r), nil
			}
			return fac.or(l, r), nil
		case ltl.OpIff: // (a & b) | (!a & !b); negated: (a & !b) | (!a & b)
			lp, err := b.nnf(f.L, false, inPast)
			if err != nil {
				return 0, err
			}
			ln, err := b.nnf(f.L, true, inPast)
			if err != nil {
				return 0, err
			}
			rp, err := b.nnf(f.R, neg, inPast)
			if err != nil {
				return 0, err
			}
			rn, err := b.nnf(f.R, !neg, inPast)
			if err != nil {
				return 0, err
			}
			return fac.or(fac.and(lp, rp), fac.and(ln, rn)), nil
		case ltl.OpUntil, ltl.OpRelease, ltl.OpWeakUntil:
			l, err := b.nnf(f.L, neg, false)
			if err != nil {
				return 0, err
			}
			r, err := b.nnf(f.R, neg, false)
			if err != nil {
				return 0, err
			}
			switch {
			case f.Op == ltl.OpUntil && !neg, f.Op == ltl.OpRelease && neg:
				return fac.until(l, r), nil
			case f.Op == ltl.OpRelease && !neg, f.Op == ltl.OpUntil && neg:
				return fac.release(l, r), nil
			case !neg: // a W b = b R (a | b)
				return fac.release(r, fac.or(l, r)), nil
			default: // !(a W b) = !b U (!a & !b); l, r are already negated
				return fac.until(r, fac.and(l, r)), nil
			}
		}
	}
	return 0, errorf(ErrBadFormula, posOf(f), "unsupported formula node %T", f)
}

func posOf(f ltl.Formula) ltl.Pos {
	defer func() { _ = recover() }() // a typed nil node has no position
	if f == nil {
		return ltl.Pos{}
	}
	return f.Position()
}

func (b *builder) addPast(n pastNode) int {
	key := strconv.Itoa(int(n.op)) + ":" + strconv.Itoa(int(n.l)) + "," + strconv.Itoa(int(n.r))
	if i, ok := b.pastIx[key]; ok {
		return pastProp(i)
	}
	b.pastIx[key] = len(b.past)
	b.past = append(b.past, n)
	return pastProp(len(b.past) - 1)
}

func (b *builder) pastUnary(f *ltl.Unary, neg bool) (int32, error) {
	x, err := b.nnf(f.X, false, true)
	if err != nil {
		return 0, err
	}
	p := b.addPast(pastNode{op: f.Op, r: x})
	return b.fac.prop(p, neg), nil
}

func (b *builder) pastSince(f *ltl.Binary, neg bool) (int32, error) {
	l, err := b.nnf(f.L, false, true)
	if err != nil {
		return 0, err
	}
	r, err := b.nnf(f.R, false, true)
	if err != nil {
		return 0, err
	}
	p := b.addPast(pastNode{op: ltl.OpSince, l: l, r: r})
	return b.fac.prop(p, neg), nil
}

// String prints a factory formula (for debugging and error messages).
func (b *builder) String(id int32) string {
	n := b.fac.nodes[id]
	switch n.k {
	case kTrue:
		return "true"
	case kFalse:
		return "false"
	case kProp, kNotProp:
		s := ""
		if propIsPast(int(n.a)) {
			s = "past" + strconv.Itoa(int(n.a)/2)
		} else {
			s = b.atoms[n.a/2].String()
		}
		if n.k == kNotProp {
			return "!" + s
		}
		return s
	case kAnd, kOr:
		parts := make([]string, len(n.kids))
		for i, k := range n.kids {
			parts[i] = b.String(k)
		}
		sep := " & "
		if n.k == kOr {
			sep = " | "
		}
		return "(" + strings.Join(parts, sep) + ")"
	case kNext:
		return "X " + b.String(n.a)
	case kWeak:
		return "N " + b.String(n.a)
	case kUntil:
		return "(" + b.String(n.a) + " U " + b.String(n.b) + ")"
	case kRelease:
		return "(" + b.String(n.a) + " R " + b.String(n.b) + ")"
	}
	return "?"
}
