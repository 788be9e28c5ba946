//go:build !unix

package lineartest

import "time"

var start = time.Now()

// cpuTime falls back on the monotonic clock where getrusage is missing:
// the minimum over tries still discounts most noise.
func cpuTime() time.Duration { return time.Since(start) }
