package automata

import (
	"slices"

	"github.com/specplan/specplan/ltl"
)

// DefaultMaxStates is the state limit Compile applies when Options.MaxStates is 0.
const DefaultMaxStates = 100000

// MaxTransitions bounds states × symbols of one automaton under
// construction (the transition table's size), so that a large alphabet
// cannot exhaust memory below MaxStates; it is reported as ErrStateLimit.
const MaxTransitions = 1 << 26

// Options bound a compilation.
type Options struct {
	// MaxStates limits the states of the automaton built by progression
	// (before minimisation); exceeding it is an ErrStateLimit error.
	// 0 means DefaultMaxStates.
	MaxStates int
}

// Compile translates f to the minimal trimmed DFA accepting exactly the
// non-empty traces over a that satisfy f (ltl.Eval semantics). Every atom of
// f must be resolved and known to a (build a with NewAlphabet from f).
func Compile(f ltl.Formula, a *Alphabet, opts Options) (*DFA, error) {
	d, err := Determinize(f, a, opts)
	if err != nil {
		return nil, err
	}
	return Minimize(d), nil
}

// Determinize builds the DFA of f by formula progression, without
// minimisation: states are (progressed formula, past bits, accepted bit),
// reachable from the initial state; the state whose formula is false and
// that does not accept is the dead state and left out (-1). It is exported
// so tests and tools can compare it with Compile's minimal automaton.
func Determinize(f ltl.Formula, a *Alphabet, opts Options) (*DFA, error) {
	f = withCapturesBound(f)
	if a == nil {
		return nil, errorf(ErrBadFormula, ltl.Pos{}, "nil alphabet")
	}
	max := opts.MaxStates
	if max <= 0 {
		max = DefaultMaxStates
	}
	b := &builder{fac: newFactory(), alpha: a, atomIx: map[string]int{}, pastIx: map[string]int{}}
	root, err := b.nnf(f, false, false)
	if err != nil {
		return nil, err
	}
	p := &progressor{b: b, nsym: len(a.Symbols)}
	p.init()
	if root, err = p.normal(root); err != nil {
		return nil, err
	}

	type key struct {
		f    int32
		acc  bool
		bits string
	}
	var (
		states []key
		index  = map[key]int{}
		trans  [][]int32
	)
	add := func(k key) (int, error) {
		if i, ok := index[k]; ok {
			return i, nil
		}
		if len(states) >= max || (len(states)+1)*len(a.Symbols) > MaxTransitions {
			if len(states) < max {
				return 0, limitError(ErrStateLimit, posOf(f), MaxTransitions, "", "", "DFA exceeds MaxTransitions = %d (states × %d symbols)", MaxTransitions, len(a.Symbols))
			}
			return 0, limitError(ErrStateLimit, posOf(f), max, "MaxStates", "--max-states", "DFA exceeds MaxStates = %d states", max)
		}
		index[k] = len(states)
		states = append(states, k)
		return len(states) - 1, nil
	}
	init := key{f: root, bits: p.canon(root, p.initialBits())}
	if _, err := add(init); err != nil {
		return nil, err
	}
	cur := make([]bool, len(b.past))
	for q := 0; q < len(states); q++ {
		st := states[q]
		row := make([]int32, len(a.Symbols))
		for s := range a.Symbols {
			p.pastValues(s, st.bits, cur)
			nf, acc := p.progress(st.f, s, cur)
			nf, err = p.normal(nf)
			if err != nil {
				return nil, err
			}
			if nf == idFalse && !acc {
				row[s] = -1
				continue
			}
			t, err := add(key{f: nf, acc: acc, bits: p.canon(nf, p.nextBits(s, cur))})
			if err != nil {
				return nil, err
			}
			row[s] = int32(t)
		}
		trans = append(trans, row)
	}
	accepting := make([]bool, len(states))
	for i, k := range states {
		accepting[i] = k.acc
	}
	return &DFA{Alphabet: a, Initial: 0, Accepting: accepting, Trans: trans}, nil
}

// progressor evaluates propositions on symbols and progresses formulas.
type progressor struct {
	b        *builder
	nsym     int
	atomTrue [][]bool // [atom][symbol]
	usesPast map[int32]bool
	dnfMemo  map[int32][][]int32
	normMemo map[int32]int32

	// work counts the DNF work of the current normal call (clauses built,
	// their literals, and absorption comparisons), bounded by MaxDNFWork;
	// memoWork is what the clause lists in dnfMemo cost since it was last
	// emptied. Together they bound Compile's time and memory in the DNF
	// step, which MaxStates cannot: a right-nested chain F f U … U g has a
	// 4-state DFA but nodes whose clause lists grow linearly with the depth.
	work     int
	memoWork int

	// per-(state, symbol) memo of progress, reset by bumping gen.
	gen   uint32
	stamp []uint32
	res   []progRes
	stack []int32
}

type progRes struct {
	f   int32
	acc bool
}

func (p *progressor) init() {
	a := p.b.alpha
	p.atomTrue = make([][]bool, len(p.b.atoms))
	for i, at := range p.b.atoms {
		row := make([]bool, p.nsym)
		for s := range row {
			row[s] = a.Holds(at, s)
		}
		p.atomTrue[i] = row
	}
	p.usesPast = map[int32]bool{}
	p.dnfMemo = map[int32][][]int32{}
	p.normMemo = map[int32]int32{}
}

// MaxClauses bounds the disjunctive normal form of one progressed formula;
// beyond it Compile fails with ErrStateLimit rather than run away.
const MaxClauses = 20000

// MaxDNFWork bounds the work of normalising one progressed formula: each
// clause built costs 1 plus its length, and removing subsumed clauses costs
// one unit per comparison. Beyond it Compile fails with ErrStateLimit
// (Limit = MaxDNFWork). The memoised clause lists shared between
// normalisations are dropped once they cost more than MaxDNFWork, so they
// are a cache of bounded size rather than a leak over all states.
const MaxDNFWork = 1 << 22

func formulaSizeError() *Error {
	return limitError(ErrStateLimit, ltl.Pos{}, MaxFormulaSize, "", "", "progressed formulas exceed MaxFormulaSize = %d (subformulas plus And/Or operands)", MaxFormulaSize)
}

func dnfWorkError() *Error {
	return limitError(ErrStateLimit, ltl.Pos{}, MaxDNFWork, "", "", "normalising a progressed formula exceeds MaxDNFWork = %d (clauses built and compared)", MaxDNFWork)
}

// normal rewrites a progressed formula to its canonical form: the minimal
// disjunctive normal form (no clause contains another) over the formula's
// non-boolean subformulas (propositions, X, N, U, R nodes). Progression only
// ever produces positive boolean combinations of subformulas of the input,
// so canonical forms are finitely many and the construction terminates;
// without this step equivalent formulas such as a | (a & b) would keep
// growing as distinct states.
func (p *progressor) normal(id int32) (int32, error) {
	// Every formula Determinize builds (by nnf, progress or here) passes
	// through normal, so this is where the factory's bound is reported.
	if p.b.fac.over {
		return 0, formulaSizeError()
	}
	if r, ok := p.normMemo[id]; ok {
		return r, nil
	}
	if p.memoWork > MaxDNFWork {
		clear(p.dnfMemo)
		p.memoWork = 0
	}
	p.work = 0
	d, err := p.dnf(id)
	if err != nil {
		return 0, err
	}
	fac := p.b.fac
	ors := make([]int32, len(d))
	for i, c := range d {
		ors[i] = fac.and(c...)
	}
	r := fac.or(ors...)
	if fac.over {
		return 0, formulaSizeError()
	}
	p.normMemo[id] = r
	p.normMemo[r] = r
	return r, nil
}

func (p *progressor) dnf(id int32) ([][]int32, error) {
	if d, ok := p.dnfMemo[id]; ok {
		return d, nil
	}
	fac := p.b.fac
	n := fac.nodes[id]
	var out [][]int32
	switch {
	case id == idTrue || (n.k == kWeak && n.a == idTrue):
		out = [][]int32{{}}
	case id == idFalse || (n.k == kNext && n.a == idFalse):
		out = nil
	case n.k == kOr:
		for _, k := range n.kids {
			d, err := p.dnf(k)
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
			p.work += len(d)
		}
		if p.work > MaxDNFWork {
			return nil, dnfWorkError()
		}
		var cmp int
		out, cmp = absorb(out, MaxDNFWork-p.work)
		if p.work += cmp; p.work > MaxDNFWork {
			return nil, dnfWorkError()
		}
	case n.k == kAnd:
		out = [][]int32{{}}
		for _, k := range n.kids {
			d, err := p.dnf(k)
			if err != nil {
				return nil, err
			}
			var next [][]int32
			for _, c := range out {
				for _, e := range d {
					m := mergeClause(c, e)
					next = append(next, m)
					p.work += 1 + len(m)
				}
				if p.work > MaxDNFWork {
					return nil, dnfWorkError()
				}
			}
			var cmp int
			out, cmp = absorb(next, MaxDNFWork-p.work)
			if p.work += cmp; p.work > MaxDNFWork {
				return nil, dnfWorkError()
			}
			if len(out) > MaxClauses {
				return nil, limitError(ErrStateLimit, ltl.Pos{}, MaxClauses, "", "", "progressed formula exceeds MaxClauses = %d clauses", MaxClauses)
			}
		}
	default:
		out = [][]int32{{id}}
	}
	// Drop clauses with complementary propositions.
	k := 0
	for _, c := range out {
		if !p.contradictory(c) {
			out[k] = c
			k++
		}
	}
	out = out[:k]
	p.dnfMemo[id] = out
	p.memoWork += 1 + len(out)
	for _, c := range out {
		p.memoWork += len(c)
	}
	return out, nil
}

func (p *progressor) contradictory(c []int32) bool {
	if len(c) < 2 {
		return false
	}
	nodes := p.b.fac.nodes
	pos := map[int32]bool{}
	for _, x := range c {
		if nodes[x].k == kProp {
			pos[nodes[x].a] = true
		}
	}
	for _, x := range c {
		if nodes[x].k == kNotProp && pos[nodes[x].a] {
			return true
		}
	}
	return false
}

// mergeClause is the sorted union of two sorted clauses.
func mergeClause(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// absorb removes duplicate clauses and clauses that contain another one,
// and sorts the rest, giving the canonical minimal DNF. It also returns the
// number of clause comparisons made, and stops early (with a partial
// result) once that exceeds budget: the caller then fails with
// ErrStateLimit, since absorption is quadratic in the clauses.
func absorb(cs [][]int32, budget int) ([][]int32, int) {
	slices.SortFunc(cs, func(x, y []int32) int {
		if len(x) != len(y) {
			return len(x) - len(y)
		}
		return slices.Compare(x, y)
	})
	var out [][]int32
	cmp := len(cs) // the sort, roughly
	for _, c := range cs {
		keep := true
		j := 0
		for ; j < len(out); j++ {
			if subset(out[j], c) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, c)
		}
		if cmp += j; cmp > budget {
			break
		}
	}
	return out, cmp
}

// subset reports whether sorted a ⊆ sorted b.
func subset(a, b []int32) bool {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return false
		}
		j++
	}
	return true
}

func (p *progressor) initialBits() []byte {
	bits := make([]byte, len(p.b.past))
	for k, n := range p.b.past {
		if n.op == ltl.OpHistorically {
			bits[k] = 1
		}
	}
	return bits
}

// canon drops the past bits of formulas that mention no past proposition:
// their future never reads them, so the states would only differ in noise.
func (p *progressor) canon(f int32, bits []byte) string {
	if len(bits) == 0 || !p.mentionsPast(f) {
		return ""
	}
	return string(bits)
}

func (p *progressor) mentionsPast(f int32) bool {
	if v, ok := p.usesPast[f]; ok {
		return v
	}
	n := p.b.fac.nodes[f]
	v := false
	switch n.k {
	case kProp, kNotProp:
		v = propIsPast(int(n.a))
	case kAnd, kOr:
		for _, k := range n.kids {
			if p.mentionsPast(k) {
				v = true
				break
			}
		}
	case kNext, kWeak:
		v = p.mentionsPast(n.a)
	case kUntil, kRelease:
		v = p.mentionsPast(n.a) || p.mentionsPast(n.b)
	}
	p.usesPast[f] = v
	return v
}

// pastValues computes the value of every past node at the current position
// (symbol s), given the bits stored by the previous position. Nodes are in
// creation order, which is bottom-up.
func (p *progressor) pastValues(s int, bits string, cur []bool) {
	if len(cur) == 0 {
		return
	}
	stored := func(k int) bool {
		if bits == "" { // canonicalised away: use initial values
			return p.b.past[k].op == ltl.OpHistorically
		}
		return bits[k] == 1
	}
	for k, n := range p.b.past {
		switch n.op {
		case ltl.OpYesterday:
			cur[k] = stored(k)
		case ltl.OpOnce:
			cur[k] = p.evalProp(n.r, s, cur) || stored(k)
		case ltl.OpHistorically:
			cur[k] = p.evalProp(n.r, s, cur) && stored(k)
		case ltl.OpSince:
			cur[k] = p.evalProp(n.r, s, cur) || (p.evalProp(n.l, s, cur) && stored(k))
		}
	}
}

// nextBits is what the next position needs: Y stores its operand's value
// now; O, H, S store their own value now.
func (p *progressor) nextBits(s int, cur []bool) []byte {
	bits := make([]byte, len(cur))
	for k, n := range p.b.past {
		v := cur[k]
		if n.op == ltl.OpYesterday {
			v = p.evalProp(n.r, s, cur)
		}
		if v {
			bits[k] = 1
		}
	}
	return bits
}

func (p *progressor) propValue(prop int, s int, cur []bool) bool {
	if propIsPast(prop) {
		return cur[prop/2]
	}
	return p.atomTrue[prop/2][s]
}

// evalProp evaluates a propositional factory formula at the current position.
func (p *progressor) evalProp(id int32, s int, cur []bool) bool {
	n := p.b.fac.nodes[id]
	switch n.k {
	case kTrue:
		return true
	case kProp:
		return p.propValue(int(n.a), s, cur)
	case kNotProp:
		return !p.propValue(int(n.a), s, cur)
	case kAnd:
		for _, k := range n.kids {
			if !p.evalProp(k, s, cur) {
				return false
			}
		}
		return true
	case kOr:
		for _, k := range n.kids {
			if p.evalProp(k, s, cur) {
				return true
			}
		}
		return false
	}
	return false // kFalse; temporal nodes never occur under past operators
}

// progress returns the formula the rest of the trace must satisfy after the
// current event (symbol s), and whether the trace ending at this event
// satisfies f (X false, N true, U/R by their right operand).
func (p *progressor) progress(f int32, s int, cur []bool) (int32, bool) {
	p.gen++
	return p.prog(f, s, cur)
}

func (p *progressor) prog(id int32, s int, cur []bool) (int32, bool) {
	if int(id) < len(p.stamp) && p.stamp[id] == p.gen {
		r := p.res[id]
		return r.f, r.acc
	}
	fac := p.b.fac
	n := fac.nodes[id]
	var out int32
	var acc bool
	switch n.k {
	case kTrue:
		out, acc = idTrue, true
	case kFalse:
		out, acc = idFalse, false
	case kProp, kNotProp:
		acc = p.propValue(int(n.a), s, cur) == (n.k == kProp)
		out = idFalse
		if acc {
			out = idTrue
		}
	case kAnd, kOr:
		isAnd := n.k == kAnd
		acc = isAnd
		// The children's results go on a shared stack (no allocation per
		// node); junction copies them.
		base := len(p.stack)
		for _, k := range n.kids {
			f, a := p.prog(k, s, cur)
			p.stack = append(p.stack, f)
			if isAnd {
				acc = acc && a
			} else {
				acc = acc || a
			}
		}
		out = fac.junction(isAnd, p.stack[base:]...)
		p.stack = p.stack[:base]
	case kNext:
		out, acc = n.a, false
	case kWeak:
		out, acc = n.a, true
	case kUntil: // a U b = b | (a & X(a U b))
		pa, _ := p.prog(n.a, s, cur)
		pb, ab := p.prog(n.b, s, cur)
		out, acc = fac.or(pb, fac.and(pa, id)), ab
	case kRelease: // a R b = b & (a | N(a R b))
		pa, _ := p.prog(n.a, s, cur)
		pb, ab := p.prog(n.b, s, cur)
		out, acc = fac.and(pb, fac.or(pa, id)), ab
	}
	for len(p.stamp) < len(fac.nodes) {
		p.stamp = append(p.stamp, 0)
		p.res = append(p.res, progRes{})
	}
	p.stamp[id] = p.gen
	p.res[id] = progRes{out, acc}
	return out, acc
}

// withCapturesBound conjoins to f what the fail-closed rule says of its
// references: a call whose predicate refers to $NAME (a capture of tool S)
// needs the most recent earlier call of S to have returned:
// G(T -> Y(!S S S returned)) for argument predicates of T, and
// G(T returned -> Y(…)) for result predicates. Classify rejects such a
// call anyway; with the condition in the automaton its language holds
// only words some concrete trace realises, as far as captures go, which
// Check, Witnesses and the decoder's planning need. Eval's verdicts are
// unchanged: a trace breaking it satisfies neither f nor !f.
func withCapturesBound(f ltl.Formula) ltl.Formula {
	type need struct {
		tool, captured string
		result         bool
	}
	var needs []need
	seen := map[need]bool{}
	var pos ltl.Pos
	safeWalkAtoms(f, func(at *ltl.Atom) {
		add := func(ps []ltl.Pred, result bool) {
			for _, p := range ps {
				if p.Ref == nil {
					continue
				}
				n := need{tool: at.Name, captured: p.Ref.Tool, result: result}
				if !seen[n] {
					seen[n] = true
					needs = append(needs, n)
					pos = p.Ref.Pos
				}
			}
		}
		add(at.Preds, false)
		add(at.Result, true)
	})
	if len(needs) == 0 {
		return f
	}
	atom := func(tool string, returned bool) ltl.Formula {
		return &ltl.Atom{Pos: pos, Kind: ltl.AtomTool, Name: tool, Returns: returned}
	}
	out := f
	for _, n := range needs {
		bound := &ltl.Unary{Pos: pos, Op: ltl.OpYesterday, X: &ltl.Binary{Pos: pos, Op: ltl.OpSince,
			L: &ltl.Unary{Pos: pos, Op: ltl.OpNot, X: atom(n.captured, false)}, R: atom(n.captured, true)}}
		out = &ltl.Binary{Pos: pos, Op: ltl.OpAnd, L: out, R: &ltl.Unary{Pos: pos, Op: ltl.OpAlways,
			X: &ltl.Binary{Pos: pos, Op: ltl.OpImplies, L: atom(n.tool, n.result), R: bound}}}
	}
	return out
}

// safeWalkAtoms is ltl.WalkAtoms that skips nil nodes: Determinize reports
// malformed trees with an error, it must not panic before.
func safeWalkAtoms(f ltl.Formula, fn func(*ltl.Atom)) {
	switch f := f.(type) {
	case *ltl.Atom:
		if f != nil {
			fn(f)
		}
	case *ltl.Unary:
		if f != nil {
			safeWalkAtoms(f.X, fn)
		}
	case *ltl.Binary:
		if f != nil {
			safeWalkAtoms(f.L, fn)
			safeWalkAtoms(f.R, fn)
		}
	}
}
