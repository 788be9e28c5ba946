// Command plan is specplan's CLI: check, compile, validate, witness and diff
// LTLf specs of agent behaviour, and run constrained generation on llama.cpp.
//
// It is deliberately thin: flags, files and output. Every decision lives in
// the library (package specplan and its stage packages).
//
// Exit status: 0 ok; 1 a spec was violated or a check failed; 2 usage or
// input error; 130 interrupted (generate stops cleanly on Ctrl-C).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

const (
	exitOK          = 0
	exitViolated    = 1
	exitInput       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

// CLI is the command tree; kong builds the parser and help from it.
type CLI struct {
	Check    CheckCmd    `cmd:"" help:"Parse specs and run static checks (unsatisfiable, vacuous or redundant rules, unused declarations)."`
	Compile  CompileCmd  `cmd:"" help:"Compile a spec to its minimal automaton and export it (dot, json, ltl, mermaid, svg, png)."`
	Validate ValidateCmd `cmd:"" help:"Validate JSONL traces (or ReAct prompt examples) against a spec."`
	Witness  WitnessCmd  `cmd:"" help:"Print the K shortest traces the spec accepts, as JSONL blocks."`
	Diff     DiffCmd     `cmd:"" help:"Say whether two specs accept the same traces, or show the shortest difference."`
	Model    ModelCmd    `cmd:"" help:"Make models for testing and demos."`
	Generate GenerateCmd `cmd:"" help:"Generate on llama.cpp under the spec: every call sequence the model emits satisfies it."`
	Bench    BenchCmd    `cmd:"" help:"Measure the constraint's cost here: mask times, index memory, tokens/s with and without it."`
	Schemas  SchemasCmd  `cmd:"" name:"bench-schemas" help:"Measure schema coverage and soundness of generation on a MaskBench corpus: compiled, refusals, random walks validated."`
}

// exitError carries an exit status through kong's Run plumbing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// env is what commands write to; tests swap it.
type env struct {
	stdout, stderr io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args and runs one command, returning the exit status.
func run(args []string, stdout, stderr io.Writer) (code int) {
	var cli CLI
	exited := -1
	parser, err := kong.New(&cli,
		kong.Name("plan"),
		kong.Description("specplan: make LLM agents follow formal specs by construction."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { exited = c; panic(kongExit{}) }),
		kong.UsageOnError(),
	)
	if err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return exitInput
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(kongExit); !ok {
				panic(r)
			}
			if exited != 0 {
				code = exitInput
			}
		}
	}()
	ctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return exitInput
	}
	err = ctx.Run(&env{stdout: stdout, stderr: stderr})
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			printError(stderr, ee.err)
		}
		return ee.code
	}
	printError(stderr, err)
	return exitInput
}

// kongExit unwinds out of kong after it printed help or a usage error.
type kongExit struct{}
