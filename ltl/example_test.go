package ltl_test

import (
	"fmt"
	"strings"

	"github.com/specplan/specplan/ltl"
)

func ExampleParse() {
	src := `spec react "ReAct agent"
steps thought, answer, observation
tools search, lookup
rule G(thought -> X(call | answer))
rule G(call -> X observation)
rule responds(search, answer)
rule G(answer -> last)
`
	spec, err := ltl.Parse("react.ltl", []byte(src), ltl.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range spec.Rules {
		fmt.Println(r.Formula)
	}
	trace, _ := ltl.ReadTrace("run.jsonl", strings.NewReader(`{"step":"thought"}
{"tool":"search","args":{"q":"dune"}}
{"step":"observation","text":"Frank Herbert"}
{"step":"answer"}`), spec)
	fmt.Println("satisfied:", ltl.Eval(spec.Formula(), trace))

	_, err = ltl.Parse("bad.ltl", []byte("spec s steps thought rule F thougth"), ltl.Options{})
	fmt.Print(err.(ltl.ErrorList).Format([]byte("spec s steps thought rule F thougth")))
	// Output:
	// G(thought -> X(call | answer))
	// G(call -> X observation)
	// G(search -> X F answer)
	// G(answer -> last)
	// satisfied: true
	// bad.ltl:1:29: "thougth" is not a declared step or tool (did you mean "thought"?)
	// spec s steps thought rule F thougth
	//                             ^
}
