package mona

import (
	"context"

	"math/rand"
	"os/exec"
	"testing"
	"time"

	"github.com/specplan/specplan/ltl"
)

// needMONA skips the test when mona is missing; CI installs it.
func needMONA(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		tb.Skip("mona not on PATH; install it with `apt-get install mona` (Debian/Ubuntu) to run the MONA oracle tests")
	}
}

func testCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

// Formula constructors for tests (the AST directly: independent of ltl.Parse).

func step(name string) *ltl.Atom { return &ltl.Atom{Kind: ltl.AtomStep, Name: name} }
func tool(name string, preds ...ltl.Pred) *ltl.Atom {
	return &ltl.Atom{Kind: ltl.AtomTool, Name: name, Preds: preds}
}
func callAtom() *ltl.Atom { return &ltl.Atom{Kind: ltl.AtomCall, Name: "call"} }
func un(op ltl.Op, x ltl.Formula) ltl.Formula {
	return &ltl.Unary{Op: op, X: x}
}
func bin(op ltl.Op, l, r ltl.Formula) ltl.Formula {
	return &ltl.Binary{Op: op, L: l, R: r}
}
func cnst(v bool) ltl.Formula { return &ltl.Const{Value: v} }
func last() ltl.Formula       { return &ltl.Last{} }

func amountLE(n int64) ltl.Pred {
	return ltl.Pred{Arg: "amount", Cmp: ltl.CmpLe, Value: ltl.Value{Kind: ltl.NumberValue, Num: ltl.IntNumber(n)}}
}

// testAlphabet: two steps, a plain tool, and a tool split by a predicate.
var testAlphabet = []Letter{
	{Name: "thought", Event: ltl.Event{Step: "thought"}},
	{Name: "search", Event: ltl.Event{Tool: "search", Args: map[string]any{"q": "x"}}},
	{Name: "refund(amount <= 100)", Event: ltl.Event{Tool: "refund", Args: map[string]any{"amount": 50.0}}},
	{Name: "refund(!(amount <= 100))", Event: ltl.Event{Tool: "refund", Args: map[string]any{"amount": 500.0}}},
}

const (
	lThought = iota
	lSearch
	lSmallRefund
	lBigRefund
)

var testAtoms = []*ltl.Atom{
	step("thought"), tool("search"), callAtom(), tool("refund"), tool("refund", amountLE(100)),
	step("answer"), // declared but absent from the alphabet: false everywhere
	// Two more predicates, so that automata.NewAlphabet splits the tools
	// into several minterms in the DFA-vs-MONA test.
	tool("refund", ltl.Pred{Arg: "amount", Cmp: ltl.CmpGt, Value: ltl.Value{Kind: ltl.NumberValue, Num: ltl.IntNumber(50)}}),
	tool("search", ltl.Pred{Arg: "q", Cmp: ltl.CmpEq, Value: ltl.Value{Kind: ltl.StringValue, Str: "x"}}),
}

func events(alphabet []Letter, trace []int) []ltl.Event {
	ev := make([]ltl.Event, len(trace))
	for i, l := range trace {
		ev[i] = alphabet[l].Event
	}
	return ev
}

// randFormula draws a formula of depth at most d. Past operators are applied
// only to past formulas (randPast), as the spec language allows.
func randFormula(r *rand.Rand, d int) ltl.Formula {
	if d == 0 || r.Intn(5) == 0 {
		switch r.Intn(10) {
		case 0:
			return cnst(r.Intn(2) == 0)
		case 1:
			return last()
		case 2, 3:
			return randPast(r, min(d, 2))
		}
		return testAtoms[r.Intn(len(testAtoms))]
	}
	switch r.Intn(13) {
	case 0:
		return un(ltl.OpNot, randFormula(r, d-1))
	case 1:
		return bin(ltl.OpAnd, randFormula(r, d-1), randFormula(r, d-1))
	case 2:
		return bin(ltl.OpOr, randFormula(r, d-1), randFormula(r, d-1))
	case 3:
		return bin([]ltl.Op{ltl.OpImplies, ltl.OpIff}[r.Intn(2)], randFormula(r, d-1), randFormula(r, d-1))
	case 4:
		return un(ltl.OpNext, randFormula(r, d-1))
	case 5:
		return un(ltl.OpWeakNext, randFormula(r, d-1))
	case 6:
		return un(ltl.OpEventually, randFormula(r, d-1))
	case 7:
		return un(ltl.OpAlways, randFormula(r, d-1))
	case 8:
		return bin(ltl.OpUntil, randFormula(r, d-1), randFormula(r, d-1))
	case 9:
		return bin(ltl.OpRelease, randFormula(r, d-1), randFormula(r, d-1))
	case 10:
		return bin(ltl.OpWeakUntil, randFormula(r, d-1), randFormula(r, d-1))
	}
	return randPast(r, d)
}

func randPast(r *rand.Rand, d int) ltl.Formula {
	if d == 0 || r.Intn(4) == 0 {
		return testAtoms[r.Intn(len(testAtoms))]
	}
	switch r.Intn(7) {
	case 0:
		return un(ltl.OpYesterday, randPast(r, d-1))
	case 1:
		return un(ltl.OpOnce, randPast(r, d-1))
	case 2:
		return un(ltl.OpHistorically, randPast(r, d-1))
	case 3:
		return bin(ltl.OpSince, randPast(r, d-1), randPast(r, d-1))
	case 4:
		return un(ltl.OpNot, randPast(r, d-1))
	case 5:
		return bin(ltl.OpAnd, randPast(r, d-1), randPast(r, d-1))
	}
	return bin(ltl.OpOr, randPast(r, d-1), randPast(r, d-1))
}

// allTraces lists every trace of length 1..maxLen over n letters.
func allTraces(n, maxLen int) [][]int {
	var out [][]int
	cur := [][]int{{}}
	for l := 1; l <= maxLen; l++ {
		var next [][]int
		for _, t := range cur {
			for a := 0; a < n; a++ {
				nt := append(append([]int(nil), t...), a)
				next = append(next, nt)
			}
		}
		out = append(out, next...)
		cur = next
	}
	return out
}

func randTrace(r *rand.Rand, n, minLen, maxLen int) []int {
	t := make([]int, minLen+r.Intn(maxLen-minLen+1))
	for i := range t {
		t[i] = r.Intn(n)
	}
	return t
}

func traceString(alphabet []Letter, trace []int) string {
	s := "["
	for i, l := range trace {
		if i > 0 {
			s += " "
		}
		s += alphabet[l].Name
	}
	return s + "]"
}
