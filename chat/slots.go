package chat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Untrusted values reach the template as sentinels: a private-use opener,
// a kind letter, an index, a control byte and a private-use closer. The
// control byte (U+0001) is one that every JSON encoder escapes, so the
// rendered text says whether the template printed the value as it is
// (U+0001 still there) or through our tojson (which writes the six
// characters \u0002 instead, so a JSON encoder we do not control, which
// would write \u0001, is told apart and refused).
const (
	sentOpen    = "\uE000"
	sentClose   = "\uE001"
	sentRaw     = "\x01"
	sentJSON    = `\u0002`
	sentForeign = `\u0001`
	kindString  = 's'
	kindFloat   = 'f'
)

// slots numbers the distinct untrusted strings and floats of one render.
// Equal strings share a sentinel, so a template that compares two of them
// (a tool call's name with a tool's) sees what it would see for the real
// values.
type slots struct {
	strs    []string
	strIdx  map[string]int
	floats  []float64
	floatIx map[uint64]int
}

func newSlots() *slots {
	return &slots{strIdx: map[string]int{}, floatIx: map[uint64]int{}}
}

func (s *slots) str(v string) string {
	i, ok := s.strIdx[v]
	if !ok {
		i = len(s.strs)
		s.strs = append(s.strs, v)
		s.strIdx[v] = i
	}
	return sentinel(kindString, i, sentRaw)
}

func (s *slots) float(f float64) string {
	bits := math.Float64bits(f)
	i, ok := s.floatIx[bits]
	if !ok {
		i = len(s.floats)
		s.floats = append(s.floats, f)
		s.floatIx[bits] = i
	}
	return sentinel(kindFloat, i, sentRaw)
}

func sentinel(kind byte, i int, mark string) string {
	return sentOpen + string(kind) + strconv.Itoa(i) + mark + sentClose
}

// parseSentinel reads a sentinel at the start of s. It returns the kind,
// index, which mark it carries and its length; ok is false when s does not
// start with a well-formed one.
func parseSentinel(s string) (kind byte, idx int, mark string, n int, ok bool) {
	if !strings.HasPrefix(s, sentOpen) {
		return 0, 0, "", 0, false
	}
	p := len(sentOpen)
	if p >= len(s) || (s[p] != kindString && s[p] != kindFloat) {
		return 0, 0, "", 0, false
	}
	kind = s[p]
	p++
	start := p
	for p < len(s) && s[p] >= '0' && s[p] <= '9' && p-start < 9 {
		p++
	}
	if p == start {
		return 0, 0, "", 0, false
	}
	idx, _ = strconv.Atoi(s[start:p])
	for _, m := range []string{sentRaw, sentJSON, sentForeign} {
		if strings.HasPrefix(s[p:], m) && strings.HasPrefix(s[p+len(m):], sentClose) {
			return kind, idx, m, p + len(m) + len(sentClose), true
		}
	}
	return 0, 0, "", 0, false
}

// encodeSentinelString writes s as a JSON string in Python's spelling,
// except that a string sentinel inside it is written in its JSON form (the
// splitter substitutes the escaped content) and a float sentinel inside it
// is kept raw (it was printed as text before being encoded, so it stands
// for Python's str(float)). A string that is exactly one float sentinel is
// the float itself and is written without quotes.
func encodeSentinelString(b *strings.Builder, s string) {
	if kind, idx, mark, n, ok := parseSentinel(s); ok && n == len(s) && kind == kindFloat && mark == sentRaw {
		b.WriteString(sentinel(kindFloat, idx, sentJSON))
		return
	}
	b.WriteByte('"')
	for len(s) > 0 {
		i := strings.Index(s, sentOpen)
		if i < 0 {
			pyEscape(b, s)
			break
		}
		pyEscape(b, s[:i])
		s = s[i:]
		kind, idx, mark, n, ok := parseSentinel(s)
		switch {
		case ok && mark == sentRaw && kind == kindString:
			b.WriteString(sentinel(kindString, idx, sentJSON))
		case ok && mark == sentRaw && kind == kindFloat:
			b.WriteString(s[:n])
		default:
			n = len(sentOpen)
			pyEscape(b, s[:n])
		}
		s = s[n:]
	}
	b.WriteByte('"')
}

// split turns a render of sentinels into pieces, and also returns what
// the engine would have printed for the real values (for the check
// against the real render). The two differ only in how a float printed
// as text is spelled: Python's str(float) in the pieces, the engine's in
// the check.
func (s *slots) split(out string) (pieces []Piece, engine string, err error) {
	var eng strings.Builder
	add := func(text string, markup bool) {
		if text == "" {
			return
		}
		if n := len(pieces); n > 0 && pieces[n-1].Markup == markup {
			pieces[n-1].Text += text
			return
		}
		pieces = append(pieces, Piece{Text: text, Markup: markup})
	}
	for len(out) > 0 {
		i := strings.Index(out, sentOpen)
		if i < 0 {
			i = len(out)
		}
		if j := strings.Index(out[:i], sentClose); j >= 0 {
			return nil, "", fmt.Errorf("the template cut a content value apart (a sentinel's end at byte %d has no start)", j)
		}
		add(out[:i], true)
		eng.WriteString(out[:i])
		out = out[i:]
		if out == "" {
			break
		}
		kind, idx, mark, n, ok := parseSentinel(out)
		if !ok {
			return nil, "", fmt.Errorf("the template changed or cut a content value (a sentinel no longer reads back)")
		}
		if mark == sentForeign {
			return nil, "", fmt.Errorf("the template encoded content with a JSON filter other than tojson")
		}
		switch kind {
		case kindString:
			if idx >= len(s.strs) {
				return nil, "", fmt.Errorf("the template printed a sentinel it made up")
			}
			text := s.strs[idx]
			if mark == sentJSON {
				var b strings.Builder
				pyEscape(&b, text)
				text = b.String()
			}
			add(text, false)
			eng.WriteString(text)
		case kindFloat:
			if idx >= len(s.floats) {
				return nil, "", fmt.Errorf("the template printed a sentinel it made up")
			}
			f := s.floats[idx]
			add(pyFloat(f), false)
			if mark == sentJSON {
				eng.WriteString(pyFloat(f))
			} else {
				eng.WriteString(engineFloat(f))
			}
		}
		out = out[n:]
	}
	return pieces, eng.String(), nil
}

// engineFloat is how github.com/ardanlabs/jinja prints a float as text
// (Go's %g), where Python prints repr.
func engineFloat(f float64) string { return fmt.Sprintf("%g", f) }
