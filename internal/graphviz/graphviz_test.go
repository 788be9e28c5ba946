package graphviz

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/specplan/specplan"
)

func compile(t *testing.T, src string) *specplan.Spec {
	t.Helper()
	s, err := specplan.Compile("t.ltl", []byte(src), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// at_most over three steps: (k+2)^3-ish states, many edges.
const counters = "spec p\nsteps a, b, c\nrule at_most(4, a)\nrule at_most(4, b)\nrule at_most(4, c)\n"

func TestEdgeLimitIsCheckedBeforeDot(t *testing.T) {
	s := compile(t, counters)
	n := Edges(s.DFA())
	if n <= s.DFA().NumStates() {
		t.Fatalf("Edges = %d for %d states: want more edges than states here", n, s.DFA().NumStates())
	}
	t.Setenv("PATH", t.TempDir()) // no dot: the limit must come first
	_, err := Render(context.Background(), s.DFA(), "svg", Options{MaxEdges: n - 1, Timeout: time.Minute})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "Options.MaxEdges") {
		t.Errorf("Render over the limit: %v, want ErrTooLarge naming MaxEdges", err)
	}
	_, err = Render(context.Background(), s.DFA(), "svg", Options{MaxEdges: n, Timeout: time.Minute})
	if !errors.Is(err, ErrNoGraphviz) {
		t.Errorf("Render at the limit without dot: %v, want ErrNoGraphviz", err)
	}
}

// Edges counts (state, next state) pairs, as WriteDOT draws them, plus the
// start arrow.
func TestEdgesCountsDrawnEdges(t *testing.T) {
	s := compile(t, "spec p\nsteps a, b\nrule G(a -> X b)\n")
	pairs := map[[2]int]bool{}
	for q, row := range s.DFA().Trans {
		for _, t := range row {
			if t >= 0 {
				pairs[[2]int{q, int(t)}] = true
			}
		}
	}
	if got, want := Edges(s.DFA()), len(pairs)+1; got != want {
		t.Errorf("Edges = %d, want %d", got, want)
	}
}

func TestTimeoutStopsDot(t *testing.T) {
	s := compile(t, counters)
	_, err := Render(context.Background(), s.DFA(), "svg", Options{MaxEdges: 1 << 20, Timeout: time.Nanosecond})
	if errors.Is(err, ErrNoGraphviz) {
		t.Skip("Graphviz is not installed (scripts/setup.sh installs it)")
	}
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "Options.Timeout") {
		t.Errorf("Render with a 1ns timeout: %v, want ErrTimeout naming Timeout", err)
	}
}

// A label's control characters reach dot as visible escapes, and the SVG
// carries none.
func TestLabelsAreEscaped(t *testing.T) {
	s := compile(t, "spec p\ntools t\nrule G(t(x == \"a\\x1b\\u202eb\") -> last)\n")
	svg, err := Render(context.Background(), s.DFA(), "svg", DefaultOptions)
	if errors.Is(err, ErrNoGraphviz) {
		t.Skip("Graphviz is not installed (scripts/setup.sh installs it)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(svg), "\x1b\u202e") {
		t.Errorf("SVG carries a raw control or bidi rune")
	}
	if !strings.Contains(string(svg), `a\x1b\u202eb`) {
		t.Errorf("SVG does not show the escaped label: %.300s", svg)
	}
}
