package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

func codeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestStrict(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code ErrorCode
		off  int
	}{
		{`{"amount":5000,"amount":40}`, ErrDuplicate, 15},
		{`{"a":1,"b":{"x":1,"x":2}}`, ErrDuplicate, 18},
		{`{"a":1,"\u0061":2}`, ErrDuplicate, 7}, // equal once decoded
		{`[1] [2]`, ErrTrailing, 4},
		{`{"a":1}x`, ErrTrailing, 7},
		{`{"a":1`, ErrSyntax, 6},
		{"\"a\xffb\"", ErrUTF8, 2},
		{`"\ud800"`, ErrUTF8, 1},
		{`"\udc00\ud800"`, ErrUTF8, 1},
		{`01`, ErrSyntax, 0}, // a leading zero, reported at the zero
		{"[1,\n -02]", ErrSyntax, 6},
		{`00.5`, ErrSyntax, 0},
		{`-`, ErrSyntax, 1},
		{`1.`, ErrSyntax, 2},
		{`1e`, ErrSyntax, 2},
		{`"a` + "\n" + `"`, ErrSyntax, 2},
		{`[1,]`, ErrSyntax, 3},
		{`{,}`, ErrSyntax, 1},
		{`nul`, ErrSyntax, 0},
		{``, ErrSyntax, 0},
		{`"\x"`, ErrSyntax, 2},
	} {
		_, err := ParseString(tc.in, Limits{})
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Offset != tc.off {
			t.Errorf("%q: got %v (code %v), want code %v at offset %d", tc.in, err, codeOf(err), tc.code, tc.off)
		}
	}
}

// TestErrorPointer: an error names the JSON pointer of the value it is in,
// and a duplicate the pointer of the repeated member, escaped per RFC 6901.
func TestErrorPointer(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":[1,{"b":tru}]}`:        "/a/1/b",
		`{"a/b":{"~":1,"~":2}}`:      "/a~1b/~0",
		`[[],[1,2,"\ud800"]]`:        "/1/2",
		`{"a":1,"a":2}`:              "/a",
		`{"a":`:                      "/a",
		`x`:                          "",
		`{"a":[1,2]} 3`:              "",
		`[0,{"k":[` + "\xff" + `]}]`: "/1/k/0",
	} {
		_, err := ParseString(in, Limits{})
		var e *Error
		if !errors.As(err, &e) || e.Pointer != want {
			t.Errorf("%q: got %v, want an *Error with pointer %q", in, err, want)
		}
	}
}

// TestAt: At resolves what Error.Pointer and EscapeToken write.
func TestAt(t *testing.T) {
	v, err := ParseString(`{"a/b":{"~x":[10,{"c":"d"}]},"":5}`, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for ptr, want := range map[string]string{
		"": "", "/a~1b/~0x/0": "10", "/a~1b/~0x/1/c": "d", "/": "5",
		"/a~1b/~0x/2": "nil", "/a~1b/~0x/01": "nil", "/a~1b/~0x/-1": "nil", "/a~1b/~0x/0/z": "nil",
		"a": "nil", "/a/b": "nil",
	} {
		got := "nil"
		if x := v.At(ptr); x != nil {
			got = x.Text()
		}
		if got != want {
			t.Errorf("At(%q) = %s, want %s", ptr, got, want)
		}
	}
	if k := "a~/b/~1"; UnescapeToken(EscapeToken(k)) != k || strings.Contains(EscapeToken(k), "/") {
		t.Errorf("EscapeToken(%q) = %q", k, EscapeToken(k))
	}
}

// TestIsInteger: integers are the numbers without fraction or exponent, as
// Python's json tells int from float.
func TestIsInteger(t *testing.T) {
	v, err := ParseString(`[0,-0,12,99999999999999999999,1.0,1e2,1E2,-0.5,"1"]`, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for i := range v.Len() {
		got = append(got, v.Elem(i).IsInteger())
	}
	if want := []bool{true, true, true, true, false, false, false, false, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("IsInteger: %v, want %v", got, want)
	}
}

// TestNumbersExact: numbers stay as written, never rounded, never an error.
func TestNumbersExact(t *testing.T) {
	for _, n := range []string{"99999999999999999999", "9007199254740993", "1e400", "-1e-400", "-0", "0.1000", "1E+2"} {
		v, err := ParseString(`{"n":`+n+`}`, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if got := v.Map()["n"]; got != json.Number(n) {
			t.Errorf("%s: got %#v", n, got)
		}
		if got := string(v.AppendJSON(nil)); got != `{"n":`+n+`}` {
			t.Errorf("%s: re-encoded as %s", n, got)
		}
	}
}

func TestKeysExactAndOrdered(t *testing.T) {
	v, err := ParseString(`{"z":1,"Args":2,"a":3}`, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("args") != nil || v.Get("Args") == nil {
		t.Error("Get must match keys exactly")
	}
	var keys []string
	for i := range v.Len() {
		k, _ := v.Member(i)
		keys = append(keys, k.Text())
	}
	if strings.Join(keys, ",") != "z,Args,a" {
		t.Errorf("key order %v", keys)
	}
	if k, want, ok := v.CaseVariant("args", "tool"); !ok || k.Text() != "Args" || want != "args" || k.Offset() != 7 {
		t.Errorf("CaseVariant = %v %q %v", k, want, ok)
	}
	if _, _, ok := v.CaseVariant("z", "a"); ok {
		t.Error("exact keys are no case variants")
	}
}

func TestDepthAndValueLimits(t *testing.T) {
	deep := strings.Repeat("[", 11) + strings.Repeat("]", 11)
	if _, err := ParseString(deep, Limits{MaxDepth: 11}); err != nil {
		t.Fatal(err)
	}
	_, err := ParseString(deep, Limits{MaxDepth: 10})
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrDepth || e.Offset != 10 || e.Limit != 10 {
		t.Fatalf("depth: %v", err)
	}
	// The default bounds a hostile depth without exhausting the stack.
	if _, err := ParseString(strings.Repeat("[", 1<<20), Limits{}); codeOf(err) != ErrDepth {
		t.Fatalf("default depth: %v", err)
	}
	if _, err := ParseString(`[1,2,3]`, Limits{MaxValues: 3}); codeOf(err) != ErrValues {
		t.Fatalf("values: %v", err)
	}
	if _, err := ParseString(`[1,2]`, Limits{MaxValues: 3}); err != nil {
		t.Fatal(err)
	}
}

// TestLinear: parsing 4× more input takes about 4× longer (measured as a
// ratio in this run), for the shapes a quadratic parser would choke on:
// huge flat objects (duplicate detection) and long strings with escapes.
func TestLinear(t *testing.T) {
	shapes := map[string]func(n int) string{
		"object": func(n int) string {
			var b strings.Builder
			b.WriteString("{")
			for i := range n {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"k%d":%d`, i, i)
			}
			return b.String() + "}"
		},
		"string": func(n int) string { return `"` + strings.Repeat(`a\n`, n) + `"` },
		"nested": func(n int) string {
			return strings.Repeat(`[{"a":`, 50) + "[" + strings.Repeat(`1,`, n) + "1]" + strings.Repeat(`}]`, 50)
		},
	}
	for name, gen := range shapes {
		small, big := gen(50000), gen(200000)
		if _, err := ParseString(small, Limits{MaxDepth: 200}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ratio := bestOf(func() { _, _ = ParseString(big, Limits{MaxDepth: 200}) }) /
			bestOf(func() { _, _ = ParseString(small, Limits{MaxDepth: 200}) })
		if ratio > 4*3 {
			t.Errorf("%s: 4× input took %.1f× longer", name, ratio)
		}
	}
}

func bestOf(f func()) float64 {
	// CPU time of the process, not wall time: the machine running the tests
	// may be shared, and a starved run must not look quadratic. The kernel
	// may count CPU time in ticks, so f runs often enough to take 20 ms.
	b := time.Duration(1 << 62)
	for range 5 {
		n := 0
		t0 := cpuTime()
		for n == 0 || cpuTime()-t0 < 20*time.Millisecond {
			f()
			n++
		}
		b = min(b, (cpuTime()-t0)/time.Duration(n))
	}
	return float64(max(b, 1))
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FuzzParse compares Parse with encoding/json on every input: whatever Parse
// accepts, encoding/json accepts with the same value (key order and number
// text included); whatever encoding/json accepts, Parse accepts too unless
// the input has a duplicate key, invalid UTF-8, a lone surrogate or more
// nesting than the limit, each of which Parse must then name.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,2.5e3,"x\u00e9",true,null,{}]`, `{"a":1,"a":2}`, `"\ud83d\ude00"`, `99999999999999999999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const depth = 64
		got, err := Parse(data, Limits{MaxDepth: depth})
		want, dups, maxDepth, jerr := reference(data)
		if err == nil {
			if jerr != nil {
				t.Fatalf("accepted what encoding/json rejects (%v): %q", jerr, data)
			}
			if dups {
				t.Fatalf("accepted a duplicate key: %q", data)
			}
			if !reflect.DeepEqual(toRef(got), want) {
				t.Fatalf("value differs from encoding/json's on %q:\n got %#v\nwant %#v", data, toRef(got), want)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Offset < 0 || e.Offset > len(data) {
			t.Fatalf("bad error %v on %q", err, data)
		}
		if jerr != nil {
			return
		}
		switch e.Code {
		case ErrDuplicate:
			if !dups {
				t.Fatalf("duplicate reported where encoding/json's tokens have none: %v on %q", err, data)
			}
		case ErrUTF8:
			if utf8.Valid(data) && !bytes.Contains(bytes.ToLower(data), []byte(`\ud`)) {
				t.Fatalf("UTF-8 error on valid UTF-8 without surrogate escapes: %v on %q", err, data)
			}
		case ErrDepth:
			if maxDepth <= depth {
				t.Fatalf("depth error at depth %d: %q", maxDepth, data)
			}
		default:
			t.Fatalf("rejected what encoding/json accepts: %v on %q", err, data)
		}
	})
}

// ref is an ordered tree built from encoding/json's token stream.
type refMember struct {
	Key string
	Val any
}

func toRef(v *Value) any {
	switch v.Kind() {
	case Array:
		out := []any{}
		for i := range v.Len() {
			out = append(out, toRef(v.Elem(i)))
		}
		return out
	case Object:
		out := []refMember{}
		for i := range v.Len() {
			k, val := v.Member(i)
			out = append(out, refMember{k.Text(), toRef(val)})
		}
		return out
	}
	return v.Any()
}

// reference decodes data with encoding/json's tokenizer (UseNumber), keeping
// key order, and reports whether any object repeats a key.
func reference(data []byte) (v any, dups bool, depth int, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var parse func(d int) (any, error)
	parse = func(d int) (any, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case json.Delim('['):
			depth = max(depth, d+1)
			out := []any{}
			for dec.More() {
				x, err := parse(d + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, x)
			}
			_, err := dec.Token()
			return out, err
		case json.Delim('{'):
			depth = max(depth, d+1)
			out := []refMember{}
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				ks := k.(string)
				dups = dups || seen[ks]
				seen[ks] = true
				x, err := parse(d + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, refMember{ks, x})
			}
			_, err := dec.Token()
			return out, err
		}
		return tok, nil
	}
	v, err = parse(0)
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = fmt.Errorf("data after the value")
		}
	}
	return v, dups, depth, err
}

func TestRaw(t *testing.T) {
	in := []byte(`{"a": [1, "x]\"}"], "b" : {"c": {}} , "d":-1.5e3,"e":"s"}`)
	v, err := Parse(in, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`[1, "x]\"}"]`, `{"c": {}}`, `-1.5e3`, `"s"`}
	for i := range v.Len() {
		_, val := v.Member(i)
		if got := string(val.Raw(in)); got != want[i] {
			t.Errorf("member %d: Raw = %s, want %s", i, got, want[i])
		}
	}
	if got := string(v.Raw(in)); got != string(in) {
		t.Errorf("Raw of the whole = %s", got)
	}
}
