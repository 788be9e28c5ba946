package ltl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
)

// traceKeys are the keys an event line gives meaning to. Other keys (an
// id, a timestamp) are allowed and ignored: they never affect verdicts. A
// key equal to one of these but for case is an error.
var traceKeys = []string{"step", "tool", "args", "text", "result", "error"}

// ObservationStep is the step kind whose trace line may carry the result or
// error of the call just before it (ReadTrace).
const ObservationStep = "observation"

// ReadTrace is Options{}.ReadTrace: the default limits.
func ReadTrace(filename string, r io.Reader, s *Spec) ([]Event, error) {
	return Options{}.ReadTrace(filename, r, s)
}

// ReadTrace reads a JSON Lines trace: one event object per line, blank lines
// skipped. JSON is read strictly (internal/strictjson): keys match exactly,
// a key repeated in an object or one that differs from "step", "tool",
// "args" or "text" only in case is an error, and argument numbers are kept
// exactly, as json.Number. With a non-nil spec, every step and tool must be
// declared by it. Every bad line is reported (ErrTraceSyntax, ErrTraceEvent,
// ErrTraceUndeclared, positioned line:col); a trace with no events is
// ErrTraceEmpty. After MaxErrors errors reading stops.
//
// Outcomes. A call line may carry its answer: "result" (any JSON value,
// null included; numbers as json.Number) or "error" (a string; an "error"
// of null means none), not both: Event.Outcome is Returned or Failed, and
// Pending on a call line with neither. An "observation" step line may
// carry them instead, for the call on the line just before it, when that
// call has none: `{"tool":"get_order","args":{…}}` then
// `{"step":"observation","result":{…}}` reads as the call with that
// result followed by a plain observation step (the step keeps its text),
// exactly as `{"tool":"get_order","args":{…},"result":{…}}` then
// `{"step":"observation"}` does, so both forms have one verdict. Anything
// else is ErrTraceOutcome: an outcome on another step kind, on an
// observation that does not follow a call, or on one whose call already
// has an outcome; both "result" and "error"; an "error" that is not a
// string. An Event written with encoding/json (MarshalJSON) puts the
// outcome on the call and reads back equal. A line longer than MaxLineBytes, more than MaxInputBytes in
// all, or JSON nested deeper than MaxJSONDepth is ErrInputLimit, and reading
// stops there: no more than the limit (plus one buffer) is ever read. The
// error is an ErrorList.
func (o Options) ReadTrace(filename string, r io.Reader, s *Spec) ([]Event, error) {
	maxLine, maxInput := o.maxLineBytes(), o.maxInputBytes()
	br := bufio.NewReaderSize(r, 64<<10)
	e := &errs{}
	var events []Event
	line, offset := 0, 0
	prevCall := false // the last non-blank line was a call that was read
	var buf []byte
	for {
		// Read one line, never holding more than maxLine+1 bytes of it.
		buf = buf[:0]
		var rerr error
		tooLong := false
		for {
			chunk, err := br.ReadSlice('\n')
			n := len(buf) + len(chunk)
			if bytes.HasSuffix(chunk, []byte{'\n'}) {
				n-- // the newline is not part of the line
			}
			if n > maxLine {
				tooLong = true
				break
			}
			buf = append(buf, chunk...)
			if err != bufio.ErrBufferFull {
				rerr = err
				break
			}
		}
		raw := buf
		if tooLong {
			e.add(Pos{Filename: filename, Offset: offset, Line: line + 1, Column: 1}, ErrInputLimit,
				fmt.Sprintf("trace line %d is longer than the limit of %d bytes (%s)", line+1, maxLine, limitLine))
			break
		}
		if int64(offset+len(raw)) > maxInput {
			e.add(Pos{Filename: filename, Offset: offset, Line: line + 1, Column: 1}, ErrInputLimit,
				fmt.Sprintf("trace is larger than the limit of %d bytes (%s)", maxInput, limitInput))
			break
		}
		if line == 0 && bytes.HasPrefix(raw, utf8BOM) {
			// Editors on some systems start files with a byte-order mark.
			raw = raw[len(utf8BOM):]
			offset += len(utf8BOM)
		}
		if len(raw) > 0 {
			if e.full(Pos{Filename: filename, Offset: offset, Line: line + 1, Column: 1}) {
				break
			}
			line++
			ev, ok := o.decodeEvent(filename, raw, line, offset, s, e)
			if ok && ev.Tool == "" && ev.Outcome != Pending {
				// An observation's outcome belongs to the call just before it.
				p := Pos{Filename: filename, Offset: offset, Line: line, Column: 1}
				switch {
				case ev.Step != ObservationStep:
					e.add(p, ErrTraceOutcome, fmt.Sprintf("step %q cannot carry a result or error: only an %q step can, for the call on the line before it", ev.Step, ObservationStep))
					ok = false
				case !prevCall:
					e.add(p, ErrTraceOutcome, "this observation's result or error answers no call: it must come on the line right after the call it answers")
					ok = false
				case events[len(events)-1].Outcome != Pending:
					e.add(p, ErrTraceOutcome, fmt.Sprintf("the call on the line before already has its %s; an observation may carry the outcome only of a call that has none", events[len(events)-1].Outcome.noun()))
					ok = false
				default:
					c := &events[len(events)-1]
					c.Outcome, c.Result, c.Error = ev.Outcome, ev.Result, ev.Error
					ev.Outcome, ev.Result, ev.Error = Pending, nil, ""
				}
			}
			prevCall = ok && ev.Tool != ""
			if ok {
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
func (o Options) decodeEvent(filename string, raw []byte, line, offset int, s *Spec, e *errs) (Event, bool) {
	// at positions the byte off of the line: Column counts runes, Offset bytes.
	at := func(off int) Pos {
		off = max(0, min(off, len(raw)))
		return Pos{Filename: filename, Offset: offset + off, Line: line, Column: utf8.RuneCount(raw[:off]) + 1}
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return Event{}, false
	}
	lead := len(raw) - len(bytes.TrimLeft(raw, " \t\r\n"))
	v, err := strictjson.Parse(trimmed, o.jsonLimits())
	if err != nil {
		var je *strictjson.Error
		if errors.As(err, &je) && je.Code == strictjson.ErrSyntax && je.Offset >= len(trimmed) {
			e.add(at(lead+len(trimmed)), ErrTraceSyntax, "invalid JSON: unexpected end of line (each event must be one JSON object on one line)")
			return Event{}, false
		}
		if errors.As(err, &je) && je.Code == strictjson.ErrTrailing {
			e.add(at(lead+je.Offset), ErrTraceSyntax, "invalid JSON: extra data after the event object (one event per line)")
			return Event{}, false
		}
		jsonError(e, err, lead, at, ErrTraceSyntax)
		return Event{}, false
	}
	p := at(lead)
	if v.Kind() != strictjson.Object {
		e.add(p, ErrTraceSyntax, fmt.Sprintf("each line must be one JSON object (an event), not a JSON %s", v.Kind()))
		return Event{}, false
	}
	if caseVariant(e, v, lead, at, ErrTraceEvent, traceKeys...) {
		return Event{}, false
	}
	field := func(name string) (*strictjson.Value, bool) {
		f := v.Get(name)
		if f == nil || f.Kind() == strictjson.Null {
			return nil, true
		}
		if f.Kind() != strictjson.String && name != "args" {
			e.add(at(lead+f.Offset()), ErrTraceSyntax, fmt.Sprintf("field %q must be a string, not a JSON %s", name, f.Kind()))
			return nil, false
		}
		return f, true
	}
	step, ok1 := field("step")
	tool, ok2 := field("tool")
	text, ok3 := field("text")
	if !ok1 || !ok2 || !ok3 {
		return Event{}, false
	}
	args := v.Get("args")
	switch {
	case step == nil && tool == nil:
		e.add(p, ErrTraceEvent, `event has neither "step" nor "tool"`)
		return Event{}, false
	case step != nil && tool != nil:
		e.add(p, ErrTraceEvent, `event has both "step" and "tool"; an event is exactly one of them`)
		return Event{}, false
	case step != nil && step.Text() == "", tool != nil && tool.Text() == "":
		e.add(p, ErrTraceEvent, "event has an empty step or tool name")
		return Event{}, false
	case step != nil && args != nil:
		e.add(p, ErrTraceEvent, `a step event cannot have "args" (only tool calls have arguments)`)
		return Event{}, false
	}
	var ev Event
	if text != nil {
		ev.Text = text.Text()
	}
	res, errv := v.Get("result"), v.Get("error")
	if errv != nil && errv.Kind() == strictjson.Null {
		errv = nil
	}
	switch {
	case res != nil && errv != nil:
		e.add(at(lead+errv.Offset()), ErrTraceOutcome, `event has both "result" and "error"; a call either returns or fails`)
		return Event{}, false
	case errv != nil && errv.Kind() != strictjson.String:
		e.add(at(lead+errv.Offset()), ErrTraceOutcome, fmt.Sprintf(`"error" must be a string (the error message), not a JSON %s`, errv.Kind()))
		return Event{}, false
	case res != nil:
		ev.Outcome, ev.Result = Returned, res.Any()
	case errv != nil:
		ev.Outcome, ev.Error = Failed, errv.Text()
	}
	if tool != nil {
		ev.Tool = tool.Text()
		if args != nil && args.Kind() != strictjson.Null {
			if args.Kind() != strictjson.Object {
				e.add(at(lead+args.Offset()), ErrTraceEvent, fmt.Sprintf(`"args" must be a JSON object, not a JSON %s`, args.Kind()))
				return Event{}, false
			}
			if args.Len() > 0 {
				// `{}` means no arguments, as an absent "args" does: one form
				// keeps a trace equal to its own re-encoding (Args is omitempty).
				ev.Args = args.Map()
			}
		}
	} else {
		ev.Step = step.Text()
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

func (o Outcome) noun() string {
	if o == Failed {
		return "error"
	}
	return "result"
}
