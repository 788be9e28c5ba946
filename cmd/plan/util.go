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
	Tools     string `name:"tools" placeholder:"CATALOG.json" help:"OpenAI 'tools' JSON declaring tools and their parameter schemas."`
	MaxStates int    `name:"max-states" default:"100000" help:"Limit on automaton states."`
}

func (f specFlags) options() (specplan.Options, error) {
	opts := specplan.Options{MaxStates: f.MaxStates}
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
// when commit is called, so a failed export leaves nothing half-written.
// An empty path or "-" means stdout.
func createOutput(path string, stdout io.Writer) (w io.Writer, commit func() error, abort func(), err error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, func() {}, nil
	}
	tmp, err := os.CreateTemp(dirOf(path), ".plan-*")
	if err != nil {
		return nil, nil, nil, err
	}
	commit = func() error {
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		return os.Rename(tmp.Name(), path)
	}
	abort = func() { tmp.Close(); os.Remove(tmp.Name()) }
	return tmp, commit, abort, nil
}

func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i+1]
		}
	}
	return "."
}
