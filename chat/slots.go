package chat

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Untrusted strings reach the template as sentinels: a private-use opener,
// a kind letter, an index, a control byte and a private-use closer. The
// control byte (U+0001) is one that every JSON encoder escapes, so the
// rendered text says whether the template printed the value as it is
// (U+0001 still there) or through our tojson (which writes the six
// characters \u0002, or \u0003 for ensure_ascii, instead, so a JSON encoder
// we do not control, which would write \u0001, is told apart and refused).
const (
	sentOpen      = "\uE000"
	sentClose     = "\uE001"
	sentRaw       = "\x01"
	sentJSON      = `\u0002`
	sentJSONASCII = `\u0003`
	sentForeign   = `\u0001`
	kindString    = 's'
	kindFloat     = 'f'
)

// Floats from the conversation must stay floats (templates branch on `is
// number` and `is string`), so they reach the template as distinctive
// float values instead: 9.87654321 followed by six digits of index, times
// 10^299. The engine prints one as text as 9.87654321<digits>e+299 (its
// shortest spelling, trailing zeros dropped), which the splitter finds;
// our tojson writes it as a JSON-marked sentinel instead. A template that
// computes with such a value or compares it prints something else, and
// the check against the real render catches it.
const (
	floatPrefix = "9.87654321"
	floatSuffix = "e+299"
	maxFloats   = 1000000
)

func sentinelFloat(i int) float64 {
	f, _ := strconv.ParseFloat(fmt.Sprintf("%s%06de+299", floatPrefix, i), 64)
	return f
}

// slots numbers the distinct untrusted strings of one render.
// Equal strings share a sentinel, so a template that compares two of them
// (a tool call's name with a tool's) sees what it would see for the real
// values.
type slots struct {
	strs     []string
	strIdx   map[string]int
	floats   []float64       // real values, by index
	floatIdx map[float64]int // sentinel value -> index
}

func newSlots() *slots {
	return &slots{strIdx: map[string]int{}, floatIdx: map[float64]int{}}
}

// float returns the sentinel value standing for f, or false when the
// render has used up the sentinel floats.
func (s *slots) float(f float64) (float64, bool) {
	if len(s.floats) >= maxFloats {
		return 0, false
	}
	v := sentinelFloat(len(s.floats))
	s.floatIdx[v] = len(s.floats)
	s.floats = append(s.floats, f)
	return v, true
}

// floatSentinel reports whether f is a sentinel float, and its index.
func (s *slots) floatSentinel(f float64) (int, bool) {
	if s == nil {
		return 0, false
	}
	i, ok := s.floatIdx[f]
	return i, ok
}

// parseFloatSentinel reads a float sentinel printed as text at the start
// of out: floatPrefix, up to six digits, floatSuffix.
func parseFloatSentinel(out string) (idx, n int, ok bool) {
	if !strings.HasPrefix(out, floatPrefix) {
		return 0, 0, false
	}
	p := len(floatPrefix)
	start := p
	for p < len(out) && p-start < 6 && out[p] >= '0' && out[p] <= '9' {
		p++
	}
	if !strings.HasPrefix(out[p:], floatSuffix) {
		return 0, 0, false
	}
	digits := out[start:p] + strings.Repeat("0", 6-(p-start))
	idx, _ = strconv.Atoi(digits)
	return idx, p + len(floatSuffix), true
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

func sentinel(kind byte, i int, mark string) string {
	return sentOpen + string(kind) + fmt.Sprintf("%07d", i) + mark + sentClose
}

// sorted returns slots for the same strings numbered in sorted order
// (case-insensitive first, as Jinja2's dictsort and sort, then bytewise).
// Sentinels are fixed-width, so a template that sorts keys or values
// (Gemma 4 sorts a tool's properties) orders the sentinels as it would
// order the real strings.
func (s *slots) sorted() *slots {
	strs := append([]string(nil), s.strs...)
	sort.Slice(strs, func(i, j int) bool {
		a, b := strings.ToLower(strs[i]), strings.ToLower(strs[j])
		if a != b {
			return a < b
		}
		return strs[i] < strs[j]
	})
	out := newSlots()
	for _, v := range strs {
		out.str(v)
	}
	return out
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
	for p < len(s) && s[p] >= '0' && s[p] <= '9' && p-start < 7 {
		p++
	}
	if p == start {
		return 0, 0, "", 0, false
	}
	idx, _ = strconv.Atoi(s[start:p])
	for _, m := range []string{sentRaw, sentJSON, sentJSONASCII, sentForeign} {
		if strings.HasPrefix(s[p:], m) && strings.HasPrefix(s[p+len(m):], sentClose) {
			return kind, idx, m, p + len(m) + len(sentClose), true
		}
	}
	return 0, 0, "", 0, false
}

// encodeSentinelString writes s as a JSON string in Python's spelling,
// except that a sentinel inside it is written in its JSON form, which the
// splitter replaces by the escaped content.
func encodeSentinelString(b *strings.Builder, s string, ascii bool) {
	esc, mark := pyEscape, sentJSON
	if ascii {
		esc, mark = pyEscapeASCII, sentJSONASCII
	}
	b.WriteByte('"')
	for len(s) > 0 {
		i := strings.Index(s, sentOpen)
		if i < 0 {
			esc(b, s)
			break
		}
		esc(b, s[:i])
		s = s[i:]
		kind, idx, m, n, ok := parseSentinel(s)
		if ok && m == sentRaw && kind == kindString {
			b.WriteString(sentinel(kindString, idx, mark))
		} else {
			n = len(sentOpen)
			esc(b, s[:n])
		}
		s = s[n:]
	}
	b.WriteByte('"')
}

// item is one run of a sentinel render: markup, or a content slot.
type item struct {
	markup string
	slot   bool
	kind   byte
	idx    int
	mark   string
}

// parse reads a render of sentinels into markup and slots. The next
// occurrence of each kind of sentinel is kept, so the scan is linear.
func (s *slots) parse(out string) ([]item, error) {
	var items []item
	pos := 0
	nextStr, nextFloat := -2, -2
	find := func(pat string, from int) int {
		if i := strings.Index(out[from:], pat); i >= 0 {
			return from + i
		}
		return len(out)
	}
	for pos < len(out) {
		if nextStr < pos {
			nextStr = find(sentOpen, pos)
		}
		if nextFloat < pos {
			nextFloat = find(floatPrefix, pos)
		}
		i := min(nextStr, nextFloat)
		// A float spelled like a sentinel but not one is markup.
		if i == nextFloat && i < nextStr && len(s.floats) > 0 {
			if idx, n, ok := parseFloatSentinel(out[i:]); ok && idx < len(s.floats) {
				if j := strings.Index(out[pos:i], sentClose); j >= 0 {
					return nil, fmt.Errorf("the template cut a content value apart (a sentinel's end at byte %d has no start)", pos+j)
				}
				if i > pos {
					items = append(items, item{markup: out[pos:i]})
				}
				items = append(items, item{slot: true, kind: kindFloat, idx: idx, mark: sentRaw})
				pos = i + n
				continue
			}
			nextFloat = find(floatPrefix, i+1)
			continue
		}
		if j := strings.Index(out[pos:i], sentClose); j >= 0 {
			return nil, fmt.Errorf("the template cut a content value apart (a sentinel's end at byte %d has no start)", pos+j)
		}
		if i > pos {
			items = append(items, item{markup: out[pos:i]})
		}
		pos = i
		if pos >= len(out) {
			break
		}
		kind, idx, mark, n, ok := parseSentinel(out[pos:])
		if !ok {
			return nil, fmt.Errorf("the template changed or cut a content value (a sentinel no longer reads back)")
		}
		if mark == sentForeign {
			return nil, fmt.Errorf("the template encoded content with a JSON filter other than tojson")
		}
		if (kind == kindString && idx >= len(s.strs)) || (kind == kindFloat && (idx >= len(s.floats) || mark != sentJSON)) {
			return nil, fmt.Errorf("the template printed a sentinel it made up")
		}
		items = append(items, item{slot: true, kind: kind, idx: idx, mark: mark})
		pos += n
	}
	return items, nil
}

// candidate is one way a slot may have been printed: what the engine
// printed for the real value, and what transformers prints (the same
// today; kept apart so a value the engine spells differently can be
// followed).
type candidate struct{ engine, python string }

// candidates lists how a slot may appear in the real render: as it is,
// or, for text printed as it is, trimmed (Gemma's templates trim every
// message), when the engine's trim and Python's strip agree on it.
func (s *slots) candidates(it item) []candidate {
	if it.kind == kindFloat {
		f := s.floats[it.idx]
		if it.mark == sentJSON {
			return []candidate{{pyFloat(f), pyFloat(f)}}
		}
		// Printed as text: the engine writes Go's %g, Python str(float).
		return []candidate{{fmt.Sprintf("%g", f), pyFloat(f)}}
	}
	v := s.strs[it.idx]
	if it.mark == sentJSON || it.mark == sentJSONASCII {
		var b strings.Builder
		if it.mark == sentJSON {
			pyEscape(&b, v)
		} else {
			pyEscapeASCII(&b, v)
		}
		return []candidate{{b.String(), b.String()}}
	}
	out := []candidate{{v, v}}
	if t := strings.TrimSpace(v); t != v && t == pyStrip(v) {
		out = append(out, candidate{t, t})
	}
	return out
}

// pyStrip is Python's str.strip(): whitespace as str.isspace has it.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		switch {
		case r >= 0x09 && r <= 0x0d, r >= 0x1c && r <= 0x20, r == 0x85, r == 0xa0, r == 0x1680,
			r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
			return true
		}
		return false
	})
}

// assemble explains real, the render with the real values, as the
// sentinel render's markup with each slot replaced by one of its
// candidates, and returns the pieces with transformers' spelling of each.
// The markup must match byte for byte, so content bytes can only ever be
// labelled content. The search tries the exact value first, visits each
// (item, offset) pair at most once, and gives up (fails closed) after a
// number of steps linear in the items.
func (s *slots) assemble(items []item, real string) ([]Piece, bool) {
	type state struct{ i, pos int }
	type frame struct {
		st     state
		choice int // the candidate tried at item st.i, for the way back
	}
	dead := map[state]bool{}
	var path []frame
	st := state{0, 0}
	choice := 0
	// Backtracking happens only where trimmed and untrimmed values both
	// fit; a bound on the steps keeps a hostile case linear and fails it
	// closed.
	budget := 16*len(items) + 1024
	for {
		if budget--; budget < 0 {
			return nil, false
		}
		if st.i == len(items) {
			if st.pos == len(real) {
				break
			}
			dead[st] = true
		} else if !dead[st] {
			it := items[st.i]
			if !it.slot {
				if choice == 0 && strings.HasPrefix(real[st.pos:], it.markup) {
					path = append(path, frame{st, 0})
					st, choice = state{st.i + 1, st.pos + len(it.markup)}, 0
					continue
				}
			} else if cands := s.candidates(it); choice < len(cands) {
				c := cands[choice]
				if strings.HasPrefix(real[st.pos:], c.engine) {
					path = append(path, frame{st, choice})
					st, choice = state{st.i + 1, st.pos + len(c.engine)}, 0
					continue
				}
				choice++
				continue
			}
			dead[st] = true
		}
		// Back up to the last slot with another candidate to try.
		if len(path) == 0 {
			return nil, false
		}
		last := path[len(path)-1]
		path = path[:len(path)-1]
		st, choice = last.st, last.choice+1
	}
	var pieces []Piece
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
	for _, f := range path {
		it := items[f.st.i]
		if !it.slot {
			add(it.markup, true)
			continue
		}
		add(s.candidates(it)[f.choice].python, false)
	}
	return pieces, true
}
