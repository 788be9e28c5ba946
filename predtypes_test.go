package specplan_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

const neverBigRefund = `spec guard
tools refund, notify
rule never(refund(amount > 1000))
`

// TestFailClosedValidateAndMonitor: without a catalog, never(refund(amount >
// 1000)) blocks a refund whose amount is a string or missing, in Validate
// (a violation naming tool, argument, types and rule) and in Monitor.Step
// (blocked, with the same reason). It let them through before.
func TestFailClosedValidateAndMonitor(t *testing.T) {
	s := compile(t, neverBigRefund)
	cases := []struct {
		args   map[string]any
		actual string
	}{
		{map[string]any{"amount": "5000"}, "string"},
		{map[string]any{}, "missing"},
		{nil, "missing"},
		{map[string]any{"amount": nil}, "null"},
		{map[string]any{"amount": []any{json.Number("5000")}}, "array"},
	}
	for _, c := range cases {
		ev := call("refund", c.args)
		v := s.Validate([]ltl.Event{ev})
		if v.Accepted || v.Violation == nil || v.Violation.TypeFailure == nil {
			t.Fatalf("refund(%v) accepted or not a type failure: %+v", c.args, v.Violation)
		}
		tf := v.Violation.TypeFailure
		if tf.Tool != "refund" || tf.Arg != "amount" || tf.Expected != "number" || tf.Actual != c.actual || tf.Predicate != "amount > 1000" || tf.PredicateAt != "test.ltl:3:19" {
			t.Errorf("refund(%v): type failure %+v", c.args, tf)
		}
		if v.Violation.Rule != "never(refund(amount > 1000))" || v.Violation.Position != 0 {
			t.Errorf("refund(%v): rule %q at %d", c.args, v.Violation.Rule, v.Violation.Position)
		}
		for _, want := range []string{"refund", "amount", "number", c.actual, "amount > 1000", "rejected"} {
			if !strings.Contains(v.Violation.Reason, want) {
				t.Errorf("reason %q does not say %q", v.Violation.Reason, want)
			}
		}
		m := s.NewMonitor()
		d := m.Step(ev)
		if d.Allow || d.Violation == nil || d.Violation.TypeFailure == nil || d.Reason != v.Violation.Reason {
			t.Errorf("Monitor.Step(refund(%v)) = %+v, want blocked with %q", c.args, d, v.Violation.Reason)
		}
		if len(m.Events()) != 0 {
			t.Error("a blocked event advanced the monitor")
		}
	}
	// Well-typed calls still decide by value; Go ints of every width count.
	for _, amount := range []any{int32(5000), uint64(5000), json.Number("1000.0000000000000000001"), 5000.0} {
		if s.Validate([]ltl.Event{call("refund", map[string]any{"amount": amount})}).Accepted {
			t.Errorf("refund(amount: %T %v) accepted", amount, amount)
		}
	}
	if v := s.Validate([]ltl.Event{call("refund", map[string]any{"amount": json.Number("1000")}), call("notify", nil)}); !v.Accepted {
		t.Errorf("refund of exactly 1000: %+v", v.Violation)
	}
}

// TestExactNumbersValidate: the verdict path compares exactly.
func TestExactNumbersValidate(t *testing.T) {
	cases := []struct {
		rule string
		arg  any
		ok   bool
	}{
		{"never(refund(amount > 9007199254740992))", json.Number("9007199254740993"), false},
		{"never(refund(amount > 9007199254740992))", json.Number("9007199254740992"), true},
		{"never(refund(amount >= 1e20))", json.Number("99999999999999999999"), true},
		{"never(refund(amount >= 1e20))", json.Number("100000000000000000000"), false},
		{"never(refund(amount < 0))", json.Number("-1e-400"), false},
		{"never(refund(amount > 1e400))", json.Number("1e401"), false},
		{"never(refund(amount > 9223372036854775806))", int64(math.MaxInt64), false},
		{"never(refund(amount > 18446744073709551614))", uint64(math.MaxUint64), false},
		{"never(refund(amount < -9223372036854775807))", int64(math.MinInt64), false},
	}
	for _, c := range cases {
		s := compile(t, "spec e\ntools refund\nrule "+c.rule+"\n")
		if got := s.Validate([]ltl.Event{call("refund", map[string]any{"amount": c.arg})}).Accepted; got != c.ok {
			t.Errorf("%s on %v: accepted %v, want %v", c.rule, c.arg, got, c.ok)
		}
	}
}

const catalogJSON = `[
 {"type":"function","function":{"name":"refund","parameters":{"type":"object","additionalProperties":false,
  "properties":{"amount":{"type":"number","minimum":0},"currency":{"type":"string","enum":["EUR","USD"]},"urgent":{"type":"boolean"}},
  "required":["amount"]}}}
]`

func catalog(t *testing.T) []ltl.CatalogTool {
	t.Helper()
	tools, err := ltl.ParseCatalog("tools.json", []byte(catalogJSON))
	if err != nil {
		t.Fatal(err)
	}
	return tools
}

// TestSchemaPrunesAlphabet: an enum of two values yields no "neither"
// symbol, and a minimum clips the region below it.
func TestSchemaPrunesAlphabet(t *testing.T) {
	src := "spec p\ntools refund\nrule G(refund(currency == \"EUR\") | refund(currency == \"USD\") | refund(amount < 0) | refund(amount > 5))\n"
	s, err := specplan.Compile("p.ltl", []byte(src), specplan.Options{Catalog: catalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, sym := range s.Alphabet().Symbols {
		if strings.Contains(sym.Name, `!(currency == "EUR") & !(currency == "USD")`) || strings.Contains(sym.Name, "& amount < 0") || strings.HasPrefix(sym.Name, "refund(amount < 0") {
			t.Errorf("impossible symbol %s", sym.Name)
		}
	}
	// 2 currencies × 2 amount regions (0..5, >5).
	if len(s.Alphabet().Symbols) != 4 {
		t.Errorf("%d symbols: %v", len(s.Alphabet().Symbols), s.Alphabet().Symbols)
	}
	// A value outside the schema is rejected with the schema's reason.
	v := s.Validate([]ltl.Event{call("refund", map[string]any{"amount": json.Number("1"), "currency": "GBP"})})
	if v.Accepted || !strings.Contains(v.Violation.Reason, "schema") {
		t.Errorf("GBP: %+v", v.Violation)
	}
}

// TestCheckPredicateType: predicates that contradict the schema or each
// other are plan check errors at the predicate's position.
func TestCheckPredicateType(t *testing.T) {
	src := `spec p
tools refund
rule never(refund(amount == "5000"))
rule never(refund(currency == 3))
rule never(refund(reason == "x"))
rule never(refund(urgent == true))
rule F refund(amount > 1) | F refund(amount == true)
`
	s, err := specplan.Compile("p.ltl", []byte(src), specplan.Options{Catalog: catalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		if d.Code == specplan.CheckPredicateType {
			got = append(got, d.Error())
		}
	}
	want := []string{
		`p.ltl:3:19: error: predicate amount == "5000" implies amount is a string, but the schema of refund says amount is a number`,
		`p.ltl:4:19: error: predicate currency == 3 implies currency is a number, but the schema of refund says currency is one of "EUR", "USD"`,
		`p.ltl:5:19: error: predicate reason == "x": the schema of refund has no property reason and forbids others (additionalProperties: false)`,
		`p.ltl:7:15: error: predicate amount > 1 on refund implies amount is a number, but amount == "5000" (p.ltl:3:19) implies it is a string: no call of refund can have both, so every call of it would be rejected`,
		`p.ltl:7:38: error: predicate amount == true on refund implies amount is a boolean, but amount == "5000" (p.ltl:3:19) implies it is a string: no call of refund can have both, so every call of it would be rejected`,
		`p.ltl:7:38: error: predicate amount == true implies amount is a boolean, but the schema of refund says amount is a number`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDiffKnowsTheSchema: with the enum [EUR, USD], "every refund is in
// EUR or USD" constrains nothing, so the specs are equivalent; without the
// catalog, diff finds a refund in another currency. A difference found
// with the catalog carries the schema's required arguments.
func TestDiffKnowsTheSchema(t *testing.T) {
	parse := func(src string, opts specplan.Options) *ltl.Spec {
		s, err := specplan.Parse("d.ltl", []byte(src), opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := "spec a\nsteps answer\ntools refund\nrule G(refund -> refund(currency == \"EUR\") | refund(currency == \"USD\"))\n"
	b := "spec b\nsteps answer\ntools refund\nrule G(refund -> refund(currency != \"GBP\"))\n"
	with := specplan.Options{Catalog: catalog(t)}
	d, err := specplan.Diff(parse(a, with), parse(b, with), with)
	if err != nil || !d.Equivalent {
		t.Errorf("with the catalog: %+v, %v; want equivalent", d, err)
	}
	d, err = specplan.Diff(parse(a, specplan.Options{}), parse(b, specplan.Options{}), specplan.Options{})
	if err != nil || d.Equivalent || len(d.Trace) != 1 || d.Trace[0].Args["currency"] == "EUR" || d.Trace[0].Args["currency"] == "USD" {
		t.Errorf("without the catalog: %+v, %v; want a refund in another currency", d, err)
	}
	c := "spec c\nsteps answer\ntools refund\nrule G(refund -> refund(currency == \"EUR\"))\n"
	d, err = specplan.Diff(parse(a, with), parse(c, with), with)
	if err != nil || d.Equivalent || len(d.Trace) != 1 || d.Trace[0].Args["currency"] != "USD" || d.Trace[0].Args["amount"] == nil {
		t.Errorf("a vs c: %+v, %v; want a USD refund with an amount", d, err)
	}
}
