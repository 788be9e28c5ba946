package routines_test

import (
	"path/filepath"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/routines"
)

// TestBundledRoutinesCompile: each routine in specs/routines, compiled
// with values for its inputs (routines.Compile: Check, Lower, package
// ltl's result-aware syntax, specplan.Compile), is a satisfiable
// automaton, and Witnesses writes concrete traces for it, each accepted
// by Validate: with the catalog's output schemas, a result field that
// must differ from a literal gets a value its enum allows, and an
// argument equal to a captured field (refund: amount == $order.total) a
// value both schemas accept. This is where the routine language meets
// the result-aware spec language; it failed with ErrNoConcreteWitness on
// refund before witness.go realised typed values.
func TestBundledRoutinesCompile(t *testing.T) {
	paths, err := filepath.Glob("../specs/routines/*.routine")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no routines: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			r, _, cat, err := routines.LoadFile(path, routines.Options{}, specplan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			inputs := map[string]any{}
			for _, in := range r.Inputs {
				inputs[in.Name] = exampleInput(in.Type)
			}
			spec, err := routines.Compile(r, inputs, cat, specplan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if spec.DFA().IsEmpty() {
				t.Fatal("the compiled routine is unsatisfiable")
			}
			ws, err := spec.Witnesses(3)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) == 0 {
				t.Fatal("no witness")
			}
			for i, w := range ws {
				if v := spec.Validate(w); !v.Accepted {
					t.Errorf("witness %d rejected: %+v", i, v.Violation)
				}
			}
		})
	}
}

func exampleInput(typ string) any {
	switch typ {
	case "number", "integer":
		return 1500
	case "boolean":
		return true
	}
	return "E1"
}
