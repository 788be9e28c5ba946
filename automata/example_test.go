package automata_test

import (
	"fmt"
	"os"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// Compile G(call -> X observation) & F answer and run traces through it.
func ExampleCompile() {
	call := &ltl.Atom{Kind: ltl.AtomCall, Name: "call"}
	obs := &ltl.Atom{Kind: ltl.AtomStep, Name: "observation"}
	answer := &ltl.Atom{Kind: ltl.AtomStep, Name: "answer"}
	f := &ltl.Binary{Op: ltl.OpAnd,
		L: &ltl.Unary{Op: ltl.OpAlways, X: &ltl.Binary{Op: ltl.OpImplies, L: call, R: &ltl.Unary{Op: ltl.OpNext, X: obs}}},
		R: &ltl.Unary{Op: ltl.OpEventually, X: answer},
	}
	a, err := automata.NewAlphabet([]string{"observation", "answer"}, []string{"search"}, f)
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := automata.Compile(f, a, automata.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("states:", d.NumStates())
	good := []ltl.Event{{Tool: "search"}, {Step: "observation"}, {Step: "answer"}}
	bad := []ltl.Event{{Tool: "search"}, {Step: "answer"}}
	fmt.Println(d.Accepts(good), d.Accepts(bad))
	w, _ := automata.Shortest(d)
	fmt.Println("shortest:", names(a.Events(w)))
	// Output:
	// states: 4
	// true false
	// shortest: [answer]
}

func ExampleWriteJSON() {
	x := &ltl.Atom{Kind: ltl.AtomStep, Name: "x"}
	f := &ltl.Unary{Op: ltl.OpEventually, X: x}
	a, _ := automata.NewAlphabet([]string{"x", "y"}, nil, f)
	d, _ := automata.Compile(f, a, automata.Options{})
	automata.WriteJSON(os.Stdout, d)
	// Output:
	// {"states":2,"initial":0,"accepting":[1],"alphabet":["x","y"],"transitions":[[0,"x",1],[0,"y",0],[1,"x",1],[1,"y",1]]}
}

func ExampleEquivalent() {
	a, _ := automata.NewAlphabet([]string{"x", "y"}, nil)
	x := &ltl.Atom{Kind: ltl.AtomStep, Name: "x"}
	fx := &ltl.Unary{Op: ltl.OpEventually, X: x}
	gx := &ltl.Unary{Op: ltl.OpAlways, X: x}
	d1, _ := automata.Compile(fx, a, automata.Options{})
	d2, _ := automata.Compile(gx, a, automata.Options{})
	eq, cex, side, _ := automata.Equivalent(d1, d2)
	fmt.Println(eq, names(a.Events(cex)), side)
	// Output:
	// false [x y] only-a
}

func names(evs []ltl.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Name()
	}
	return out
}

// A tool schema's enum, read by the caller into an ArgDomain, prunes the
// "none of them" symbol from the alphabet.
func ExampleNewAlphabetWith() {
	is := func(v string) ltl.Pred {
		return ltl.Pred{Arg: "role", Cmp: ltl.CmpEq, Value: ltl.Value{Kind: ltl.StringValue, Str: v}}
	}
	f := &ltl.Atom{Kind: ltl.AtomTool, Name: "check", Preds: []ltl.Pred{is("agent"), is("viewer")}}
	role := automata.ArgDomain{Finite: true, Values: []ltl.Value{is("agent").Value, is("viewer").Value}}
	for _, doms := range []map[string]map[string]automata.ArgDomain{nil, {"check": {"role": role}}} {
		a, _ := automata.NewAlphabetWith(nil, []string{"check"}, automata.AlphabetOptions{Domains: doms}, f)
		for i, s := range a.Symbols {
			fmt.Println(s.Name, a.Events([]int{i})[0].Args)
		}
		fmt.Println()
	}
	// Output:
	// check(!(role == "agent") & !(role == "viewer")) map[role:x]
	// check(role == "agent" & !(role == "viewer")) map[role:agent]
	// check(!(role == "agent") & role == "viewer") map[role:viewer]
	//
	// check(role == "agent" & !(role == "viewer")) map[role:agent]
	// check(!(role == "agent") & role == "viewer") map[role:viewer]
}
