package decoder

import (
	"context"
	"fmt"
	"time"
)

// TokenConstraint restricts which tokens may come next. The decode loop calls,
// for each generated token, in this order: SetBudget, Done, then either
// Forced (when it reports exactly one allowed token, no logits are read) or
// ApplyMask on the logits, and finally Accept with the chosen token.
type TokenConstraint interface {
	// ApplyMask sets the logits of disallowed tokens to -Inf.
	ApplyMask(logits []float32)
	// Forced reports the only allowed token, if exactly one is allowed.
	Forced() (token int, ok bool)
	// Accept advances the constraint past token; an error stops generation.
	Accept(token int) error
	// Done reports that the output is complete (nothing more may follow).
	Done() bool
	// SetBudget tells how many more tokens may be generated, counting the
	// one about to be chosen, so that the constraint can steer to an
	// accepting end in time.
	SetBudget(tokensLeft int)
}

// Stop reasons reported in Result.Stop.
const (
	StopEOG       = "eog"        // an end-of-generation token was chosen
	StopMaxTokens = "max_tokens" // GenerateOptions.MaxTokens reached
	StopDone      = "done"       // the constraint reported Done
	StopContext   = "context"    // the model's context is full
)

// GenerateOptions configures Generate.
type GenerateOptions struct {
	// MaxTokens bounds the generated tokens; 0 means until the context is full.
	MaxTokens int
	Sampler   SamplerOptions
	// OnToken, if set, is called with each generated token and its bytes.
	OnToken func(tok int, piece []byte)
}

// Result is what Generate produced.
type Result struct {
	Tokens  []int
	Text    []byte // the pieces of Tokens concatenated
	Stop    string // one of the Stop* constants
	Elapsed time.Duration
	// MaskTime[i] is the time the constraint took for token i (SetBudget,
	// Done, Forced/ApplyMask and Accept), apart from llama.cpp's decode.
	MaskTime []time.Duration
	// DecodeTime is the total time spent in Backend.Decode after the prompt.
	// Every generated token is decoded (is in the backend's sequence, so a
	// caller can continue it) unless the context filled up (StopContext).
	DecodeTime time.Duration
	// PromptTime is the time spent decoding the prompt.
	PromptTime time.Duration
	// Forced counts tokens taken from Forced without reading logits.
	Forced int
}

// Generate decodes prompt and then generates tokens until an end-of-generation
// token, the constraint's Done, MaxTokens, or a full context. With a nil
// constraint generation is free. Tokens the constraint forces are appended
// without sampling (and still decoded, so the model sees them). On error the
// partial Result is returned with it.
func Generate(ctx context.Context, b Backend, c TokenConstraint, prompt []int, opts GenerateOptions) (res Result, err error) {
	start := time.Now()
	// Named result: the deferred Elapsed must reach the caller.
	defer func() { res.Elapsed = time.Since(start) }()
	if len(prompt) == 0 {
		return res, fmt.Errorf("decoder: empty prompt")
	}
	sampler, err := NewSampler(opts.Sampler)
	if err != nil {
		return res, err
	}
	if n := b.Position() + len(prompt); n > b.ContextSize() {
		return res, contextErr(ContextPrompt, "prompt of %d tokens does not fit: %d of the context's %d tokens are left (limit ContextSize)",
			len(prompt), b.ContextSize()-b.Position(), b.ContextSize())
	}
	t0 := time.Now()
	if err := b.Decode(prompt); err != nil {
		return res, fmt.Errorf("decoder: decoding the prompt: %w", err)
	}
	res.PromptTime = time.Since(t0)
	vocab := b.Vocab()
	isEOG := make(map[int]bool, len(vocab.EOG))
	for _, e := range vocab.EOG {
		isEOG[e] = true
	}
	maxTokens := opts.MaxTokens
	if room := b.ContextSize() - b.Position(); maxTokens <= 0 || maxTokens > room {
		maxTokens = room
	}
	// Tokens are decoded lazily: a sampled token and the forced tokens after
	// it go to llama.cpp in one batch, right before logits are next needed
	// (or when generation stops), so a forced run of k tokens costs one
	// batched decode instead of k single ones.
	var pending []int
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		// maxTokens never exceeds the room left, so pending always fits.
		t := time.Now()
		err := b.Decode(pending)
		res.DecodeTime += time.Since(t)
		if err != nil {
			return fmt.Errorf("decoder: decoding %d generated tokens: %w", len(pending), err)
		}
		pending = pending[:0]
		return nil
	}
	defer func() {
		// Every generated token ends up in the sequence, so the caller can
		// continue it (Run appends the environment's text after it).
		if ferr := flush(); err == nil && ferr != nil {
			err = ferr
		}
	}()
	for n := 0; ; n++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if n >= maxTokens {
			if maxTokens < opts.MaxTokens || opts.MaxTokens <= 0 {
				res.Stop = StopContext
			} else {
				res.Stop = StopMaxTokens
			}
			return res, nil
		}
		var tok int
		var mask time.Duration
		forced := false
		if c != nil {
			t := time.Now()
			c.SetBudget(maxTokens - n)
			if c.Done() {
				res.Stop = StopDone
				return res, nil
			}
			tok, forced = c.Forced()
			mask = time.Since(t)
		}
		if !forced {
			if err := flush(); err != nil {
				return res, err
			}
			logits := b.Logits()
			if c != nil {
				t := time.Now()
				c.ApplyMask(logits)
				mask += time.Since(t)
			}
			var err error
			if tok, err = sampler.Sample(logits); err != nil {
				return res, err
			}
		} else {
			res.Forced++
		}
		if c != nil {
			t := time.Now()
			err := c.Accept(tok)
			mask += time.Since(t)
			if err != nil {
				// A ConstraintError names the token already; wrap others once.
				if _, ok := err.(*ConstraintError); !ok {
					err = fmt.Errorf("decoder: constraint rejected token %d: %w", tok, err)
				}
				return res, err
			}
		}
		res.MaskTime = append(res.MaskTime, mask)
		if tok < 0 || tok >= vocab.Size() {
			return res, fmt.Errorf("decoder: token %d outside the vocabulary of %d", tok, vocab.Size())
		}
		piece := vocab.Pieces[tok]
		if tt, ok := c.(tokenTexter); ok {
			piece = tt.TokenText(tok) // a special marker token's text (its piece is empty)
		}
		res.Tokens = append(res.Tokens, tok)
		res.Text = append(res.Text, piece...)
		if opts.OnToken != nil {
			opts.OnToken(tok, piece)
		}
		pending = append(pending, tok)
		if isEOG[tok] {
			res.Stop = StopEOG
			return res, nil
		}
		if c != nil && c.Done() {
			res.Stop = StopDone
			return res, nil
		}
	}
}
