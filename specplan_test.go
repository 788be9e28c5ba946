package specplan_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

func compile(t *testing.T, src string) *specplan.Spec {
	t.Helper()
	s, err := specplan.Compile("test.ltl", []byte(src), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func step(name string) ltl.Event { return ltl.Event{Step: name} }
func call(tool string, args map[string]any) ltl.Event {
	return ltl.Event{Tool: tool, Args: args}
}

const reactSrc = `spec react
steps thought, answer, observation
tools search, lookup
rule G(thought -> X(call | answer))
rule G(call -> X observation)
rule F answer
rule G(answer -> last)
`

func TestViolationNamesEventAndRule(t *testing.T) {
	s := compile(t, reactSrc)
	v := s.Validate([]ltl.Event{step("thought"), call("search", nil), step("thought"), step("answer")})
	if v.Accepted {
		t.Fatal("trace skipping the observation was accepted")
	}
	if v.Violation.Position != 2 || v.Violation.Rule != "G(call -> X observation)" {
		t.Errorf("violation = %+v, want position 2 blamed on G(call -> X observation)", v.Violation)
	}
	if !reflect.DeepEqual(v.Violation.Expected, []string{"observation"}) {
		t.Errorf("expected = %v, want [observation]", v.Violation.Expected)
	}
}

func TestViolationAtEndShowsCompletion(t *testing.T) {
	s := compile(t, reactSrc)
	v := s.Validate([]ltl.Event{step("thought"), call("lookup", nil), step("observation")})
	if v.Accepted {
		t.Fatal("trace without answer accepted")
	}
	if v.Violation.Position != 3 || v.Violation.Rule != "F answer" {
		t.Errorf("violation = %+v, want end of trace (3) blamed on F answer", v.Violation)
	}
	if !reflect.DeepEqual(v.Violation.Expected, []string{"answer"}) {
		t.Errorf("completion = %v, want [answer]", v.Violation.Expected)
	}
}

func TestViolationWithPredicate(t *testing.T) {
	s := compile(t, `spec refund
steps observation
tools approve, refund
rule G(refund(amount > 100) -> O approve)
`)
	small := []ltl.Event{call("refund", map[string]any{"amount": 50.0})}
	if v := s.Validate(small); !v.Accepted {
		t.Errorf("small refund rejected: %+v", v.Violation)
	}
	big := []ltl.Event{step("observation"), call("refund", map[string]any{"amount": 500.0})}
	v := s.Validate(big)
	if v.Accepted || v.Violation.Position != 1 || v.Violation.Rule != "G(refund(amount > 100) -> O approve)" {
		t.Errorf("big refund: %+v", v.Violation)
	}
	approved := []ltl.Event{call("approve", nil), call("refund", map[string]any{"amount": 500.0})}
	if v := s.Validate(approved); !v.Accepted {
		t.Errorf("approved refund rejected: %+v", v.Violation)
	}
}

func TestValidateEmptyAndUnknown(t *testing.T) {
	s := compile(t, reactSrc)
	if v := s.Validate(nil); v.Accepted || v.Violation == nil {
		t.Error("empty trace accepted")
	}
	v := s.Validate([]ltl.Event{step("thought"), call("delete_everything", nil)})
	if v.Accepted || v.Violation.Position != 1 {
		t.Errorf("unknown tool: %+v", v.Violation)
	}
}

func TestMonitorBlocksAndDoesNotAdvance(t *testing.T) {
	s := compile(t, `spec guard
steps observation, answer
tools confirm, delete_file
rule G(delete_file -> Y(observation & Y confirm))
rule G(call -> X observation)
rule F answer
`)
	m := s.NewMonitor()
	if d := m.Step(call("delete_file", nil)); d.Allow || d.Violation == nil {
		t.Fatalf("unconfirmed delete allowed: %+v", d)
	}
	if len(m.Events()) != 0 {
		t.Fatal("a denied event advanced the monitor")
	}
	for _, e := range []ltl.Event{call("confirm", nil), step("observation"), call("delete_file", nil), step("observation")} {
		if d := m.Step(e); !d.Allow {
			t.Fatalf("%v denied: %s", e, d.Reason)
		}
	}
	if m.CanEnd() {
		t.Error("CanEnd before the required answer")
	}
	if got := m.Allowed(); !contains(got, "answer") || contains(got, "delete_file") {
		t.Errorf("Allowed() = %v: want answer allowed and delete_file not (needs a fresh confirmation)", got)
	}
	if d := m.Step(step("answer")); !d.Allow || !m.CanEnd() {
		t.Errorf("answer: %+v, CanEnd=%v", d, m.CanEnd())
	}
}

// One compiled spec shared by many sessions at once (run with -race).
func TestMonitorConcurrentSessions(t *testing.T) {
	s := compile(t, reactSrc)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := s.NewMonitor()
			trace := []ltl.Event{step("thought"), call("search", nil), step("observation"), step("thought"), step("answer")}
			if i%2 == 1 {
				trace = trace[:2]
			}
			for _, e := range trace {
				if d := m.Step(e); !d.Allow {
					t.Errorf("session %d: %v denied: %s", i, e, d.Reason)
				}
			}
			if m.CanEnd() != (i%2 == 0) {
				t.Errorf("session %d: CanEnd=%v", i, m.CanEnd())
			}
		}(i)
	}
	wg.Wait()
}

func TestCheckFindings(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []specplan.CheckCode
	}{
		{"unsatisfiable", "spec s\nsteps a, b\nrule F a\nrule G b\n", []specplan.CheckCode{specplan.CheckUnsatisfiable}},
		{"rule unsat", "spec s\nsteps a\nrule F a & G !a\n", []specplan.CheckCode{specplan.CheckRuleUnsat}},
		{"vacuous", "spec s\nsteps a, b\nrule F a\nrule G(b | !b)\n", []specplan.CheckCode{specplan.CheckVacuous}},
		{"redundant", "spec s\nsteps a, b\nrule G !b\nrule F a\n", []specplan.CheckCode{specplan.CheckRedundant}},
		{"unused", "spec s\nsteps a, b\ntools t\nrule F a\n", []specplan.CheckCode{specplan.CheckUnusedStep, specplan.CheckUnusedTool}},
		{"clean", "spec s\nsteps a, b\nrule F a\nrule G(a -> X b)\n", nil},
		// Two copies: one warning, on the copy, so following it keeps the constraint.
		{"duplicate", "spec s\nsteps a, b, c\nrule never(a)\nrule never(a)\nrule F b\nrule F c\n", []specplan.CheckCode{specplan.CheckDuplicate}},
		// A copy written differently is still a copy, and copies are not
		// "the other rules" of redundancy: the first copy gets no warning.
		{"duplicate spelling", "spec s\nsteps a, b, c\nrule G !a\nrule always (not a)\nrule F b\nrule F c\n", []specplan.CheckCode{specplan.CheckDuplicate}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diags, err := compile(t, c.src).Check()
			if err != nil {
				t.Fatal(err)
			}
			var got []specplan.CheckCode
			for _, d := range diags {
				got = append(got, d.Code)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("codes = %v, want %v (%v)", got, c.want, diags)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	parse := func(src string) *ltl.Spec {
		s, err := specplan.Parse("d.ltl", []byte(src), specplan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := parse("spec a\nsteps x, y\nrule F x\n")
	b := parse("spec b\nsteps x, y\nrule !G !x\n")
	if d, err := specplan.Diff(a, b, specplan.Options{}); err != nil || !d.Equivalent {
		t.Errorf("F x vs !G !x: %+v %v", d, err)
	}
	c := parse("spec c\nsteps x, y\nrule F x\nrule G(x -> last)\n")
	d, err := specplan.Diff(a, c, specplan.Options{})
	if err != nil || d.Equivalent {
		t.Fatalf("F x vs F x & G(x -> last): %+v %v", d, err)
	}
	// The counterexample must be a shortest trace on which the specs disagree.
	if d.AcceptedByB || len(d.Trace) != 2 {
		t.Errorf("counterexample %+v (acceptedByB=%v): want a 2-event trace accepted by a only", d.Trace, d.AcceptedByB)
	}
	if ltl.Eval(a.Formula(), d.Trace) == ltl.Eval(c.Formula(), d.Trace) {
		t.Error("counterexample does not separate the specs under ltl.Eval")
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestStateLimitIsTypedAndNamed(t *testing.T) {
	_, err := specplan.CompileFile("specs/refund.ltl", specplan.Options{MaxStates: 5})
	if !errors.Is(err, automata.ErrStateLimit) {
		t.Fatalf("err = %v, want automata.ErrStateLimit", err)
	}
	if !strings.Contains(err.Error(), "MaxStates = 5") || !strings.HasPrefix(err.Error(), "specs/refund.ltl:") {
		t.Errorf("message %q should give the file position and name the limit", err)
	}
}

// When no single rule is broken, the report names a minimal set of rules
// that conflict, not all of them.
func TestViolationConflictCore(t *testing.T) {
	s := compile(t, `spec core
steps a, b, c
rule G(a -> X b)
rule G(b -> last)
rule F c
rule G(a | b | c)
`)
	v := s.Validate([]ltl.Event{step("a"), step("b")})
	if v.Accepted {
		t.Fatal("accepted")
	}
	want := []string{"G(a -> X b)", "G(b -> last)", "F c"}
	if v.Violation.Position != 0 || v.Violation.Rule != "" || !reflect.DeepEqual(v.Violation.Rules, want) {
		t.Errorf("violation = %+v, want position 0 and the core %v", v.Violation, want)
	}
}

func TestViolationMeaningInWords(t *testing.T) {
	s := compile(t, reactSrc)
	v := s.Validate([]ltl.Event{step("thought"), call("search", nil), step("answer")})
	if v.Violation.Meaning != "every tool call must be followed immediately by an observation" {
		t.Errorf("meaning = %q", v.Violation.Meaning)
	}
}

// Go callers pass numbers of any width; none may slip past a predicate.
func TestMonitorNumberTypes(t *testing.T) {
	s := compile(t, "spec g\nsteps answer\ntools refund\nrule never(refund(amount > 1000))\n")
	for _, v := range []any{int8(100), int16(5000), int32(5000), int64(5000), uint(5000), uint8(200), uint16(5000), uint32(5000), uint64(5000), float32(5000), 5000, 5000.0} {
		m := s.NewMonitor()
		d := m.Step(call("refund", map[string]any{"amount": v}))
		big := v != int8(100) && v != uint8(200)
		if d.Allow == big {
			t.Errorf("amount %T(%v): allow=%v", v, v, d.Allow)
		}
	}
}

// A tool one spec declares and the other does not is a difference: its
// calls are valid for one and input errors for the other.
func TestDiffDeclarations(t *testing.T) {
	a, err := specplan.Parse("a.ltl", []byte("spec a\ntools x, y\nrule G !x\n"), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := specplan.Parse("b.ltl", []byte("spec b\ntools x\nrule G !x\n"), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := specplan.Diff(a, b, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Equivalent || d.AcceptedByB || len(d.Trace) != 1 || d.Trace[0].Tool != "y" {
		t.Errorf("diff = %+v, want the trace [y] accepted by a only", d)
	}
}

// With a catalog, calls are checked against their tool's schema, in
// Validate and in the guardrail alike.
func TestSchemaCheckedWithCatalog(t *testing.T) {
	opts := catalogFor(t, "specs/refund.ltl")
	s, err := specplan.CompileFile("specs/refund.ltl", opts)
	if err != nil {
		t.Fatal(err)
	}
	bad := call("get_order", map[string]any{"order_id": 17.0})
	v := s.Validate([]ltl.Event{bad, step("observation"), step("answer")})
	if v.Accepted || v.Violation.Position != 0 || !strings.Contains(v.Violation.Reason, "/order_id (type): is a number, must be a string") ||
		len(v.Violation.Arguments) != 1 || v.Violation.Arguments[0].Pointer != "/order_id" || v.Violation.Arguments[0].Keyword != "type" {
		t.Errorf("violation = %+v", v.Violation)
	}
	if d := s.NewMonitor().Step(bad); d.Allow {
		t.Error("monitor allowed a call that breaks its schema")
	}
	good := call("get_order", map[string]any{"order_id": "A17"})
	if d := s.NewMonitor().Step(good); !d.Allow {
		t.Errorf("monitor denied a valid call: %s", d.Reason)
	}
}

func TestUnsupportedSchemaIsACompileError(t *testing.T) {
	cat, err := ltl.ParseCatalog("c.json", []byte(`[{"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{"q":{"type":"strin"}}}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = specplan.Compile("s.ltl", []byte("spec s\nsteps answer\nrule F answer\n"), specplan.Options{Catalog: cat})
	var l ltl.ErrorList
	if !errors.As(err, &l) || l[0].Pos.Filename != "c.json" || !strings.Contains(err.Error(), "strin") {
		t.Errorf("err = %v: want a positioned catalog error naming the bad type", err)
	}
}

// Rules that multiply into huge automata: plan check says redundancy was
// not checked instead of running for minutes.
func TestCheckSkipsRedundancyPastTheLimit(t *testing.T) {
	// The whole spec is tiny (the first rule forbids every t), but the
	// counting rules after it multiply to 16^6 states.
	src := "spec big\nsteps a\ntools t1, t2, t3, t4, t5, t6\nrule G !(t1 | t2 | t3 | t4 | t5 | t6)\nrule F a\n"
	for i := 1; i <= 6; i++ {
		src += fmt.Sprintf("rule at_most(15, t%d)\n", i)
	}
	diags, err := compile(t, src).Check()
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 || diags[0].Code != specplan.CheckSkipped || !strings.Contains(diags[0].Msg, "MaxStates = 100000") || !strings.Contains(diags[0].Msg, "--max-states") {
		t.Errorf("diags = %v, want one skipped-check warning naming the state limit and its flag", diags)
	}
}

// Check's products are bounded by Options.MaxStates, as its message says,
// not by the package default.
func TestCheckProductsHonourMaxStates(t *testing.T) {
	src := "spec s\nsteps a\ntools t1, t2\nrule G !(t1 | t2)\nrule F a\nrule at_most(10, t1)\nrule at_most(10, t2)\n"
	s, err := specplan.Compile("s.ltl", []byte(src), specplan.Options{MaxStates: 50})
	if err != nil {
		t.Fatal(err)
	}
	diags, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 || diags[0].Code != specplan.CheckSkipped || !strings.Contains(diags[0].Msg, "MaxStates = 50") {
		t.Errorf("diags = %v, want the redundancy check skipped at MaxStates = 50", diags)
	}
}

// Counting rules must compile at their size, not at the size of what
// progression could make of them: at_least expands as "the first a is
// followed by n-1 more", which does not pile up one disjunct per a seen
// (with F(a & X …) this spec took seconds and then hit the formula limit).
func TestCountingRulesCompile(t *testing.T) {
	s := compile(t, "spec e\nsteps x, y\nrule exactly(64, x)\nrule exactly(64, y)\n")
	if n := s.DFA().NumStates(); n != 65*65 {
		t.Errorf("%d states, want %d", n, 65*65)
	}
}
