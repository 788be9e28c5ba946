package specplan_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/schema"
)

func compileWithCatalog(t *testing.T, spec, catalog string) *specplan.Spec {
	t.Helper()
	cat, err := ltl.ParseCatalog("c.json", []byte(catalog))
	if err != nil {
		t.Fatal(err)
	}
	s, err := specplan.Compile("s.ltl", []byte(spec), specplan.Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const payCatalog = `[{"type":"function","function":{"name":"pay","parameters":{
	"type":"object","required":["amount"],"additionalProperties":false,
	"properties":{"amount":{"type":"integer","maximum":9007199254740992},
	              "note":{"anyOf":[{"type":"string","format":"date"},{"type":"null"}]},
	              "to":{"$ref":"#/$defs/account"}},
	"$defs":{"account":{"type":"string","pattern":"^[A-Z]{2}[0-9]+$"}}}}}]`

// A call whose arguments break the schema is blamed on its arguments:
// the reason gives the JSON pointer and the keyword, Arguments lists the
// problems, and nothing is said about rules or what may come next (the
// old report claimed "nothing may come after event N").
func TestArgumentViolationSaysWhatIsWrong(t *testing.T) {
	s := compileWithCatalog(t, "spec p\nsteps answer\ntools pay\nrule F answer\n", payCatalog)
	trace := []ltl.Event{call("pay", map[string]any{"amount": json.Number("12"), "note": "2024-02-30"}), step("answer")}
	v := s.Validate(trace)
	if v.Accepted || v.Violation.Position != 0 {
		t.Fatalf("verdict = %+v", v)
	}
	if len(v.Violation.Arguments) != 1 || v.Violation.Arguments[0].Pointer != "/note" || v.Violation.Arguments[0].Keyword != "anyOf" {
		t.Errorf("arguments = %+v", v.Violation.Arguments)
	}
	if v.Violation.Rule != "" || len(v.Violation.Rules) != 0 || len(v.Violation.Expected) != 0 {
		t.Errorf("an argument violation names rules or next events: %+v", v.Violation)
	}
	if !strings.Contains(v.Violation.Reason, "/note (anyOf)") || !strings.Contains(v.Violation.Reason, "is not a valid date") {
		t.Errorf("reason = %q", v.Violation.Reason)
	}
	d := s.NewMonitor().Step(trace[0])
	if d.Allow || d.Violation == nil || len(d.Violation.Arguments) != 1 || d.Reason != v.Violation.Reason {
		t.Errorf("monitor decision = %+v", d)
	}
}

// Numbers are compared exactly whether they come as json.Number (from a
// trace file) or as Go integers (from a Monitor user): 2^53+1 is above a
// maximum of 2^53 even though float64 cannot tell them apart.
func TestArgumentNumbersAreExact(t *testing.T) {
	s := compileWithCatalog(t, "spec p\nsteps answer\ntools pay\nrule F answer\n", payCatalog)
	for _, tc := range []struct {
		amount any
		allow  bool
	}{
		{json.Number("9007199254740992"), true},
		{json.Number("9007199254740993"), false},
		{int64(9007199254740992), true},
		{int64(9007199254740993), false},
		{uint64(9007199254740993), false},
		{int32(7), true},
		{7.0, true},
		{7.5, false},
		{json.Number("1e400"), false},
		{json.Number("not a number"), false},
	} {
		d := s.NewMonitor().Step(call("pay", map[string]any{"amount": tc.amount}))
		if d.Allow != tc.allow {
			t.Errorf("amount %#v: allow=%v, want %v (%s)", tc.amount, d.Allow, tc.allow, d.Reason)
		}
	}
}

// Schemas the decoder cannot generate under ($ref, anyOf, format,
// additionalProperties false …) are still validated; a reference outside
// the schema is refused at the tool's catalog position.
func TestEveryValidSchemaIsAccepted(t *testing.T) {
	s := compileWithCatalog(t, "spec p\nsteps answer\ntools pay\nrule F answer\n", payCatalog)
	if s.ToolSchema("pay") == nil {
		t.Fatal("no compiled schema for pay")
	}
	ok := call("pay", map[string]any{"amount": 5, "to": "DE123", "note": nil})
	if d := s.NewMonitor().Step(ok); !d.Allow {
		t.Errorf("valid call denied: %s", d.Reason)
	}
	bad := call("pay", map[string]any{"amount": 5, "to": "de123", "extra": true})
	d := s.NewMonitor().Step(bad)
	if d.Allow || !strings.Contains(d.Reason, "/to (pattern)") || !strings.Contains(d.Reason, `property "extra" is not allowed`) {
		t.Errorf("decision = %+v", d)
	}

	cat, err := ltl.ParseCatalog("c.json", []byte(`[{"type":"function","function":{"name":"pay","parameters":{"$ref":"https://example.com/pay.json"}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = specplan.Compile("s.ltl", []byte("spec p\nsteps answer\ntools pay\nrule F answer\n"), specplan.Options{Catalog: cat})
	var l ltl.ErrorList
	if !errors.As(err, &l) || l[0].Pos.Filename != "c.json" || !strings.Contains(err.Error(), "never loads schemas") {
		t.Errorf("err = %v, want a positioned refusal of the remote $ref", err)
	}
}

// A tool schema that admits no call is a check error, like an
// unsatisfiable spec, positioned at the tool's catalog entry.
func TestCheckFindsSchemaContradictions(t *testing.T) {
	s := compileWithCatalog(t, "spec p\nsteps answer\ntools pay\nrule F answer\nrule G(pay -> F answer)\n", `[
  {"type":"function","function":{"name":"pay","parameters":{"type":"object","properties":{"amount":{"type":"number","minimum":10,"maximum":5}}}}}]`)
	diags, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, d := range diags {
		if d.Code == specplan.CheckSchemaUnsat {
			found = true
			if d.Severity != specplan.SeverityError || d.Pos.Filename != "c.json" || d.Pos.Line != 2 ||
				!strings.Contains(d.Msg, "/properties/amount/maximum (maximum)") {
				t.Errorf("diagnostic = %v", d)
			}
		}
	}
	if !found {
		t.Errorf("diags = %v, want a schema-unsatisfiable error", diags)
	}
	// The hook for further analyses (the decoder's generability) runs too.
	extra := s.CheckSchemas(func(tool string, _ *schema.Schema) []schema.Problem {
		return []schema.Problem{{Keyword: "uniqueItems", SchemaPointer: "/x", Msg: "cannot be generated"}}
	})
	if len(extra) != 2 || !strings.Contains(extra[1].Msg, "tool pay: parameters schema at /x (uniqueItems): cannot be generated") {
		t.Errorf("CheckSchemas with a hook = %v", extra)
	}
}

// A monitor without a compiled spec fails closed instead of panicking.
func TestMonitorWithoutSpecDeniesEverything(t *testing.T) {
	var nilSpec *specplan.Spec
	for name, m := range map[string]*specplan.Monitor{"nil spec": nilSpec.NewMonitor(), "zero monitor": {}, "nil monitor": nil} {
		d := m.Step(step("answer"))
		if d.Allow || d.Reason != specplan.ErrNotCompiled.Error() || d.Violation == nil {
			t.Errorf("%s: decision = %+v", name, d)
		}
		if m.CanEnd() || len(m.Allowed()) != 0 || len(m.Events()) != 0 {
			t.Errorf("%s: CanEnd/Allowed/Events say something", name)
		}
		m.Reset()
	}
}

// With the bundled catalog, never(refund(amount > 1000)) cannot be
// bypassed by writing the amount as a string or leaving it out: the
// schema rejects both, in Validate and in the Monitor.
func TestRefundAmountOfTheWrongTypeIsBlocked(t *testing.T) {
	s, err := specplan.CompileFile("specs/refund.ltl", catalogFor(t, "specs/refund.ltl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range []map[string]any{
		{"order_id": "A17", "amount": "5000"},
		{"order_id": "A17"},
	} {
		m := s.NewMonitor()
		for _, e := range []ltl.Event{call("get_order", map[string]any{"order_id": "A17"}), step("observation"),
			call("check_permission", map[string]any{"role": "agent"}), step("observation")} {
			if d := m.Step(e); !d.Allow {
				t.Fatalf("setup step denied: %s", d.Reason)
			}
		}
		refund := call("refund", args)
		d := m.Step(refund)
		if d.Allow || d.Violation == nil || len(d.Violation.Arguments) == 0 {
			t.Errorf("refund %v: monitor decision %+v, want blocked by the schema", args, d)
		}
		trace := append(m.Events(), refund, step("observation"), call("notify_customer", map[string]any{"message": "x"}), step("observation"), step("answer"))
		if v := s.Validate(trace); v.Accepted || v.Violation.Position != 4 || len(v.Violation.Arguments) == 0 {
			t.Errorf("refund %v: verdict %+v, want a violation of the arguments at event 4", args, v.Violation)
		}
	}
}
