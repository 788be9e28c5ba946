package main

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the stdout/stderr/exit sections of testdata/script/*.txtar")

// TestScripts runs each testdata/script/*.txtar: its files are written to a
// temporary directory (the working directory of the run, with the repository
// root linked as `repo`), `args` holds one plan command line (split on
// spaces), `stdin` is what the file argument - reads, and `stdout`,
// `stderr` and `exit` are compared exactly.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.Symlink(repo, filepath.Join(dir, "repo")); err != nil {
				t.Fatal(err)
			}
			var args []string
			outputs := map[string]bool{"stdout": true, "stderr": true, "exit": true}
			defer func(r io.Reader) { stdin = r }(stdin)
			stdin = strings.NewReader("")
			for _, f := range ar.Files {
				switch {
				case f.Name == "args":
					args = strings.Fields(string(f.Data))
				case f.Name == "stdin":
					stdin = bytes.NewReader(f.Data)
				case outputs[f.Name]:
				default:
					p := filepath.Join(dir, f.Name)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			if args == nil {
				t.Fatal("script has no args section")
			}
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			got := map[string]string{
				"stdout": stdout.String(),
				"stderr": stderr.String(),
				"exit":   strconv.Itoa(code) + "\n",
			}
			if *update {
				var kept []txtar.File
				for _, f := range ar.Files {
					if !outputs[f.Name] {
						kept = append(kept, f)
					}
				}
				for _, name := range []string{"stdout", "stderr", "exit"} {
					if got[name] != "" {
						kept = append(kept, txtar.File{Name: name, Data: []byte(got[name])})
					}
				}
				ar.Files = kept
				if err := os.WriteFile(filepath.Join(repo, "cmd/plan", file), txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := map[string]string{}
			for _, f := range ar.Files {
				if outputs[f.Name] {
					want[f.Name] = string(f.Data)
				}
			}
			for _, name := range []string{"exit", "stdout", "stderr"} {
				if got[name] != want[name] {
					t.Errorf("%s:\n--- got ---\n%s--- want ---\n%s", name, got[name], want[name])
				}
			}
		})
	}
}
