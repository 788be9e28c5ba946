package automata

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// atMost is "t happens at most n times": not (t, then later t, … n+1 times).
func atMost(n int, t string) ltl.Formula {
	ts := make([]string, n+1)
	for i := range ts {
		ts[i] = t
	}
	f, _ := chainOver(ts)
	return not(f)
}

func wantStateLimit(t *testing.T, err error, limit int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrStateLimit) {
		t.Fatalf("err = %v, want an ErrStateLimit *Error", err)
	}
	if e.Limit != limit || !strings.Contains(e.Error(), itoa(limit)) {
		t.Fatalf("err = %v (Limit %d), want the limit %d named", err, e.Limit, limit)
	}
	// The message says what raises the limit, and only what really does.
	switch limit {
	case MaxFormulaSize, MaxDNFWork, MaxClauses, MaxTransitions:
		if e.Option != "" || !strings.HasSuffix(e.Msg, "(a fixed limit)") || strings.Contains(e.Msg, "--max-") {
			t.Fatalf("err = %v: a fixed limit must say so", err)
		}
	default:
		if e.Option != "MaxStates" || !strings.Contains(e.Msg, "--max-states") || !strings.Contains(e.Msg, "Options.MaxStates") {
			t.Fatalf("err = %v: want the flag and the option that raise MaxStates", err)
		}
	}
}

// TestProductLimit: six at_most(15, t_i) rules have 17 states each (a
// non-accepting start, then counts 0..15) but a product of about 16^6
// states; multiplying them under a small limit fails with
// the typed error as soon as a pair automaton passes it, in every
// operation that builds one.
func TestProductLimit(t *testing.T) {
	tools := []string{"t1", "t2", "t3", "t4", "t5", "t6"}
	var fs []ltl.Formula
	for _, tl := range tools {
		fs = append(fs, atMost(15, tl))
	}
	a := mustAlphabet(t, nil, tools, fs...)
	ds := make([]*DFA, len(fs))
	for i, f := range fs {
		ds[i] = mustCompile(t, f, a)
		if n := ds[i].NumStates(); n != 17 {
			t.Fatalf("at_most(15, %s): %d states, want 17", tools[i], n)
		}
	}
	const limit = 1000
	acc := ds[0]
	var err error
	for i := 1; i < len(ds) && err == nil; i++ {
		acc, err = ProductLimit(acc, ds[i], Intersect, limit)
		if err == nil && i >= 3 {
			t.Fatalf("product of %d rules (%d states) passed the limit %d", i+1, acc.NumStates(), limit)
		}
	}
	wantStateLimit(t, err, limit)

	p2, err := ProductLimit(ds[0], ds[1], Intersect, limit)
	if err != nil || p2.NumStates() != 1+16*16 {
		t.Fatalf("product of two rules under the limit: %v, %v", p2, err)
	}
	p3, err := ProductLimit(p2, ds[2], Intersect, 0) // 0: DefaultMaxStates
	if err != nil || p3.NumStates() != 1+16*16*16 {
		t.Fatalf("product of three rules under the default limit: %v, %v", p3, err)
	}
	_, _, _, err = EquivalentLimit(p3, ds[3], limit)
	wantStateLimit(t, err, limit)
	_, _, err = IncludedLimit(p3, ds[3], limit)
	wantStateLimit(t, err, limit)

	// The unlimited-looking forms apply DefaultMaxStates: 16^5 pairs.
	p4, err := Product(p3, ds[3], Intersect)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Product(p4, ds[4], Intersect)
	wantStateLimit(t, err, DefaultMaxStates)
	_, _, err = Included(p4, ds[4])
	wantStateLimit(t, err, DefaultMaxStates)
	_, _, _, err = Equivalent(p4, ds[4])
	wantStateLimit(t, err, DefaultMaxStates)
}

// TestProductLimitExact: the least limit that succeeds gives Product's
// automaton and is at least the product's minimal size; one less fails
// with the typed error.
func TestProductLimitExact(t *testing.T) {
	f, g := atMost(2, "t1"), atMost(3, "t2")
	a := mustAlphabet(t, nil, []string{"t1", "t2"}, f, g)
	df, dg := mustCompile(t, f, a), mustCompile(t, g, a)
	want, err := Product(df, dg, Intersect)
	if err != nil {
		t.Fatal(err)
	}
	pairs := 1
	for ; pairs < 100; pairs++ {
		if _, err := ProductLimit(df, dg, Intersect, pairs); err == nil {
			break
		}
	}
	if pairs < want.NumStates() || pairs >= 100 {
		t.Fatalf("least limit that succeeds = %d, want between %d and 100", pairs, want.NumStates())
	}
	got, err := ProductLimit(df, dg, Intersect, pairs)
	if err != nil {
		t.Fatal(err)
	}
	if eq, w, _, err := Equivalent(got, want); err != nil || !eq || got.NumStates() != want.NumStates() {
		t.Fatalf("ProductLimit at the exact limit differs from Product: %v %v %v", eq, w, err)
	}
	_, err = ProductLimit(df, dg, Intersect, pairs-1)
	wantStateLimit(t, err, pairs-1)
}

func untilChain(n int, left func() ltl.Formula) ltl.Formula {
	var f ltl.Formula = tool("g")
	for i := 0; i < n; i++ {
		f = bin(ltl.OpUntil, left(), f)
	}
	return f
}

// TestUntilChainMemory: right-nested f U (f U (… U g)) has a 2-state DFA
// but progression builds Or nodes of every length up to the depth, and with
// a temporal left operand (F f) nested clause lists of every length. Both
// are bounded: a short chain compiles exactly, a long one fails with the
// typed limit error after allocating a bounded amount.
func TestUntilChainMemory(t *testing.T) {
	a := mustAlphabet(t, nil, []string{"f", "g"}, tool("f"), tool("g"))
	atom := func() ltl.Formula { return tool("f") }
	ev := func() ltl.Formula { return F(tool("f")) }

	// Short chains are exact: f U … U g ≡ f U g.
	short := mustCompile(t, untilChain(50, atom), a)
	base := mustCompile(t, untilChain(1, atom), a)
	if eq, w, _, err := Equivalent(short, base); err != nil || !eq {
		t.Fatalf("f U^50 g differs from f U g on %v (%v)", w, err)
	}

	const budget = 1 << 30 // far below the 12 GB a 20 000-U chain used to take
	for _, tc := range []struct {
		name  string
		n     int
		left  func() ltl.Formula
		limit int
	}{
		{"atoms", 8000, atom, MaxFormulaSize},
		{"eventually", 3000, ev, MaxDNFWork},
	} {
		f := untilChain(tc.n, tc.left)
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		_, err := Compile(f, a, Options{})
		runtime.ReadMemStats(&m1)
		wantStateLimit(t, err, tc.limit)
		if alloc := m1.TotalAlloc - m0.TotalAlloc; alloc > budget {
			t.Errorf("%s: n=%d allocated %d MiB, want under %d MiB", tc.name, tc.n, alloc>>20, budget>>20)
		}
	}
}
