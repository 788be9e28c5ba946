package ltl

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/specplan/specplan/internal/goldentest"
)

// runGolden runs every stage whose input section is present and renders the
// results (or formatted errors plus their codes) as text.
func runGolden(a *txtar.Archive) string {
	var out strings.Builder
	srcs := goldentest.Sources(a)
	fail := func(stage string, err error) {
		out.WriteString(goldentest.Errors[Code, ErrorList](stage, err, srcs, Code.String))
	}
	var opts Options
	if c, ok := goldentest.Section(a, "catalog.json"); ok {
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
	src, ok := goldentest.Section(a, "spec.ltl")
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
	if t, ok := goldentest.Section(a, "trace.jsonl"); ok {
		events, err := ReadTrace("trace.jsonl", strings.NewReader(t), s)
		if err != nil {
			fail("trace", err)
		} else {
			fmt.Fprintf(&out, "trace: %s\n  verdicts: %s\n", eventsString(events), verdicts(events))
		}
	}
	if p, ok := goldentest.Section(a, "prompt.md"); ok {
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

const goldenGlob = "testdata/*/*.txtar"

func TestGolden(t *testing.T) {
	goldentest.Run(t, goldenGlob, func(_ *testing.T, _ string, a *txtar.Archive) string { return runGolden(a) })
}

// TestEveryCodeHasGolden keeps the promise that each error code has at least
// one golden case showing its message, position and caret.
func TestEveryCodeHasGolden(t *testing.T) {
	seen := goldentest.CodesShown(t, goldenGlob)
	for c := ErrSyntax; c <= ErrCatalogTool; c++ {
		if !seen[c.String()] {
			t.Errorf("no golden case produces error code %s", c)
		}
	}
}
