package llama

import (
	"math"

	"github.com/specplan/specplan/decoder"

	ollama "github.com/ollama/ollama/llama"
)

// GBNF is llama.cpp's own grammar sampler over this model's vocabulary. It
// exists so that benchmarks can put llama.cpp's per-token grammar cost next
// to the decoder's mask on the same model and logits.
type GBNF struct {
	g    *ollama.Grammar
	data []ollama.TokenData
}

// NewGBNF compiles a GBNF grammar (root rule "root") for this vocabulary.
func (m *Model) NewGBNF(grammar string) (*GBNF, error) {
	if m.closed {
		return nil, m.errClosed()
	}
	n := m.vocab.Size()
	ids := make([]uint32, n)
	pieces := make([]string, n)
	for i := range n {
		ids[i] = uint32(i)
		pieces[i] = string(m.vocab.Pieces[i])
	}
	eog := make([]int32, len(m.vocab.EOG))
	for i, e := range m.vocab.EOG {
		eog[i] = int32(e)
	}
	takeRecentLog()
	g := ollama.NewGrammar(grammar, ids, pieces, eog)
	if g == nil {
		msg := "llama.cpp cannot parse the grammar"
		if r := takeRecentLog(); r != "" {
			msg += " (" + r + ")"
		}
		return nil, &Error{Code: ErrGrammar, Path: m.path, Msg: msg}
	}
	return &GBNF{g: g, data: make([]ollama.TokenData, n)}, nil
}

// Apply sets the logits of the tokens the grammar rejects to -Inf, in place.
func (g *GBNF) Apply(logits []float32) {
	d := g.data[:len(logits)]
	for i, l := range logits {
		d[i] = ollama.TokenData{ID: int32(i), Logit: l}
	}
	g.g.Apply(d)
	for i := range d {
		if math.IsInf(float64(d[i].Logit), -1) {
			logits[i] = d[i].Logit
		}
	}
}

// Accept advances the grammar past token.
func (g *GBNF) Accept(token int) { g.g.Accept(int32(token)) }

// Close frees the grammar.
func (g *GBNF) Close() { g.g.Free() }

// NewGBNFVocab compiles a GBNF grammar (root rule "root") for vocabulary v
// without a model: llama.cpp's grammar engine needs only the tokens'
// pieces and the end-of-generation ids. llama.cpp refuses every token
// whose piece is empty, so special tokens that token references (<[id]>)
// should match need their text in special (their piece in Vocab is
// empty). Exported grammars are checked with it on a one-token-per-byte
// vocabulary.
func NewGBNFVocab(grammar string, v *decoder.Vocab, special map[int]string) (*GBNF, error) {
	n := v.Size()
	ids := make([]uint32, n)
	pieces := make([]string, n)
	for i := range n {
		ids[i] = uint32(i)
		pieces[i] = string(v.Pieces[i])
		if t, ok := special[i]; ok && pieces[i] == "" {
			pieces[i] = t
		}
	}
	eog := make([]int32, len(v.EOG))
	for i, e := range v.EOG {
		eog[i] = int32(e)
	}
	takeRecentLog()
	g := ollama.NewGrammar(grammar, ids, pieces, eog)
	if g == nil {
		msg := "llama.cpp cannot parse the grammar"
		if r := takeRecentLog(); r != "" {
			msg += " (" + r + ")"
		}
		return nil, &Error{Code: ErrGrammar, Msg: msg}
	}
	return &GBNF{g: g, data: make([]ollama.TokenData, n)}, nil
}

// Allows reports whether the grammar allows token tok next (an
// end-of-generation token: whether the text may end here).
func (g *GBNF) Allows(tok int) bool {
	logits := make([]float32, len(g.data))
	g.Apply(logits)
	return !math.IsInf(float64(logits[tok]), -1)
}
