package decoder

import (
	"bytes"
	"slices"
)

// Trie is a byte trie over a vocabulary's token pieces. It knows nothing of
// grammars or models: Walk drives any byte recognizer over it, so a state's
// token mask costs one recognizer step per trie edge instead of one per byte
// of every token (tokens share prefixes, so this is several times fewer).
//
// Layout: nodes are stored in preorder with children in byte order, so the
// subtree of node i is the contiguous range [i, nodes[i].next). Walk is then a
// single loop over an array that skips a whole subtree when the recognizer
// rejects its edge; no maps, no recursion, no per-node allocation.
type Trie struct {
	nodes    []trieNode // nodes[0] is the root (the empty prefix)
	toks     []int32    // token ids, grouped by the node their piece ends at
	maxDepth int
	size     int // vocabulary size
}

type trieNode struct {
	next  uint32 // index of the first node after this node's subtree
	tok0  uint32 // this node's tokens are toks[tok0:nodes[i+1].tok0]
	depth uint16 // length of the prefix this node spells
	b     byte   // the edge label from the parent
}

// maxTrieDepth bounds a token piece's length; real vocabularies stay under
// a few hundred bytes and the node stores depth in 16 bits.
const maxTrieDepth = 1<<16 - 1

// NewTrie builds the trie of v's non-empty pieces. Tokens with empty pieces
// (control tokens) are not in the trie and Walk never emits them. Pieces longer
// than 65535 bytes are left out too (no real tokenizer has one).
func NewTrie(v *Vocab) *Trie {
	ids := make([]int32, 0, len(v.Pieces))
	for id, p := range v.Pieces {
		if len(p) > 0 && len(p) <= maxTrieDepth {
			ids = append(ids, int32(id))
		}
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if c := bytes.Compare(v.Pieces[a], v.Pieces[b]); c != 0 {
			return c
		}
		return int(a - b)
	})
	t := &Trie{size: len(v.Pieces)}
	t.nodes = append(t.nodes, trieNode{})
	// open[d] is the index of the node at depth d on the current path.
	open := []int{0}
	var prev []byte
	for _, id := range ids {
		p := v.Pieces[id]
		lcp := 0
		for lcp < len(prev) && lcp < len(p) && prev[lcp] == p[lcp] {
			lcp++
		}
		// Close the nodes deeper than the shared prefix: their subtrees end here.
		for d := len(open) - 1; d > lcp; d-- {
			t.nodes[open[d]].next = uint32(len(t.nodes))
		}
		open = open[:lcp+1]
		for d := lcp; d < len(p); d++ {
			open = append(open, len(t.nodes))
			t.nodes = append(t.nodes, trieNode{tok0: uint32(len(t.toks)), depth: uint16(d + 1), b: p[d]})
		}
		t.toks = append(t.toks, id)
		t.maxDepth = max(t.maxDepth, len(p))
		prev = p
	}
	for d := len(open) - 1; d >= 0; d-- {
		t.nodes[open[d]].next = uint32(len(t.nodes))
	}
	// Sentinel so that nodes[i+1].tok0 bounds the last node's tokens.
	t.nodes = append(t.nodes, trieNode{tok0: uint32(len(t.toks))})
	return t
}

// NumNodes is the number of trie nodes, the root included.
func (t *Trie) NumNodes() int { return len(t.nodes) - 1 }

// VocabSize is the size of the vocabulary the trie was built from.
func (t *Trie) VocabSize() int { return t.size }

// MaxDepth is the length in bytes of the longest piece.
func (t *Trie) MaxDepth() int { return t.maxDepth }

// Walk runs a byte recognizer over every token of the trie, starting each
// token in state start. step(s, b) returns the state after byte b and whether
// b is allowed in s; it is called once per trie edge reached, in depth-first
// byte order, and never again below a rejected edge. emit(token, end) is
// called for every token whose whole piece is accepted, with the state after
// its last byte; tokens come in byte order of their pieces.
func Walk[S comparable](t *Trie, start S, step func(S, byte) (S, bool), emit func(token int, end S)) {
	nodes := t.nodes
	toks := t.toks
	n := len(nodes) - 1
	states := make([]S, t.maxDepth+1)
	states[0] = start
	for i := 1; i < n; {
		nd := nodes[i]
		s, ok := step(states[nd.depth-1], nd.b)
		if !ok {
			i = int(nd.next)
			continue
		}
		states[nd.depth] = s
		i++
		// Most nodes end no token or exactly one.
		for k, end := nd.tok0, nodes[i].tok0; k < end; k++ {
			emit(int(toks[k]), s)
		}
	}
}
