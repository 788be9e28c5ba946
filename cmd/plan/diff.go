package main

import (
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/ltl"
)

// DiffCmd is `plan diff SPEC_A SPEC_B`.
type DiffCmd struct {
	specFlags
	A    string `arg:"" name:"spec-a" help:"First .ltl spec."`
	B    string `arg:"" name:"spec-b" help:"Second .ltl spec."`
	JSON bool   `name:"json" help:"Print the result as one JSON object."`
}

type diffReport struct {
	Equivalent bool        `json:"equivalent"`
	AcceptedBy string      `json:"accepted_by,omitempty"`
	RejectedBy string      `json:"rejected_by,omitempty"`
	Trace      []ltl.Event `json:"trace,omitempty"`
}

func (c *DiffCmd) Run(e *env) error {
	opts, err := c.options()
	if err != nil {
		return inputErr(err)
	}
	a, err := parseSpec(c.A, opts)
	if err != nil {
		return inputErr(err)
	}
	b, err := parseSpec(c.B, opts)
	if err != nil {
		return inputErr(err)
	}
	d, err := specplan.Diff(a, b, opts)
	if err != nil {
		return inputErr(err)
	}
	rep := diffReport{Equivalent: d.Equivalent, Trace: d.Trace}
	if !d.Equivalent {
		rep.AcceptedBy, rep.RejectedBy = c.A, c.B
		if d.AcceptedByB {
			rep.AcceptedBy, rep.RejectedBy = c.B, c.A
		}
	}
	if c.JSON {
		if err := writeJSONL(e.stdout, rep); err != nil {
			return err
		}
	} else if d.Equivalent {
		fmt.Fprintln(e.stdout, "equivalent")
	} else {
		outfile.Fprintf(e.stdout, "not equivalent: this %d-event trace is accepted by %s and rejected by %s:\n", len(d.Trace), rep.AcceptedBy, rep.RejectedBy)
		if err := writeJSONL(e.stdout, anySlice(d.Trace)...); err != nil {
			return err
		}
	}
	if !d.Equivalent {
		return &exitError{code: exitViolated}
	}
	return nil
}

func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// parseSpec reads and parses the spec at path ("-": standard input) with
// its catalog.
func parseSpec(path string, opts specplan.Options) (*ltl.Spec, error) {
	src, name, opts, err := readSpec(path, opts)
	if err != nil {
		return nil, err
	}
	return specplan.Parse(name, src, opts)
}
