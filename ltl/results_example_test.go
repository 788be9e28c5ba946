package ltl_test

import (
	"fmt"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// A rule reads a tool's result, and a capture carries a result to a later
// call's predicate.
func ExampleEval_results() {
	spec, err := ltl.Parse("travel.ltl", []byte(`spec travel
tools get_budget, pay
let budget = get_budget
rule G(pay -> pay(amount <= $budget.limit))
rule never(get_budget fails)
`), ltl.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, trace := range []string{
		`{"tool":"get_budget","result":{"limit":480}}` + "\n" + `{"tool":"pay","args":{"amount":480}}`,
		`{"tool":"get_budget","result":{"limit":480}}` + "\n" + `{"tool":"pay","args":{"amount":480.5}}`,
		`{"tool":"pay","args":{"amount":1}}`,
		`{"tool":"get_budget","error":"timeout"}`,
	} {
		events, err := ltl.ReadTrace("t.jsonl", strings.NewReader(trace), spec)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(ltl.Eval(spec.Formula(), events), ltl.CheckTrace(spec.Formula(), events) != nil)
	}
	// Output:
	// true false
	// false false
	// false true
	// false false
}
