package decoder

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/specplan/specplan/ltl"
)

// Environment answers for the world when the model's turn ends and the spec
// needs an environment step (a tool's observation) before the run can go
// on. It gets the events so far and returns the event to append; it is
// shown to the model as EnvironmentText, and its Text may be anything.
type Environment func(events []ltl.Event) (ltl.Event, error)

// ErrNoEnvironment is returned by Run when a turn ends waiting for an
// environment step and RunOptions.Environment is nil.
var ErrNoEnvironment = errors.New("decoder: the spec needs an environment step (an observation) and no Environment was given")

// Source says who wrote a segment of a run's transcript.
type Source uint8

const (
	SourceModel       Source = iota + 1 // the model's tokens, under the session's masks
	SourceEnvironment                   // the environment's step, rendered by Run
)

func (s Source) String() string {
	switch s {
	case SourceModel:
		return "model"
	case SourceEnvironment:
		return "environment"
	}
	return "Source(" + fmt.Sprint(uint8(s)) + ")"
}

// MarshalText writes "model" or "environment".
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Segment is one turn of a run's transcript: the text one writer produced.
// A model segment holds the tokens the model wrote in one turn (it ends at
// an event boundary, so Format.Parse reads it on its own); an environment
// segment holds the line Run showed the model for the environment's event,
// and that event as given. Environment text is never parsed for events:
// whatever it contains (newlines, JSON, call-looking lines, chat control
// tokens), it cannot become an event the model did not write.
type Segment struct {
	Source Source
	Text   []byte
	Event  ltl.Event // the environment's event (SourceEnvironment only)
}

// SegmentEvents are the events of a transcript read independently of the
// session that produced it: each model segment parsed by f.Parse on its own,
// each environment segment's event as given. For a run Run completed they
// equal RunResult.Events; the soundness checks rely on that.
func SegmentEvents(f Format, segs []Segment) ([]ltl.Event, error) {
	var out []ltl.Event
	for i, sg := range segs {
		switch sg.Source {
		case SourceModel:
			evs, err := f.Parse(sg.Text)
			if err != nil {
				if ce, ok := err.(*ConstraintError); ok {
					return out, &ConstraintError{Code: ce.Code, Msg: fmt.Sprintf("segment %d (model): %s", i, ce.Msg)}
				}
				return out, err
			}
			out = append(out, evs...)
		case SourceEnvironment:
			var err error
			if out, err = attachOutcome(out, sg.Event); err != nil {
				return out, err
			}
		default:
			return out, newErr(CodeParse, "segment %d: unknown source %d", i, sg.Source)
		}
	}
	return out, nil
}

// ContextPart says which part of a run did not fit the backend's context.
type ContextPart uint8

const (
	ContextPrompt      ContextPart = iota + 1 // the prompt alone
	ContextBudget                             // the prompt with the token budget (RunOptions.MaxTokens)
	ContextEnvironment                        // an environment step's text, with the budget still to come
)

// ContextError is Run's error when part of the run does not fit the
// backend's context; errors.Is(err, ErrContext) holds for it.
type ContextError struct {
	Part ContextPart
	Msg  string
}

func (e *ContextError) Error() string { return "decoder: context: " + e.Msg }

// Is matches ErrContext.
func (e *ContextError) Is(target error) bool { return target == ErrContext }

func contextErr(part ContextPart, format string, a ...any) error {
	return &ContextError{Part: part, Msg: fmt.Sprintf(format, a...)}
}

// EnvironmentText is the line Run shows the model for an environment event:
// `Label: text` and a newline. The text is shown as it is; it is tokenized
// as plain text (no special tokens) and never parsed back.
func EnvironmentText(ev ltl.Event) string { return StepLabel(ev.Name()) + ": " + ev.Text + "\n" }

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
	// Turns, when set, draws the boundary between the model's turns as a
	// chat template does (package conversation implements it): the model's
	// message is closed, the environment's step becomes a message of its
	// own (a tool message), and the next generation prompt follows. Nil
	// shows the environment's event as EnvironmentText inside the model's
	// turn.
	Turns Turns
}

// Turns renders what a chat template puts between two of the model's
// messages. Run calls Next once per turn boundary, after Session.Observe
// accepted the environment's steps (several when the spec needs more than
// one before the model may write again: parallel calls answered one by
// one), and decodes what Next returns: its markup tokenized with
// special tokens, its content without (TokenizePrompt), so the environment's
// text stays text. Next must not return a prompt that rewrites what was
// decoded already: it gets only the model's message to append to it.
type Turns interface {
	// Next gets the model's message of the turn that just ended (its text,
	// without the text of the EOG token that ended it), that EOG token (-1
	// when the turn ended without one: the session was Done), the run's
	// events so far, and env, how many of them (the last ones, at least
	// one) are the environment's steps at this boundary. It returns what
	// follows in the model's context: the end of the model's message where
	// the template closes it, the environment's messages, the next
	// generation prompt.
	Next(message []byte, eog int, events []ltl.Event, env int) (Prompt, error)
}

// RunResult is a whole constrained run: the transcript after the prompt
// and the events the session recognised in it.
type RunResult struct {
	// Text is the transcript after the prompt, model and environment text
	// together (Segments concatenated). It is for showing, never for
	// parsing: environment text in it can look like anything.
	Text []byte
	// Segments are the transcript as written: model turns and environment
	// steps, in order (see SegmentEvents).
	Segments []Segment
	// Events are the session's events: those it parsed from each of the
	// model's events as it completed, and the environment's as given.
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
// The environment's event is shown as EnvironmentText, tokenized as plain
// text (Backend.Tokenize without special tokens), and given to the session
// as it is: its text is never parsed, so it cannot be read as an event of
// the model's or end the model's turn. With RunOptions.Turns the model's
// message is closed and the event is shown as its own message, as the
// chat template draws it (Turns); the environment segment then holds that
// rendered text.
//
// What does not fit the backend's context is refused before it is
// decoded, with ErrContext naming it: the prompt or the prompt with the
// budget before anything is decoded, an environment step (with the budget
// still to come) before it is shown.
func Run(ctx context.Context, b Backend, s *Session, prompt []int, opts RunOptions) (res RunResult, err error) {
	start := time.Now()
	// res is a named result so that this deferred fill-in reaches the caller
	// (with an unnamed result, `return res, ...` copies res before it runs).
	defer func() {
		res.Events = s.Events()
		res.Complete = s.Complete()
		res.Elapsed = time.Since(start)
	}()
	if err := opts.Sampler.Check(); err != nil {
		return res, err
	}
	nctx, room := b.ContextSize(), b.ContextSize()-b.Position()
	if len(prompt) > room {
		return res, contextErr(ContextPrompt, "prompt of %d tokens does not fit: %d of the context's %d tokens are left (limit ContextSize)", len(prompt), room, nctx)
	}
	fixed := opts.MaxTokens > 0
	budget := opts.MaxTokens
	if !fixed {
		budget = room - len(prompt)
	} else if len(prompt)+budget > room {
		return res, contextErr(ContextBudget, "the prompt of %d tokens and the token budget of %d (limit MaxTokens) need %d tokens; %d of the context's %d are left (limit ContextSize)",
			len(prompt), budget, len(prompt)+budget, room, nctx)
	}
	maxTurns := opts.MaxTurns
	if maxTurns <= 0 {
		maxTurns = budget + 64
	}
	if err := s.CheckBudget(budget); err != nil {
		return res, err
	}
	eogPiece := func(g Result) int {
		if g.Stop == StopEOG && len(g.Tokens) > 0 {
			return len(b.Vocab().Pieces[g.Tokens[len(g.Tokens)-1]])
		}
		return 0
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
		// The model's segment is what it wrote, without the text an EOG
		// token may have (the session never saw that as text either).
		if text := g.Text[:len(g.Text)-eogPiece(g)]; len(text) > 0 {
			res.Text = append(res.Text, text...)
			res.Segments = append(res.Segments, Segment{Source: SourceModel, Text: slices.Clone(text)})
		}
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
		env := 1
		envEvents := []ltl.Event{ev}
		// With Turns, steps the environment must take one after another
		// (answers to parallel calls) go into one boundary: the template
		// draws them as consecutive tool messages before the next
		// generation prompt, which must not come in between. Each counts
		// as a turn for MaxTurns.
		for opts.Turns != nil && s.AwaitingEnvironment() {
			if res.Turns == maxTurns {
				return res, fmt.Errorf("decoder: run did not end within %d model turns (limit MaxTurns)", maxTurns)
			}
			res.Turns++
			if ev, err = opts.Environment(s.Events()); err != nil {
				return res, err
			}
			if err := s.Observe(ev); err != nil {
				return res, err
			}
			env++
			envEvents = append(envEvents, ev)
		}
		var line string
		if opts.Turns != nil {
			eog := -1
			if g.Stop == StopEOG && len(g.Tokens) > 0 {
				eog = g.Tokens[len(g.Tokens)-1]
			}
			msg := g.Text[:len(g.Text)-eogPiece(g)]
			p, err := opts.Turns.Next(slices.Clone(msg), eog, s.Events(), env)
			if err != nil {
				return res, err
			}
			line = p.String()
			if next, err = TokenizePrompt(b, p, false); err != nil {
				return res, err
			}
		} else {
			line = EnvironmentText(ev)
			if next, err = b.Tokenize(line, false, false); err != nil {
				return res, err
			}
		}
		if len(next) == 0 {
			// Generate refuses an empty prompt; a turn boundary the
			// template draws as nothing is not one Run can continue after.
			return res, fmt.Errorf("decoder: the environment's step (%s) renders as no tokens", ev.Name())
		}
		room := nctx - b.Position()
		if fixed {
			if left := budget - res.Tokens; len(next)+left > room {
				return res, contextErr(ContextEnvironment, "environment text (%s step) of %d tokens and the %d tokens left of the budget (limit MaxTokens) need %d tokens; %d of the context's %d are left (limit ContextSize)",
					ev.Name(), len(next), left, len(next)+left, room, nctx)
			}
		} else {
			// Without a fixed budget the budget is the room in the context,
			// which the environment's text takes from.
			if need := s.MinTokens(); len(next)+need > room {
				return res, contextErr(ContextEnvironment, "environment text (%s step) of %d tokens leaves %d of the context's %d tokens, below the %d tokens the run still needs (limit ContextSize)",
					ev.Name(), len(next), room-len(next), nctx, need)
			}
			budget = res.Tokens + room - len(next)
		}
		res.Text = append(res.Text, line...)
		// One segment per environment event (SegmentEvents reads each);
		// the boundary's rendered text is the first's.
		for i, e := range envEvents {
			sg := Segment{Source: SourceEnvironment, Event: e}
			if i == 0 {
				sg.Text = []byte(line)
			}
			res.Segments = append(res.Segments, sg)
		}
		if opts.OnText != nil {
			opts.OnText([]byte(line), false)
		}
	}
}
