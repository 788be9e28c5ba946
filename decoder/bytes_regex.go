package decoder

import (
	"encoding/binary"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// regexLeaf recognizes a JSON string whose decoded value matches a schema
// "pattern" (Go regexp syntax, which covers the common ECMA subset). As in
// JSON Schema the pattern is not anchored: it must match somewhere in the
// value, unless it uses ^ and $. The pattern runs on decoded runes: the leaf
// collects the bytes of one character (an escape or a UTF-8 sequence) and
// then steps the set of regexp program counters, like a Thompson NFA.
// Word-boundary assertions are rejected when the leaf is built.
type regexLeaf struct {
	prog *syntax.Prog
	dist []int          // per pc: fewest bytes from pc (before its closure) to Match, -1 none
	memo map[string]int // minRem by state; guarded by the Index lock
	// restart is the fewest bytes to a match when the search starts afresh
	// after some character (-1: never, e.g. for a ^-anchored pattern).
	restart int
}

func newRegexLeaf(pattern string) (*regexLeaf, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, newErr(CodeSchema, "pattern %q: %v", pattern, err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, newErr(CodeSchema, "pattern %q: %v", pattern, err)
	}
	for _, in := range prog.Inst {
		if in.Op == syntax.InstEmptyWidth && syntax.EmptyOp(in.Arg)&(syntax.EmptyWordBoundary|syntax.EmptyNoWordBoundary) != 0 {
			return nil, newErr(CodeSchema, "pattern %q: word boundaries are not supported", pattern)
		}
	}
	l := &regexLeaf{prog: prog, memo: map[string]int{}}
	l.computeDist()
	l.restart = -1
	pcs := l.closure([]uint32{uint32(prog.Start)}, false)
	if l.matchesAtEnd(pcs) {
		l.restart = 0
	}
	for _, pc := range pcs {
		if d := l.dist[pc]; d >= 0 && (l.restart < 0 || d < l.restart) {
			l.restart = d
		}
	}
	return l, nil
}

// runeCost is the fewest bytes that spell some rune of the instruction's
// class in a JSON string, -1 if none can be spelled.
func runeCost(in *syntax.Inst) int {
	switch in.Op {
	case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		return 1
	case syntax.InstRune1:
		return spellCost(in.Rune[0])
	case syntax.InstRune:
		best := -1
		rs := in.Rune
		fold := syntax.Flags(in.Arg)&syntax.FoldCase != 0
		if len(rs) == 1 {
			rs = []rune{rs[0], rs[0]}
		}
		for i := 0; i+1 < len(rs); i += 2 {
			for _, r := range []rune{rs[i], max(rs[i], 0x20), max(rs[i], 0x80), max(rs[i], 0x800), max(rs[i], 0x10000)} {
				if r <= rs[i+1] {
					if c := spellCost(r); c >= 0 && (best < 0 || c < best) {
						best = c
					}
				}
			}
		}
		if fold && best < 0 {
			best = 1
		}
		return best
	}
	return -1
}

func spellCost(r rune) int {
	switch {
	case r < 0x20:
		if escapeLetter(byte(r)) != 0 {
			return 2
		}
		return -1
	case r == '"' || r == '\\':
		return 2
	case r >= 0xD800 && r <= 0xDFFF || r > utf8.MaxRune:
		return -1
	}
	return utf8.RuneLen(r)
}

func (l *regexLeaf) computeDist() {
	n := len(l.prog.Inst)
	l.dist = make([]int, n)
	for i := range l.dist {
		l.dist[i] = -1
	}
	better := func(i, v int) bool {
		if v >= 0 && (l.dist[i] < 0 || v < l.dist[i]) {
			l.dist[i] = v
			return true
		}
		return false
	}
	add := func(a, b int) int {
		if a < 0 || b < 0 {
			return -1
		}
		return a + b
	}
	for changed := true; changed; {
		changed = false
		for i := n - 1; i >= 0; i-- {
			in := &l.prog.Inst[i]
			switch in.Op {
			case syntax.InstMatch:
				changed = better(i, 0) || changed
			case syntax.InstAlt, syntax.InstAltMatch:
				changed = better(i, l.dist[in.Out]) || changed
				changed = better(i, l.dist[in.Arg]) || changed
			case syntax.InstCapture, syntax.InstNop:
				changed = better(i, l.dist[in.Out]) || changed
			case syntax.InstEmptyWidth:
				op := syntax.EmptyOp(in.Arg)
				if op&(syntax.EmptyEndText|syntax.EmptyEndLine) != 0 {
					if l.dist[in.Out] == 0 {
						changed = better(i, 0) || changed
					}
				} else if op&(syntax.EmptyBeginText|syntax.EmptyBeginLine) == 0 {
					changed = better(i, l.dist[in.Out]) || changed
				}
			default:
				changed = better(i, add(runeCost(in), l.dist[in.Out])) || changed
			}
		}
	}
}

// regexState is the decoded form of a regexLeaf state.
type regexState struct {
	phase   uint8 // 0 before the quote, 1 body, 2 closed
	esc     bool
	start   bool   // no character consumed yet
	matched bool   // the pattern matched already (any suffix is fine)
	pend    []byte // bytes of an incomplete UTF-8 character
	pcs     []uint32
}

func (st regexState) enc() string {
	var sb strings.Builder
	f := st.phase
	if st.esc {
		f |= 4
	}
	if st.start {
		f |= 8
	}
	if st.matched {
		f |= 16
	}
	sb.WriteByte(f)
	sb.WriteByte(byte(len(st.pend)))
	sb.Write(st.pend)
	var buf [binary.MaxVarintLen32]byte
	for _, pc := range st.pcs {
		sb.Write(buf[:binary.PutUvarint(buf[:], uint64(pc))])
	}
	return sb.String()
}

func decRegex(s string) regexState {
	st := regexState{phase: s[0] & 3, esc: s[0]&4 != 0, start: s[0]&8 != 0, matched: s[0]&16 != 0}
	n := int(s[1])
	st.pend = []byte(s[2 : 2+n])
	rest := []byte(s[2+n:])
	for len(rest) > 0 {
		v, k := binary.Uvarint(rest)
		st.pcs = append(st.pcs, uint32(v))
		rest = rest[k:]
	}
	return st
}

// closure adds the epsilon successors of pcs; it keeps rune instructions,
// Match, and end assertions (resolved when the string closes).
func (l *regexLeaf) closure(pcs []uint32, start bool) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	var visit func(pc uint32)
	visit = func(pc uint32) {
		if seen[pc] {
			return
		}
		seen[pc] = true
		in := &l.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			visit(in.Out)
			visit(in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			visit(in.Out)
		case syntax.InstEmptyWidth:
			op := syntax.EmptyOp(in.Arg)
			switch {
			case op&(syntax.EmptyBeginText|syntax.EmptyBeginLine) != 0:
				if start {
					visit(in.Out)
				}
			case op&(syntax.EmptyEndText|syntax.EmptyEndLine) != 0:
				out = append(out, pc)
			default:
				visit(in.Out)
			}
		case syntax.InstFail:
		default:
			out = append(out, pc)
		}
	}
	for _, pc := range pcs {
		visit(pc)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (l *regexLeaf) hasMatch(pcs []uint32) bool {
	for _, pc := range pcs {
		if l.prog.Inst[pc].Op == syntax.InstMatch {
			return true
		}
	}
	return false
}

// matchesAtEnd reports whether the string may close with these pcs.
func (l *regexLeaf) matchesAtEnd(pcs []uint32) bool {
	for _, pc := range pcs {
		in := &l.prog.Inst[pc]
		if in.Op == syntax.InstMatch || in.Op == syntax.InstEmptyWidth && l.dist[pc] == 0 {
			return true
		}
	}
	return false
}

func (l *regexLeaf) init() string {
	st := regexState{start: true}
	st.pcs = l.closure([]uint32{uint32(l.prog.Start)}, true)
	st.matched = l.hasMatch(st.pcs)
	return st.enc()
}

func (l *regexLeaf) final(ls string) bool { return decRegex(ls).phase == 2 }

func (l *regexLeaf) minRem(ls string) int {
	if r, ok := l.memo[ls]; ok {
		return r
	}
	r := l.computeMinRem(decRegex(ls))
	l.memo[ls] = r
	return r
}

func (l *regexLeaf) computeMinRem(st regexState) int {
	switch st.phase {
	case 2:
		return 0
	case 0:
		st.phase = 1
		if r := l.computeMinRem(st); r >= 0 {
			return r + 1
		}
		return -1
	}
	pending := 0
	if st.esc {
		pending = 1
	} else if len(st.pend) > 0 {
		pending = utf8Need(st.pend[0]) - len(st.pend)
	}
	if st.matched {
		return pending + 1
	}
	if pending == 0 {
		best := -1
		if l.matchesAtEnd(st.pcs) {
			best = 0
		}
		for _, pc := range st.pcs {
			if d := l.dist[pc]; d >= 0 && (best < 0 || d < best) {
				best = d
			}
		}
		if best < 0 {
			return -1
		}
		return best + 1
	}
	// Mid-character: some completion of it must be taken by a pc that can
	// go on to Match (or the search restarts after it and can match).
	lo, hi := pendingRange(st)
	best := l.restart
	for _, pc := range st.pcs {
		in := &l.prog.Inst[pc]
		if in.Op == syntax.InstMatch || in.Op == syntax.InstEmptyWidth {
			continue
		}
		if d := l.dist[in.Out]; d >= 0 && classMeets(in, lo, hi) && (best < 0 || d < best) {
			best = d
		}
	}
	if best < 0 {
		return -1
	}
	return pending + best + 1
}

func utf8Need(lead byte) int {
	rem, _, _, _ := utf8Lead(lead)
	return int(rem) + 1
}

// pendingRange is the range of runes that can complete the pending bytes.
func pendingRange(st regexState) (rune, rune) {
	if st.esc {
		return '\b', '\\' // the escapable runes lie in this range; classMeets checks each
	}
	need := utf8Need(st.pend[0])
	lo := append(slices.Clone(st.pend), make([]byte, need-len(st.pend))...)
	hi := slices.Clone(lo)
	for i := len(st.pend); i < need; i++ {
		lo[i], hi[i] = 0x80, 0xBF
	}
	rl, _ := utf8.DecodeRune(lo)
	rh, _ := utf8.DecodeRune(hi)
	return rl, rh
}

func classMeets(in *syntax.Inst, lo, hi rune) bool {
	if lo == '\b' && hi == '\\' { // pending escape: try each escapable rune
		for _, r := range []rune{'"', '\\', '\b', '\f', '\n', '\r', '\t'} {
			if in.MatchRune(r) {
				return true
			}
		}
		return false
	}
	if hi-lo < 256 {
		for r := lo; r <= hi; r++ {
			if (r < 0xD800 || r > 0xDFFF) && in.MatchRune(r) {
				return true
			}
		}
		return false
	}
	switch in.Op {
	case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		return true
	case syntax.InstRune1:
		return in.Rune[0] >= lo && in.Rune[0] <= hi
	}
	rs := in.Rune
	if len(rs) == 1 {
		return in.MatchRune(lo) || rs[0] >= lo && rs[0] <= hi
	}
	for i := 0; i+1 < len(rs); i += 2 {
		if rs[i] <= hi && rs[i+1] >= lo {
			return true
		}
	}
	return syntax.Flags(in.Arg)&syntax.FoldCase != 0
}

func (l *regexLeaf) step(ls string, b byte) (string, bool) {
	st, match, ok := l.advance(decRegex(ls), b)
	if !ok || st.phase == 2 && !match {
		return "", false
	}
	if st.phase == 2 {
		return st.enc(), true
	}
	return l.check(st)
}

// advance steps a decoded state by b without the liveness check. At the
// closing quote the state is closed and match says whether the pattern
// matched the value.
func (l *regexLeaf) advance(st regexState, b byte) (next regexState, match, ok bool) {
	switch st.phase {
	case 2:
		return st, false, false
	case 0:
		if b != '"' {
			return st, false, false
		}
		st.phase = 1
		return st, false, true
	}
	var r rune = -1
	switch {
	case st.esc:
		c, ok := unescapeLetter(b)
		if !ok {
			return st, false, false
		}
		st.esc, r = false, rune(c)
	case len(st.pend) > 0:
		rem, lo, hi, _ := utf8Lead(st.pend[0])
		if len(st.pend) > 1 {
			lo, hi = 0x80, 0xBF
		}
		if b < lo || b > hi {
			return st, false, false
		}
		st.pend = append(slices.Clone(st.pend), b)
		if len(st.pend) == int(rem)+1 {
			r, _ = utf8.DecodeRune(st.pend)
			st.pend = nil
		}
	case b == '"':
		return regexState{phase: 2}, st.matched || l.matchesAtEnd(st.pcs), true
	case b == '\\':
		st.esc = true
	case b < 0x20:
		return st, false, false
	case b < 0x80:
		r = rune(b)
	default:
		if _, _, _, ok := utf8Lead(b); !ok {
			return st, false, false
		}
		st.pend = []byte{b}
	}
	if r >= 0 && !st.matched {
		var next []uint32
		for _, pc := range st.pcs {
			in := &l.prog.Inst[pc]
			if in.Op != syntax.InstMatch && in.Op != syntax.InstEmptyWidth && in.MatchRune(r) {
				next = append(next, in.Out)
			}
		}
		next = append(next, uint32(l.prog.Start)) // unanchored search restarts
		st.start = false
		st.pcs = l.closure(next, false)
		st.matched = l.hasMatch(st.pcs)
		if st.matched {
			st.pcs = nil
		}
	}
	if r >= 0 {
		st.start = false
	}
	return st, false, true
}

func (l *regexLeaf) check(st regexState) (string, bool) {
	s := st.enc()
	if l.minRem(s) < 0 {
		return "", false
	}
	return s, true
}

// resetMemo drops the memo with the byte automaton's generation.
func (l *regexLeaf) resetMemo() { l.memo = map[string]int{} }

// regexNotLeaf is a regexLeaf whose value must also differ from a few
// excluded values (the negated minterm of a == predicate, or a !=
// predicate). A string value has exactly one spelling here (one-letter
// escapes only, no \u, no \/), so the value equals an excluded one exactly
// when the bytes written equal its quoted spelling: the leaf tracks the
// bytes while they are a prefix of such a spelling, next to the regex state.
type regexNotLeaf struct {
	re   *regexLeaf
	lits []string       // quoted spellings of the excluded values
	memo map[string]int // minRem of tracking states; guarded by the Index lock
}

func newRegexNotLeaf(re *regexLeaf, notIn []string) *regexNotLeaf {
	l := &regexNotLeaf{re: re, memo: map[string]int{}}
	for _, v := range notIn {
		if q, ok := spellJSONString(v); ok {
			l.lits = append(l.lits, q)
		}
	}
	return l
}

// spellJSONString is the only spelling of v the leaves accept (false: v
// cannot be written, e.g. it has a control byte without a letter escape).
func spellJSONString(v string) (string, bool) {
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if e := escapeLetter(c); e != 0 {
			sb.WriteByte('\\')
			sb.WriteByte(e)
		} else if c < 0x20 {
			return "", false
		} else {
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
	return sb.String(), utf8.ValidString(v)
}

// State: a tracking flag, the bytes tracked (while tracking), the regex state.
func encNot(track bool, p, rls string) string {
	var buf [binary.MaxVarintLen32]byte
	if !track {
		return "\x00" + rls
	}
	return "\x01" + string(buf[:binary.PutUvarint(buf[:], uint64(len(p)))]) + p + rls
}

func decNot(ls string) (track bool, p, rls string) {
	if ls[0] == 0 {
		return false, "", ls[1:]
	}
	n, k := binary.Uvarint([]byte(ls[1:]))
	return true, ls[1+k : 1+k+int(n)], ls[1+k+int(n):]
}

func (l *regexNotLeaf) init() string { return encNot(true, "", l.re.init()) }

func (l *regexNotLeaf) final(ls string) bool {
	_, _, rls := decNot(ls)
	return l.re.final(rls)
}

func (l *regexNotLeaf) advance(ls string, b byte) (string, bool) {
	track, p, rls := decNot(ls)
	rs, ok := l.re.step(rls, b)
	if !ok {
		return "", false
	}
	if track {
		p += string(b)
		if slices.Contains(l.lits, p) {
			return "", false // the value would be an excluded one
		}
		track = hasPrefixIn(l.lits, p)
	}
	return encNot(track, p, rs), true
}

func (l *regexNotLeaf) step(ls string, b byte) (string, bool) {
	s, ok := l.advance(ls, b)
	if !ok || l.minRem(s) < 0 {
		return "", false
	}
	return s, true
}

// minRem is the regex's once the value has left every excluded spelling;
// before that, the best over the next byte (each step lengthens the tracked
// prefix, so this ends within the longest spelling).
func (l *regexNotLeaf) minRem(ls string) int {
	track, _, rls := decNot(ls)
	if !track {
		return l.re.minRem(rls)
	}
	if l.re.final(rls) {
		return 0
	}
	if r, ok := l.memo[ls]; ok {
		return r
	}
	best := -1
	for b := 0; b < 256; b++ {
		s, ok := l.advance(ls, byte(b))
		if !ok {
			continue
		}
		if r := l.minRem(s); r >= 0 && (best < 0 || r+1 < best) {
			best = r + 1
		}
	}
	l.memo[ls] = best
	return best
}

func (l *regexNotLeaf) resetMemo() {
	l.memo = map[string]int{}
	l.re.resetMemo()
}

// regexAvoidLeaf is a JSON string whose decoded value does NOT match a
// pattern (the false minterm of contains, starts_with, ends_with or
// matches). It runs the pattern's unanchored search like regexLeaf and
// dies as soon as the search matches; the string may close only where the
// pattern does not match the whole value. Its minRem is a breadth-first
// search over bytes (states are few for the affix patterns predicates
// spell); past maxAvoidSearch states a state counts as unable to finish,
// which keeps the leaf sound (it never allows a value it cannot close).
type regexAvoidLeaf struct {
	re   *regexLeaf
	memo map[string]int // guarded by the Index lock
}

// maxAvoidSearch bounds the states one regexAvoidLeaf.minRem search visits.
const maxAvoidSearch = 1 << 12

func newRegexAvoidLeaf(re *regexLeaf) *regexAvoidLeaf {
	return &regexAvoidLeaf{re: re, memo: map[string]int{}}
}

func (l *regexAvoidLeaf) init() string {
	st := decRegex(l.re.init())
	if st.matched {
		return "\xff" // the empty prefix matches already: nothing qualifies
	}
	return st.enc()
}

func (l *regexAvoidLeaf) final(ls string) bool { return ls != "\xff" && decRegex(ls).phase == 2 }

func (l *regexAvoidLeaf) advance(ls string, b byte) (string, bool) {
	if ls == "\xff" {
		return "", false
	}
	st, match, ok := l.re.advance(decRegex(ls), b)
	if !ok || st.phase == 2 && match || st.phase != 2 && st.matched {
		return "", false
	}
	return st.enc(), true
}

func (l *regexAvoidLeaf) step(ls string, b byte) (string, bool) {
	s, ok := l.advance(ls, b)
	if !ok || l.minRem(s) < 0 {
		return "", false
	}
	return s, true
}

func (l *regexAvoidLeaf) minRem(ls string) int {
	if ls == "\xff" {
		return -1
	}
	if l.final(ls) {
		return 0
	}
	if r, ok := l.memo[ls]; ok {
		return r
	}
	seen := map[string]bool{ls: true}
	level := []string{ls}
	best := -1
	for d := 1; len(level) > 0 && best < 0 && len(seen) < maxAvoidSearch; d++ {
		var next []string
		for _, s := range level {
			for b := 0; b < 256 && best < 0; b++ {
				t, ok := l.advance(s, byte(b))
				if !ok || seen[t] {
					continue
				}
				if l.final(t) {
					best = d
					break
				}
				seen[t] = true
				next = append(next, t)
			}
			if best >= 0 {
				break
			}
		}
		level = next
	}
	l.memo[ls] = best
	return best
}

func (l *regexAvoidLeaf) resetMemo() {
	l.memo = map[string]int{}
	l.re.resetMemo()
}
