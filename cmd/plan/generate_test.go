package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/ltl"
)

var (
	tinyOnce sync.Once
	tinyDir  string
	tinyPath string
	tinyErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tinyDir != "" {
		os.RemoveAll(tinyDir)
	}
	os.Exit(code)
}

// tinyModel writes one small random-weights GGUF with the real Llama-3
// vocabulary for the whole test binary (n_embd 32, 1 layer: fast).
func tinyModel(t testing.TB) string {
	t.Helper()
	tinyOnce.Do(func() {
		if tinyDir, tinyErr = os.MkdirTemp("", "plan-test-model-"); tinyErr != nil {
			return
		}
		tinyPath = filepath.Join(tinyDir, "tiny.gguf")
		tinyErr = tinymodel.WriteSmall(tinyPath)
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tinyPath
}

func runPlan(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

// plan generate's verdict must hold up under the independent path: the
// events it reports are accepted by ltl.Eval, and the budget is kept.
func TestGenerateIsAcceptedInEveryFormat(t *testing.T) {
	model := tinyModel(t)
	spec, err := specplan.CompileFile("../../specs/refund.ltl", specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "hermes", "pythonic", "react"} {
		for seed := 1; seed <= 3; seed++ {
			stdout, stderr, code := runPlan(t, "generate", "--json", "--model", model, "--format", format,
				"--spec", "../../specs/refund.ltl", "--tools", "../../specs/refund.tools.json",
				"--max-tokens", "150", "--temperature", "1.2", "--seed", strconv.Itoa(seed))
			if code != 0 {
				t.Fatalf("%s seed %d: exit %d: %s", format, seed, code, stderr)
			}
			var rep generateReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("%s: %v: %s", format, err, stdout)
			}
			if !rep.Accepted || len(rep.Events) == 0 || rep.Tokens > 150 || rep.Tokens == 0 {
				t.Errorf("%s seed %d: accepted=%v events=%d tokens=%d", format, seed, rep.Accepted, len(rep.Events), rep.Tokens)
			}
			if !ltl.Eval(spec.Source().Formula(), rep.Events) {
				t.Errorf("%s seed %d: reported events violate the spec: %+v", format, seed, rep.Events)
			}
		}
	}
}

func TestGenerateBadInput(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := write("corrupt.gguf", "GGUF\x03\x00\x00\x00garbage")
	long := write("long.txt", strings.Repeat("the quick brown fox ", 3000))
	badSchema := write("bad.tools.json", `[{"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{"n":{"type":"integer","multipleOf":7}}}}}]`)
	cases := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"missing model", []string{"--model", filepath.Join(dir, "nope.gguf")}, "nope.gguf"},
		{"corrupt model", []string{"--model", corrupt}, "corrupt.gguf"},
		{"prompt longer than context", []string{"--model", model, "--prompt-file", long}, "context"},
		{"budget too small", []string{"--model", model, "--max-tokens", "3"}, "tokens of the spec's shortest valid run"},
		{"budget too small names the flag that fits", []string{"--model", model, "--max-tokens", "3"}, "run with --max-tokens "},
		{"unsupported schema", []string{"--model", model, "--tools", badSchema}, "multipleOf"},
		{"unknown format", []string{"--model", model, "--format", "xml"}, "format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"generate", "--spec", "../../specs/react.ltl"}, c.args...)
			_, stderr, code := runPlan(t, args...)
			if code != exitInput {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitInput, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr does not mention %q: %s", c.want, stderr)
			}
		})
	}
}
