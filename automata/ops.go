package automata

import "github.com/specplan/specplan/ltl"

// BoolOp combines two languages in Product.
type BoolOp uint8

const (
	Intersect  BoolOp = iota + 1 // L(a) ∩ L(b)
	Union                        // L(a) ∪ L(b)
	Difference                   // L(a) \ L(b)
	SymDiff                      // L(a) △ L(b)
)

func (op BoolOp) apply(x, y bool) bool {
	switch op {
	case Intersect:
		return x && y
	case Union:
		return x || y
	case Difference:
		return x && !y
	case SymDiff:
		return x != y
	}
	return false
}

func checkSame(a, b *DFA) error {
	if a == nil || b == nil || !a.Alphabet.Same(b.Alphabet) {
		return errorf(ErrAlphabetMismatch, ltl.Pos{}, "automata are over different alphabets (build one alphabet from both specs)")
	}
	return nil
}

// pairDFA is a pair automaton with its BFS tree: parent/via record, per
// pair, the pair and symbol it was first reached from (for counterexamples).
type pairDFA struct {
	d      *DFA
	parent []int32
	via    []int32
}

// explore builds the reachable pairs of a and b (-1 standing for a dead
// component), breadth-first with symbols in increasing order. accept
// decides acceptance of a pair. Pairs where both components are dead are
// left out unless keepBothDead. maxStates bounds the pairs explored (0 or less: DefaultMaxStates), and
// MaxTransitions the pair table, as Determinize bounds Compile: products
// of small automata can be exponentially large (k rules of n states give
// up to n^k pairs), and callers multiply rule automata of user specs.
func explore(a, b *DFA, accept func(x, y bool) bool, keepBothDead bool, maxStates int) (pairDFA, error) {
	if maxStates <= 0 {
		maxStates = DefaultMaxStates
	}
	nsym := len(a.Alphabet.Symbols)
	type pair struct{ p, q int32 }
	index := map[pair]int32{}
	var pairs []pair
	var parent, via []int32
	var limitErr *Error
	add := func(pr pair, from, sym int32) int32 {
		if i, ok := index[pr]; ok {
			return i
		}
		if len(pairs) >= maxStates || (len(pairs)+1)*nsym > MaxTransitions {
			if limitErr == nil {
				limitErr = productLimitError(maxStates, nsym, len(pairs) < maxStates)
			}
			return -1
		}
		i := int32(len(pairs))
		index[pr] = i
		pairs = append(pairs, pr)
		parent = append(parent, from)
		via = append(via, sym)
		return i
	}
	add(pair{int32(a.Initial), int32(b.Initial)}, -1, -1)
	var trans [][]int32
	var acc []bool
	for i := 0; i < len(pairs); i++ {
		pr := pairs[i]
		row := make([]int32, nsym)
		for s := 0; s < nsym; s++ {
			np := pair{int32(a.Step(int(pr.p), s)), int32(b.Step(int(pr.q), s))}
			if np.p < 0 && np.q < 0 && !keepBothDead {
				row[s] = -1
				continue
			}
			row[s] = add(np, int32(i), int32(s))
			if limitErr != nil {
				return pairDFA{}, limitErr
			}
		}
		trans = append(trans, row)
		acc = append(acc, accept(pr.p >= 0 && a.Accepting[pr.p], pr.q >= 0 && b.Accepting[pr.q]))
	}
	return pairDFA{d: &DFA{Alphabet: a.Alphabet, Initial: 0, Accepting: acc, Trans: trans}, parent: parent, via: via}, nil
}

func productLimitError(maxStates, nsym int, transitions bool) *Error {
	if transitions {
		return limitError(ErrStateLimit, ltl.Pos{}, MaxTransitions, "", "", "product automaton exceeds MaxTransitions = %d (states × %d symbols)", MaxTransitions, nsym)
	}
	return limitError(ErrStateLimit, ltl.Pos{}, maxStates, "MaxStates", "--max-states", "product automaton exceeds MaxStates = %d states", maxStates)
}

// Product returns the minimal DFA of L(a) op L(b). Both must be over the
// same alphabet (the same pointer or equal symbol lists). It is
// ProductLimit with DefaultMaxStates.
func Product(a, b *DFA, op BoolOp) (*DFA, error) {
	return ProductLimit(a, b, op, DefaultMaxStates)
}

// ProductLimit is Product with a bound on the reachable state pairs built
// before minimisation: more than maxStates pairs (0 or less means
// DefaultMaxStates), or more than MaxTransitions table entries, is an
// ErrStateLimit *Error whose Limit is the bound exceeded.
func ProductLimit(a, b *DFA, op BoolOp, maxStates int) (*DFA, error) {
	if err := checkSame(a, b); err != nil {
		return nil, err
	}
	if op < Intersect || op > SymDiff {
		return nil, errorf(ErrBadFormula, ltl.Pos{}, "unknown BoolOp %d", op)
	}
	pd, err := explore(a, b, op.apply, false, maxStates)
	if err != nil {
		return nil, err
	}
	return Minimize(pd.d), nil
}

// Complement returns the minimal DFA of the non-empty traces d rejects:
// the complement is taken within non-empty traces, matching ltl.Eval, where
// the empty trace satisfies nothing (so the complement of Compile(f) is
// Compile(!f)).
func Complement(d *DFA) *DFA {
	nsym := len(d.Alphabet.Symbols)
	n := len(d.Trans)
	// States 0..n-1 as in d, n = dead (made explicit), n+1 = fresh initial
	// state that rejects the empty trace.
	trans := make([][]int32, n+2)
	acc := make([]bool, n+2)
	for q := 0; q <= n; q++ {
		row := make([]int32, nsym)
		for s := range row {
			row[s] = int32(n)
			if q < n && d.Trans[q][s] >= 0 {
				row[s] = d.Trans[q][s]
			}
		}
		trans[q] = row
		acc[q] = !(q < n && d.Accepting[q])
	}
	init := int32(n)
	if d.Initial >= 0 {
		init = int32(d.Initial)
	}
	trans[n+1] = append([]int32(nil), trans[init]...)
	return Minimize(&DFA{Alphabet: d.Alphabet, Initial: n + 1, Accepting: acc, Trans: trans})
}

// Side says which automaton accepts a counterexample.
type Side uint8

const (
	Neither Side = iota // no counterexample
	OnlyA               // accepted by the first automaton, rejected by the second
	OnlyB               // accepted by the second automaton, rejected by the first
)

func (s Side) String() string {
	switch s {
	case OnlyA:
		return "only-a"
	case OnlyB:
		return "only-b"
	}
	return "neither"
}

// Equivalent reports whether a and b accept the same traces. If not, it
// returns a shortest word (symbol indices; lexicographically least among
// the shortest) accepted by exactly one of them, and which one. It is
// EquivalentLimit with DefaultMaxStates.
func Equivalent(a, b *DFA) (bool, []int, Side, error) {
	return EquivalentLimit(a, b, DefaultMaxStates)
}

// EquivalentLimit is Equivalent with the pair-automaton bound of
// ProductLimit (maxStates; 0 or less means DefaultMaxStates).
func EquivalentLimit(a, b *DFA, maxStates int) (bool, []int, Side, error) {
	if err := checkSame(a, b); err != nil {
		return false, nil, Neither, err
	}
	pd, err := explore(a, b, func(x, y bool) bool { return x != y }, false, maxStates)
	if err != nil {
		return false, nil, Neither, err
	}
	for i, acc := range pd.d.Accepting {
		if acc {
			w := pd.word(int32(i))
			if a.AcceptsWord(w) {
				return false, w, OnlyA, nil
			}
			return false, w, OnlyB, nil
		}
	}
	return true, nil, Neither, nil
}

// Included reports whether every trace a accepts is accepted by b; if not,
// it returns a shortest word accepted by a and rejected by b. It is
// IncludedLimit with DefaultMaxStates.
func Included(a, b *DFA) (bool, []int, error) {
	return IncludedLimit(a, b, DefaultMaxStates)
}

// IncludedLimit is Included with the pair-automaton bound of ProductLimit
// (maxStates; 0 or less means DefaultMaxStates).
func IncludedLimit(a, b *DFA, maxStates int) (bool, []int, error) {
	if err := checkSame(a, b); err != nil {
		return false, nil, err
	}
	pd, err := explore(a, b, func(x, y bool) bool { return x && !y }, false, maxStates)
	if err != nil {
		return false, nil, err
	}
	for i, acc := range pd.d.Accepting {
		if acc {
			return false, pd.word(int32(i)), nil
		}
	}
	return true, nil, nil
}

// word spells the BFS-tree path to pair i (BFS order makes it shortest,
// and lexicographically least among the shortest).
func (pd pairDFA) word(i int32) []int {
	var w []int
	for ; pd.parent[i] >= 0; i = pd.parent[i] {
		w = append(w, int(pd.via[i]))
	}
	for l, r := 0, len(w)-1; l < r; l, r = l+1, r-1 {
		w[l], w[r] = w[r], w[l]
	}
	if w == nil {
		w = []int{}
	}
	return w
}

// Shortest returns a shortest accepted word (lexicographically least among
// the shortest) and true, or nil and false for the empty language.
func Shortest(d *DFA) ([]int, bool) {
	ws := Witnesses(d, 1)
	if len(ws) == 0 {
		return nil, false
	}
	return ws[0], true
}

// Witnesses returns up to k distinct accepted words, the k least in the
// order (length, then lexicographic by symbol index). Fewer are returned
// when the language has fewer words.
func Witnesses(d *DFA, k int) [][]int {
	if k <= 0 || d.IsEmpty() {
		return nil
	}
	t := Trim(d)
	n := len(t.Trans)
	// exact[r][q]: some accepted word of length exactly r starts at q.
	exact := [][]bool{append([]bool(nil), t.Accepting...)}
	maxLen := -1 // -1: unbounded (the trimmed automaton has a cycle)
	if !hasCycle(t) {
		maxLen = n - 1
	}
	var out [][]int
	word := []int{}
	var dfs func(q, r int)
	dfs = func(q, r int) {
		if len(out) >= k {
			return
		}
		if r == 0 {
			out = append(out, append([]int(nil), word...))
			return
		}
		for s, nq := range t.Trans[q] {
			if nq >= 0 && exact[r-1][nq] {
				word = append(word, s)
				dfs(int(nq), r-1)
				word = word[:len(word)-1]
				if len(out) >= k {
					return
				}
			}
		}
	}
	for L := 0; len(out) < k && (maxLen < 0 || L <= maxLen); L++ {
		for len(exact) <= L {
			prev := exact[len(exact)-1]
			row := make([]bool, n)
			for q := 0; q < n; q++ {
				for _, nq := range t.Trans[q] {
					if nq >= 0 && prev[nq] {
						row[q] = true
						break
					}
				}
			}
			exact = append(exact, row)
		}
		if exact[L][t.Initial] {
			dfs(t.Initial, L)
		}
	}
	return out
}

func hasCycle(d *DFA) bool {
	color := make([]uint8, len(d.Trans)) // 0 new, 1 on stack, 2 done
	type frame struct{ q, s int }
	for root := range d.Trans {
		if color[root] != 0 {
			continue
		}
		stack := []frame{{root, 0}}
		color[root] = 1
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.s == len(d.Trans[f.q]) {
				color[f.q] = 2
				stack = stack[:len(stack)-1]
				continue
			}
			t := d.Trans[f.q][f.s]
			f.s++
			if t < 0 {
				continue
			}
			switch color[t] {
			case 1:
				return true
			case 0:
				color[t] = 1
				stack = append(stack, frame{int(t), 0})
			}
		}
	}
	return false
}

// IsUniversal reports whether d accepts every non-empty trace over its
// alphabet (the empty trace, which no formula accepts, is not required).
func (d *DFA) IsUniversal() bool {
	if d.Initial < 0 || d.Initial >= len(d.Trans) {
		return false
	}
	seen := make([]bool, len(d.Trans))
	queue := []int{d.Initial}
	seen[d.Initial] = true
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, t := range d.Trans[q] {
			if t < 0 || !d.Accepting[t] {
				return false
			}
			if !seen[t] {
				seen[t] = true
				queue = append(queue, int(t))
			}
		}
	}
	return true
}
