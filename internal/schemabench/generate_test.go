package schemabench

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
)

// TestGenerateValidates generates with the real llama.cpp backend (the
// small random-weights model, so the masks do all the work) under each
// schema of a self-written corpus, at several seeds and temperatures:
// five schemas compile and give exactly one call each, and every call's
// arguments pass the full validator; the sixth is refused for multipleOf.
func TestGenerateValidates(t *testing.T) {
	if testing.Short() {
		t.Skip("generation on the real backend")
	}
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := tinymodel.WriteSmall(path); err != nil {
		t.Fatal(err)
	}
	m, err := llama.Load(path, llama.Options{ContextSize: 2048, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	files, err := filepath.Glob(filepath.Join("testdata", "gencorpus", "*.json"))
	if err != nil || len(files) != 6 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	for _, run := range []struct {
		seed uint64
		temp float64
	}{{1, 0.8}, {2, 0.8}, {3, 1.5}, {4, -1}} {
		rep, err := Generate(context.Background(), m, files, GenerateOptions{Seed: run.seed, Temperature: run.temp, MaxTokens: 160})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Invalid {
			t.Errorf("seed %d: INVALID %s: %s\n  %s", run.seed, f.File, f.Error, f.Text)
		}
		for _, f := range rep.Failures {
			t.Errorf("seed %d: failed %s: %s\n  %s", run.seed, f.File, f.Error, f.Text)
		}
		if rep.Tried != 6 || rep.Runs != 5 || rep.Refused["multipleOf"] != 1 || rep.Generated != 5 || rep.Valid != 5 || rep.Subsets["Mine"].Valid != 5 {
			t.Errorf("seed %d: report %+v", run.seed, rep)
		}
		if rep.Tokens == 0 || rep.MaskP50us <= 0 {
			t.Errorf("seed %d: %d tokens, mask p50 %v µs", run.seed, rep.Tokens, rep.MaskP50us)
		}
	}
	// N counts schemas run, not files tried; a cancelled context stops.
	rep, err := Generate(context.Background(), m, files, GenerateOptions{N: 2, Seed: 1})
	if err != nil || rep.Runs != 2 || rep.Valid != 2 {
		t.Errorf("N=2: %+v, %v", rep, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, m, files, GenerateOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v", err)
	}
}

func TestRefusalReason(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&decoder.ConstraintError{Code: decoder.CodeSchema, Msg: `tool "f": schema /properties/n: multipleOf: only 1/n`}, "multipleOf"},
		{&decoder.ConstraintError{Code: decoder.CodeLimit, Msg: `tool "f": the automaton has more than 200000 nodes (limit maxProgNodes)`}, "limit:maxProgNodes"},
		{&decoder.ConstraintError{Code: decoder.CodeVocab, Msg: "cannot spell it"}, "vocabulary: cannot spell it"},
		{&decoder.ConstraintError{Code: decoder.CodeSchema, Msg: `tool f: parameters must be of type object`}, "schema: parameters must be of type object"},
	} {
		if got := refusalReason(c.err); got != c.want {
			t.Errorf("refusalReason(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
