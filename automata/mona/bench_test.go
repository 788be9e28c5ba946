package mona

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/specplan/specplan/ltl"
)

// chainSkipAfter: once one MONA run of a chain takes longer than this, the
// sub-benchmark stops (b.Skip) instead of repeating it.
const chainSkipAfter = 30 * time.Second

// BenchmarkMONAChain times MONA deciding the satisfiability of the chain
// F(a1 & X F(a2 & … F(aK))) over K letters, one process per iteration.
// MONA's intermediate automata grow exponentially in K.
func BenchmarkMONAChain(b *testing.B) {
	needMONA(b)
	tooSlow := 0 // the smallest K whose run passed chainSkipAfter; larger K only take longer
	for _, k := range []int{2, 4, 6, 8, 10, 12, 14, 16} {
		b.Run("K="+strconv.Itoa(k), func(b *testing.B) {
			if tooSlow > 0 {
				b.Skipf("K=%d already took over %v", tooSlow, chainSkipAfter)
			}
			for b.Loop() {
				d, err := TimeChain(context.Background(), k)
				if err != nil {
					b.Fatal(err)
				}
				if d > chainSkipAfter {
					tooSlow = k
					b.Skipf("one MONA run took %v (> %v); not repeating", d, chainSkipAfter)
				}
			}
		})
	}
}

// BenchmarkMONADFA times building MONA's DFA for a small safety formula:
// the cost of one oracle call in the random tests.
func BenchmarkMONADFA(b *testing.B) {
	needMONA(b)
	f := un(ltl.OpAlways, bin(ltl.OpImplies, tool("refund"), un(ltl.OpOnce, tool("search"))))
	for b.Loop() {
		if _, err := BuildDFA(context.Background(), f, testAlphabet); err != nil {
			b.Fatal(err)
		}
	}
}
