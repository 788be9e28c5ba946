package decoder

import (
	"errors"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

func examplesSpec(t *testing.T) *ltl.Spec {
	t.Helper()
	s, err := ltl.Parse("s.ltl", []byte("spec s\nsteps thought, observation, answer\ntools search\nrule F answer\n"), ltl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Examples are read in the format they are written in, by the format's
// own parser; the same example read as ReAct is reported, not absorbed.
func TestParseExamplesInEveryFormat(t *testing.T) {
	s := examplesSpec(t)
	for _, c := range []struct {
		format, src string
	}{
		{"hermes", "Question: q\nThought: I'll search.\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"x\"}}\n</tool_call>\nObservation: found\nAnswer: a\n"},
		{"json", "Answer step by step.\n\nThought: t\n{\"name\": \"search\", \"arguments\": {\"q\": \"x\"}}\nObservation: found\nAnswer: a\n"},
		{"pythonic", "Thought: t\nsearch(q=\"x\")\nObservation: found\nAnswer: a\n"},
	} {
		f, err := ParseFormat(c.format)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := f.ParseExamples(ltl.Options{}, "p.md", []byte(c.src), s)
		if err != nil {
			t.Errorf("%s: %v", c.format, err)
			continue
		}
		var names []string
		for _, e := range ex[0].Events {
			names = append(names, e.Name())
		}
		if len(ex) != 1 || strings.Join(names, " ") != "thought search observation answer" || ex[0].Events[1].Args["q"] != "x" {
			t.Errorf("%s: examples %+v", c.format, ex)
		}
		// Read as ReAct, the call is reported.
		_, err = FormatReAct.ParseExamples(ltl.Options{}, "p.md", []byte(c.src), s)
		var list ltl.ErrorList
		if !errors.As(err, &list) || list[0].Code != ltl.ErrExampleFormat {
			t.Errorf("%s read as react: %v, want ErrExampleFormat", c.format, err)
		}
	}
	// A ReAct Action line read as hermes is reported at its line.
	_, err := FormatHermes.ParseExamples(ltl.Options{}, "p.md", []byte("Thought: t\nAction: search[x]\nAnswer: a\n"), s)
	var list ltl.ErrorList
	if !errors.As(err, &list) || list[0].Code != ltl.ErrExampleFormat || list[0].Pos.Line != 2 {
		t.Errorf("react in hermes: %v", err)
	}
	// A broken call is positioned at its line, with the parser's words.
	_, err = FormatHermes.ParseExamples(ltl.Options{}, "p.md", []byte("Thought: t\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": }}\n</tool_call>\n"), s)
	if !errors.As(err, &list) || list[0].Code != ltl.ErrExampleAction || list[0].Pos.Line < 2 {
		t.Errorf("broken hermes call: %v", err)
	}
	// An undeclared tool.
	_, err = FormatJSON.ParseExamples(ltl.Options{}, "p.md", []byte("Thought: t\n{\"name\": \"serch\", \"arguments\": {}}\n"), s)
	if !errors.As(err, &list) || list[0].Code != ltl.ErrTraceUndeclared {
		t.Errorf("undeclared tool: %v", err)
	}
	// The input limit.
	_, err = FormatJSON.ParseExamples(ltl.Options{MaxInputBytes: 4}, "p.md", []byte("Thought: t\n"), s)
	if !errors.As(err, &list) || list[0].Code != ltl.ErrInputLimit {
		t.Errorf("limit: %v", err)
	}
}

// Examples in any format never panic and read back only declared,
// well-formed events.
func FuzzFormatParseExamples(f *testing.F) {
	f.Add(uint8(1), []byte("Thought: t\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"q\": \"x\"}}\n</tool_call>\nAnswer: a\n"))
	f.Add(uint8(0), []byte("Thought: t\n{\"name\": \"search\", \"arguments\": {}}\nObservation: o\n"))
	f.Add(uint8(2), []byte("search(q=\"x\")\nAnswer: a\n"))
	f.Fuzz(func(t *testing.T, which uint8, src []byte) {
		s := examplesSpec(t)
		fs := Formats()
		fm := fs[int(which)%len(fs)]
		ex, err := fm.ParseExamples(ltl.Options{MaxInputBytes: 1 << 16}, "p.md", src, s)
		if err != nil {
			if !errors.As(err, new(ltl.ErrorList)) {
				t.Fatalf("%s: error is not an ErrorList: %v", fm, err)
			}
			return
		}
		for _, e := range ex {
			for _, ev := range e.Events {
				if (ev.Tool == "") == (ev.Step == "") {
					t.Fatalf("%s: event not exactly one of step/tool: %+v", fm, ev)
				}
			}
		}
	})
}
