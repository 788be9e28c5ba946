package ltl

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNumberCmpExact(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"9007199254740993", "9007199254740992", 1},
		{"99999999999999999999", "1e20", -1},
		{"100000000000000000000", "1e20", 0},
		{"-1e-400", "0", -1},
		{"1e-400", "0", 1},
		{"1e400", "1e399", 1},
		{"-1e400", "-1e399", -1},
		{"1000", "1e3", 0},
		{"1000.000", "1e3", 0},
		{"0.1", "1e-1", 0},
		{"-0", "0", 0},
		{"0e999999999999999999999", "0", 0},
		{"12.5", "12.49999999999999999999", 1},
		{"9223372036854775807", "9223372036854775808", -1},
		{"18446744073709551615", "18446744073709551616", -1},
		{"-9223372036854775808", "-9223372036854775807", -1},
		{"007", "7", 0},
	}
	for _, c := range cases {
		a, err := ParseNumber(c.a)
		if err != nil {
			t.Fatalf("ParseNumber(%s): %v", c.a, err)
		}
		b, err := ParseNumber(c.b)
		if err != nil {
			t.Fatalf("ParseNumber(%s): %v", c.b, err)
		}
		if got := a.Cmp(b); got != c.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := b.Cmp(a); got != -c.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", c.b, c.a, got, -c.want)
		}
		if c.want == 0 && a != b {
			t.Errorf("%s and %s are equal but not ==: %+v %+v", c.a, c.b, a, b)
		}
		// The exact rational agrees.
		if a.Exponent() < 1000 && b.Exponent() < 1000 && a.Exponent() > -1000 && b.Exponent() > -1000 {
			if got := a.Rat().Cmp(b.Rat()); got != c.want {
				t.Errorf("Rat Cmp(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
			}
		}
	}
}

func TestNumberStringRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "12.5", "0.05", "1e400", "-2.5e-400", "9007199254740993",
		"99999999999999999999", "1e21", "1e22", "0.000001", "1e-7", "123456789012345678901234567890"} {
		n := MustParseNumber(s)
		back, err := ParseNumber(n.String())
		if err != nil || back != n {
			t.Errorf("%s prints as %s, which reads back as %v (%v)", s, n, back, err)
		}
	}
	if got := MustParseNumber("1e400").String(); got != "1e400" {
		t.Errorf("1e400 prints as %s", got)
	}
	if got := MustParseNumber("100").String(); got != "100" {
		t.Errorf("100 prints as %s", got)
	}
}

func TestParseNumberErrors(t *testing.T) {
	for _, s := range []string{"", "-", "1.", ".5", "1e", "1e+", "0x10", "1_000", "NaN", "Infinity", "+1", "1 "} {
		if _, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) accepted", s)
		}
	}
	for _, s := range []string{"1e1000000000001", "1e-1000000000002", "1e99999999999999999999"} {
		if _, err := ParseNumber(s); !errors.Is(err, ErrNumberRange) {
			t.Errorf("ParseNumber(%q): %v, want ErrNumberRange", s, err)
		}
	}
}

func TestNumberOfGoValues(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{int64(math.MaxInt64), "9223372036854775807"},
		{int64(math.MinInt64), "-9223372036854775808"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{int32(5000), "5000"},
		{uint8(7), "7"},
		{0.1, "0.1"},
		{float32(0.1), "0.1"},
		{json.Number("9007199254740993"), "9007199254740993"},
		{json.Number("-1e-400"), "-1e-400"},
	}
	for _, c := range cases {
		n, ok, err := NumberOf(c.v)
		if !ok || err != nil || n != MustParseNumber(c.want) {
			t.Errorf("NumberOf(%T %v) = %v, %v, %v; want %s", c.v, c.v, n, ok, err, c.want)
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), json.Number("abc")} {
		if _, ok, err := NumberOf(v); !ok || err == nil {
			t.Errorf("NumberOf(%v): ok %v err %v, want a number that cannot be read", v, ok, err)
		}
	}
	for _, v := range []any{"5000", true, nil, []any{1}} {
		if _, ok, _ := NumberOf(v); ok {
			t.Errorf("NumberOf(%v) says it is a number", v)
		}
	}
}

func pred(t *testing.T, src string) Pred {
	t.Helper()
	s, err := Parse("p.ltl", []byte("spec p\ntools refund\nrule refund("+src+")\n"), Options{})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return s.Rules[0].Formula.(*Atom).Preds[0]
}

// TestPredHoldsExact: the verdict path compares literals and arguments
// without float64 rounding.
func TestPredHoldsExact(t *testing.T) {
	cases := []struct {
		pred string
		arg  any
		want bool
	}{
		{"amount > 9007199254740992", json.Number("9007199254740993"), true},
		{"amount > 9007199254740992", float64(9007199254740993), false}, // the float64 is 9007199254740992 already
		{"amount < 1e20", json.Number("99999999999999999999"), true},
		{"amount == 1e20", json.Number("99999999999999999999"), false},
		{"amount < 0", json.Number("-1e-400"), true},
		{"amount == 0", json.Number("-1e-400"), false},
		{"amount > 1e399", json.Number("1e400"), true},
		{"amount == 9223372036854775807", int64(math.MaxInt64), true},
		{"amount < 9223372036854775807", int64(math.MaxInt64), false},
		{"amount > 18446744073709551614", uint64(math.MaxUint64), true},
		{"amount == -9223372036854775808", int64(math.MinInt64), true},
		{"amount <= 0.1", 0.1, true},
		{"amount > 1000", int32(5000), true},
	}
	for _, c := range cases {
		p := pred(t, c.pred)
		if got := p.Holds(map[string]any{"amount": c.arg}); got != c.want {
			t.Errorf("%s on %T(%v): %v, want %v", c.pred, c.arg, c.arg, got, c.want)
		}
	}
}

func TestLiteralRange(t *testing.T) {
	if p := pred(t, "amount > 1e400"); p.Value.Num != MustParseNumber("1e400") {
		t.Errorf("1e400 read as %v", p.Value.Num)
	}
	if p := pred(t, "amount > -1e-400"); p.Value.Num.Sign() >= 0 {
		t.Errorf("-1e-400 read as %v", p.Value.Num)
	}
	_, err := Parse("p.ltl", []byte("spec p\ntools refund\nrule refund(amount > 1e5000)\n"), Options{})
	var el ErrorList
	if !errors.As(err, &el) || len(el) != 1 || el[0].Code != ErrSyntax || !strings.Contains(el[0].Msg, "4096") || el[0].Pos.Column != 22 {
		t.Errorf("1e5000: %v", err)
	}
}

// TestFailClosed: a predicate implies its argument's type; a call with the
// argument missing or of another type satisfies neither the rule nor its
// negation.
func TestFailClosed(t *testing.T) {
	s, err := Parse("p.ltl", []byte("spec p\ntools refund\nrule never(refund(amount > 1000))\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := s.Rules[0].Formula
	neg := &Unary{Op: OpNot, X: f}
	cases := []struct {
		args map[string]any
		ok   bool
		got  string
	}{
		{map[string]any{"amount": 50.0}, true, ""},
		{map[string]any{"amount": "5000"}, false, "string"},
		{map[string]any{}, false, "missing"},
		{nil, false, "missing"},
		{map[string]any{"amount": nil}, false, "null"},
		{map[string]any{"amount": true}, false, "boolean"},
		{map[string]any{"amount": []any{5000.0}}, false, "array"},
		{map[string]any{"amount": map[string]any{}}, false, "object"},
		{map[string]any{"amount": json.Number("1e9999999999999")}, false, "number"},
	}
	for _, c := range cases {
		tr := []Event{{Tool: "refund", Args: c.args}}
		if got := Eval(f, tr); got != c.ok {
			t.Errorf("never(refund(amount > 1000)) on %v: %v, want %v", c.args, got, c.ok)
		}
		if !c.ok && Eval(neg, tr) {
			t.Errorf("the negation accepts the ill-typed call %v", c.args)
		}
		err := CheckTrace(f, tr)
		var te *ArgTypeError
		if c.ok != (err == nil) || (!c.ok && (!errors.As(err, &te) || te.Got != c.got || te.Tool != "refund" || te.Arg != "amount" || te.Want != NumberValue)) {
			t.Errorf("CheckTrace on %v: %v, want type %q", c.args, err, c.got)
		}
	}
	err = CheckTrace(f, []Event{{Tool: "refund", Args: map[string]any{"amount": "5000"}}})
	for _, want := range []string{"refund", "amount", "number", "string", "amount > 1000", "p.ltl:3:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
}

func TestTypeConflict(t *testing.T) {
	s, err := Parse("p.ltl", []byte("spec p\ntools t\nrule t(x > 1) | t(x == \"a\") | t(y == true)\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	preds := ToolPreds(s.Rules[0].Formula)["t"]
	a, b, ok := TypeConflict(preds)
	if !ok || a.String() != "x > 1" || b.String() != `x == "a"` {
		t.Errorf("TypeConflict = %v, %v, %v", a, b, ok)
	}
	if _, _, ok := TypeConflict(preds[2:]); ok {
		t.Error("a single predicate conflicts")
	}
}

// FuzzParseNumber: ParseNumber never panics; what it accepts prints in a
// form that reads back to the same Number, and Cmp agrees with big.Rat.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "1e400", "-1e-400", "9007199254740993", "99999999999999999999", "1.50", "007", "1e", "--1", "0e99999999999999999999"} {
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, err := ParseNumber(a)
		if err != nil {
			return
		}
		back, err := ParseNumber(x.String())
		if err != nil || back != x {
			t.Fatalf("%q prints as %q, which reads back as %v (%v)", a, x.String(), back, err)
		}
		y, err := ParseNumber(b)
		if err != nil {
			return
		}
		small := func(n Number) bool { return n.Exponent() < 200 && n.Exponent() > -200 }
		if small(x) && small(y) && x.Cmp(y) != x.Rat().Cmp(y.Rat()) {
			t.Fatalf("Cmp(%s, %s) = %d, big.Rat says %d", a, b, x.Cmp(y), x.Rat().Cmp(y.Rat()))
		}
	})
}
