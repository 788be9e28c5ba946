package decoder

import (
	"fmt"
	"math/big"
	"regexp/syntax"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// This file makes the byte language of one generation explicit data, so
// that package export can print it as a grammar: the event-level states
// the analysis keeps (event state × message mode), the progs (one NFA per
// way of writing a symbol's event text) between them, and the leaves
// (strings, numbers, patterns) as recognizers that can be explored. It is
// the same data the lazy byte automaton runs on, not a second derivation.

// Language is the set of texts the model may write in one generation (one
// assistant turn) under an Index, from one event state with one binding of
// captured values: the texts after which a Session from there is Done or
// allows an end-of-generation token. States[0] is where the generation
// starts.
type Language struct {
	States []LanguageState
	// Events are the event texts the edges write, by LanguageEdge.Event.
	Events []*EventText
	// Markers are the format's special markers the vocabulary has as
	// tokens (IndexOptions.Markers): byte MarkerByte+k of an event text
	// stands for Markers[k], written only as its token.
	Markers []Marker
}

// Marker is a special marker written as one special token.
type Marker struct {
	Text  string
	Token int
}

// MarkerByte is the byte that stands for Language.Markers[0] inside event
// texts (the next bytes for the next markers); no UTF-8 text contains it.
const MarkerByte = markerBase

// LanguageState is one event-level state of a generation: the event
// automaton's state and the message mode (where in a call list, after
// which kind of event; see Format).
type LanguageState struct {
	Event int
	Mode  int
	// End: the generation may end here (the spec accepts, or the turn may
	// end and the environment move next).
	End  bool
	Next []LanguageEdge
}

// LanguageEdge writes event text Event and leads to state To.
type LanguageEdge struct {
	Event int
	To    int
}

// EventText is one prog: the NFA that spells one symbol's event text in
// one message mode, separator and call-list punctuation included. Nodes
// not Live cannot reach End and write nothing of the language.
type EventText struct {
	// Symbol is the symbol written (the zero Symbol for the close of a
	// call list, which is no event).
	Symbol automata.Symbol
	Close  bool
	Start  int
	Nodes  []TextNode
}

// TextNodeKind says what a TextNode does.
type TextNodeKind uint8

const (
	TextByte  TextNodeKind = iota // one byte in [Lo, Hi], then Next
	TextSplit                     // any of Outs (no byte)
	TextLeaf                      // a text Leaf recognizes, then Next
	TextEnd                       // the event text is complete
)

// TextNode is one node of an EventText.
type TextNode struct {
	Kind   TextNodeKind
	Lo, Hi byte
	Next   int
	Outs   []int
	Leaf   Leaf
	Live   bool // some path from here reaches TextEnd
}

// Leaf is a value recognizer of the byte automaton (a JSON string under its
// schema, a number in its intervals, a pattern, a line of free text),
// exposed as the step function the decoder runs. States are strings
// compared by content; every state Step returns can still reach Final.
type Leaf struct{ l leaf }

// Init is the leaf's start state.
func (l Leaf) Init() string { return l.l.init() }

// Step is the state after byte b, false when b is not allowed there.
func (l Leaf) Step(state string, b byte) (string, bool) { return l.l.step(state, b) }

// Final reports that the leaf's text may end in state.
func (l Leaf) Final(state string) bool { return l.l.final(state) }

// Live reports that some text from state reaches a final state.
func (l Leaf) Live(state string) bool { return l.l.minRem(state) >= 0 }

// ByteVocab is the vocabulary of one token per byte value (token b writes
// byte b), then an end-of-generation token (256), then one special token
// per marker of f (257, 258, … in FormatSpec.Special order). Its Markers
// map gives those tokens as IndexOptions.Markers. Byte-level tests and
// exports run the decoder on it: every byte is a token, so masks are
// byte verdicts.
func ByteVocab(f Format) (*Vocab, map[string]int) {
	v := &Vocab{BOS: -1, EOG: []int{256}}
	for b := range 256 {
		v.Pieces = append(v.Pieces, []byte{byte(b)})
		v.Special = append(v.Special, false)
	}
	v.Pieces = append(v.Pieces, nil)
	v.Special = append(v.Special, true)
	markers := map[string]int{}
	if f.Valid() {
		for _, m := range f.d.Special {
			markers[m] = len(v.Pieces)
			v.Pieces = append(v.Pieces, nil)
			v.Special = append(v.Special, true)
		}
	}
	return v, markers
}

// LanguageOptions say which generation Index.Language describes.
type LanguageOptions struct {
	// FromState is the event state the generation starts in (-1: the event
	// automaton's initial state). It must be reachable from the initial
	// state and able to finish.
	FromState int
	// Captures are the values captured before the turn (`let` names); the
	// predicates that compare with them are bound as a Session binds them
	// when a turn starts (Observe). Nil: none captured, so calls that
	// compare with a captured value are not allowed (fail-closed).
	Captures ltl.Captures
}

// Language is the set of texts one generation may write from
// opts.FromState under opts.Captures, as data. Under a SessionOptions
// tool choice the language would be smaller; Language describes "auto".
func (ix *Index) Language(opts LanguageOptions) (*Language, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	q0 := opts.FromState
	if q0 < 0 {
		q0 = ix.ea.Initial()
	}
	in0 := ix.infoAt(q0, mBegin, 0)
	if in0 == nil {
		return nil, newErr(CodeNotAllowed, "event state %d is not reachable from the initial state %d", q0, ix.ea.Initial())
	}
	bind, err := ix.bindingFor(opts.Captures)
	if err != nil {
		return nil, err
	}
	var bound []int32
	if bind != 0 {
		bound = ix.binds[bind].progs
	}
	lang := &Language{}
	for k, m := range ix.markerText {
		lang.Markers = append(lang.Markers, Marker{Text: m, Token: ix.markerTok[k]})
	}
	type key struct {
		q int
		m msgMode
	}
	idx := map[key]int{}
	events := map[int32]int{}
	var keys []key
	add := func(k key) int {
		if i, ok := idx[k]; ok {
			return i
		}
		idx[k] = len(keys)
		keys = append(keys, k)
		lang.States = append(lang.States, LanguageState{Event: k.q, Mode: int(k.m)})
		return len(keys) - 1
	}
	event := func(pid int32) int {
		if i, ok := events[pid]; ok {
			return i
		}
		events[pid] = len(lang.Events)
		lang.Events = append(lang.Events, ix.eventText(pid))
		return len(lang.Events) - 1
	}
	add(key{q0, mBegin})
	for i := 0; i < len(keys); i++ {
		k := keys[i]
		in := ix.infoAt(k.q, k.m, 0)
		var edges []LanguageEdge
		if in.cost >= 0 {
			for _, pid := range in.model {
				q, m := ix.after(k.q, pid)
				edges = append(edges, LanguageEdge{Event: event(pid), To: add(key{q, m})})
			}
		}
		// Bound progs, as boundStarts adds them at every boundary of the turn.
		for _, pid := range bound {
			p := ix.progs[pid]
			if ix.pinfo[pid].in != k.m || p == nil || ix.pweight[pid] < 0 {
				continue
			}
			q, m := ix.after(k.q, pid)
			if in2 := ix.infoAt(q, m, 0); in2 == nil || in2.cost < 0 {
				continue
			}
			edges = append(edges, LanguageEdge{Event: event(pid), To: add(key{q, m})})
		}
		lang.States[i].Next = edges
		lang.States[i].End = in.cost >= 0 && (in.eog || in.done)
	}
	if !lang.States[0].End && len(lang.States[0].Next) == 0 {
		return nil, newErr(CodeUnsat, "no output of one generation from event state %d satisfies the spec", q0)
	}
	return lang, nil
}

// eventText is prog pid as data. Called with ix.mu held.
func (ix *Index) eventText(pid int32) *EventText {
	p := ix.progs[pid]
	pi := ix.pinfo[pid]
	e := &EventText{Start: int(p.start), Nodes: make([]TextNode, len(p.nodes)), Close: pi.sym < 0}
	if pi.sym >= 0 {
		e.Symbol = ix.syms[pi.sym]
	}
	for i, n := range p.nodes {
		t := TextNode{Next: int(n.next), Live: p.minDist[i] >= 0}
		switch n.kind {
		case nByte:
			t.Kind, t.Lo, t.Hi = TextByte, n.lo, n.hi
		case nSplit:
			t.Kind = TextSplit
			for _, o := range n.outs {
				t.Outs = append(t.Outs, int(o))
			}
		case nLeaf:
			t.Kind, t.Leaf = TextLeaf, Leaf{l: n.leaf}
			if n.relaxed > 0 {
				// A leaf with memory (distinct keys): its relaxed NFA,
				// a superset, is what a grammar can hold.
				t.Kind, t.Leaf, t.Outs = TextSplit, Leaf{}, []int{int(n.relaxed - 1)}
			}
		case nAccept:
			t.Kind = TextEnd
		}
		e.Nodes[i] = t
	}
	return e
}

// StartAt starts a session in event state q (-1: the initial state) with
// the values caps captured before the turn, as Observe starts a turn
// there: the session of the generation Index.Language describes with the
// same options.
func (ix *Index) StartAt(opts LanguageOptions) (*Session, error) {
	q := opts.FromState
	if q < 0 {
		q = ix.ea.Initial()
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	in := ix.infoAt(q, mBegin, 0)
	if in == nil {
		return nil, newErr(CodeNotAllowed, "event state %d is not reachable from the initial state %d", q, ix.ea.Initial())
	}
	bind, err := ix.bindingFor(opts.Captures)
	if err != nil {
		return nil, err
	}
	ix.room(1)
	cur := ix.boundary(int32(q), mBegin, 0, bind)
	return &Session{ix: ix, cur: cur, curSt: ix.states[cur], budget: -1, gen: ix.gen.Load(), caps: opts.Captures}, nil
}

// Key is a key of state such that two states with equal keys accept the
// same texts from there: exploring a leaf by keys stays finite where its
// states are not (a number's state is its whole prefix).
func (l Leaf) Key(state string) string {
	if k, ok := l.l.(keyedLeaf); ok {
		return k.key(state)
	}
	return state
}

type keyedLeaf interface{ key(ls string) string }

// key: a prefix all of whose completions lie in one interval of the set
// accepts exactly the syntactically valid completions, which depend only
// on its shape (digits used, a leading 0, the dot, digits after it), and
// under tojson on whether it is "-0…" or its fraction ends in 0.
func (l *numLeaf) key(ls string) string {
	p, ok := parseNumPrefix(ls, l.integer)
	if !ok || p.ip == "" {
		return ls
	}
	v, ok := new(big.Rat).SetString(p.ip + "." + p.fp + "0")
	if !ok {
		return ls
	}
	// [a, b]: a superset of the values the prefix can complete to.
	a := v
	var b *big.Rat
	if p.dot {
		b = new(big.Rat).Add(v, pow10n[len(p.fp)])
	} else {
		b = new(big.Rat).Mul(new(big.Rat).Add(v, big.NewRat(1, 1)), pow10[maxNumDigits-len(p.ip)])
	}
	if p.neg {
		a, b = neg(b), neg(a)
	}
	for _, iv := range l.ivs {
		loOK := iv.lo == nil || iv.lo.Cmp(a) < 0 || (iv.lo.Cmp(a) == 0 && !iv.loOpen)
		hiOK := iv.hi == nil || iv.hi.Cmp(b) > 0 || (iv.hi.Cmp(b) == 0 && !iv.hiOpen)
		if loOK && hiOK {
			k := fmt.Sprintf("\x00num:%d:%v:%v:%v", len(p.ip)+len(p.fp), p.ip == "0", p.dot, p.fp == "")
			if l.tojson {
				// Under tojson whether the number may end here also
				// depends on "-0" and on a fraction ending in 0 (12.50).
				k += fmt.Sprintf(":%v:%v", p.neg && p.ip == "0", len(p.fp) >= 2 && p.fp[len(p.fp)-1] == '0')
			}
			return k
		}
	}
	return ls
}

// Advance is Step without its liveness check where the leaf has one that
// searches (patterns that must not match, joint constraints): the state
// after b, which may be unable to finish. Step is Advance followed by Live
// (a search that is bounded, so Live may refuse a state some text could
// still finish); explorers use Advance only where they ask Live next.
func (l Leaf) Advance(state string, b byte) (string, bool) {
	switch x := l.l.(type) {
	case *regexAvoidLeaf:
		return x.advance(state, b)
	case *regexNotLeaf:
		return x.advance(state, b)
	case *andLeaf:
		return x.raw(state, b)
	}
	return l.l.step(state, b)
}

// RuneBounds are the code points where the leaf's behaviour may change
// (sorted, possibly repeated): every code point of [b_i, b_i+1) above
// ASCII, encoded in UTF-8 of one length, leads from a state to the same
// state. False when the leaf cannot say (case-folded patterns): then every
// code point must be explored.
func (l Leaf) RuneBounds() ([]rune, bool) { return runeBounds(l.l) }

func runeBounds(l leaf) ([]rune, bool) {
	switch x := l.(type) {
	case *numLeaf:
		return nil, true
	case *strLeaf:
		return stringBounds(x.members()...), true
	case *blockLeaf:
		return stringBounds(x.tag), true
	case *regexLeaf:
		return x.bounds()
	case *regexAvoidLeaf:
		return x.re.bounds()
	case *regexNotLeaf:
		b, ok := x.re.bounds()
		return append(b, stringBounds(x.lits...)...), ok
	case *andLeaf:
		var out []rune
		for _, p := range x.parts {
			b, ok := runeBounds(p)
			if !ok {
				return nil, false
			}
			out = append(out, b...)
		}
		return out, true
	}
	return nil, false
}

func stringBounds(ss ...string) []rune {
	var out []rune
	for _, s := range ss {
		for _, r := range s {
			out = append(out, r, r+1)
		}
	}
	return out
}

func (l *regexLeaf) bounds() ([]rune, bool) {
	var out []rune
	for _, in := range l.prog.Inst {
		switch in.Op {
		case syntax.InstRune:
			if syntax.Flags(in.Arg)&syntax.FoldCase != 0 {
				return nil, false
			}
			for i := 0; i+1 < len(in.Rune); i += 2 {
				out = append(out, in.Rune[i], in.Rune[i+1]+1)
			}
			if len(in.Rune) == 1 {
				out = append(out, in.Rune[0], in.Rune[0]+1)
			}
		case syntax.InstRune1:
			out = append(out, in.Rune[0], in.Rune[0]+1)
		case syntax.InstRuneAnyNotNL:
			out = append(out, '\n', '\n'+1)
		}
	}
	return out, true
}
