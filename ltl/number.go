package ltl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/specplan/specplan/internal/decimal"
)

// Number is an exact decimal number: a predicate literal, or an argument
// value read from JSON text or a Go number. Comparisons are exact on the
// decimal value, with no float64 rounding: 9007199254740993 is greater than
// 9007199254740992, 99999999999999999999 is less than 1e20 and -1e-400 is
// less than 0.
//
// The zero value is the number 0. Numbers are comparable with ==: equal
// numbers have equal representations (1000, 1e3 and 1000.0 are one Number).
type Number struct {
	neg    bool
	digits string // significant digits, no leading or trailing zeros; "" for zero
	exp    int64  // the value is digits × 10^exp
}

// MaxNumberExponent bounds the decimal exponent of a Number (the position of
// its leading digit): a number of larger or smaller magnitude (other than 0)
// is an error that says it is out of range. It keeps every comparison
// linear in the text and exponent arithmetic far from overflow.
const MaxNumberExponent = 1_000_000_000_000

// MaxLiteralExponent bounds the exponent of a predicate literal in a spec
// (1e-4096 … 1e4096): the decoder and the alphabet do exact rational
// arithmetic on literals, whose cost grows with the exponent.
const MaxLiteralExponent = 4096

// ErrNumberRange is returned (wrapped) by ParseNumber for a number whose
// exponent is beyond MaxNumberExponent.
var ErrNumberRange = errors.New("number out of range")

// ParseNumber reads a decimal number: an optional '-', digits, an optional
// fraction and an optional exponent (JSON's number syntax, leading zeros
// allowed). The value is kept exactly.
func ParseNumber(s string) (Number, error) {
	d, ok := decimal.Parse(s, decimal.LeadingZeros)
	if !ok {
		return Number{}, fmt.Errorf("%s is not a decimal number", strconv.Quote(truncate(s, 40)))
	}
	if d.IsZero() {
		return Number{}, nil
	}
	if d.Exp > MaxNumberExponent || d.Exp < -MaxNumberExponent {
		return Number{}, fmt.Errorf("%s: %w (the exponent must be within ±%d)", strconv.Quote(truncate(s, 40)), ErrNumberRange, int64(MaxNumberExponent))
	}
	digits := d.Digits()
	return Number{neg: d.Neg, digits: digits, exp: d.Exp - int64(len(digits))}, nil
}

// MustParseNumber is ParseNumber for constants known to be valid; it panics
// on an error.
func MustParseNumber(s string) Number {
	n, err := ParseNumber(s)
	if err != nil {
		panic("ltl.MustParseNumber: " + err.Error())
	}
	return n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// IntNumber is the Number of an int64.
func IntNumber(x int64) Number {
	n, _ := ParseNumber(strconv.FormatInt(x, 10))
	return n
}

// NumberOf reads a Go value as a Number: every Go integer type, float32 and
// float64, and json.Number. A float is read as the shortest decimal that
// rounds to it, the text encoding/json writes for it, so a Monitor fed a
// float64 decides as Validate does on the same call written to JSON. NaN and
// the infinities are not numbers. ok is false for a value that is not a
// number at all; err is set for one that is but cannot be read (bad
// json.Number text, a number out of range, NaN).
func NumberOf(v any) (n Number, ok bool, err error) {
	if s, isNum := v.(json.Number); isNum {
		n, err := ParseNumber(string(s))
		return n, true, err
	}
	var buf [32]byte
	text, ok := decimal.AppendGo(buf[:0], v)
	if !ok {
		return Number{}, false, nil
	}
	if n, err = ParseNumber(string(text)); err != nil {
		// NaN and the infinities: the only texts AppendGo writes that are
		// not numbers.
		return Number{}, true, fmt.Errorf("%v is not a JSON number", v)
	}
	return n, true, nil
}

// Sign returns -1, 0 or +1.
func (n Number) Sign() int {
	switch {
	case n.digits == "":
		return 0
	case n.neg:
		return -1
	}
	return 1
}

// Exponent is the decimal exponent of the leading digit plus one (0.5 has
// 0, 5 has 1, 50 has 2); 0 for zero.
func (n Number) Exponent() int64 {
	if n.digits == "" {
		return 0
	}
	return n.exp + int64(len(n.digits))
}

// IsInt reports whether n is an integer.
func (n Number) IsInt() bool { return n.exp >= 0 }

// Cmp compares a and b exactly: -1 if a < b, 0 if equal, +1 if a > b.
func (a Number) Cmp(b Number) int { return decimal.Compare(a.decimal(), b.decimal()) }

// decimal is n as internal/decimal's view of its digits.
func (n Number) decimal() decimal.Decimal[string] {
	return decimal.Decimal[string]{Text: n.digits, End: len(n.digits), Neg: n.neg, Exp: n.Exponent()}
}

// String prints n in the shortest of the usual forms that parses back to
// it: an integer up to 21 digits, a decimal fraction down to 1e-6, else
// scientific notation (1e400, -2.5e-400).
func (n Number) String() string {
	if n.digits == "" {
		return "0"
	}
	var b strings.Builder
	if n.neg {
		b.WriteByte('-')
	}
	d, e := n.digits, n.Exponent()
	switch {
	case n.exp >= 0 && e <= 21:
		b.WriteString(d)
		b.WriteString(strings.Repeat("0", int(n.exp)))
	case n.exp < 0 && e > 0:
		b.WriteString(d[:e])
		b.WriteByte('.')
		b.WriteString(d[e:])
	case n.exp < 0 && e > -6:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", int(-e)))
		b.WriteString(d)
	default:
		b.WriteString(d[:1])
		if len(d) > 1 {
			b.WriteByte('.')
			b.WriteString(d[1:])
		}
		b.WriteByte('e')
		b.WriteString(strconv.FormatInt(e-1, 10))
	}
	return b.String()
}

// Rat returns n as an exact rational. Its size grows with |Exponent()|:
// call it only on numbers of bounded exponent, such as predicate literals
// (MaxLiteralExponent).
func (n Number) Rat() *big.Rat {
	r := new(big.Rat)
	if n.digits == "" {
		return r
	}
	m, _ := new(big.Int).SetString(n.digits, 10)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(n.exp)), nil)
	if n.exp >= 0 {
		r.SetInt(m.Mul(m, p))
	} else {
		r.SetFrac(m, p)
	}
	if n.neg {
		r.Neg(r)
	}
	return r
}

// RatNumber converts a rational with a finite decimal expansion of at most
// maxFrac fraction digits to a Number; ok is false otherwise.
func RatNumber(r *big.Rat, maxFrac int) (Number, bool) {
	if r.IsInt() {
		n, err := ParseNumber(r.Num().String())
		return n, err == nil
	}
	s := r.FloatString(maxFrac)
	n, err := ParseNumber(s)
	if err != nil || n.Rat().Cmp(r) != 0 {
		return Number{}, false
	}
	return n, true
}

// FracDigits is the number of digits after the decimal point n needs.
func (n Number) FracDigits() int64 {
	if n.exp >= 0 {
		return 0
	}
	return -n.exp
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
