package ltl

import (
	"bytes"
	"encoding/json"
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

var update = flag.Bool("update", false, "rewrite the golden `out` sections of testdata/*/*.txtar")

// section returns the content of the archive's file called name. A name
// repeated in one archive means its last section, so that -update's
// replacement of `out` is the one compared.
func section(a *txtar.Archive, name string) (string, bool) {
	for i := len(a.Files) - 1; i >= 0; i-- {
		if a.Files[i].Name == name {
			return string(a.Files[i].Data), true
		}
	}
	return "", false
}

// setSection replaces the content of the file called name (its last
// section, as section reads it), appending the file if the archive lacks it.
func setSection(a *txtar.Archive, name, content string) {
	for i := len(a.Files) - 1; i >= 0; i-- {
		if a.Files[i].Name == name {
			a.Files[i].Data = []byte(content)
			return
		}
	}
	a.Files = append(a.Files, txtar.File{Name: name, Data: []byte(content)})
}

// runGolden runs every stage whose input section is present and renders the
// results (or formatted errors plus their codes) as text.
func runGolden(a *txtar.Archive) string {
	var out strings.Builder
	srcs := map[string][]byte{}
	for _, f := range a.Files {
		srcs[f.Name] = f.Data
	}
	fail := func(stage string, err error) {
		var l ErrorList
		if !errors.As(err, &l) {
			fmt.Fprintf(&out, "%s: non-ErrorList error %T: %v\n", stage, err, err)
			return
		}
		names := make([]string, len(l))
		for i, c := range l.Codes() {
			names[i] = c.String()
		}
		fmt.Fprintf(&out, "%s errors: %s\n", stage, strings.Join(names, ", "))
		out.WriteString(l.FormatFiles(srcs))
	}
	var opts Options
	if c, ok := section(a, "catalog.json"); ok {
		tools, err := ParseCatalog("catalog.json", []byte(c))
		if err != nil {
			fail("catalog", err)
		} else {
			for _, t := range tools {
				fmt.Fprintf(&out, "catalog tool %s at %s: %q params=%s\n", t.Name, shortPos(t.Pos), t.Description, t.Parameters)
			}
			opts.Tools = ToolDecls(tools)
		}
	}
	src, ok := section(a, "spec.ltl")
	if !ok {
		return out.String()
	}
	s, err := Parse("spec.ltl", []byte(src), opts)
	if err != nil {
		fail("spec", err)
		return out.String()
	}
	fmt.Fprintf(&out, "spec %s %q steps=%v tools=%v\n", s.Name, s.Title, declNames(s.Steps), declNames(s.Tools))
	for _, r := range s.Rules {
		fmt.Fprintf(&out, "rule %s: %s\n  => %s\n", shortPos(r.Pos), r.Text, r.Formula)
	}
	verdicts := func(events []Event) string {
		var parts []string
		for i, r := range s.Rules {
			parts = append(parts, fmt.Sprintf("%d:%v", i+1, Eval(r.Formula, events)))
		}
		return strings.Join(parts, " ")
	}
	if t, ok := section(a, "trace.jsonl"); ok {
		events, err := ReadTrace("trace.jsonl", strings.NewReader(t), s)
		if err != nil {
			fail("trace", err)
		} else {
			fmt.Fprintf(&out, "trace: %s\n  verdicts: %s\n", eventsString(events), verdicts(events))
		}
	}
	if p, ok := section(a, "prompt.md"); ok {
		exs, err := ParseExamples("prompt.md", []byte(p), s)
		if err != nil {
			fail("examples", err)
		} else {
			for _, ex := range exs {
				fmt.Fprintf(&out, "example %s: %s\n  verdicts: %s\n", shortPos(ex.Pos), eventsString(ex.Events), verdicts(ex.Events))
			}
		}
	}
	return out.String()
}

func eventsString(events []Event) string {
	parts := make([]string, len(events))
	for i, e := range events {
		if e.IsCall() {
			args := []byte("{}")
			if e.Args != nil {
				args, _ = json.Marshal(e.Args)
			}
			parts[i] = e.Tool + string(args)
			switch e.Outcome {
			case Returned:
				res, _ := json.Marshal(e.Result)
				parts[i] += "=>" + string(res)
			case Failed:
				parts[i] += fmt.Sprintf("=>error%q", e.Error)
			}
		} else {
			parts[i] = e.Step
			if e.Text != "" {
				parts[i] += fmt.Sprintf("%q", e.Text)
			}
		}
	}
	return strings.Join(parts, " ")
}

func goldenFiles(t *testing.T) []string {
	files, err := filepath.Glob("testdata/*/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	sort.Strings(files)
	return files
}

func TestGolden(t *testing.T) {
	for _, file := range goldenFiles(t) {
		t.Run(strings.TrimSuffix(file, ".txtar"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			a := txtar.Parse(data)
			got := runGolden(a)
			if *update {
				setSection(a, "out", got)
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want, _ := section(a, "out"); got != want {
				t.Errorf("output differs (run with -update to accept)\n--- got\n%s--- want\n%s", got, want)
			}
		})
	}
}

// TestEveryCodeHasGolden keeps the promise that each error code has at least
// one golden case showing its message, position and caret.
func TestEveryCodeHasGolden(t *testing.T) {
	var all bytes.Buffer
	for _, file := range goldenFiles(t) {
		data, _ := os.ReadFile(file)
		out, _ := section(txtar.Parse(data), "out")
		all.WriteString(out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(all.String(), "\n") {
		if i := strings.Index(line, " errors: "); i >= 0 && !strings.Contains(line[:i], ":") {
			for _, c := range strings.Split(line[i+len(" errors: "):], ", ") {
				seen[c] = true
			}
		}
	}
	for c := ErrSyntax; c <= ErrCatalogTool; c++ {
		if !seen[c.String()] {
			t.Errorf("no golden case produces error code %s", c)
		}
	}
}
