package lineartest

import (
	"runtime"
	"testing"
	"time"
)

// MaxRatio is how many times as long run(10·n) may take as run(n): far
// above a linear path's 10 (noise, fixed costs, caches that no longer fit)
// and far below a quadratic path's 100.
const MaxRatio = 30

// MinMeasure is the least CPU time one measurement covers: run is repeated
// until it has taken this long, and the time per run is the mean.
const MinMeasure = 5 * time.Millisecond

// Tries: each side's time is the minimum over at least minTries tries, and
// a ratio above MaxRatio is tried again, up to maxTries in all.
const (
	minTries = 3
	maxTries = 6
)

// Ratio fails t unless run(10·n) takes at most MaxRatio times as long as
// run(n). run must do the same work for the same n every time it is
// called; what it builds as input is timed with it, so input that is not
// part of the path under test is best built once, outside.
func Ratio(t testing.TB, n int, run func(n int)) {
	t.Helper()
	run(n) // warm up: lazily built tables, the heap's size
	small, large := time.Duration(1<<62), time.Duration(1<<62)
	var r float64
	for try := 1; try <= maxTries; try++ {
		small = min(small, perRun(n, run))
		large = min(large, perRun(10*n, run))
		r = float64(large) / float64(small)
		if try >= minTries && r <= MaxRatio {
			return
		}
	}
	t.Fatalf("input ×10 took ×%.0f (%v for n=%d, %v for n=%d, CPU time per run): not linear", r, small, n, large, 10*n)
}

// perRun is the CPU time of one run(n): the mean over as many runs as it
// takes to cover MinMeasure.
func perRun(n int, run func(n int)) time.Duration {
	runtime.GC() // garbage of earlier runs is not collected on this one's time
	runs := 0
	t0 := cpuTime()
	var d time.Duration
	for runs == 0 || d < MinMeasure {
		run(n)
		runs++
		d = cpuTime() - t0
	}
	return max(d/time.Duration(runs), 1)
}
