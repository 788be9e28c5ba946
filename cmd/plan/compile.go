package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/graphviz"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// CompileCmd is `plan compile SPEC --format F [-o FILE]`.
type CompileCmd struct {
	specFlags
	routineFlags
	Spec           string        `arg:"" help:"The .ltl spec."`
	Format         string        `short:"f" name:"format" default:"dot" enum:"dot,json,ltl,mermaid,svg,png,routine" help:"Output format: ${enum} (routine: a .routine printed back canonically; ltl of a routine: its lowering)."`
	Output         string        `short:"o" name:"output" default:"-" placeholder:"FILE" help:"Write to FILE (- is standard output). A regular or new file is replaced atomically; a FIFO or character device is written in place; a symbolic link to a file, a directory or a block device is refused."`
	MaxRenderEdges int           `name:"max-render-edges" default:"2000" help:"svg/png: refuse automata with more edges than this (Graphviz's layout time grows much faster than the graph)."`
	RenderTimeout  time.Duration `name:"render-timeout" default:"30s" help:"svg/png: stop Graphviz's dot after this long."`
}

func (c *CompileCmd) Run(e *env) error {
	if isApp(c.Spec) {
		return c.runApp(e)
	}
	if isRoutine(c.Spec) && (c.Format == "routine" || c.Format == "ltl") {
		return c.routineText(e)
	} else if c.Format == "routine" {
		return inputErr(fmt.Errorf("--format routine prints a .routine file; %s is not one", safetext.Escape(c.Spec)))
	}
	spec, err := c.compileAny(c.Spec, c.routineFlags)
	if err != nil {
		return err
	}
	// A tool the decoder cannot generate under is refused here, not found
	// out at generate (plan check reports the same findings).
	if diags := spec.CheckGenerable(decoder.CheckSchema); len(diags) > 0 {
		var list ltl.ErrorList
		for _, d := range diags {
			list = append(list, &ltl.Error{Pos: d.Pos, Msg: d.Severity.String() + ": " + d.Msg + " [" + d.Code.String() + "]"})
		}
		printError(e.stderr, list)
		return &exitError{code: exitViolated}
	}
	var buf bytes.Buffer
	switch c.Format {
	case "dot":
		if err = automata.WriteDOT(&buf, spec.DFA()); err == nil {
			buf = *bytes.NewBuffer(outfile.EscapeDOT(buf.Bytes()))
		}
	case "json":
		if err = automata.WriteJSON(&buf, spec.DFA()); err == nil {
			buf = *bytes.NewBuffer(outfile.EscapeJSON(buf.Bytes()))
		}
	case "mermaid":
		if err = automata.WriteMermaid(&buf, spec.DFA()); err == nil {
			buf = *bytes.NewBuffer(outfile.EscapeText(buf.Bytes()))
		}
	case "ltl":
		writeExpanded(&buf, spec)
	case "svg", "png":
		var img []byte
		img, err = graphviz.Render(context.Background(), spec.DFA(), c.Format,
			graphviz.Options{MaxEdges: c.MaxRenderEdges, Timeout: c.RenderTimeout})
		switch {
		case errors.Is(err, graphviz.ErrTooLarge):
			err = fmt.Errorf("%w; raise it with --max-render-edges, or use --format dot, json or mermaid", err)
		case errors.Is(err, graphviz.ErrTimeout):
			err = fmt.Errorf("%w; raise it with --render-timeout, or use --format dot", err)
		}
		buf.Write(img)
	}
	if err != nil {
		return inputErr(err)
	}
	// Text formats go through the escaping stdout; png is binary, which
	// outfile refuses on a terminal.
	w, opts := e.stdout, outfile.Options{}
	if c.Format == "png" {
		w, opts = e.rawStdout, outfile.Options{Binary: true}
	}
	opts.Stdout = w
	if err := writeOutput(c.Output, buf.Bytes(), opts); err != nil {
		return inputErr(err)
	}
	if spec.DFA().IsEmpty() {
		// The export is still written (an empty automaton is a valid
		// answer), but a spec nothing satisfies is a failed check.
		outfile.Fprintf(e.stderr, "%s: the spec is unsatisfiable: no trace satisfies it (plan check says which rule)\n", c.Spec)
		return &exitError{code: exitViolated}
	}
	return nil
}

// writeOutput writes data to path ("-": opts.Stdout) under outfile's rules.
func writeOutput(path string, data []byte, opts outfile.Options) error {
	f, err := outfile.Create(path, opts)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// writeExpanded prints the spec as a .ltl file with every pattern expanded:
// it parses back to the same automaton. Each rule whose expansion differs
// from its source is preceded by that source as comment lines, every line
// of a rule that spans several commented, escaped so that no byte of it
// (a control, a stray newline) can end the comment.
func writeExpanded(w io.Writer, spec *specplan.Spec) {
	s := spec.Source()
	fmt.Fprintf(w, "spec %s", s.Name)
	if s.Title != "" {
		fmt.Fprintf(w, " %q", s.Title) // strconv quoting: the parser unquotes it
	}
	fmt.Fprintln(w)
	names := func(kw string, ds []string) {
		if len(ds) > 0 {
			fmt.Fprintf(w, "%s %s\n", kw, strings.Join(ds, ", "))
		}
	}
	var steps, tools []string
	for _, d := range s.Steps {
		q, _ := ltl.QuoteName(d.Name) // `read-file`, as the rules write it
		steps = append(steps, q)
	}
	for _, d := range s.Tools {
		q, _ := ltl.QuoteName(d.Name)
		tools = append(tools, q)
	}
	names("steps", steps)
	names("tools", tools)
	for _, l := range s.Lets {
		q, _ := ltl.QuoteName(l.Tool)
		fmt.Fprintf(w, "let %s = %s\n", l.Name, q)
	}
	for _, r := range s.Rules {
		expanded := r.Formula.String()
		if expanded != r.Text {
			for i, line := range strings.Split(r.Text, "\n") {
				if i == 0 {
					fmt.Fprintf(w, "# %s:%d: %s\n", safetext.Escape(s.File), r.Pos.Line, safetext.EscapeKeepTab(line))
				} else {
					fmt.Fprintf(w, "#   %s\n", safetext.EscapeKeepTab(line))
				}
			}
		}
		fmt.Fprintf(w, "rule %s\n", expanded)
	}
}
