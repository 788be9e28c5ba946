package main

import (
	"fmt"

	"github.com/specplan/specplan/internal/outfile"
)

// WitnessCmd is `plan witness SPEC [-n K] [--tools CATALOG]`. Blocks are
// separated by a blank line, shortest first; each block is itself a valid
// JSONL trace file that `plan validate` (with the same --tools) accepts.
type WitnessCmd struct {
	specFlags
	routineFlags
	Spec string `arg:"" help:"The .ltl spec."`
	N    int    `short:"n" default:"1" help:"How many of the shortest accepted traces to print."`
}

// maxWitnesses bounds -n: the witnesses are held in memory to sort them.
const maxWitnesses = 100000

func (c *WitnessCmd) Run(e *env) error {
	if c.N < 1 || c.N > maxWitnesses {
		return inputErr(fmt.Errorf("-n must be between 1 and %d (limit on witnesses), got %d", maxWitnesses, c.N))
	}
	if isApp(c.Spec) {
		return c.runApp(e)
	}
	spec, err := c.compileAny(c.Spec, c.routineFlags)
	if err != nil {
		return err
	}
	if spec.DFA().IsEmpty() {
		outfile.Fprintf(e.stderr, "%s: the spec is unsatisfiable: no trace satisfies it\n", c.Spec)
		return &exitError{code: exitViolated}
	}
	// With --tools every call carries the arguments its schema requires,
	// so each block passes `plan validate --tools` (Spec.Witnesses).
	traces, err := spec.Witnesses(c.N)
	if err != nil {
		return inputErr(err)
	}
	for i, trace := range traces {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		for _, ev := range trace {
			if err := writeJSONL(e.stdout, ev); err != nil {
				return err
			}
		}
	}
	return nil
}
