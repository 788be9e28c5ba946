package routines

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// scaleRoutine has n steps: calls whose results later steps read, each
// followed by an if on it that ends the run in one arm, so every path
// carries facts and bindings forward.
func scaleRoutine(n int) []byte {
	var b strings.Builder
	b.WriteString("routine big\ninput id: string\n")
	for i := 1; i <= n; i += 2 {
		fmt.Fprintf(&b, "%d. -> t%d(id: $id, v: [1, 2, 3]) as r%d\n", i, i%50, i)
		fmt.Fprintf(&b, "%d. if $r%d.s in [\"a\", \"b\"] or $r%d failed {\n  %d.1 -> answer\n  end\n}\n", i+1, i, i, i+1)
	}
	return []byte(b.String())
}

// TestCheckScalesLinearly: Parse, Check and Format on a routine four
// times as long take well under sixteen times as long (the ratio a
// quadratic path would give), measured in the same run.
func TestCheckScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	run := func(n int) time.Duration {
		src := scaleRoutine(n)
		best := time.Duration(1 << 62)
		for k := 0; k < 3; k++ {
			start := time.Now()
			r, err := Options{MaxBytes: 1 << 24}.Parse("big.routine", src)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(r, nil); err != nil {
				t.Fatal(err)
			}
			_ = Format(r)
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := run(500), run(2000)
	if ratio := float64(large) / float64(small); ratio > 10 {
		t.Fatalf("4x the steps took %.1fx the time (%v vs %v): a path is not linear", ratio, large, small)
	}
}
