package main

import (
	"fmt"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/internal/outfile"
)

// ModelCmd is `plan model tiny -o FILE.gguf`.
type ModelCmd struct {
	Tiny TinyModelCmd `cmd:"" help:"Write a small llama-architecture GGUF with seeded random weights and the real Llama-3 vocabulary (the embedded default model)."`
}

// TinyModelCmd writes the tiny model.
type TinyModelCmd struct {
	Output    string `short:"o" name:"output" required:"" placeholder:"FILE.gguf" help:"Where to write the model: a new or regular file is replaced atomically; - is standard output (not a terminal); a FIFO or character device is written in place; a symbolic link to a file is refused."`
	Tokenizer string `name:"tokenizer" placeholder:"tokenizer.json" help:"A byte-level BPE tokenizer.json (Llama-3 style). Default: the Llama-3 tokenizer shipped in a Go module (needs the go command)."`
	Seed      int64  `name:"seed" default:"1" help:"Seed of the random weights."`
	Embd      int    `name:"embd" default:"64" help:"Embedding width."`
	Layers    int    `name:"layers" default:"2" help:"Transformer blocks."`
}

func (c *TinyModelCmd) Run(e *env) error {
	if c.Embd < 2 || c.Embd%8 != 0 || c.Layers < 1 {
		return inputErr(fmt.Errorf("--embd must be a positive multiple of 8 and --layers at least 1 (got --embd %d --layers %d)", c.Embd, c.Layers))
	}
	var src *tinymodel.TokenizerSource
	var err error
	if c.Tokenizer != "" {
		var t *decoder.TokenizerJSON
		if t, err = decoder.ReadTokenizerJSON(c.Tokenizer); err == nil {
			src, err = tinymodel.FromTokenizerJSON(t)
		}
	} else {
		src, err = tinymodel.Llama3()
	}
	if err != nil {
		return inputErr(err)
	}
	opts := tinymodel.DefaultOptions
	opts.Seed, opts.Embd, opts.Layers = c.Seed, c.Embd, c.Layers
	// The summary goes to stdout, or to stderr when the model itself does.
	report, name := e.stdout, c.Output
	if c.Output == "-" {
		report, name = e.stderr, "standard output"
		f, err := outfile.Create("-", outfile.Options{Binary: true, Stdout: e.rawStdout})
		if err != nil {
			return inputErr(err)
		}
		if err := tinymodel.Encode(f, src, opts); err != nil {
			return inputErr(f.Fail(err))
		}
		if err := f.Commit(); err != nil {
			return inputErr(err)
		}
	} else if err := tinymodel.Write(c.Output, src, opts); err != nil {
		return inputErr(err)
	}
	outfile.Fprintf(report, "wrote %s: llama architecture, %d tokens, n_embd %d, %d layers, seed %d\n", name, len(src.Tokens), opts.Embd, opts.Layers, opts.Seed)
	return nil
}
