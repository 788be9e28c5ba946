package ltl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const resultsSpec = `spec travel
steps observation
tools get_budget, pay, hold_seat, cancel, ask_user, delete_file, search, transfer
let budget = get_budget
let hold = hold_seat
rule G(pay -> pay(amount <= $budget.limit))
rule never(pay(amount > $budget.limit))
rule G(cancel -> cancel(hold_id == $hold.id))
rule G(delete_file -> Y ask_user returns (approved == true))
rule never(search(city contains "test")) & never(transfer(to.iban starts_with "XX"))
rule never(transfer(card.kind in ["amex", "diners"])) & never(search(city matches "^[0-9]+$"))
rule G(hold_seat fails -> X ask_user)
`

func mustSpec(t *testing.T, src string) *Spec {
	t.Helper()
	s, err := Parse("t.ltl", []byte(src), Options{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return s
}

func readTr(t *testing.T, s *Spec, lines string) []Event {
	t.Helper()
	tr, err := ReadTrace("t.jsonl", strings.NewReader(lines), s)
	if err != nil {
		t.Fatalf("trace: %v", err)
	}
	return tr
}

func TestResultsEval(t *testing.T) {
	s := mustSpec(t, resultsSpec)
	f := s.Formula()
	cases := []struct {
		name  string
		trace string
		want  bool
	}{
		{"pay within budget", `{"tool":"get_budget","result":{"limit":480}}
{"tool":"pay","args":{"amount":480}}`, true},
		{"pay over budget", `{"tool":"get_budget","result":{"limit":480}}
{"tool":"pay","args":{"amount":480.0000000000000000001}}`, false},
		{"pay before any budget", `{"tool":"pay","args":{"amount":1}}`, false},
		{"pay after the budget call failed", `{"tool":"get_budget","result":{"limit":480}}
{"tool":"get_budget","error":"timeout"}
{"tool":"pay","args":{"amount":1}}`, false},
		{"pay after a pending budget call", `{"tool":"get_budget","result":{"limit":480}}
{"tool":"get_budget"}
{"tool":"pay","args":{"amount":1}}`, false},
		{"budget without the path", `{"tool":"get_budget","result":{"max":480}}
{"tool":"pay","args":{"amount":1}}`, false},
		{"budget of the wrong type", `{"tool":"get_budget","result":{"limit":"480"}}
{"tool":"pay","args":{"amount":1}}`, false},
		{"cancel the held seat", `{"tool":"hold_seat","result":{"id":"H1"}}
{"tool":"cancel","args":{"hold_id":"H1"}}`, true},
		{"cancel another seat", `{"tool":"hold_seat","result":{"id":"H1"}}
{"tool":"cancel","args":{"hold_id":"H2"}}`, false},
		{"cancel with a number id", `{"tool":"hold_seat","result":{"id":"1"}}
{"tool":"cancel","args":{"hold_id":1}}`, false},
		{"delete after approval", `{"tool":"ask_user","result":{"approved":true}}
{"tool":"delete_file","args":{"path":"/x"}}`, true},
		{"delete after approval via observation", `{"tool":"ask_user"}
{"step":"observation","result":{"approved":true}}
{"tool":"delete_file","args":{"path":"/x"}}`, false},
		{"delete after refusal", `{"tool":"ask_user","result":{"approved":false}}
{"tool":"delete_file"}`, false},
		{"ask_user without an outcome", `{"tool":"ask_user"}`, false},
		{"ask_user failed", `{"tool":"ask_user","error":"gone"}`, true},
		{"search ok", `{"tool":"search","args":{"city":"Paris"}}`, true},
		{"search test", `{"tool":"search","args":{"city":"a test city"}}`, false},
		{"search digits", `{"tool":"search","args":{"city":"123"}}`, false},
		{"search non-string", `{"tool":"search","args":{"city":5}}`, false},
		{"transfer ok", `{"tool":"transfer","args":{"to":{"iban":"DE1"},"card":{"kind":"visa"}}}`, true},
		{"transfer XX", `{"tool":"transfer","args":{"to":{"iban":"XX1"},"card":{"kind":"visa"}}}`, false},
		{"transfer amex", `{"tool":"transfer","args":{"to":{"iban":"DE1"},"card":{"kind":"amex"}}}`, false},
		{"transfer missing nested", `{"tool":"transfer","args":{"to":{},"card":{"kind":"visa"}}}`, false},
		{"hold failed then ask", `{"tool":"hold_seat","error":"sold out"}
{"tool":"ask_user","result":{"approved":false}}`, true},
		{"hold failed then nothing", `{"tool":"hold_seat","error":"sold out"}`, false},
	}
	for _, c := range cases {
		tr := readTr(t, s, c.trace)
		if got := Eval(f, tr); got != c.want {
			t.Errorf("%s: Eval = %v, want %v (CheckTrace: %v)", c.name, got, c.want, CheckTrace(f, tr))
		}
		if c.want == false && CheckTrace(f, tr) != nil {
			// Fail-closed: the negation does not hold either.
			if Eval(&Unary{Op: OpNot, X: f}, tr) {
				t.Errorf("%s: rejected trace satisfies the negation", c.name)
			}
		}
	}
}

func TestResultsRoundTrip(t *testing.T) {
	s := mustSpec(t, resultsSpec)
	for _, r := range s.Rules {
		text := r.Formula.String()
		g, err := ParseFormula("r", []byte(text), nil, declNames(s.Tools))
		if err != nil {
			// References need the spec's lets: parse inside a spec.
			src := "spec x\ntools " + strings.Join(declNames(s.Tools), ", ") + "\nlet budget = get_budget\nlet hold = hold_seat\nrule " + text + "\n"
			sp, err := Parse("r", []byte(src), Options{})
			if err != nil {
				t.Fatalf("%s does not parse back: %v", text, err)
			}
			g = sp.Rules[0].Formula
		}
		if !Equal(r.Formula, g) || g.String() != text {
			t.Errorf("round trip: %s -> %s", text, g.String())
		}
	}
}

func TestTraceOutcomeForms(t *testing.T) {
	s := mustSpec(t, "spec x\nsteps observation, thought\ntools get_order\nlet order = get_order\nrule G(get_order -> get_order returns (id == \"A\"))\n")
	a := readTr(t, s, `{"tool":"get_order","args":{"n":1},"result":{"id":"A","total":12.50}}
{"step":"observation","text":"ok"}`)
	b := readTr(t, s, `{"tool":"get_order","args":{"n":1}}
{"step":"observation","text":"ok","result":{"id":"A","total":12.50}}`)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("forms differ:\n%s\n%s", ja, jb)
	}
	if !Eval(s.Formula(), a) {
		t.Fatal("not accepted")
	}
	// Written back and read again: equal.
	var lines []string
	for _, e := range a {
		j, _ := json.Marshal(e)
		lines = append(lines, string(j))
	}
	c := readTr(t, s, strings.Join(lines, "\n"))
	jc, _ := json.Marshal(c)
	if string(jc) != string(ja) {
		t.Fatalf("round trip differs:\n%s\n%s", jc, ja)
	}
	if !strings.Contains(string(ja), `"total":12.50`) {
		t.Fatalf("result number not kept exactly: %s", ja)
	}
	null := readTr(t, s, `{"tool":"get_order","result":null}`)
	if null[0].Outcome != Returned || null[0].Result != nil {
		t.Fatalf("null result: %+v", null[0])
	}
	j, _ := json.Marshal(null[0])
	if string(j) != `{"tool":"get_order","result":null}` {
		t.Fatalf("null result written as %s", j)
	}
	fail := readTr(t, s, `{"tool":"get_order","error":""}`)
	if fail[0].Outcome != Failed {
		t.Fatalf("empty error: %+v", fail[0])
	}
	none := readTr(t, s, `{"tool":"get_order","error":null}`)
	if none[0].Outcome != Pending {
		t.Fatalf("null error: %+v", none[0])
	}
}

func TestTraceOutcomeErrors(t *testing.T) {
	s := mustSpec(t, "spec x\nsteps observation, thought\ntools get_order\nrule G(get_order)\n")
	cases := []struct{ trace, want string }{
		{`{"tool":"get_order","result":1,"error":"x"}`, "both"},
		{`{"tool":"get_order","error":5}`, "must be a string"},
		{`{"step":"thought","result":1}`, "cannot carry"},
		{`{"step":"observation","result":1}`, "answers no call"},
		{`{"tool":"get_order"}
{"step":"thought"}
{"step":"observation","result":1}`, "answers no call"},
		{`{"tool":"get_order","result":1}
{"step":"observation","result":1}`, "already has its result"},
		{`{"tool":"get_order","Result":1}`, "Result"},
		{`{"tool":"get_order","ERROR":"x"}`, "ERROR"},
		{`{"tool":"get_order","result":1,"result":2}`, "duplicate"},
	}
	for _, c := range cases {
		_, err := ReadTrace("t.jsonl", strings.NewReader(c.trace), s)
		var l ErrorList
		if !errors.As(err, &l) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.trace, err, c.want)
		}
	}
}

func TestResultsParseErrors(t *testing.T) {
	head := "spec x\nsteps answer\ntools pay, get_budget\nlet budget = get_budget\n"
	cases := []struct {
		src  string
		code Code
	}{
		{"rule G(pay(amount <= $budjet.limit))", ErrCapture},
		{"let budget = get_budget\nrule G(pay)", ErrCapture},
		{"let b = nothing\nrule G(pay)", ErrCapture},
		{`rule G(pay(note matches "(("))`, ErrRegex},
		{`rule G(pay(note contains 5))`, ErrPredicate},
		{`rule G(pay(kind in ["a", 1]))`, ErrPredicate},
		{`rule G(pay(kind in "a"))`, ErrPredicate},
		{`rule G(pay(kind == ["a"]))`, ErrPredicate},
		{`rule G(pay(note contains $budget.x))`, ErrPredicate},
		{`rule G(call returns (a == 1))`, ErrPredicate},
		{`rule G(answer fails)`, ErrPredicate},
		{`rule G(pay returns ())`, ErrSyntax},
	}
	for _, c := range cases {
		_, err := Parse("t.ltl", []byte(head+c.src+"\n"), Options{})
		var l ErrorList
		if !errors.As(err, &l) || l[0].Code != c.code {
			t.Errorf("%q: got %v, want code %v", c.src, err, c.code)
		}
	}
}
