// Command plan is specplan's CLI: check, compile, validate, witness and diff
// LTLf specs of agent behaviour, and run constrained generation on llama.cpp.
//
// It is deliberately thin: flags, files and output. Every decision lives in
// the library (package specplan and its stage packages).
//
// Exit status: 0 ok; 1 a spec was violated or a check failed; 2 usage or
// input error, or standard output could not be written (a full disk); 130
// interrupted (generate stops cleanly on Ctrl-C); 141 standard output was a
// pipe whose reader went away (`plan witness -n 100 | head -1`): nothing is
// printed, and the status is the one a shell reports for a process that
// SIGPIPE ended, which is how Go ends one that writes to such a pipe on
// file descriptor 1.
//
// Everything printed to standard output and standard error goes through
// outfile.SafeWriter, so no control character, bidirectional override or
// invalid UTF-8 from a file name, a trace, a spec or a model reaches the
// reader; file names and other input text in a line are escaped where they
// are printed (outfile.Fprintf), so an input cannot forge a line either.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime/debug"

	"github.com/alecthomas/kong"
	"github.com/specplan/specplan/internal/outfile"
)

const (
	exitOK          = 0
	exitViolated    = 1
	exitInput       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
	exitBrokenPipe  = 141 // 128 + SIGPIPE, as shells report it
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
	Run      RunCmd      `cmd:"" help:"Run a spec or routine as an agent on llama.cpp, its calls answered by a scripted environment (--env)."`
	Eval     EvalCmd     `cmd:"" help:"Seeded agent runs per mode (constrained, unconstrained): the fraction the independent checker accepts."`
	Bench    BenchCmd    `cmd:"" help:"Measure the constraint's cost here: mask times, index memory, tokens/s with and without it."`
	Prompt   PromptCmd   `cmd:"" help:"Print a conversation exactly as the model's chat template renders it."`
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

// env is what commands write to; tests swap it. stdout and stderr escape
// unsafe runes (outfile.SafeWriter); rawStdout is the same standard output
// unfiltered, for binary data (-o - with png or a model), and is refused on
// a terminal by outfile.Create.
type env struct {
	stdout, stderr io.Writer
	rawStdout      io.Writer
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// The input limits bound what a run holds live; this keeps the
		// collector from letting garbage grow to as much again on top.
		debug.SetMemoryLimit(softMemoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// softMemoryLimit is the heap size at which the collector works harder
// rather than grow (GOMEMLIMIT overrides it). It is soft: a run that needs
// more live memory gets it.
const softMemoryLimit = 512 << 20

// run parses args and runs one command, returning the exit status.
func run(args []string, stdout, stderr io.Writer) (code int) {
	in = newInputs(stdin)
	raw := outfile.NewChecked(stdout)
	out, errw := outfile.NewSafeWriter(raw), outfile.NewSafeWriter(stderr)
	// Runs last: after the command and after unwinding from kong.
	defer func() {
		out.Flush()
		if err := raw.Err(); err != nil {
			code = stdoutFailed(errw, err)
		}
		errw.Flush()
	}()
	var cli CLI
	exited := -1
	parser, err := kong.New(&cli,
		kong.Name("plan"),
		kong.Description("specplan: make LLM agents follow formal specs by construction."),
		kong.Writers(out, errw),
		kong.Exit(func(c int) { exited = c; panic(kongExit{}) }),
		kong.UsageOnError(),
		rawStrings,
		formatVars(),
	)
	if err != nil {
		printError(errw, err)
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
		if !isStdoutErr(raw, err) {
			printError(errw, err)
		}
		return exitInput
	}
	err = ctx.Run(&env{stdout: out, stderr: errw, rawStdout: raw})
	if err == nil {
		return exitOK
	}
	if isStdoutErr(raw, err) {
		return exitInput // reported once, by the deferred check
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			printError(errw, ee.err)
		}
		return ee.code
	}
	printError(errw, err)
	return exitInput
}

// stdoutFailed reports a failed write to standard output and returns the
// exit status: quietly 141 when the reader went away, else a message and 2
// (the output is lost, whatever the command found).
func stdoutFailed(stderr io.Writer, err error) int {
	if outfile.IsBrokenPipe(err) {
		return exitBrokenPipe
	}
	printError(stderr, &outfile.Error{Path: "standard output", Err: rootCause(err)})
	return exitInput
}

// isStdoutErr reports whether err is (or wraps) the failed write to stdout,
// which the deferred check in run reports once.
func isStdoutErr(stdout *outfile.Checked, err error) bool {
	werr := stdout.Err()
	return werr != nil && (errors.Is(err, werr) || errors.Is(err, rootCause(werr)))
}

// rootCause is the innermost error of err's chain (the errno of a failed
// write, without the *PathError naming /dev/stdout).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// rawStrings gives string arguments and flag values to the command byte
// for byte. kong's default string mapper round-trips them through
// encoding/json, which turns every byte that is not UTF-8 into U+FFFD: a
// file whose name is not UTF-8 could then be neither read nor written.
var rawStrings = kong.KindMapper(reflect.String, kong.MapperFunc(func(ctx *kong.DecodeContext, target reflect.Value) error {
	t, err := ctx.Scan.PopValue("string")
	if err != nil {
		return err
	}
	s, ok := t.Value.(string)
	if !ok {
		return fmt.Errorf("expected a string, got %v", t.Value)
	}
	target.SetString(s)
	return nil
}))

// kongExit unwinds out of kong after it printed help or a usage error.
type kongExit struct{}
