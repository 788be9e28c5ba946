package export

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// dialect says how one grammar syntax spells the IR.
type dialect struct {
	def     string // between a rule's name and its body
	sep     string // in rule names
	comment string
	// lit, class and token spell terminals.
	lit   func(s string) string
	class func(c eClass) string
	token func(g *grammar, m int) (string, error)
	rep   func(x string, min, max int) string
}

var gbnfDialect = dialect{
	def: " ::= ", sep: "-", comment: "#",
	lit: func(s string) string { return `"` + escapeText(s, `"\`, gbnfEscape) + `"` },
	// Positive classes only: llama.cpp decodes UTF-8 leniently, and a
	// negated class would let a lead byte F5–FF through as a code point
	// beyond U+10FFFF.
	class: func(c eClass) string { return printClass(c, gbnfEscape, false) },
	token: func(g *grammar, m int) (string, error) {
		mk := g.markers[m]
		if mk.token < 0 {
			return "", errUnsupported(fmt.Sprintf("marker %q has no token id (Options.Markers)", mk.text))
		}
		return "<[" + strconv.Itoa(mk.token) + "]>", nil
	},
	rep: braceRep,
}

var larkDialect = dialect{
	def: ": ", sep: "_", comment: "//",
	lit: func(s string) string { return `"` + escapeText(s, `"\`, larkEscape) + `"` },
	class: func(c eClass) string {
		// Lark reads \xHH in a regexp itself: a backslash must be \\.
		s := strings.ReplaceAll(printClass(c, regexEscape, true), `\x5c`, `\\`)
		return "/" + strings.ReplaceAll(s, "/", `\/`) + "/"
	},
	token: func(g *grammar, m int) (string, error) {
		mk := g.markers[m]
		if mk.token < 0 {
			return "", errUnsupported(fmt.Sprintf("marker %q has no token id (Options.Markers)", mk.text))
		}
		// llguidance's special-token reference; Lark itself has none.
		return "<[" + strconv.Itoa(mk.token) + "]>", nil
	},
	rep: func(x string, min, max int) string {
		switch {
		case min == 0 && max == 1:
			return x + "?"
		case min == 0 && max < 0:
			return x + "*"
		case min == 1 && max < 0:
			return x + "+"
		case max < 0:
			return x + "~" + strconv.Itoa(min) + ".." + strconv.Itoa(1<<20) // Lark has no open range
		case min == max:
			return x + "~" + strconv.Itoa(min)
		}
		return x + "~" + strconv.Itoa(min) + ".." + strconv.Itoa(max)
	},
}

func braceRep(x string, min, max int) string {
	switch {
	case min == 0 && max == 1:
		return x + "?"
	case min == 0 && max < 0:
		return x + "*"
	case min == 1 && max < 0:
		return x + "+"
	case max < 0:
		return x + "{" + strconv.Itoa(min) + ",}"
	case min == max:
		return x + "{" + strconv.Itoa(min) + "}"
	}
	return x + "{" + strconv.Itoa(min) + "," + strconv.Itoa(max) + "}"
}

// print writes g in dialect d: a header comment, then one rule per line.
func (g *grammar) print(d dialect, header []string) ([]byte, error) {
	var sb strings.Builder
	for _, h := range header {
		sb.WriteString(d.comment + " " + h + "\n")
	}
	for i, r := range g.rules {
		name := g.name(d, i)
		body, err := g.expr(d, r.body, 0)
		if err != nil {
			return nil, err
		}
		if r.note != "" && i > 0 {
			sb.WriteString(d.comment + " " + sanitizeComment(r.note) + "\n")
		}
		sb.WriteString(name + d.def + body + "\n")
	}
	return []byte(sb.String()), nil
}

func (g *grammar) name(d dialect, i int) string {
	n := g.rules[i].name
	if i == 0 && d.sep == "_" {
		return "start"
	}
	if d.sep == "_" {
		n = strings.ReplaceAll(n, "-", "_")
	}
	return n
}

// sanitizeComment keeps a note on its one line, printable.
func sanitizeComment(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}

// precedence: 0 alternative, 1 sequence, 2 atom.
func (g *grammar) expr(d dialect, x expr, ctx int) (string, error) {
	wrap := func(s string, prec int) string {
		if prec < ctx {
			return "(" + s + ")"
		}
		return s
	}
	switch v := x.(type) {
	case eLit:
		return d.lit(v.s), nil
	case eClass:
		return d.class(v), nil
	case eToken:
		return d.token(g, v.marker)
	case eRef:
		return g.name(d, v.rule), nil
	case eEmpty:
		return `""`, nil
	case eSeq:
		parts := make([]string, len(v.xs))
		for i, y := range v.xs {
			s, err := g.expr(d, y, 2)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return wrap(strings.Join(parts, " "), 1), nil
	case eAlt:
		parts := make([]string, len(v.xs))
		for i, y := range v.xs {
			s, err := g.expr(d, y, 1)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return wrap(strings.Join(parts, " | "), 0), nil
	case eRep:
		s, err := g.expr(d, v.x, 3)
		if err != nil {
			return "", err
		}
		return d.rep(s, v.min, v.max), nil
	}
	return "", fmt.Errorf("export: unknown expression %T", x)
}

// Escapes. gbnfEscape and larkEscape spell one code point inside a
// quoted literal or class; ok false means "write it as is".
func gbnfEscape(r rune) (string, bool) {
	switch r {
	case '\n':
		return `\n`, true
	case '\r':
		return `\r`, true
	case '\t':
		return `\t`, true
	}
	switch {
	case r < 0x20 || r == 0x7F:
		return fmt.Sprintf(`\x%02X`, r), true
	case r > 0x7F && r <= 0xFFFF && !unicode.IsPrint(r):
		return fmt.Sprintf(`\u%04X`, r), true
	case r > 0xFFFF && !unicode.IsPrint(r):
		return fmt.Sprintf(`\U%08X`, r), true
	}
	return "", false
}

func larkEscape(r rune) (string, bool) { return gbnfEscape(r) }

// regexEscape spells a code point for Python re, RE2 and ECMAScript (with
// the u flag) alike: \xHH below 0x80, the character itself above.
func regexEscape(r rune) (string, bool) {
	switch r {
	case '\n':
		return `\n`, true
	case '\r':
		return `\r`, true
	case '\t':
		return `\t`, true
	}
	if r < 0x20 || r == 0x7F {
		return fmt.Sprintf(`\x%02x`, r), true
	}
	return "", false
}

func escapeText(s, special string, esc func(rune) (string, bool)) string {
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune(special, r) {
			sb.WriteByte('\\')
			sb.WriteRune(r)
			continue
		}
		if e, ok := esc(r); ok {
			sb.WriteString(e)
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// printClass spells a class, as its complement when that is shorter (a
// complement is taken over the code points UTF-8 text can hold, so it
// leaves the surrogates out too).
func printClass(c eClass, esc func(rune) (string, bool), negate bool) string {
	if len(c.r) == 1 && c.r[0].lo == c.r[0].hi {
		r := c.r[0].lo
		if !(r == ']' || r == '[' || r == '\\' || r == '^' || r == '-') {
			return "[" + classChar(r, esc) + "]"
		}
	}
	rs, neg := c.r, false
	if comp := complement(c.r); negate && len(comp) < len(c.r) && len(comp) > 0 {
		rs, neg = comp, true
	}
	var sb strings.Builder
	sb.WriteByte('[')
	if neg {
		sb.WriteByte('^')
	}
	for _, r := range rs {
		sb.WriteString(classChar(r.lo, esc))
		if r.hi > r.lo {
			if r.hi > r.lo+1 {
				sb.WriteByte('-')
			}
			sb.WriteString(classChar(r.hi, esc))
		}
	}
	sb.WriteByte(']')
	return sb.String()
}

func classChar(r rune, esc func(rune) (string, bool)) string {
	switch r {
	case ']', '[', '\\', '^', '-':
		return `\x` + fmt.Sprintf("%02x", r)
	}
	if e, ok := esc(r); ok {
		return e
	}
	if r >= 0x80 && !unicode.IsPrint(r) {
		return string(r) // printed as is; a regex has no common escape above 0x7F
	}
	return string(r)
}

func complement(rs []cpRange) []cpRange {
	var out []cpRange
	next := rune(0)
	add := func(lo, hi rune) {
		// Leave out the surrogates.
		if lo <= 0xDFFF && hi >= 0xD800 {
			if lo < 0xD800 {
				out = append(out, cpRange{lo, 0xD7FF})
			}
			if hi > 0xDFFF {
				out = append(out, cpRange{0xE000, hi})
			}
			return
		}
		if lo <= hi {
			out = append(out, cpRange{lo, hi})
		}
	}
	for _, r := range rs {
		if r.lo > next {
			add(next, r.lo-1)
		}
		next = r.hi + 1
	}
	if next <= 0x10FFFF {
		add(next, 0x10FFFF)
	}
	return out
}
