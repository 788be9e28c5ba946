package automata

import (
	"encoding/json"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestClassifyAllocs: classifying a call reads each numeric argument once
// and builds no key on the heap: at most one allocation per numeric
// argument of a Go number type, none for json.Number integers.
func TestClassifyAllocs(t *testing.T) {
	a := mustAlphabet(t, nil, []string{"refund"}, F(tool("refund", num("amount", ltl.CmpGt, 100), num("amount", ltl.CmpGt, 1000), str("currency", ltl.CmpEq, "EUR"))))
	cases := []struct {
		v    any
		want float64
	}{{50.0, 1}, {5000, 1}, {json.Number("50"), 0}}
	for _, c := range cases {
		ev := ltl.Event{Tool: "refund", Args: map[string]any{"amount": c.v, "currency": "EUR"}}
		if _, err := a.Classify(ev); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { a.Classify(ev) }); n > c.want {
			t.Errorf("Classify with amount %T: %v allocations, want at most %v", c.v, n, c.want)
		}
	}
}
