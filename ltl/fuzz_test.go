package ltl

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzParse: Parse never panics, fails only with an ErrorList, and when it
// succeeds every rule's String() reparses to an equal formula.
func FuzzParse(f *testing.F) {
	f.Add([]byte("spec s steps a, b tools t rule G(a -> X F b) rule t(x <= -1.5, y == \"q\")"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz.ltl", src, Options{})
		if err != nil {
			var l ErrorList
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			for _, e := range l {
				if e.Code == 0 || e.Msg == "" {
					t.Fatalf("error without code or message: %+v", e)
				}
			}
			_ = l.Format(src)
			return
		}
		steps, tools := declNames(s.Steps), declNames(s.Tools)
		for _, r := range s.Rules {
			text := r.Formula.String()
			// Expanded sugar may nest deeper than the source did.
			back, err := parseFormula("rt", []byte(text), steps, tools, 1<<20, s.Lets...)
			if err != nil {
				t.Fatalf("rule %q printed as %q does not reparse: %v", r.Text, text, err)
			}
			if !Equal(back, r.Formula) || back.String() != text {
				t.Fatalf("rule %q: %q reparsed as %q", r.Text, text, back)
			}
			WalkAtoms(r.Formula, func(a *Atom) {
				if a.Kind == AtomUnresolved {
					t.Fatalf("unresolved atom %s in %q", a.Name, r.Text)
				}
			})
		}
	})
}

// fuzzSpec declares the ReAct steps and two tools, so that the fuzzers also
// exercise the undeclared-name checks.
func fuzzSpec(t testing.TB) *Spec {
	s, err := Parse("fuzz.ltl", []byte("spec fz steps thought, answer, observation tools search, lookup rule F answer"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lineCol is an oracle independent of the package's own position code: the
// 1-based line and rune column of byte offset off in src.
func lineCol(src []byte, off int) (line, col int) {
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if src[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, utf8.RuneCount(src[start:off]) + 1
}

// checkFailure asserts the error contract of the front end: a non-empty
// ErrorList of coded, positioned errors that all point inside src (a line
// that exists, a column at most one past the line's end, and a byte offset
// agreeing with both), and that Format can render.
func checkFailure(t *testing.T, filename string, src []byte, err error) {
	t.Helper()
	var l ErrorList
	if !errors.As(err, &l) || len(l) == 0 {
		t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
	}
	lines := bytes.Split(src, []byte("\n"))
	for _, e := range l {
		p := e.Pos
		if e.Code == 0 || e.Msg == "" {
			t.Fatalf("error without code or message: %+v", e)
		}
		if p.Filename != filename {
			t.Fatalf("%v: file name %q, want %q", e, p.Filename, filename)
		}
		if p.Line < 1 || p.Column < 1 || p.Line > len(lines) {
			t.Fatalf("%v: position outside the %d-line input", e, len(lines))
		}
		if end := utf8.RuneCount(lines[p.Line-1]) + 1; p.Column > end {
			t.Fatalf("%v: column past the end of line %d (%d runes)", e, p.Line, end-1)
		}
		if p.Offset < 0 || p.Offset > len(src) {
			t.Fatalf("%v: offset %d outside the %d-byte input", e, p.Offset, len(src))
		}
		if line, col := lineCol(src, p.Offset); line != p.Line || col != p.Column {
			t.Fatalf("%v: offset %d is at %d:%d", e, p.Offset, line, col)
		}
	}
	_ = l.Format(src)
}

// checkEvents asserts that every event is exactly one of a step and a tool
// call, and that only calls carry arguments.
func checkEvents(t *testing.T, events []Event) {
	t.Helper()
	for i, ev := range events {
		if (ev.Step == "") == (ev.Tool == "") {
			t.Fatalf("event %d is not exactly one of step/tool: %+v", i, ev)
		}
		if ev.Step != "" && ev.Args != nil {
			t.Fatalf("step event %d has arguments: %+v", i, ev)
		}
	}
}

// FuzzReadTrace: ReadTrace never panics, fails only with a well-positioned
// ErrorList, and what it accepts survives re-encoding as JSON Lines.
func FuzzReadTrace(f *testing.F) {
	f.Add([]byte("{\"step\":\"thought\",\"text\":\"x\"}\n{\"tool\":\"search\",\"args\":{\"q\":\"a\"}}\n"))
	spec := fuzzSpec(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, s := range []*Spec{nil, spec} {
			events, err := ReadTrace("fuzz.jsonl", bytes.NewReader(src), s)
			if err != nil {
				checkFailure(t, "fuzz.jsonl", src, err)
				continue
			}
			if len(events) == 0 {
				t.Fatal("success with no events")
			}
			checkEvents(t, events)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			for _, ev := range events {
				if err := enc.Encode(ev); err != nil {
					t.Fatalf("encoding %+v: %v", ev, err)
				}
			}
			back, err := ReadTrace("again.jsonl", &buf, s)
			if err != nil {
				t.Fatalf("re-encoded trace does not read back: %v\n%s", err, buf.Bytes())
			}
			if !reflect.DeepEqual(back, events) {
				t.Fatalf("round trip changed the events:\n got %#v\nwant %#v", back, events)
			}
		}
	})
}

// FuzzParseExamples: ParseExamples never panics, fails only with a
// well-positioned ErrorList, and every example event is a step or a call.
func FuzzParseExamples(f *testing.F) {
	f.Add([]byte("Thought: t\nAction: search[{\"q\":1}]\nObservation: o\nFinal Answer: a\n"))
	spec := fuzzSpec(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, s := range []*Spec{nil, spec} {
			exs, err := ParseExamples("fuzz.md", src, s)
			if err != nil {
				checkFailure(t, "fuzz.md", src, err)
				continue
			}
			for _, ex := range exs {
				if ex.Pos.Line < 1 || ex.Pos.Column < 1 || ex.Pos.Offset < 0 || ex.Pos.Offset > len(src) {
					t.Fatalf("example at %v is outside the input", ex.Pos)
				}
				checkEvents(t, ex.Events)
			}
		}
	})
}

// FuzzParseCatalog: ParseCatalog never panics, fails only with a
// well-positioned ErrorList, and accepts only distinct identifier names.
func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(`[{"type":"function","function":{"name":"search","parameters":{"type":"object"}}}]`))
	f.Fuzz(func(t *testing.T, src []byte) {
		tools, err := ParseCatalog("fuzz.json", src)
		if err != nil {
			checkFailure(t, "fuzz.json", src, err)
			return
		}
		seen := map[string]bool{}
		for _, tl := range tools {
			if _, ok := QuoteName(tl.Name); !ok || seen[tl.Name] {
				t.Fatalf("accepted unusable or repeated tool name %q", tl.Name)
			}
			seen[tl.Name] = true
			if line, col := lineCol(src, tl.Pos.Offset); line != tl.Pos.Line || col != tl.Pos.Column {
				t.Fatalf("tool %s at %v: offset is at %d:%d", tl.Name, tl.Pos, line, col)
			}
		}
	})
}
