package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// printError prints err; position-carrying errors from the front end get the
// source line and a caret under the column.
func printError(w io.Writer, err error) {
	var list ltl.ErrorList
	if errors.As(err, &list) {
		srcs := map[string][]byte{}
		for _, e := range list {
			if _, ok := srcs[e.Pos.Filename]; !ok && e.Pos.Filename != "" {
				srcs[e.Pos.Filename], _ = os.ReadFile(e.Pos.Filename)
			}
		}
		fmt.Fprint(w, list.FormatFiles(srcs))
		return
	}
	fmt.Fprintln(w, "plan:", err)
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
