package decimal

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"testing"
)

var (
	jsonNumber  = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	zerosNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		s       string
		syntax  Syntax
		ok      bool
		digits  string
		exp     int64
		neg     bool
		written int64
	}{
		{"0", JSON, true, "", 0, false, 0},
		{"-0.000", JSON, true, "", 0, false, 0},
		{"0e-99", JSON, true, "", 0, false, -99},
		{"1000", JSON, true, "1", 4, false, 0},
		{"1e3", JSON, true, "1", 4, false, 3},
		{"1000.0", JSON, true, "1", 4, false, 0},
		{"-0.050", JSON, true, "5", -1, true, 0},
		{"12.34e-2", JSON, true, "1234", 0, false, -2},
		{"1e99999999999999999999", JSON, true, "1", MaxExp + 2, false, MaxExp + 1},
		{"1e-00000000000000000000000005", JSON, true, "1", -4, false, -5},
		{"007", LeadingZeros, true, "7", 1, false, 0},
		{"007", JSON, false, "", 0, false, 0},
		{"-", JSON, false, "", 0, false, 0},
		{".5", LeadingZeros, false, "", 0, false, 0},
		{"1.", JSON, false, "", 0, false, 0},
		{"1e", JSON, false, "", 0, false, 0},
		{"1e+", JSON, false, "", 0, false, 0},
		{"+1", JSON, false, "", 0, false, 0},
		{"1 ", JSON, false, "", 0, false, 0},
	} {
		d, ok := Parse(c.s, c.syntax)
		if ok != c.ok {
			t.Errorf("Parse(%q, %d): ok %v", c.s, c.syntax, ok)
			continue
		}
		if ok && (d.Digits() != c.digits || d.Exp != c.exp || d.Neg != c.neg || d.Written != c.written) {
			t.Errorf("Parse(%q) = digits %q exp %d neg %v written %d; want %q %d %v %d", c.s, d.Digits(), d.Exp, d.Neg, d.Written, c.digits, c.exp, c.neg, c.written)
		}
	}
}

func TestCompareExact(t *testing.T) {
	ordered := []string{"-1e400", "-9007199254740993", "-9007199254740992", "-1e-400", "0", "1e-400", "0.1", "0.10000000000000000001", "9007199254740992", "9007199254740993", "99999999999999999999", "1e20", "1e400"}
	for i, a := range ordered {
		for j, b := range ordered {
			da, _ := Parse(a, JSON)
			db, _ := Parse([]byte(b), JSON)
			if got, want := Compare(da, db), cmpInt(i, j); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func cmpInt(i, j int) int {
	switch {
	case i < j:
		return -1
	case i > j:
		return 1
	}
	return 0
}

func TestParseAllocatesNothing(t *testing.T) {
	var buf [32]byte
	if n := testing.AllocsPerRun(100, func() {
		a, _ := Parse("-12.5e3", JSON)
		b, _ := Parse(append(buf[:0], "12500.0"...), LeadingZeros)
		_ = Compare(a, b)
	}); n != 0 {
		t.Errorf("Parse and Compare allocate %v times", n)
	}
}

// FuzzParse: Parse accepts exactly the grammar of its Syntax, the string
// and byte forms agree, and for exponents big.Rat can hold Compare agrees
// with big.Rat and IsInteger with the rational's denominator.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "-0", "1e400", "-1e-400", "9007199254740993", "99999999999999999999", "1.50", "007", "1e", "--1", "0e99999999999999999999", "0.000120"} {
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, syntax := range []Syntax{JSON, LeadingZeros} {
			grammar := jsonNumber
			if syntax == LeadingZeros {
				grammar = zerosNumber
			}
			x, ok := Parse(a, syntax)
			if ok != grammar.MatchString(a) {
				t.Fatalf("Parse(%q, %d): ok %v, grammar says otherwise", a, syntax, ok)
			}
			if xb, okb := Parse([]byte(a), syntax); okb != ok || ok && (xb.Digits() != x.Digits() || xb.Exp != x.Exp || xb.Neg != x.Neg) {
				t.Fatalf("Parse(%q): string and bytes disagree", a)
			}
			y, oky := Parse(b, syntax)
			if !ok || !oky {
				continue
			}
			small := func(w int64) bool { return w < 300 && w > -300 }
			if !small(x.Written) || !small(y.Written) || len(a) > 300 || len(b) > 300 {
				continue
			}
			rx, _ := new(big.Rat).SetString(a)
			ry, _ := new(big.Rat).SetString(b)
			if got, want := Compare(x, y), rx.Cmp(ry); got != want {
				t.Fatalf("Compare(%s, %s) = %d, big.Rat says %d", a, b, got, want)
			}
			if x.IsInteger() != rx.IsInt() {
				t.Fatalf("IsInteger(%s) = %v", a, x.IsInteger())
			}
		}
	})
}

// TestAppendGo: every Go number type is written as fmt's %v prints it (the
// text the validator reads), and other values are refused.
func TestAppendGo(t *testing.T) {
	for _, v := range []any{int(-7), int8(-128), int16(300), int32(-1 << 31), int64(-1 << 63), uint(7), uint8(255), uint16(65535), uint32(1 << 31), uint64(1<<64 - 1), float32(0.1), 0.1, 1e300, 5e-324} {
		got, ok := AppendGo(nil, v)
		if want := fmt.Sprint(v); !ok || string(got) != want {
			t.Errorf("AppendGo(%T %v) = %q, %v; want %q", v, v, got, ok, want)
		}
	}
	for _, v := range []any{"1", nil, true, json.Number("1"), []byte("1")} {
		if got, ok := AppendGo([]byte("x"), v); ok || string(got) != "x" {
			t.Errorf("AppendGo(%T) = %q, %v; want refused", v, got, ok)
		}
	}
}
