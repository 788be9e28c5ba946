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
)

var update = flag.Bool("update", false, "rewrite the golden `out` sections of testdata/*/*.txtar")

// archive is a minimal txtar: a comment, then `-- name --` sections.
type archive struct {
	comment string
	names   []string
	files   map[string]string
}

func parseArchive(data string) *archive {
	a := &archive{files: map[string]string{}}
	cur := ""
	var b strings.Builder
	flushTo := func() {
		if cur == "" {
			a.comment = b.String()
		} else {
			a.files[cur] = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(data, "\n") {
		t := strings.TrimRight(line, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flushTo()
			cur = strings.TrimSpace(t[3 : len(t)-3])
			a.names = append(a.names, cur)
			continue
		}
		b.WriteString(line)
	}
	flushTo()
	return a
}

func (a *archive) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, n := range a.names {
		fmt.Fprintf(&b, "-- %s --\n", n)
		c := a.files[n]
		b.WriteString(c)
		if c != "" && !strings.HasSuffix(c, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// runGolden runs every stage whose input section is present and renders the
// results (or formatted errors plus their codes) as text.
func runGolden(a *archive) string {
	var out strings.Builder
	srcs := map[string][]byte{}
	for n, c := range a.files {
		srcs[n] = []byte(c)
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
	if c, ok := a.files["catalog.json"]; ok {
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
	src, ok := a.files["spec.ltl"]
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
	if t, ok := a.files["trace.jsonl"]; ok {
		events, err := ReadTrace("trace.jsonl", strings.NewReader(t), s)
		if err != nil {
			fail("trace", err)
		} else {
			fmt.Fprintf(&out, "trace: %s\n  verdicts: %s\n", eventsString(events), verdicts(events))
		}
	}
	if p, ok := a.files["prompt.md"]; ok {
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
			a := parseArchive(string(data))
			got := runGolden(a)
			if *update {
				if _, ok := a.files["out"]; !ok {
					a.names = append(a.names, "out")
				}
				a.files["out"] = got
				if err := os.WriteFile(file, []byte(a.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := a.files["out"]; got != want {
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
		all.WriteString(parseArchive(string(data)).files["out"])
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
