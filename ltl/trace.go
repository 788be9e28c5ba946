package ltl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// traceLine is the wire form of one event. Fields other than these (a tool
// result, an id, a timestamp) are allowed and ignored: they never affect verdicts.
type traceLine struct {
	Step *string         `json:"step"`
	Tool *string         `json:"tool"`
	Args json.RawMessage `json:"args"`
	Text string          `json:"text"`
}

// ReadTrace reads a JSON Lines trace: one event object per line, blank lines
// skipped, numbers decoded as float64. With a non-nil spec, every step and
// tool must be declared by it. Every bad line is reported (ErrTraceSyntax,
// ErrTraceEvent, ErrTraceUndeclared, positioned line:col); a trace with no
// events is ErrTraceEmpty. The error is an ErrorList.
func ReadTrace(filename string, r io.Reader, s *Spec) ([]Event, error) {
	br := bufio.NewReader(r)
	e := &errs{}
	var events []Event
	line, offset := 0, 0
	for {
		raw, rerr := br.ReadBytes('\n')
		if line == 0 && bytes.HasPrefix(raw, utf8BOM) {
			// Editors on some systems start files with a byte-order mark.
			raw = raw[len(utf8BOM):]
			offset += len(utf8BOM)
		}
		if len(raw) > 0 {
			line++
			if ev, ok := decodeEvent(filename, raw, line, offset, s, e); ok {
				events = append(events, ev)
			}
			offset += len(raw)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			e.add(Pos{Filename: filename, Offset: offset, Line: line + 1, Column: 1}, ErrTraceSyntax, "read error: "+rerr.Error())
			break
		}
	}
	if len(events) == 0 && len(e.list) == 0 {
		e.add(Pos{Filename: filename, Line: 1, Column: 1}, ErrTraceEmpty, "trace has no events (a trace is a non-empty sequence of JSON lines)")
	}
	if err := e.result(); err != nil {
		return nil, err
	}
	return events, nil
}

// decodeEvent parses one line; offset is the byte offset of the line start.
func decodeEvent(filename string, raw []byte, line, offset int, s *Spec, e *errs) (Event, bool) {
	// at positions the byte off of the line: Column counts runes, Offset bytes.
	at := func(off int) Pos {
		off = min(off, len(raw))
		return Pos{Filename: filename, Offset: offset + off, Line: line, Column: utf8.RuneCount(raw[:off]) + 1}
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return Event{}, false
	}
	lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
	var tl traceLine
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&tl); err != nil {
		off := lead
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		msg := err.Error()
		switch {
		case errors.As(err, &se):
			off += int(se.Offset)
			if off > lead {
				off-- // Offset counts the offending byte
			}
			msg = "invalid JSON: " + se.Error()
		case errors.As(err, &te) && te.Field == "":
			msg = fmt.Sprintf("each line must be one JSON object (an event), not a JSON %s", te.Value)
		case errors.As(err, &te):
			msg = fmt.Sprintf("field %q must be a %s, not a JSON %s", te.Field, goTypeName(te.Type.String()), te.Value)
		case errors.Is(err, io.ErrUnexpectedEOF):
			off += len(trimmed)
			msg = "invalid JSON: unexpected end of line (each event must be one JSON object on one line)"
		}
		e.add(at(off), ErrTraceSyntax, msg)
		return Event{}, false
	}
	if dec.More() {
		e.add(at(lead+int(dec.InputOffset())), ErrTraceSyntax, "invalid JSON: extra data after the event object (one event per line)")
		return Event{}, false
	}
	p := at(lead)
	switch {
	case tl.Step == nil && tl.Tool == nil:
		e.add(p, ErrTraceEvent, `event has neither "step" nor "tool"`)
		return Event{}, false
	case tl.Step != nil && tl.Tool != nil:
		e.add(p, ErrTraceEvent, `event has both "step" and "tool"; an event is exactly one of them`)
		return Event{}, false
	case tl.Step != nil && *tl.Step == "", tl.Tool != nil && *tl.Tool == "":
		e.add(p, ErrTraceEvent, "event has an empty step or tool name")
		return Event{}, false
	case tl.Step != nil && len(tl.Args) > 0:
		e.add(p, ErrTraceEvent, `a step event cannot have "args" (only tool calls have arguments)`)
		return Event{}, false
	}
	ev := Event{Text: tl.Text}
	if tl.Tool != nil {
		ev.Tool = *tl.Tool
		if len(tl.Args) > 0 && string(tl.Args) != "null" {
			if err := json.Unmarshal(tl.Args, &ev.Args); err != nil {
				e.add(p, ErrTraceEvent, `"args" must be a JSON object`)
				return Event{}, false
			}
			if len(ev.Args) == 0 {
				// `{}` means no arguments, as an absent "args" does: one form
				// keeps a trace equal to its own re-encoding (Args is omitempty).
				ev.Args = nil
			}
		}
	} else {
		ev.Step = *tl.Step
	}
	if s != nil && !checkEventName(s, ev, p, e) {
		return Event{}, false
	}
	return ev, true
}

// checkEventName reports an event whose step or tool s does not declare.
func checkEventName(s *Spec, ev Event, p Pos, e *errs) bool {
	d := e.declared(s)
	what, set, sugg := "step", d.steps, &d.stepSugg
	if ev.IsCall() {
		what, set, sugg = "tool", d.tools, &d.toolSugg
	}
	if set[ev.Name()] {
		return true
	}
	e.add(p, ErrTraceUndeclared, fmt.Sprintf("%s %q is not declared by spec %q%s", what, ev.Name(), s.Name, sugg.suggest(ev.Name())))
	return false
}

// utf8BOM is the UTF-8 byte-order mark, skipped at the start of inputs.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func goTypeName(t string) string {
	switch t {
	case "string", "*string":
		return "string"
	case "json.RawMessage":
		return "JSON value"
	}
	return t
}
