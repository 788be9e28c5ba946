package main

import (
	"bytes"
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/ltl"
)

// ValidateCmd is `plan validate SPEC TRACE...`.
type ValidateCmd struct {
	specFlags
	routineFlags
	Spec     string   `arg:"" help:"The .ltl spec."`
	Traces   []string `arg:"" optional:"" help:"JSON Lines trace files, one event per line (- reads standard input)."`
	Examples []string `name:"examples" sep:"none" placeholder:"FILE.md" help:"Validate the few-shot examples inside a prompt file, written in --examples-format (repeat the flag for more files; a comma is part of the name)."`
	ExFormat string   `name:"examples-format" default:"react" placeholder:"FORMAT" help:"The call format the --examples are written in: react (Action: tool[args]), json, hermes, pythonic, or a native format (qwen, llama3, mistral, granite, …). A call in another format is reported, never read as text."`
	OpenAI   []string `name:"openai" placeholder:"LOG.json" help:"Validate an OpenAI chat log: a messages array, a request or response body, or JSON Lines of bodies (tool calls with their tool messages' results). - reads standard input."`
	TextStep string   `name:"text-step" placeholder:"STEP" help:"With --openai: assistant text content is a step of this kind (e.g. answer); without it, text is not an event."`
	ToolStep string   `name:"tool-step" placeholder:"STEP" help:"With --openai: each tool message is also a step of this kind (e.g. observation), after its call."`
	JSON     bool     `name:"json" help:"Print one JSON object per trace."`
}

type traceReport struct {
	Trace     string              `json:"trace"`
	Accepted  bool                `json:"accepted"`
	Violation *specplan.Violation `json:"violation,omitempty"`
	Error     string              `json:"error,omitempty"` // the trace could not be read
}

func (c *ValidateCmd) Run(e *env) error {
	if isApp(c.Spec) {
		return c.validateApp(e)
	}
	if len(c.Traces) == 0 && len(c.Examples) == 0 && len(c.OpenAI) == 0 {
		return inputErr(fmt.Errorf("nothing to validate: give trace files, --examples FILE.md or --openai LOG.json"))
	}
	if (c.TextStep != "" || c.ToolStep != "") && len(c.OpenAI) == 0 {
		return inputErr(fmt.Errorf("--text-step and --tool-step apply to --openai logs"))
	}
	spec, err := c.compileAny(c.Spec, c.routineFlags)
	if err != nil {
		return err
	}
	opts, _ := c.options() // compile checked them
	lopts := opts.Input()
	// A trace that cannot be read is reported (exit 2) without hiding the
	// verdicts of the others: a CI job over many files keeps every result.
	// Each input is read, judged and reported before the next is read, so a
	// run over many files holds one file at a time.
	unreadable, failed, total := 0, 0, 0
	// at, if set, says where event i was written, for the report.
	report := func(name string, events []ltl.Event, at func(i int) string, err error) error {
		total++
		if err != nil {
			unreadable++
			printError(e.stderr, err)
			if c.JSON {
				return writeJSONL(e.stdout, traceReport{Trace: name, Error: err.Error()})
			}
			return nil
		}
		v := spec.Validate(events)
		if !v.Accepted {
			failed++
		}
		if c.JSON {
			return writeJSONL(e.stdout, traceReport{Trace: name, Accepted: v.Accepted, Violation: v.Violation})
		}
		if v.Accepted {
			outfile.Fprintf(e.stdout, "ok    %s\n", name)
			return nil
		}
		outfile.Fprintf(e.stdout, "FAIL  %s: %s\n", name, v.Violation.Reason)
		pos := v.Violation.Position // events are numbered from 1 in what is printed
		if at != nil && pos < len(events) {
			outfile.Fprintf(e.stdout, "      event %d is at %s\n", pos+1, at(pos))
		}
		if pos < len(events) && len(v.Violation.Arguments) == 0 { // bad arguments: the reason says it all
			if len(v.Violation.Expected) > 0 {
				outfile.Fprintf(e.stdout, "      allowed at event %d instead: %s\n", pos+1, joinMax(v.Violation.Expected, 8))
			} else if pos > 0 {
				outfile.Fprintf(e.stdout, "      nothing may come after event %d\n", pos)
			}
		}
		return nil
	}
	for _, path := range c.Traces {
		src, name, err := readInput("trace", path, opts)
		var events []ltl.Event
		if err == nil {
			events, err = lopts.ReadTrace(name, bytes.NewReader(src), spec.Source())
		}
		if name == "" {
			name = path
		}
		if err := report(name, events, nil, err); err != nil {
			return err
		}
		forget(name)
	}
	for _, path := range c.OpenAI {
		src, name, err := readInput("--openai", path, opts)
		var logged []ltl.LogEvent
		if err == nil {
			logged, err = lopts.ReadOpenAILog(name, src, spec.Source(), ltl.LogOptions{TextStep: c.TextStep, ToolStep: c.ToolStep})
		}
		if name == "" {
			name = path
		}
		events := make([]ltl.Event, len(logged))
		for i, le := range logged {
			events[i] = le.Event
		}
		at := func(i int) string { return ltl.FormatPos(logged[i].Pos) }
		if err := report(name, events, at, err); err != nil {
			return err
		}
		forget(name)
	}
	exFormat, err := decoder.ParseFormat(c.ExFormat)
	if err != nil {
		return inputErr(fmt.Errorf("--examples-format: %w", err))
	}
	for _, path := range c.Examples {
		src, name, err := readInput("--examples", path, opts)
		var examples []ltl.Example
		if err == nil {
			examples, err = exFormat.ParseExamples(lopts, name, src, spec.Source())
			if err == nil && len(examples) == 0 {
				err = fmt.Errorf("%s: no examples found in the %s format (step lines such as Thought:, Observation:, Answer:, and calls)", name, exFormat)
			}
		}
		if name == "" {
			name = path
		}
		if err != nil {
			if err := report(name, nil, nil, err); err != nil {
				return err
			}
		}
		for _, ex := range examples {
			if err := report(fmt.Sprintf("%s:%d", name, ex.Pos.Line), ex.Events, exampleAt(ex), nil); err != nil {
				return err
			}
		}
		forget(name)
	}
	if unreadable > 0 {
		if !c.JSON {
			outfile.Fprintf(e.stdout, "%d of %d inputs could not be read\n", unreadable, total)
		}
		return &exitError{code: exitInput}
	}
	if failed > 0 {
		if !c.JSON {
			outfile.Fprintf(e.stdout, "%d of %d traces violate %s\n", failed, total, c.Spec)
		}
		return &exitError{code: exitViolated}
	}
	return nil
}

func joinMax(xs []string, n int) string {
	out := ""
	for i, x := range xs {
		if i == n {
			return out + fmt.Sprintf(", … (%d more)", len(xs)-n)
		}
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// exampleAt says where an example's events are written (file:line).
func exampleAt(ex ltl.Example) func(int) string {
	if len(ex.EventPos) != len(ex.Events) {
		return nil
	}
	return func(i int) string { return ltl.FormatPos(ex.EventPos[i]) }
}
