package main

import (
	"fmt"
	"os"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/ltl"
)

// ValidateCmd is `plan validate SPEC TRACE...`.
type ValidateCmd struct {
	specFlags
	Spec     string   `arg:"" help:"The .ltl spec."`
	Traces   []string `arg:"" optional:"" help:"JSON Lines trace files, one event per line."`
	Examples []string `name:"examples" placeholder:"FILE.md" help:"Validate the few-shot examples (ReAct text form) inside a prompt file."`
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
	// A trace that cannot be read is reported (exit 2) without hiding the
	// verdicts of the others: a CI job over many files keeps every result.
	type item struct {
		name   string
		events []ltl.Event
		err    error
	}
	var items []item
	for _, path := range c.Traces {
		f, err := os.Open(path)
		if err != nil {
			items = append(items, item{name: path, err: err})
			continue
		}
		events, err := ltl.ReadTrace(path, f, spec.Source)
		f.Close()
		items = append(items, item{path, events, err})
	}
	for _, path := range c.Examples {
		src, err := os.ReadFile(path)
		if err != nil {
			items = append(items, item{name: path, err: err})
			continue
		}
		examples, err := ltl.ParseExamples(path, src, spec.Source)
		if err == nil && len(examples) == 0 {
			err = fmt.Errorf("%s: no examples found (lines starting Thought:, Action:, Observation:, Answer:)", path)
		}
		if err != nil {
			items = append(items, item{name: path, err: err})
			continue
		}
		for _, ex := range examples {
			items = append(items, item{name: fmt.Sprintf("%s:%d", path, ex.Pos.Line), events: ex.Events})
		}
	}
	unreadable := 0
	failed := 0
	for _, it := range items {
		if it.err != nil {
			unreadable++
			printError(e.stderr, it.err)
			if c.JSON {
				if err := writeJSONL(e.stdout, traceReport{Trace: it.name, Error: it.err.Error()}); err != nil {
					return err
				}
			}
			continue
		}
		v := spec.Validate(it.events)
		if !v.Accepted {
			failed++
		}
		if c.JSON {
			if err := writeJSONL(e.stdout, traceReport{Trace: it.name, Accepted: v.Accepted, Violation: v.Violation}); err != nil {
				return err
			}
			continue
		}
		if v.Accepted {
			outfile.Fprintf(e.stdout, "ok    %s\n", it.name)
			continue
		}
		outfile.Fprintf(e.stdout, "FAIL  %s: %s\n", it.name, v.Violation.Reason)
		if pos := v.Violation.Position; pos < len(it.events) && len(v.Violation.Arguments) == 0 { // bad arguments: the reason says it all
			if len(v.Violation.Expected) > 0 {
				outfile.Fprintf(e.stdout, "      allowed at event %d instead: %s\n", pos, joinMax(v.Violation.Expected, 8))
			} else if pos > 0 {
				outfile.Fprintf(e.stdout, "      nothing may come after event %d\n", pos-1)
			}
		}
	}
	if unreadable > 0 {
		if !c.JSON {
			outfile.Fprintf(e.stdout, "%d of %d inputs could not be read\n", unreadable, len(items))
		}
		return &exitError{code: exitInput}
	}
	if failed > 0 {
		if !c.JSON {
			outfile.Fprintf(e.stdout, "%d of %d traces violate %s\n", failed, len(items), c.Spec)
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
