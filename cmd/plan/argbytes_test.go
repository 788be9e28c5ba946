package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFileNamesThatAreNotUTF8: a file name is bytes, not text. Arguments
// and flag values reach os.Open byte for byte (kong's own string mapper
// round-trips them through encoding/json, which turned each invalid byte
// into U+FFFD, so such a file could not be read or written), and the name
// is printed escaped, never as raw bytes.
func TestFileNamesThatAreNotUTF8(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	src, err := os.ReadFile(filepath.Join(pkgRoot, "specs/react.ltl"))
	if err != nil {
		t.Fatal(err)
	}
	spec, trace, out := "spec\xff.ltl", "trace\xfe\xff.jsonl", "out\xc0.dot"
	os.WriteFile(spec, src, 0o644)
	os.WriteFile(trace, []byte(`{"step":"thought"}`+"\n"+`{"step":"answer"}`+"\n"), 0o644)
	os.WriteFile("tools\x80.json", []byte(`[{"type":"function","function":{"name":"search"}},{"type":"function","function":{"name":"lookup"}}]`), 0o644)

	stdout, stderr, code := runPlan(t, "validate", spec, trace)
	if code != 0 || stdout != `ok    trace\xfe\xff.jsonl`+"\n" {
		t.Errorf("validate: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, stderr, code := runPlan(t, "check", "--tools", "tools\x80.json", spec); code != 0 {
		t.Errorf("check --tools: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runPlan(t, "compile", "-o", out, spec); code != 0 {
		t.Errorf("compile -o: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("compile -o %q wrote no such file: %v", out, err)
	}
	// --examples takes each value whole: not split on commas, not re-encoded.
	examples := "ex,\xff.md"
	os.WriteFile(examples, []byte("Question: q\nThought: t\nAnswer: a\n"), 0o644)
	stdout, stderr, code = runPlan(t, "validate", "--examples", examples, "--examples", examples, spec)
	if want := `ok    ex,\xff.md:2` + "\n"; code != 0 || stdout != want+want {
		t.Errorf("--examples: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A missing one is named as it is, escaped.
	_, stderr, code = runPlan(t, "validate", spec, "missing\xff.jsonl")
	if code != 2 || !strings.Contains(stderr, `missing\xff.jsonl`) || !utf8.ValidString(stderr) {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
}
