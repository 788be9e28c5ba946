package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/internal/modfile"
)

// benchJSON runs `plan bench --json args...` and decodes its object.
func benchJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"bench", "--json"}, args...), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
	}
	return out
}

func num(t *testing.T, out map[string]any, key string) float64 {
	t.Helper()
	v, ok := out[key].(float64)
	if !ok {
		t.Fatalf("%s = %#v, want a number", key, out[key])
	}
	return v
}

// checkMaskKeys asserts the mask numbers every bench run reports.
func checkMaskKeys(t *testing.T, out map[string]any) {
	t.Helper()
	for _, p := range []string{"mask", "mask_first", "apply"} {
		p50, p99 := num(t, out, p+"_p50_us"), num(t, out, p+"_p99_us")
		if p50 < 0 || p50 > p99 {
			t.Errorf("%s: p50 %v, p99 %v", p, p50, p99)
		}
	}
	if num(t, out, "index_bytes") <= 0 {
		t.Errorf("index_bytes = %v", out["index_bytes"])
	}
	if f, _ := out["cpu_features"].(string); !strings.Contains(f, "CPU") {
		t.Errorf("cpu_features = %q", f)
	}
	if out["spec"] != "../../specs/react.ltl" || out["format"] != "json" {
		t.Errorf("spec, format = %v, %v", out["spec"], out["format"])
	}
}

// TestBenchVocabOnly: --vocab measures the masks over the 128K Llama-3
// vocabulary without a model; the generation keys are present and null.
func TestBenchVocabOnly(t *testing.T) {
	p, err := modfile.Tokenizer(modfile.Llama3Tokenizer)
	if err != nil {
		t.Skip("Llama-3 tokenizer module unavailable:", err)
	}
	out := benchJSON(t, "--vocab", p, "--spec", "../../specs/react.ltl", "--walks", "3")
	if v := num(t, out, "vocab_size"); v != 128256 {
		t.Errorf("vocab_size = %v, want 128256", v)
	}
	checkMaskKeys(t, out)
	for _, k := range []string{"unconstrained_tokens_per_s", "constrained_tokens_per_s", "ratio", "model"} {
		if v, ok := out[k]; !ok || v != nil {
			t.Errorf("%s = %#v (present %v), want null", k, v, ok)
		}
	}
}

// TestBenchTinyModel: on a small generated model both rates are positive
// and ratio is their quotient.
func TestBenchTinyModel(t *testing.T) {
	path := tinyModel(t)
	out := benchJSON(t, "--model", path, "--spec", "../../specs/react.ltl", "--tokens", "24", "--reps", "1", "--walks", "2")
	checkMaskKeys(t, out)
	if out["model"] != path {
		t.Errorf("model = %v, want %s", out["model"], path)
	}
	un, con, ratio := num(t, out, "unconstrained_tokens_per_s"), num(t, out, "constrained_tokens_per_s"), num(t, out, "ratio")
	if un <= 0 || con <= 0 {
		t.Fatalf("tokens/s: unconstrained %v, constrained %v", un, con)
	}
	if ratio != con/un {
		t.Errorf("ratio %v != %v / %v", ratio, con, un)
	}
}

// TestBenchGBNF: llama.cpp's GBNF sampler on the spec's exported grammar
// is the third column of the same run: its tokens/s and per-token
// sampling times are reported, positive, and the ratios are those
// numbers over the decoder's (no wall-clock thresholds: the ratios are
// the measurement). --gbnf FILE replaces the grammar; --no-gbnf leaves the
// column out (its keys null).
func TestBenchGBNF(t *testing.T) {
	out := benchJSON(t, "--model", tinyModel(t), "--spec", "testdata/bench/one.ltl", "--tools", "testdata/bench/one.tools.json",
		"--tokens", "48", "--reps", "1", "--walks", "2")
	for _, k := range []string{"gbnf_tokens_per_s", "gbnf_sample_p50_us", "gbnf_sample_p99_us", "mask_sample_p50_us", "mask_sample_p99_us", "constrained_tokens_per_s"} {
		if v := num(t, out, k); v <= 0 {
			t.Errorf("%s = %v, want > 0", k, v)
		}
	}
	if p50, p99 := num(t, out, "gbnf_sample_p50_us"), num(t, out, "gbnf_sample_p99_us"); p50 > p99 {
		t.Errorf("gbnf p50 %v > p99 %v", p50, p99)
	}
	if got, want := num(t, out, "gbnf_speed_ratio"), num(t, out, "gbnf_tokens_per_s")/num(t, out, "constrained_tokens_per_s"); got != want {
		t.Errorf("gbnf_speed_ratio %v, want %v", got, want)
	}
	if got, want := num(t, out, "gbnf_sample_ratio_p50"), num(t, out, "gbnf_sample_p50_us")/num(t, out, "mask_sample_p50_us"); got != want {
		t.Errorf("gbnf_sample_ratio_p50 %v, want %v", got, want)
	}
	if out["gbnf_grammar"] != "exported" {
		t.Errorf("gbnf_grammar = %v, want exported", out["gbnf_grammar"])
	}
	file := benchJSON(t, "--model", tinyModel(t), "--spec", "testdata/bench/one.ltl", "--tools", "testdata/bench/one.tools.json",
		"--gbnf", "testdata/bench/one.gbnf", "--tokens", "48", "--reps", "1", "--walks", "1")
	if file["gbnf_grammar"] != "testdata/bench/one.gbnf" || num(t, file, "gbnf_tokens_per_s") <= 0 {
		t.Errorf("--gbnf FILE: gbnf_grammar = %v, gbnf_tokens_per_s = %v", file["gbnf_grammar"], file["gbnf_tokens_per_s"])
	}
	plain := benchJSON(t, "--model", tinyModel(t), "--spec", "testdata/bench/one.ltl", "--tools", "testdata/bench/one.tools.json", "--no-gbnf", "--tokens", "48", "--reps", "1", "--walks", "1")
	for _, k := range []string{"gbnf_tokens_per_s", "gbnf_sample_p50_us", "gbnf_sample_p99_us", "gbnf_grammar"} {
		if v, ok := plain[k]; !ok || v != nil {
			t.Errorf("--no-gbnf: %s = %#v, want null", k, v)
		}
	}
}

// TestBenchBadInput: a missing model or a conflicting source is an input
// error (exit 2) that says what is wrong.
func TestBenchBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.gguf")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", missing, "--spec", "../../specs/react.ltl"}, missing},
		{[]string{"--model", "a.gguf", "--vocab", "b.json", "--spec", "../../specs/react.ltl"}, "--model"},
		{[]string{"--vocab", filepath.Join(t.TempDir(), "none.json"), "--spec", "../../specs/react.ltl"}, "none.json"},
		{[]string{"--spec", "../../specs/nope.ltl", "--vocab", "llama3"}, "nope.ltl"},
		{[]string{"--spec", "../../specs/react.ltl", "--vocab", "llama3", "--gbnf", "testdata/bench/one.gbnf"}, "--gbnf needs a model"},
		{[]string{"--spec", "../../specs/react.ltl", "--model", tinyModel(t), "--gbnf", "testdata/bench/missing.gbnf"}, "missing.gbnf"},
		{[]string{"--spec", "../../specs/react.ltl", "--model", tinyModel(t), "--gbnf", "testdata/bench/bad.gbnf"}, "cannot parse the grammar"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"bench"}, tc.args...), &stdout, &stderr)
		if code != exitInput || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("bench %v: exit %d, stderr %q; want exit 2 naming %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
