package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without Graphviz, svg/png export says how to install it, exits 2, and
// leaves no output file behind.
func TestCompileSVGWithoutGraphviz(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir) // an empty directory: no `dot`
	out := filepath.Join(dir, "out.svg")
	_, stderr, code := runPlan(t, "compile", "-f", "svg", "-o", out, "../../specs/react.ltl")
	if code != exitInput || !strings.Contains(stderr, "apt-get install graphviz") {
		t.Errorf("exit %d, stderr %q: want exit 2 and an install hint", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output file exists after a failed export: %v", err)
	}
}

// With Graphviz installed (CI installs it), the file is real SVG.
func TestCompileSVG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.svg")
	if _, stderr, code := runPlan(t, "compile", "-f", "svg", "-o", out, "../../specs/react.ltl"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "<svg") || !strings.Contains(string(data), "observation") {
		t.Errorf("not an SVG of the automaton: %.200s", data)
	}
}
