package export

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/decoder"
)

// A leaf (string, number, pattern, free text) is the decoder's own step
// function over bytes. Grammars of llama.cpp, Lark and regex engines read
// code points, so each leaf is explored into a DFA over code point ranges
// (its states are the leaf's own states at code point boundaries), then
// minimized. The grammar of a leaf is therefore the decoder's leaf, not a
// second reading of the schema.

type cpRange struct{ lo, hi rune }

type cpTrans struct {
	r  cpRange
	to int
}

type cpState struct {
	final bool
	trans []cpTrans // sorted by r.lo, disjoint
}

type cpDFA struct{ states []cpState } // state 0 is the start

// leafDFA explores leaf l into a minimal code point DFA of at most max
// states (before minimization).
func leafDFA(l decoder.Leaf, max int) (*cpDFA, error) {
	ids := map[string]int{}
	var queue []string
	live := map[string]bool{}
	// isLive is the decoder's own liveness, asked once per state at a code
	// point boundary (the bytes inside a character are explored with
	// Advance, which does not search).
	isLive := func(s string) bool {
		k := l.Key(s)
		v, ok := live[k]
		if !ok {
			v = l.Live(s)
			live[k] = v
		}
		return v
	}
	add := func(s string) (int, error) {
		if i, ok := ids[l.Key(s)]; ok {
			return i, nil
		}
		if len(queue) >= max {
			return 0, &LimitError{What: fmt.Sprintf("a value's automaton has more than %d states", max), Option: "Options.MaxLeafStates", Flag: "--max-leaf-states"}
		}
		ids[l.Key(s)] = len(queue)
		queue = append(queue, s)
		return len(queue) - 1, nil
	}
	if _, err := add(l.Init()); err != nil {
		return nil, err
	}
	d := &cpDFA{}
	var classes []cpRange
	if bounds, ok := l.RuneBounds(); ok {
		classes = runeClasses(bounds)
	}
	type memoKey struct {
		s string
		k int
	}
	type sub struct {
		lo, hi rune
		to     string
	}
	memo := map[memoKey][]sub{}
	var cont func(s string, k int) ([]sub, error)
	cont = func(s string, k int) ([]sub, error) {
		if r, ok := memo[memoKey{s, k}]; ok {
			return r, nil
		}
		if l.Final(s) {
			return nil, errUnsupported("a value may end inside a UTF-8 sequence")
		}
		var out []sub
		for c := 0x80; c <= 0xBF; c++ {
			t, ok := l.Advance(s, byte(c))
			if !ok {
				continue
			}
			v := rune(c & 0x3F)
			if k == 1 {
				if isLive(t) {
					out = append(out, sub{v, v, t})
				}
				continue
			}
			rest, err := cont(t, k-1)
			if err != nil {
				return nil, err
			}
			for _, r := range rest {
				out = append(out, sub{v<<(6*(k-1)) | r.lo, v<<(6*(k-1)) | r.hi, r.to})
			}
		}
		out = mergeSubs(out, func(a, b sub) bool { return a.to == b.to && a.hi+1 == b.lo }, func(a, b sub) sub { return sub{a.lo, b.hi, a.to} })
		memo[memoKey{s, k}] = out
		return out, nil
	}
	for i := 0; i < len(queue); i++ {
		s := queue[i]
		st := cpState{final: l.Final(s)}
		type raw struct {
			r  cpRange
			to string
		}
		var rs []raw
		for b := 0; b < 0x100; b++ {
			if b >= 0x80 && classes != nil {
				break // by classes below
			}
			t, ok := l.Advance(s, byte(b))
			if !ok {
				continue
			}
			switch {
			case b < 0x80:
				if isLive(t) {
					rs = append(rs, raw{cpRange{rune(b), rune(b)}, t})
				}
			case b >= 0xC2 && b <= 0xF4:
				k, mask, min := 1, 0x1F, rune(0x80)
				if b >= 0xE0 {
					k, mask, min = 2, 0x0F, 0x800
				}
				if b >= 0xF0 {
					k, mask, min = 3, 0x07, 0x10000
				}
				subs, err := cont(t, k)
				if err != nil {
					return nil, err
				}
				for _, x := range subs {
					lo := rune(b&mask)<<(6*k) | x.lo
					hi := rune(b&mask)<<(6*k) | x.hi
					if lo < min || hi > 0x10FFFF || (lo <= 0xDFFF && hi >= 0xD800) {
						return nil, errUnsupported("a value accepts bytes that are not UTF-8 (overlong, surrogate or out of range)")
					}
					rs = append(rs, raw{cpRange{lo, hi}, x.to})
				}
			default:
				if _, ok := l.Step(s, byte(b)); !ok {
					continue // only the search-free Advance takes it
				}
				return nil, errUnsupported(fmt.Sprintf("a value accepts byte 0x%02X, which does not start a UTF-8 character", b))
			}
		}
		// Above ASCII, a leaf that knows where its behaviour changes is
		// asked once per class of code points, through the UTF-8 bytes of
		// the class's first code point.
		for _, c := range classes {
			var buf [4]byte
			n := utf8.EncodeRune(buf[:], c.lo)
			t, ok := s, true
			for _, x := range buf[:n] {
				if t, ok = l.Advance(t, x); !ok {
					break
				}
			}
			if ok && isLive(t) {
				rs = append(rs, raw{c, t})
			}
		}
		slices.SortFunc(rs, func(a, b raw) int { return int(a.r.lo - b.r.lo) })
		for _, r := range rs {
			to, err := add(r.to)
			if err != nil {
				return nil, err
			}
			st.trans = append(st.trans, cpTrans{r.r, to})
		}
		st.trans = mergeTrans(st.trans)
		d.states = append(d.states, st)
	}
	return d.minimize(), nil
}

// runeClasses cut the code points above ASCII at bounds, at the UTF-8
// length changes and around the surrogates.
func runeClasses(bounds []rune) []cpRange {
	pts := []rune{0x80, 0x800, 0xD800, 0xE000, 0x10000, 0x110000}
	for _, b := range bounds {
		if b > 0x80 && b < 0x110000 {
			pts = append(pts, b)
		}
	}
	slices.Sort(pts)
	pts = slices.Compact(pts)
	var out []cpRange
	for i := 0; i+1 < len(pts); i++ {
		if pts[i] == 0xD800 {
			continue // surrogates: no UTF-8
		}
		out = append(out, cpRange{pts[i], pts[i+1] - 1})
	}
	return out
}

func mergeSubs[T any](xs []T, adj func(a, b T) bool, join func(a, b T) T) []T {
	var out []T
	for _, x := range xs {
		if n := len(out); n > 0 && adj(out[n-1], x) {
			out[n-1] = join(out[n-1], x)
			continue
		}
		out = append(out, x)
	}
	return out
}

func mergeTrans(ts []cpTrans) []cpTrans {
	return mergeSubs(ts, func(a, b cpTrans) bool { return a.to == b.to && a.r.hi+1 == b.r.lo },
		func(a, b cpTrans) cpTrans { return cpTrans{cpRange{a.r.lo, b.r.hi}, a.to} })
}

// minimize is Moore's partition refinement; the result is numbered in
// breadth-first order from the start, so equal languages print equally.
func (d *cpDFA) minimize() *cpDFA {
	n := len(d.states)
	class := make([]int, n)
	for i, s := range d.states {
		if s.final {
			class[i] = 1
		}
	}
	for {
		sigs := map[string]int{}
		next := make([]int, n)
		for i, s := range d.states {
			var sb strings.Builder
			fmt.Fprintf(&sb, "%d|", class[i])
			ts := make([]cpTrans, len(s.trans))
			for j, t := range s.trans {
				ts[j] = cpTrans{t.r, class[t.to]}
			}
			for _, t := range mergeTrans(ts) {
				fmt.Fprintf(&sb, "%x-%x:%d,", t.r.lo, t.r.hi, t.to)
			}
			k := sb.String()
			c, ok := sigs[k]
			if !ok {
				c = len(sigs)
				sigs[k] = c
			}
			next[i] = c
		}
		same := len(sigs) == countDistinct(class)
		class = next
		if same {
			break
		}
	}
	// Renumber breadth-first from the start.
	order := map[int]int{class[0]: 0}
	rep := []int{0}
	out := &cpDFA{}
	for i := 0; i < len(rep); i++ {
		s := d.states[rep[i]]
		ns := cpState{final: s.final}
		for _, t := range s.trans {
			c := class[t.to]
			k, ok := order[c]
			if !ok {
				k = len(rep)
				order[c] = k
				rep = append(rep, t.to)
			}
			ns.trans = append(ns.trans, cpTrans{t.r, k})
		}
		ns.trans = mergeTrans(ns.trans)
		out.states = append(out.states, ns)
	}
	return out
}

func countDistinct(xs []int) int {
	m := map[int]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return len(m)
}

// key is a canonical text of the DFA (minimized, breadth-first numbered):
// equal keys, equal languages.
func (d *cpDFA) key() string {
	var sb strings.Builder
	for _, s := range d.states {
		if s.final {
			sb.WriteByte('F')
		}
		for _, t := range s.trans {
			fmt.Fprintf(&sb, "%x-%x:%d,", t.r.lo, t.r.hi, t.to)
		}
		sb.WriteByte(';')
	}
	return sb.String()
}
