package schema

// Exact decimal numbers without allocation. The validator compares numbers
// as exact rationals built from their decimal text (json.Number's digits,
// a Go integer's digits, a float's shortest round-trip form); the fast
// path (fast.go) must agree with it to the last digit, and must not
// allocate, so it compares the decimal texts themselves.

// text is the two forms a number's text takes here: a json.Number's
// string, or digits formatted into a stack buffer.
type text interface{ ~string | ~[]byte }

// decimal is a parsed number literal: its value is
// (-1 if neg) × 0.d1d2…dn × 10^exp, where d1…dn are the significant
// digits of m[start:end] with any '.' skipped (d1 and dn non-zero), or zero
// when start == end.
type decimal[T text] struct {
	m          T
	start, end int
	neg        bool
	exp        int
}

// parseDecimal reads a JSON number (RFC 8259 grammar). ok is false for
// anything else, and for literals longer than limit or whose exponent is
// larger than limit in magnitude.
func parseDecimal[T text](s T, limit int) (d decimal[T], ok bool) {
	n := len(s)
	if n == 0 || n > limit {
		return d, false
	}
	i := 0
	if s[0] == '-' {
		d.neg = true
		i++
	}
	intStart := i
	switch {
	case i < n && s[i] == '0':
		i++
	case i < n && s[i] >= '1' && s[i] <= '9':
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return d, false
	}
	intLen := i - intStart
	mantEnd := i
	if i < n && s[i] == '.' {
		i++
		fs := i
		for i < n && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == fs {
			return d, false
		}
		mantEnd = i
	}
	exp := 0
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < n && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < n && s[i] >= '0' && s[i] <= '9' {
			if exp > limit {
				return d, false
			}
			exp = exp*10 + int(s[i]-'0')
			i++
		}
		if i == es || exp > limit {
			return d, false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != n {
		return d, false
	}
	d.m = s
	// Significant digits: skip leading zeros (and the dot), drop trailing zeros.
	start, lead := intStart, 0
	for start < mantEnd && (s[start] == '0' || s[start] == '.') {
		if s[start] == '0' {
			lead++
		}
		start++
	}
	end := mantEnd
	for end > start && (s[end-1] == '0' || s[end-1] == '.') {
		end--
	}
	if start == end {
		d.neg = false // -0 is 0
		d.start, d.end = 0, 0
		return d, true
	}
	d.start, d.end = start, end
	d.exp = exp + intLen - lead
	return d, true
}

func (d decimal[T]) isZero() bool { return d.start == d.end }

// digits counts the significant digits.
func (d decimal[T]) digits() int {
	n := 0
	for i := d.start; i < d.end; i++ {
		if d.m[i] != '.' {
			n++
		}
	}
	return n
}

// isInteger reports whether the value has no fractional part.
func (d decimal[T]) isInteger() bool { return d.isZero() || d.digits() <= d.exp }

// compareDecimal returns -1, 0 or +1 as a <, ==, > b.
func compareDecimal[A, B text](a decimal[A], b decimal[B]) int {
	sa, sb := sign(a.neg, a.isZero()), sign(b.neg, b.isZero())
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	c := compareMagnitude(a, b)
	if sa < 0 {
		return -c
	}
	return c
}

func sign(neg, zero bool) int {
	switch {
	case zero:
		return 0
	case neg:
		return -1
	}
	return 1
}

func compareMagnitude[A, B text](a decimal[A], b decimal[B]) int {
	if a.exp != b.exp {
		if a.exp < b.exp {
			return -1
		}
		return 1
	}
	i, j := a.start, b.start
	for {
		for i < a.end && a.m[i] == '.' {
			i++
		}
		for j < b.end && b.m[j] == '.' {
			j++
		}
		switch {
		case i == a.end && j == b.end:
			return 0
		case i == a.end:
			return -1
		case j == b.end:
			return 1
		case a.m[i] != b.m[j]:
			if a.m[i] < b.m[j] {
				return -1
			}
			return 1
		}
		i++
		j++
	}
}
