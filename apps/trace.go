package apps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// WriteTrace writes a run as JSON Lines: one line per action,
//
//	{"tool": "tap", "args": {"label": "…"}, "result": {"screen": OBSERVED,
//	 "shows": […], "checked": […], "text": {…}, "count": {…}}, "step": k,
//	 "screen": BELIEVED_BEFORE, "expected": SCREEN,
//	 "outcome": "success"|"nochange"|"fail", "rollback": bool}
//
// (an action the device could not perform has "error" instead of
// "result"; back and home have empty args; type has field and text; the
// observed screen is "" when the observation matched no screen or
// several), and a last line
// {"end": "goal"|"unrecoverable", "screen": S, "steps": n, "recoveries": r}.
// ReadTrace reads it back and ValidateTrace re-checks it.
func WriteTrace(w io.Writer, res *Result) error {
	var b bytes.Buffer
	for _, l := range res.Trace {
		b.WriteString(`{"tool":`)
		writeJSON(&b, l.Call.Tool)
		b.WriteString(`,"args":`)
		args := l.Call.Args
		if args == nil {
			args = map[string]any{}
		}
		writeJSON(&b, args)
		if l.Result != nil {
			b.WriteString(`,"result":`)
			writeObservation(&b, *l.Result)
		} else {
			b.WriteString(`,"error":`)
			writeJSON(&b, l.Error)
		}
		fmt.Fprintf(&b, `,"step":%d,"screen":`, l.Step)
		writeJSON(&b, l.Screen)
		b.WriteString(`,"expected":`)
		writeJSON(&b, l.Expected)
		fmt.Fprintf(&b, `,"outcome":%q,"rollback":%t}`+"\n", l.Outcome, l.Rollback)
	}
	b.WriteString(`{"end":`)
	writeJSON(&b, string(res.End))
	b.WriteString(`,"screen":`)
	writeJSON(&b, res.Screen)
	fmt.Fprintf(&b, `,"steps":%d,"recoveries":%d}`+"\n", res.Steps, res.Recoveries)
	_, err := w.Write(b.Bytes())
	return err
}

func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings, maps of scalars: cannot fail
	b.Truncate(b.Len() - 1)
}

func writeObservation(b *bytes.Buffer, o Observation) {
	b.WriteString(`{"screen":`)
	writeJSON(b, o.Screen)
	b.WriteString(`,"shows":`)
	writeJSON(b, nonNil(o.Shows))
	b.WriteString(`,"checked":`)
	writeJSON(b, nonNil(o.Checked))
	b.WriteString(`,"text":`)
	if o.Text == nil {
		o.Text = map[string]string{}
	}
	writeJSON(b, o.Text)
	b.WriteString(`,"count":`)
	if o.Count == nil {
		o.Count = map[string]int{}
	}
	writeJSON(b, o.Count)
	b.WriteByte('}')
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TraceLimits bound ReadTrace.
type TraceLimits struct {
	// MaxBytes bounds the trace (ltl.DefaultMaxInputBytes when 0; plan
	// validate --max-input-bytes).
	MaxBytes int64
	// MaxLineBytes bounds one line (ltl.DefaultMaxLineBytes when 0;
	// --max-line-bytes).
	MaxLineBytes int
}

// Trace is an app trace as read: its action lines and its end line.
type Trace struct {
	File       string
	Lines      []TraceLine
	LinePos    []Pos // where each action line starts
	End        End
	Screen     string
	Steps      int
	Recoveries int
	EndPos     Pos
}

var (
	callKeys = []string{"tool", "args", "result", "error", "step", "screen", "expected", "outcome", "rollback"}
	endKeys  = []string{"end", "screen", "steps", "recoveries"}
	obsKeys  = []string{"screen", "shows", "checked", "text", "count"}
)

// ReadTrace reads an app trace (WriteTrace's format) strictly: every line
// a JSON object with exactly its keys (a call line: tool, args, result or
// error, step, screen, expected, outcome, rollback; the result: screen,
// shows, checked, text, count; the end line: end, screen, steps,
// recoveries), a repeated key an error, blank lines skipped, the end line
// last and only once. Bad lines are ErrTrace errors positioned
// file:line:col; sizes over the limits are ltl.ErrInputLimit naming them.
// The error is an ltl.ErrorList.
func ReadTrace(file string, data []byte, lim TraceLimits) (*Trace, error) {
	maxBytes, maxLine := lim.MaxBytes, lim.MaxLineBytes
	if maxBytes <= 0 {
		maxBytes = ltl.DefaultMaxInputBytes
	}
	if maxLine <= 0 {
		maxLine = ltl.DefaultMaxLineBytes
	}
	r := &envReader{file: file, src: data, e: &errs{}}
	if int64(len(data)) > maxBytes {
		r.e.add(r.pos(0), ltl.ErrInputLimit, fmt.Sprintf("the trace is %d bytes, over the limit of %d (raise it with --max-input-bytes, apps.TraceLimits.MaxBytes)", len(data), maxBytes))
		return nil, r.e.result()
	}
	t := &Trace{File: file}
	ended := false
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off
		}
		line := data[off:end]
		start := off
		off = end + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(line) > maxLine {
			r.e.add(r.pos(start), ltl.ErrInputLimit, fmt.Sprintf("a trace line of %d bytes, over the limit of %d (raise it with --max-line-bytes, apps.TraceLimits.MaxLineBytes)", len(line), maxLine))
			break
		}
		if len(r.e.list) >= 20 {
			break
		}
		v, err := strictjson.Parse(line, strictjson.Limits{MaxDepth: maxEnvDepth})
		if err != nil {
			var se *strictjson.Error
			at, msg := 0, err.Error()
			if errors.As(err, &se) {
				at, msg = se.Offset, se.Msg
			}
			r.e.add(r.pos(start+at), ErrTrace, "not strict JSON: "+msg)
			continue
		}
		rel := &lineReader{envReader: r, base: start}
		if ended {
			rel.errAt(v, "a line after the end line: the end line is last")
			continue
		}
		if v.Kind() == strictjson.Object && v.Get("end") != nil {
			ended = true
			rel.endLine(t, v)
			continue
		}
		rel.callLine(t, v)
	}
	if !ended && len(r.e.list) == 0 {
		p := r.pos(len(data))
		r.e.add(p, ErrTrace, "the trace has no end line {\"end\": …, \"screen\": …, \"steps\": …, \"recoveries\": …}")
	}
	if err := r.e.result(); err != nil {
		return nil, err
	}
	return t, nil
}

// lineReader positions errors of one line in the whole file.
type lineReader struct {
	*envReader
	base int
}

func (r *lineReader) errAt(v *strictjson.Value, format string, a ...any) {
	r.e.add(r.pos(r.base+v.Offset()), ErrTrace, fmt.Sprintf(format, a...))
}

func (r *lineReader) keysExactly(obj *strictjson.Value, what string, known []string, optional ...string) bool {
	if obj.Kind() != strictjson.Object {
		r.errAt(obj, "%s must be a JSON object, not a %s", what, obj.Kind())
		return false
	}
	ok := true
	for i := 0; i < obj.Len(); i++ {
		k, _ := obj.Member(i)
		if !slices.Contains(known, k.Text()) {
			r.errAt(k, "unknown key %s in %s (the keys are %s)", strconv.Quote(k.Text()), what, quoteAll(known))
			ok = false
		}
	}
	for _, k := range known {
		if obj.Get(k) == nil && !slices.Contains(optional, k) {
			r.errAt(obj, "%s has no %s", what, strconv.Quote(k))
			ok = false
		}
	}
	return ok
}

func (r *lineReader) str(v *strictjson.Value, what string) (string, bool) {
	if v.Kind() != strictjson.String {
		r.errAt(v, "%s must be a string, not a %s", what, v.Kind())
		return "", false
	}
	return v.Text(), true
}

func (r *lineReader) num(v *strictjson.Value, what string) (int, bool) {
	if v.Kind() != strictjson.Number || !v.IsInteger() || len(v.Text()) > 9 {
		r.errAt(v, "%s must be an integer of at most 9 digits", what)
		return 0, false
	}
	n, err := strconv.Atoi(v.Text())
	if err != nil || n < 0 {
		r.errAt(v, "%s must be a non-negative integer", what)
		return 0, false
	}
	return n, true
}

func (r *lineReader) labels(v *strictjson.Value, what string) ([]string, bool) {
	if v.Kind() != strictjson.Array {
		r.errAt(v, "%s must be an array of strings", what)
		return nil, false
	}
	out := []string{}
	for i := 0; i < v.Len(); i++ {
		s, ok := r.str(v.Elem(i), what+" element")
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func (r *lineReader) endLine(t *Trace, v *strictjson.Value) {
	if !r.keysExactly(v, "the end line", endKeys) {
		return
	}
	t.EndPos = r.pos(r.base)
	e, ok1 := r.str(v.Get("end"), "end")
	s, ok2 := r.str(v.Get("screen"), "screen")
	n, ok3 := r.num(v.Get("steps"), "steps")
	rc, ok4 := r.num(v.Get("recoveries"), "recoveries")
	if !(ok1 && ok2 && ok3 && ok4) {
		return
	}
	if e != string(EndGoal) && e != string(EndUnrecoverable) {
		r.errAt(v.Get("end"), "end must be \"goal\" or \"unrecoverable\", not %s", strconv.Quote(e))
		return
	}
	t.End, t.Screen, t.Steps, t.Recoveries = End(e), s, n, rc
}

func (r *lineReader) callLine(t *Trace, v *strictjson.Value) {
	if !r.keysExactly(v, "an action line", callKeys, "result", "error") {
		return
	}
	res, errv := v.Get("result"), v.Get("error")
	if (res == nil) == (errv == nil) {
		r.errAt(v, "an action line has exactly one of \"result\" (what the device showed after it) and \"error\" (why it could not perform it)")
		return
	}
	var l TraceLine
	ok := true
	var good bool
	if l.Call.Tool, good = r.str(v.Get("tool"), "tool"); !good {
		ok = false
	}
	args := v.Get("args")
	if args.Kind() != strictjson.Object {
		r.errAt(args, "args must be a JSON object")
		ok = false
	} else {
		l.Call.Args = map[string]any{}
		for i := 0; i < args.Len(); i++ {
			k, x := args.Member(i)
			switch x.Kind() {
			case strictjson.String, strictjson.Number, strictjson.Bool:
				l.Call.Args[k.Text()] = x.Any()
			default:
				r.errAt(x, "argument %s must be a string, a number or a boolean", strconv.Quote(k.Text()))
				ok = false
			}
		}
	}
	if res != nil {
		if o, good := r.observation(res); good {
			l.Result = &o
		} else {
			ok = false
		}
	} else if l.Error, good = r.str(errv, "error"); !good {
		ok = false
	}
	n, good := r.num(v.Get("step"), "step")
	l.Step = n
	ok = ok && good
	if l.Screen, good = r.str(v.Get("screen"), "screen"); !good {
		ok = false
	}
	if l.Expected, good = r.str(v.Get("expected"), "expected"); !good {
		ok = false
	}
	oc, good := r.str(v.Get("outcome"), "outcome")
	switch Outcome(oc) {
	case Success, NoChange, Fail:
		l.Outcome = Outcome(oc)
	default:
		if good {
			r.errAt(v.Get("outcome"), "outcome must be \"success\", \"nochange\" or \"fail\", not %s", strconv.Quote(oc))
		}
		ok = false
	}
	if rb := v.Get("rollback"); rb.Kind() != strictjson.Bool {
		r.errAt(rb, "rollback must be true or false")
		ok = false
	} else {
		l.Rollback = rb.Text() == "true"
	}
	if ok {
		t.Lines = append(t.Lines, l)
		t.LinePos = append(t.LinePos, r.pos(r.base))
	}
}

func (r *lineReader) observation(v *strictjson.Value) (Observation, bool) {
	var o Observation
	if !r.keysExactly(v, "the result", obsKeys) {
		return o, false
	}
	s, ok := r.str(v.Get("screen"), "result screen")
	o.Screen = s
	if o.Shows, ok = r.labels(v.Get("shows"), "result shows"); !ok {
		return o, false
	}
	if o.Checked, ok = r.labels(v.Get("checked"), "result checked"); !ok {
		return o, false
	}
	tv, cv := v.Get("text"), v.Get("count")
	if tv.Kind() != strictjson.Object || cv.Kind() != strictjson.Object {
		r.errAt(v, "result text and count must be objects")
		return o, false
	}
	o.Text, o.Count = map[string]string{}, map[string]int{}
	for i := 0; i < tv.Len(); i++ {
		k, x := tv.Member(i)
		s, ok := r.str(x, "text "+k.Text())
		if !ok {
			return o, false
		}
		o.Text[k.Text()] = s
	}
	for i := 0; i < cv.Len(); i++ {
		k, x := cv.Member(i)
		n, ok := r.num(x, "count "+k.Text())
		if !ok {
			return o, false
		}
		o.Count[k.Text()] = n
	}
	return o, true
}

// TraceVerdict is ValidateTrace's judgement.
type TraceVerdict struct {
	Accepted bool
	// Line is the 1-based action line at fault (len+1: the end line), 0
	// when accepted; Pos where it is; Reason says what is wrong.
	Line   int
	Pos    Pos
	Reason string
}

// ValidateTrace re-checks a trace against the app: replaying it on a fresh
// tracker, every line's app fields must be what the runtime would have
// written (steps numbered from 1; the believed screen before the action;
// the expected screen of the action on it, "" for one it does not have;
// the result's screen what Recognize makes of what it shows; the outcome
// the judge's; a rollback action one of the believed screen's, without
// `any`, following a Fail or NoChange or another rollback), the calls with
// their observations (ResultOf) must satisfy the lowered goal spec up to
// where the trace ends, and the end line must agree: its steps the
// number of lines, its screen the believed one, "goal" exactly when the
// goal automaton accepts, recoveries no more than the failures. An
// "unrecoverable" trace is never accepted: it did not reach the goal.
func (g *Goal) ValidateTrace(t *Trace) TraceVerdict {
	tr := g.NewTracker()
	fail := func(i int, format string, a ...any) TraceVerdict {
		v := TraceVerdict{Line: i + 1, Reason: fmt.Sprintf(format, a...)}
		if i < len(t.LinePos) {
			v.Pos = t.LinePos[i]
		} else {
			v.Pos = t.EndPos
		}
		return v
	}
	var prev *Observation
	var pending *Move
	prevFailed := false
	failures := 0
	for i, l := range t.Lines {
		if l.Step != i+1 {
			return fail(i, "step is %d; line %d is step %d", l.Step, i+1, i+1)
		}
		if l.Screen != tr.Screen() {
			return fail(i, "the believed screen before step %d is %s, not %s", l.Step, show(tr.Screen()), show(l.Screen))
		}
		m, known := tr.Lookup(l.Call)
		expected, ensures := "", (*Formula)(nil)
		if known {
			expected, ensures = m.Target, m.Ensures
			if m.Transition == nil && pending != nil {
				expected, ensures = pending.Target, pending.Ensures
			}
		}
		if !known {
			return fail(i, "%s is no action of screen %s, the screen believed current", l.Call, show(tr.Screen()))
		}
		if l.Expected != expected {
			if !known {
				return fail(i, "%s is no action of screen %s: expected is \"\", not %s", l.Call, show(tr.Screen()), show(l.Expected))
			}
			return fail(i, "%s on %s is expected to lead to %s, not %s", l.Call, tr.Screen(), show(expected), show(l.Expected))
		}
		if l.Rollback {
			if !known || m.Action.hasAny() {
				return fail(i, "rollback action %s is not one of screen %s's own actions the runtime can perform", l.Call, show(tr.Screen()))
			}
			if !prevFailed {
				return fail(i, "a rollback action follows no fail or nochange")
			}
		}
		var after *Observation
		var rec Recognition
		if l.Result != nil {
			o := *l.Result
			rec = g.app.Recognize(o, g.opts.Inputs)
			if o.Screen != rec.Screen {
				why := ""
				if !rec.Known() {
					why = ": " + rec.Why()
				}
				return fail(i, "the result shows what %s shows, not %s%s", show(rec.Screen), show(o.Screen), why)
			}
			after = &o
		}
		before := Observation{Screen: "\x00unknown"}
		if prev != nil {
			before = *prev
		}
		v := g.app.Judge(expected, ensures, before, after, errors.New(l.Error), g.opts.Inputs)
		if known && expected == "" && after != nil && rec.Known() && m.Transition == nil {
			v.Outcome = Success
		}
		want := v.Outcome
		if prev == nil && want == Fail && l.Outcome == NoChange && rec.Known() && rec.Screen == tr.Screen() {
			want = NoChange // the first observation is not in the trace
		}
		if l.Outcome != want {
			why := ""
			if v.Why != "" {
				why = ": " + v.Why
			}
			return fail(i, "step %d is judged %s, not %s%s", l.Step, want, l.Outcome, why)
		}
		tr.Record(l.Call, after, rec, errors.New(l.Error))
		if tr.Dead() {
			return fail(i, "after step %d no continuation satisfies the goal and rules of %s", l.Step, g.app.Name)
		}
		if after != nil {
			prev = after
		}
		switch {
		case want == Success:
			pending = nil
		case rec.Known() && g.app.Overlay(rec.Screen) != nil && known && m.Transition != nil:
			mm := m
			pending = &mm
		}
		if want != Success {
			failures++
		}
		prevFailed = want != Success || l.Rollback
	}
	end := len(t.Lines)
	switch {
	case t.Steps != len(t.Lines):
		return fail(end, "the end line says %d steps; the trace has %d", t.Steps, len(t.Lines))
	case t.Screen != tr.Screen():
		return fail(end, "the end line says the run ended on %s; the believed screen is %s", show(t.Screen), show(tr.Screen()))
	case t.Recoveries > failures:
		return fail(end, "the end line says %d recoveries; the trace has %d fail or nochange steps to recover from", t.Recoveries, failures)
	case t.End == EndGoal && !tr.Reached():
		return fail(end, "the end line says the goal was reached; the run does not satisfy the goal and rules of %s", g.app.Name)
	case t.End == EndUnrecoverable && tr.Reached():
		return fail(end, "the end line says unrecoverable, but the run satisfies the goal")
	case t.End == EndUnrecoverable:
		return fail(end, "the run ended unrecoverable on %s: it did not reach the goal", show(t.Screen))
	}
	if v := g.spec.Validate(tr.Events()); !v.Accepted {
		return fail(min(v.Violation.Position, end), "%s", v.Violation.Reason)
	}
	return TraceVerdict{Accepted: true}
}

func show(s string) string {
	if s == "" {
		return "an unrecognised screen"
	}
	return s
}
