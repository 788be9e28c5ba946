package decoder

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
)

// SamplerOptions selects how the next token is drawn from (masked) logits.
type SamplerOptions struct {
	// Temperature 0 means greedy (argmax); otherwise logits are divided by it.
	Temperature float64
	// TopK keeps the K most likely tokens; 0 keeps all.
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// reaches TopP; 0 or ≥ 1 keeps all.
	TopP float64
	// Seed makes sampling reproducible: the same seed and logits give the
	// same tokens.
	Seed int64
}

// ErrAllMasked is returned when every logit is -Inf or NaN, so no token can
// be chosen (a constraint that allows nothing).
var ErrAllMasked = errors.New("decoder: every token is masked")

// Sampler draws tokens; it keeps its random state between calls.
type Sampler struct {
	opts  SamplerOptions
	rng   *rand.Rand
	cand  []cand
	probs []float64
}

type cand struct {
	id    int
	logit float32
}

// Check rejects options no sampler can follow: a NaN or infinite
// Temperature or TopP (a NaN temperature would make every comparison false
// and so always pick the highest allowed id), a negative Temperature, TopK
// or TopP. Errors match ErrSampler.
func (o SamplerOptions) Check() error {
	switch {
	case math.IsNaN(o.Temperature) || math.IsInf(o.Temperature, 0):
		return newErr(CodeSampler, "temperature %v is not a finite number", o.Temperature)
	case o.Temperature < 0:
		return newErr(CodeSampler, "temperature %v is negative (0 is greedy)", o.Temperature)
	case math.IsNaN(o.TopP) || math.IsInf(o.TopP, 0):
		return newErr(CodeSampler, "top-p %v is not a finite number", o.TopP)
	case o.TopP < 0:
		return newErr(CodeSampler, "top-p %v is negative (0 or 1 keeps all tokens)", o.TopP)
	case o.TopK < 0:
		return newErr(CodeSampler, "top-k %d is negative (0 keeps all tokens)", o.TopK)
	}
	return nil
}

// NewSampler returns a sampler seeded from opts.Seed. It fails when
// opts.Check does.
func NewSampler(opts SamplerOptions) (*Sampler, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	seed := uint64(opts.Seed)
	return &Sampler{opts: opts, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}, nil
}

// Sample picks a token id from logits. Entries that are -Inf (masked) or NaN
// are never picked. Ties in greedy mode go to the lowest id.
func (s *Sampler) Sample(logits []float32) (int, error) {
	if s.opts.Temperature <= 0 {
		best, bestV := -1, float32(math.Inf(-1))
		for i, l := range logits {
			if l > bestV { // false for NaN and -Inf
				best, bestV = i, l
			}
		}
		if best < 0 {
			return 0, ErrAllMasked
		}
		return best, nil
	}
	c := s.cand[:0]
	for i, l := range logits {
		if l > float32(math.Inf(-1)) {
			c = append(c, cand{i, l})
		}
	}
	s.cand = c
	if len(c) == 0 {
		return 0, ErrAllMasked
	}
	byLogit := func(a, b cand) int {
		if a.logit != b.logit {
			if a.logit > b.logit {
				return -1
			}
			return 1
		}
		return a.id - b.id
	}
	if k := s.opts.TopK; k > 0 && k < len(c) {
		// Partial selection would be faster; a full sort keeps the order
		// (and so the draw) independent of the selection algorithm.
		slices.SortFunc(c, byLogit)
		c = c[:k]
	} else if s.opts.TopP > 0 && s.opts.TopP < 1 {
		slices.SortFunc(c, byLogit)
	}
	maxL := c[0].logit
	for _, x := range c {
		maxL = max(maxL, x.logit)
	}
	probs := slices.Grow(s.probs[:0], len(c))[:len(c)]
	s.probs = probs
	var sum float64
	for i, x := range c {
		p := math.Exp(float64(x.logit-maxL) / s.opts.Temperature)
		probs[i] = p
		sum += p
	}
	if p := s.opts.TopP; p > 0 && p < 1 {
		// c is sorted by descending logit here.
		var acc float64
		for i := range probs {
			acc += probs[i] / sum
			if acc >= p {
				probs, c = probs[:i+1], c[:i+1]
				break
			}
		}
		sum = 0
		for _, q := range probs {
			sum += q
		}
	}
	r := s.rng.Float64() * sum
	for i, q := range probs {
		r -= q
		if r < 0 {
			return c[i].id, nil
		}
	}
	return c[len(c)-1].id, nil
}
