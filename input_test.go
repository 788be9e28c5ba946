package specplan_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// A spec names its catalog; CompileFile loads it relative to the spec, with
// its schemas, and a non-nil Options.Catalog overrides it.
func ExampleCompileFile_toolsFrom() {
	dir, _ := os.MkdirTemp("", "toolsfrom")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "refund.ltl"), []byte(`spec refund
steps answer
tools from "refund.tools.json"
rule never(refund(amount > 1000))
rule F answer
`), 0o644)
	os.WriteFile(filepath.Join(dir, "refund.tools.json"), []byte(`{"tools": [
  {"name": "refund", "inputSchema": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]}}
]}`), 0o644)
	spec, err := specplan.CompileFile(filepath.Join(dir, "refund.ltl"), specplan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(spec.Alphabet().Tools, len(spec.Schemas()["refund"]) > 0)
	// Output: [refund] true
}

// TestReadFileLimit: a device that never ends is an input error naming the
// limit, after reading no more than it.
func TestReadFileLimit(t *testing.T) {
	for _, read := range []func() error{
		func() error {
			_, err := specplan.ReadFile("/dev/zero", specplan.Options{MaxInputBytes: 1 << 16})
			return err
		},
		func() error {
			_, err := specplan.CompileFile("/dev/zero", specplan.Options{MaxInputBytes: 1 << 16})
			return err
		},
		func() error {
			_, err := specplan.LoadCatalog("/dev/zero", specplan.Options{MaxInputBytes: 1 << 16})
			return err
		},
	} {
		err := read()
		var l ltl.ErrorList
		if !errors.As(err, &l) || l[0].Code != ltl.ErrInputLimit || !strings.Contains(l[0].Msg, "MaxInputBytes") || !strings.Contains(l[0].Msg, "--max-input-bytes") {
			t.Fatalf("got %v, want ErrInputLimit naming MaxInputBytes and --max-input-bytes", err)
		}
	}
}

// TestToolsFromErrors: a missing catalog is reported at the declaration, a
// bad one at its own position, and a given catalog overrides the spec's.
func TestToolsFromErrors(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.ltl")
	os.WriteFile(spec, []byte("spec s\nsteps answer\ntools from \"c.json\"\nrule F answer\n"), 0o644)
	_, err := specplan.CompileFile(spec, specplan.Options{})
	var l ltl.ErrorList
	if !errors.As(err, &l) || l[0].Pos.Filename != spec || l[0].Pos.Line != 3 || !strings.Contains(l[0].Msg, `tools from "c.json"`) {
		t.Fatalf("missing catalog: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "c.json"), []byte(`[{"Name": "refund"}]`), 0o644)
	_, err = specplan.CompileFile(spec, specplan.Options{})
	if !errors.As(err, &l) || l[0].Code != ltl.ErrCatalogTool || l[0].Pos.Filename != filepath.Join(dir, "c.json") {
		t.Fatalf("bad catalog: %v", err)
	}
	s, err := specplan.CompileFile(spec, specplan.Options{Catalog: []ltl.CatalogTool{}})
	if err != nil || len(s.Alphabet().Tools) != 0 {
		t.Fatalf("an empty non-nil Catalog overrides tools from: %v", err)
	}
}
