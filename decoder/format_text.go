package decoder

import "strings"

// blockLeaf is the free text of a think block: valid UTF-8, newlines and
// tabs allowed, other control bytes not, and never the block's closing tag
// (so the first closing tag after the text is the block's end, which is
// how Format.Parse reads it).
//
// State: byte 0 is how many continuation bytes the current rune still
// needs, byte 1 the lower bound of the next continuation byte's range and
// byte 2 its upper bound, byte 3 how long a prefix of the tag the text
// ends with.
type blockLeaf struct {
	tag string
}

func newBlockLeaf(tag string) *blockLeaf { return &blockLeaf{tag: tag} }

func (l *blockLeaf) init() string { return "\x00\x80\xbf\x00" }

func (l *blockLeaf) final(ls string) bool { return ls[0] == 0 }

func (l *blockLeaf) minRem(ls string) int { return int(ls[0]) }

func (l *blockLeaf) step(ls string, b byte) (string, bool) {
	need, lo, hi, match := ls[0], ls[1], ls[2], int(ls[3])
	if need > 0 {
		if b < lo || b > hi {
			return "", false
		}
		return string([]byte{need - 1, 0x80, 0xBF, 0}), true
	}
	switch {
	case b < 0x20 && b != '\n' && b != '\t', b == 0x7F:
		return "", false
	case b < 0x80:
		m := l.advance(match, b)
		if m == len(l.tag) {
			return "", false
		}
		return string([]byte{0, 0x80, 0xBF, byte(m)}), true
	case b >= 0xC2 && b <= 0xDF:
		return string([]byte{1, 0x80, 0xBF, 0}), true
	case b == 0xE0:
		return string([]byte{2, 0xA0, 0xBF, 0}), true
	case b == 0xED:
		return string([]byte{2, 0x80, 0x9F, 0}), true
	case b >= 0xE1 && b <= 0xEF:
		return string([]byte{2, 0x80, 0xBF, 0}), true
	case b == 0xF0:
		return string([]byte{3, 0x90, 0xBF, 0}), true
	case b >= 0xF1 && b <= 0xF3:
		return string([]byte{3, 0x80, 0xBF, 0}), true
	case b == 0xF4:
		return string([]byte{3, 0x80, 0x8F, 0}), true
	}
	return "", false
}

// advance is the longest prefix of the tag that the text ends with after
// b, given that it ended with a prefix of length m (the tag is ASCII and
// short, so the naive search is cheap).
func (l *blockLeaf) advance(m int, b byte) int {
	cur := l.tag[:m] + string(rune(b))
	for k := min(len(cur), len(l.tag)); k > 0; k-- {
		if strings.HasSuffix(cur, l.tag[:k]) {
			return k
		}
	}
	return 0
}
