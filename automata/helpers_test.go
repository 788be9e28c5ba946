package automata

import (
	"github.com/specplan/specplan/ltl"
)

// Small AST constructors: tests build formulas directly, independent of the
// ltl parser.

func step(name string) *ltl.Atom { return &ltl.Atom{Kind: ltl.AtomStep, Name: name} }
func tool(name string, preds ...ltl.Pred) *ltl.Atom {
	return &ltl.Atom{Kind: ltl.AtomTool, Name: name, Preds: preds}
}
func callAtom() *ltl.Atom { return &ltl.Atom{Kind: ltl.AtomCall, Name: "call"} }
func num(arg string, c ltl.Cmp, v float64) ltl.Pred {
	n, _, _ := ltl.NumberOf(v)
	return ltl.Pred{Arg: arg, Cmp: c, Value: ltl.Value{Kind: ltl.NumberValue, Num: n}}
}
func str(arg string, c ltl.Cmp, v string) ltl.Pred {
	return ltl.Pred{Arg: arg, Cmp: c, Value: ltl.Value{Kind: ltl.StringValue, Str: v}}
}
func boolp(arg string, c ltl.Cmp, v bool) ltl.Pred {
	return ltl.Pred{Arg: arg, Cmp: c, Value: ltl.Value{Kind: ltl.BoolValue, Bool: v}}
}
func cnst(v bool) ltl.Formula                     { return &ltl.Const{Value: v} }
func last() ltl.Formula                           { return &ltl.Last{} }
func un(op ltl.Op, x ltl.Formula) ltl.Formula     { return &ltl.Unary{Op: op, X: x} }
func bin(op ltl.Op, l, r ltl.Formula) ltl.Formula { return &ltl.Binary{Op: op, L: l, R: r} }
func not(x ltl.Formula) ltl.Formula               { return un(ltl.OpNot, x) }
func X(x ltl.Formula) ltl.Formula                 { return un(ltl.OpNext, x) }
func F(x ltl.Formula) ltl.Formula                 { return un(ltl.OpEventually, x) }
func G(x ltl.Formula) ltl.Formula                 { return un(ltl.OpAlways, x) }
func Y(x ltl.Formula) ltl.Formula                 { return un(ltl.OpYesterday, x) }
func O(x ltl.Formula) ltl.Formula                 { return un(ltl.OpOnce, x) }
func and(l, r ltl.Formula) ltl.Formula            { return bin(ltl.OpAnd, l, r) }
func or(l, r ltl.Formula) ltl.Formula             { return bin(ltl.OpOr, l, r) }
func implies(l, r ltl.Formula) ltl.Formula        { return bin(ltl.OpImplies, l, r) }
func ands(fs ...ltl.Formula) ltl.Formula {
	out := fs[0]
	for _, f := range fs[1:] {
		out = and(out, f)
	}
	return out
}

// chain is F(a1 & X F(a2 & X F(… & X F(aK)))) over tools t1..tK.
func chain(k int) (ltl.Formula, []string) {
	tools := make([]string, k)
	for i := range tools {
		tools[i] = "t" + itoa(i+1)
	}
	var f ltl.Formula = F(tool(tools[k-1]))
	for i := k - 2; i >= 0; i-- {
		f = F(and(tool(tools[i]), X(f)))
	}
	return f, tools
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func mustAlphabet(t interface{ Fatal(...any) }, steps, tools []string, fs ...ltl.Formula) *Alphabet {
	a, err := NewAlphabet(steps, tools, fs...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustCompile(t interface{ Fatal(...any) }, f ltl.Formula, a *Alphabet) *DFA {
	d, err := Compile(f, a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// withInitial is d started in state q.
func withInitial(d *DFA, q int) *DFA {
	return &DFA{Alphabet: d.Alphabet, Initial: q, Accepting: d.Accepting, Trans: d.Trans}
}

// The typical agent specs used by tests and benchmarks.

func reactSpec() (ltl.Formula, []string, []string) {
	steps := []string{"thought", "observation", "answer"}
	tools := []string{"search", "lookup"}
	f := ands(
		G(implies(step("thought"), X(or(callAtom(), step("answer"))))),
		G(implies(callAtom(), X(step("observation")))),
		F(step("answer")),
		G(implies(step("answer"), last())),
	)
	return f, steps, tools
}

func guardrailSpec() (ltl.Formula, []string, []string) {
	steps := []string{"thought", "answer"}
	tools := []string{"delete", "confirm", "read", "refund"}
	f := ands(
		G(implies(tool("delete"), Y(O(tool("confirm"))))),
		G(implies(tool("refund", num("amount", ltl.CmpGt, 100)), O(tool("confirm")))),
		G(implies(tool("refund", str("currency", ltl.CmpNe, "EUR")), F(step("answer")))),
	)
	return f, steps, tools
}

// routineSpec is a 30-step routine: the steps happen in order, each at most
// once before the next, ending with an answer.
func routineSpec(n int) (ltl.Formula, []string, []string) {
	steps := []string{"thought", "answer"}
	tools := make([]string, n)
	for i := range tools {
		tools[i] = "step" + itoa(i+1)
	}
	f, _ := chainOver(tools)
	parts := []ltl.Formula{f, F(step("answer")), G(implies(step("answer"), last()))}
	for i := 1; i < n; i++ {
		// step i+1 only after step i
		parts = append(parts, G(implies(tool(tools[i]), O(tool(tools[i-1])))))
	}
	return ands(parts...), steps, tools
}

func chainOver(tools []string) (ltl.Formula, []string) {
	k := len(tools)
	var f ltl.Formula = F(tool(tools[k-1]))
	for i := k - 2; i >= 0; i-- {
		f = F(and(tool(tools[i]), X(f)))
	}
	return f, tools
}
