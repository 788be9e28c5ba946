package export

import (
	"regexp"
	"strings"
	"testing"
)

// TestRegexLongRepeat: a count beyond RE2's 1000 is split so that Go's
// regexp compiles it and still counts exactly.
func TestRegexLongRepeat(t *testing.T) {
	pat, err := printRegex(eRep{x: eLit{"a"}, min: 0, max: 2500}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	re, err := regexp.Compile(`^(?:` + pat + `)$`)
	if err != nil {
		t.Fatalf("%s: %v", pat, err)
	}
	for n, want := range map[int]bool{0: true, 1: true, 1000: true, 2500: true, 2501: false} {
		if got := re.MatchString(strings.Repeat("a", n)); got != want {
			t.Errorf("%s on %d a's: %v, want %v", pat, n, got, want)
		}
	}
}

// TestCountedChains: nested optionals of one thing and bounded chains
// ending in the same tail print as counted repeats, never x? x?.
func TestCountedChains(t *testing.T) {
	a, y := eClass{[]cpRange{{'0', '9'}}}, eLit{"y"}
	nested := optional(seq(a, optional(seq(a, optional(a)))))
	if got, _ := (&grammar{}).expr(gbnfDialect, mapExpr(nested, counted), 0); got != `[0-9]{0,3}` {
		t.Errorf("nested optionals: %s", got)
	}
	tail := alt(seq(a, alt(seq(a, alt(seq(a, y), y)), y)), y)
	if got, _ := (&grammar{}).expr(gbnfDialect, mapExpr(tail, counted), 0); got != `[0-9]{0,3} "y"` {
		t.Errorf("chain to a tail: %s", got)
	}
}
