package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// loop is one constrained run's bookkeeping between decoder.Run and the
// tools.
type loop struct {
	a     *Agent
	ctx   context.Context
	tools Tools
	s     *decoder.Session
	conv  *conversation.Conversation
	res   *Result
	// shown: session events already reported to OnStep as the model's.
	shown int
	// outcomes of calls performed whose outcome the session does not hold
	// (the spec never waited for it), by index in the session's events.
	late map[int]ltl.Event
	// awaited: the calls answered at the current boundary, for AfterCall.
	awaited []ltl.Event
	// runtime events per boundary: after how many environment segments
	// (decoder.Run's numbering) they come, and the events.
	envSeen int
	spliced []splice
	err     error // a tool-side error that ended the run (ctx, AfterCall)
}

type splice struct {
	afterEnv int
	events   []ltl.Event
}

func (a *Agent) runConstrained(ctx context.Context, tools Tools, conv *conversation.Conversation, res *Result) error {
	s, err := a.shared.ix.Start(decoder.SessionOptions{MaxTokens: a.Budget(), ToolChoice: a.opts.ToolChoice})
	if err != nil {
		return err
	}
	l := &loop{a: a, ctx: ctx, tools: tools, s: s, conv: conv, res: res, late: map[int]ltl.Event{}}
	var env decoder.Environment = l.environment
	if a.opts.Environment != nil {
		inner, err := a.opts.Environment(a.shared.ix.EnvSteps())
		if err != nil {
			return err
		}
		env = func(evs []ltl.Event) (ltl.Event, error) {
			l.report(evs)
			ev, err := inner(evs)
			if err == nil {
				l.step("environment", ev, ev.Text)
			}
			return ev, err
		}
	}
	toks, err := decoder.TokenizePrompt(a.model, conv.Prompt(), false)
	if err != nil {
		return err
	}
	rr, err := decoder.Run(ctx, a.model, s, toks, decoder.RunOptions{
		MaxTokens:   a.Budget(),
		Sampler:     a.opts.Sampler,
		Environment: env,
		OnText:      a.opts.OnText,
		Turns:       l,
	})
	if l.err != nil && err != nil {
		err = l.err
	}
	l.report(s.Events())
	if err == nil && a.opts.Environment == nil {
		err = l.catchUp(s.Events())
	}
	res.Text, res.Segments = rr.Text, rr.Segments
	res.Tokens, res.Forced, res.Turns = rr.Tokens, rr.Forced, rr.Turns
	res.MaskTime, res.DecodeTime, res.Elapsed = rr.MaskTime, rr.DecodeTime, rr.Elapsed
	res.Complete = rr.Complete
	l.verdict()
	return err
}

// step records a trace entry and reports it.
func (l *loop) step(source string, ev ltl.Event, text string) {
	e := TraceEntry{Source: source, Event: ev, Text: text}
	l.res.Trace = append(l.res.Trace, e)
	if l.a.opts.OnStep != nil {
		l.a.opts.OnStep(e)
	}
}

// report reports the model's events not reported yet.
func (l *loop) report(evs []ltl.Event) {
	for ; l.shown < len(evs); l.shown++ {
		ev := evs[l.shown]
		if ev.IsCall() && ev.Outcome != ltl.Pending {
			// An outcome the session attached: the call was reported when
			// the model wrote it, or it is a runtime event.
			continue
		}
		l.step("model", ev, "")
	}
}

// catchUp performs, in order, the calls in evs that have no outcome and
// were not performed yet: those whose outcome the spec never waits for.
func (l *loop) catchUp(evs []ltl.Event) error {
	for i, ev := range evs {
		if !ev.IsCall() || ev.Outcome != ltl.Pending {
			continue
		}
		if _, done := l.late[i]; done {
			continue
		}
		out, err := l.a.perform(l.ctx, l.tools, ev)
		if err != nil {
			return err
		}
		l.late[i] = out
		l.step("environment", out, out.Text)
	}
	return nil
}

// environment answers the step the decoder waits for: the last call's
// outcome (on the spec's observation step when it has one), or a plain
// observation step.
func (l *loop) environment(evs []ltl.Event) (ltl.Event, error) {
	l.report(evs)
	n := len(evs)
	if n > 0 && evs[n-1].IsCall() && evs[n-1].Outcome == ltl.Pending {
		if err := l.catchUp(evs[:n-1]); err != nil {
			return ltl.Event{}, err
		}
		ev, err := l.a.perform(l.ctx, l.tools, evs[n-1])
		if err != nil {
			return ev, err
		}
		call := evs[n-1]
		call.Outcome, call.Result, call.Error = ev.Outcome, ev.Result, ev.Error
		l.awaited = append(l.awaited, call)
		if l.a.shared.envStep != "" {
			ev.Tool, ev.Step = "", l.a.shared.envStep
		}
		l.step("environment", ev, ev.Text)
		return ev, nil
	}
	if err := l.catchUp(evs); err != nil {
		return ltl.Event{}, err
	}
	if l.a.shared.envStep == "" {
		return ltl.Event{}, fmt.Errorf("agent: the run awaits an environment step and the spec has none")
	}
	ev := ltl.Event{Step: l.a.shared.envStep, Text: "(nothing to observe)"}
	l.step("environment", ev, ev.Text)
	return ev, nil
}

// Next implements decoder.Turns over the conversation: before the tool
// messages are rendered, AfterCall's runtime events are recorded in the
// session (Perform) and join them.
func (l *loop) Next(msg []byte, eog int, events []ltl.Event, env int) (decoder.Prompt, error) {
	l.envSeen += env
	awaited := l.awaited
	l.awaited = nil
	if l.a.opts.AfterCall != nil {
		var performed []ltl.Event
		for _, call := range awaited {
			evs, err := l.a.opts.AfterCall(l.ctx, call)
			if err != nil {
				l.err = fmt.Errorf("agent: AfterCall after %s: %w", call.Tool, err)
				return nil, l.err
			}
			for _, ev := range evs {
				if err := l.s.Perform(ev); err != nil {
					l.err = fmt.Errorf("agent: the runtime's %s after %s: %w", ev.Name(), call.Tool, err)
					return nil, l.err
				}
				if ev.Text == "" {
					ev.Text = runtimeText(ev)
				}
				performed = append(performed, ev)
				l.step("runtime", ev, ev.Text)
			}
		}
		if len(performed) > 0 {
			l.spliced = append(l.spliced, splice{afterEnv: l.envSeen, events: performed})
			events = append(events, performed...)
			env += len(performed)
			l.shown += len(performed)
		}
	}
	return l.conv.Next(msg, eog, events, env)
}

// runtimeText is what the model is shown for a runtime event.
func runtimeText(ev ltl.Event) string {
	if ev.Outcome == ltl.Failed {
		return fmt.Sprintf("(the runtime called %s: error: %s)", ev.Name(), ev.Error)
	}
	b, _ := json.Marshal(ev.Result)
	return fmt.Sprintf("(the runtime called %s: %s)", ev.Name(), b)
}

// verdict reads the events back independently and evaluates the spec on
// them.
func (l *loop) verdict() {
	res, f := l.res, l.a.format
	var events []ltl.Event
	var perr error
	envCount, from := 0, 0
	flush := func(to int) {
		if perr != nil {
			return
		}
		evs, err := decoder.SegmentEvents(f, res.Segments[from:to])
		events = append(events, evs...)
		perr = err
		from = to
	}
	k := 0
	for i, sg := range res.Segments {
		if sg.Source == decoder.SourceEnvironment {
			envCount++
		}
		for k < len(l.spliced) && l.spliced[k].afterEnv == envCount && sg.Source == decoder.SourceEnvironment {
			flush(i + 1)
			if perr == nil {
				events = append(events, l.spliced[k].events...)
			}
			k++
		}
	}
	flush(len(res.Segments))
	// Outcomes of calls the spec never waited for, where the events line
	// up with the session's (they do for every run the decoder finished).
	for i, out := range l.late {
		if i < len(events) && events[i].Tool == out.Tool && events[i].Outcome == ltl.Pending {
			events[i].Outcome, events[i].Result, events[i].Error = out.Outcome, out.Result, out.Error
		}
	}
	l.a.judge(res, events, perr)
}

// judge sets the verdict of res on events (perr: a turn did not parse).
func (a *Agent) judge(res *Result, events []ltl.Event, perr error) {
	res.Events = events
	res.Accepted = perr == nil && ltl.Eval(a.spec.Source().Formula(), events)
	if perr != nil {
		res.Violation = perr.Error()
	} else if v := a.spec.Validate(events); !v.Accepted && v.Violation != nil {
		res.Violation = v.Violation.Reason
	} else if !res.Accepted {
		res.Violation = "the spec's formula does not hold on the events"
	}
}

// resultValue turns a tool's result into the JSON value the spec reads and
// the text the model is shown: marshalled (no HTML escapes), at most max
// bytes, and read back strictly so numbers are exact json.Number.
func resultValue(v any, max int) (any, string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, "", fmt.Errorf("the tool's result is not JSON: %v", err)
	}
	text := string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	if len(text) > max {
		return nil, "", fmt.Errorf("the tool's result of %d bytes of JSON is over %d bytes (limit Options.MaxResultBytes, --max-result-bytes)", len(text), max)
	}
	pv, err := strictjson.ParseString(text, strictjson.Limits{MaxDepth: decoder.MaxSchemaDepth * 4})
	if err != nil {
		return nil, "", fmt.Errorf("the tool's result: %v", err)
	}
	return pv.Any(), text, nil
}

// chatMessage is {"role": role, "content": content}.
func chatMessage(role, content string) chat.Value {
	return chat.Value{Kind: chat.Object, Members: []chat.Member{{Key: "role", Value: chat.Str(role)}, {Key: "content", Value: chat.Str(content)}}}
}
