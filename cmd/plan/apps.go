package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/apps"
	"github.com/specplan/specplan/internal/graphviz"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// An argument ending in .app is an app (package apps), not an .ltl spec:
// check, compile and witness dispatch on it here, each with one line in
// its own command.
func isApp(path string) bool { return strings.HasSuffix(path, ".app") }

// loadApp reads and parses the app at path under the spec flags' limits.
func (f specFlags) loadApp(path string) (*apps.App, specplan.Options, error) {
	opts, err := f.options()
	if err != nil {
		return nil, opts, err
	}
	src, name, err := readInput("spec", path, opts)
	if err != nil {
		return nil, opts, err
	}
	a, err := apps.Parse(name, src, apps.Options{MaxBytes: f.MaxSpecBytes, MaxDepth: f.MaxDepth})
	return a, opts, err
}

// checkApp runs apps.Check on path and prints what it finds. It counts an
// unreadable or unparsable app in inputErrs and a finding in findings.
func (c *CheckCmd) checkApp(e *env, path string, inputErrs, findings *int) {
	a, opts, err := c.loadApp(path)
	if err == nil {
		err = apps.Check(a, opts)
	}
	var list ltl.ErrorList
	switch {
	case errors.As(err, &list) && a != nil && isFinding(list):
		*findings += len(list)
		out := make(ltl.ErrorList, len(list))
		for i, x := range list {
			out[i] = &ltl.Error{Pos: x.Pos, Code: x.Code, Msg: "error: " + x.Msg + " [" + apps.CodeName(x.Code) + "]"}
		}
		fmt.Fprint(e.stdout, escapedList(out).FormatFiles(map[string][]byte{safetext.Escape(a.File): a.Source}))
	case err != nil:
		printError(e.stderr, err)
		*inputErrs++
	default:
		n := 0
		for _, s := range a.Screens {
			n += len(s.Transitions)
		}
		outfile.Fprintf(e.stdout, "%s: ok (%d screens, %d overlays, %d transitions)\n", a.File, len(a.Screens), len(a.Overlays), n)
	}
}

// isFinding: the errors are Check's findings, not input errors.
func isFinding(list ltl.ErrorList) bool {
	for _, x := range list {
		switch x.Code {
		case apps.ErrUnreachable, apps.ErrGoalUnreachable, apps.ErrNoTarget, apps.ErrDuplicateAction, apps.ErrUnshownLabel:
		default:
			return false
		}
	}
	return true
}

// runApp is `plan compile APP.app`: the screen graph (dot, mermaid, svg,
// png) with the goal screens and a shortest witness marked, or the
// lowered spec (ltl).
func (c *CompileCmd) runApp(e *env) error {
	a, opts, err := c.loadApp(c.Spec)
	if err != nil {
		return inputErr(err)
	}
	var buf bytes.Buffer
	if c.Format == "ltl" {
		text, err := apps.Lower(a)
		if err != nil {
			return inputErr(err)
		}
		buf.WriteString(text)
	} else {
		if c.Format == "json" {
			return inputErr(fmt.Errorf("--format json is for .ltl specs; an app compiles to dot, mermaid, svg, png or ltl (its lowered spec)"))
		}
		spec, err := apps.Compile(a, apps.LowerOptions{}, opts)
		if err != nil {
			return inputErr(err)
		}
		var path []ltl.Event
		if !spec.DFA().IsEmpty() {
			if w, err := apps.Witnesses(a, 1, opts); err == nil && len(w) > 0 {
				path = w[0]
			}
		}
		g := apps.NewGraph(a, spec.DFA(), path)
		switch c.Format {
		case "dot":
			g.WriteDOT(&buf)
			buf = *bytes.NewBuffer(outfile.EscapeDOT(buf.Bytes()))
		case "mermaid":
			g.WriteMermaid(&buf)
			buf = *bytes.NewBuffer(outfile.EscapeText(buf.Bytes()))
		case "svg", "png":
			var dot bytes.Buffer
			g.WriteDOT(&dot)
			img, err := graphviz.RenderDOT(context.Background(), dot.Bytes(), g.Edges(), c.Format,
				graphviz.Options{MaxEdges: c.MaxRenderEdges, Timeout: c.RenderTimeout})
			switch {
			case errors.Is(err, graphviz.ErrTooLarge):
				return inputErr(fmt.Errorf("%w; raise it with --max-render-edges, or use --format dot or mermaid", err))
			case errors.Is(err, graphviz.ErrTimeout):
				return inputErr(fmt.Errorf("%w; raise it with --render-timeout, or use --format dot", err))
			case err != nil:
				return inputErr(err)
			}
			buf.Write(img)
		}
	}
	w, wopts := e.stdout, outfile.Options{}
	if c.Format == "png" {
		w, wopts = e.rawStdout, outfile.Options{Binary: true}
	}
	wopts.Stdout = w
	if err := writeOutput(c.Output, buf.Bytes(), wopts); err != nil {
		return inputErr(err)
	}
	return nil
}

// runApp is `plan witness APP.app`: the shortest fault-free action
// sequences to the goal, as JSONL blocks (each action with the observation
// it expects as its result).
func (c *WitnessCmd) runApp(e *env) error {
	a, opts, err := c.loadApp(c.Spec)
	if err != nil {
		return inputErr(err)
	}
	traces, err := apps.Witnesses(a, c.N, opts)
	if err != nil {
		return inputErr(err)
	}
	if len(traces) == 0 {
		outfile.Fprintf(e.stderr, "%s: no fault-free run reaches the goal (plan check says which screen)\n", c.Spec)
		return &exitError{code: exitViolated}
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
