package specplan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// TestResultTracesRoundTrip: every bundled trace, written back as JSON
// Lines (the outcome on the call) and read again, gets the same verdict,
// and the observation form and the call form agree.
func TestResultTracesRoundTrip(t *testing.T) {
	for _, name := range []string{"coding_agent", "travel_booking", "hr_accounts"} {
		path := filepath.Join("specs", name+".ltl")
		spec, err := specplan.CompileFile(path, catalogFor(t, path))
		if err != nil {
			t.Fatal(err)
		}
		traces, _ := filepath.Glob(filepath.Join("specs/testdata", name, "*", "*.jsonl"))
		for _, tp := range traces {
			events := readTrace(t, tp, spec.Source())
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			for _, e := range events {
				if err := enc.Encode(e); err != nil {
					t.Fatal(err)
				}
			}
			back, err := ltl.ReadTrace("back.jsonl", &buf, spec.Source())
			if err != nil {
				t.Fatalf("%s written back does not read: %v", tp, err)
			}
			if a, b := spec.Validate(events).Accepted, spec.Validate(back).Accepted; a != b {
				t.Errorf("%s: verdict %v, written back %v", tp, a, b)
			}
		}
	}
}

// TestMonitorResults: a guard over travel_booking lets get_budget through
// before its result is known, judges the result when Result records it,
// and then enforces the captured budget; a pay before any budget is
// blocked whatever its amount, and a blocked call records nothing.
func TestMonitorResults(t *testing.T) {
	spec, err := specplan.CompileFile("specs/travel_booking.ltl", catalogFor(t, "specs/travel_booking.ltl"))
	if err != nil {
		t.Fatal(err)
	}
	m := spec.NewMonitor()
	call := func(tool string, args string) ltl.Event {
		var a map[string]any
		d := json.NewDecoder(strings.NewReader(args))
		d.UseNumber()
		if err := d.Decode(&a); err != nil {
			t.Fatal(err)
		}
		return ltl.Event{Tool: tool, Args: a}
	}
	obs := ltl.Event{Step: "observation"}
	pay := call("pay", `{"hold_id":"H1","amount":100,"currency":"EUR"}`)
	if d := m.Step(pay); d.Allow || d.Violation.TypeFailure == nil || d.Violation.TypeFailure.Reference == "" {
		t.Fatalf("pay before any budget: %+v", d)
	}
	if d := m.Result(map[string]any{"limit": 1}, nil); d.Allow {
		t.Fatalf("Result after a blocked call was accepted: %+v", d)
	}
	steps := []struct {
		ev     *ltl.Event
		result any
		err    error
		allow  bool
	}{
		{ev: ptr(call("get_budget", `{"trip_id":"T1"}`)), allow: true},
		{result: map[string]any{"limit": json.Number("480"), "currency": "EUR"}, allow: true},
		{ev: &obs, allow: true},
		{ev: ptr(call("search_flights", `{"from":"BER","to":"LIS","date":"2026-12-10"}`)), allow: true},
		{ev: &obs, allow: true},
		{ev: ptr(call("hold_seat", `{"flight":"TP541"}`)), allow: true},
		{result: map[string]any{"id": "H1", "price": json.Number("455")}, allow: true},
		{ev: &obs, allow: true},
		{ev: ptr(call("pay", `{"hold_id":"H1","amount":480.01,"currency":"EUR"}`)), allow: false},
		{ev: ptr(call("pay", `{"hold_id":"H2","amount":455,"currency":"EUR"}`)), allow: false},
		{ev: &pay, allow: true},
		{ev: &obs, allow: true},
		{ev: &ltl.Event{Step: "answer"}, allow: true},
	}
	for i, s := range steps {
		var d specplan.Decision
		if s.ev != nil {
			d = m.Step(*s.ev)
		} else {
			d = m.Result(s.result, s.err)
		}
		if d.Allow != s.allow {
			t.Fatalf("step %d: %+v", i, d)
		}
	}
	if !m.CanEnd() {
		t.Fatal("cannot end")
	}
	ev := m.Events()
	if len(ev) != 9 || ev[0].Outcome != ltl.Returned || ev[2].Outcome != ltl.Pending || ev[4].Outcome != ltl.Returned {
		t.Fatalf("events: %+v", ev)
	}
	if v := spec.Validate(ev); !v.Accepted {
		t.Fatalf("the monitor's events do not validate: %+v", v.Violation)
	}
}

// TestMonitorResultOrder: a call whose outcome the spec reads waits for
// Result; the next Step is refused until then, and an answer that breaks
// the spec ends the session.
func TestMonitorResultOrder(t *testing.T) {
	spec, err := specplan.CompileFile("specs/hr_accounts.ltl", catalogFor(t, "specs/hr_accounts.ltl"))
	if err != nil {
		t.Fatal(err)
	}
	m := spec.NewMonitor()
	check := ltl.Event{Tool: "check_permission", Args: map[string]any{"action": "create_account"}}
	if d := m.Step(check); !d.Allow {
		t.Fatalf("check_permission: %+v", d)
	}
	if d := m.Step(ltl.Event{Step: "answer"}); d.Allow || !strings.Contains(d.Reason, "Monitor.Result") {
		t.Fatalf("Step while a result is pending: %+v", d)
	}
	if m.CanEnd() || m.Allowed() != nil {
		t.Fatal("a pending call lets the run end")
	}
	if d := m.Result(map[string]any{"allowed": "yes"}, nil); d.Allow || d.Violation.TypeFailure == nil || !d.Violation.TypeFailure.InResult {
		t.Fatalf("ill-typed result: %+v", d)
	}
	if d := m.Step(ltl.Event{Step: "answer"}); d.Allow || !strings.Contains(d.Reason, "already violates") {
		t.Fatalf("after a violating result: %+v", d)
	}
	m.Reset()
	m.Step(check)
	if d := m.Result(nil, errors.New("service down")); !d.Allow {
		t.Fatalf("failed check: %+v", d)
	}
	if d := m.Step(ltl.Event{Step: "answer"}); !d.Allow {
		t.Fatalf("answer: %+v", d)
	}
	if ev := m.Events(); ev[0].Outcome != ltl.Failed || ev[0].Error != "service down" {
		t.Fatalf("events: %+v", ev)
	}
}

func ptr[T any](v T) *T { return &v }

// ExampleMonitor_Result guards a call whose result a later rule reads:
// Step before the call runs, Result with what it returned.
func ExampleMonitor_Result() {
	src := `spec hr
steps answer
tools check_permission, create_account
rule G(create_account -> O check_permission returns (allowed == true))
rule F answer
`
	spec, err := specplan.Compile("hr.ltl", []byte(src), specplan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := spec.NewMonitor()
	fmt.Println(m.Step(ltl.Event{Tool: "check_permission"}).Allow)
	fmt.Println(m.Result(map[string]any{"allowed": false}, nil).Allow)
	fmt.Println(m.Step(ltl.Event{Tool: "create_account"}).Allow)
	// Output:
	// true
	// true
	// false
}

// TestWitnessResultsUnderOutputSchema: witnesses realise the result parts
// they need, and a tool's MCP outputSchema fills and validates the rest.
func TestWitnessResultsUnderOutputSchema(t *testing.T) {
	cat := `{"tools": [
  {"name": "check_permission", "inputSchema": {"type": "object", "properties": {"action": {"type": "string"}}, "required": ["action"]},
   "outputSchema": {"type": "object", "properties": {"allowed": {"type": "boolean"}, "reason": {"type": "string", "minLength": 3}}, "required": ["allowed", "reason"], "additionalProperties": false}},
  {"name": "create_account", "inputSchema": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]}}
]}`
	tools, err := ltl.ParseCatalog("c.json", []byte(cat))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := specplan.Compile("hr.ltl", []byte(`spec hr
steps answer
tools check_permission, create_account
rule G(create_account -> O check_permission returns (allowed == true))
rule F create_account & F answer & G(answer -> last)
`), specplan.Options{Catalog: tools})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := spec.Witnesses(5)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) == 0 {
		t.Fatal("no witnesses")
	}
	for _, w := range ws {
		if v := spec.Validate(w); !v.Accepted {
			t.Fatalf("witness does not validate: %v", v.Violation.Reason)
		}
		sawAllowed := false
		for _, e := range w {
			if e.Tool != "check_permission" {
				continue
			}
			if e.Outcome == ltl.Failed {
				continue
			}
			r, ok := e.Result.(map[string]any)
			if !ok {
				t.Fatalf("result %#v is not an object", e.Result)
			}
			if s, ok := r["reason"].(string); !ok || len(s) < 3 {
				t.Errorf("result %v lacks the outputSchema's required reason", r)
			}
			sawAllowed = sawAllowed || r["allowed"] == true
		}
		if !sawAllowed {
			t.Errorf("witness %v creates an account without an allowed check", w)
		}
	}
}
