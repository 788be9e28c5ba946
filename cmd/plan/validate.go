package main

import (
	"bytes"
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/ltl"
)

// ValidateCmd is `plan validate SPEC TRACE...`.
type ValidateCmd struct {
	specFlags
	Spec     string   `arg:"" help:"The .ltl spec."`
	Traces   []string `arg:"" optional:"" help:"JSON Lines trace files, one event per line (- reads standard input)."`
	Examples []string `name:"examples" sep:"none" placeholder:"FILE.md" help:"Validate the few-shot examples (ReAct text form) inside a prompt file (repeat the flag for more files; a comma is part of the name)."`
	JSON     bool     `name:"json" help:"Print one JSON object per trace."`
}

type traceReport struct {
	Trace     string              `json:"trace"`
	Accepted  bool                `json:"accepted"`
	Violation *specplan.Violation `json:"violation,omitempty"`
	Error     string              `json:"error,omitempty"` // the trace could not be read
}

func (c *ValidateCmd) Run(e *env) error {
	if len(c.Traces) == 0 && len(c.Examples) == 0 {
		return inputErr(fmt.Errorf("nothing to validate: give trace files or --examples FILE.md"))
	}
	spec, err := c.compile(c.Spec)
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
	report := func(name string, events []ltl.Event, err error) error {
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
		if pos := v.Violation.Position; pos < len(events) && len(v.Violation.Arguments) == 0 { // bad arguments: the reason says it all
			if len(v.Violation.Expected) > 0 {
				outfile.Fprintf(e.stdout, "      allowed at event %d instead: %s\n", pos, joinMax(v.Violation.Expected, 8))
			} else if pos > 0 {
				outfile.Fprintf(e.stdout, "      nothing may come after event %d\n", pos-1)
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
		if err := report(name, events, err); err != nil {
			return err
		}
		forget(name)
	}
	for _, path := range c.Examples {
		src, name, err := readInput("--examples", path, opts)
		var examples []ltl.Example
		if err == nil {
			examples, err = lopts.ParseExamples(name, src, spec.Source())
			if err == nil && len(examples) == 0 {
				err = fmt.Errorf("%s: no examples found (lines starting Thought:, Action:, Observation:, Answer:)", name)
			}
		}
		if name == "" {
			name = path
		}
		if err != nil {
			if err := report(name, nil, err); err != nil {
				return err
			}
		}
		for _, ex := range examples {
			if err := report(fmt.Sprintf("%s:%d", name, ex.Pos.Line), ex.Events, nil); err != nil {
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
