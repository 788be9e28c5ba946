package routines

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestBundledRoutines parses every specs/routines/*.routine, reads the catalog its
// `tools from` names, and compares `plan check`-style diagnostics (Check's,
// formatted) with specs/routines/testdata/NAME.check (empty: the bundled
// routines are clean) and the lowered spec with NAME.lowered.ltl (for the
// parse-and-compare test once ltl reads issue 9's syntax). -update
// rewrites both.
func TestBundledRoutines(t *testing.T) {
	paths, _ := filepath.Glob("../specs/routines/*.routine")
	if len(paths) < 3 {
		t.Fatalf("expected at least 3 bundled routines, got %v", paths)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".routine")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(path, src)
			if err != nil {
				t.Fatal(err)
			}
			if r.Catalog == nil {
				t.Fatal("a bundled routine names its catalog")
			}
			catPath := filepath.Join(filepath.Dir(path), r.Catalog.Path)
			cat, err := os.ReadFile(catPath)
			if err != nil {
				t.Fatal(err)
			}
			tools, err := ltl.ParseCatalog(catPath, cat)
			if err != nil {
				t.Fatal(err)
			}
			var diags string
			if err := Check(r, tools); err != nil {
				var l ltl.ErrorList
				if !errors.As(err, &l) {
					t.Fatal(err)
				}
				diags = l.Format(src)
			}
			lowered, err := Lower(r)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, path, Options{}, r)
			golden(t, filepath.Join("../specs/routines/testdata", name+".check"), diags)
			golden(t, filepath.Join("../specs/routines/testdata", name+".lowered.ltl"), lowered)
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept)\n--- got\n%s--- want\n%s", path, got, want)
	}
}
