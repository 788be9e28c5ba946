package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/routines"
)

// An argument ending in .routine is a routine (package routines), and one
// ending in .routine.txt the Routine paper's text form of one: check,
// compile, witness and validate dispatch on it here, each with one line
// in its own command (isRoutine, compileAny).
func isRoutine(path string) bool {
	return strings.HasSuffix(path, ".routine") || strings.HasSuffix(path, ".routine.txt")
}

// routineLimits are the flags that only routines read.
type routineLimits struct {
	MaxRepeat int `name:"max-repeat" default:"32" help:"Limit on a routine's 'repeat … max N' (routines.Options.MaxRepeat): Lower unrolls N copies. .routine files only."`
}

// routineFlags are routineLimits and the routine's inputs, for the
// commands that compile a routine.
type routineFlags struct {
	routineLimits
	Input []string `name:"input" sep:"none" placeholder:"NAME=VALUE" help:"A routine's input (repeatable): NAME=VALUE passes the string VALUE, NAME:=JSON any JSON value. Inputs become literals of the compiled spec. .routine files only."`
}

// loadRoutine reads and parses the routine at path under the spec flags'
// limits and resolves its catalog (--tools overrides its `tools from`).
func (f specFlags) loadRoutine(path string, lim routineLimits) (*routines.Routine, []byte, []ltl.CatalogTool, specplan.Options, error) {
	opts, err := f.options()
	if err != nil {
		return nil, nil, nil, opts, err
	}
	if lim.MaxRepeat < 1 {
		return nil, nil, nil, opts, fmt.Errorf("--max-repeat must be at least 1, got %d", lim.MaxRepeat)
	}
	src, name, err := readInput("spec", path, opts)
	if err != nil {
		return nil, nil, nil, opts, err
	}
	o := routines.Options{MaxBytes: f.MaxSpecBytes, MaxDepth: f.MaxDepth, MaxRepeat: lim.MaxRepeat}
	parse := o.Parse
	if strings.HasSuffix(path, ".txt") {
		parse = o.ParseText
	}
	r, err := parse(name, src)
	if err != nil {
		return nil, src, nil, opts, err
	}
	cat, err := routines.ResolveCatalog(r, opts)
	return r, src, cat, opts, err
}

// inputs parses the --input flags: NAME=VALUE is a string, NAME:=JSON a
// JSON value read strictly (duplicate keys are errors, numbers kept as
// written) under --max-json-depth. nil when none is given.
func (rf routineFlags) inputs(opts specplan.Options) (map[string]any, error) {
	if len(rf.Input) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	for _, flag := range rf.Input {
		name, value, ok := strings.Cut(flag, "=")
		isJSON := strings.HasSuffix(name, ":")
		name = strings.TrimSuffix(name, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("--input %q: write NAME=VALUE (a string) or NAME:=JSON", safetext.Escape(flag))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("--input %s is given twice", safetext.Escape(name))
		}
		if !isJSON {
			out[name] = value
			continue
		}
		v, err := strictjson.ParseString(value, strictjson.Limits{MaxDepth: opts.MaxJSONDepth})
		if err != nil {
			return nil, fmt.Errorf("--input %s:=…: not JSON: %v (for a string, write %s=VALUE)", safetext.Escape(name), err, safetext.Escape(name))
		}
		out[name] = v.Any()
	}
	return out, nil
}

// compileAny compiles the spec at path: a routine with its --input
// values (routines.Compile), else a .ltl spec.
func (f specFlags) compileAny(path string, rf routineFlags) (*specplan.Spec, error) {
	if !isRoutine(path) {
		return f.compile(path)
	}
	r, _, cat, opts, err := f.loadRoutine(path, rf.routineLimits)
	if err != nil {
		return nil, inputErr(err)
	}
	inputs, err := rf.inputs(opts)
	if err != nil {
		return nil, inputErr(err)
	}
	spec, err := routines.Compile(r, inputs, cat, opts)
	if err != nil {
		return nil, inputErr(labelled(err))
	}
	return spec, nil
}

// labelled adds the routine code's name to each message of a positioned
// error list, as plan check prints findings.
func labelled(err error) error {
	var list ltl.ErrorList
	if !errors.As(err, &list) {
		return err
	}
	out := make(ltl.ErrorList, len(list))
	for i, x := range list {
		out[i] = &ltl.Error{Pos: x.Pos, Code: x.Code, Msg: x.Msg + " [" + routines.CodeName(x.Code) + "]"}
	}
	return out
}

// checkRoutine is `plan check R.routine`: routines.Check's findings
// against the catalog, then what the lowering refuses
// (routines.CheckLowering), each with file:line:col and a caret. An
// unreadable or unparsable routine (or catalog) counts in inputErrs, a
// finding in findings.
func (c *CheckCmd) checkRoutine(e *env, path string, inputErrs, findings *int) {
	r, src, cat, _, err := c.loadRoutine(path, c.routineLimits)
	if err == nil {
		err = routines.Check(r, cat)
		if err == nil {
			err = routines.CheckLowering(r, c.MaxSpecBytes)
		}
	}
	var list ltl.ErrorList
	switch {
	case errors.As(err, &list) && r != nil:
		*findings += len(list)
		out := make(ltl.ErrorList, len(list))
		for i, x := range list {
			out[i] = &ltl.Error{Pos: x.Pos, Code: x.Code, Msg: "error: " + x.Msg + " [" + routines.CodeName(x.Code) + "]"}
		}
		srcs := map[string][]byte{safetext.Escape(r.File): src}
		fmt.Fprint(e.stdout, escapedList(out).FormatFiles(srcs))
	case err != nil:
		printError(e.stderr, err)
		*inputErrs++
	default:
		steps, tools := 0, map[string]bool{}
		var walk func([]*routines.Step)
		walk = func(ss []*routines.Step) {
			for _, s := range ss {
				switch s.Kind {
				case routines.StepCall:
					tools[s.Name] = true
					steps++
				case routines.StepAct:
					steps++
				}
				for _, a := range s.Arms {
					walk(a.Body)
				}
				if s.Else != nil {
					walk(s.Else.Body)
				}
				walk(s.Body)
			}
		}
		walk(r.Steps)
		what := "no catalog: tools and arguments not checked"
		if cat != nil {
			what = "checked against " + routinePlural(len(cat), "catalog tool")
		}
		outfile.Fprintf(e.stdout, "%s: ok (%s, %s, %s; %s)\n", r.File, routinePlural(steps, "step"), routinePlural(len(tools), "tool"), routinePlural(len(r.Inputs), "input"), what)
	}
}

// routineText is `plan compile R.routine --format routine|ltl`: the
// canonical .routine (routines.Format; parse only), or the lowered .ltl
// spec, checked against the catalog first, with the --input values as
// literals, or without any `$input` placeholders for reading.
func (c *CompileCmd) routineText(e *env) error {
	r, _, cat, opts, err := c.loadRoutine(c.Spec, c.routineLimits)
	if err != nil {
		return inputErr(err)
	}
	var text string
	if c.Format == "routine" {
		text = routines.Format(r)
	} else {
		inputs, err := c.inputs(opts)
		if err != nil {
			return inputErr(err)
		}
		if err := routines.Check(r, cat); err != nil {
			return inputErr(labelled(err))
		}
		text, err = routines.LowerOptions{Inputs: inputs, MaxBytes: c.MaxSpecBytes}.Lower(r)
		if err != nil {
			return inputErr(labelled(err))
		}
	}
	if err := writeOutput(c.Output, outfile.EscapeText([]byte(text)), outfile.Options{Stdout: e.stdout}); err != nil {
		return inputErr(err)
	}
	return nil
}

func routinePlural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
