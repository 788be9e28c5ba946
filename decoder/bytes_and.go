package decoder

import (
	"container/heap"
	"encoding/binary"
	"strings"
)

// andLeaf recognizes the strings every one of its parts recognizes (a
// pattern with minLength/maxLength, a format with a pattern, several
// patterns from allOf). All parts read the same JSON string text, so they
// stay in step byte by byte. The state is the parts' states side by side.
//
// Liveness is decided jointly, not per part: minRem runs an A* search
// over joint states (bytes as edges, the largest part's minRem as the
// admissible estimate) and gives up after maxAndExpansions states, which
// then count as dead. Giving up only drops strings, so the leaf stays
// sound and every state it returns can still finish.
type andLeaf struct {
	parts []leaf
	memo  map[string]int // guarded by the Index lock
}

// maxAndExpansions bounds one minRem search of an andLeaf.
const maxAndExpansions = 4096

func newAndLeaf(parts ...leaf) *andLeaf {
	return &andLeaf{parts: parts, memo: map[string]int{}}
}

func encAnd(states []string) string {
	var sb strings.Builder
	var buf [binary.MaxVarintLen64]byte
	for _, s := range states {
		sb.Write(buf[:binary.PutUvarint(buf[:], uint64(len(s)))])
		sb.WriteString(s)
	}
	return sb.String()
}

func decAnd(ls string, n int) []string {
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		l, k := binary.Uvarint([]byte(ls))
		ls = ls[k:]
		out = append(out, ls[:l])
		ls = ls[l:]
	}
	return out
}

func (l *andLeaf) init() string {
	st := make([]string, len(l.parts))
	for i, p := range l.parts {
		st[i] = p.init()
	}
	return encAnd(st)
}

func (l *andLeaf) final(ls string) bool {
	for i, s := range decAnd(ls, len(l.parts)) {
		if !l.parts[i].final(s) {
			return false
		}
	}
	return true
}

// raw steps every part without the joint liveness check.
func (l *andLeaf) raw(ls string, b byte) (string, bool) {
	st := decAnd(ls, len(l.parts))
	for i, s := range st {
		n, ok := l.parts[i].step(s, b)
		if !ok {
			return "", false
		}
		st[i] = n
	}
	return encAnd(st), true
}

func (l *andLeaf) step(ls string, b byte) (string, bool) {
	n, ok := l.raw(ls, b)
	if !ok || l.minRem(n) < 0 {
		return "", false
	}
	return n, true
}

func (l *andLeaf) estimate(ls string) int {
	h := 0
	for i, s := range decAnd(ls, len(l.parts)) {
		r := l.parts[i].minRem(s)
		if r < 0 {
			return -1
		}
		h = max(h, r)
	}
	return h
}

type andItem struct {
	ls   string
	g, f int
}

type andQueue []andItem

func (q andQueue) Len() int           { return len(q) }
func (q andQueue) Less(i, j int) bool { return q[i].f < q[j].f }
func (q andQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *andQueue) Push(x any)        { *q = append(*q, x.(andItem)) }
func (q *andQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

func (l *andLeaf) minRem(ls string) int {
	if r, ok := l.memo[ls]; ok {
		return r
	}
	r := l.search(ls)
	l.memo[ls] = r
	return r
}

func (l *andLeaf) search(start string) int {
	h := l.estimate(start)
	if h < 0 {
		return -1
	}
	best := map[string]int{start: 0}
	q := &andQueue{{ls: start, g: 0, f: h}}
	for expanded := 0; q.Len() > 0; expanded++ {
		if expanded >= maxAndExpansions {
			return -1
		}
		it := heap.Pop(q).(andItem)
		if it.g > best[it.ls] {
			continue
		}
		if l.final(it.ls) {
			return it.g
		}
		if r, ok := l.memo[it.ls]; ok && it.ls != start {
			if r >= 0 {
				return it.g + r
			}
			continue
		}
		for b := 0; b < 256; b++ {
			n, ok := l.raw(it.ls, byte(b))
			if !ok {
				continue
			}
			g := it.g + 1
			if old, seen := best[n]; seen && old <= g {
				continue
			}
			e := l.estimate(n)
			if e < 0 {
				continue
			}
			best[n] = g
			heap.Push(q, andItem{ls: n, g: g, f: g + e})
		}
	}
	return -1
}

func (l *andLeaf) resetMemo() {
	l.memo = map[string]int{}
	for _, p := range l.parts {
		if m, ok := p.(memoLeaf); ok {
			m.resetMemo()
		}
	}
}
