package decbench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// MaskOptions configures Masks. Zero values pick the defaults.
type MaskOptions struct {
	Walks int   // seeded random walks (default 8)
	Steps int   // tokens per walk at most (default 96)
	Seed  int64 // walk i uses seed Seed+i
	// CachedRepeats is how many times the walks are replayed on the warm
	// Index to time cached lookups (default 5).
	CachedRepeats int
	// Observe gives the event the environment writes when a walk's session
	// awaits it (nil: Canned on the Index's first environment step).
	Observe decoder.Environment
}

// Percentiles are the 50th and 99th percentiles of a set of durations, in
// microseconds (nearest rank; 0 when there are no samples).
type Percentiles struct {
	P50, P99 float64
	N        int // samples
}

// MaskStats is what Masks measured.
type MaskStats struct {
	VocabSize int
	// First: mask time of a state the first time it is seen (a trie walk over
	// the vocabulary, building byte states on the way); Cached: a lookup of a
	// mask already computed; Apply: Mask.Apply on a logits vector of the
	// vocabulary's size, once per first visit.
	First, Cached, Apply Percentiles
	// Visited is the number of distinct byte states the walks saw (each
	// costs one mask computation on a fresh Index).
	Visited int
	// Tokens is the number of tokens the walks accepted; Observations the
	// environment events given.
	Tokens, Observations int
	// IndexBytes estimates the Index's memory after the walks: the mask
	// cache plus the byte states (decoder.Stats).
	IndexBytes, CacheBytes, StateBytes int
	States                             int // byte states built (Stats.States)
}

// Canned answers every environment turn with an event of the given step
// kind, cycling through texts (default "ok").
func Canned(step string, texts ...string) decoder.Environment {
	if len(texts) == 0 {
		texts = []string{"ok"}
	}
	n := 0
	return func([]ltl.Event) (ltl.Event, error) {
		t := texts[n%len(texts)]
		n++
		return ltl.Event{Step: step, Text: t}, nil
	}
}

// defaultEnvironment is Canned on ix's first environment step.
func defaultEnvironment(ix *decoder.Index) (decoder.Environment, error) {
	if env := ix.EnvSteps(); len(env) > 0 {
		return Canned(env[0], "no results", "found 3 pages", "ok"), nil
	}
	return nil, decoder.ErrNoEnvironment
}

// Masks measures the masks of the byte states that seeded random walks
// through sessions on ix visit. ix should be fresh (just from NewIndex):
// a lookup counts as first-visit only when it computed a mask, so masks
// already cached show up as cached lookups.
//
// A walk picks, at each step, a uniformly random allowed token, except
// that with probability 1/2 (and always once the tokens left are fewer than
// twice what the session needs to finish) it takes the allowed token,
// among 32 random ones, that leaves the least to finish: uniform choice
// alone over a large vocabulary would stay inside free text almost
// forever, never reaching calls, arguments or the environment. When the
// session awaits the environment the walk gives it opts.Observe's event.
// A walk ends when it accepts EOG, completes, or after opts.Steps tokens.
// The walks are then replayed CachedRepeats times (the same seeds give the
// same tokens) to time the lookups of masks already computed.
func Masks(ix *decoder.Index, opts MaskOptions) (MaskStats, error) {
	if opts.Walks <= 0 {
		opts.Walks = 8
	}
	if opts.Steps <= 0 {
		opts.Steps = 96
	}
	if opts.CachedRepeats <= 0 {
		opts.CachedRepeats = 5
	}
	st := MaskStats{VocabSize: ix.Vocab().Size()}
	observe := opts.Observe
	if observe == nil {
		observe, _ = defaultEnvironment(ix) // nil: the walks never need one
	}
	var first, cached, apply []time.Duration
	logits := make([]float32, st.VocabSize)
	// pass 0 measures first visits; passes 1.. time cached lookups.
	for pass := 0; pass <= opts.CachedRepeats; pass++ {
		for w := range opts.Walks {
			seed := uint64(opts.Seed + int64(w))
			rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
			s := ix.NewSession()
			for step := 0; step < opts.Steps; step++ {
				if s.Done() {
					if !s.AwaitingEnvironment() {
						break
					}
					if observe == nil {
						return st, decoder.ErrNoEnvironment
					}
					ev, err := observe(s.Events())
					if err != nil {
						return st, err
					}
					if err := s.Observe(ev); err != nil {
						return st, err
					}
					if pass == 0 {
						st.Observations++
					}
				}
				before := ix.Stats().MaskComputations
				t := time.Now()
				m := s.Mask()
				d := time.Since(t)
				computed := ix.Stats().MaskComputations > before
				switch {
				case pass == 0 && computed:
					first = append(first, d)
					for i := range logits {
						logits[i] = float32(i & 7)
					}
					t = time.Now()
					m.Apply(logits)
					apply = append(apply, time.Since(t))
				case pass > 0 && !computed:
					cached = append(cached, d)
				}
				if m.Count() == 0 {
					return st, fmt.Errorf("decbench: empty mask before the session is done (a dead end) after %q", s.Text())
				}
				tok := pickToken(s, m, rng, opts.Steps-step)
				if err := s.Accept(tok); err != nil {
					return st, err
				}
				if pass == 0 {
					st.Tokens++
				}
			}
		}
	}
	st.First, st.Cached, st.Apply = percentiles(first), percentiles(cached), percentiles(apply)
	st.Visited = len(first)
	s := ix.Stats()
	st.States, st.CacheBytes, st.StateBytes = s.States, s.CacheBytes, s.StateBytes
	st.IndexBytes = st.CacheBytes + st.StateBytes
	return st, nil
}

// pickToken chooses a walk's next token from m (see Masks).
func pickToken(s *decoder.Session, m *decoder.Mask, rng *rand.Rand, left int) int {
	if rng.IntN(2) == 0 && left >= 2*s.MinTokens() {
		return m.Nth(rng.IntN(m.Count()))
	}
	best, bestCost := -1, 0
	for range 32 {
		tok := m.Nth(rng.IntN(m.Count()))
		c := s.MinTokensAfter(tok)
		if c < 0 {
			c = math.MaxInt32
		}
		if best < 0 || c < bestCost {
			best, bestCost = tok, c
		}
	}
	return best
}

func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(q*float64(len(s))+0.999999) - 1 // nearest rank
		i = max(0, min(i, len(s)-1))
		return float64(s[i].Nanoseconds()) / 1e3
	}
	return Percentiles{P50: at(0.50), P99: at(0.99), N: len(s)}
}

// GenOptions configures Generate. Zero values pick the defaults.
type GenOptions struct {
	// Tokens is the number of model tokens each measurement generates
	// (default 64). It is also each constrained run's budget; runs that
	// complete earlier are repeated (fresh session and sequence) until
	// together they reach it.
	Tokens int
	Reps   int // alternating repetitions of both measurements (default 3)
	// Sampler for both modes (default: temperature 1, seed 1). Each
	// repetition adds its index to the seed.
	Sampler *decoder.SamplerOptions
	// Environment answers the constrained runs' environment turns (nil:
	// Canned on the Index's first environment step).
	Environment decoder.Environment
	// Grammar, if set, adds a third mode: a grammar sampler (llama.cpp's
	// GBNF sampler, llama.GBNF) as the constraint, a fresh one per run,
	// with the same prompt, sampler and seeds, alternating with the other
	// two. Its runs end at EOG, where the grammar is complete, and are
	// repeated until they reach Tokens, as the constrained ones are.
	Grammar func() (Grammar, error)
}

// Grammar is a token grammar sampler: Apply sets the logits of the
// tokens it rejects to -Inf, Accept advances past a token. llama.GBNF is
// one.
type Grammar interface {
	Apply(logits []float32)
	Accept(token int)
	Close()
}

// GenStats is what Generate measured. Tokens/s is model tokens over
// (llama.cpp decode time of those tokens + constraint time), prompt and
// environment text excluded, so the two modes compare like for like.
type GenStats struct {
	Unconstrained, Constrained float64 // medians over the repetitions, tokens/s
	// Ratio is Constrained / Unconstrained (the medians).
	Ratio                              float64
	UnconstrainedRuns, ConstrainedRuns []float64 // tokens/s per repetition
	// ConstraintShare is the constraint's share of the constrained time
	// (median over repetitions, 0..1).
	ConstraintShare float64
	// ConstrainedSample is the per-token time of the decoder's constraint
	// (ApplyMask and Accept, decoder.Result.MaskTime) over all timed
	// constrained runs.
	ConstrainedSample Percentiles
	// With GenOptions.Grammar: Grammar is its tokens/s (median),
	// GrammarRuns per repetition, GrammarSample its per-token time
	// (Apply and Accept), measured like the constrained mode's.
	Grammar       float64
	GrammarRuns   []float64
	GrammarSample Percentiles
}

// Generate measures tokens/s on b with prompt, without and with a
// constraint from ix, in the same process and alternating the order of the
// two each repetition so that a noisy machine affects both alike. One
// untimed run of each comes first (it fills ix's mask cache and llama.cpp's
// buffers; Masks measures the cold cost).
//
// Unconstrained runs use decoder.Generate with a constraint that masks only
// the end-of-generation tokens, so that every run generates exactly
// opts.Tokens tokens (a random-weight model ends its turn at random); that
// constraint's time (a few µs per token) is counted like any other.
// Constrained runs use decoder.Run with a session on ix and
// opts.Environment, with opts.Tokens as its budget. b must have room for
// the prompt, opts.Tokens and the environment's text.
func Generate(ctx context.Context, b decoder.Backend, ix *decoder.Index, prompt []int, opts GenOptions) (GenStats, error) {
	var st GenStats
	if opts.Tokens <= 0 {
		opts.Tokens = 64
	}
	if opts.Reps <= 0 {
		opts.Reps = 3
	}
	samp := decoder.SamplerOptions{Temperature: 1, Seed: 1}
	if opts.Sampler != nil {
		samp = *opts.Sampler
	}
	env := opts.Environment
	if env == nil {
		var err error
		if env, err = defaultEnvironment(ix); err != nil {
			// A spec without environment steps never needs one.
			env = func([]ltl.Event) (ltl.Event, error) { return ltl.Event{}, decoder.ErrNoEnvironment }
		}
	}
	free := func(seed int64) (float64, error) {
		if err := b.Reset(); err != nil {
			return 0, err
		}
		so := samp
		so.Seed += seed
		res, err := decoder.Generate(ctx, b, &noEOG{vocab: b.Vocab()}, prompt, decoder.GenerateOptions{MaxTokens: opts.Tokens, Sampler: so})
		if err != nil {
			return 0, err
		}
		if len(res.Tokens) < opts.Tokens {
			return 0, fmt.Errorf("decbench: unconstrained run stopped (%s) after %d of %d tokens", res.Stop, len(res.Tokens), opts.Tokens)
		}
		return rate(len(res.Tokens), res.DecodeTime+sum(res.MaskTime)), nil
	}
	var shares []float64
	var conSample, gramSample []time.Duration
	timed := false // the warm-up runs' samples are not kept
	grammar := func(seed int64) (float64, error) {
		var toks int
		var dec, mask time.Duration
		for run := 0; toks < opts.Tokens; run++ {
			if run == 64 {
				return 0, fmt.Errorf("decbench: grammar runs made only %d tokens in %d runs", toks, run)
			}
			if err := b.Reset(); err != nil {
				return 0, err
			}
			g, err := opts.Grammar()
			if err != nil {
				return 0, err
			}
			so := samp
			so.Seed += seed + int64(run)*1000
			res, err := decoder.Generate(ctx, b, &grammarConstraint{g: g, vocab: b.Vocab()}, prompt, decoder.GenerateOptions{MaxTokens: opts.Tokens, Sampler: so})
			g.Close()
			if err != nil {
				return 0, fmt.Errorf("decbench: grammar run: %w", err)
			}
			toks += len(res.Tokens)
			dec += res.DecodeTime
			mask += sum(res.MaskTime)
			if timed {
				gramSample = append(gramSample, res.MaskTime...)
			}
		}
		return rate(toks, dec+mask), nil
	}
	constrained := func(seed int64) (float64, error) {
		var toks int
		var dec, mask time.Duration
		for run := 0; toks < opts.Tokens; run++ {
			if run == 64 {
				return 0, fmt.Errorf("decbench: constrained runs made only %d tokens in %d runs", toks, run)
			}
			if err := b.Reset(); err != nil {
				return 0, err
			}
			so := samp
			so.Seed += seed + int64(run)*1000
			res, err := decoder.Run(ctx, b, ix.NewSession(), prompt, decoder.RunOptions{MaxTokens: opts.Tokens, Sampler: so, Environment: env})
			if err != nil {
				return 0, err
			}
			toks += res.Tokens
			dec += res.DecodeTime
			mask += sum(res.MaskTime)
			if timed {
				conSample = append(conSample, res.MaskTime...)
			}
		}
		shares = append(shares, float64(mask)/float64(max(dec+mask, 1)))
		return rate(toks, dec+mask), nil
	}
	// Warm-up, untimed.
	if _, err := free(-1); err != nil {
		return st, err
	}
	if _, err := constrained(-1); err != nil {
		return st, err
	}
	modes := []int{modeFree, modeConstrained}
	if opts.Grammar != nil {
		if _, err := grammar(-1); err != nil {
			return st, err
		}
		modes = append(modes, modeGrammar)
	}
	shares = nil
	timed = true
	for r := range opts.Reps {
		// Each repetition starts with another mode, so that a noisy
		// machine affects all alike.
		for i := range modes {
			var v float64
			var err error
			switch m := modes[(r+i)%len(modes)]; m {
			case modeConstrained:
				v, err = constrained(int64(r))
				st.ConstrainedRuns = append(st.ConstrainedRuns, v)
			case modeGrammar:
				v, err = grammar(int64(r))
				st.GrammarRuns = append(st.GrammarRuns, v)
			default:
				v, err = free(int64(r))
				st.UnconstrainedRuns = append(st.UnconstrainedRuns, v)
			}
			if err != nil {
				return st, err
			}
		}
	}
	st.Grammar = median(st.GrammarRuns)
	st.ConstrainedSample, st.GrammarSample = percentiles(conSample), percentiles(gramSample)
	st.Unconstrained, st.Constrained = median(st.UnconstrainedRuns), median(st.ConstrainedRuns)
	if st.Unconstrained > 0 {
		st.Ratio = st.Constrained / st.Unconstrained
	}
	st.ConstraintShare = median(shares)
	return st, nil
}

const (
	modeFree = iota
	modeConstrained
	modeGrammar
)

// grammarConstraint runs a Grammar as Generate's constraint. An EOG
// token is not passed to Accept: the grammar allowed it (Apply), so it
// is complete, and llama.cpp's grammar aborts on EOG otherwise.
type grammarConstraint struct {
	g     Grammar
	vocab *decoder.Vocab
}

func (c *grammarConstraint) ApplyMask(logits []float32) { c.g.Apply(logits) }
func (c *grammarConstraint) Forced() (int, bool)        { return 0, false }
func (c *grammarConstraint) Accept(tok int) error {
	if !slices.Contains(c.vocab.EOG, tok) {
		c.g.Accept(tok)
	}
	return nil
}
func (c *grammarConstraint) Done() bool    { return false }
func (c *grammarConstraint) SetBudget(int) {}

// noEOG is the unconstrained baseline's constraint: it only keeps the
// end-of-generation tokens from being sampled.
type noEOG struct{ vocab *decoder.Vocab }

func (c *noEOG) ApplyMask(logits []float32) {
	for _, e := range c.vocab.EOG {
		if e >= 0 && e < len(logits) {
			logits[e] = float32(math.Inf(-1))
		}
	}
}
func (c *noEOG) Forced() (int, bool) { return 0, false }
func (c *noEOG) Accept(int) error    { return nil }
func (c *noEOG) Done() bool          { return false }
func (c *noEOG) SetBudget(int)       {}

var _ decoder.TokenConstraint = (*noEOG)(nil)

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

func rate(tokens int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(tokens) / d.Seconds()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
