package apps

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

var update = flag.Bool("update", false, "rewrite the golden `out` sections of testdata/golden/*.txtar")

// formatErrors renders an error list with its codes and carets.
func formatErrors(stage string, err error, name string, src []byte) string {
	var l ltl.ErrorList
	if !errors.As(err, &l) {
		return fmt.Sprintf("%s: non-ErrorList error %T: %v\n", stage, err, err)
	}
	names := make([]string, len(l))
	for i, e := range l {
		names[i] = CodeName(e.Code)
	}
	return fmt.Sprintf("%s errors: %s\n", stage, strings.Join(names, ", ")) + l.FormatFiles(map[string][]byte{name: src})
}

// runGolden parses the archive's app.app, then checks it.
func runGolden(a *txtar.Archive) string {
	var src []byte
	for _, f := range a.Files {
		if f.Name == "app.app" {
			src = f.Data
		}
	}
	app, err := Parse("app.app", src, Options{})
	if err != nil {
		return formatErrors("parse", err, "app.app", src)
	}
	var b strings.Builder
	var screens, overlays []string
	for _, s := range app.Screens {
		screens = append(screens, s.Name)
	}
	for _, o := range app.Overlays {
		overlays = append(overlays, o.Name)
	}
	fmt.Fprintf(&b, "app %s %q start %s screens=%v overlays=%v goals=%d rules=%d\n", app.Name, app.Title, app.Start, screens, overlays, len(app.Goals), len(app.Rules))
	if err := Check(app, specplan.Options{}); err != nil {
		b.WriteString(formatErrors("check", err, "app.app", src))
	} else {
		b.WriteString("check: ok\n")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := runGolden(a)
			i := len(a.Files) - 1
			for ; i >= 0 && a.Files[i].Name != "out"; i-- {
			}
			if *update {
				if i < 0 {
					a.Files = append(a.Files, txtar.File{Name: "out"})
					i = len(a.Files) - 1
				}
				a.Files[i].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if i < 0 {
				t.Fatalf("no out section (run with -update)")
			}
			if want := string(a.Files[i].Data); got != want {
				t.Errorf("output differs (-update rewrites):\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}
