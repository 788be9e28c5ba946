package automata

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// resultAtoms are parsed from a spec, so references are resolved: a tool g
// whose result is captured as $b and read by returns/fails, and a tool p
// with capture comparisons, nested paths, string and set predicates.
func resultAtoms(t testing.TB) []*ltl.Atom {
	src := `spec r
steps a
tools g, p
let b = g
rule g returns (limit > 10) | g fails | g | g returns (limit > 10, tag == "t")
rule p(amount <= $b.limit) | p(amount > $b.limit) | p(note contains "x") | p
rule p(kind in ["v", "m"]) | p(to.iban starts_with "DE") | p(note matches "^a+$") | p(tag == $b.tag)
rule a
`
	s, err := ltl.Parse("r.ltl", []byte(src), ltl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*ltl.Atom
	for _, r := range s.Rules {
		ltl.WalkAtoms(r.Formula, func(a *ltl.Atom) { out = append(out, a) })
	}
	return out
}

type resultGen struct {
	r     *rand.Rand
	atoms []*ltl.Atom
}

func (g resultGen) atom() ltl.Formula {
	a := *g.atoms[g.r.IntN(len(g.atoms))]
	return &a
}

func (g resultGen) f(depth int) ltl.Formula {
	if depth == 0 {
		return g.atom()
	}
	d := depth - 1
	switch g.r.IntN(10) {
	case 0:
		return not(g.f(d))
	case 1:
		return and(g.f(d), g.f(d))
	case 2:
		return or(g.f(d), g.f(d))
	case 3:
		return X(g.f(d))
	case 4:
		return F(g.f(d))
	case 5:
		return G(g.f(d))
	case 6:
		return Y(g.atom())
	case 7:
		return bin(ltl.OpUntil, g.f(d), g.f(d))
	case 8:
		return implies(g.f(d), g.f(d))
	}
	return g.atom()
}

func resultPool() []ltl.Event {
	n := func(s string) any { return json.Number(s) }
	obj := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	pArgs := obj("amount", n("20"), "note", "aaa", "kind", "v", "to", obj("iban", "DE1"), "tag", "t")
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range pArgs {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	return []ltl.Event{
		{Step: "a"},
		{Tool: "g", Outcome: ltl.Returned, Result: obj("limit", n("50"), "tag", "t")},
		{Tool: "g", Outcome: ltl.Returned, Result: obj("limit", n("5"), "tag", "u")},
		{Tool: "g", Outcome: ltl.Returned, Result: obj("limit", "50", "tag", "t")},
		{Tool: "g", Outcome: ltl.Returned, Result: obj("tag", "t")},
		{Tool: "g", Outcome: ltl.Failed, Error: "no"},
		{Tool: "g"},
		{Tool: "p", Args: pArgs},
		{Tool: "p", Args: with("amount", n("20.0000000000000000001"))},
		{Tool: "p", Args: with("amount", n("50.00"))},
		{Tool: "p", Args: with("note", "xyz")},
		{Tool: "p", Args: with("kind", "z")},
		{Tool: "p", Args: with("to", obj("iban", "FR1"))},
		{Tool: "p", Args: with("to", obj())},
		{Tool: "p", Args: with("tag", true)},
		{Tool: "p", Args: with("amount", nil)},
	}
}

// TestCompileMatchesEvalResults: DFA ≡ Eval on every trace up to length 3
// over a pool of events with results, errors, pending calls, captured and
// uncaptured values, nested paths and ill-typed values, for random
// formulas with result predicates, captures and string/set predicates;
// and ClassifyAt rejects exactly the events ltl's fail-closed rule does.
func TestCompileMatchesEvalResults(t *testing.T) {
	g := resultGen{rand.New(rand.NewPCG(7, 9)), resultAtoms(t)}
	pool := resultPool()
	maxLen := 3
	n := 120
	if testing.Short() {
		n = 40
	}
	for i := 0; i < n; i++ {
		f := g.f(1 + g.r.IntN(3))
		a := mustAlphabet(t, []string{"a"}, []string{"g", "p"}, f)
		d, err := Compile(f, a, Options{})
		if err != nil {
			t.Fatalf("#%d %s: %v", i, f, err)
		}
		events := append(append([]ltl.Event(nil), pool...), a.Events(allSymbols(a))...)
		needs := ltl.NeedsOf(f)
		trace := make([]ltl.Event, 0, maxLen)
		bad := 0
		var rec func()
		rec = func() {
			if bad > 0 || len(trace) == maxLen {
				return
			}
			for _, ev := range events {
				trace = append(trace, ev)
				got, want := d.Accepts(trace), ltl.Eval(f, trace)
				if got != want {
					bad++
					t.Errorf("#%d %s on %s: DFA %v, Eval %v", i, f, traceJSON(trace), got, want)
				}
				caps := a.Captures()
				for _, e := range trace[:len(trace)-1] {
					caps.Record(e)
				}
				_, err := a.ClassifyAt(ev, caps.Before())
				if rejected := needs.Check(ev, caps.Before()) != nil; errors.Is(err, ErrArgType) != rejected {
					bad++
					t.Errorf("#%d %s: ClassifyAt(%s) = %v, fail-closed rule says rejected=%v", i, f, traceJSON(trace), err, rejected)
				} else if err != nil && !errors.Is(err, ErrArgType) {
					bad++
					t.Errorf("#%d %s: ClassifyAt(%s) = %v", i, f, traceJSON(trace), err)
				}
				rec()
				trace = trace[:len(trace)-1]
			}
		}
		rec()
	}
}

func allSymbols(a *Alphabet) []int {
	out := make([]int, a.Len())
	for i := range out {
		out[i] = i
	}
	return out
}

func traceJSON(tr []ltl.Event) string {
	var parts []string
	for _, e := range tr {
		j, _ := json.Marshal(e)
		parts = append(parts, string(j))
	}
	return strings.Join(parts, " ")
}

// TestAlphabetCallAndResultParts: each symbol of an observed tool has a
// call part shared with its other result minterms; Results lists them.
func TestAlphabetCallAndResultParts(t *testing.T) {
	atoms := resultAtoms(t)
	var fs []ltl.Formula
	for _, at := range atoms {
		fs = append(fs, at)
	}
	a := mustAlphabet(t, []string{"a"}, []string{"g", "p"}, fs...)
	if !a.HasResults() || !a.Observed["g"] || a.Observed["p"] {
		t.Fatalf("observed = %v", a.Observed)
	}
	for i, s := range a.Symbols {
		if s.Tool == "" {
			if a.Results(i) != nil {
				t.Errorf("step %s has results", s.Name)
			}
			continue
		}
		rs := a.Results(i)
		found := false
		for _, r := range rs {
			found = found || r == i
			if a.Symbols[r].Call != s.Call || a.Symbols[r].Tool != s.Tool || litNames(a.Symbols[r].Lits) != litNames(s.Lits) {
				t.Errorf("%s and %s share a call part but differ in it", s.Name, a.Symbols[r].Name)
			}
		}
		if !found {
			t.Errorf("Results(%s) does not list it", s.Name)
		}
		if s.Tool == "g" {
			// fails + returns × {limit>10, tag=="t"} minterms (4) = 5.
			if len(rs) != 5 {
				t.Errorf("g has %d result parts, want 5: %v", len(rs), rs)
			}
		}
		if s.Tool == "p" && len(rs) != 1 {
			t.Errorf("p's outcome is not read, yet it has %d result parts", len(rs))
		}
	}
}

// TestClassifyUnboundReference: before any capture, and after a failed
// or pending call of the captured tool, a call with a reference is
// rejected whatever its predicate's polarity.
func TestClassifyUnboundReference(t *testing.T) {
	s, err := ltl.Parse("r.ltl", []byte("spec r\ntools get_budget, pay\nlet budget = get_budget\nrule never(pay(amount > $budget.limit))\n"), ltl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := s.Formula()
	a := mustAlphabet(t, nil, []string{"get_budget", "pay"}, f)
	d, err := Compile(f, a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pay := ltl.Event{Tool: "pay", Args: map[string]any{"amount": json.Number("10")}}
	budget := func(limit any) ltl.Event {
		return ltl.Event{Tool: "get_budget", Outcome: ltl.Returned, Result: map[string]any{"limit": limit}}
	}
	cases := []struct {
		trace []ltl.Event
		want  bool
	}{
		{[]ltl.Event{pay}, false},
		{[]ltl.Event{budget(json.Number("100")), pay}, true},
		{[]ltl.Event{budget(json.Number("5")), pay}, false},
		{[]ltl.Event{budget(json.Number("100")), {Tool: "get_budget", Outcome: ltl.Failed}, pay}, false},
		{[]ltl.Event{budget(json.Number("100")), {Tool: "get_budget"}, pay}, false},
		{[]ltl.Event{budget("100"), pay}, false},
		{[]ltl.Event{{Tool: "get_budget", Outcome: ltl.Returned, Result: nil}, pay}, false},
	}
	for i, c := range cases {
		if got := d.Accepts(c.trace); got != c.want {
			t.Errorf("case %d (%s): DFA %v, want %v", i, traceJSON(c.trace), got, c.want)
		}
		if got := ltl.Eval(f, c.trace); got != c.want {
			t.Errorf("case %d (%s): Eval %v, want %v", i, traceJSON(c.trace), got, c.want)
		}
	}
	_, err = a.Classify(pay)
	var te *ltl.ArgTypeError
	if !errors.As(err, &te) || !te.Unbound || !strings.Contains(err.Error(), "$budget.limit") {
		t.Fatalf("Classify(pay) without captures = %v, want an unbound-reference ErrArgType naming $budget.limit", err)
	}
}

// TestResultAlphabetLimits: many string predicates on one argument, or a
// product of many predicated arguments in the result, is ErrSymbolLimit
// before the minterms are built.
func TestResultAlphabetLimits(t *testing.T) {
	var strs, res []string
	for i := 0; i < 14; i++ {
		strs = append(strs, fmt.Sprintf(`p(note contains "%c")`, 'a'+i))
		res = append(res, fmt.Sprintf(`p returns (f%d > 1, f%d > 2)`, i, i))
	}
	for _, rule := range []string{strings.Join(strs, " | "), strings.Join(res, " | ")} {
		s, err := ltl.Parse("r.ltl", []byte("spec r\ntools p\nrule "+rule+"\n"), ltl.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewAlphabet(nil, []string{"p"}, s.Formula())
		if !errors.Is(err, ErrSymbolLimit) {
			t.Errorf("%.40s…: got %v, want ErrSymbolLimit", rule, err)
		}
	}
}
