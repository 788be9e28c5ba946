package decbench

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// byteVocab: every byte a token (ids 0..255), a few longer pieces, then EOG.
func byteVocab() *decoder.Vocab {
	v := &decoder.Vocab{BOS: -1}
	for b := range 256 {
		v.Pieces = append(v.Pieces, []byte{byte(b)})
	}
	for _, p := range []string{"Thought: ", "Answer: ", "Observation: ", `{"name": "`, `", "arguments": {`, "search", "lookup", "\"}}\n", "the", " the"} {
		v.Pieces = append(v.Pieces, []byte(p))
	}
	v.EOG = []int{len(v.Pieces)}
	v.Pieces = append(v.Pieces, nil)
	v.Special = make([]bool, len(v.Pieces))
	v.Special[len(v.Pieces)-1] = true
	return v
}

// byteBackend: Tokenize is one token per byte; its logits are a fixed
// pseudo-random function of the position, so runs are deterministic.
type byteBackend struct {
	vocab *decoder.Vocab
	seq   []int
	nctx  int
	buf   []float32
}

func (f *byteBackend) Vocab() *decoder.Vocab { return f.vocab }
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

func reactIndex(t *testing.T) *decoder.Index {
	t.Helper()
	data, err := os.ReadFile("../../specs/react.tools.json")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ltl.ParseCatalog("react.tools.json", data)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := specplan.CompileFile("../../specs/react.ltl", specplan.Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	vocab := byteVocab()
	ix, err := decoder.NewIndex(decoder.FromDFA(sp.DFA()), vocab, decoder.NewTrie(vocab), decoder.IndexOptions{Format: decoder.FormatJSON, Tools: sp.Schemas()})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestMasksCoversWalks: the walks reach the environment, every visited
// state gets one first-visit sample and one apply sample (the Index is
// fresh), the replays find every mask cached, and the percentiles are
// ordered.
func TestMasksCoversWalks(t *testing.T) {
	ix := reactIndex(t)
	st, err := Masks(ix, MaskOptions{Walks: 6, Steps: 80, Seed: 3, CachedRepeats: 4})
	if err != nil {
		t.Fatal(err)
	}
	if st.VocabSize != ix.Vocab().Size() {
		t.Errorf("VocabSize = %d, want %d", st.VocabSize, ix.Vocab().Size())
	}
	if st.Visited == 0 || st.Tokens == 0 {
		t.Fatalf("walks visited %d states with %d tokens", st.Visited, st.Tokens)
	}
	if st.Observations == 0 {
		t.Error("no walk reached an environment turn")
	}
	if st.First.N != st.Visited || st.Apply.N != st.Visited {
		t.Errorf("first-visit samples %d, apply samples %d, want one per visited state (%d)", st.First.N, st.Apply.N, st.Visited)
	}
	// Each replay looks up a mask at every step of every walk, and the
	// walks' steps are their tokens.
	if st.Cached.N != 4*st.Tokens {
		t.Errorf("cached samples = %d, want 4 replays × %d steps", st.Cached.N, st.Tokens)
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
	again, err := Masks(ix, MaskOptions{Walks: 6, Steps: 80, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if again.First.N != 0 {
		t.Errorf("second run on a warm Index: %d first-visit samples, want 0", again.First.N)
	}
}

// TestGenerateShape: both modes produce tokens, one measurement per
// repetition each, and the ratio is the quotient of the medians.
func TestGenerateShape(t *testing.T) {
	ix := reactIndex(t)
	b := &byteBackend{vocab: ix.Vocab(), nctx: 4096}
	st, err := Generate(context.Background(), b, ix, []int{'H', 'i'}, GenOptions{Tokens: 60, Reps: 3})
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
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Microsecond)
	}
	p := percentiles(ds)
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
