package decoder

import (
	"encoding/binary"
	"strings"
)

// membersLeaf writes free JSON (values the schema leaves open, and the
// keys beyond the declared ones of an object whose extra values are free)
// with the one thing an NFA over fixed leaves cannot say: the keys of one
// object are distinct. The strict checker (format_parse.go) refuses a
// repeated key, so a leaf that remembers the keys written so far in each
// open object is the only way the decoder's texts stay accepted.
//
// It spells exactly what the NFA of compiler.relaxedFreeValue spells
// (strLeaf strings and keys, the format's numLeaf, the syntax's true /
// false / null, ": " and ", "), minus the texts that repeat a key in one
// object; that NFA is kept beside the leaf (nnode.relaxed) for package
// export, since a grammar cannot hold "distinct keys".
//
// Its bottom is either one free value (value) or the members of an
// object after its declared properties (members: key leaf key, separator
// sep, a leading ", " when lead), each value free.
type membersLeaf struct {
	value   bool   // bottom is one free value; else members
	depth   int    // how deep objects and arrays nest in a bottom value
	key     leaf   // members: the key leaf (excludes the declared names)
	quoted  bool   // members: keys are JSON strings (else identifiers)
	sep     string // members: between a key and its value
	lead    bool   // members: the first member is preceded by ", "
	str     leaf   // free strings and free keys of nested objects
	num     leaf   // free numbers
	lits    [3]string
	minScal int // fewest bytes of a scalar
}

func newMembersLeaf(value bool, depth int, num leaf, syn valueSyntax) *membersLeaf {
	l := &membersLeaf{value: value, depth: depth, str: &strLeaf{mode: modeJSON, maxLen: -1}, num: num,
		lits: [3]string{syn.trueLit(), syn.falseLit(), syn.nullLit()}}
	l.minScal = l.str.minRem(l.str.init())
	if r := num.minRem(num.init()); r >= 0 {
		l.minScal = min(l.minScal, r)
	}
	for _, s := range l.lits {
		l.minScal = min(l.minScal, len(s))
	}
	return l
}

// Frame kinds and phases of the state.
const (
	mfValue   byte = iota // bottom: one value
	mfMembers             // bottom: members
	mfObject              // a nested free object
	mfArray               // a nested free array
)

const (
	mpStart    byte = iota // after "{" / "[" / at the bottom's start
	mpKeyStart             // a key starts with the next byte
	mpKey                  // in a key
	mpSep                  // in the separator after a key (pos)
	mpValStart             // a value starts with the next byte
	mpVal                  // a value is in progress (scalar or the frame above)
	mpAfter                // after a value
	mpComma                // in ", " (pos)
)

type mFrame struct {
	kind, ph, pos, d byte
	kls, raw         string // the key in progress: its leaf state and bytes (exact keys)
	fp, fl           byte   // the key in progress: fingerprint so far, flags (fingerprinted keys)
	// keys are the keys written in this object: decoded (exact) or their
	// one-byte fingerprints.
	keys []string
}

// Key memory. Remembering a free key's text makes every prefix of it a
// state of its own, and the mask's trie walk interns a byte state per
// trie node: a mask at a free key then builds ~10^5 states (measured
// ~1000x slower, the llama soundness suite timed out). So a key of an
// unbounded language is remembered by a one-byte Pearson fingerprint of
// its decoded bytes: a repeated key always has the same fingerprint and
// is refused (sound); a fresh key whose fingerprint collides with a
// written one is refused too (incomplete: about k/256 for the k-th key;
// the search below then finds a longer fresh key, never a dead end; an
// object holds at most 256 free keys). Keys of a finite set (an enum of
// propertyNames) are few and are remembered exactly.

const (
	flEsc    byte = 1 // after a backslash
	flOpened byte = 2 // the opening quote was read
)

// pearson is a fixed permutation of the bytes (Pearson hashing).
var pearson = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = byte(i)
	}
	x := uint32(2463534242)
	for i := 255; i > 0; i-- {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		j := int(x % uint32(i+1))
		t[i], t[j] = t[j], t[i]
	}
	return t
}()

// foldKeyByte adds written byte b of a key to its fingerprint: decoded
// bytes are folded (escapes as the byte they stand for), quotes are not.
func foldKeyByte(fp, fl byte, b byte, quoted bool) (byte, byte) {
	switch {
	case !quoted:
		return pearson[fp^b], fl
	case fl&flOpened == 0:
		return fp, fl | flOpened
	case fl&flEsc != 0:
		d := b
		switch b {
		case 'b':
			d = '\b'
		case 'f':
			d = '\f'
		case 'n':
			d = '\n'
		case 'r':
			d = '\r'
		case 't':
			d = '\t'
		}
		return pearson[fp^d], fl &^ flEsc
	case b == '\\':
		return fp, fl | flEsc
	case b == '"':
		return fp, fl
	}
	return pearson[fp^b], fl
}

// exactKeys reports that the keys of frame f are remembered exactly.
func (l *membersLeaf) exactKeys(f *mFrame) bool {
	if f.kind != mfMembers {
		return false
	}
	sl, ok := l.key.(*strLeaf)
	return ok && sl.in != nil
}

// keyTrack is the memory of a key in progress.
type keyTrack struct {
	exact  bool
	quoted bool
	raw    string
	fp, fl byte
}

func (k keyTrack) add(b byte) keyTrack {
	if k.exact {
		k.raw += string(b)
	} else {
		k.fp, k.fl = foldKeyByte(k.fp, k.fl, b, k.quoted)
	}
	return k
}

func (k keyTrack) key() string {
	if k.exact {
		return decodeKey(k.raw, k.quoted)
	}
	return string([]byte{k.fp})
}

func (l *membersLeaf) track(f *mFrame, fresh bool) keyTrack {
	_, q, _ := l.keyLeafOf(f)
	if fresh {
		return keyTrack{exact: l.exactKeys(f), quoted: q}
	}
	return keyTrack{exact: l.exactKeys(f), quoted: q, raw: f.raw, fp: f.fp, fl: f.fl}
}

type mState struct {
	sc     byte // scalar in progress: 0 none, 's' string, 'n' number, 'l' literal
	sls    string
	litI   byte
	litP   byte
	frames []mFrame
}

func putStr(sb *strings.Builder, s string) {
	var buf [binary.MaxVarintLen64]byte
	sb.Write(buf[:binary.PutUvarint(buf[:], uint64(len(s)))])
	sb.WriteString(s)
}

func getStr(s string, i *int) string {
	n, k := binary.Uvarint([]byte(s[*i:min(len(s), *i+binary.MaxVarintLen64)]))
	*i += k
	v := s[*i : *i+int(n)]
	*i += int(n)
	return v
}

func (st *mState) enc() string {
	var sb strings.Builder
	sb.WriteByte(st.sc)
	sb.WriteByte(st.litI)
	sb.WriteByte(st.litP)
	putStr(&sb, st.sls)
	for _, f := range st.frames {
		sb.WriteByte(f.kind)
		sb.WriteByte(f.ph)
		sb.WriteByte(f.pos)
		sb.WriteByte(f.d)
		sb.WriteByte(f.fp)
		sb.WriteByte(f.fl)
		putStr(&sb, f.kls)
		putStr(&sb, f.raw)
		var buf [binary.MaxVarintLen64]byte
		sb.Write(buf[:binary.PutUvarint(buf[:], uint64(len(f.keys)))])
		for _, k := range f.keys {
			putStr(&sb, k)
		}
	}
	return sb.String()
}

func decMembers(s string) mState {
	st := mState{sc: s[0], litI: s[1], litP: s[2]}
	i := 3
	st.sls = getStr(s, &i)
	for i < len(s) {
		f := mFrame{kind: s[i], ph: s[i+1], pos: s[i+2], d: s[i+3], fp: s[i+4], fl: s[i+5]}
		i += 6
		f.kls = getStr(s, &i)
		f.raw = getStr(s, &i)
		n, k := binary.Uvarint([]byte(s[i:min(len(s), i+binary.MaxVarintLen64)]))
		i += k
		for range n {
			f.keys = append(f.keys, getStr(s, &i))
		}
		st.frames = append(st.frames, f)
	}
	return st
}

func (l *membersLeaf) init() string {
	st := mState{}
	if l.value {
		st.frames = []mFrame{{kind: mfValue, d: byte(l.depth)}}
	} else {
		st.frames = []mFrame{{kind: mfMembers, d: byte(l.depth)}}
	}
	return st.enc()
}

// keyLeafOf is the key leaf of frame f and whether its keys are quoted.
func (l *membersLeaf) keyLeafOf(f *mFrame) (leaf, bool, string) {
	if f.kind == mfMembers {
		return l.key, l.quoted, l.sep
	}
	return l.str, true, ": "
}

// decodeKey is the key a complete key text stands for: JSON strings as
// strLeaf writes them (one-letter escapes only), identifiers as written.
func decodeKey(raw string, quoted bool) string {
	if !quoted || len(raw) < 2 {
		return raw
	}
	body := raw[1 : len(raw)-1]
	if !strings.Contains(body, `\`) {
		return body
	}
	var sb strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 == len(body) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		default: // \" \\ \/
			sb.WriteByte(body[i])
		}
	}
	return sb.String()
}

func fresh(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return false
		}
	}
	return true
}

// keyOrder is the order the search for a fresh key tries bytes in: the
// closing quote first, then letters and digits, then the rest.
var keyOrder = func() []byte {
	var out []byte
	seen := [256]bool{}
	add := func(b byte) {
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	add('"')
	for b := byte('a'); b <= 'z'; b++ {
		add(b)
	}
	for b := byte('A'); b <= 'Z'; b++ {
		add(b)
	}
	for b := byte('0'); b <= '9'; b++ {
		add(b)
	}
	add('_')
	for b := range 256 {
		add(byte(b))
	}
	return out
}()

// keySlack is how many bytes beyond the key leaf's own shortest
// completion the search for a fresh key looks: a key equal to a written
// one needs one more character; a key language that has no fresh key
// within the slack is treated as exhausted (refused, never a dead end).
const keySlack = 3

// keyRem is the fewest bytes that complete the key in state kls (memory
// tr so far) to a key not in keys; -1 when none within keySlack.
func keyRem(k leaf, kls string, tr keyTrack, keys []string) int {
	base := k.minRem(kls)
	if base < 0 || len(keys) == 0 {
		return base
	}
	var dfs func(ls string, tr keyTrack, left int) bool
	dfs = func(ls string, tr keyTrack, left int) bool {
		if k.final(ls) && fresh(keys, tr.key()) {
			return true
		}
		if left == 0 {
			return false
		}
		for _, b := range keyOrder {
			ns, ok := k.step(ls, b)
			if !ok {
				continue
			}
			if r := k.minRem(ns); r < 0 || r > left-1 {
				continue
			}
			if dfs(ns, tr.add(b), left-1) {
				return true
			}
		}
		return false
	}
	for d := base; d <= base+keySlack; d++ {
		if dfs(kls, tr, d) {
			return d
		}
	}
	return -1
}

func (l *membersLeaf) minVal(d byte) int {
	if d >= 1 {
		return min(l.minScal, 2)
	}
	return l.minScal
}

func (l *membersLeaf) minRem(ls string) int {
	st := decMembers(ls)
	return l.rem(&st)
}

func (l *membersLeaf) rem(st *mState) int {
	total := 0
	switch st.sc {
	case 's':
		total = l.str.minRem(st.sls)
	case 'n':
		total = l.num.minRem(st.sls)
	case 'l':
		total = len(l.lits[st.litI]) - int(st.litP)
	}
	if total < 0 {
		return -1
	}
	for i := len(st.frames) - 1; i >= 0; i-- {
		f := &st.frames[i]
		closeCost := 0
		if f.kind == mfObject || f.kind == mfArray {
			closeCost = 1
		}
		var r int
		switch f.ph {
		case mpStart:
			switch f.kind {
			case mfValue:
				r = l.minVal(f.d)
			default:
				r = closeCost
			}
		case mpKeyStart, mpKey, mpComma:
			if f.kind == mfArray {
				r = 2 - int(f.pos) + l.minVal(f.d) + closeCost
				break
			}
			k, _, sep := l.keyLeafOf(f)
			kls, tr := f.kls, l.track(f, f.ph != mpKey)
			if f.ph != mpKey {
				kls = k.init()
			}
			kr := keyRem(k, kls, tr, f.keys)
			if kr < 0 {
				return -1
			}
			r = kr + len(sep) + l.minVal(f.d) + closeCost
			if f.ph == mpComma {
				r += 2 - int(f.pos)
			}
		case mpSep:
			_, _, sep := l.keyLeafOf(f)
			r = len(sep) - int(f.pos) + l.minVal(f.d) + closeCost
		case mpValStart:
			r = l.minVal(f.d) + closeCost
		case mpVal, mpAfter:
			r = closeCost
		}
		total += r
	}
	return total
}

func (l *membersLeaf) final(ls string) bool {
	st := decMembers(ls)
	if len(st.frames) != 1 {
		return false
	}
	f := &st.frames[0]
	switch st.sc {
	case 's':
		return l.str.final(st.sls)
	case 'n':
		return l.num.final(st.sls)
	case 'l':
		return false
	}
	return f.ph == mpAfter || f.kind == mfMembers && f.ph == mpStart
}

// startValue begins a value of frame f (at nesting room f.d) with b.
func (l *membersLeaf) startValue(st *mState, b byte) bool {
	f := &st.frames[len(st.frames)-1]
	if b == '"' {
		if ns, ok := l.str.step(l.str.init(), b); ok {
			f.ph, st.sc, st.sls = mpVal, 's', ns
			return true
		}
	}
	if ns, ok := l.num.step(l.num.init(), b); ok {
		f.ph, st.sc, st.sls = mpVal, 'n', ns
		return true
	}
	for i, s := range l.lits {
		if s[0] == b {
			f.ph = mpVal
			if len(s) == 1 {
				f.ph = mpAfter
				return true
			}
			st.sc, st.litI, st.litP = 'l', byte(i), 1
			return true
		}
	}
	if f.d >= 1 && (b == '{' || b == '[') {
		f.ph = mpVal
		kind := mfObject
		if b == '[' {
			kind = mfArray
		}
		st.frames = append(st.frames, mFrame{kind: kind, d: f.d - 1})
		return true
	}
	return false
}

// startKey begins a key of frame f with b.
func (l *membersLeaf) startKey(f *mFrame, b byte) bool {
	k, _, _ := l.keyLeafOf(f)
	ns, ok := k.step(k.init(), b)
	if !ok {
		return false
	}
	tr := l.track(f, true).add(b)
	f.ph, f.kls, f.raw, f.fp, f.fl = mpKey, ns, tr.raw, tr.fp, tr.fl
	return true
}

func (l *membersLeaf) step(ls string, b byte) (string, bool) {
	st := decMembers(ls)
	if !l.advance(&st, b) {
		return "", false
	}
	if l.rem(&st) < 0 {
		return "", false
	}
	return st.enc(), true
}

func (l *membersLeaf) advance(st *mState, b byte) bool {
	for {
		f := &st.frames[len(st.frames)-1]
		switch st.sc {
		case 's', 'n':
			lf := l.str
			if st.sc == 'n' {
				lf = l.num
			}
			if ns, ok := lf.step(st.sls, b); ok {
				st.sls = ns
				return true
			}
			if !lf.final(st.sls) {
				return false
			}
			st.sc, st.sls, f.ph = 0, "", mpAfter
			continue // b follows the value
		case 'l':
			s := l.lits[st.litI]
			if s[st.litP] != b {
				return false
			}
			st.litP++
			if int(st.litP) == len(s) {
				st.sc, st.litI, st.litP, f.ph = 0, 0, 0, mpAfter
			}
			return true
		}
		switch f.ph {
		case mpStart:
			switch f.kind {
			case mfValue:
				return l.startValue(st, b)
			case mfMembers:
				if l.lead {
					if b != ',' {
						return false
					}
					f.ph, f.pos = mpComma, 1
					return true
				}
				return l.startKey(f, b)
			case mfObject:
				if b == '}' {
					return l.pop(st)
				}
				return l.startKey(f, b)
			case mfArray:
				if b == ']' {
					return l.pop(st)
				}
				return l.startValue(st, b)
			}
			return false
		case mpKeyStart:
			return l.startKey(f, b)
		case mpKey:
			k, _, _ := l.keyLeafOf(f)
			tr := l.track(f, false)
			if ns, ok := k.step(f.kls, b); ok {
				tr = tr.add(b)
				f.kls, f.raw, f.fp, f.fl = ns, tr.raw, tr.fp, tr.fl
				return true
			}
			dk := tr.key()
			if !k.final(f.kls) || !fresh(f.keys, dk) {
				return false
			}
			f.keys = append(f.keys, dk)
			f.ph, f.pos, f.kls, f.raw, f.fp, f.fl = mpSep, 0, "", "", 0, 0
			continue // b starts the separator
		case mpSep:
			_, _, sep := l.keyLeafOf(f)
			if sep[f.pos] != b {
				return false
			}
			f.pos++
			if int(f.pos) == len(sep) {
				f.ph, f.pos = mpValStart, 0
			}
			return true
		case mpValStart:
			return l.startValue(st, b)
		case mpAfter:
			switch {
			case b == ',' && f.kind != mfValue:
				f.ph, f.pos = mpComma, 1
				return true
			case b == '}' && f.kind == mfObject, b == ']' && f.kind == mfArray:
				return l.pop(st)
			}
			return false
		case mpComma:
			if b != ' ' {
				return false
			}
			f.pos = 0
			if f.kind == mfArray {
				f.ph = mpValStart
			} else {
				f.ph = mpKeyStart
			}
			return true
		}
		return false
	}
}

// pop closes the nested object or array on top.
func (l *membersLeaf) pop(st *mState) bool {
	st.frames = st.frames[:len(st.frames)-1]
	st.frames[len(st.frames)-1].ph = mpAfter
	return true
}
