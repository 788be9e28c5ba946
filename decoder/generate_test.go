package decoder

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// fakeBackend is a 6-token model whose logits favour token (position % 4);
// token 5 is EOG. It counts Logits reads so tests see fast-forwarding.
type fakeBackend struct {
	vocab   *Vocab
	seq     []int
	nctx    int
	reads   int
	decodes int
}

func newFake(nctx int) *fakeBackend {
	return &fakeBackend{nctx: nctx, vocab: &Vocab{
		Pieces:  [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d"), []byte("1"), nil},
		Special: []bool{false, false, false, false, false, true},
		EOG:     []int{5}, BOS: -1,
	}}
}

func (f *fakeBackend) Vocab() *Vocab                              { return f.vocab }
func (f *fakeBackend) Tokenize(string, bool, bool) ([]int, error) { return nil, errors.New("unused") }
func (f *fakeBackend) Decode(toks []int) error {
	if len(f.seq)+len(toks) > f.nctx {
		return errors.New("context full")
	}
	f.seq = append(f.seq, toks...)
	f.decodes++
	return nil
}
func (f *fakeBackend) Logits() []float32 {
	f.reads++
	l := make([]float32, 6)
	l[len(f.seq)%4] = 10
	return l
}
func (f *fakeBackend) ContextSize() int     { return f.nctx }
func (f *fakeBackend) Position() int        { return len(f.seq) }
func (f *fakeBackend) Reset() error         { f.seq = nil; return nil }
func (f *fakeBackend) ChatTemplate() string { return "" }
func (f *fakeBackend) Close() error         { return nil }

// script forces its tokens in order, then allows only EOG.
type script struct {
	forced  []int
	i       int
	done    bool
	budgets []int
	masks   int
}

func (s *script) ApplyMask(l []float32) {
	s.masks++
	for i := range l {
		if i != 5 {
			l[i] = negInf
		}
	}
}
func (s *script) Forced() (int, bool) {
	if s.i < len(s.forced) {
		return s.forced[s.i], true
	}
	return 0, false
}
func (s *script) Accept(tok int) error {
	if s.i < len(s.forced) {
		if tok != s.forced[s.i] {
			return errors.New("not the forced token")
		}
		s.i++
		return nil
	}
	if tok != 5 {
		return errors.New("want EOG")
	}
	s.done = true
	return nil
}
func (s *script) Done() bool      { return s.done }
func (s *script) SetBudget(n int) { s.budgets = append(s.budgets, n) }

func TestGenerateUnconstrainedStops(t *testing.T) {
	f := newFake(100)
	var seen []int
	res, err := Generate(context.Background(), f, nil, []int{0}, GenerateOptions{MaxTokens: 6, OnToken: func(tok int, _ []byte) { seen = append(seen, tok) }})
	if err != nil {
		t.Fatal(err)
	}
	// After the prompt (1 token) the argmax is position%4: 1,2,3,0,1,2.
	if got := string(res.Text); got != "bcdabc" || res.Stop != StopMaxTokens || !equalInts(seen, res.Tokens) {
		t.Errorf("text %q stop %q seen %v", got, res.Stop, seen)
	}
	if !equalInts(f.seq[1:], res.Tokens) {
		t.Errorf("sequence %v does not hold the generated tokens %v", f.seq, res.Tokens)
	}
	f = newFake(5)
	res, err = Generate(context.Background(), f, nil, []int{0, 0}, GenerateOptions{})
	if err != nil || len(res.Tokens) != 3 || res.Stop != StopContext || len(f.seq) != 5 {
		t.Errorf("context stop: %v tokens %v stop %q seq %v", err, res.Tokens, res.Stop, f.seq)
	}
}

func TestGenerateFastForwardsForcedTokens(t *testing.T) {
	f := newFake(100)
	c := &script{forced: []int{4, 4, 4}}
	res, err := Generate(context.Background(), f, c, []int{0}, GenerateOptions{MaxTokens: 10})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Text) != "111" || res.Stop != StopEOG || res.Forced != 3 {
		t.Errorf("text %q stop %q forced %d", res.Text, res.Stop, res.Forced)
	}
	// Logits were read once (for the EOG), not for the forced tokens; the
	// forced tokens (and the EOG) still reached the model.
	if f.reads != 1 || c.masks != 1 || !equalInts(f.seq, []int{0, 4, 4, 4, 5}) {
		t.Errorf("reads %d masks %d seq %v", f.reads, c.masks, f.seq)
	}
	if !equalInts(c.budgets, []int{10, 9, 8, 7}) || len(res.MaskTime) != 4 {
		t.Errorf("budgets %v, %d mask times", c.budgets, len(res.MaskTime))
	}
}

func TestGenerateErrors(t *testing.T) {
	f := newFake(4)
	if _, err := Generate(context.Background(), f, nil, []int{0, 1, 2, 3, 0}, GenerateOptions{}); err == nil || !strings.Contains(err.Error(), "ContextSize") {
		t.Errorf("long prompt: %v", err)
	}
	if _, err := Generate(context.Background(), newFake(9), nil, nil, GenerateOptions{}); err == nil {
		t.Error("empty prompt accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, newFake(9), nil, []int{0}, GenerateOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	// A constraint that allows nothing stops generation with ErrAllMasked.
	if _, err := Generate(context.Background(), newFake(9), maskAll{}, []int{0}, GenerateOptions{}); !errors.Is(err, ErrAllMasked) {
		t.Errorf("all masked: %v", err)
	}
}

type maskAll struct{}

func (maskAll) ApplyMask(l []float32) {
	for i := range l {
		l[i] = negInf
	}
}
func (maskAll) Forced() (int, bool) { return 0, false }
func (maskAll) Accept(int) error    { return nil }
func (maskAll) Done() bool          { return false }
func (maskAll) SetBudget(int)       {}
