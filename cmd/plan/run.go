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
	"path/filepath"
	"strings"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/agent"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// RunCmd is `plan run --spec S --env ENV.json`: the full agent loop on
// llama.cpp, the calls answered by a scripted environment.
type RunCmd struct {
	agentFlags
	appRunFlags
	TraceOut   string `name:"trace-out" placeholder:"FILE.jsonl" help:"Write the run's trace, results and errors included, as JSON Lines (plan validate reads it back); written whole or not at all."`
	JSON       bool   `name:"json" help:"Print one JSON object instead of the steps as they happen."`
	ShowPrompt bool   `name:"show-prompt" help:"Print the rendered prompt exactly before running (with --json: as \"prompt\")."`
}

// agentFlags are the flags of the commands that run a spec as an agent
// (run, eval).
type agentFlags struct {
	specFlags
	modelFlags
	routineFlags
	Spec             string        `name:"spec" required:"" placeholder:"SPEC.ltl|R.routine" help:"The spec or routine the agent runs under (its extension says which)."`
	Env              string        `name:"env" required:"" placeholder:"ENV.json" help:"Scripted tool results: {\"tools\": {\"TOOL\": [{\"when\": {ARGS}, \"result\": …}, {\"error\": \"…\"}, …]}}; the first entry whose when matches answers."`
	Format           string        `name:"format" placeholder:"NAME" help:"Call syntax: ${formats}. Default: the template's native one (react when it shows none the decoder writes)."`
	Prompt           string        `name:"prompt" placeholder:"TEXT" help:"The user prompt (default: \"Do the task: \" and the spec's title)."`
	Template         string        `name:"template" placeholder:"FILE.jinja" help:"Render the conversation with this Jinja chat template instead of the model's."`
	CtxSize          int           `name:"ctx-size" default:"4096" help:"The model's context in tokens (at most its training context)."`
	MaxTemplateBytes int           `name:"max-template-bytes" default:"1048576" help:"Limit on the chat template."`
	MaxTokens        int           `name:"max-tokens" default:"0" help:"Budget of generated tokens over the whole run. 0 (the default): 256, or the spec's shortest valid run when that takes more."`
	Seed             int64         `name:"seed" default:"1" help:"Sampling seed."`
	Temperature      float64       `name:"temperature" default:"0.8" help:"Sampling temperature (0: greedy)."`
	TopK             int           `name:"top-k" default:"0" help:"Keep the K most likely tokens (0: all)."`
	TopP             float64       `name:"top-p" default:"1" help:"Nucleus sampling mass."`
	CallTimeout      time.Duration `name:"call-timeout" default:"10s" help:"Bound on each tool call (agent.Options.CallTimeout); a call past it fails."`
	MaxEnvEntries    int           `name:"max-env-entries" default:"10000" help:"Limit on the entries of --env (agent.Limits.MaxEntries)."`
	MaxResultBytes   int           `name:"max-result-bytes" default:"1048576" help:"Limit on one tool result as JSON (agent.Options.MaxResultBytes); a larger result fails the call."`
}

// runnable is a spec ready for plan run and plan eval: compiled, with
// what its kind adds.
type runnable struct {
	spec *specplan.Spec
	// plan is the spec's text for the prompt (eval's unconstrained mode
	// sees the plan only there).
	plan string
	// afterCall is the runtime's own moves (apps' rollback).
	afterCall func(ctx context.Context, call ltl.Event) ([]ltl.Event, error)
	// forced checks a run's calls against the values their forced
	// parameters reference (routines): how many parameters were checked,
	// and whether all were equal. nil: the spec has no such parameters.
	forced func(events []ltl.Event) (checked int, ok bool)
}

// runLoaders compile a spec for run and eval by its file's extension; a
// file whose extension is not here is a .ltl spec. run_app.go adds
// ".app" with one line (func init() { runLoaders[".app"] = … }).
var runLoaders = map[string]func(f *agentFlags) (*runnable, error){
	".routine": loadRoutineRunnable,
	".txt":     loadRoutineRunnable, // .routine.txt, the Routine paper's text form
}

func (f *agentFlags) runnable() (*runnable, error) {
	if load, ok := runLoaders[filepath.Ext(f.Spec)]; ok && (filepath.Ext(f.Spec) != ".txt" || isRoutine(f.Spec)) {
		return load(f)
	}
	spec, err := f.compile(f.Spec)
	if err != nil {
		return nil, err
	}
	return &runnable{spec: spec, plan: string(spec.Source().Source)}, nil
}

// check validates the flags that need no file.
func (f *agentFlags) check() error {
	switch {
	case math.IsNaN(f.Temperature) || math.IsInf(f.Temperature, 0) || f.Temperature < 0:
		return fmt.Errorf("--temperature must be a finite number of at least 0, got %g", f.Temperature)
	case math.IsNaN(f.TopP) || math.IsInf(f.TopP, 0) || f.TopP <= 0 || f.TopP > 1:
		return fmt.Errorf("--top-p must be in (0, 1], got %g", f.TopP)
	case f.TopK < 0:
		return fmt.Errorf("--top-k must be at least 0, got %d", f.TopK)
	case f.MaxTokens < 0:
		return fmt.Errorf("--max-tokens must be at least 1 (or 0 for the default), got %d", f.MaxTokens)
	case f.CtxSize < 1:
		return fmt.Errorf("--ctx-size must be at least 1, got %d", f.CtxSize)
	case f.CallTimeout < 0:
		return fmt.Errorf("--call-timeout must be at least 0, got %s", f.CallTimeout)
	case f.MaxEnvEntries < 1:
		return fmt.Errorf("--max-env-entries must be at least 1, got %d", f.MaxEnvEntries)
	case f.MaxResultBytes < 1:
		return fmt.Errorf("--max-result-bytes must be at least 1, got %d", f.MaxResultBytes)
	}
	return nil
}

// script reads --env and checks its tools against the spec's.
func (f *agentFlags) script(spec *specplan.Spec) (*agent.Script, error) {
	opts, err := f.options()
	if err != nil {
		return nil, err
	}
	data, name, err := readInput("--env", f.Env, opts)
	if err != nil {
		return nil, err
	}
	s, err := agent.ReadScript(name, data, agent.Limits{MaxBytes: int(min(opts.MaxInputBytes, math.MaxInt32)), MaxDepth: f.MaxJSONDepth, MaxEntries: f.MaxEnvEntries})
	if err != nil {
		return nil, err
	}
	if err := s.CheckTools(spec.Alphabet().Tools); err != nil {
		return nil, err
	}
	return s, nil
}

// setup compiles the spec, reads the environment, loads the model and
// prepares the agent: everything before the first run.
// With plan the spec's text ends the system message (agent.Options.Plan).
func (f *agentFlags) setup(e *env, o agent.Options, plan bool) (*runnable, *agent.Script, *llama.Model, *agent.Agent, error) {
	if err := f.check(); err != nil {
		return nil, nil, nil, nil, inputErr(err)
	}
	var format decoder.Format
	if f.Format != "" {
		ff, err := decoder.ParseFormat(f.Format)
		if err != nil {
			return nil, nil, nil, nil, inputErr(err)
		}
		format = ff
	}
	rn, err := f.runnable()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if rn.spec.DFA().IsEmpty() {
		return nil, nil, nil, nil, &exitError{code: exitViolated, err: fmt.Errorf("%s: the spec is unsatisfiable: no run can satisfy it (plan check says which rule)", f.Spec)}
	}
	script, err := f.script(rn.spec)
	if err != nil {
		return nil, nil, nil, nil, inputErr(err)
	}
	tmpl, err := templateFlag(f.Template, f.MaxTemplateBytes)
	if err != nil {
		return nil, nil, nil, nil, inputErr(err)
	}
	model, err := f.load(e.stderr, f.CtxSize)
	if err != nil {
		return nil, nil, nil, nil, inputErr(err)
	}
	if randomWeights(model) {
		outfile.Fprintf(e.stderr, "plan: %s has random weights (the default tiny model when --model is not given): its text is noise, and only the constraint makes the run valid; give --model for a real model\n", model.Path())
	}
	o.Template, o.MaxTemplateBytes, o.Format = tmpl, f.MaxTemplateBytes, format
	o.MaxTokens, o.CallTimeout, o.MaxResultBytes = f.MaxTokens, f.CallTimeout, f.MaxResultBytes
	o.Sampler = decoder.SamplerOptions{Temperature: f.Temperature, TopK: f.TopK, TopP: f.TopP, Seed: f.Seed}
	o.AfterCall = rn.afterCall
	if plan {
		o.Plan = rn.plan
	}
	o.OnNotice = func(msg string) { fmt.Fprintf(e.stderr, "plan: %s\n", safetext.Escape(msg)) }
	a, err := agent.New(rn.spec, model, o)
	if err != nil {
		model.Close()
		return nil, nil, nil, nil, inputErr(err)
	}
	return rn, script, model, a, nil
}

// runErr maps an agent run's error to plan's exit status and hints.
func runErr(err error, model *llama.Model) error {
	if ce := (*decoder.ContextError)(nil); errors.As(err, &ce) {
		hint := map[decoder.ContextPart]string{
			decoder.ContextPrompt:      "shorten --prompt, or raise --ctx-size",
			decoder.ContextBudget:      "lower --max-tokens, shorten --prompt, or raise --ctx-size",
			decoder.ContextEnvironment: "shorten the environment's results, lower --max-tokens, or raise --ctx-size (each tool message takes context, not budget)",
		}[ce.Part]
		return inputErr(fmt.Errorf("%w: %s (the model's context is %d tokens)", err, hint, model.ContextSize()))
	}
	return inputErr(budgetHint(err))
}

type runReport struct {
	Events    []ltl.Event     `json:"events"`
	Accepted  bool            `json:"accepted"`
	Tokens    int             `json:"tokens"`
	Forced    int             `json:"forced_tokens"`
	Turns     int             `json:"turns"`
	Trace     []runTraceEntry `json:"trace"`
	Format    string          `json:"format"`
	Model     string          `json:"model"`
	Template  string          `json:"template"`
	Seed      int64           `json:"seed"`
	Violation string          `json:"violation,omitempty"`
	// ForcedParams (routines) counts the forced parameters checked against
	// the values they reference; ForcedEqual says all were equal.
	ForcedParams *int   `json:"forced_params,omitempty"`
	ForcedEqual  *bool  `json:"forced_params_equal,omitempty"`
	Prompt       string `json:"prompt,omitempty"`
}

type runTraceEntry struct {
	Source string    `json:"source"`
	Event  ltl.Event `json:"event"`
	Text   string    `json:"text,omitempty"`
}

func (c *RunCmd) Run(e *env) error {
	if isApp(c.Spec) {
		return c.runApp(e)
	}
	var o agent.Options
	if !c.JSON {
		n := 0
		o.OnStep = func(t agent.TraceEntry) { printStep(e.stdout, &n, t) }
		if c.ShowPrompt {
			o.OnPrompt = func(p string) { writeExact(e.stdout, p) }
		}
	}
	rn, script, model, a, err := c.setup(e, o, false)
	if err != nil {
		return err
	}
	defer model.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := a.Run(ctx, script, c.Prompt)
	if ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "\nplan: interrupted after %d tokens (%d events so far)\n", res.Tokens, len(res.Events))
		return &exitError{code: exitInterrupted}
	}
	if err != nil {
		return runErr(err, model)
	}
	if c.TraceOut != "" {
		if err := writeTrace(c.TraceOut, res.Events); err != nil {
			return inputErr(err)
		}
	}
	rep := runReport{Events: res.Events, Accepted: res.Accepted, Tokens: res.Tokens, Forced: res.Forced, Turns: res.Turns,
		Format: a.Format().String(), Model: model.Path(), Template: a.Template().Name, Seed: c.Seed, Violation: res.Violation}
	for _, t := range res.Trace {
		rep.Trace = append(rep.Trace, runTraceEntry{Source: t.Source, Event: t.Event, Text: t.Text})
	}
	if rn.forced != nil {
		n, ok := rn.forced(res.Events)
		rep.ForcedParams, rep.ForcedEqual = &n, &ok
	}
	if c.ShowPrompt {
		rep.Prompt = res.Prompt
	}
	if c.JSON {
		if err := writeJSONL(e.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "--- trace: %d events, %d tokens (%d forced) in %d turns\n", len(res.Events), res.Tokens, res.Forced, res.Turns)
		for i, ev := range res.Events {
			outfile.Fprintf(e.stdout, "%3d  %s\n", i+1, eventLine(ev))
		}
		if rep.ForcedParams != nil {
			verdict := "all equal to the values they reference"
			if !*rep.ForcedEqual {
				verdict = "NOT all equal to the values they reference"
			}
			fmt.Fprintf(e.stdout, "forced parameters: %d checked, %s\n", *rep.ForcedParams, verdict)
		}
		if res.Accepted {
			fmt.Fprintf(e.stdout, "verdict: accepted by %s\n", safetext.Escape(c.Spec))
		} else {
			fmt.Fprintf(e.stdout, "verdict: VIOLATES %s: %s\n", safetext.Escape(c.Spec), safetext.Escape(rep.Violation))
		}
	}
	if !res.Accepted {
		return &exitError{code: exitViolated}
	}
	return nil
}

// printStep prints one step of a run as it happens, every piece of text
// escaped (a result cannot pass for plan's output or a terminal's
// control): the model's events numbered, the environment's answers under
// them.
func printStep(w io.Writer, n *int, t agent.TraceEntry) {
	switch t.Source {
	case "model":
		*n++
		outfile.Fprintf(w, "%3d  model: %s\n", *n, eventLine(t.Event))
	case "runtime":
		*n++
		outfile.Fprintf(w, "%3d  runtime: %s\n", *n, eventLine(t.Event))
	default:
		ev := t.Event
		switch {
		case ev.Outcome == ltl.Failed:
			outfile.Fprintf(w, "     -> %s failed: %s\n", ev.Name(), ev.Error)
		case ev.Outcome == ltl.Returned:
			outfile.Fprintf(w, "     -> %s returned %s\n", ev.Name(), resultText(ev.Result))
		default:
			*n++
			outfile.Fprintf(w, "%3d  environment: %s: %s\n", *n, ev.Step, t.Text)
		}
	}
}

// eventLine is an event for people: a call with its arguments (and its
// outcome once known), or a step with its text.
func eventLine(ev ltl.Event) string {
	if ev.Tool == "" {
		if ev.Text != "" {
			return ev.Step + ": " + ev.Text
		}
		return ev.Step
	}
	s := "call " + ev.Tool + " " + argsText(ev.Args)
	switch ev.Outcome {
	case ltl.Returned:
		s += " -> " + resultText(ev.Result)
	case ltl.Failed:
		s += " -> fails: " + ev.Error
	}
	return s
}

func resultText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// writeTrace writes events as a JSON Lines trace (ltl.Event's trace form,
// results and errors on their calls), whole or not at all.
func writeTrace(path string, events []ltl.Event) error {
	f, err := outfile.Create(path, outfile.Options{})
	if err != nil {
		return err
	}
	for _, ev := range events {
		if err := outfile.JSON(f, ev); err != nil {
			f.Abort()
			return err
		}
	}
	return f.Commit()
}
