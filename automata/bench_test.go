package automata

import (
	"testing"

	"github.com/specplan/specplan/ltl"
)

func benchCompile(b *testing.B, f ltl.Formula, steps, tools []string) {
	a, err := NewAlphabet(steps, tools, f)
	if err != nil {
		b.Fatal(err)
	}
	var d *DFA
	b.ReportAllocs()
	for b.Loop() {
		d, err = Compile(f, a, Options{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumStates()), "states")
}

// BenchmarkChain: sequential chains F(t1 & X F(t2 & …)); the minimal DFA
// has K+1 states and construction grows polynomially in K.
func BenchmarkChain(b *testing.B) {
	for _, k := range []int{2, 5, 10, 20, 30, 40} {
		f, tools := chain(k)
		b.Run("K="+itoa(k), func(b *testing.B) { benchCompile(b, f, nil, tools) })
	}
}

func BenchmarkReAct(b *testing.B) {
	f, steps, tools := reactSpec()
	benchCompile(b, f, steps, tools)
}

func BenchmarkRoutine30(b *testing.B) {
	f, steps, tools := routineSpec(30)
	benchCompile(b, f, steps, tools)
}

func BenchmarkGuardrails(b *testing.B) {
	f, steps, tools := guardrailSpec()
	benchCompile(b, f, steps, tools)
}

func BenchmarkMinimize(b *testing.B) {
	f, steps, tools := routineSpec(30)
	a, _ := NewAlphabet(steps, tools, f)
	raw, err := Determinize(f, a, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Minimize(raw)
	}
}
