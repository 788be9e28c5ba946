package schemabench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSubsetOf(t *testing.T) {
	for file, want := range map[string]string{
		"Github_easy---o1234.json":                  "Github_easy",
		"BFCL_java_3.json":                          "BFCL_java",
		"MCPspec---CallToolRequest.json":            "MCPspec",
		"Glaiveai2K---weather_forecast_e5b8f1.json": "Glaiveai2K",
		"plain.json":                                "plain",
	} {
		if got := SubsetOf(file); got != want {
			t.Errorf("SubsetOf(%q) = %q, want %q", file, got, want)
		}
	}
}

// A corpus of three files: one whose labels the validator agrees with,
// one with a label it disagrees with, and one schema that does not
// compile. Run must count each and list the two disagreements.
func TestRunCountsAndDisagreements(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("A---one.json", `{"schema": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 9007199254740993}}},
		"tests": [{"description": "big", "valid": true, "data": {"n": 9007199254740993}},
		          {"description": "bigger", "valid": false, "data": {"n": 9007199254740994}}]}`)
	write("A---two.json", `{"schema": {"format": "date"}, "tests": [{"description": "mislabelled", "valid": true, "data": "2024-13-01"}]}`)
	write("B_1.json", `{"schema": {"$ref": "https://example.com/s.json"}, "tests": [{"description": "x", "valid": true, "data": 1}]}`)
	rep, err := Run(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Schemas != 3 || rep.Compiled != 2 || rep.Valid != 2 || rep.ValidAccepted != 1 || rep.Invalid != 1 || rep.InvalidRefused != 1 || rep.Unjudged != 1 {
		t.Errorf("report = %+v", rep)
	}
	if rep.CompileErrors["remote-ref"] != 1 || len(rep.Disagreements) != 2 {
		t.Errorf("compile errors %v, disagreements %v", rep.CompileErrors, rep.Disagreements)
	}
	if rep.Subsets["A"].Schemas != 2 || rep.Subsets["B"].Compiled != 0 {
		t.Errorf("subsets = %+v %+v", rep.Subsets["A"], rep.Subsets["B"])
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil || !strings.Contains(b.String(), "| **all** | 3 | 2 (66.7%) | 1/2 (50.0%) | 1/1 (100.0%) |") {
		t.Errorf("table:\n%s", b.String())
	}
	// A sample is seeded: the same seed picks the same files.
	r1, _ := Run(dir, Options{Sample: 2, Seed: 7})
	r2, _ := Run(dir, Options{Sample: 2, Seed: 7})
	if r1.Schemas != 2 || r1.Files != r2.Files || r1.Compiled != r2.Compiled || len(r1.Disagreements) != len(r2.Disagreements) {
		t.Errorf("seeded samples differ: %+v vs %+v", r1, r2)
	}
}

// TestMaskBench runs the real corpus when SPECPLAN_MASKBENCH names its
// data directory (maskbench/data of github.com/guidance-ai/jsonschemabench;
// not shipped: it has no licence), e.g.
//
//	SPECPLAN_MASKBENCH=~/jsonschemabench/maskbench/data go test ./internal/schemabench -run TestMaskBench -v
//
// SPECPLAN_MASKBENCH_SAMPLE=N runs a sample of N files (seed 1). It prints
// the README table and every disagreement; it fails only if the corpus
// cannot be read.
func TestMaskBench(t *testing.T) {
	dir := os.Getenv("SPECPLAN_MASKBENCH")
	if dir == "" {
		t.Skip("SPECPLAN_MASKBENCH is not set")
	}
	opts := Options{Seed: 1}
	if n := os.Getenv("SPECPLAN_MASKBENCH_SAMPLE"); n != "" {
		if _, err := fmt.Sscan(n, &opts.Sample); err != nil {
			t.Fatalf("SPECPLAN_MASKBENCH_SAMPLE=%q: %v", n, err)
		}
	}
	rep, err := Run(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.WriteTable(&b)
	t.Log("\n" + b.String())
	for _, d := range rep.Disagreements {
		t.Log(d)
	}
}
