// Package goldentest is the golden-test harness the front ends' tests share:
// txtar archives under testdata whose `out` section holds what a package
// renders for the archive's inputs, compared byte for byte, and rewritten
// by `go test -update`.
//
// It is test support only: nothing outside _test.go files imports it. It
// imports no package of this module, so that in-package tests of ltl (which
// everything else imports) can use it.
package goldentest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// Update is the -update flag of every test binary that imports this
// package: golden files are rewritten rather than compared. A package with
// goldens of another form reads it too (one flag per binary).
var Update = flag.Bool("update", false, "rewrite the golden files (the `out` sections of the testdata txtar archives) instead of comparing with them")

// Section returns the content of the archive's file called name. A name
// repeated in one archive means its last section, so that -update's
// replacement of `out` is the one compared.
func Section(a *txtar.Archive, name string) (string, bool) {
	for i := len(a.Files) - 1; i >= 0; i-- {
		if a.Files[i].Name == name {
			return string(a.Files[i].Data), true
		}
	}
	return "", false
}

// SetSection replaces the content of the file called name (its last
// section, as Section reads it), appending the file if the archive lacks it.
func SetSection(a *txtar.Archive, name, content string) {
	for i := len(a.Files) - 1; i >= 0; i-- {
		if a.Files[i].Name == name {
			a.Files[i].Data = []byte(content)
			return
		}
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: []byte(content)})
}

// Sources maps every section's name to its content, as
// ltl.ErrorList.FormatFiles takes the files that positions name.
func Sources(a *txtar.Archive) map[string][]byte {
	srcs := map[string][]byte{}
	for _, f := range a.Files {
		srcs[f.Name] = f.Data
	}
	return srcs
}

// Files returns the archives matching glob, sorted; none is a failure, so
// that a moved testdata directory cannot make the tests pass vacuously.
func Files(t testing.TB, glob string) []string {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files %s: %v", glob, err)
	}
	sort.Strings(files)
	return files
}

// Run renders every archive matching glob, in a subtest named by its path
// without .txtar, and compares the result with its `out` section; with
// -update it writes the rendering there instead. An archive without an
// `out` section fails until -update gives it one.
func Run(t *testing.T, glob string, render func(t *testing.T, file string, a *txtar.Archive) string) {
	for _, file := range Files(t, glob) {
		t.Run(strings.TrimSuffix(file, ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			a := txtar.Parse(data)
			got := render(t, file, a)
			if *Update {
				SetSection(a, "out", got)
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, ok := Section(a, "out")
			if !ok {
				t.Fatalf("no out section (run with -update)")
			}
			if got != want {
				t.Errorf("output differs (run with -update to accept)\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

// ErrorList is what ltl.ErrorList offers a rendering: the codes of its
// errors and their formatted text with source lines and carets.
type ErrorList[C any] interface {
	error
	Codes() []C
	FormatFiles(srcs map[string][]byte) string
}

// Errors renders a failed stage as the goldens show it: a line
// `STAGE errors: CODE, CODE` naming each error's code, then the errors
// formatted against srcs. An error that is not an L is rendered as such,
// so that a golden pins it as a bug.
func Errors[C any, L ErrorList[C]](stage string, err error, srcs map[string][]byte, name func(C) string) string {
	var l L
	if !errors.As(err, &l) {
		return fmt.Sprintf("%s: non-ErrorList error %T: %v\n", stage, err, err)
	}
	codes := l.Codes()
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = name(c)
	}
	return fmt.Sprintf("%s errors: %s\n", stage, strings.Join(names, ", ")) + l.FormatFiles(srcs)
}

// CodesShown returns the code names that the `out` sections of the
// archives matching glob show on their `STAGE errors:` lines, for the
// tests that keep each error code shown by at least one golden case.
func CodesShown(t testing.TB, glob string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, file := range Files(t, glob) {
		a, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := Section(a, "out")
		for _, line := range strings.Split(out, "\n") {
			if i := strings.Index(line, " errors: "); i >= 0 && !strings.Contains(line[:i], ":") {
				for _, c := range strings.Split(line[i+len(" errors: "):], ", ") {
					seen[c] = true
				}
			}
		}
	}
	return seen
}

// Archive pins files, in order, in the txtar archive at path: it compares
// each with the archive's file of the same place and name, or with
// -update writes the archive anew (comment, then files). It returns the
// archive as read, for tests that check the pinned files further.
func Archive(t *testing.T, path, comment string, files []txtar.File) *txtar.Archive {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, txtar.Format(&txtar.Archive{Comment: []byte(comment), Files: files}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if len(a.Files) != len(files) {
		t.Fatalf("%s has %d files, want %d (run with -update if intended)", path, len(a.Files), len(files))
	}
	for i, f := range files {
		if w := a.Files[i]; w.Name != f.Name || string(w.Data) != string(f.Data) {
			t.Errorf("%s differs from %s's %s (run with -update if intended):\n%s\nwant:\n%s", f.Name, path, w.Name, f.Data, w.Data)
		}
	}
	return a
}
