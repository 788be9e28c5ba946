package decoder

import (
	"context"
	"errors"
	"testing"
	"time"
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

func benchTestIndex(t *testing.T) *Index {
	t.Helper()
	vocab := testVocab(boundaryPieces...)
	ix, err := NewIndex(reactDFA("search"), vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON, Tools: schemas("search", `{"type": "object", "properties": {"q": {"type": "string", "maxLength": 20}}, "required": ["q"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestBenchMasksCoversWalks: the walks reach the environment, every visited
// state gets one first-visit sample (the Index is fresh), each visited state
// is looked up CachedRepeats times, and the percentiles are ordered.
func TestBenchMasksCoversWalks(t *testing.T) {
	ix := benchTestIndex(t)
	st, err := BenchMasks(ix, MaskBenchOptions{Walks: 6, Steps: 80, Seed: 3, CachedRepeats: 4})
	if err != nil {
		t.Fatal(err)
	}
	if st.VocabSize != ix.vocab.Size() {
		t.Errorf("VocabSize = %d, want %d", st.VocabSize, ix.vocab.Size())
	}
	if st.Visited == 0 || st.Tokens == 0 {
		t.Fatalf("walks visited %d states with %d tokens", st.Visited, st.Tokens)
	}
	if st.Observations == 0 {
		t.Error("no walk reached an environment turn")
	}
	if st.First.N != st.Visited {
		t.Errorf("first-visit samples = %d, want one per visited state (%d)", st.First.N, st.Visited)
	}
	if st.Cached.N != 4*st.Visited || st.Apply.N != st.Visited {
		t.Errorf("cached samples = %d, apply samples = %d, visited %d", st.Cached.N, st.Apply.N, st.Visited)
	}
	for name, p := range map[string]Percentiles{"first": st.First, "cached": st.Cached, "apply": st.Apply} {
		if p.P50 > p.P99 || p.P50 < 0 {
			t.Errorf("%s: p50 %v, p99 %v", name, p.P50, p.P99)
		}
	}
	if st.IndexBytes != st.CacheBytes+st.StateBytes || st.CacheBytes <= 0 || st.StateBytes <= 0 {
		t.Errorf("index bytes %d = cache %d + states %d?", st.IndexBytes, st.CacheBytes, st.StateBytes)
	}
	// A second run on the same Index finds every mask cached.
	again, err := BenchMasks(ix, MaskBenchOptions{Walks: 6, Steps: 80, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if again.First.N != 0 {
		t.Errorf("second run on a warm Index: %d first-visit samples, want 0", again.First.N)
	}
}

// TestBenchGenerateShape: both modes produce tokens, one measurement per
// repetition each, and the ratio is the quotient of the medians.
func TestBenchGenerateShape(t *testing.T) {
	ix := benchTestIndex(t)
	b := &byteBackend{vocab: ix.vocab, nctx: 4096}
	st, err := BenchGenerate(context.Background(), b, ix, []int{'H', 'i'}, GenBenchOptions{Tokens: 40, Reps: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.UnconstrainedRuns) != 3 || len(st.ConstrainedRuns) != 3 {
		t.Fatalf("runs: %d unconstrained, %d constrained, want 3 each", len(st.UnconstrainedRuns), len(st.ConstrainedRuns))
	}
	if st.Unconstrained <= 0 || st.Constrained <= 0 {
		t.Fatalf("tokens/s: unconstrained %v, constrained %v", st.Unconstrained, st.Constrained)
	}
	if st.Ratio != st.Constrained/st.Unconstrained {
		t.Errorf("ratio %v != %v / %v", st.Ratio, st.Constrained, st.Unconstrained)
	}
	if st.Unconstrained != median(st.UnconstrainedRuns) || st.Constrained != median(st.ConstrainedRuns) {
		t.Errorf("medians: %v of %v, %v of %v", st.Unconstrained, st.UnconstrainedRuns, st.Constrained, st.ConstrainedRuns)
	}
	if st.ConstraintShare <= 0 || st.ConstraintShare > 1 {
		t.Errorf("constraint share %v", st.ConstraintShare)
	}
}

func TestPercentilesNearestRank(t *testing.T) {
	var ds []int64
	for i := 1; i <= 100; i++ {
		ds = append(ds, int64(i)*1000)
	}
	p := percentiles(toDurations(ds))
	if p.P50 != 50 || p.P99 != 99 || p.N != 100 {
		t.Errorf("percentiles of 1..100 µs = %+v, want p50 50, p99 99", p)
	}
	if p := percentiles(nil); p != (Percentiles{}) {
		t.Errorf("percentiles(nil) = %+v", p)
	}
	if m := median([]float64{3, 1, 2, 10}); m != 2.5 {
		t.Errorf("median = %v, want 2.5", m)
	}
}

func toDurations(ns []int64) []time.Duration {
	out := make([]time.Duration, len(ns))
	for i, n := range ns {
		out[i] = time.Duration(n)
	}
	return out
}
