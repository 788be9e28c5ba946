package ltl

import "testing"

func TestDescribe(t *testing.T) {
	cases := []struct{ rule, want string }{
		{"G(call -> X observation)", "every tool call must be followed immediately by an observation"},
		{"G(answer -> last)", "nothing may come after an answer"},
		{"never(drop_table(table == \"users\"))", `a call of drop_table with table == "users" must never happen`},
		{"F answer", "an answer must happen at some point"},
		{"before(get_order, refund)", "no call of refund may happen until a call of get_order has happened"},
		{"responds(refund, notify)", "every call of refund must be followed later by a call of notify"},
		{"precedes(confirm, delete)", "a call of delete is allowed only after a call of confirm has happened"},
		{"G(refund(amount > 100) -> O approve)", "a call of refund with amount > 100 is allowed only once a call of approve has happened"},
		{"thought", "the run must start with a thought"},
		{"G((delete | drop) -> Y observation)", "a call of delete or a call of drop is allowed only right after an observation"},
		{"G(thought -> X(call | answer))", "every thought must be followed immediately by a tool call or an answer"},
		{"at_most(1, refund)", "a call of refund may happen at most once"},
		{"at_most(3, thought)", "a thought may happen at most 3 times"},
		{"at_least(2, observation)", "an observation must happen at least 2 times"},
		{"exactly(2, approve)", "a call of approve must happen exactly 2 times"},
		{"G(delete -> Y(observation & Y confirm(action == \"delete\")))", `a call of delete is allowed only right after an observation right after a call of confirm with action == "delete"`},
		{"thought U answer", "(the event is a thought) until (the event is an answer)"},
	}
	for _, c := range cases {
		f, err := ParseFormula("d.ltl", []byte(c.rule), []string{"thought", "answer", "observation"},
			[]string{"drop_table", "get_order", "refund", "notify", "confirm", "delete", "approve", "drop"})
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		if got := Describe(f); got != c.want {
			t.Errorf("Describe(%s)\n got: %s\nwant: %s", c.rule, got, c.want)
		}
	}
}
