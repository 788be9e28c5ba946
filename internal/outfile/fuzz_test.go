package outfile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/safetext"
)

// unsafeOutside reports the first unsafe rune of out other than newline and
// tab (the program's own layout), or -1.
func unsafeOutside(out []byte) rune {
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRune(out[i:])
		if r == utf8.RuneError && n <= 1 {
			return utf8.RuneError
		}
		if r != '\n' && r != '\t' && safetext.Unsafe(r) {
			return r
		}
		i += n
	}
	return -1
}

// Whatever the file name and the input text, a line printed with Fprintf
// is one line with no unsafe rune; through SafeWriter (however the writes
// are split) nothing unsafe remains either; JSON is inert and exact.
func FuzzOutput(f *testing.F) {
	f.Add("trace.jsonl", "refund", 3)
	f.Add("evil\x1b]0;PWNED\x07\nok    fake.jsonl", "a\u202eb", 1)
	f.Add("\xff\xfe\u0085", "\u2028\u2029\r\n", 0)
	f.Fuzz(func(t *testing.T, name, text string, split int) {
		line := Sprintf("FAIL  %s: %s\n", name, text)
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("Sprintf made %d lines: %q", strings.Count(line, "\n"), line)
		}
		if r := unsafeOutside([]byte(line)); r >= 0 {
			t.Fatalf("Sprintf output %q keeps %U", line, r)
		}

		raw := []byte(name + text)
		var buf bytes.Buffer
		w := NewSafeWriter(&buf)
		if split < 0 {
			split = -split
		}
		cut := split % (len(raw) + 1)
		w.Write(raw[:cut])
		w.Write(raw[cut:])
		w.Flush()
		if r := unsafeOutside(buf.Bytes()); r >= 0 {
			t.Fatalf("SafeWriter output %q keeps %U", buf.Bytes(), r)
		}
		if !needsRunes(raw) && buf.String() != string(raw) {
			t.Fatalf("SafeWriter changed safe text %q to %q", raw, buf.Bytes())
		}

		buf.Reset()
		v := map[string]string{name: text}
		if err := JSON(&buf, v); err != nil {
			t.Fatal(err)
		}
		if r := unsafeOutside(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); r >= 0 || bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
			t.Fatalf("JSON output %q keeps %U or is not one line", buf.Bytes(), r)
		}
		var back, want map[string]string
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("JSON output %q does not parse: %v", buf.Bytes(), err)
		}
		plain, _ := json.Marshal(v)
		json.Unmarshal(plain, &want)
		if len(back) != len(want) || back[strings.ToValidUTF8(name, "\ufffd")] != want[strings.ToValidUTF8(name, "\ufffd")] {
			t.Fatalf("JSON value changed: %q, want %q", back, want)
		}
	})
}
