package decoder

import (
	"encoding/binary"
	"slices"
	"strings"
)

// This file holds the byte level of the decoder: one small NFA ("prog") per
// event symbol that spells the symbol's event text, and the lazily built
// composite automaton whose states are (event state, set of NFA
// configurations). The set is a subset construction over the symbols that
// can still be meant, so a call is committed to a symbol (minterm) only when
// its text is complete.

type nodeKind uint8

const (
	nByte   nodeKind = iota // one byte in [lo, hi], then next
	nSplit                  // epsilon to every out
	nLeaf                   // a leaf recognizer (string, number), then next
	nAccept                 // the event text is complete
)

type nnode struct {
	kind   nodeKind
	lo, hi byte
	next   int32
	outs   []int32
	leaf   leaf
	// relaxed is 1 + the start of an NFA that spells a superset of leaf's
	// texts, then continues at next (0: none); package export prints it
	// where the leaf holds memory a grammar cannot (membersLeaf).
	relaxed int32
}

// prog is the NFA of one symbol's event text. minDist[pc] is the fewest bytes
// from pc to nAccept (-1: cannot complete), computed once the prog is built.
type prog struct {
	nodes   []nnode
	start   int32
	minDist []int32
}

// maxProgNodes bounds a single symbol's NFA (unrolled arrays and objects).
const maxProgNodes = 1 << 18

// leaf is a recognizer with its own state, encoded as a string so that
// configurations stay comparable. Every state a leaf returns from step is
// live: minRem(state) >= 0.
type leaf interface {
	init() string
	// step returns the state after b, or false when b is not allowed or
	// would lead to a state that cannot finish.
	step(ls string, b byte) (string, bool)
	// final reports that the leaf may end here (its next node follows).
	final(ls string) bool
	// minRem is the fewest bytes to a final state, -1 when none is reachable.
	minRem(ls string) int
}

type builder struct {
	p   *prog
	err error
}

func newBuilder() *builder {
	b := &builder{p: &prog{}}
	return b
}

func (b *builder) add(n nnode) int32 {
	if len(b.p.nodes) >= maxProgNodes && b.err == nil {
		b.err = limitErr("a call's byte automaton exceeds %d nodes (limit maxProgNodes): reduce maxItems or schema size", maxProgNodes)
	}
	b.p.nodes = append(b.p.nodes, n)
	return int32(len(b.p.nodes) - 1)
}

func (b *builder) accept() int32 { return b.add(nnode{kind: nAccept}) }

// lit spells s, then continues at next.
func (b *builder) lit(s string, next int32) int32 {
	for i := len(s) - 1; i >= 0; i-- {
		next = b.add(nnode{kind: nByte, lo: s[i], hi: s[i], next: next})
	}
	return next
}

func (b *builder) split(outs ...int32) int32 {
	outs = slices.DeleteFunc(slices.Clone(outs), func(o int32) bool { return o < 0 })
	switch len(outs) {
	case 0:
		return -1
	case 1:
		return outs[0]
	}
	return b.add(nnode{kind: nSplit, outs: outs})
}

// placeholder is a split whose outs are filled later (loops).
func (b *builder) placeholder() int32 { return b.add(nnode{kind: nSplit}) }

func (b *builder) fill(pc int32, outs ...int32) {
	b.p.nodes[pc].outs = slices.DeleteFunc(slices.Clone(outs), func(o int32) bool { return o < 0 })
}

func (b *builder) leafNode(l leaf, next int32) int32 {
	return b.add(nnode{kind: nLeaf, leaf: l, next: next})
}

// relaxedLeafNode is leafNode with the NFA relaxed (spelling a superset of
// l's texts, then next) kept for export; -1 when either is missing.
func (b *builder) relaxedLeafNode(l leaf, relaxed, next int32) int32 {
	if relaxed < 0 || next < 0 {
		return -1
	}
	return b.add(nnode{kind: nLeaf, leaf: l, next: next, relaxed: relaxed + 1})
}

// finish computes minDist by relaxation (Bellman-Ford; progs are small and
// mostly acyclic) and returns the prog.
func (b *builder) finish(start int32) (*prog, error) {
	if b.err != nil {
		return nil, b.err
	}
	p := b.p
	p.start = start
	const inf = int32(1 << 30)
	d := make([]int32, len(p.nodes))
	leafCost := make([]int32, len(p.nodes))
	for i := range d {
		d[i] = inf
		if n := &p.nodes[i]; n.kind == nLeaf {
			if r := n.leaf.minRem(n.leaf.init()); r >= 0 {
				leafCost[i] = int32(r)
			} else {
				leafCost[i] = inf
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for i := len(p.nodes) - 1; i >= 0; i-- {
			n := &p.nodes[i]
			v := inf
			switch n.kind {
			case nAccept:
				v = 0
			case nByte:
				if d[n.next] < inf {
					v = d[n.next] + 1
				}
			case nLeaf:
				if d[n.next] < inf && leafCost[i] < inf {
					v = d[n.next] + leafCost[i]
				}
			case nSplit:
				for _, o := range n.outs {
					v = min(v, d[o])
				}
			}
			if v < d[i] {
				d[i] = v
				changed = true
			}
		}
	}
	for i := range d {
		if d[i] == inf {
			d[i] = -1
		}
	}
	p.minDist = d
	return p, nil
}

// config is one NFA thread: the symbol it spells, its node, its leaf state.
type config struct {
	sym int32
	pc  int32
	ls  string
}

func cmpConfig(a, b config) int {
	if a.sym != b.sym {
		return int(a.sym - b.sym)
	}
	if a.pc != b.pc {
		return int(a.pc - b.pc)
	}
	return strings.Compare(a.ls, b.ls)
}

// remaining is the fewest bytes to finish the event text from c, -1 if none.
func (c config) remaining(p *prog) int {
	n := &p.nodes[c.pc]
	if n.kind == nLeaf {
		r := n.leaf.minRem(c.ls)
		if r < 0 || p.minDist[n.next] < 0 {
			return -1
		}
		return r + int(p.minDist[n.next])
	}
	return int(p.minDist[c.pc])
}

// closure adds the epsilon successors of cfgs, drops threads that cannot
// complete, and returns the set sorted and deduplicated.
func closure(progs []*prog, cfgs []config) []config {
	out := make([]config, 0, len(cfgs))
	seen := make(map[config]bool, len(cfgs))
	work := slices.Clone(cfgs)
	for len(work) > 0 {
		c := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[c] {
			continue
		}
		seen[c] = true
		p := progs[c.sym]
		if p.minDist[c.pc] < 0 {
			continue
		}
		n := &p.nodes[c.pc]
		switch n.kind {
		case nSplit:
			for _, o := range n.outs {
				work = append(work, enter(p, c.sym, o))
			}
			continue
		case nLeaf:
			if c.remaining(p) < 0 {
				continue
			}
			if n.leaf.final(c.ls) {
				work = append(work, enter(p, c.sym, n.next))
			}
		}
		out = append(out, c)
	}
	slices.SortFunc(out, cmpConfig)
	return out
}

// enter is the configuration at pc with a fresh leaf state if pc is a leaf.
func enter(p *prog, sym int32, pc int32) config {
	c := config{sym: sym, pc: pc}
	if n := &p.nodes[pc]; n.kind == nLeaf {
		c.ls = n.leaf.init()
	}
	return c
}

// stepConfigs advances every thread by b. accepted is the symbol of a thread
// that completed its event text (-1 if none); event texts are prefix-free
// (each ends with a newline that no thread consumes mid-text), so the other
// threads are dropped then.
func stepConfigs(progs []*prog, cfgs []config, b byte) (next []config, accepted int32) {
	var moved []config
	for _, c := range cfgs {
		p := progs[c.sym]
		n := &p.nodes[c.pc]
		switch n.kind {
		case nByte:
			if n.lo <= b && b <= n.hi {
				moved = append(moved, enter(p, c.sym, n.next))
			}
		case nLeaf:
			if ls, ok := n.leaf.step(c.ls, b); ok {
				moved = append(moved, config{sym: c.sym, pc: c.pc, ls: ls})
			}
		}
	}
	if len(moved) == 0 {
		return nil, -1
	}
	next = closure(progs, moved)
	for _, c := range next {
		if progs[c.sym].nodes[c.pc].kind == nAccept {
			return nil, c.sym
		}
	}
	return next, -1
}

// Composite byte states.

const (
	kEvent uint8 = iota // inside an event (or at its boundary: bound is set)
	kEnded              // an end-of-generation token was accepted
)

type bstate struct {
	q     int32 // event state
	kind  uint8
	bound bool     // at an event boundary: no byte of the next event yet
	bind  uint32   // the binding of captured values this turn writes under (0: none; see Index.bindings)
	cfgs  []config // threads of the current event (at a boundary: the start threads)
	trans []int32  // per byte: 0 unknown, -1 dead, else id+1 (allocated lazily)
	cost  int32    // upper bound on the model tokens needed to finish the run acceptably
	eog   bool     // an EOG token is allowed here
	// eogCost: tokens to finish the run if EOG is chosen here (EOG itself
	// plus, at a turn end, the worst cost after the environment's step).
	eogCost int32
	done    bool // the model can produce nothing more in this turn
	// completes[b] is the symbol whose event the byte b completes (-1 none);
	// filled with trans.
	completes []int32
}

func stateKey(q int32, kind uint8, bound bool, bind uint32, cfgs []config) string {
	var sb strings.Builder
	var buf [binary.MaxVarintLen64]byte
	sb.Write(buf[:binary.PutVarint(buf[:], int64(q))])
	sb.Write(buf[:binary.PutUvarint(buf[:], uint64(bind))])
	sb.WriteByte(kind)
	if bound {
		sb.WriteByte(1)
	} else {
		sb.WriteByte(0)
	}
	for _, c := range cfgs {
		sb.Write(buf[:binary.PutVarint(buf[:], int64(c.sym))])
		sb.Write(buf[:binary.PutVarint(buf[:], int64(c.pc))])
		sb.Write(buf[:binary.PutVarint(buf[:], int64(len(c.ls)))])
		sb.WriteString(c.ls)
	}
	return sb.String()
}
