package automata

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// The small alphabet of the exhaustive tests: 2 steps, 2 tools, one with a
// predicate: symbols a, b, s, r(amount <= 100), r(!(amount <= 100)).
var (
	smallSteps = []string{"a", "b"}
	smallTools = []string{"s", "r"}
	lowAmount  = num("amount", ltl.CmpLe, 100)
)

func smallAtoms() []ltl.Formula {
	return []ltl.Formula{step("a"), step("b"), tool("s"), tool("r"), tool("r", lowAmount), callAtom()}
}

type gen struct{ r *rand.Rand }

func (g gen) atom() ltl.Formula {
	switch g.r.IntN(12) {
	case 0:
		return cnst(g.r.IntN(2) == 0)
	default:
		as := smallAtoms()
		return as[g.r.IntN(len(as))]
	}
}

// past builds a formula of past operators over atoms (no future operator).
func (g gen) past(depth int) ltl.Formula {
	if depth == 0 {
		return g.atom()
	}
	switch g.r.IntN(8) {
	case 0:
		return not(g.past(depth - 1))
	case 1:
		return and(g.past(depth-1), g.past(depth-1))
	case 2:
		return or(g.past(depth-1), g.past(depth-1))
	case 3:
		return Y(g.past(depth - 1))
	case 4:
		return O(g.past(depth - 1))
	case 5:
		return un(ltl.OpHistorically, g.past(depth-1))
	case 6:
		return bin(ltl.OpSince, g.past(depth-1), g.past(depth-1))
	}
	return g.atom()
}

func (g gen) future(depth int) ltl.Formula {
	if depth == 0 {
		switch g.r.IntN(10) {
		case 0:
			return last()
		case 1, 2:
			return g.past(1 + g.r.IntN(2))
		}
		return g.atom()
	}
	d := depth - 1
	ops := []func() ltl.Formula{
		func() ltl.Formula { return not(g.future(d)) },
		func() ltl.Formula { return and(g.future(d), g.future(d)) },
		func() ltl.Formula { return or(g.future(d), g.future(d)) },
		func() ltl.Formula { return implies(g.future(d), g.future(d)) },
		func() ltl.Formula { return bin(ltl.OpIff, g.future(d), g.future(d)) },
		func() ltl.Formula { return X(g.future(d)) },
		func() ltl.Formula { return un(ltl.OpWeakNext, g.future(d)) },
		func() ltl.Formula { return F(g.future(d)) },
		func() ltl.Formula { return G(g.future(d)) },
		func() ltl.Formula { return bin(ltl.OpUntil, g.future(d), g.future(d)) },
		func() ltl.Formula { return bin(ltl.OpRelease, g.future(d), g.future(d)) },
		func() ltl.Formula { return bin(ltl.OpWeakUntil, g.future(d), g.future(d)) },
		func() ltl.Formula { return g.future(0) },
	}
	return ops[g.r.IntN(len(ops))]()
}

func randomFormulas(n int) []ltl.Formula {
	g := gen{rand.New(rand.NewPCG(1, 2))}
	out := make([]ltl.Formula, n)
	for i := range out {
		out[i] = g.future(2 + g.r.IntN(3))
	}
	return out
}

func smallAlphabet(t testing.TB) *Alphabet {
	return mustAlphabet(t, smallSteps, smallTools, smallAtoms()...)
}

// forAllWords calls visit for every word of length 1..maxLen with the DFA
// state reached (-1 when dead), depth first.
func forAllWords(d *DFA, maxLen int, visit func(word []int, q int)) {
	n := len(d.Alphabet.Symbols)
	word := make([]int, 0, maxLen)
	var rec func(q int)
	rec = func(q int) {
		if len(word) == maxLen {
			return
		}
		for s := 0; s < n; s++ {
			word = append(word, s)
			nq := d.Step(q, s)
			visit(word, nq)
			rec(nq)
			word = word[:len(word)-1]
		}
	}
	rec(d.Initial)
}

const exhaustiveLen = 6

// TestCompileMatchesEval: the DFA accepts exactly the traces ltl.Eval
// accepts, on every trace up to length 6, for 300 random formulas with
// past operators.
func TestCompileMatchesEval(t *testing.T) {
	a := smallAlphabet(t)
	if got := len(a.Symbols); got != 5 {
		t.Fatalf("small alphabet has %d symbols, want 5", got)
	}
	evs := a.Events([]int{0, 1, 2, 3, 4})
	maxLen := exhaustiveLen
	if testing.Short() {
		maxLen = 4
	}
	for i, f := range randomFormulas(300) {
		d, err := Compile(f, a, Options{})
		if err != nil {
			t.Fatalf("#%d %s: %v", i, f, err)
		}
		if d.Initial >= 0 && d.Accepting[d.Initial] {
			t.Errorf("#%d %s: empty trace accepted", i, f)
		}
		trace := make([]ltl.Event, 0, maxLen)
		bad := 0
		forAllWords(d, maxLen, func(word []int, q int) {
			if bad > 0 {
				return
			}
			trace = trace[:0]
			for _, s := range word {
				trace = append(trace, evs[s])
			}
			got := q >= 0 && d.Accepting[q]
			if want := ltl.Eval(f, trace); got != want {
				bad++
				t.Errorf("#%d %s on %v: DFA %v, Eval %v", i, f, symNames(a, word), got, want)
			}
		})
	}
}

func symNames(a *Alphabet, w []int) string {
	parts := make([]string, len(w))
	for i, s := range w {
		parts[i] = a.Symbols[s].Name
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestMinimalProperties checks, on the random formulas: minimised ≡
// unminimised; no two states of the minimal DFA are equivalent; every
// state reaches acceptance and Distances agrees with a forward search;
// Equivalent's counterexamples are accepted by exactly the side it names.
func TestMinimalProperties(t *testing.T) {
	a := smallAlphabet(t)
	fs := randomFormulas(300)
	var prev *DFA
	var prevF ltl.Formula
	for i, f := range fs {
		raw, err := Determinize(f, a, Options{})
		if err != nil {
			t.Fatal(err)
		}
		d := Minimize(raw)
		if raw.NumStates() < d.NumStates() {
			t.Errorf("#%d: minimised has more states (%d) than unminimised (%d)", i, d.NumStates(), raw.NumStates())
		}
		eq, cex, _, err := Equivalent(raw, d)
		if err != nil || !eq {
			t.Errorf("#%d %s: minimised differs from unminimised on %v (err %v)", i, f, cex, err)
		}
		// (c) pairwise distinguishable.
		for p := 0; p < d.NumStates(); p++ {
			for q := p + 1; q < d.NumStates(); q++ {
				if eq, _, _, _ := Equivalent(withInitial(d, p), withInitial(d, q)); eq {
					t.Errorf("#%d %s: states %d and %d are equivalent", i, f, p, q)
				}
			}
		}
		// (d) trimmed: all states reach acceptance; Distances is exact.
		dist := d.Distances()
		for q := 0; q < d.NumStates(); q++ {
			if want := bfsDistance(d, q); dist[q] != want || want < 0 {
				t.Errorf("#%d %s: state %d distance %d, BFS %d", i, f, q, dist[q], want)
			}
		}
		// (h) counterexamples against the previous formula.
		if prev != nil {
			eq, cex, side, err := Equivalent(d, prev)
			if err != nil {
				t.Fatal(err)
			}
			if !eq {
				inA, inB := d.AcceptsWord(cex), prev.AcceptsWord(cex)
				if inA == inB || (side == OnlyA) != inA || side == Neither {
					t.Errorf("#%d: counterexample %v side %v: accepted by a %v, by b %v", i, cex, side, inA, inB)
				}
				tr := a.Events(cex)
				if ltl.Eval(f, tr) != inA || ltl.Eval(prevF, tr) != inB {
					t.Errorf("#%d: counterexample %v disagrees with Eval", i, cex)
				}
				if len(cex) <= 4 {
					// Shortest: no shorter word distinguishes them.
					forAllWords(d, len(cex)-1, func(w []int, _ int) {
						if d.AcceptsWord(w) != prev.AcceptsWord(w) {
							t.Errorf("#%d: shorter counterexample %v than %v", i, w, cex)
						}
					})
				}
			} else if !sameLanguageUpTo(d, prev, 4) {
				t.Errorf("#%d: Equivalent said equal but words differ", i)
			}
		}
		prev, prevF = d, f
	}
}

func sameLanguageUpTo(a, b *DFA, n int) bool {
	same := true
	forAllWords(a, n, func(w []int, _ int) {
		if a.AcceptsWord(w) != b.AcceptsWord(w) {
			same = false
		}
	})
	return same
}

// bfsDistance is the length of the shortest word from q to acceptance,
// found by a forward breadth-first search (independent of Distances).
func bfsDistance(d *DFA, q int) int {
	dist := map[int]int{q: 0}
	queue := []int{q}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if d.Accepting[p] {
			return dist[p]
		}
		for _, t := range d.Trans[p] {
			if t >= 0 {
				if _, ok := dist[int(t)]; !ok {
					dist[int(t)] = dist[p] + 1
					queue = append(queue, int(t))
				}
			}
		}
	}
	return -1
}

// TestBooleanOperations: Product and Complement agree with compiling the
// corresponding formula.
func TestBooleanOperations(t *testing.T) {
	a := smallAlphabet(t)
	fs := randomFormulas(60)
	for i := 1; i < len(fs); i++ {
		f, g := fs[i], fs[i-1]
		df, dg := mustCompile(t, f, a), mustCompile(t, g, a)
		cases := []struct {
			op   BoolOp
			want ltl.Formula
		}{
			{Intersect, and(f, g)},
			{Union, or(f, g)},
			{Difference, and(f, not(g))},
			{SymDiff, not(bin(ltl.OpIff, f, g))},
		}
		for _, c := range cases {
			got, err := Product(df, dg, c.op)
			if err != nil {
				t.Fatal(err)
			}
			if eq, cex, _, _ := Equivalent(got, mustCompile(t, c.want, a)); !eq {
				t.Errorf("#%d op %d: product differs from %s on %v", i, c.op, c.want, cex)
			}
		}
		if eq, cex, _, _ := Equivalent(Complement(df), mustCompile(t, not(f), a)); !eq {
			t.Errorf("#%d: complement differs from !(%s) on %v", i, f, cex)
		}
		if ok, cex, _ := Included(mustCompile(t, and(f, g), a), df); !ok {
			t.Errorf("#%d: f&g not included in f: %v", i, cex)
		}
		if ok, cex, _ := Included(df, dg); !ok && (!df.AcceptsWord(cex) || dg.AcceptsWord(cex)) {
			t.Errorf("#%d: inclusion counterexample %v is not in a \\ b", i, cex)
		}
	}
}

// TestChainPolynomial: the sequential chain over K=40 tools compiles to its
// K+1-state minimal DFA.
func TestChainPolynomial(t *testing.T) {
	for _, k := range []int{1, 2, 10, 40} {
		f, tools := chain(k)
		a := mustAlphabet(t, nil, tools, f)
		d := mustCompile(t, f, a)
		if d.NumStates() != k+1 {
			t.Errorf("K=%d: %d states, want %d", k, d.NumStates(), k+1)
		}
		w, _ := Shortest(d)
		if len(w) != k {
			t.Errorf("K=%d: shortest witness %v has length %d", k, w, len(w))
		}
	}
}

// TestStateLimit: a formula whose DFA is exponential (the symbol 6 before
// the end) hits a small MaxStates with the typed error naming the limit.
func TestStateLimit(t *testing.T) {
	var tail ltl.Formula = last()
	for i := 0; i < 6; i++ {
		tail = X(tail)
	}
	f := F(and(step("a"), tail))
	a := mustAlphabet(t, []string{"a", "b"}, nil, f)
	_, err := Compile(f, a, Options{MaxStates: 10})
	if !errors.Is(err, ErrStateLimit) {
		t.Fatalf("got %v, want ErrStateLimit", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Limit != 10 || !strings.Contains(err.Error(), "MaxStates = 10") {
		t.Errorf("error %q does not name the limit", err)
	}
	d, err := Compile(f, a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.NumStates() < 64 {
		t.Errorf("6-before-last DFA has %d states, want at least 2^6", d.NumStates())
	}
}

func TestCompileErrors(t *testing.T) {
	a := mustAlphabet(t, []string{"a"}, []string{"s"}, tool("s", lowAmount))
	cases := []struct {
		name string
		f    ltl.Formula
		want error
	}{
		{"unknown step", F(step("zzz")), ErrUnknownAtom},
		{"unknown tool", F(tool("zzz")), ErrUnknownAtom},
		{"unknown predicate", F(tool("s", num("amount", ltl.CmpGt, 5))), ErrUnknownAtom},
		{"unresolved", F(&ltl.Atom{Name: "a"}), ErrUnknownAtom},
		{"future under past", O(X(step("a"))), ErrFutureInPast},
		{"last under past", Y(last()), ErrFutureInPast},
		{"nil node", F(nil), ErrBadFormula},
		{"typed nil node", F((*ltl.Unary)(nil)), ErrBadFormula},
	}
	for _, c := range cases {
		_, err := Compile(c.f, a, Options{})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	posErr := &ltl.Atom{Pos: ltl.Pos{Filename: "x.ltl", Line: 3, Column: 7}, Kind: ltl.AtomStep, Name: "nope"}
	_, err := Compile(posErr, a, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), "x.ltl:3:7: ") {
		t.Errorf("error %q lacks file:line:col", err)
	}
}

func TestEmptyAndUniversal(t *testing.T) {
	a := smallAlphabet(t)
	empty := mustCompile(t, and(F(step("a")), G(not(step("a")))), a)
	if !empty.IsEmpty() || empty.NumStates() != 0 || empty.Initial != -1 {
		t.Errorf("contradiction: states %d initial %d, want empty DFA", empty.NumStates(), empty.Initial)
	}
	if w, ok := Shortest(empty); ok {
		t.Errorf("empty language has shortest word %v", w)
	}
	univ := mustCompile(t, or(F(step("a")), G(not(step("a")))), a)
	if !univ.IsUniversal() || univ.NumStates() != 2 {
		t.Errorf("tautology: universal %v, %d states (want true, 2)", univ.IsUniversal(), univ.NumStates())
	}
	if mustCompile(t, F(step("a")), a).IsUniversal() {
		t.Error("F a reported universal")
	}
	if c := Complement(univ); !c.IsEmpty() {
		t.Error("complement of the tautology is not empty")
	}
	if c := Complement(empty); !c.IsUniversal() {
		t.Error("complement of the empty language is not universal")
	}
}

func TestRunAndAllowed(t *testing.T) {
	f, steps, tools := reactSpec()
	a := mustAlphabet(t, steps, tools, f)
	d := mustCompile(t, f, a)
	ev := func(names ...string) []ltl.Event {
		var out []ltl.Event
		for _, n := range names {
			i, ok := a.Lookup(n)
			if !ok {
				t.Fatalf("no symbol %q", n)
			}
			out = append(out, a.Events([]int{i})...)
		}
		return out
	}
	good := ev("thought", "search", "observation", "thought", "answer")
	if !d.Accepts(good) || !ltl.Eval(f, good) {
		t.Error("ReAct run rejected")
	}
	bad := ev("thought", "search", "answer")
	q, pos, err := d.Run(bad)
	if err != nil || q != -1 || pos != 2 {
		t.Errorf("Run(call then answer) = %d, %d, %v; want dead at 2", q, pos, err)
	}
	q, _, _ = d.Run(ev("thought", "search"))
	if got := d.Allowed(q); len(got) != 1 || a.Symbols[got[0]].Name != "observation" {
		t.Errorf("after a call allowed %v, want [observation]", got)
	}
	if _, _, err := d.Run([]ltl.Event{{Tool: "nope"}}); !errors.Is(err, ErrUnknownEvent) {
		t.Errorf("unknown tool: %v", err)
	}
}

func TestWitnesses(t *testing.T) {
	a := smallAlphabet(t)
	for i, f := range randomFormulas(40) {
		d := mustCompile(t, f, a)
		ws := Witnesses(d, 20)
		// Brute force: all accepted words up to length 4 in (length, lex) order.
		var want [][]int
		for n := 1; n <= 4; n++ {
			forAllWords(d, n, func(w []int, q int) {
				if len(w) == n && q >= 0 && d.Accepting[q] {
					want = append(want, append([]int(nil), w...))
				}
			})
		}
		for j, w := range ws {
			if !d.AcceptsWord(w) {
				t.Errorf("#%d: witness %v rejected", i, w)
			}
			if j > 0 && len(w) < len(ws[j-1]) {
				t.Errorf("#%d: witness lengths decrease: %v after %v", i, w, ws[j-1])
			}
			if len(w) <= 4 && (j >= len(want) || !equalInts(w, want[j])) {
				t.Errorf("#%d: witness %d is %v, brute force says %v", i, j, w, want)
				break
			}
		}
		if len(ws) < 20 && len(want) > len(ws) {
			t.Errorf("#%d: only %d witnesses, brute force finds %d", i, len(ws), len(want))
		}
	}
	// A finite language: exactly its words, then stop.
	fin := mustCompile(t, and(step("a"), un(ltl.OpWeakNext, and(step("b"), last()))), a)
	ws := Witnesses(fin, 10)
	if len(ws) != 2 || len(ws[0]) != 1 || len(ws[1]) != 2 {
		t.Errorf("finite language witnesses %v, want [[a] [a b]]", ws)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAlphabetMismatch(t *testing.T) {
	a1 := mustAlphabet(t, []string{"a"}, nil)
	a2 := mustAlphabet(t, []string{"b"}, nil)
	d1, d2 := mustCompile(t, F(step("a")), a1), mustCompile(t, F(step("b")), a2)
	if _, err := Product(d1, d2, Intersect); !errors.Is(err, ErrAlphabetMismatch) {
		t.Errorf("Product: %v", err)
	}
	if _, _, _, err := Equivalent(d1, d2); !errors.Is(err, ErrAlphabetMismatch) {
		t.Errorf("Equivalent: %v", err)
	}
	// Equal alphabets built separately combine.
	a3 := mustAlphabet(t, []string{"a"}, nil)
	if eq, _, _, err := Equivalent(d1, mustCompile(t, F(step("a")), a3)); err != nil || !eq {
		t.Errorf("equal alphabets: eq %v err %v", eq, err)
	}
}

// TestTypicalSpecs: the benchmark specs compile to the automata their
// meaning implies.
func TestTypicalSpecs(t *testing.T) {
	f, steps, tools := routineSpec(30)
	a := mustAlphabet(t, steps, tools, f)
	d := mustCompile(t, f, a)
	w, ok := Shortest(d)
	if !ok || len(w) != 31 {
		t.Fatalf("routine: shortest witness %v, want the 30 steps and an answer", w)
	}
	if !ltl.Eval(f, a.Events(w)) {
		t.Error("routine witness rejected by Eval")
	}
	f, steps, tools = guardrailSpec()
	a = mustAlphabet(t, steps, tools, f)
	d = mustCompile(t, f, a)
	del, _ := a.Lookup("delete")
	conf, _ := a.Lookup("confirm")
	if d.AcceptsWord([]int{del}) || !d.AcceptsWord([]int{conf, del}) {
		t.Error("guardrail: delete must follow a confirm")
	}
	f, steps, tools = reactSpec()
	a = mustAlphabet(t, steps, tools, f)
	d = mustCompile(t, f, a)
	for _, w := range Witnesses(d, 30) {
		if !ltl.Eval(f, a.Events(w)) {
			t.Errorf("ReAct witness %v rejected by Eval", symNames(a, w))
		}
	}
}

// TestCompileMatchesEvalIllTyped extends TestCompileMatchesEval to calls
// the fail-closed rule rejects (the predicated argument missing, a string,
// null, a number beyond the exact range) and to exact numbers past float64:
// on every trace up to length 4 mixing them with well-typed events, the DFA
// over the formula's own alphabet accepts exactly what ltl.Eval accepts.
func TestCompileMatchesEvalIllTyped(t *testing.T) {
	extra := []ltl.Event{
		{Tool: "r"},
		{Tool: "r", Args: map[string]any{"amount": "50"}},
		{Tool: "r", Args: map[string]any{"amount": nil}},
		{Tool: "r", Args: map[string]any{"amount": json.Number("1e9999999999999")}},
		{Tool: "r", Args: map[string]any{"amount": json.Number("100.00000000000000000001")}},
		{Tool: "r", Args: map[string]any{"amount": json.Number("-1e-400")}},
		{Tool: "s", Args: map[string]any{"amount": "ignored: s has no predicate"}},
	}
	maxLen := 4
	if testing.Short() {
		maxLen = 3
	}
	for i, f := range randomFormulas(150) {
		a := mustAlphabet(t, smallSteps, smallTools, f)
		d, err := Compile(f, a, Options{})
		if err != nil {
			t.Fatalf("#%d %s: %v", i, f, err)
		}
		var pool []ltl.Event
		for s := range a.Symbols {
			pool = append(pool, a.Events([]int{s})...)
		}
		pool = append(pool, extra...)
		_, typed := ltl.ToolPreds(f)["r"]
		trace := make([]ltl.Event, 0, maxLen)
		bad := 0
		var rec func()
		rec = func() {
			if bad > 0 || len(trace) == maxLen {
				return
			}
			for _, ev := range pool {
				trace = append(trace, ev)
				got, want := d.Accepts(trace), ltl.Eval(f, trace)
				if got != want {
					bad++
					t.Errorf("#%d %s on %v: DFA %v, Eval %v", i, f, trace, got, want)
				}
				if _, err := a.Classify(ev); typed && ev.Tool == "r" && errors.Is(err, ErrArgType) != (ltl.CheckTrace(f, []ltl.Event{ev}) != nil) {
					bad++
					t.Errorf("#%d %s: Classify(%v) = %v, but ltl.CheckTrace disagrees", i, f, ev, err)
				}
				rec()
				trace = trace[:len(trace)-1]
			}
		}
		rec()
	}
}
