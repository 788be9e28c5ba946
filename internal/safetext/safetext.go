package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every unsafe rune written as a Go-style escape
// (`\n`, `\t`, `\x1b`, `\u202e`) and every byte of invalid UTF-8 as `\xNN`.
// A backslash is left alone: the output is for people, not for parsing back,
// and doubling every backslash would garble Windows paths and regexes.
func Escape(s string) string { return escape(s, false) }

// EscapeKeepTab is Escape but leaves horizontal tabs as they are, for text
// whose layout a tab is part of (a source line under a caret).
func EscapeKeepTab(s string) string { return escape(s, true) }

// Needs reports whether Escape would change s.
func Needs(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || Unsafe(r) {
			return true
		}
		i += n
	}
	return false
}

// Unsafe reports whether r must never reach output as itself.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
		r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators break lines too
		return true
	}
	return false
}

func escape(s string, keepTab bool) string {
	if !Needs(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' && keepTab:
			b.WriteByte('\t')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && Unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
