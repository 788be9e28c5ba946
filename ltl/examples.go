package ltl

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
)

// Example is one few-shot example found in a prompt, as a trace.
type Example struct {
	Pos    Pos     // the example's first line
	Events []Event // one per labelled line
	// EventPos[i] is where Events[i] is written (its label's line).
	EventPos []Pos
	Text     string // the example's lines, as written
}

// exampleLabels maps ReAct labels to the step kinds they produce; "" is a call.
var exampleLabels = []struct{ label, step string }{
	{"Final Answer:", "answer"},
	{"Thought:", "thought"},
	{"Action:", ""},
	{"Observation:", "observation"},
	{"Answer:", "answer"},
}

// ParseExamples finds the few-shot examples in a markdown prompt written in
// ReAct text form and returns each as a trace:
//
//	Thought: …            step thought
//	Action: tool[args]    a call; args is a JSON object, empty, or a bare string (→ {"input": …})
//	Observation: …        step observation
//	Answer: … / Final Answer: …   step answer
//
// Any other line continues the text of the previous step. An example is a
// maximal run of such lines; a blank line followed by a labelled line starts a
// new example, and a line starting with `Question:`, `Example`, `#` or ```
// ends the current one. Labels map to the spec's declared steps; a label whose
// step the spec does not declare (ErrExampleLabel), an Action that is not
// tool[args] (ErrExampleAction) and an undeclared tool (ErrTraceUndeclared)
// are all reported, positioned. The error is an ErrorList.
//
// A line written as a call in another format (a `<tool_call>` block, a
// `{"name": …}` object, `[TOOL_CALLS]`, `<|tool_call|>`,
// `<|python_tag|>`, a pythonic `tool(…)` of a declared tool, …) is
// ErrExampleFormat wherever it stands, naming the format it looks like:
// such an example is never taken as thought text or prose. Examples in
// other formats are read by the decoder's formats (decoder.ParseExamples,
// `plan validate --examples-format NAME`).
func ParseExamples(filename string, src []byte, s *Spec) ([]Example, error) {
	return Options{}.ParseExamples(filename, src, s)
}

// ParseExamples is ParseExamples under o's limits: src over MaxInputBytes and
// action arguments nested deeper than MaxJSONDepth are ErrInputLimit.
// Arguments are read strictly (internal/strictjson): exact keys, no
// duplicates, numbers kept exactly as json.Number.
func (o Options) ParseExamples(filename string, src []byte, s *Spec) ([]Example, error) {
	if err := o.checkSize(filename, src); err != nil {
		return nil, err
	}
	e := &errs{}
	var out []Example
	var cur *Example
	var lines []string
	blank := false
	skipTo := "" // the end of a foreign call block being skipped
	flush := func() {
		if cur != nil {
			cur.Text = strings.Join(lines, "\n")
			out = append(out, *cur)
		}
		cur, lines = nil, nil
	}
	offset := 0
	for i, line := range strings.Split(string(src), "\n") {
		lineOff := offset
		offset += len(line) + 1
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		pos := Pos{Filename: filename, Offset: lineOff + indent, Line: i + 1, Column: utf8.RuneCountInString(line[:indent]) + 1}
		if trimmed == "" {
			blank = true
			continue
		}
		if e.full(pos) {
			break
		}
		if IsExampleBoundary(trimmed) {
			flush()
			blank = false
			continue
		}
		var tools map[string]bool
		if s != nil {
			tools = e.declared(s).tools
		}
		if skipTo != "" { // inside a call block of another format, reported at its start
			if strings.Contains(trimmed, skipTo) {
				skipTo = ""
			}
			continue
		}
		if f := foreignCallFormat(trimmed, tools); f != "" {
			if f == "hermes" && !strings.Contains(trimmed, hermesClose) {
				skipTo = hermesClose
			}
			e.add(pos, ErrExampleFormat, fmt.Sprintf("this line is a tool call in the %s format, not a ReAct `Action: tool[args]` line; read examples written this way with --examples-format %s", f, f))
			blank = false
			continue
		}
		label, step, rest := "", "", ""
		for _, l := range exampleLabels {
			if strings.HasPrefix(trimmed, l.label) {
				label, step, rest = l.label, l.step, strings.TrimSpace(trimmed[len(l.label):])
				break
			}
		}
		if label == "" { // continuation
			if cur != nil {
				lines = append(lines, line)
				if n := len(cur.Events); n > 0 && !cur.Events[n-1].IsCall() {
					cur.Events[n-1].Text += "\n" + trimmed
				}
			}
			blank = false
			continue
		}
		if blank || cur == nil {
			flush()
			cur = &Example{Pos: pos}
		}
		blank = false
		lines = append(lines, line)
		if step != "" {
			if s != nil && !declaresStep(s, step) {
				e.add(pos, ErrExampleLabel, fmt.Sprintf("label %q stands for step %q, which spec %q does not declare", label, step, s.Name))
				continue
			}
			cur.Events = append(cur.Events, Event{Step: step, Text: rest})
			cur.EventPos = append(cur.EventPos, pos)
			continue
		}
		ev, ok := o.parseAction(rest, pos, e)
		if !ok {
			continue
		}
		if s != nil && !checkEventName(s, ev, pos, e) {
			continue
		}
		cur.Events = append(cur.Events, ev)
		cur.EventPos = append(cur.EventPos, pos)
	}
	flush()
	if err := e.result(); err != nil {
		return nil, err
	}
	return out, nil
}

func declaresStep(s *Spec, name string) bool {
	for _, d := range s.Steps {
		if d.Name == name {
			return true
		}
	}
	return false
}

// parseAction parses `tool[args]`; pos is where the line's label starts.
func (o Options) parseAction(rest string, pos Pos, e *errs) (Event, bool) {
	open := strings.IndexByte(rest, '[')
	if open <= 0 || !strings.HasSuffix(rest, "]") {
		e.add(pos, ErrExampleAction, fmt.Sprintf("action %q must be written tool[args]", rest))
		return Event{}, false
	}
	name := strings.TrimSpace(rest[:open])
	if _, ok := QuoteName(name); !ok {
		e.add(pos, ErrExampleAction, fmt.Sprintf("action %q: %q is not a tool name", rest, name))
		return Event{}, false
	}
	arg := strings.TrimSpace(rest[open+1 : len(rest)-1])
	ev := Event{Tool: name}
	switch {
	case arg == "":
	case strings.HasPrefix(arg, "{"):
		v, err := strictjson.ParseString(arg, o.jsonLimits())
		if err != nil {
			var je *strictjson.Error
			if errors.As(err, &je) && je.Code == strictjson.ErrDepth {
				jsonError(e, err, 0, func(int) Pos { return pos }, ErrExampleAction)
				return Event{}, false
			}
			msg := err.Error()
			if je != nil {
				msg = fmt.Sprintf("%s at byte %d of the arguments", je.Msg, je.Offset+1)
			}
			e.add(pos, ErrExampleAction, fmt.Sprintf("action %s: arguments are not a JSON object: %s", name, msg))
			return Event{}, false
		}
		if v.Kind() != strictjson.Object {
			e.add(pos, ErrExampleAction, fmt.Sprintf("action %s: arguments are not a JSON object but a JSON %s", name, v.Kind()))
			return Event{}, false
		}
		if v.Len() > 0 {
			ev.Args = v.Map()
		}
	default:
		ev.Args = map[string]any{"input": arg}
	}
	return ev, true
}

// IsExampleBoundary reports whether a (trimmed) prompt line ends the
// current few-shot example: a `Question:` line, an `Example…` heading, a
// markdown heading or a code fence.
func IsExampleBoundary(trimmed string) bool {
	return strings.HasPrefix(trimmed, "Question:") || strings.HasPrefix(trimmed, "Example") ||
		strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, "```")
}

// hermesClose ends a hermes call block, whose lines are one report.
const hermesClose = "</tool_call>"

// foreignCallOpeners are how calls start in the formats other than ReAct,
// with the name of the format (decoder.FormatNames) that writes them.
var foreignCallOpeners = []struct{ open, format string }{
	{"<tool_call>", "hermes"},
	{"<|tool_call|>", "granite"},
	{"[TOOL_CALLS]", "mistral"},
	{"<|python_tag|>", "llama3-python-tag"},
	{"<｜tool▁calls▁begin｜>", "deepseek"},
	{"<|start|>assistant to=functions.", "harmony"},
	{" to=functions.", "harmony"},
}

// foreignCallFormat names the call format a (trimmed) line is a call in,
// when that is not ReAct: a known call opener, a JSON object with a "name"
// key (json, or llama3 with "parameters"), or a call of a declared tool
// written tool(…) (pythonic). It is "" for anything else.
func foreignCallFormat(trimmed string, tools map[string]bool) string {
	for _, o := range foreignCallOpeners {
		if strings.HasPrefix(trimmed, o.open) {
			return o.format
		}
	}
	if strings.HasPrefix(trimmed, "{") {
		v, err := strictjson.ParseString(trimmed, strictjson.Limits{})
		if err == nil && v.Kind() == strictjson.Object && v.Get("name") != nil {
			if v.Get("parameters") != nil {
				return "llama3"
			}
			return "json"
		}
		return ""
	}
	if open := strings.IndexByte(trimmed, '('); open > 0 && strings.HasSuffix(trimmed, ")") && tools[trimmed[:open]] {
		return "pythonic"
	}
	return ""
}
