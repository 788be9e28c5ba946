package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/specplan/specplan/agent"
	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// GenerateCmd is `plan generate --spec SPEC ...`: constrained generation on
// llama.cpp as a chat in the model's own template, streaming the text, then
// the events and the verdict.
type GenerateCmd struct {
	specFlags
	modelFlags
	Spec             string  `name:"spec" required:"" placeholder:"SPEC.ltl" help:"The spec the output must satisfy."`
	Format           string  `name:"format" placeholder:"NAME" help:"Call syntax: ${formats}. Default: the template's native one (react when it shows none the decoder writes)."`
	Prompt           string  `name:"prompt" placeholder:"TEXT" help:"The user prompt." xor:"prompt"`
	PromptFile       string  `name:"prompt-file" placeholder:"FILE" help:"Read the user prompt from FILE (- reads standard input)." xor:"prompt"`
	System           string  `name:"system" placeholder:"TEXT" help:"The system message (default: how to write the spec's steps, and the tools when the template has no tools section)."`
	Template         string  `name:"template" placeholder:"FILE.jinja" help:"Render the conversation with this Jinja chat template instead of the model's."`
	Now              string  `name:"now" placeholder:"RFC3339" help:"Pin the clock the template's strftime_now reads, e.g. 2026-07-26T10:30:00Z (default: now)."`
	Think            string  `name:"think" enum:",on,off" default:"" placeholder:"on|off" help:"Pass enable_thinking=true/false to templates that read it."`
	ShowPrompt       bool    `name:"show-prompt" help:"Print the rendered prompt exactly, as plan prompt does, before generating (with --json: as \"prompt\")."`
	CtxSize          int     `name:"ctx-size" default:"4096" help:"The model's context in tokens (at most its training context)."`
	MaxTemplateBytes int     `name:"max-template-bytes" default:"1048576" help:"Limit on the chat template."`
	MaxTokens        int     `name:"max-tokens" default:"0" help:"Budget of generated tokens over the whole run; the output ends acceptably within it. 0 (the default): 256, or the spec's shortest valid run when that takes more."`
	Seed             int64   `name:"seed" default:"1" help:"Sampling seed."`
	Temperature      float64 `name:"temperature" default:"0.8" help:"Sampling temperature (0: greedy)."`
	TopK             int     `name:"top-k" default:"0" help:"Keep the K most likely tokens (0: all)."`
	TopP             float64 `name:"top-p" default:"1" help:"Nucleus sampling mass."`
	Observation      string  `name:"observation" default:"(no tool ran: plan generate has no tools to call)" help:"Text of the observation given after each tool call, as a tool message; it is also the call's result: parsed as JSON when it is JSON, else a string."`
	ToolChoice       string  `name:"tool-choice" placeholder:"JSON" help:"OpenAI's tool_choice, enforced on every model turn: \"auto\", \"required\", \"none\", {\"type\":\"function\",\"function\":{\"name\":\"T\"}} or {\"type\":\"allowed_tools\",…}; a bare word is read as a JSON string."`
	JSON             bool    `name:"json" help:"Print one JSON object instead of streaming text."`
}

type generateReport struct {
	Text string `json:"text"`
	// Segments is the transcript as written: the model's turns (its
	// assistant messages) and the environment's steps (the template's
	// text between them: the end of the model's message, the tool
	// message, the next generation prompt). Events come from them, never
	// from Text.
	Segments   []segmentReport `json:"segments"`
	Events     []ltl.Event     `json:"events"`
	Accepted   bool            `json:"accepted"`
	Tokens     int             `json:"tokens"`
	Forced     int             `json:"forced_tokens"`
	Turns      int             `json:"turns"`
	TokensPerS float64         `json:"tokens_per_s"`
	MaskP50us  float64         `json:"mask_p50_us"`
	Format     string          `json:"format"`
	Model      string          `json:"model"`
	Template   string          `json:"template"`
	Prompt     string          `json:"prompt,omitempty"` // with --show-prompt
	Violation  string          `json:"violation,omitempty"`
}

// segmentReport is one decoder.Segment in --json's output.
type segmentReport struct {
	Source string     `json:"source"` // "model" or "environment"
	Text   string     `json:"text"`
	Event  *ltl.Event `json:"event,omitempty"` // the environment's event
}

func (c *GenerateCmd) Run(e *env) error {
	switch {
	case math.IsNaN(c.Temperature) || math.IsInf(c.Temperature, 0):
		return inputErr(fmt.Errorf("--temperature must be a finite number, got %g", c.Temperature))
	case math.IsNaN(c.TopP) || math.IsInf(c.TopP, 0):
		return inputErr(fmt.Errorf("--top-p must be a finite number, got %g", c.TopP))
	case c.MaxTokens < 0:
		return inputErr(fmt.Errorf("--max-tokens must be at least 1 (or 0 for the default), got %d", c.MaxTokens))
	case c.Temperature < 0:
		return inputErr(fmt.Errorf("--temperature must be at least 0, got %g", c.Temperature))
	case c.TopP <= 0 || c.TopP > 1:
		return inputErr(fmt.Errorf("--top-p must be in (0, 1], got %g", c.TopP))
	case c.TopK < 0:
		return inputErr(fmt.Errorf("--top-k must be at least 0, got %d", c.TopK))
	case c.CtxSize < 1:
		return inputErr(fmt.Errorf("--ctx-size must be at least 1, got %d", c.CtxSize))
	}
	var format decoder.Format
	if c.Format != "" {
		f, err := decoder.ParseFormat(c.Format)
		if err != nil {
			return inputErr(err)
		}
		format = f
	}
	render, err := renderOptions(c.Now, c.Think)
	if err != nil {
		return inputErr(err)
	}
	opts, err := c.options()
	if err != nil {
		return inputErr(err)
	}
	spec, err := c.compile(c.Spec)
	if err != nil {
		return err
	}
	if spec.DFA().IsEmpty() {
		return &exitError{code: exitViolated, err: fmt.Errorf("%s: the spec is unsatisfiable: no output can satisfy it (plan check says which rule)", c.Spec)}
	}
	prompt := c.Prompt
	if c.PromptFile != "" {
		data, _, err := readInput("--prompt-file", c.PromptFile, opts)
		if err != nil {
			return inputErr(err)
		}
		prompt = string(data)
	}
	var choice decoder.ToolChoice
	if c.ToolChoice != "" {
		raw := []byte(c.ToolChoice)
		if t := strings.TrimSpace(c.ToolChoice); t != "" && t[0] != '{' && t[0] != '"' {
			raw, _ = json.Marshal(t) // --tool-choice required
		}
		if choice, err = decoder.ParseToolChoice(raw); err != nil {
			return inputErr(err)
		}
	}
	model, err := c.load(e.stderr, c.CtxSize)
	if err != nil {
		return inputErr(err)
	}
	defer model.Close()
	if randomWeights(model) {
		outfile.Fprintf(e.stderr, "plan: %s has random weights (the default tiny model when --model is not given): its text is noise, and only the constraint makes the run valid; give --model for a real model\n", model.Path())
	}
	tmpl, err := templateFlag(c.Template, c.MaxTemplateBytes)
	if err != nil {
		return inputErr(err)
	}
	// Every awaited step is answered with --observation (the call's result
	// when it is JSON); the line shown for it is the last one given.
	var last ltl.Event
	stream := &escapeStream{w: e.stdout}
	ao := agent.Options{
		Template: tmpl, MaxTemplateBytes: c.MaxTemplateBytes, Format: format, System: c.System, Render: render,
		MaxTokens: c.MaxTokens, ToolChoice: choice,
		Sampler: decoder.SamplerOptions{Temperature: c.Temperature, TopK: c.TopK, TopP: c.TopP, Seed: c.Seed},
		Environment: func(envSteps []string) (decoder.Environment, error) {
			canned, err := decoder.CannedEnvironment(c.Observation, envSteps)
			if err != nil {
				return nil, err
			}
			return func(evs []ltl.Event) (ltl.Event, error) {
				var err error
				last, err = canned(evs)
				return last, err
			}, nil
		},
		OnNotice: func(msg string) { fmt.Fprintf(e.stderr, "plan: %s\n", safetext.Escape(msg)) },
	}
	if c.ShowPrompt && !c.JSON {
		ao.OnPrompt = func(p string) { writeExact(e.stdout, p) }
	}
	if !c.JSON {
		ao.OnText = func(b []byte, fromModel bool) {
			if fromModel {
				stream.write(b)
				return
			}
			// The environment's step is shown as one line, its newlines
			// and control characters escaped: it cannot pass for output
			// of the model's or of plan's. (The model saw it as a tool
			// message; --json's segments have that text.)
			stream.flush()
			fmt.Fprintf(e.stdout, "%s\n", safetext.Escape(strings.TrimSuffix(decoder.EnvironmentText(last), "\n")))
		}
	}
	a, err := agent.New(spec, model, ao)
	if err != nil {
		return inputErr(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := a.Run(ctx, nil, prompt)
	stream.flush()
	if res != nil && res.Untooled > 0 {
		outfile.Fprintf(e.stderr, "plan: %d assistant messages with calls went back as the model's text, without tool_calls: %s prints only the calls of a message with tool_calls, not the text the model wrote before them\n", res.Untooled, a.Template().Name)
	}
	if ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "\nplan: interrupted after %d tokens (%d events so far)\n", res.Tokens, len(res.Events))
		return &exitError{code: exitInterrupted}
	}
	if ce := (*decoder.ContextError)(nil); errors.As(err, &ce) {
		hint := map[decoder.ContextPart]string{
			decoder.ContextPrompt:      "shorten --prompt or --system, or raise --ctx-size",
			decoder.ContextBudget:      "lower --max-tokens, shorten --prompt, or raise --ctx-size",
			decoder.ContextEnvironment: "shorten --observation, lower --max-tokens, or raise --ctx-size (each tool message and the template's text around it take context, not budget)",
		}[ce.Part]
		return inputErr(fmt.Errorf("%w: %s (the model's context is %d tokens)", err, hint, model.ContextSize()))
	}
	if err != nil {
		return inputErr(budgetHint(err))
	}

	// The verdict is the agent's, from the independent path: each of the
	// model's turns parsed back into events on its own, the environment's
	// events as given (their text is never parsed), and the spec's formula
	// evaluated on them directly.
	events, accepted := res.Events, res.Accepted
	rep := generateReport{
		Text: string(res.Text), Segments: segmentReports(res.Segments), Events: events, Accepted: accepted, Tokens: res.Tokens, Forced: res.Forced,
		Turns: res.Turns, Format: a.Format().String(), Model: model.Path(), Template: a.Template().Name,
		TokensPerS: perSecond(res.Tokens, res.DecodeTime+sum(res.MaskTime)),
		MaskP50us:  float64(median(res.MaskTime)) / float64(time.Microsecond),
		Violation:  res.Violation,
	}
	if c.ShowPrompt {
		rep.Prompt = res.Prompt
	}
	if c.JSON {
		if err := writeJSONL(e.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.stdout)
		fmt.Fprintf(e.stdout, "--- %d events, %d tokens (%d forced) in %d turns, %.0f tokens/s\n", len(events), res.Tokens, res.Forced, res.Turns, rep.TokensPerS)
		if res.Forced > 0 {
			fmt.Fprintf(e.stdout, "    (forced: the spec allowed only one token there, so it was written without sampling the model)\n")
		}
		// Events count from 1, as in violation messages and trace lines.
		for i, ev := range events {
			if ev.Tool != "" {
				outfile.Fprintf(e.stdout, "%3d  call %s %s\n", i+1, ev.Tool, argsText(ev.Args))
			} else {
				outfile.Fprintf(e.stdout, "%3d  %s\n", i+1, ev.Step)
			}
		}
		if accepted {
			fmt.Fprintf(e.stdout, "verdict: accepted by %s\n", safetext.Escape(c.Spec))
		} else {
			fmt.Fprintf(e.stdout, "verdict: VIOLATES %s: %s\n", safetext.Escape(c.Spec), safetext.Escape(rep.Violation))
		}
	}
	if !accepted {
		return &exitError{code: exitViolated}
	}
	return nil
}

// argsText is a call's arguments as JSON for people: `>` and `&` as they
// are, not encoding/json's HTML escapes.
func argsText(args map[string]any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(args); err != nil {
		return fmt.Sprint(args)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// templateFlag is --template: the chat template to render with instead
// of the model's (nil without the flag).
func templateFlag(path string, maxBytes int) (*conversation.Template, error) {
	if path == "" {
		return nil, nil
	}
	data, err := readBounded(path, maxBytes, "--max-template-bytes")
	if err != nil {
		return nil, err
	}
	return &conversation.Template{Name: path, Source: string(data)}, nil
}

// segmentReports are a run's segments for --json.
func segmentReports(segments []decoder.Segment) []segmentReport {
	segs := make([]segmentReport, len(segments))
	for i, sg := range segments {
		segs[i] = segmentReport{Source: sg.Source.String(), Text: string(sg.Text)}
		if sg.Source == decoder.SourceEnvironment {
			ev := sg.Event
			segs[i].Event = &ev
		}
	}
	return segs
}

// renderOptions are --now and --think as the template sees them.
func renderOptions(now, think string) (chat.Options, error) {
	o := chat.Options{Kwargs: map[string]any{}}
	if now != "" {
		t, err := time.Parse(time.RFC3339, now)
		if err != nil {
			return o, fmt.Errorf("--now: want an RFC3339 time such as 2026-07-26T10:30:00Z: %v", err)
		}
		o.Now = func() time.Time { return t }
	}
	switch think {
	case "on":
		o.Kwargs["enable_thinking"] = true
	case "off":
		o.Kwargs["enable_thinking"] = false
	}
	return o, nil
}

// chatMessage is {"role": role, "content": content}.
func chatMessage(role, content string) chat.Value {
	return chat.Value{Kind: chat.Object, Members: []chat.Member{{Key: "role", Value: chat.Str(role)}, {Key: "content", Value: chat.Str(content)}}}
}

// writeExact writes rendered text byte for byte, except that a terminal is
// never sent control characters from the conversation.
func writeExact(w io.Writer, out string) error {
	if isTerminal(w) {
		var b strings.Builder
		for i, line := range strings.Split(out, "\n") {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(safetext.EscapeKeepTab(line))
		}
		out = b.String()
	}
	_, err := io.WriteString(w, out)
	return err
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := 1; i < len(s); i++ { // insertion sort: runs are short
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)/2]
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// escapeStream writes the model's text as it streams, token by token, with
// every character safetext would escape escaped (newlines and tabs are the
// layout of the model's events and pass). A rune split across tokens waits
// for its last byte.
type escapeStream struct {
	w    io.Writer
	pend []byte
}

func (s *escapeStream) write(b []byte) {
	buf := append(s.pend, b...)
	s.pend = nil
	var out []byte
	for i := 0; i < len(buf); {
		if !utf8.FullRune(buf[i:]) {
			s.pend = append([]byte(nil), buf[i:]...)
			break
		}
		r, n := utf8.DecodeRune(buf[i:])
		if r == '\n' || r == '\t' {
			out = append(out, byte(r))
		} else {
			out = append(out, safetext.Escape(string(buf[i:i+n]))...)
		}
		i += n
	}
	s.w.Write(out)
}

// flush writes what is pending (an incomplete rune, escaped).
func (s *escapeStream) flush() {
	if len(s.pend) > 0 {
		io.WriteString(s.w, safetext.Escape(string(s.pend)))
		s.pend = nil
	}
}
