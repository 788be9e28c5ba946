package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"time"
	"unicode/utf8"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// GenerateCmd is `plan generate --spec SPEC ...`: constrained generation on
// llama.cpp, streaming the text, then the events and the verdict.
type GenerateCmd struct {
	specFlags
	modelFlags
	Spec        string  `name:"spec" required:"" placeholder:"SPEC.ltl" help:"The spec the output must satisfy."`
	Format      string  `name:"format" default:"react" enum:"json,hermes,pythonic,react" help:"Call syntax: ${enum}."`
	Prompt      string  `name:"prompt" placeholder:"TEXT" help:"The user prompt." xor:"prompt"`
	PromptFile  string  `name:"prompt-file" placeholder:"FILE" help:"Read the user prompt from FILE (- reads standard input)." xor:"prompt"`
	MaxTokens   int     `name:"max-tokens" default:"256" help:"Budget of generated tokens over the whole run; the output ends acceptably within it."`
	Seed        int64   `name:"seed" default:"1" help:"Sampling seed."`
	Temperature float64 `name:"temperature" default:"0.8" help:"Sampling temperature (0: greedy)."`
	TopK        int     `name:"top-k" default:"0" help:"Keep the K most likely tokens (0: all)."`
	TopP        float64 `name:"top-p" default:"1" help:"Nucleus sampling mass."`
	Observation string  `name:"observation" default:"(no tool ran: plan generate has no tools to call)" help:"Text of the observation given after each tool call."`
	JSON        bool    `name:"json" help:"Print one JSON object instead of streaming text."`
}

type generateReport struct {
	Text string `json:"text"`
	// Segments is the transcript as written: the model's turns and the
	// environment's steps. Events come from them, never from Text.
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
	Violation  string          `json:"violation,omitempty"`
}

// segmentReport is one decoder.Segment in --json's output.
type segmentReport struct {
	Source string     `json:"source"` // "model" or "environment"
	Text   string     `json:"text"`
	Event  *ltl.Event `json:"event,omitempty"` // the environment's event
}

func (c *GenerateCmd) Run(e *env) error {
	format, err := decoder.ParseFormat(c.Format)
	if err != nil {
		return inputErr(err)
	}
	switch {
	case math.IsNaN(c.Temperature) || math.IsInf(c.Temperature, 0):
		return inputErr(fmt.Errorf("--temperature must be a finite number, got %g", c.Temperature))
	case math.IsNaN(c.TopP) || math.IsInf(c.TopP, 0):
		return inputErr(fmt.Errorf("--top-p must be a finite number, got %g", c.TopP))
	case c.MaxTokens < 1:
		return inputErr(fmt.Errorf("--max-tokens must be at least 1, got %d", c.MaxTokens))
	case c.Temperature < 0:
		return inputErr(fmt.Errorf("--temperature must be at least 0, got %g", c.Temperature))
	case c.TopP <= 0 || c.TopP > 1:
		return inputErr(fmt.Errorf("--top-p must be in (0, 1], got %g", c.TopP))
	case c.TopK < 0:
		return inputErr(fmt.Errorf("--top-k must be at least 0, got %d", c.TopK))
	}
	opts, err := c.options()
	if err != nil {
		return inputErr(err)
	}
	spec, err := c.compile(c.Spec)
	if err != nil {
		return err
	}
	if spec.DFA.IsEmpty() {
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
	if prompt == "" {
		prompt = "Do the task: " + spec.Source.Title
	}
	model, err := c.load(e.stderr, 0)
	if err != nil {
		return inputErr(err)
	}
	defer model.Close()

	vocab := model.Vocab()
	ix, err := decoder.NewIndex(decoder.FromDFA(spec.DFA), vocab, decoder.NewTrie(vocab), decoder.IndexOptions{
		Format: format, Tools: spec.Schemas,
	})
	if err != nil {
		return inputErr(err)
	}
	session, err := ix.Start(decoder.SessionOptions{MaxTokens: c.MaxTokens})
	if err != nil {
		return inputErr(err)
	}

	var steps []string
	for _, d := range spec.Source.Steps {
		steps = append(steps, d.Name)
	}
	system := decoder.Instructions(format, steps, decoder.DefaultEnvSteps, spec.Catalog, spec.Alphabet.Tools)
	// The system text (with the catalog's descriptions) and the user's
	// prompt are content: whatever they contain, they never become control
	// tokens; only the chat template's own markup does.
	rendered, ok := decoder.ApplyChatTemplate(model.ChatTemplate(), []decoder.Message{{Role: "system", Content: system}, {Role: "user", Content: prompt}})
	if !ok {
		rendered = decoder.Prompt{}.Content(system + "\n" + prompt + "\n")
	}
	tokens, err := decoder.TokenizePrompt(model, rendered, !ok)
	if err != nil {
		return inputErr(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := func([]ltl.Event) (ltl.Event, error) {
		return ltl.Event{Step: "observation", Text: c.Observation}, nil
	}
	runOpts := decoder.RunOptions{
		MaxTokens:   c.MaxTokens,
		Sampler:     decoder.SamplerOptions{Temperature: c.Temperature, TopK: c.TopK, TopP: c.TopP, Seed: c.Seed},
		Environment: env,
	}
	stream := &escapeStream{w: e.stdout}
	if !c.JSON {
		runOpts.OnText = func(b []byte, fromModel bool) {
			if fromModel {
				stream.write(b)
				return
			}
			// An environment line is shown on one line, its newlines
			// and control characters escaped: it cannot pass for output
			// of the model's or of plan's.
			stream.flush()
			fmt.Fprintf(e.stdout, "%s\n", safetext.Escape(string(bytes.TrimSuffix(b, []byte("\n")))))
		}
	}
	res, err := decoder.Run(ctx, model, session, tokens, runOpts)
	stream.flush()
	if ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "\nplan: interrupted after %d tokens (%d events so far)\n", res.Tokens, len(res.Events))
		return &exitError{code: exitInterrupted}
	}
	if ce := (*decoder.ContextError)(nil); errors.As(err, &ce) {
		hint := map[decoder.ContextPart]string{
			decoder.ContextPrompt:      "shorten --prompt",
			decoder.ContextBudget:      "lower --max-tokens or shorten --prompt",
			decoder.ContextEnvironment: "shorten --observation or lower --max-tokens",
		}[ce.Part]
		return inputErr(fmt.Errorf("%w: %s (the model's context is %d tokens)", err, hint, model.ContextSize()))
	}
	if err != nil {
		return inputErr(err)
	}

	// The verdict comes from the independent path: each of the model's
	// turns parsed back into events on its own, the environment's events as
	// given (their text is never parsed), and the spec's formula evaluated
	// on them directly.
	events, perr := decoder.SegmentEvents(format, res.Segments)
	accepted := perr == nil && ltl.Eval(spec.Source.Formula(), events)
	segs := make([]segmentReport, len(res.Segments))
	for i, sg := range res.Segments {
		segs[i] = segmentReport{Source: sg.Source.String(), Text: string(sg.Text)}
		if sg.Source == decoder.SourceEnvironment {
			ev := sg.Event
			segs[i].Event = &ev
		}
	}
	rep := generateReport{
		Text: string(res.Text), Segments: segs, Events: events, Accepted: accepted, Tokens: res.Tokens, Forced: res.Forced,
		Turns: res.Turns, Format: c.Format, Model: model.Path(),
		TokensPerS: perSecond(res.Tokens, res.DecodeTime+sum(res.MaskTime)),
		MaskP50us:  float64(median(res.MaskTime)) / float64(time.Microsecond),
	}
	if perr != nil {
		rep.Violation = perr.Error()
	} else if v := spec.Validate(events); !v.Accepted {
		rep.Violation = v.Violation.Reason
	}
	if c.JSON {
		if err := writeJSONL(e.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.stdout)
		fmt.Fprintf(e.stdout, "--- %d events, %d tokens (%d forced) in %d turns, %.0f tokens/s\n", len(events), res.Tokens, res.Forced, res.Turns, rep.TokensPerS)
		for i, ev := range events {
			if ev.Tool != "" {
				args, _ := json.Marshal(ev.Args)
				fmt.Fprintf(e.stdout, "%3d  call %s %s\n", i, safetext.Escape(ev.Tool), safetext.Escape(string(args)))
			} else {
				fmt.Fprintf(e.stdout, "%3d  %s\n", i, safetext.Escape(ev.Step))
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
