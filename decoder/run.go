package decoder

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/specplan/specplan/ltl"
)

// Environment answers for the world when the model's turn ends and the spec
// needs an environment step (a tool's observation) before the run can go
// on. It gets the events so far and returns the event to append; its Text
// is shown to the model as `Label: text` on a line of its own.
type Environment func(events []ltl.Event) (ltl.Event, error)

// ErrNoEnvironment is returned by Run when a turn ends waiting for an
// environment step and RunOptions.Environment is nil.
var ErrNoEnvironment = errors.New("decoder: the spec needs an environment step (an observation) and no Environment was given")

// RunOptions configure Run.
type RunOptions struct {
	// MaxTokens is the budget of model tokens over all turns (0: the room
	// left in the context). The session steers to an accepting end within it.
	MaxTokens int
	// MaxTurns bounds the model turns (0: MaxTokens+64, as every turn that
	// hands over to the environment after writing costs at least one token,
	// so the budget already bounds the turns and a smaller default would
	// break the budget's promise of a complete run); past it Run stops with
	// an error naming the limit.
	MaxTurns    int
	Sampler     SamplerOptions
	Environment Environment
	// OnText is called with each piece of the transcript as it is produced:
	// model tokens (fromModel true) and environment lines (false).
	OnText func(text []byte, fromModel bool)
}

// RunResult is a whole constrained run: the transcript after the prompt
// and the events the session recognised in it.
type RunResult struct {
	Text   []byte
	Events []ltl.Event
	// Complete: the run ended at an event boundary the spec accepts.
	Complete bool
	Tokens   int // model tokens generated (forced ones included)
	Forced   int // tokens fast-forwarded without sampling
	Turns    int
	// MaskTime is the constraint's time per model token; DecodeTime is
	// llama.cpp's time decoding model tokens (prompts and environment
	// text excluded), so the two are comparable.
	MaskTime   []time.Duration
	DecodeTime time.Duration
	Elapsed    time.Duration
	Stop       string // the last turn's stop reason (a Stop* constant)
}

// Run drives a multi-turn constrained generation: it decodes prompt, lets
// the model write under the session's masks until its turn ends, asks the
// environment for the step the spec needs next, shows it to the model and
// the session, and repeats until the run is complete or the budget is spent.
//
// The environment's text is appended as plain text to the sequence; chat
// templates that want tool results in their own role messages are the
// caller's business (RunOptions has no opinion on roles yet).
func Run(ctx context.Context, b Backend, s *Session, prompt []int, opts RunOptions) (res RunResult, err error) {
	start := time.Now()
	// res is a named result so that this deferred fill-in reaches the caller
	// (with an unnamed result, `return res, ...` copies res before it runs).
	defer func() {
		res.Events = s.Events()
		res.Complete = s.Complete()
		res.Elapsed = time.Since(start)
	}()
	budget := opts.MaxTokens
	if budget <= 0 {
		budget = b.ContextSize() - b.Position() - len(prompt)
	}
	maxTurns := opts.MaxTurns
	if maxTurns <= 0 {
		maxTurns = budget + 64
	}
	if err := s.CheckBudget(budget); err != nil {
		return res, err
	}
	next := prompt
	for {
		if res.Turns == maxTurns {
			return res, fmt.Errorf("decoder: run did not end within %d model turns (limit MaxTurns)", maxTurns)
		}
		left := budget - res.Tokens
		if left <= 0 && !s.Done() {
			// Generate reads MaxTokens 0 as "until the context is full":
			// never hand it a spent budget.
			return res, fmt.Errorf("decoder: token budget of %d spent after %d tokens before the run was complete (limit MaxTokens)", budget, res.Tokens)
		}
		res.Turns++
		// Generate starts a sampler per call; without a per-turn seed every
		// turn would replay the same random stream.
		sampler := opts.Sampler
		sampler.Seed += int64(res.Turns-1) * 1_000_003
		g, err := Generate(ctx, b, s, next, GenerateOptions{
			MaxTokens: max(left, 1),
			Sampler:   sampler,
			OnToken: func(tok int, piece []byte) {
				if opts.OnText != nil {
					opts.OnText(piece, true)
				}
			},
		})
		res.Text = append(res.Text, g.Text...)
		res.Tokens += len(g.Tokens)
		res.Forced += g.Forced
		res.MaskTime = append(res.MaskTime, g.MaskTime...)
		res.DecodeTime += g.DecodeTime
		res.Stop = g.Stop
		if err != nil {
			return res, err
		}
		if s.Complete() && (g.Stop == StopEOG || g.Stop == StopDone) {
			return res, nil
		}
		if !s.AwaitingEnvironment() {
			// Budget or context ran out mid-turn: the session's budget
			// steering makes this unreachable for a budget that passed
			// CheckBudget, so say plainly that it happened.
			return res, fmt.Errorf("decoder: generation stopped (%s) after %d tokens before the run was complete", g.Stop, res.Tokens)
		}
		if opts.Environment == nil {
			return res, ErrNoEnvironment
		}
		ev, err := opts.Environment(s.Events())
		if err != nil {
			return res, err
		}
		if err := s.Observe(ev); err != nil {
			return res, err
		}
		line := []byte(StepLabel(ev.Name()) + ": " + ev.Text + "\n")
		res.Text = append(res.Text, line...)
		if opts.OnText != nil {
			opts.OnText(line, false)
		}
		if next, err = b.Tokenize(string(line), false); err != nil {
			return res, err
		}
	}
}
