package decoder

import (
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"time"
	"unsafe"

	"github.com/specplan/specplan/ltl"
)

// This file measures the constraint's cost: BenchMasks for the mask side
// alone (no model needed), BenchGenerate for tokens/s on a real Backend
// with and without the constraint. The numbers are for `plan bench` and
// the README; tests check their shape, never their size.

// MaskBenchOptions configures BenchMasks. Zero values pick the defaults.
type MaskBenchOptions struct {
	Walks int   // seeded random walks (default 8)
	Steps int   // tokens per walk at most (default 96)
	Seed  int64 // walk i uses seed Seed+i
	// CachedRepeats is how many timed cached lookups each visited state gets
	// (default 5).
	CachedRepeats int
	// Observe gives the event the environment writes when a walk's session
	// awaits it (nil: CannedEnvironment on the Index's first environment step).
	Observe Environment
}

// Percentiles are the 50th and 99th percentiles of a set of durations, in
// microseconds (nearest rank; 0 when there are no samples).
type Percentiles struct {
	P50, P99 float64
	N        int // samples
}

// MaskStats is what BenchMasks measured.
type MaskStats struct {
	VocabSize int
	// First: mask time of a state the first time it is seen (a trie walk over
	// the vocabulary, building byte states on the way); Cached: a lookup of a
	// mask already computed; Apply: Mask.Apply on a logits vector of the
	// vocabulary's size.
	First, Cached, Apply Percentiles
	// Visited is the number of distinct byte states the walks saw.
	Visited int
	// Tokens is the number of tokens the walks accepted; Observations the
	// environment events given.
	Tokens, Observations int
	// IndexBytes estimates the Index's memory after the walks: the mask
	// cache (Stats.CacheBytes) plus the byte states (StateBytes).
	IndexBytes, CacheBytes, StateBytes int
	States                             int // byte states built (Stats.States)
}

// CannedEnvironment answers every environment turn with an event of the
// given step kind, cycling through texts (default "ok").
func CannedEnvironment(step string, texts ...string) Environment {
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

// defaultEnvironment is a CannedEnvironment on ix's first environment step.
func (ix *Index) defaultEnvironment() (Environment, error) {
	for i, s := range ix.syms {
		if ix.env[i] {
			return CannedEnvironment(s.Step, "no results", "found 3 pages", "ok"), nil
		}
	}
	return nil, ErrNoEnvironment
}

// BenchMasks measures the masks of the byte states that seeded random walks
// through a session on ix visit. ix should be fresh (just from NewIndex):
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
func BenchMasks(ix *Index, opts MaskBenchOptions) (MaskStats, error) {
	if opts.Walks <= 0 {
		opts.Walks = 8
	}
	if opts.Steps <= 0 {
		opts.Steps = 96
	}
	if opts.CachedRepeats <= 0 {
		opts.CachedRepeats = 5
	}
	observe := opts.Observe
	var first, cached, apply []time.Duration
	visited := map[uint32]bool{}
	var order []uint32
	st := MaskStats{VocabSize: ix.vocab.Size()}
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
					var err error
					if observe, err = ix.defaultEnvironment(); err != nil {
						return st, err
					}
				}
				ev, err := observe(s.Events())
				if err != nil {
					return st, err
				}
				if err := s.Observe(ev); err != nil {
					return st, err
				}
				st.Observations++
			}
			s.sync() // (a new generation of the byte automaton changes ids)
			id := s.cur
			before := ix.computations.Load()
			t := time.Now()
			m := ix.mask(id, -1)
			d := time.Since(t)
			if ix.computations.Load() > before {
				first = append(first, d)
			}
			if !visited[id] {
				visited[id] = true
				order = append(order, id)
			}
			if m.Count() == 0 {
				return st, newErr(CodeInternal, "byte state %d has an empty mask", id)
			}
			tok := ix.pickToken(id, m, rng, s.MinTokens(), opts.Steps-step)
			if err := s.Accept(tok); err != nil {
				return st, err
			}
			st.Tokens++
		}
	}
	logits := make([]float32, ix.vocab.Size())
	for r := range opts.CachedRepeats {
		for _, id := range order {
			t := time.Now()
			m := ix.mask(id, -1)
			cached = append(cached, time.Since(t))
			if r == 0 {
				for i := range logits {
					logits[i] = float32(i & 7)
				}
				t = time.Now()
				m.Apply(logits)
				apply = append(apply, time.Since(t))
			}
		}
	}
	st.First, st.Cached, st.Apply = percentiles(first), percentiles(cached), percentiles(apply)
	st.Visited = len(order)
	s := ix.Stats()
	st.States, st.CacheBytes = s.States, s.CacheBytes
	st.StateBytes = ix.stateBytes()
	st.IndexBytes = st.CacheBytes + st.StateBytes
	return st, nil
}

// pickToken chooses a walk's next token from m (see BenchMasks).
func (ix *Index) pickToken(id uint32, m *Mask, rng *rand.Rand, need, left int) int {
	if rng.IntN(2) == 0 && left >= 2*need {
		return nthToken(m, rng.IntN(m.Count()))
	}
	best, bestCost := -1, int32(0)
	for range 32 {
		tok := nthToken(m, rng.IntN(m.Count()))
		c := ix.costAfter(id, tok)
		if best < 0 || c < bestCost {
			best, bestCost = tok, c
		}
	}
	return best
}

// costAfter is the cost of the state token tok leads to from state id
// (EOG: 0). The mask computation for id already built these transitions.
func (ix *Index) costAfter(id uint32, tok int) int32 {
	if ix.vocab.IsEOG(tok) {
		return 0
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	cur := id
	for _, b := range ix.vocab.Pieces[tok] {
		t := ix.next(cur, b)
		if t < 0 {
			return 1 << 30
		}
		cur = uint32(t)
	}
	return ix.states[cur].cost
}

// nthToken is the k-th allowed token of m (0-based).
func nthToken(m *Mask, k int) int {
	for i, w := range m.bits {
		c := bits.OnesCount64(w)
		if k >= c {
			k -= c
			continue
		}
		for ; k > 0; k-- {
			w &= w - 1
		}
		return i*64 + bits.TrailingZeros64(w)
	}
	return m.First()
}

// stateBytes estimates the memory of the byte states: the struct, its
// threads and, once a transition was computed, the two 256-entry tables.
func (ix *Index) stateBytes() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for _, s := range ix.states {
		n += int(unsafe.Sizeof(*s)) + 8
		n += len(s.cfgs) * int(unsafe.Sizeof(config{}))
		for _, c := range s.cfgs {
			n += len(c.ls)
		}
		n += (len(s.trans) + len(s.completes)) * 4
	}
	// The intern map holds one key per state (about as long as its threads).
	n += len(ix.ids) * 48
	return n
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

// GenBenchOptions configures BenchGenerate. Zero values pick the defaults.
type GenBenchOptions struct {
	// Tokens is the number of model tokens each measurement generates
	// (default 64). It is also each constrained run's budget; runs that
	// complete earlier are repeated (fresh session and sequence) until
	// together they reach it.
	Tokens int
	Reps   int // alternating repetitions of both measurements (default 3)
	// Sampler for both modes (default: temperature 1, seed 1). Each
	// repetition adds its index to the seed.
	Sampler *SamplerOptions
	// Environment answers the constrained runs' environment turns (nil:
	// CannedEnvironment on the Index's first environment step).
	Environment Environment
}

// GenStats is what BenchGenerate measured. Tokens/s is model tokens over
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
}

// BenchGenerate measures tokens/s on b with prompt, without and with a
// constraint from ix, in the same process and alternating the order of the
// two each repetition so that a noisy machine affects both alike. One
// untimed run of each comes first (it fills ix's mask cache and llama.cpp's
// buffers; BenchMasks measures the cold cost).
//
// Unconstrained runs use Generate with a constraint that masks only the
// end-of-generation tokens, so that every run generates exactly
// opts.Tokens tokens (a random-weight model ends its turn at random); that
// constraint's time (a few µs per token) is counted like any other.
// Constrained runs use Run with a session on ix and opts.Environment, with
// opts.Tokens as its budget. b must have room for the prompt, opts.Tokens
// and the environment's text.
func BenchGenerate(ctx context.Context, b Backend, ix *Index, prompt []int, opts GenBenchOptions) (GenStats, error) {
	var st GenStats
	if opts.Tokens <= 0 {
		opts.Tokens = 64
	}
	if opts.Reps <= 0 {
		opts.Reps = 3
	}
	samp := SamplerOptions{Temperature: 1, Seed: 1}
	if opts.Sampler != nil {
		samp = *opts.Sampler
	}
	env := opts.Environment
	if env == nil {
		var err error
		if env, err = ix.defaultEnvironment(); err != nil {
			// A spec without environment steps never needs one.
			env = func([]ltl.Event) (ltl.Event, error) { return ltl.Event{}, ErrNoEnvironment }
		}
	}
	free := func(seed int64) (float64, error) {
		if err := b.Reset(); err != nil {
			return 0, err
		}
		so := samp
		so.Seed += seed
		res, err := Generate(ctx, b, &noEOG{vocab: b.Vocab()}, prompt, GenerateOptions{MaxTokens: opts.Tokens, Sampler: so})
		if err != nil {
			return 0, err
		}
		if len(res.Tokens) < opts.Tokens {
			return 0, fmt.Errorf("decoder: unconstrained run stopped (%s) after %d of %d tokens", res.Stop, len(res.Tokens), opts.Tokens)
		}
		return rate(len(res.Tokens), res.DecodeTime+sum(res.MaskTime)), nil
	}
	var shares []float64
	constrained := func(seed int64) (float64, error) {
		var toks int
		var dec, mask time.Duration
		for run := 0; toks < opts.Tokens; run++ {
			if run == 64 {
				return 0, fmt.Errorf("decoder: constrained runs made only %d tokens in %d runs", toks, run)
			}
			if err := b.Reset(); err != nil {
				return 0, err
			}
			so := samp
			so.Seed += seed + int64(run)*1000
			res, err := Run(ctx, b, ix.NewSession(), prompt, RunOptions{MaxTokens: opts.Tokens, Sampler: so, Environment: env})
			if err != nil {
				return 0, err
			}
			toks += res.Tokens
			dec += res.DecodeTime
			mask += sum(res.MaskTime)
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
	shares = nil
	for r := range opts.Reps {
		order := []bool{false, true}
		if r%2 == 1 {
			order = []bool{true, false}
		}
		for _, c := range order {
			if c {
				v, err := constrained(int64(r))
				if err != nil {
					return st, err
				}
				st.ConstrainedRuns = append(st.ConstrainedRuns, v)
			} else {
				v, err := free(int64(r))
				if err != nil {
					return st, err
				}
				st.UnconstrainedRuns = append(st.UnconstrainedRuns, v)
			}
		}
	}
	st.Unconstrained, st.Constrained = median(st.UnconstrainedRuns), median(st.ConstrainedRuns)
	if st.Unconstrained > 0 {
		st.Ratio = st.Constrained / st.Unconstrained
	}
	st.ConstraintShare = median(shares)
	return st, nil
}

// noEOG is the unconstrained baseline's constraint: it only keeps the
// end-of-generation tokens from being sampled.
type noEOG struct{ vocab *Vocab }

func (c *noEOG) ApplyMask(logits []float32) {
	for _, e := range c.vocab.EOG {
		if e >= 0 && e < len(logits) {
			logits[e] = float32(negInfTemplate(1)[0])
		}
	}
}
func (c *noEOG) Forced() (int, bool) { return 0, false }
func (c *noEOG) Accept(int) error    { return nil }
func (c *noEOG) Done() bool          { return false }
func (c *noEOG) SetBudget(int)       {}

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
