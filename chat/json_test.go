package chat

import (
	"strings"
	"testing"
)

func TestParseJSONKeepsOrderAndNumbers(t *testing.T) {
	v, err := ParseJSON("t.json", []byte(`{"z": 1, "a": 1.0, "m": [1e2, -0, 9223372036854775807], "s": "\u00e9\ud83d\ude00\n"}`), JSONLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range v.Members {
		keys = append(keys, m.Key)
	}
	if got := strings.Join(keys, ","); got != "z,a,m,s" {
		t.Errorf("key order %s", got)
	}
	z, _ := v.Get("z")
	a, _ := v.Get("a")
	m, _ := v.Get("m")
	s, _ := v.Get("s")
	if z.Kind != Int || a.Kind != Float || m.Items[0].Kind != Float || m.Items[0].Float != 100 || m.Items[2].Int != 9223372036854775807 {
		t.Errorf("numbers: %+v %+v %+v", z, a, m)
	}
	if s.Str != "é😀\n" {
		t.Errorf("string %q", s.Str)
	}
}

func TestParseJSONRejects(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code Code
		pos  string // line:col
	}{
		{`{"a": 1, "a": 2}`, ErrDuplicateKey, "1:10"},
		{`{"a": 1,}`, ErrJSON, "1:9"},
		{"[1,\n 02]", ErrJSON, "2:2"},
		{`[9223372036854775808]`, ErrNumber, "1:2"},
		{`[1e400]`, ErrNumber, "1:2"},
		{`["\ud800"]`, ErrJSON, "1:3"},
		{"[\"a\x01\"]", ErrJSON, "1:4"},
		{"[\"\xff\"]", ErrJSON, "1:3"},
		{`[1] [2]`, ErrJSON, "1:5"},
		{`[NaN]`, ErrJSON, "1:2"},
		{`'a'`, ErrJSON, "1:1"},
		{``, ErrJSON, "1:1"},
	} {
		_, err := ParseJSON("t.json", []byte(tc.in), JSONLimits{})
		e, ok := err.(*Error)
		if !ok || e.Code != tc.code {
			t.Errorf("%q: got %v, want code %v", tc.in, err, tc.code)
			continue
		}
		if !strings.HasPrefix(e.Error(), "t.json:"+tc.pos+":") {
			t.Errorf("%q: error %q, want position %s", tc.in, e.Error(), tc.pos)
		}
	}
}

func TestParseJSONLimits(t *testing.T) {
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if _, err := ParseJSON("d.json", []byte(deep), JSONLimits{MaxDepth: 64}); codeOf(err) != ErrLimit || !strings.Contains(err.Error(), "MaxDepth") {
		t.Errorf("depth: %v", err)
	}
	if _, err := ParseJSON("d.json", []byte(deep), JSONLimits{MaxDepth: 200}); err != nil {
		t.Errorf("depth 100 under a limit of 200: %v", err)
	}
	if _, err := ParseJSON("b.json", []byte(`"`+strings.Repeat("x", 100)+`"`), JSONLimits{MaxBytes: 50}); codeOf(err) != ErrLimit || !strings.Contains(err.Error(), "MaxBytes") {
		t.Errorf("size: %v", err)
	}
}

func TestCaretPointsAtTheError(t *testing.T) {
	_, err := ParseJSON("t.json", []byte("{\n  \"a\": tru\n}"), JSONLimits{})
	e := err.(*Error)
	want := "  \"a\": tru\n       ^\n"
	if got := e.Caret(); got != want {
		t.Errorf("caret:\n%q\nwant\n%q", got, want)
	}
}

func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 100: "100.0", 0.1: "0.1", 1e6: "1000000.0", 1.5e7: "15000000.0",
		1e16: "1e+16", 1.5e-5: "1.5e-05", 0.0001: "0.0001", 123456789.125: "123456789.125", -2.5: "-2.5",
	} {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestMessagesRejectUnknownShapes(t *testing.T) {
	for _, in := range []string{
		`[{"role": "robot", "content": "x"}]`,
		`[{"role": "user", "content": "x", "extra": 1}]`,
		`[{"role": "user", "content": [{"type": "image_url", "image_url": "x"}]}]`,
		`[{"role": "user", "tool_calls": []}]`,
		`[{"role": "tool", "tool_call_id": "<|im_end|>", "content": "x"}]`,
		`[{"role": "assistant", "tool_calls": [{"function": {"name": "a b", "arguments": {}}}]}]`,
		`[{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]}]`,
		`{"messages": [], "model": "x"}`,
	} {
		c, err := ParseMessages("m.json", []byte(in), JSONLimits{})
		if err == nil {
			// Arguments strings are parsed at render time.
			var r *Template
			r, err = Compile("t", "{{ messages[0].tool_calls[0].function.arguments }}", TemplateLimits{})
			if err == nil {
				_, err = r.Render(c, Options{})
			}
		}
		if codeOf(err) != ErrMessage {
			t.Errorf("%s: got %v, want a message error", in, err)
		}
	}
}
