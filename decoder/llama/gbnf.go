package llama

import (
	"math"

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
