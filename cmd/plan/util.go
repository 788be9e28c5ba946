package main

import (
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
// source line and a caret under the column. Other errors are printed as one
// escaped line, so their text cannot carry a terminal escape or forge a
// line.
func printError(w io.Writer, err error) {
	var list ltl.ErrorList
	if errors.As(err, &list) {
		srcs := map[string][]byte{}
		for _, e := range list {
			name := safetext.Escape(e.Pos.Filename)
			if _, ok := srcs[name]; !ok && e.Pos.Filename != "" {
				srcs[name] = errorSource(e.Pos.Filename)
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

// inputErr marks err as a usage/input error (exit 2).
func inputErr(err error) error { return &exitError{code: exitInput, err: err} }

// specFlags are the flags every command that reads a spec shares.
type specFlags struct {
	Tools        string `name:"tools" placeholder:"CATALOG.json" help:"OpenAI 'tools' JSON declaring tools and their parameter schemas."`
	MaxStates    int    `name:"max-states" default:"100000" help:"Limit on automaton states (Options.MaxStates)."`
	MaxDepth     int    `name:"max-depth" default:"256" help:"Limit on formula nesting (Options.MaxDepth)."`
	MaxSpecBytes int    `name:"max-spec-bytes" default:"262144" help:"Limit on a spec file's size in bytes (Options.MaxSpecBytes)."`
	MaxSymbols   int    `name:"max-symbols" default:"4096" help:"Limit on the event alphabet's symbols (Options.MaxSymbols)."`
}

func (f specFlags) options() (specplan.Options, error) {
	opts := specplan.Options{MaxStates: f.MaxStates, MaxDepth: f.MaxDepth, MaxSpecBytes: f.MaxSpecBytes, MaxSymbols: f.MaxSymbols}
	for _, l := range []struct {
		flag string
		v    int
	}{{"--max-states", f.MaxStates}, {"--max-depth", f.MaxDepth}, {"--max-spec-bytes", f.MaxSpecBytes}, {"--max-symbols", f.MaxSymbols}} {
		if l.v < 1 {
			return opts, fmt.Errorf("%s must be at least 1, got %d", l.flag, l.v)
		}
	}
	if f.Tools != "" {
		data, err := os.ReadFile(f.Tools)
		if err != nil {
			return opts, err
		}
		if opts.Catalog, err = ltl.ParseCatalog(f.Tools, data); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

func (f specFlags) compile(path string) (*specplan.Spec, error) {
	opts, err := f.options()
	if err != nil {
		return nil, inputErr(err)
	}
	s, err := specplan.CompileFile(path, opts)
	if err != nil {
		return nil, inputErr(err)
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
