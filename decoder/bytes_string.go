package decoder

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// strMode says how a string leaf is spelled.
type strMode uint8

const (
	// modeJSON: a double-quoted string with JSON escapes. Only the one-letter
	// escapes \" \\ \b \f \n \r \t are produced (not \/, which Python reads
	// differently, nor \uXXXX), so that a
	// value has one decoded byte per written character and constraints
	// (==, enum, length) are checked on the decoded bytes as they arrive.
	// Other control characters (U+0000–U+001F without an escape letter)
	// therefore cannot be written. Python string literals use the same form.
	modeJSON strMode = iota
	// modeIdent: an unquoted identifier [A-Za-z_][A-Za-z0-9_]* (pythonic keys).
	modeIdent
	// modeLine: free text of a step: valid UTF-8, no newline and no control
	// byte other than tab; it ends where the newline that closes the step is.
	modeLine
)

// strLeaf recognizes a string under constraints: either membership in a
// finite set (in != nil) or exclusion of a finite set (notIn), plus length
// bounds in characters (runes).
type strLeaf struct {
	mode   strMode
	in     []string // nil: any string except notIn; else exactly one of these
	notIn  []string
	minLen int
	maxLen int // -1: unbounded
}

// maxExcluded bounds notIn so that a string of free length always has a
// completion outside it (every open position has more than 50 choices:
// 53 for an identifier start, about 95 in a JSON string).
const maxExcluded = 50

// strState is the decoded form of a leaf state.
type strState struct {
	phase uint8 // 0 before the opening quote, 1 in the body, 2 closed
	esc   bool  // after a backslash
	rem   uint8 // UTF-8 continuation bytes still due
	lo    byte  // range of the next continuation byte
	hi    byte
	track bool   // p is still a prefix of some member of in/notIn
	n     int    // characters so far (saturated when unbounded)
	p     string // decoded bytes so far, while track
}

func (st strState) enc() string {
	var sb strings.Builder
	f := st.phase
	if st.esc {
		f |= 4
	}
	if st.track {
		f |= 8
	}
	sb.WriteByte(f)
	sb.WriteByte(st.rem)
	sb.WriteByte(st.lo)
	sb.WriteByte(st.hi)
	sb.WriteByte(byte(st.n >> 16))
	sb.WriteByte(byte(st.n >> 8))
	sb.WriteByte(byte(st.n))
	sb.WriteString(st.p)
	return sb.String()
}

func decStr(s string) strState {
	return strState{
		phase: s[0] & 3, esc: s[0]&4 != 0, track: s[0]&8 != 0,
		rem: s[1], lo: s[2], hi: s[3],
		n: int(s[4])<<16 | int(s[5])<<8 | int(s[6]),
		p: s[7:],
	}
}

func (l *strLeaf) init() string {
	st := strState{track: len(l.members()) > 0}
	if l.mode != modeJSON {
		st.phase = 1
	}
	return st.enc()
}

// members are the strings whose prefixes are tracked.
func (l *strLeaf) members() []string {
	if l.in != nil {
		return l.in
	}
	return l.notIn
}

func hasPrefixIn(set []string, p string) bool {
	for _, s := range set {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// escapeLetter maps a decoded byte to its JSON escape letter (0: none).
func escapeLetter(c byte) byte {
	switch c {
	case '"':
		return '"'
	case '\\':
		return '\\'
	case '\b':
		return 'b'
	case '\f':
		return 'f'
	case '\n':
		return 'n'
	case '\r':
		return 'r'
	case '\t':
		return 't'
	}
	return 0
}

func unescapeLetter(b byte) (byte, bool) {
	switch b {
	case '"', '\\':
		return b, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

// spellable reports whether s can be written in mode (valid UTF-8, and only
// characters the mode can express).
func spellable(mode strMode, s string) bool {
	if !utf8Valid(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch mode {
		case modeJSON:
			if c < 0x20 && escapeLetter(c) == 0 {
				return false
			}
		case modeIdent:
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
				return false
			}
		case modeLine:
			if c < 0x20 && c != '\t' {
				return false
			}
		}
	}
	return mode != modeIdent || len(s) > 0
}

// encLen is the number of bytes that spell the decoded bytes s in mode.
func encLen(mode strMode, s string) int {
	n := len(s)
	if mode == modeJSON {
		for i := 0; i < len(s); i++ {
			if escapeLetter(s[i]) != 0 {
				n++
			}
		}
	}
	return n
}

func (l *strLeaf) final(ls string) bool {
	st := decStr(ls)
	if l.mode == modeJSON {
		return st.phase == 2
	}
	return l.canClose(st)
}

// canClose reports whether the body may end in st.
func (l *strLeaf) canClose(st strState) bool {
	if st.esc || st.rem > 0 {
		return false
	}
	if l.in != nil {
		return st.track && slices.Contains(l.in, st.p)
	}
	if st.n < l.minLen || l.maxLen >= 0 && st.n > l.maxLen {
		return false
	}
	if st.track && slices.Contains(l.notIn, st.p) {
		return false
	}
	return l.mode != modeIdent || st.n > 0
}

func (l *strLeaf) minRem(ls string) int {
	st := decStr(ls)
	switch st.phase {
	case 2:
		return 0
	case 0:
		r := l.minRem(strState{phase: 1, track: len(l.members()) > 0}.enc())
		if r < 0 {
			return -1
		}
		return r + 1
	}
	closeCost := 0
	if l.mode == modeJSON {
		closeCost = 1
	}
	if l.in != nil {
		if !st.track {
			return -1
		}
		best := -1
		for _, f := range l.in {
			if !strings.HasPrefix(f, st.p) {
				continue
			}
			rest := f[len(st.p):]
			c := 0
			if st.esc {
				if len(rest) == 0 {
					continue
				}
				if escapeLetter(rest[0]) == 0 {
					continue
				}
				c = 1 + encLen(l.mode, rest[1:])
			} else {
				c = encLen(l.mode, rest)
			}
			if best < 0 || c < best {
				best = c
			}
		}
		if best < 0 {
			return -1
		}
		return best + closeCost
	}
	// Exclusion mode.
	pending := 0
	n := st.n
	if st.esc {
		pending = 1
		n++
	} else if st.rem > 0 {
		pending = int(st.rem)
		n++
	}
	if l.maxLen >= 0 && n > l.maxLen {
		return -1
	}
	need := max(l.minLen-n, 0)
	if l.mode == modeIdent && n == 0 {
		need = max(need, 1)
	}
	if need == 0 && pending == 0 && st.track && slices.Contains(l.notIn, st.p) {
		need = 1
	}
	if need == 0 && st.esc && st.track && !(l.maxLen < 0 || n < l.maxLen) {
		// The escape must end the string: some escape letter must avoid notIn.
		ok := false
		for _, e := range []byte{'"', '\\', '\b', '\f', '\n', '\r', '\t'} {
			if !slices.Contains(l.notIn, st.p+string(e)) {
				ok = true
				break
			}
		}
		if !ok {
			return -1
		}
	}
	if l.maxLen >= 0 && n+need > l.maxLen {
		return -1
	}
	return pending + need + closeCost
}

// capN saturates a character count where larger counts are equivalent.
func (l *strLeaf) capN(n int) int {
	if l.maxLen >= 0 {
		return n
	}
	limit := l.minLen
	if l.mode == modeIdent {
		limit = max(limit, 1) // digits may follow the first character only
	}
	return min(n, limit)
}

// addByte appends a decoded byte to the tracked prefix.
func (l *strLeaf) addByte(st *strState, c byte) bool {
	if !st.track {
		return l.in == nil
	}
	p := st.p + string(c)
	if hasPrefixIn(l.members(), p) {
		st.p = p
		return true
	}
	if l.in != nil {
		return false
	}
	st.track, st.p = false, ""
	return true
}

func (l *strLeaf) step(ls string, b byte) (string, bool) {
	st := decStr(ls)
	switch st.phase {
	case 2:
		return "", false
	case 0:
		if b != '"' {
			return "", false
		}
		st.phase = 1
		return l.check(st)
	}
	switch {
	case st.esc:
		c, ok := unescapeLetter(b)
		if !ok {
			return "", false
		}
		st.esc = false
		if !l.addByte(&st, c) {
			return "", false
		}
		st.n = l.capN(st.n + 1)
	case st.rem > 0:
		if b < st.lo || b > st.hi {
			return "", false
		}
		if !l.addByte(&st, b) {
			return "", false
		}
		st.rem--
		st.lo, st.hi = 0x80, 0xBF
		if st.rem == 0 {
			st.lo, st.hi = 0, 0
			st.n = l.capN(st.n + 1)
		}
	case l.mode == modeJSON && b == '"':
		if !l.canClose(st) {
			return "", false
		}
		return strState{phase: 2}.enc(), true
	case l.mode == modeJSON && b == '\\':
		st.esc = true
	case b < 0x80:
		switch l.mode {
		case modeJSON:
			if b < 0x20 {
				return "", false
			}
		case modeLine:
			if b < 0x20 && b != '\t' {
				return "", false
			}
		case modeIdent:
			if !(b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || st.n > 0 && b >= '0' && b <= '9') {
				return "", false
			}
		}
		if !l.addByte(&st, b) {
			return "", false
		}
		st.n = l.capN(st.n + 1)
	default:
		if l.mode == modeIdent {
			return "", false
		}
		rem, lo, hi, ok := utf8Lead(b)
		if !ok {
			return "", false
		}
		if !l.addByte(&st, b) {
			return "", false
		}
		st.rem, st.lo, st.hi = rem, lo, hi
	}
	return l.check(st)
}

func (l *strLeaf) check(st strState) (string, bool) {
	s := st.enc()
	if l.minRem(s) < 0 {
		return "", false
	}
	return s, true
}

// utf8Lead classifies a lead byte of a multi-byte UTF-8 sequence: the number
// of continuation bytes and the range of the first one (which excludes
// overlong forms, surrogates and code points above U+10FFFF).
func utf8Lead(b byte) (rem, lo, hi byte, ok bool) {
	switch {
	case b >= 0xC2 && b <= 0xDF:
		return 1, 0x80, 0xBF, true
	case b == 0xE0:
		return 2, 0xA0, 0xBF, true
	case b >= 0xE1 && b <= 0xEC, b == 0xEE, b == 0xEF:
		return 2, 0x80, 0xBF, true
	case b == 0xED:
		return 2, 0x80, 0x9F, true
	case b == 0xF0:
		return 3, 0x90, 0xBF, true
	case b >= 0xF1 && b <= 0xF3:
		return 3, 0x80, 0xBF, true
	case b == 0xF4:
		return 3, 0x80, 0x8F, true
	}
	return 0, 0, 0, false
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }
