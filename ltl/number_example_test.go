package ltl_test

import (
	"encoding/json"
	"fmt"

	"github.com/specplan/specplan/ltl"
)

// Numbers compare exactly, past float64's 2^53 and beyond its range.
func ExampleParseNumber() {
	a := ltl.MustParseNumber("9007199254740993")
	b, _, _ := ltl.NumberOf(json.Number("9007199254740992"))
	fmt.Println(a.Cmp(b), ltl.MustParseNumber("-1e-400").Cmp(ltl.Number{}), ltl.MustParseNumber("1e400"))
	// Output: 1 -1 1e400
}

// A predicate implies its argument's type: a string amount is rejected,
// not merely "not greater than 1000".
func ExampleCheckArgs() {
	p := ltl.Pred{Arg: "amount", Cmp: ltl.CmpGt, Value: ltl.Value{Kind: ltl.NumberValue, Num: ltl.IntNumber(1000)}}
	err := ltl.CheckArgs("refund", []ltl.Pred{p}, map[string]any{"amount": "5000"})
	fmt.Println(err.Want, err.Got)
	fmt.Println(ltl.CheckArgs("refund", []ltl.Pred{p}, map[string]any{"amount": json.Number("5000")}) == nil)
	// Output:
	// number string
	// true
}
