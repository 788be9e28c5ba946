package mona

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/specplan/specplan/ltl"
)

// Hand-picked formulas with verdicts worked out by hand, decided three ways:
// MONA validity (Accepts), MONA's DFA run here (BuildDFA), and ltl.Eval.
func TestHandPicked(t *testing.T) {
	needMONA(t)
	ctx := testCtx(t)
	a := testAlphabet
	refundSmall := tool("refund", amountLE(100))
	tests := []struct {
		name  string
		f     ltl.Formula
		trace []int
		want  bool
	}{
		{"atom step holds", step("thought"), []int{lThought}, true},
		{"atom step fails", step("thought"), []int{lSearch}, false},
		{"call on tool", callAtom(), []int{lBigRefund}, true},
		{"call on step", callAtom(), []int{lThought}, false},
		{"predicate holds", refundSmall, []int{lSmallRefund}, true},
		{"predicate fails", refundSmall, []int{lBigRefund}, false},
		{"tool without predicate", tool("refund"), []int{lBigRefund}, true},
		{"absent step", step("answer"), []int{lThought}, false},
		{"strong next at end", un(ltl.OpNext, cnst(true)), []int{lThought}, false},
		{"strong next", un(ltl.OpNext, tool("search")), []int{lThought, lSearch}, true},
		{"weak next at end", un(ltl.OpWeakNext, cnst(false)), []int{lThought}, true},
		{"weak next inside", un(ltl.OpWeakNext, cnst(false)), []int{lThought, lThought}, false},
		{"last on singleton", last(), []int{lSearch}, true},
		{"last at 0 of two", last(), []int{lSearch, lSearch}, false},
		{"eventually last", un(ltl.OpEventually, bin(ltl.OpAnd, last(), tool("search"))), []int{lThought, lSearch}, true},
		{"eventually", un(ltl.OpEventually, refundSmall), []int{lThought, lSearch, lBigRefund}, false},
		{"always", un(ltl.OpAlways, callAtom()), []int{lSearch, lSmallRefund, lBigRefund}, true},
		{"always fails late", un(ltl.OpAlways, callAtom()), []int{lSearch, lSmallRefund, lThought}, false},
		{"until", bin(ltl.OpUntil, step("thought"), tool("search")), []int{lThought, lThought, lSearch}, true},
		{"until never", bin(ltl.OpUntil, step("thought"), tool("search")), []int{lThought, lThought}, false},
		{"weak until never", bin(ltl.OpWeakUntil, step("thought"), tool("search")), []int{lThought, lThought}, true},
		{"weak until broken", bin(ltl.OpWeakUntil, step("thought"), tool("search")), []int{lThought, lBigRefund, lSearch}, false},
		{"release to end", bin(ltl.OpRelease, tool("search"), step("thought")), []int{lThought, lThought}, true},
		{"release discharged", bin(ltl.OpRelease, tool("search"), step("thought")), []int{lThought, lBigRefund}, false},
		{"release inclusive", bin(ltl.OpRelease, step("thought"), step("thought")), []int{lThought, lBigRefund}, true},
		{"yesterday at 0", un(ltl.OpYesterday, cnst(true)), []int{lThought}, false},
		{"not yesterday at 0", un(ltl.OpNot, un(ltl.OpYesterday, cnst(true))), []int{lThought}, true},
		{"yesterday later", un(ltl.OpEventually, un(ltl.OpYesterday, step("thought"))), []int{lThought, lSearch}, true},
		{"refund needs search before",
			un(ltl.OpAlways, bin(ltl.OpImplies, tool("refund"), un(ltl.OpOnce, tool("search")))),
			[]int{lThought, lSearch, lBigRefund}, true},
		{"refund without search",
			un(ltl.OpAlways, bin(ltl.OpImplies, tool("refund"), un(ltl.OpOnce, tool("search")))),
			[]int{lThought, lSmallRefund, lSearch}, false},
		{"historically", un(ltl.OpAlways, bin(ltl.OpImplies, last(), un(ltl.OpHistorically, callAtom()))), []int{lSearch, lBigRefund}, true},
		{"historically fails", un(ltl.OpAlways, bin(ltl.OpImplies, last(), un(ltl.OpHistorically, callAtom()))), []int{lThought, lBigRefund}, false},
		{"since", un(ltl.OpEventually, bin(ltl.OpAnd, last(), bin(ltl.OpSince, step("thought"), tool("search")))), []int{lSearch, lThought, lThought}, true},
		{"since broken", un(ltl.OpEventually, bin(ltl.OpAnd, last(), bin(ltl.OpSince, step("thought"), tool("search")))), []int{lSearch, lBigRefund, lThought}, false},
		{"iff", bin(ltl.OpIff, callAtom(), tool("search")), []int{lSmallRefund}, false},
		{"false", cnst(false), []int{lThought}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ltl.Eval(tc.f, events(a, tc.trace)); got != tc.want {
				t.Fatalf("ltl.Eval(%v, %s) = %v; the table is wrong", tc.f, traceString(a, tc.trace), got)
			}
			got, err := Accepts(ctx, tc.f, a, tc.trace)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Accepts(%v, %s) = %v, want %v", tc.f, traceString(a, tc.trace), got, tc.want)
			}
			d, err := BuildDFA(ctx, tc.f, a)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := d.Accepts(tc.trace); err != nil || got != tc.want {
				t.Errorf("DFA.Accepts(%v, %s) = %v, %v; want %v", tc.f, traceString(a, tc.trace), got, err, tc.want)
			}
		})
	}
}

func TestEquivalent(t *testing.T) {
	needMONA(t)
	ctx := testCtx(t)
	a := testAlphabet
	p, q := step("thought"), tool("search")
	tests := []struct {
		name string
		f, g ltl.Formula
		want bool
	}{
		{"F as U", un(ltl.OpEventually, p), bin(ltl.OpUntil, cnst(true), p), true},
		{"G as !F!", un(ltl.OpAlways, p), un(ltl.OpNot, un(ltl.OpEventually, un(ltl.OpNot, p))), true},
		{"R dual of U", bin(ltl.OpRelease, p, q), un(ltl.OpNot, bin(ltl.OpUntil, un(ltl.OpNot, p), un(ltl.OpNot, q))), true},
		{"W as U or G", bin(ltl.OpWeakUntil, p, q), bin(ltl.OpOr, bin(ltl.OpUntil, p, q), un(ltl.OpAlways, p)), true},
		{"N as !X!", un(ltl.OpWeakNext, p), un(ltl.OpNot, un(ltl.OpNext, un(ltl.OpNot, p))), true},
		{"last as !X true", last(), un(ltl.OpNot, un(ltl.OpNext, cnst(true))), true},
		{"call is the tools", callAtom(), bin(ltl.OpOr, tool("search"), tool("refund")), true},
		{"refund splits", tool("refund"), bin(ltl.OpOr, tool("refund", amountLE(100)), bin(ltl.OpAnd, tool("refund"), un(ltl.OpNot, tool("refund", amountLE(100))))), true},
		{"X differs from N", un(ltl.OpNext, p), un(ltl.OpWeakNext, p), false},
		{"O differs from H", un(ltl.OpEventually, un(ltl.OpOnce, p)), un(ltl.OpEventually, un(ltl.OpHistorically, p)), false},
		{"U differs from W", bin(ltl.OpUntil, p, q), bin(ltl.OpWeakUntil, p, q), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eq, w, err := Distinguish(ctx, tc.f, tc.g, a)
			if err != nil {
				t.Fatal(err)
			}
			if eq != tc.want {
				t.Fatalf("Distinguish(%v, %v) = %v, want %v", tc.f, tc.g, eq, tc.want)
			}
			if !eq {
				// The witness must really separate them, by the independent semantics.
				ev := events(a, w)
				if len(w) == 0 || ltl.Eval(tc.f, ev) == ltl.Eval(tc.g, ev) {
					t.Errorf("witness %s does not separate %v and %v", traceString(a, w), tc.f, tc.g)
				}
			}
			if got, err := Equivalent(ctx, tc.f, tc.g, a); err != nil || got != tc.want {
				t.Errorf("Equivalent = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestCheckVerdicts(t *testing.T) {
	needMONA(t)
	ctx := testCtx(t)
	a := testAlphabet
	tests := []struct {
		f    ltl.Formula
		want Verdict
	}{
		// Encode's program is non-emptiness ∧ well-formedness ∧ f: never valid.
		{un(ltl.OpEventually, step("thought")), Satisfiable},
		{bin(ltl.OpAnd, un(ltl.OpNext, cnst(true)), last()), Unsatisfiable},
		{step("answer"), Unsatisfiable}, // no letter carries it
	}
	for _, tc := range tests {
		prog, err := Encode(tc.f, a)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Check(ctx, prog)
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != tc.want {
			t.Errorf("Check(Encode(%v)) = %v, want %v", tc.f, r.Verdict, tc.want)
		}
		if tc.want == Satisfiable {
			if r.Example == nil {
				t.Fatalf("Check(Encode(%v)): no satisfying example", tc.f)
			}
			w, err := r.Example.Trace(len(a))
			if err != nil {
				t.Fatal(err)
			}
			if !ltl.Eval(tc.f, events(a, w)) {
				t.Errorf("satisfying example %s of %v is not a model by ltl.Eval", traceString(a, w), tc.f)
			}
		}
	}
}

func TestErrors(t *testing.T) {
	a := testAlphabet
	ok := step("thought")
	unresolved := &ltl.Atom{Pos: ltl.Pos{Filename: "s.ltl", Line: 3, Column: 7}, Name: "thougth"}
	tests := []struct {
		name string
		f    ltl.Formula
		a    []Letter
		want error
		msg  string
	}{
		{"empty alphabet", ok, nil, ErrBadAlphabet, "empty alphabet"},
		{"too many letters", ok, make([]Letter, MaxLetters+1), ErrBadAlphabet, "MaxLetters"},
		{"nil formula", nil, a, ErrBadFormula, "nil formula"},
		{"nil operand", &ltl.Unary{Op: ltl.OpNext}, a, ErrBadFormula, "without an operand"},
		{"unknown op", &ltl.Unary{Op: ltl.OpAnd, X: ok}, a, ErrBadFormula, "unknown unary operator"},
		{"unresolved atom", bin(ltl.OpOr, ok, unresolved), a, ErrBadFormula, "s.ltl:3:7: unresolved atom"},
		{"too large", deepNot(MaxNodes + 1), a, ErrSizeLimit, "MaxNodes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.f, tc.a)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Encode error = %v, want kind %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
		})
	}
	t.Run("letter outside alphabet", func(t *testing.T) {
		_, err := Accepts(context.Background(), ok, a, []int{0, 4})
		if !errors.Is(err, ErrBadTrace) {
			t.Errorf("error = %v, want ErrBadTrace", err)
		}
	})
	t.Run("empty trace satisfies nothing", func(t *testing.T) {
		got, err := Accepts(context.Background(), cnst(true), a, nil)
		if err != nil || got {
			t.Errorf("Accepts(true, empty) = %v, %v; want false, nil", got, err)
		}
	})
	t.Run("not installed", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := Check(context.Background(), "m2l-str; true;")
		if !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "apt-get install mona") {
			t.Errorf("error = %v, want ErrNotInstalled naming apt-get install mona", err)
		}
	})
}

func deepNot(n int) ltl.Formula {
	var f ltl.Formula = cnst(true)
	for range n {
		f = un(ltl.OpNot, f)
	}
	return f
}

func TestCheckFailures(t *testing.T) {
	needMONA(t)
	t.Run("syntax error", func(t *testing.T) {
		_, err := Check(context.Background(), "m2l-str;\nvar2 B0;\n0 in B0 & ~;\n")
		if !errors.Is(err, ErrMONA) || !strings.Contains(err.Error(), "syntax error") {
			t.Errorf("error = %v, want ErrMONA with mona's message", err)
		}
	})
	t.Run("cancelled before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Check(ctx, "m2l-str; true;")
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("error = %v, want ErrTimeout", err)
		}
	})
	t.Run("killed on deadline", func(t *testing.T) {
		// The K=24 chain takes MONA minutes; the deadline kills it.
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := TimeChain(ctx, 24)
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("error = %v, want ErrTimeout", err)
		}
	})
}

func TestChainFormula(t *testing.T) {
	f, letters := ChainFormula(3)
	if got, want := f.String(), "F(a1 & X F(a2 & X F a3))"; got != want {
		t.Errorf("ChainFormula(3) = %s, want %s", got, want)
	}
	if len(letters) != 3 {
		t.Fatalf("got %d letters, want 3", len(letters))
	}
	if !ltl.Eval(f, events(letters, []int{0, 2, 1, 0, 2})) || ltl.Eval(f, events(letters, []int{0, 2, 1})) {
		t.Errorf("ChainFormula(3) does not mean a1 … a2 … a3 in order")
	}
}
