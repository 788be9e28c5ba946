package decoder

import (
	"errors"
)

// byteBackend is a model over testVocab: token b < 256 is byte b, so
// Tokenize is one token per byte; its logits are a fixed pseudo-random
// function of the position, so runs are deterministic.
type byteBackend struct {
	vocab *Vocab
	seq   []int
	nctx  int
	buf   []float32
}

func (f *byteBackend) Vocab() *Vocab { return f.vocab }
func (f *byteBackend) Tokenize(s string, _, _ bool) ([]int, error) {
	out := make([]int, len(s))
	for i := range len(s) {
		out[i] = int(s[i])
	}
	return out, nil
}
func (f *byteBackend) Decode(toks []int) error {
	if len(f.seq)+len(toks) > f.nctx {
		return errors.New("context full")
	}
	f.seq = append(f.seq, toks...)
	return nil
}
func (f *byteBackend) Logits() []float32 {
	if f.buf == nil {
		f.buf = make([]float32, f.vocab.Size())
	}
	x := uint32(len(f.seq))*2654435761 + 1
	for i := range f.buf {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		f.buf[i] = float32(x%1000) / 100
	}
	return f.buf
}
func (f *byteBackend) ContextSize() int     { return f.nctx }
func (f *byteBackend) Position() int        { return len(f.seq) }
func (f *byteBackend) Reset() error         { f.seq = nil; return nil }
func (f *byteBackend) ChatTemplate() string { return "" }
func (f *byteBackend) Close() error         { return nil }
