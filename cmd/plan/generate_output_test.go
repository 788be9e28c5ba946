package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateHumanOutput: plan generate's summary prints a call's
// arguments as JSON without HTML escapes (`>` and `&` as they are) and
// with what a terminal must not get escaped by outfile.Fprintf (the
// argument's U+202E comes out as `\u202e`), says in one line what
// "forced" means when tokens were forced, and says on stderr that the
// default tiny model has random weights.
func TestGenerateHumanOutput(t *testing.T) {
	model := tinyModel(t)
	dir := t.TempDir()
	spec := filepath.Join(dir, "out.ltl")
	tools := filepath.Join(dir, "out.tools.json")
	os.WriteFile(spec, []byte(`spec out "Search once"
steps thought, observation, answer
tools search
rule F search
rule G(call -> X observation)
rule F answer
rule G(answer -> last)
`), 0o644)
	os.WriteFile(tools, []byte(`[{"type": "function", "function": {"name": "search", "parameters": {"type": "object",
  "properties": {"q": {"type": "string", "const": "a>b & <c> \u202e!"}}, "required": ["q"], "additionalProperties": false}}}]`), 0o644)
	stdout, stderr, code := runPlan(t, "generate", "--model", model, "--format", "json", "--spec", spec, "--tools", tools,
		"--max-tokens", "120", "--seed", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	if want := `call search {"q":"a>b & <c> \u202e!"}`; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	if strings.Contains(stdout, `\u003e`) || strings.Contains(stdout, "\u202e") {
		t.Errorf("arguments HTML-escaped, or U+202E printed raw:\n%s", stdout)
	}
	if !strings.Contains(stdout, " forced) in ") || !strings.Contains(stdout, "(forced: the spec allowed only one token there, so it was written without sampling the model)") {
		t.Errorf("forced tokens not explained:\n%s", stdout)
	}
	if !strings.Contains(stderr, "has random weights") {
		t.Errorf("stderr does not say the model has random weights: %s", stderr)
	}
}

// TestFormatFlagListsEveryFormat: --format of generate and bench takes
// every decoder format, the native ones included, and --help names them.
func TestFormatFlagListsEveryFormat(t *testing.T) {
	for _, cmd := range []string{"generate", "bench"} {
		stdout, stderr, code := runPlan(t, cmd, "--help")
		if code != 0 {
			t.Fatalf("%s --help: exit %d: %s", cmd, code, stderr)
		}
		help := strings.Join(strings.Fields(stdout), " ")
		for _, name := range []string{"json", "hermes", "pythonic", "react", "qwen", "llama3-python-tag", "mistral-v11", "granite", "harmony"} {
			if !strings.Contains(help, name) {
				t.Errorf("%s --help does not list format %q:\n%s", cmd, name, stdout)
			}
		}
	}
	_, stderr, code := runPlan(t, "bench", "--spec", "../../specs/refund.ltl", "--tools", "../../specs/refund.tools.json",
		"--vocab", "llama3", "--format", "granite", "--walks", "1", "--json")
	if code != 0 {
		t.Errorf("bench --format granite: exit %d: %s", code, stderr)
	}
}
