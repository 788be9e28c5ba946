package agent

import (
	"context"
	"slices"
	"strconv"

	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// free is the TokenConstraint of an unconstrained run: every token is
// allowed and the model's turn ends where it writes an end-of-generation
// token.
type free struct{}

func (free) ApplyMask([]float32)      {}
func (free) Forced() (int, bool)      { return 0, false }
func (free) Accept(int) error         { return nil }
func (free) Done() bool               { return false }
func (free) SetBudget(tokensLeft int) {}

// runFree is Options.Unconstrained's loop: the same conversation, format
// and tools, no mask; each message parsed with the format's parser, its
// calls performed and answered as tool messages.
func (a *Agent) runFree(ctx context.Context, tools Tools, conv *conversation.Conversation, res *Result) error {
	var events []ltl.Event
	next, err := decoder.TokenizePrompt(a.model, conv.Prompt(), false)
	if err != nil {
		return err
	}
	step := func(source string, ev ltl.Event) {
		e := TraceEntry{Source: source, Event: ev, Text: ev.Text}
		res.Trace = append(res.Trace, e)
		if a.opts.OnStep != nil {
			a.opts.OnStep(e)
		}
	}
	end := conv.EndOfTurn().Token
	vocab := a.model.Vocab()
	defer func() { a.judgeFree(res, events) }()
	for {
		left := a.Budget() - res.Tokens
		if left <= 0 {
			return nil
		}
		res.Turns++
		sampler := a.opts.Sampler
		sampler.Seed += int64(res.Turns-1) * 1_000_003 // as decoder.Run: a stream per turn
		g, err := decoder.Generate(ctx, a.model, free{}, next, decoder.GenerateOptions{
			MaxTokens: left,
			Sampler:   sampler,
			OnToken: func(tok int, piece []byte) {
				if a.opts.OnText != nil {
					a.opts.OnText(piece, true)
				}
			},
		})
		res.Tokens += len(g.Tokens)
		res.DecodeTime += g.DecodeTime
		res.MaskTime = append(res.MaskTime, g.MaskTime...)
		eog := -1
		msg := g.Text
		if g.Stop == decoder.StopEOG && len(g.Tokens) > 0 {
			last := g.Tokens[len(g.Tokens)-1]
			msg = msg[:len(msg)-len(vocab.Pieces[last])]
			if last == end {
				eog = last
			}
		}
		if len(msg) > 0 {
			res.Text = append(res.Text, msg...)
			res.Segments = append(res.Segments, decoder.Segment{Source: decoder.SourceModel, Text: slices.Clone(msg)})
		}
		if err != nil {
			return err
		}
		evs, perr := a.format.Parse(msg)
		if perr != nil {
			res.Violation = "model turn " + strconv.Itoa(res.Turns) + " is not in the " + a.format.String() + " format: " + perr.Error()
			res.parseFailed = true
			return nil
		}
		var calls []int
		for _, ev := range evs {
			step("model", ev)
			if ev.IsCall() {
				calls = append(calls, len(events))
			}
			events = append(events, ev)
		}
		if g.Stop != decoder.StopEOG || len(calls) == 0 {
			return nil // the model is done, or the budget or context is
		}
		var envEvs []ltl.Event
		for _, i := range calls {
			out, err := a.perform(ctx, tools, events[i])
			if err != nil {
				return err
			}
			events[i].Outcome, events[i].Result, events[i].Error = out.Outcome, out.Result, out.Error
			step("environment", out)
			envEvs = append(envEvs, out)
			res.Segments = append(res.Segments, decoder.Segment{Source: decoder.SourceEnvironment, Event: out})
		}
		if a.shared.envStep != "" {
			for range calls {
				events = append(events, ltl.Event{Step: a.shared.envStep})
			}
		}
		p, err := conv.Next(slices.Clone(msg), eog, append(slices.Clone(events), envEvs...), len(envEvs))
		if err != nil {
			return err
		}
		line := p.String()
		res.Text = append(res.Text, line...)
		if k := len(res.Segments) - len(envEvs); k >= 0 {
			res.Segments[k].Text = []byte(line)
		}
		if a.opts.OnText != nil {
			a.opts.OnText([]byte(line), false)
		}
		if next, err = decoder.TokenizePrompt(a.model, p, false); err != nil {
			return err
		}
	}
}

// judgeFree sets the verdict of an unconstrained run.
func (a *Agent) judgeFree(res *Result, events []ltl.Event) {
	if res.parseFailed {
		res.Events = events
		res.Accepted = false
		return
	}
	a.judge(res, events, nil)
}
