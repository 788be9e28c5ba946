package schema

import "github.com/specplan/specplan/internal/decimal"

// Exact decimal numbers without allocation. The validator compares numbers
// as exact rationals built from their decimal text (json.Number's digits,
// a Go integer's digits, a float's shortest round-trip form); the fast
// path (fast.go) must agree with it to the last digit, and must not
// allocate, so it compares the decimal texts themselves (internal/decimal).

// parseDecimal reads a JSON number (RFC 8259 grammar). ok is false for
// anything else, and for literals longer than limit or whose exponent is
// larger than limit in magnitude.
func parseDecimal[T decimal.Text](s T, limit int) (d decimal.Decimal[T], ok bool) {
	if len(s) == 0 || len(s) > limit {
		return d, false
	}
	d, ok = decimal.Parse(s, decimal.JSON)
	if !ok || d.Written > int64(limit) || d.Written < -int64(limit) {
		return d, false
	}
	return d, true
}
