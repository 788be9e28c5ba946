package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// CompileCmd is `plan compile SPEC --format F [-o FILE]`.
type CompileCmd struct {
	specFlags
	Spec   string `arg:"" help:"The .ltl spec."`
	Format string `short:"f" name:"format" default:"dot" enum:"dot,json,ltl,mermaid,svg,png" help:"Output format: ${enum}."`
	Output string `short:"o" name:"output" placeholder:"FILE" help:"Write to FILE instead of stdout (written atomically)."`
}

func (c *CompileCmd) Run(e *env) error {
	spec, err := c.compile(c.Spec)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch c.Format {
	case "dot":
		err = automata.WriteDOT(&buf, spec.DFA)
	case "json":
		err = automata.WriteJSON(&buf, spec.DFA)
	case "mermaid":
		err = automata.WriteMermaid(&buf, spec.DFA)
	case "ltl":
		writeExpanded(&buf, spec)
	case "svg", "png":
		var dot bytes.Buffer
		if err = automata.WriteDOT(&dot, spec.DFA); err == nil {
			err = render(&buf, &dot, c.Format)
		}
	}
	if err != nil {
		return inputErr(err)
	}
	if c.Output == "" && c.Format == "png" {
		return inputErr(errors.New("--format png writes binary data: give -o FILE.png"))
	}
	w, commit, abort, err := createOutput(c.Output, e.stdout)
	if err != nil {
		return inputErr(err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		abort()
		return err
	}
	if err := commit(); err != nil {
		return inputErr(err)
	}
	if spec.DFA.IsEmpty() {
		// The export is still written (an empty automaton is a valid
		// answer), but a spec nothing satisfies is a failed check.
		fmt.Fprintf(e.stderr, "%s: the spec is unsatisfiable: no trace satisfies it (plan check says which rule)\n", c.Spec)
		return &exitError{code: exitViolated}
	}
	return nil
}

// writeExpanded prints the spec as a .ltl file with every pattern expanded:
// it parses back to the same automaton.
func writeExpanded(w io.Writer, spec *specplan.Spec) {
	s := spec.Source
	fmt.Fprintf(w, "spec %s", s.Name)
	if s.Title != "" {
		fmt.Fprintf(w, " %q", s.Title)
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
	for _, r := range s.Rules {
		expanded := r.Formula.String()
		if expanded != r.Text {
			fmt.Fprintf(w, "# %s:%d: %s\n", s.File, r.Pos.Line, r.Text)
		}
		fmt.Fprintf(w, "rule %s\n", expanded)
	}
}

// render turns DOT into svg or png through Graphviz.
func render(out io.Writer, dot io.Reader, format string) error {
	path, err := exec.LookPath("dot")
	if err != nil {
		return fmt.Errorf("--format %s needs Graphviz's `dot`, which is not installed: apt-get install graphviz (or brew install graphviz), or use --format dot", format)
	}
	cmd := exec.Command(path, "-T"+format)
	cmd.Stdin = dot
	cmd.Stdout = out
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dot -T%s: %v: %s", format, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
