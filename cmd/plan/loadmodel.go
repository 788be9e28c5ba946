package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
	"golang.org/x/term"
)

// modelFlags are the flags of commands that run a model.
type modelFlags struct {
	Model   string `name:"model" placeholder:"M.gguf" help:"A GGUF model. Default: the embedded tiny model (random weights, Llama-3 vocabulary), created once under the user cache dir."`
	Verbose bool   `name:"verbose" help:"Let llama.cpp log to stderr."`
}

// load resolves the model path (creating the default model on first use)
// and loads it, showing progress when stderr is a terminal.
func (f modelFlags) load(stderr io.Writer, ctxSize int) (*llama.Model, error) {
	path := f.Model
	tty := isTerminal(stderr)
	if path == "" {
		p, err := tinymodel.DefaultPath()
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(stderr, "plan: creating the default tiny model at %s (once)\n", p)
		}
		if path, err = tinymodel.EnsureDefault(); err != nil {
			return nil, err
		}
	}
	opts := llama.Options{ContextSize: ctxSize, Verbose: f.Verbose}
	if tty {
		opts.Progress = func(p float32) { fmt.Fprintf(stderr, "\rloading %s: %3.0f%%", path, 100*p) }
	}
	m, err := llama.Load(path, opts)
	if tty {
		fmt.Fprint(stderr, "\r\033[K")
	}
	return m, err
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// formatVars gives help texts ${formats}: every call format the decoder
// knows, so --format's help lists the native ones as they are added.
func formatVars() kong.Vars {
	return kong.Vars{"formats": strings.Join(decoder.FormatNames(), ", ")}
}

// tinyModelName is the general.name decoder/tinymodel writes: a model with
// random weights (the default one, and the test models), whose text means
// nothing.
const tinyModelName = "specplan-tiny-llama3"

// randomWeights reports whether m is one of tinymodel's random-weights models.
func randomWeights(m *llama.Model) bool {
	name, _ := m.Meta("general.name")
	return name == tinyModelName
}
