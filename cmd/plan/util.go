package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// printError prints err; position-carrying errors from the front end get the
// source line and a caret under the column. Sources come from what this run
// read (so standard input can be quoted too); a file it did not read itself
// is read again under the default input limit, and the source of a file
// that broke an input limit is not quoted (its line may be the whole limit).
func printError(w io.Writer, err error) {
	var list ltl.ErrorList
	if errors.As(err, &list) {
		srcs := map[string][]byte{}
		skip := map[string]bool{}
		for _, e := range list {
			if e.Code == ltl.ErrInputLimit {
				skip[e.Pos.Filename] = true
			}
		}
		for _, e := range list {
			name := e.Pos.Filename
			if _, ok := srcs[name]; ok || name == "" || skip[name] {
				continue
			}
			src, ok := in.sources[name]
			if !ok && name != stdinName {
				src, _ = specplan.ReadFile(name, specplan.Options{})
			}
			if longestLine(src) <= maxQuotedLine {
				srcs[name] = src
			}
		}
		fmt.Fprint(w, list.FormatFiles(srcs))
		return
	}
	fmt.Fprintln(w, "plan:", err)
}

// maxQuotedLine is the longest source line quoted under an error: a file
// with longer lines (minified JSON, a binary) gets positions only, or one
// error per entry would print the whole file again each time.
const maxQuotedLine = 16 << 10

func longestLine(src []byte) int {
	longest := 0
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			i = len(src)
		}
		longest = max(longest, i)
		src = src[min(i+1, len(src)):]
	}
	return longest
}

// inputErr marks err as a usage/input error (exit 2).
func inputErr(err error) error { return &exitError{code: exitInput, err: err} }

// stdinName is how standard input (the file argument -) is named in messages.
const stdinName = "<stdin>"

// inputs is what one run of the command has read: the sources, for quoting
// them in errors, and whether standard input is taken.
type inputs struct {
	stdin     io.Reader
	stdinBy   string // the argument that read standard input, "" if none
	sources   map[string][]byte
	sourceLen int64
	opts      *optionsOnce // the flags' options, once read
}

// stdin is what the file argument - reads; tests swap it.
var stdin io.Reader = os.Stdin

// in is the current run's inputs; run resets it.
var in = newInputs(stdin)

func newInputs(stdin io.Reader) *inputs {
	return &inputs{stdin: stdin, sources: map[string][]byte{}}
}

// maxKeptSources bounds the sources kept for error quoting, so that a run
// over many files holds no more than this besides the file at hand.
const maxKeptSources = 64 << 20

// readInput reads the file argument path (what names it, e.g. "--tools",
// for messages) under the input limit: "-" is standard input, which one
// command can read only once. It returns the data and the name positions use.
func readInput(what, path string, opts specplan.Options) ([]byte, string, error) {
	name := path
	var r io.Reader
	if path == "-" {
		if in.stdinBy != "" {
			return nil, "", fmt.Errorf("%s: standard input (-) is already read for %s: give - for at most one input of a command", what, in.stdinBy)
		}
		in.stdinBy = what
		name, r = stdinName, in.stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	data, err := opts.Input().ReadInput(name, r)
	if err != nil {
		var pe *os.PathError
		if !errors.As(err, &pe) && !errors.As(err, new(ltl.ErrorList)) {
			err = fmt.Errorf("%s: %w", name, err)
		}
		return nil, name, err
	}
	if in.sourceLen+int64(len(data)) <= maxKeptSources {
		in.sources[name] = data
		in.sourceLen += int64(len(data))
	}
	return data, name, nil
}

// forget drops a source kept for error quoting, once its errors are printed.
func forget(name string) {
	if src, ok := in.sources[name]; ok {
		in.sourceLen -= int64(len(src))
		delete(in.sources, name)
	}
}

// specFlags are the flags every command that reads a spec shares.
type specFlags struct {
	Tools         string `name:"tools" placeholder:"CATALOG.json" help:"Tool catalog declaring tools and their parameter schemas: the OpenAI 'tools' array, {\"tools\": [...]}, or an MCP tools/list result. Overrides the spec's 'tools from'. - reads standard input."`
	MaxStates     int    `name:"max-states" default:"100000" help:"Limit on automaton states."`
	MaxInputBytes int64  `name:"max-input-bytes" default:"8388608" help:"Limit on the size of each input file (spec, trace, catalog, prompt)."`
	MaxLineBytes  int    `name:"max-line-bytes" default:"1048576" help:"Limit on one line of a JSONL trace."`
	MaxJSONDepth  int    `name:"max-json-depth" default:"128" help:"Limit on the nesting of JSON arrays and objects."`
}

// options returns the library options the flags ask for, with the --tools
// catalog loaded. The catalog is read once per run (it may be standard
// input), however many times a command asks.
func (f specFlags) options() (specplan.Options, error) {
	if in.opts == nil {
		opts, err := f.readOptions()
		in.opts = &optionsOnce{opts, err}
	}
	return in.opts.opts, in.opts.err
}

type optionsOnce struct {
	opts specplan.Options
	err  error
}

func (f specFlags) readOptions() (specplan.Options, error) {
	opts := specplan.Options{MaxStates: f.MaxStates, MaxInputBytes: f.MaxInputBytes, MaxLineBytes: f.MaxLineBytes, MaxJSONDepth: f.MaxJSONDepth}
	switch {
	case f.MaxStates < 1:
		return opts, fmt.Errorf("--max-states must be at least 1, got %d", f.MaxStates)
	case f.MaxInputBytes < 1:
		return opts, fmt.Errorf("--max-input-bytes must be at least 1, got %d", f.MaxInputBytes)
	case f.MaxLineBytes < 1:
		return opts, fmt.Errorf("--max-line-bytes must be at least 1, got %d", f.MaxLineBytes)
	case f.MaxJSONDepth < 1:
		return opts, fmt.Errorf("--max-json-depth must be at least 1, got %d", f.MaxJSONDepth)
	}
	if f.Tools != "" {
		data, name, err := readInput("--tools", f.Tools, opts)
		if err != nil {
			return opts, err
		}
		cat, err := opts.Input().ParseCatalog(name, data)
		if err != nil {
			return opts, err
		}
		if cat == nil {
			cat = []ltl.CatalogTool{} // non-nil: --tools overrides the spec's own catalog
		}
		opts.Catalog = cat
	}
	return opts, nil
}

// readSpec reads the spec at path ("-": standard input) and loads the
// catalog it names, unless opts already has one (--tools).
func readSpec(path string, opts specplan.Options) ([]byte, string, specplan.Options, error) {
	src, name, err := readInput("spec", path, opts)
	if err != nil {
		return nil, name, opts, err
	}
	opts, err = specplan.ResolveCatalog(name, src, opts)
	return src, name, opts, err
}

func (f specFlags) compile(path string) (*specplan.Spec, error) {
	opts, err := f.options()
	if err != nil {
		return nil, inputErr(err)
	}
	src, name, opts, err := readSpec(path, opts)
	if err != nil {
		return nil, inputErr(err)
	}
	s, err := specplan.Compile(name, src, opts)
	if err != nil {
		return nil, inputErr(limitHint(err))
	}
	return s, nil
}

// limitHint says which flag raises a limit the library names by its option.
func limitHint(err error) error {
	if errors.Is(err, automata.ErrStateLimit) {
		return fmt.Errorf("%w (raise it with --max-states)", err)
	}
	return err
}

// writeJSONL writes one JSON value per line.
func writeJSONL(w io.Writer, vs ...any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

// createOutput opens path for writing atomically: the content appears only
// when commit is called, so a failed export leaves nothing half-written (and
// no temporary file). An empty path or "-" means stdout. The file gets mode
// 0644 (or keeps the mode of the file it replaces).
func createOutput(path string, stdout io.Writer) (w io.Writer, commit func() error, abort func(), err error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, func() {}, nil
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return nil, nil, nil, fmt.Errorf("cannot write %s: it is a directory", path)
		}
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dirOf(path), ".plan-*")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
	}
	abort = func() { tmp.Close(); os.Remove(tmp.Name()) }
	commit = func() error {
		err := tmp.Chmod(mode)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
		}
		return nil
	}
	return tmp, commit, abort, nil
}

// unwrapPath drops the *PathError wrapper, whose path is our temporary file.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i+1]
		}
	}
	return "."
}
