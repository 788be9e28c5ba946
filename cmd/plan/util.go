package main

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/specplan/specplan/chat"
	"io"
	"os"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
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
				src = errorSource(name)
			}
			if longestLine(src) <= maxQuotedLine {
				srcs[safetext.Escape(name)] = src
			}
		}
		io.WriteString(w, escapedList(list).FormatFiles(srcs))
		return
	}
	// A chat error (messages, tools, templates) points into its file: show
	// the line and a caret under the message, as for the front end's errors.
	// Caret escapes the quoted line itself; the message is escaped here.
	var ce *chat.Error
	if errors.As(err, &ce) && ce.Caret() != "" {
		outfile.Fprintf(w, "plan: %s\n", err)
		io.WriteString(w, ce.Caret())
		return
	}
	outfile.Fprintf(w, "plan: %s\n", err)
}

// escapedList is list with file names and messages escaped (safetext), so
// that neither can end a line or carry a control when formatted; source
// lines are escaped by the SafeWriter every CLI output goes through.
func escapedList(list ltl.ErrorList) ltl.ErrorList {
	out := make(ltl.ErrorList, len(list))
	for i, e := range list {
		c := *e
		c.Pos.Filename = safetext.Escape(c.Pos.Filename)
		c.Msg = safetext.Escape(c.Msg)
		out[i] = &c
	}
	return out
}

// maxErrorSource bounds what printError reads again to show a source line.
const maxErrorSource = 64 << 20

// errorSource reads a file named in an error, to show its line under the
// message: only a regular file (a FIFO or /dev/stdin read a second time
// would wait forever, or read something else), and at most maxErrorSource
// bytes of it (a line beyond that is shown without its source).
func errorSource(name string) []byte {
	f, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	data, _ := io.ReadAll(io.LimitReader(f, maxErrorSource))
	return data
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
	MaxStates     int    `name:"max-states" default:"100000" help:"Limit on automaton states (Options.MaxStates)."`
	MaxDepth      int    `name:"max-depth" default:"256" help:"Limit on formula nesting (Options.MaxDepth)."`
	MaxSpecBytes  int    `name:"max-spec-bytes" default:"262144" help:"Limit on a spec file's size in bytes (Options.MaxSpecBytes)."`
	MaxSymbols    int    `name:"max-symbols" default:"4096" help:"Limit on the event alphabet's symbols (Options.MaxSymbols)."`
	MaxInputBytes int64  `name:"max-input-bytes" default:"8388608" help:"Limit on the size of each input file: spec, trace, catalog, prompt (Options.MaxInputBytes)."`
	MaxLineBytes  int    `name:"max-line-bytes" default:"1048576" help:"Limit on one line of a JSONL trace (Options.MaxLineBytes)."`
	MaxJSONDepth  int    `name:"max-json-depth" default:"128" help:"Limit on the nesting of JSON arrays and objects (Options.MaxJSONDepth)."`
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
	opts := specplan.Options{MaxStates: f.MaxStates, MaxDepth: f.MaxDepth, MaxSpecBytes: f.MaxSpecBytes, MaxSymbols: f.MaxSymbols,
		MaxInputBytes: f.MaxInputBytes, MaxLineBytes: f.MaxLineBytes, MaxJSONDepth: f.MaxJSONDepth}
	for _, l := range []struct {
		flag string
		v    int64
	}{{"--max-states", int64(f.MaxStates)}, {"--max-depth", int64(f.MaxDepth)}, {"--max-spec-bytes", int64(f.MaxSpecBytes)}, {"--max-symbols", int64(f.MaxSymbols)},
		{"--max-input-bytes", f.MaxInputBytes}, {"--max-line-bytes", int64(f.MaxLineBytes)}, {"--max-json-depth", int64(f.MaxJSONDepth)}} {
		if l.v < 1 {
			return opts, fmt.Errorf("%s must be at least 1, got %d", l.flag, l.v)
		}
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
		return nil, inputErr(toolsHint(name, err, opts))
	}
	return s, nil
}

// writeJSONL writes one JSON value per line, with every unsafe rune as a
// \u escape (outfile.JSON): the values are exact for a JSON reader and
// inert for a terminal.
func writeJSONL(w io.Writer, vs ...any) error {
	for _, v := range vs {
		if err := outfile.JSON(w, v); err != nil {
			return err
		}
	}
	return nil
}
