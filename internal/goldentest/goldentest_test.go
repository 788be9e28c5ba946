package goldentest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/tools/txtar"
)

// list stands in for ltl.ErrorList (which this package cannot import).
type list []int

func (l list) Error() string { return "list" }
func (l list) Codes() []int  { return l }
func (l list) FormatFiles(srcs map[string][]byte) string {
	return "formatted against " + strconv.Itoa(len(srcs)) + " files\n"
}

func TestErrors(t *testing.T) {
	name := func(c int) string { return "c" + strconv.Itoa(c) }
	srcs := map[string][]byte{"a": nil}
	if got, want := Errors[int, list]("parse", list{1, 7}, srcs, name), "parse errors: c1, c7\nformatted against 1 files\n"; got != want {
		t.Errorf("Errors = %q, want %q", got, want)
	}
	if got, want := Errors[int, list]("parse", errors.New("boom"), srcs, name), "parse: non-ErrorList error *errors.errorString: boom\n"; got != want {
		t.Errorf("Errors = %q, want %q", got, want)
	}
}

func TestSections(t *testing.T) {
	a := txtar.Parse([]byte("-- in --\nx\n-- out --\nold\n-- out --\nlast\n"))
	if s, ok := Section(a, "out"); !ok || s != "last\n" {
		t.Errorf("Section(out) = %q, %v; want the last out section", s, ok)
	}
	SetSection(a, "out", "new\n")
	if string(a.Files[1].Data) != "old\n" || string(a.Files[2].Data) != "new\n" {
		t.Errorf("SetSection replaced %q, %q; want only the last out", a.Files[1].Data, a.Files[2].Data)
	}
	SetSection(a, "extra", "e\n")
	if s, _ := Section(a, "extra"); s != "e\n" || len(a.Files) != 4 {
		t.Errorf("SetSection did not append a missing section: %v", a.Files)
	}
}

func TestCodesShown(t *testing.T) {
	dir := t.TempDir()
	out := "spec errors: syntax, depth-limit\nspec.ltl:1:2: msg with x errors: not-a-code\ncatalog errors: catalog-tool\n"
	if err := os.WriteFile(filepath.Join(dir, "a.txtar"), txtar.Format(&txtar.Archive{Files: []txtar.File{{Name: "out", Data: []byte(out)}}}), 0o644); err != nil {
		t.Fatal(err)
	}
	seen := CodesShown(t, filepath.Join(dir, "*.txtar"))
	for _, c := range []string{"syntax", "depth-limit", "catalog-tool"} {
		if !seen[c] {
			t.Errorf("code %s not seen in %v", c, seen)
		}
	}
	if seen["not-a-code"] {
		t.Errorf("a message line (with a position before `errors:`) counted as a code line")
	}
}
