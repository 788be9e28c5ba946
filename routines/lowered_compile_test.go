package routines_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/routines"
)

// TestBundledRoutinesCompile: each routine in specs/routines, lowered with
// values for its inputs, is a spec package ltl parses (results, captures
// and all) and specplan compiles to a satisfiable automaton whose shortest
// runs Validate accepts, with the routine's own catalog. This is where the
// routine language meets the result-aware spec language.
func TestBundledRoutinesCompile(t *testing.T) {
	paths, err := filepath.Glob("../specs/routines/*.routine")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no routines: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := routines.Parse(path, src)
			if err != nil {
				t.Fatal(err)
			}
			inputs := map[string]any{}
			for _, in := range r.Inputs {
				inputs[in.Name] = "X1"
			}
			text, err := routines.LowerOptions{Inputs: inputs}.Lower(r)
			if err != nil {
				t.Fatal(err)
			}
			// The lowered spec names its catalog relative to itself.
			dir := t.TempDir()
			for _, line := range strings.Split(text, "\n") {
				if rest, ok := strings.CutPrefix(line, `tools from "`); ok {
					name := strings.TrimSuffix(rest, `"`)
					cat, err := os.ReadFile(filepath.Join(filepath.Dir(path), name))
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, name), cat, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			lowered := filepath.Join(dir, "lowered.ltl")
			if err := os.WriteFile(lowered, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			spec, err := specplan.CompileFile(lowered, specplan.Options{})
			if err != nil {
				t.Fatalf("lowered routine does not compile: %v\n%s", err, text)
			}
			if spec.DFA().IsEmpty() {
				t.Fatalf("lowered routine is unsatisfiable:\n%s", text)
			}
			ws, err := spec.Witnesses(3)
			if errors.Is(err, specplan.ErrNoConcreteWitness) {
				// Known gap (README, Known limits): witnesses do not yet
				// write a schema-valid value into both an argument and the
				// captured result it must equal (refund: amount ==
				// $order.total). The automaton is checked above.
				t.Logf("no concrete witness: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range ws {
				if v := spec.Validate(w); !v.Accepted {
					t.Errorf("witness %d rejected: %+v", i, v.Violation)
				}
			}
		})
	}
}
