package decoder

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
)

var negInf = float32(math.Inf(-1))

func TestSamplerGreedy(t *testing.T) {
	s := mustSampler(t, SamplerOptions{})
	logits := []float32{1, 5, negInf, 5, float32(math.NaN()), 2}
	if got, err := s.Sample(logits); err != nil || got != 1 {
		t.Errorf("greedy = %d, %v; want 1 (first of the tied maxima)", got, err)
	}
	masked := []float32{negInf, 9, negInf}
	masked[1] = negInf
	if _, err := s.Sample(masked); !errors.Is(err, ErrAllMasked) {
		t.Errorf("all masked: %v, want ErrAllMasked", err)
	}
	if _, err := mustSampler(t, SamplerOptions{Temperature: 1}).Sample(masked); !errors.Is(err, ErrAllMasked) {
		t.Errorf("all masked, sampled: %v, want ErrAllMasked", err)
	}
}

func TestSamplerDeterministicAndMasked(t *testing.T) {
	logits := make([]float32, 1000)
	for i := range logits {
		logits[i] = float32(i%7) * 0.3
		if i%3 == 0 {
			logits[i] = negInf
		}
	}
	draw := func(opts SamplerOptions) []int {
		s := mustSampler(t, opts)
		out := make([]int, 200)
		for i := range out {
			tok, err := s.Sample(logits)
			if err != nil {
				t.Fatal(err)
			}
			if tok%3 == 0 {
				t.Fatalf("sampled masked token %d", tok)
			}
			out[i] = tok
		}
		return out
	}
	for _, opts := range []SamplerOptions{
		{Temperature: 1, Seed: 5},
		{Temperature: 0.7, TopK: 40, Seed: 5},
		{Temperature: 1.3, TopP: 0.9, Seed: 5},
	} {
		a, b := draw(opts), draw(opts)
		distinct := map[int]bool{}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%+v: draw %d differs: %d vs %d", opts, i, a[i], b[i])
			}
			distinct[a[i]] = true
		}
		if len(distinct) < 10 {
			t.Errorf("%+v: only %d distinct tokens in 200 draws", opts, len(distinct))
		}
		opts.Seed = 6
		if c := draw(opts); equalInts(a, c) {
			t.Errorf("%+v: seeds 5 and 6 drew the same sequence", opts)
		}
	}
}

func TestSamplerTopKTopPRestrict(t *testing.T) {
	logits := []float32{0, 10, 9.5, 1, 2}
	s := mustSampler(t, SamplerOptions{Temperature: 1, TopK: 2, Seed: 1})
	for range 200 {
		if tok, _ := s.Sample(logits); tok != 1 && tok != 2 {
			t.Fatalf("TopK 2 drew %d", tok)
		}
	}
	s = mustSampler(t, SamplerOptions{Temperature: 1, TopP: 0.5, Seed: 1})
	for range 200 {
		if tok, _ := s.Sample(logits); tok != 1 {
			t.Fatalf("TopP 0.5 (p(1)≈0.62) drew %d", tok)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func ExampleSampler() {
	inf := float32(math.Inf(-1))
	logits := []float32{2.5, inf, 7, inf} // a mask left tokens 0 and 2
	greedy, err := NewSampler(SamplerOptions{})
	if err != nil {
		panic(err)
	}
	tok, _ := greedy.Sample(logits)
	fmt.Println(tok)
	// Output: 2
}

func mustSampler(t *testing.T, o SamplerOptions) *Sampler {
	t.Helper()
	s, err := NewSampler(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSamplerRejectsNonFinite: NaN and ±Inf temperature or top-p, and
// negative values, are refused by Check, NewSampler and Generate (before
// anything is decoded), with ErrSampler.
func TestSamplerRejectsNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	bad := []SamplerOptions{
		{Temperature: nan}, {Temperature: inf}, {Temperature: -inf}, {Temperature: -0.5},
		{Temperature: 1, TopP: nan}, {Temperature: 1, TopP: inf}, {Temperature: 1, TopP: -inf}, {TopP: -0.1},
		{TopK: -1},
	}
	for _, o := range bad {
		if err := o.Check(); !errors.Is(err, ErrSampler) {
			t.Errorf("Check(%+v) = %v, want ErrSampler", o, err)
		}
		if s, err := NewSampler(o); s != nil || !errors.Is(err, ErrSampler) {
			t.Errorf("NewSampler(%+v) = %v, %v", o, s, err)
		}
		f := newFake(100)
		if _, err := Generate(context.Background(), f, nil, []int{0}, GenerateOptions{MaxTokens: 3, Sampler: o}); !errors.Is(err, ErrSampler) || len(f.seq) != 0 {
			t.Errorf("Generate with %+v: %v, decoded %v", o, err, f.seq)
		}
	}
	for _, o := range []SamplerOptions{{}, {Temperature: 0.7, TopP: 1, TopK: 5}, {Temperature: 2, TopP: 0}} {
		if err := o.Check(); err != nil {
			t.Errorf("Check(%+v) = %v", o, err)
		}
	}
}
