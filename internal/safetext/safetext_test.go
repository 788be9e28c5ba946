package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain name.jsonl", "plain name.jsonl"},
		{"evil\x1b]0;PWNED\x07\nok    fake.jsonl", `evil\x1b]0;PWNED\x07\nok    fake.jsonl`},
		{"a\tb", `a\tb`},
		{"c1\u009bx", `c1\u009bx`},
		{"bidi\u202egnp.exe", `bidi\u202egnp.exe`},
		{"iso\u2066x\u2069", `iso\u2066x\u2069`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"ünïcödé ok", "ünïcödé ok"},
		{`C:\path\x`, `C:\path\x`},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := EscapeKeepTab("a\tb\n"); got != "a\tb\\n" {
		t.Errorf("EscapeKeepTab = %q", got)
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "x", "\x1b[31m", "\u202e", "\xff\xfe", "a\nb\r\n", "\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Escape(%q) = %q: invalid UTF-8", s, out)
		}
		for _, r := range out {
			if Unsafe(r) {
				t.Fatalf("Escape(%q) = %q keeps unsafe rune %U", s, out, r)
			}
		}
		if !Needs(s) && out != s {
			t.Fatalf("Escape changed safe text %q to %q", s, out)
		}
		if Needs(s) && !strings.Contains(out, `\`) {
			t.Fatalf("Escape(%q) = %q hides that something was escaped", s, out)
		}
	})
}
