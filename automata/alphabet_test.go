package automata

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

func symbolNames(a *Alphabet) []string {
	out := make([]string, len(a.Symbols))
	for i, s := range a.Symbols {
		out[i] = s.Name
	}
	return out
}

func TestAlphabetSymbols(t *testing.T) {
	cases := []struct {
		name  string
		preds []ltl.Pred
		want  []string
	}{
		{"no predicates", nil, []string{"answer", "refund"}},
		{"two independent args", []ltl.Pred{num("amount", ltl.CmpLe, 100), str("currency", ltl.CmpEq, "EUR")}, []string{
			"answer",
			`refund(!(amount <= 100) & !(currency == "EUR"))`,
			`refund(!(amount <= 100) & currency == "EUR")`,
			`refund(amount <= 100 & !(currency == "EUR"))`,
			`refund(amount <= 100 & currency == "EUR")`,
		}},
		// amount < 10 and amount > 20 cannot both hold: 3 minterms, not 4.
		{"exclusive ranges", []ltl.Pred{num("amount", ltl.CmpLt, 10), num("amount", ltl.CmpGt, 20)}, []string{
			"answer",
			"refund(!(amount < 10) & !(amount > 20))",
			"refund(amount < 10 & !(amount > 20))",
			"refund(!(amount < 10) & amount > 20)",
		}},
		// The argument is always present (a call without it is rejected),
		// so == and != are complements: 2 minterms, not 3.
		{"eq and ne", []ltl.Pred{str("to", ltl.CmpEq, "x"), str("to", ltl.CmpNe, "x")}, []string{
			"answer",
			`refund(!(to != "x") & to == "x")`,
			`refund(to != "x" & !(to == "x"))`,
		}},
		// Predicates that imply two types for one argument: no call is
		// well-typed, the tool has no symbol.
		{"type conflict", []ltl.Pred{str("to", ltl.CmpEq, "x"), num("to", ltl.CmpGt, 1)}, []string{"answer"}},
		{"bool", []ltl.Pred{boolp("confirm", ltl.CmpEq, true)}, []string{
			"answer", "refund(!(confirm == true))", "refund(confirm == true)",
		}},
		{"duplicates merged", []ltl.Pred{num("n", ltl.CmpEq, 1), num("n", ltl.CmpEq, 1)}, []string{
			"answer", "refund(!(n == 1))", "refund(n == 1)",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := mustAlphabet(t, []string{"answer"}, []string{"refund"}, F(tool("refund", c.preds...)))
			got := symbolNames(a)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("symbols\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			// Every symbol's concrete event classifies back to it, and
			// Holds agrees with ltl.Atom.Holds on that event.
			atoms := []*ltl.Atom{step("answer"), callAtom(), tool("refund")}
			for _, p := range c.preds {
				atoms = append(atoms, tool("refund", p))
			}
			for i := range a.Symbols {
				ev := a.Events([]int{i})[0]
				if got, err := a.Classify(ev); err != nil || got != i {
					t.Errorf("symbol %s: event %+v classifies to %d (%v)", a.Symbols[i].Name, ev, got, err)
				}
				for _, at := range atoms {
					if a.Holds(at, i) != at.Holds(ev) {
						t.Errorf("atom %s on %s: Holds %v, on event %v", at, a.Symbols[i].Name, a.Holds(at, i), at.Holds(ev))
					}
				}
				if j, ok := a.Lookup(a.Symbols[i].Name); !ok || j != i {
					t.Errorf("Lookup(%q) = %d, %v", a.Symbols[i].Name, j, ok)
				}
			}
		})
	}
}

func TestClassify(t *testing.T) {
	a := mustAlphabet(t, []string{"answer"}, []string{"refund"}, F(tool("refund", num("amount", ltl.CmpLe, 100))))
	cases := []struct {
		ev   ltl.Event
		want string
	}{
		{ltl.Event{Step: "answer", Text: "done"}, "answer"},
		{ltl.Event{Tool: "refund", Args: map[string]any{"amount": 50}}, "refund(amount <= 100)"},
		{ltl.Event{Tool: "refund", Args: map[string]any{"amount": 100.0}}, "refund(amount <= 100)"},
		{ltl.Event{Tool: "refund", Args: map[string]any{"amount": 100.5}}, "refund(!(amount <= 100))"},
		{ltl.Event{Tool: "refund", Args: map[string]any{"amount": json.Number("100.0000000000000000001")}}, "refund(!(amount <= 100))"},
		{ltl.Event{Tool: "refund", Args: map[string]any{"amount": uint64(100)}}, "refund(amount <= 100)"},
	}
	for _, c := range cases {
		i, err := a.Classify(c.ev)
		if err != nil || a.Symbols[i].Name != c.want {
			t.Errorf("Classify(%+v) = %d (%v), want %s", c.ev, i, err, c.want)
		}
	}
	for _, ev := range []ltl.Event{{Step: "thought"}, {Tool: "delete"}, {}} {
		if _, err := a.Classify(ev); !errors.Is(err, ErrUnknownEvent) {
			t.Errorf("Classify(%+v): %v, want ErrUnknownEvent", ev, err)
		}
	}
	// The fail-closed rule: a predicated argument missing or ill-typed.
	for _, ev := range []ltl.Event{
		{Tool: "refund"},
		{Tool: "refund", Args: map[string]any{"amount": "50"}},
		{Tool: "refund", Args: map[string]any{"amount": nil}},
		{Tool: "refund", Args: map[string]any{"amount": json.Number("1e99999999999999")}},
	} {
		_, err := a.Classify(ev)
		var te *ltl.ArgTypeError
		if !errors.Is(err, ErrArgType) || !errors.As(err, &te) || te.Arg != "amount" || te.Want != ltl.NumberValue {
			t.Errorf("Classify(%+v): %v, want ErrArgType on amount", ev, err)
		}
	}
}

func TestAlphabetLimit(t *testing.T) {
	// 13 boolean arguments: 2^13 minterms > 4096.
	var preds []ltl.Pred
	for i := 0; i < 13; i++ {
		preds = append(preds, boolp("b"+itoa(i), ltl.CmpEq, true))
	}
	_, err := NewAlphabet(nil, []string{"t"}, F(tool("t", preds...)))
	var e *Error
	if !errors.Is(err, ErrSymbolLimit) || !errors.As(err, &e) || e.Limit != DefaultMaxSymbols ||
		!strings.Contains(err.Error(), "MaxSymbols = 4096") {
		t.Fatalf("got %v, want ErrSymbolLimit naming 4096", err)
	}
	a, err := NewAlphabet(nil, []string{"t"}, F(tool("t", preds[:12]...)))
	if err != nil || len(a.Symbols) != 4096 {
		t.Fatalf("12 args: %v symbols, err %v; want 4096", len(a.Symbols), err)
	}
	if _, err := NewAlphabetLimit([]string{"a", "b", "c"}, nil, 2); !errors.Is(err, ErrSymbolLimit) {
		t.Errorf("3 steps over limit 2: %v", err)
	}
}

func TestAlphabetErrors(t *testing.T) {
	cases := []struct {
		name         string
		steps, tools []string
		f            ltl.Formula
		want         error
	}{
		{"duplicate step", []string{"a", "a"}, nil, nil, ErrUnknownAtom},
		{"tool named like a step", []string{"a"}, []string{"a"}, nil, ErrUnknownAtom},
		{"undeclared tool", nil, []string{"t"}, F(tool("u")), ErrUnknownAtom},
		{"undeclared step", nil, []string{"t"}, F(step("s")), ErrUnknownAtom},
		{"unresolved atom", nil, []string{"t"}, F(&ltl.Atom{Name: "t"}), ErrUnknownAtom},
	}
	for _, c := range cases {
		var fs []ltl.Formula
		if c.f != nil {
			fs = append(fs, c.f)
		}
		if _, err := NewAlphabet(c.steps, c.tools, fs...); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

// TestMergedAlphabet: two specs over one alphabet built from both.
func TestMergedAlphabet(t *testing.T) {
	f1 := G(implies(tool("refund", num("amount", ltl.CmpGt, 100)), O(tool("approve"))))
	f2 := G(implies(tool("refund", num("amount", ltl.CmpGt, 500)), O(tool("approve"))))
	a := mustAlphabet(t, []string{"answer"}, []string{"refund", "approve"}, f1, f2)
	d1, d2 := mustCompile(t, f1, a), mustCompile(t, f2, a)
	if ok, cex, _ := Included(d1, d2); !ok {
		t.Errorf("stricter rule not included in looser one: %v", cex)
	}
	ok, cex, _ := Included(d2, d1)
	if ok {
		t.Fatal("looser rule included in stricter one")
	}
	evs := a.Events(cex)
	if !ltl.Eval(f2, evs) || ltl.Eval(f1, evs) || len(cex) != 1 {
		t.Errorf("counterexample %v is not a one-event trace in f2 \\ f1", symNames(a, cex))
	}
}

// Constants past 2^53 (timestamps in ns, amounts in wei), beyond the
// float range or below its smallest positive value give every region its
// symbol, with witnesses strictly inside their region: numbers are exact.
func TestAlphabetLargeConstants(t *testing.T) {
	for _, c := range []string{"1e20", "-1e20", "1.7e308", "-1.7e308", "9007199254740993", "1e400", "-1e-400", "99999999999999999999"} {
		cn := ltl.MustParseNumber(c)
		lit := ltl.Value{Kind: ltl.NumberValue, Num: cn}
		lt := tool("refund", ltl.Pred{Arg: "amount", Cmp: ltl.CmpLt, Value: lit})
		gt := tool("refund", ltl.Pred{Arg: "amount", Cmp: ltl.CmpGt, Value: lit})
		a, err := NewAlphabet(nil, []string{"refund"}, lt, gt)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Symbols) != 3 {
			t.Fatalf("c=%s: %d symbols %v, want below, at, above", c, len(a.Symbols), symbolNames(a))
		}
		for i := range a.Symbols {
			ev := a.Events([]int{i})[0]
			if got, err := a.Classify(ev); err != nil || got != i {
				t.Errorf("c=%s: witness %v of %s classifies to %d (%v)", c, ev.Args, a.Symbols[i].Name, got, err)
			}
			n, _, _ := ltl.NumberOf(ev.Args["amount"])
			switch cmp := n.Cmp(cn); {
			case a.Holds(lt, i) && cmp >= 0, a.Holds(gt, i) && cmp <= 0, !a.Holds(lt, i) && !a.Holds(gt, i) && cmp != 0:
				t.Errorf("c=%s: witness %v is not inside the region of %s", c, n, a.Symbols[i].Name)
			}
		}
		if _, err := a.Classify(ltl.Event{Tool: "refund"}); !errors.Is(err, ErrArgType) {
			t.Errorf("c=%s: missing argument: %v, want ErrArgType", c, err)
		}
	}
}

func numPtr(s string) *ltl.Number { n := ltl.MustParseNumber(s); return &n }

func strVals(ss ...string) []ltl.Value {
	var out []ltl.Value
	for _, s := range ss {
		out = append(out, ltl.Value{Kind: ltl.StringValue, Str: s})
	}
	return out
}

// TestAlphabetDomains: minterms the argument domains make impossible are
// not symbols, every witness lies in its domain, and a value outside the
// domain is an ErrArgDomain error that says why.
func TestAlphabetDomains(t *testing.T) {
	role3 := ArgDomain{Kinds: []ltl.ValueKind{ltl.StringValue}, Finite: true, Values: strVals("agent", "manager", "viewer")}
	cases := []struct {
		name   string
		preds  []ltl.Pred
		domain ArgDomain
		want   []string
		reject any // a value the domain excludes (nil: none tested)
	}{
		{"enum of 3: no 'none of the 3'", []ltl.Pred{str("x", ltl.CmpEq, "agent"), str("x", ltl.CmpEq, "manager"), str("x", ltl.CmpEq, "viewer")}, role3, []string{
			`t(x == "agent" & !(x == "manager") & !(x == "viewer"))`,
			`t(!(x == "agent") & x == "manager" & !(x == "viewer"))`,
			`t(!(x == "agent") & !(x == "manager") & x == "viewer")`,
		}, "root"},
		{"minimum clips below", []ltl.Pred{num("x", ltl.CmpLt, 0), num("x", ltl.CmpGt, 100)}, ArgDomain{Min: numPtr("0")}, []string{
			"t(!(x < 0) & !(x > 100))", "t(!(x < 0) & x > 100)",
		}, -1},
		{"exclusive maximum clips the constant", []ltl.Pred{num("x", ltl.CmpGe, 100)}, ArgDomain{Max: numPtr("100"), MaxExclusive: true}, []string{
			"t(!(x >= 100))",
		}, 100},
		{"integer: no integer strictly between 1 and 2", []ltl.Pred{num("x", ltl.CmpLe, 1), num("x", ltl.CmpGe, 2)}, ArgDomain{Integer: true}, []string{
			"t(x <= 1 & !(x >= 2))", "t(!(x <= 1) & x >= 2)",
		}, 1.5},
		{"boolean type: only true and false", []ltl.Pred{boolp("x", ltl.CmpEq, true)}, ArgDomain{Kinds: []ltl.ValueKind{ltl.BoolValue}}, []string{
			"t(!(x == true))", "t(x == true)",
		}, nil},
		{"const", []ltl.Pred{boolp("x", ltl.CmpEq, true)}, ArgDomain{Finite: true, Values: []ltl.Value{{Kind: ltl.BoolValue, Bool: true}}}, []string{
			"t(x == true)",
		}, false},
		{"schema type contradicts the predicate", []ltl.Pred{num("x", ltl.CmpGt, 1)}, ArgDomain{Kinds: []ltl.ValueKind{ltl.StringValue}}, nil, nil},
		{"absent argument", []ltl.Pred{num("x", ltl.CmpGt, 1)}, ArgDomain{Absent: true}, nil, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := NewAlphabetWith(nil, []string{"t"}, AlphabetOptions{Domains: map[string]map[string]ArgDomain{"t": {"x": c.domain}}}, F(tool("t", c.preds...)))
			if err != nil {
				t.Fatal(err)
			}
			got := symbolNames(a)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("symbols\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			for i := range a.Symbols {
				ev := a.Events([]int{i})[0]
				if j, err := a.Classify(ev); err != nil || j != i {
					t.Errorf("witness %v of %s: %d %v", ev.Args, a.Symbols[i].Name, j, err)
				}
				if why := c.domain.rejects(ev.Args["x"]); why != "" {
					t.Errorf("witness %v of %s is outside the domain: %s", ev.Args, a.Symbols[i].Name, why)
				}
			}
			if c.reject != nil {
				_, err := a.Classify(ltl.Event{Tool: "t", Args: map[string]any{"x": c.reject}})
				var de *DomainError
				if !errors.Is(err, ErrArgDomain) || !errors.As(err, &de) || de.Arg != "x" {
					t.Errorf("value %v: %v, want ErrArgDomain", c.reject, err)
				}
			}
		})
	}
}

// TestAlphabetLiteralBudget: every symbol of a tool carries one literal per
// predicate on it, so 1100 thresholds on one argument (1101 symbols, under
// MaxSymbols) cost 1101 × 1100 literals and as many predicate strings in
// the names: 4000 of them took 93 s and 3 GB in plan check. The alphabet
// refuses more than MaxSymbols × MaxLiteralsPerSymbol literals in all, as
// a MaxSymbols limit (raising MaxSymbols raises it); 1000 thresholds still
// fit.
func TestAlphabetLiteralBudget(t *testing.T) {
	thresholds := func(n int) ltl.Formula {
		var f ltl.Formula = tool("t", num("k", ltl.CmpGt, 0))
		for i := 1; i < n; i++ {
			f = bin(ltl.OpOr, f, tool("t", num("k", ltl.CmpGt, float64(i))))
		}
		return F(f)
	}
	_, err := NewAlphabet(nil, []string{"t"}, thresholds(1100))
	var e *Error
	if !errors.Is(err, ErrSymbolLimit) || !errors.As(err, &e) || e.Option != "MaxSymbols" || !strings.Contains(err.Error(), "--max-symbols") {
		t.Fatalf("1100 thresholds: %v, want ErrSymbolLimit raised by MaxSymbols", err)
	}
	if a, err := NewAlphabet(nil, []string{"t"}, thresholds(1000)); err != nil || len(a.Symbols) != 1001 {
		t.Fatalf("1000 thresholds: %v", err)
	}
	if _, err := NewAlphabetLimit(nil, []string{"t"}, 2*DefaultMaxSymbols, thresholds(1100)); err != nil {
		t.Fatalf("1100 thresholds under twice the symbols: %v", err)
	}
}
