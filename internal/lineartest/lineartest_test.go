package lineartest

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that keeps the failure instead of failing.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

var sink int

func linear(n int) {
	s := 0
	for i := range 100 * n {
		s += i ^ s>>3
	}
	sink = s
}

func quadratic(n int) {
	s := 0
	for i := range n {
		for j := range n {
			s += i ^ j ^ s>>3
		}
	}
	sink = s
}

func TestRatio(t *testing.T) {
	r := &recorder{TB: t}
	Ratio(r, 300, linear)
	if r.failed != "" {
		t.Errorf("a linear loop failed: %s", r.failed)
	}
	r = &recorder{TB: t}
	Ratio(r, 300, quadratic)
	if r.failed == "" {
		t.Error("a quadratic loop passed")
	}
}
