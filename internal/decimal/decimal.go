package decimal

// Text is the two forms a number's text takes: a string (json.Number's),
// or bytes formatted into a buffer.
type Text interface{ ~string | ~[]byte }

// MaxExp is where the exponent written after 'e' saturates: a larger one
// reads as MaxExp+1 (or its negative). It is far beyond any range a caller
// accepts, yet keeps every exponent sum far from int64 overflow.
const MaxExp = 1_000_000_000_000_000

// Decimal is a parsed number literal: its value is
// (-1 if Neg) × 0.d1d2…dn × 10^Exp, where d1…dn are the significant digits
// of Text[Start:End] with any '.' skipped (d1 and dn non-zero), or zero
// when Start == End (then Neg is false and Exp 0).
type Decimal[T Text] struct {
	Text       T
	Start, End int
	Neg        bool
	Exp        int64
	// Written is the exponent as written after 'e' (0 without one),
	// saturated at ±(MaxExp+1); it is kept for zero too, so a caller can
	// bound the text's exponent whatever the value.
	Written int64
}

// Syntax says which integer parts Parse accepts.
type Syntax int

const (
	// JSON is RFC 8259's grammar: no leading zeros ("0", "0.5", not "01").
	JSON Syntax = iota
	// LeadingZeros also accepts integer parts such as "007" and "-00.5".
	LeadingZeros
)

// Parse reads s: an optional '-', an integer part, an optional fraction and
// an optional exponent. ok is false for anything else.
func Parse[T Text](s T, syntax Syntax) (d Decimal[T], ok bool) {
	n := len(s)
	i := 0
	if i < n && s[i] == '-' {
		d.Neg = true
		i++
	}
	intStart := i
	switch {
	case i < n && s[i] == '0' && syntax == JSON:
		i++
	case i < n && isDigit(s[i]):
		for i < n && isDigit(s[i]) {
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
		for i < n && isDigit(s[i]) {
			i++
		}
		if i == fs {
			return d, false
		}
		mantEnd = i
	}
	var exp int64
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < n && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < n && isDigit(s[i]) {
			if exp <= MaxExp {
				exp = exp*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == es {
			return d, false
		}
		exp = min(exp, MaxExp+1)
		if eneg {
			exp = -exp
		}
	}
	if i != n {
		return d, false
	}
	d.Text, d.Written = s, exp
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
		d.Neg = false // -0 is 0
		return d, true
	}
	d.Start, d.End = start, end
	d.Exp = exp + int64(intLen-lead)
	return d, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// IsZero reports whether d is 0.
func (d Decimal[T]) IsZero() bool { return d.Start == d.End }

// NumDigits counts the significant digits.
func (d Decimal[T]) NumDigits() int {
	n := d.End - d.Start
	for i := d.Start; i < d.End; i++ {
		if d.Text[i] == '.' {
			return n - 1
		}
	}
	return n
}

// Digits returns the significant digits without the '.'.
func (d Decimal[T]) Digits() string {
	for i := d.Start; i < d.End; i++ {
		if d.Text[i] == '.' {
			return string(d.Text[d.Start:i]) + string(d.Text[i+1:d.End])
		}
	}
	return string(d.Text[d.Start:d.End])
}

// IsInteger reports whether the value has no fractional part.
func (d Decimal[T]) IsInteger() bool { return d.IsZero() || int64(d.NumDigits()) <= d.Exp }

// Sign returns -1, 0 or +1.
func (d Decimal[T]) Sign() int {
	switch {
	case d.IsZero():
		return 0
	case d.Neg:
		return -1
	}
	return 1
}

// Compare returns -1, 0 or +1 as a <, ==, > b, exactly.
func Compare[A, B Text](a Decimal[A], b Decimal[B]) int {
	sa, sb := a.Sign(), b.Sign()
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

// compareMagnitude compares |a| and |b|, both non-zero: by the exponent of
// the leading digit, then digit by digit (no trailing zeros, so a proper
// prefix is smaller).
func compareMagnitude[A, B Text](a Decimal[A], b Decimal[B]) int {
	if a.Exp != b.Exp {
		if a.Exp < b.Exp {
			return -1
		}
		return 1
	}
	i, j := a.Start, b.Start
	for {
		for i < a.End && a.Text[i] == '.' {
			i++
		}
		for j < b.End && b.Text[j] == '.' {
			j++
		}
		switch {
		case i == a.End && j == b.End:
			return 0
		case i == a.End:
			return -1
		case j == b.End:
			return 1
		case a.Text[i] != b.Text[j]:
			if a.Text[i] < b.Text[j] {
				return -1
			}
			return 1
		}
		i++
		j++
	}
}
