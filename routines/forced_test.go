package routines

import (
	"encoding/json"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestForcedArgs: a call whose forced arguments equal the literal, the
// input and the earlier result they name passes (numbers compared as
// decimals: 42.50 is 42.5); one that pays another amount does not; a
// reference to the result of a call that failed cannot pass.
func TestForcedArgs(t *testing.T) {
	r, err := Parse("r.routine", []byte(`routine refund "R"
input order_id: string
1. -> check_permission(action: "refund")
2. -> get_order(order_id: $order_id) as order
3. -> issue_refund(order_id: $order_id, amount: $order.total)
`))
	if err != nil {
		t.Fatal(err)
	}
	check := ForcedArgs(r, map[string]any{"order_id": "A17"})
	order := ltl.Event{Tool: "get_order", Args: map[string]any{"order_id": "A17"}, Outcome: ltl.Returned,
		Result: map[string]any{"total": json.Number("42.5")}}
	run := func(amount string, orderOutcome ltl.Outcome) (int, bool) {
		o := order
		o.Outcome = orderOutcome
		if orderOutcome == ltl.Failed {
			o.Result, o.Error = nil, "no such order"
		}
		return check([]ltl.Event{
			{Tool: "check_permission", Args: map[string]any{"action": "refund"}, Outcome: ltl.Returned, Result: map[string]any{}},
			o,
			{Tool: "issue_refund", Args: map[string]any{"order_id": "A17", "amount": json.Number(amount)}},
		})
	}
	if n, ok := run("42.50", ltl.Returned); !ok || n != 4 {
		t.Errorf("equal run: %d checked, ok %v; want 4, true", n, ok)
	}
	if _, ok := run("99999", ltl.Returned); ok {
		t.Error("a refund of another amount passed")
	}
	if _, ok := run("42.5", ltl.Failed); ok {
		t.Error("a reference to a failed call's result passed")
	}
}
