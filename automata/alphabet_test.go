package automata

import (
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
		// != is false when the argument is missing: both false is realisable.
		{"eq and ne", []ltl.Pred{str("to", ltl.CmpEq, "x"), str("to", ltl.CmpNe, "x")}, []string{
			"answer",
			`refund(!(to != "x") & !(to == "x"))`,
			`refund(!(to != "x") & to == "x")`,
			`refund(to != "x" & !(to == "x"))`,
		}},
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
		{ltl.Event{Tool: "refund", Args: map[string]any{"amount": "50"}}, "refund(!(amount <= 100))"},
		{ltl.Event{Tool: "refund"}, "refund(!(amount <= 100))"},
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

// Constants past 2^53 (timestamps in ns, amounts in wei) or near the float
// range must still give every region its symbol: c-1 == c there.
func TestAlphabetLargeConstants(t *testing.T) {
	for _, c := range []float64{1e20, -1e20, 1.7e308, -1.7e308, 9007199254740993} {
		lt := &ltl.Atom{Kind: ltl.AtomTool, Name: "refund", Preds: []ltl.Pred{{Arg: "amount", Cmp: ltl.CmpLt, Value: ltl.Value{Kind: ltl.NumberValue, Num: c}}}}
		gt := &ltl.Atom{Kind: ltl.AtomTool, Name: "refund", Preds: []ltl.Pred{{Arg: "amount", Cmp: ltl.CmpGt, Value: ltl.Value{Kind: ltl.NumberValue, Num: c}}}}
		a, err := NewAlphabet(nil, []string{"refund"}, lt, gt)
		if err != nil {
			t.Fatal(err)
		}
		// below c, at c, above c, and the missing argument: lt/gt true/false as the value says.
		for _, v := range []any{c / 2, c, c * 1.0000001, nil} {
			args := map[string]any{"amount": v}
			if v == nil {
				args = nil
			}
			if _, err := a.Classify(ltl.Event{Tool: "refund", Args: args}); err != nil {
				t.Errorf("c=%g value %v: %v", c, v, err)
			}
		}
	}
}
