package decoder

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/ltl"
)

// ParseExamples finds the few-shot examples of a prompt written in format f
// and returns each as a trace, so that examples are checked in the format
// the model is shown, not only in ReAct. For FormatReAct it is
// ltl.Options.ParseExamples. For the other formats an example is a run of
// lines (blank lines, `Question:` lines, `Example…` and markdown headings
// and code fences end it) from its first line that starts an event: a
// step line `Label: text` of a step the spec declares, a call as f opens
// one (a JSON object for json and llama3, `tool(` of a declared tool for
// pythonic), or f's think block. The example is read by f.ParseMessage,
// the parser the decoder's own output is checked with; text it cannot
// read is ErrExampleAction at the line it names, and a ReAct `Action:`
// line is ErrExampleFormat: it is never taken as a step or as text. Names
// are checked against s (ErrTraceUndeclared). A think block with blank
// lines inside is not one run: write it without them. The error is an
// ltl.ErrorList.
func (f Format) ParseExamples(o ltl.Options, filename string, src []byte, s *ltl.Spec) ([]ltl.Example, error) {
	if f.d == nil {
		return nil, newErr(CodeFormat, "no call format given")
	}
	if f.d.Name == FormatReAct.d.Name {
		return o.ParseExamples(filename, src, s)
	}
	// The input limit, through ReadInput so that it is named as everywhere.
	if _, err := o.ReadInput(filename, bytes.NewReader(src)); err != nil {
		return nil, err
	}
	steps, tools := map[string]bool{}, map[string]bool{}
	if s != nil {
		for _, d := range s.Steps {
			steps[d.Name] = true
		}
		for _, d := range s.Tools {
			tools[d.Name] = true
		}
	}
	var list ltl.ErrorList
	add := func(p ltl.Pos, c ltl.Code, msg string) { list = append(list, &ltl.Error{Pos: p, Code: c, Msg: msg}) }
	var out []ltl.Example
	var run []string
	var runPos []ltl.Pos
	var start ltl.Pos
	flush := func() {
		defer func() { run, runPos = nil, nil }()
		if len(run) == 0 || len(list) >= ltl.MaxErrors {
			return
		}
		text := strings.Join(run, "\n")
		if f.flat() {
			text += "\n"
		}
		calls, err := f.ParseMessage([]byte(text))
		if err != nil {
			p, msg := start, err.Error()
			if ce, ok := err.(*ConstraintError); ok {
				msg = ce.Msg
				if rest, ok := strings.CutPrefix(msg, "line "); ok {
					if i := strings.Index(rest, ": "); i > 0 {
						if n, err := strconv.Atoi(rest[:i]); err == nil && n >= 1 && n <= len(run) {
							p, msg = runPos[n-1], rest[i+2:]
						}
					}
				}
			}
			add(p, ltl.ErrExampleAction, fmt.Sprintf("example in the %s format: %s", f.d.Name, msg))
			return
		}
		ex := ltl.Example{Pos: start, Text: strings.Join(run, "\n")}
		for _, c := range calls {
			ev := c.Event
			set, what := steps, "step"
			if ev.IsCall() {
				set, what = tools, "tool"
			}
			if s != nil && !set[ev.Name()] {
				add(start, ltl.ErrTraceUndeclared, fmt.Sprintf("%s %q is not declared by spec %q", what, ev.Name(), s.Name))
				return
			}
			ex.Events = append(ex.Events, ev)
		}
		if len(ex.Events) > 0 {
			out = append(out, ex)
		}
	}
	offset := 0
	for i, line := range strings.Split(string(src), "\n") {
		lineOff := offset
		offset += len(line) + 1
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || ltl.IsExampleBoundary(trimmed) {
			flush()
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		pos := ltl.Pos{Filename: filename, Offset: lineOff + indent, Line: i + 1, Column: utf8.RuneCountInString(line[:indent]) + 1}
		if strings.HasPrefix(trimmed, reactAction+": ") && f.d.ReservedLabel != reactAction {
			add(pos, ltl.ErrExampleFormat, fmt.Sprintf("this line is a ReAct `Action:` call, not a call in the %s format; read examples written this way with --examples-format react", f.d.Name))
			continue
		}
		if run == nil && !f.startsEvent(trimmed, steps, tools) {
			continue // prose before an example
		}
		if run == nil {
			start = pos
		}
		run = append(run, trimmed)
		runPos = append(runPos, pos)
	}
	flush()
	if len(list) > 0 {
		return nil, list
	}
	return out, nil
}

// startsEvent reports whether a prompt line starts an event of format f.
func (f Format) startsEvent(line string, steps, tools map[string]bool) bool {
	if label, _, ok := splitStep(line); ok && steps[stepName(label)] {
		return true
	}
	if t := f.d.Think; t != nil && strings.HasPrefix(line, strings.TrimRight(t.Open, "\n")) {
		return true
	}
	if open := strings.TrimRight(f.callOpenText(), "\n"); open != "" {
		return strings.HasPrefix(line, open)
	}
	switch f.d.Args {
	case ArgsJSON:
		return strings.HasPrefix(line, "{")
	case ArgsPython:
		i := strings.IndexByte(line, '(')
		return i > 0 && tools[line[:i]]
	}
	return false
}
