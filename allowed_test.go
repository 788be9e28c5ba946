package specplan_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// A tool whose every minterm is allowed is named as the tool; one allowed
// only in part keeps its minterms. Reasons number events from 1.
func TestAllowedNamesToolsAndEventNumbers(t *testing.T) {
	src := `spec s
steps answer
tools check, refund
rule G(refund(amount > 100) -> O check(role == "agent"))
rule F answer
`
	s, err := specplan.Compile("s.ltl", []byte(src), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMonitor()
	want := []string{"answer", "check", "refund(!(amount > 100))"}
	if got := m.Allowed(); !reflect.DeepEqual(got, want) {
		t.Errorf("Allowed() = %q, want %q", got, want)
	}
	trace := []ltl.Event{{Step: "answer"}, {Tool: "refund", Args: map[string]any{"amount": 500}}}
	v := s.Validate(trace)
	if v.Accepted || v.Violation.Position != 1 || !strings.HasPrefix(v.Violation.Reason, "event 2 (refund(amount > 100))") {
		t.Errorf("violation %+v: want Position 1, reason naming event 2", v.Violation)
	}
	if !reflect.DeepEqual(v.Violation.Expected, want) {
		t.Errorf("Expected = %q, want %q", v.Violation.Expected, want)
	}
	if d := m.Step(trace[0]); !d.Allow {
		t.Fatal(d.Reason)
	}
	if d := m.Step(trace[1]); d.Allow || !strings.HasPrefix(d.Reason, "event 2 ") {
		t.Errorf("Monitor.Step reason %q: want it to name event 2", d.Reason)
	}
}

// A step kind no rule mentions is free (info: never fails a strict check);
// an unused tool still warns.
func TestUnusedStepIsInfo(t *testing.T) {
	s, err := specplan.Compile("s.ltl", []byte("spec s\nsteps a, b\ntools t\nrule F a\n"), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	diags, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	got := map[specplan.CheckCode]specplan.Severity{}
	for _, d := range diags {
		got[d.Code] = d.Severity
	}
	want := map[specplan.CheckCode]specplan.Severity{specplan.CheckUnusedStep: specplan.SeverityInfo, specplan.CheckUnusedTool: specplan.SeverityWarning}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
}
