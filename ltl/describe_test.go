package ltl

import (
	"errors"
	"strings"
	"testing"
)

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

func TestByteOrderMarkIsSkipped(t *testing.T) {
	bom := "\xEF\xBB\xBF"
	if _, err := Parse("b.ltl", []byte(bom+"spec s\nsteps a\nrule F a\n"), Options{}); err != nil {
		t.Errorf("spec with BOM: %v", err)
	}
	ev, err := ReadTrace("b.jsonl", strings.NewReader(bom+`{"step":"a"}`+"\n"), nil)
	if err != nil || len(ev) != 1 || ev[0].Step != "a" {
		t.Errorf("trace with BOM: %v %v", ev, err)
	}
	// Positions still index the file as it is on disk.
	_, err = Parse("b.ltl", []byte(bom+"spec s\nsteps a\nrule F zz\n"), Options{})
	var l ErrorList
	if !errors.As(err, &l) || l[0].Pos.Line != 3 || l[0].Pos.Column != 8 {
		t.Errorf("error position with BOM: %v", err)
	}
}

func TestCaretEscapesControlBytes(t *testing.T) {
	src := []byte("spec s\nsteps a\nrule F \x1b[31mzz\x07\n")
	_, err := Parse("c.ltl", src, Options{})
	var l ErrorList
	if !errors.As(err, &l) {
		t.Fatalf("want an ErrorList, got %v", err)
	}
	out := l.Format(src)
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("formatted error passes control bytes to the terminal: %q", out)
	}
}

func TestTraceLineThatIsNotAnObject(t *testing.T) {
	_, err := ReadTrace("t.jsonl", strings.NewReader("[]\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "must be one JSON object") || strings.Contains(err.Error(), "ltl.") {
		t.Errorf("error = %v: want a plain message without Go type names", err)
	}
}
