package routines

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestLowerNestedRepeatBounded: nested repeats unroll to max² copies of
// a step that shares its name, whose encodings share subformulas; Lower
// must refuse by size (measured on the shared formula, never printed)
// instead of printing an exponentially large text. Before sizes were
// computed on the DAG this input did not finish.
func TestLowerNestedRepeatBounded(t *testing.T) {
	src := "routine r\n1. repeat {\n 1.1 repeat { 1.1.1 -> a() as x } until $x.done == true max 32\n} until $x.more == false max 32\n"
	r, err := Parse("r.routine", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lower(r)
	var l ltl.ErrorList
	if !errors.As(err, &l) || len(l) != 1 || l[0].Code != ErrLowerSize {
		t.Fatalf("want one ErrLowerSize, got %v", err)
	}
	if !strings.Contains(l[0].Msg, "LowerOptions.MaxBytes") {
		t.Fatalf("the error does not name the option that raises the limit: %s", l[0].Msg)
	}
}

// TestLowerHostileText: descriptions, titles and literals are data: a
// newline or a rule in them never becomes a line of the lowered spec.
func TestLowerHostileText(t *testing.T) {
	src := "routine r \"t\\nrule G(false)\"\n1. \"x\\nrule G(false)\" -> a(s: \"v\\\"\\nrule G(false)\")\n"
	r, err := Parse("r.routine", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	text, err := Lower(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "rule G(false)") {
			t.Fatalf("text from the routine became a rule:\n%s", text)
		}
	}
	if !strings.Contains(text, `a(s == "v\"\nrule G(false)")`) {
		t.Fatalf("the literal is not kept as one quoted string:\n%s", text)
	}
}

// TestLowerEdgesDoNotMultiply: each empty arm of a choice passes its
// incoming edges on, so sequential choices multiplied them (2^40 here)
// before repeated edges were merged; now the routine lowers to two steps
// and the edge budget (spend) bounds what merging cannot.
func TestLowerEdgesDoNotMultiply(t *testing.T) {
	var b strings.Builder
	b.WriteString("routine r\n1. -> a()\n")
	for i := 2; i <= 41; i++ {
		b.WriteString(strconv.Itoa(i) + ". choice { } or { }\n")
	}
	b.WriteString("42. -> answer\n")
	r, err := Parse("r.routine", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	text, err := Lower(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "rule G(answer -> answer & Y a)") {
		t.Fatalf("unexpected lowering:\n%s", text)
	}
}
