package mona_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/specplan/specplan/automata/mona"
	"github.com/specplan/specplan/ltl"
)

// Encode needs no mona binary: it only writes the program.
func ExampleEncode() {
	alphabet := []mona.Letter{
		{Name: "thought", Event: ltl.Event{Step: "thought"}},
		{Name: "search", Event: ltl.Event{Tool: "search"}},
	}
	f := &ltl.Unary{Op: ltl.OpEventually, X: &ltl.Atom{Kind: ltl.AtomCall, Name: "call"}}
	prog, err := mona.Encode(f, alphabet)
	if err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(strings.TrimSpace(prog), "\n")
	fmt.Println(lines[len(lines)-2])
	fmt.Println(lines[len(lines)-1])
	// Output:
	// pred A0(var1 p) = L1(p); # call
	// 0 in $ & WF & (ex1 v1: (0 <= v1 & A0(v1)));
}

// Accepts runs mona, so this example is compiled but not run (it has no
// Output comment): machines without mona would fail it.
func ExampleAccepts() {
	alphabet := []mona.Letter{
		{Name: "thought", Event: ltl.Event{Step: "thought"}},
		{Name: "search", Event: ltl.Event{Tool: "search"}},
	}
	// X search: the second event is a search.
	f := &ltl.Unary{Op: ltl.OpNext, X: &ltl.Atom{Kind: ltl.AtomTool, Name: "search"}}
	ok, err := mona.Accepts(context.Background(), f, alphabet, []int{0, 1})
	fmt.Println(ok, err)
}
