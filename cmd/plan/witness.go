package main

import (
	"fmt"

	"github.com/specplan/specplan/automata"
)

// WitnessCmd is `plan witness SPEC [-n K]`. Blocks are separated by a blank
// line, shortest first; each block is itself a valid JSONL trace file.
type WitnessCmd struct {
	specFlags
	Spec string `arg:"" help:"The .ltl spec."`
	N    int    `short:"n" default:"1" help:"How many of the shortest accepted traces to print."`
}

func (c *WitnessCmd) Run(e *env) error {
	if c.N < 1 {
		return inputErr(fmt.Errorf("-n must be at least 1, got %d", c.N))
	}
	spec, err := c.compile(c.Spec)
	if err != nil {
		return err
	}
	if spec.DFA.IsEmpty() {
		fmt.Fprintf(e.stderr, "%s: the spec is unsatisfiable: no trace satisfies it\n", c.Spec)
		return &exitError{code: exitViolated}
	}
	for i, word := range automata.Witnesses(spec.DFA, c.N) {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		for _, ev := range spec.Alphabet.Events(word) {
			if err := writeJSONL(e.stdout, ev); err != nil {
				return err
			}
		}
	}
	return nil
}
