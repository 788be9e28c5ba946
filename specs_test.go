package specplan_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// TestBundledSpecs compiles every spec in specs/ and validates its traces:
// specs/testdata/NAME/accept/*.jsonl must be accepted and reject/*.jsonl
// rejected, each rejected trace with a violation that names a position.
// Every accepted trace is also checked with the independent evaluator.
func TestBundledSpecs(t *testing.T) {
	paths, err := filepath.Glob("specs/*.ltl")
	if err != nil || len(paths) < 4 {
		t.Fatalf("expected at least 4 bundled specs, got %v (%v)", paths, err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".ltl")
		t.Run(name, func(t *testing.T) {
			spec, err := specplan.CompileFile(path, catalogFor(t, path))
			if err != nil {
				t.Fatal(err)
			}
			diags, err := spec.Check()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diags {
				t.Errorf("bundled spec has a finding: %v", d)
			}
			for _, want := range []bool{true, false} {
				dir := "reject"
				if want {
					dir = "accept"
				}
				traces, _ := filepath.Glob(filepath.Join("specs/testdata", name, dir, "*.jsonl"))
				if len(traces) == 0 {
					t.Fatalf("no %s traces for %s", dir, name)
				}
				for _, tp := range traces {
					events := readTrace(t, tp, spec.Source())
					v := spec.Validate(events)
					if v.Accepted != want {
						t.Errorf("%s: accepted=%v, want %v (%+v)", tp, v.Accepted, want, v.Violation)
					}
					if got := ltl.Eval(spec.Source().Formula(), events); got != want {
						t.Errorf("%s: ltl.Eval=%v, want %v", tp, got, want)
					}
					if !want && (v.Violation == nil || v.Violation.Reason == "" || v.Violation.Position < 0 || v.Violation.Position > len(events)) {
						t.Errorf("%s: rejected without a usable violation: %+v", tp, v.Violation)
					}
				}
			}
		})
	}
}

func catalogFor(t *testing.T, specPath string) specplan.Options {
	t.Helper()
	cat := strings.TrimSuffix(specPath, ".ltl") + ".tools.json"
	data, err := os.ReadFile(cat)
	if os.IsNotExist(err) {
		return specplan.Options{}
	}
	if err != nil {
		t.Fatal(err)
	}
	tools, err := ltl.ParseCatalog(cat, data)
	if err != nil {
		t.Fatal(err)
	}
	return specplan.Options{Catalog: tools}
}

func readTrace(t *testing.T, path string, s *ltl.Spec) []ltl.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, err := ltl.ReadTrace(path, f, s)
	if err != nil {
		t.Fatal(err)
	}
	return events
}
