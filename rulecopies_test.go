package specplan

import (
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// Rules that differ only in an atom's outcome are different rules: before
// the outcome was part of the key, `G(back -> back returns (screen == "D"))`
// counted as a copy of `G(back -> back fails)` and was left out of the
// conjunction, so the DFA accepted what Eval rejects.
func TestRuleCopiesTellOutcomesApart(t *testing.T) {
	src := `spec m
tools back
rule G(back -> (back fails | back returns (screen == "D")))
rule G(back -> (back fails | back returns (screen == "E")))
`
	s, err := Compile("m.ltl", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	trace, err := ltl.ReadTrace("t.jsonl", strings.NewReader(`{"tool":"back","result":{"screen":"D"}}`+"\n"), s.source)
	if err != nil {
		t.Fatal(err)
	}
	if ev := ltl.Eval(s.source.Formula(), trace); ev {
		t.Fatalf("Eval accepts a trace the second rule rejects")
	}
	if v := s.Validate(trace); v.Accepted {
		t.Errorf("Validate accepts a trace the second rule rejects (the rules were taken for copies: %v)", s.copyOf)
	}
}
