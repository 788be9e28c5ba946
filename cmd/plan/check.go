package main

import (
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// CheckCmd is `plan check SPEC...`.
type CheckCmd struct {
	specFlags
	routineLimits
	Specs  []string `arg:"" help:"The .ltl specs (or .app apps, .routine routines)."`
	Strict bool     `name:"strict" help:"Fail (exit 1) on warnings too (never on info: a step kind no rule mentions is free)."`
}

func (c *CheckCmd) Run(e *env) error {
	opts, err := c.options()
	if err != nil {
		return inputErr(err)
	}
	var inputErrs, errors, warnings int
	for _, path := range c.Specs {
		if isApp(path) {
			c.checkApp(e, path, &inputErrs, &errors)
			continue
		}
		if isRoutine(path) {
			c.checkRoutine(e, path, &inputErrs, &errors)
			continue
		}
		src, name, opts, err := readSpec(path, opts)
		if err != nil {
			printError(e.stderr, err)
			inputErrs++
			continue
		}
		spec, err := specplan.Compile(name, src, opts)
		if err != nil {
			printError(e.stderr, toolsHint(name, err, opts))
			inputErrs++
			continue
		}
		diags, err := spec.Check()
		if err != nil {
			printError(e.stderr, err)
			inputErrs++
			continue
		}
		// Tools the decoder cannot generate under (its own limits included):
		// refused here, never found out at generate.
		diags = append(diags, spec.CheckGenerable(decoder.CheckSchema)...)
		var list ltl.ErrorList
		for _, d := range diags {
			switch d.Severity {
			case specplan.SeverityError:
				errors++
			case specplan.SeverityWarning:
				warnings++
			}
			list = append(list, &ltl.Error{Pos: d.Pos, Msg: d.Severity.String() + ": " + d.Msg + " [" + d.Code.String() + "]"})
		}
		srcs := map[string][]byte{safetext.Escape(name): src}
		for _, d := range diags {
			if f := d.Pos.Filename; f != name {
				if s, ok := in.sources[f]; ok {
					srcs[safetext.Escape(f)] = s // a catalog read for --tools
				} else if s, err := specplan.ReadFile(f, opts); err == nil {
					srcs[safetext.Escape(f)] = s // a catalog named by `tools from`
				}
			}
		}
		fmt.Fprint(e.stdout, escapedList(list).FormatFiles(srcs))
		if len(diags) == 0 {
			outfile.Fprintf(e.stdout, "%s: ok (%d rules, %d states, %d symbols)\n", name, len(spec.Source().Rules), spec.DFA().NumStates(), len(spec.Alphabet().Symbols))
		}
	}
	switch {
	case inputErrs > 0:
		return &exitError{code: exitInput}
	case errors > 0 || (c.Strict && warnings > 0):
		return &exitError{code: exitViolated}
	}
	return nil
}
