package routines_test

import (
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/routines"
)

const refund = `routine refund "Refund a damaged order"
input order_id: string
1. "Look up the order" -> get_order(order_id: $order_id) as order
2. if $order.status == "delivered" {
     2.1 "Issue the refund" -> issue_refund(order_id: $order_id, amount: $order.total)
   } else {
     2.2 "Explain why not" -> answer
   }
`

func ExampleParse() {
	r, err := routines.Parse("refund.routine", []byte(refund))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(routines.Format(r))
	// Output:
	// routine refund "Refund a damaged order"
	// input order_id: string
	//
	// 1. "Look up the order" -> get_order(order_id: $order_id) as order
	// 2. if $order.status == "delivered" {
	//   2.1 "Issue the refund" -> issue_refund(order_id: $order_id, amount: $order.total)
	// } else {
	//   2.2 "Explain why not" -> answer
	// }
}

func ExampleCheck() {
	src := []byte(refund)
	r, _ := routines.Parse("refund.routine", src)
	catalog, _ := ltl.ParseCatalog("shop.tools.json", []byte(`[
	  {"name": "get_order", "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
	   "outputSchema": {"type": "object", "properties": {"status": {"type": "string"}, "total": {"type": "string"}}}},
	  {"name": "issue_refund", "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}}}}
	]`))
	err := routines.Check(r, catalog)
	fmt.Print(err.(ltl.ErrorList).Format(src))
	// Output:
	// refund.routine:5:66: parameter "amount" of issue_refund is a number, but $order.total is a string
	//      2.1 "Issue the refund" -> issue_refund(order_id: $order_id, amount: $order.total)
	//                                                                  ^
}

func ExampleParseText() {
	r, err := routines.ParseText("hr.txt", []byte(
		"Step 1. Check permission: May the user onboard?; output: perm; uses check_permission\n"+
			"Step 2. Create the account: Open it; input: name = any; uses create_account\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(routines.Format(r))
	// Output:
	// routine hr
	//
	// 1. "Check permission: May the user onboard?" -> check_permission(...) as perm
	// 2. "Create the account: Open it" -> create_account(name: any)
}

func ExampleLower() {
	r, _ := routines.Parse("refund.routine", []byte(refund))
	text, err := routines.LowerOptions{Inputs: map[string]any{"order_id": "A17"}}.Lower(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(text)
	// Output:
	// # Lowered from routine refund by routines.Lower: each event happens only as a
	// # step of the routine, its arguments forced, right after a step that may
	// # precede it and under the conditions that lead there; the run ends where
	// # the routine may end.
	// spec refund "Refund a damaged order"
	// steps answer
	// tools get_order, issue_refund
	// let order = get_order
	//
	// # every event is one of the routine's
	// rule G(answer | get_order | issue_refund)
	//
	// # get_order: step 1 "Look up the order"
	// rule G(get_order -> get_order(order_id == "A17") & !Y true)
	//
	// # issue_refund: step 2.1 "Issue the refund"
	// rule G(issue_refund -> issue_refund(order_id == "A17", amount == $order.total) & Y(get_order & (!get_order S get_order returns (status == "delivered"))))
	//
	// # answer: step 2.2 "Explain why not"
	// rule G(answer -> answer & Y(get_order & !(!get_order S get_order returns (status == "delivered"))))
	//
	// # the run ends where the routine may end
	// rule G(last -> issue_refund | answer)
}

func ExampleCompile() {
	r, _ := routines.Parse("refund.routine", []byte(refund))
	catalog, _ := ltl.ParseCatalog("shop.tools.json", []byte(`[
	  {"name": "get_order", "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
	   "outputSchema": {"type": "object", "properties": {"status": {"type": "string"}, "total": {"type": "number"}}}},
	  {"name": "issue_refund", "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}, "amount": {"type": "number"}}}}
	]`))
	// Inputs are literals in the compiled spec: one Compile per input set.
	spec, err := routines.Compile(r, map[string]any{"order_id": "A17"}, catalog, specplan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	order := ltl.Event{Tool: "get_order", Args: map[string]any{"order_id": "A17"},
		Outcome: ltl.Returned, Result: map[string]any{"status": "delivered", "total": 40}}
	refundOf := func(amount int) ltl.Event {
		return ltl.Event{Tool: "issue_refund", Args: map[string]any{"order_id": "A17", "amount": amount}, Outcome: ltl.Returned, Result: map[string]any{}}
	}
	fmt.Println(spec.Validate([]ltl.Event{order, refundOf(40)}).Accepted)
	fmt.Println(spec.Validate([]ltl.Event{order, refundOf(400)}).Accepted)

	_, err = routines.Compile(r, map[string]any{"order_id": 17}, catalog, specplan.Options{})
	fmt.Println(err)
	// Output:
	// true
	// false
	// refund.routine:2:7: input order_id is declared a string, but its value is an integer
}
