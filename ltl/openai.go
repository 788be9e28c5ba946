package ltl

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
)

// LogOptions say which parts of an OpenAI chat log besides its tool calls
// are events (ReadOpenAILog). Both are off by default: a log's tool calls
// are its events, and a step kind is read only where the caller names it.
type LogOptions struct {
	// TextStep, if set, is the step kind of an assistant message's text
	// content (e.g. "answer"): one step event per assistant message whose
	// content, trimmed of white space, is not empty, written before that
	// message's calls. It must be a step the spec declares.
	TextStep string
	// ToolStep, if set, is the step kind of each tool message (e.g.
	// "observation"): a step event at the tool message's place in the log,
	// its Text the message's content. The result is on the call either way.
	ToolStep string
}

// LogEvent is an event read from a log, with where it was first written.
type LogEvent struct {
	Event Event
	Pos   Pos // the tool call, assistant message or tool message it comes from
}

// openaiMessageKeys are the message keys a log reader gives meaning to; a
// key equal to one of them but for case is an error. Other keys (refusal,
// annotations, audio) are ignored: they never make events.
var openaiMessageKeys = []string{"role", "content", "tool_calls", "tool_call_id", "name", "function_call"}

// ReadOpenAILog is Options{}.ReadOpenAILog: the default limits.
func ReadOpenAILog(filename string, data []byte, s *Spec, lo LogOptions) ([]LogEvent, error) {
	return Options{}.ReadOpenAILog(filename, data, s, lo)
}

// ReadOpenAILog reads an OpenAI chat log as a trace, so that a guardrail can
// check production logs with the spec that guards the agent. The log is one
// conversation, in any of these shapes:
//
//   - a messages array, or a chat.completions request body ({"messages":
//     [...], "model": …}; keys other than messages are ignored);
//   - a chat.completions response body ({"choices": [{"message": …}]});
//   - JSON Lines of such bodies, one per line, in the order they were
//     exchanged, also as {"request": REQ, "response": RESP} pairs and as
//     the Batch API's {"body": REQ} and {"response": {"body": RESP}}.
//
// Events. Each assistant tool call is a call event: function.name, and
// function.arguments parsed strictly (internal/strictjson) from its JSON
// string (an object is taken as well; "" or anything but an object is
// ErrLogCall). Each tool message answers the call whose id its
// tool_call_id names: its content becomes the call's Result, the parsed
// JSON value when the content is JSON, else the text (Outcome Returned).
// Tool messages must come right after the assistant message whose calls
// they answer, as the API requires; calls of the log's last assistant
// message that no message follows stay Pending (the log ends while they
// run). LogOptions.TextStep and ToolStep add step events for assistant
// text and tool messages; user, system and developer messages are never
// events.
//
// History. Each request repeats the conversation so far. The log's
// conversation is the longest history its bodies agree on: a request's
// messages must be a prefix of the history so far or extend it, and a
// response's message is the next message after its request's (the request
// on an earlier line, or its pair). Messages are compared by what makes
// events (role, text, tool calls with ids, names and arguments, tool_call_id),
// so a client that writes null content as "" still agrees. Each event is
// read once, positioned where its message first appears. A body that
// disagrees is ErrLogHistory naming the message and where the history
// holds another; a response with several choices is ErrLogShape (validate
// each alternative on its own).
//
// Errors, positioned file:line:col (inside an arguments string at the
// offending character): ErrLogShape (not a log, a message that is not an
// object, an unknown role, the legacy function_call), ErrLogCall (a tool
// call without id, name or object arguments), ErrLogAnswer (a tool message
// whose id no call has, an id answered twice or used by two calls, a name
// that is not its call's, a call left unanswered while the conversation
// went on), ErrLogHistory, ErrTraceUndeclared (with a spec: an undeclared
// tool), ErrInputLimit (MaxInputBytes for the file, MaxLineBytes for one
// JSON Lines line, MaxJSONDepth). A log with no events is ErrTraceEmpty.
// The error is an ErrorList.
func (o Options) ReadOpenAILog(filename string, data []byte, s *Spec, lo LogOptions) ([]LogEvent, error) {
	if err := o.checkSize(filename, data); err != nil {
		return nil, err
	}
	if s != nil {
		for _, st := range []struct{ what, name string }{{"LogOptions.TextStep (--text-step)", lo.TextStep}, {"LogOptions.ToolStep (--tool-step)", lo.ToolStep}} {
			if st.name != "" && !declaresStep(s, st.name) {
				return nil, ErrorList{{Pos: Pos{Filename: filename, Line: 1, Column: 1}, Code: ErrTraceUndeclared,
					Msg: fmt.Sprintf("%s names step %q, which spec %q does not declare", st.what, st.name, s.Name)}}
			}
		}
	}
	r := &logReader{o: o, data: data, lines: newLineIndex(filename, data), e: &errs{}, filename: filename}
	if bytes.HasPrefix(data, utf8BOM) {
		r.skip = len(utf8BOM)
	}
	r.read()
	if len(r.e.list) == 0 {
		r.events(s, lo)
	}
	if err := r.e.result(); err != nil {
		return nil, err
	}
	if len(r.out) == 0 {
		return nil, ErrorList{{Pos: Pos{Filename: filename, Line: 1, Column: 1}, Code: ErrTraceEmpty,
			Msg: "the log has no events: no tool calls (and no step the log options name)"}}
	}
	return r.out, nil
}

type logReader struct {
	o        Options
	data     []byte
	skip     int // a byte-order mark
	lines    *lineIndex
	e        *errs
	filename string
	conv     []*logMsg // the conversation so far
	cursor   int       // where the last request's history ends: its response comes here
	out      []LogEvent
}

// logMsg is one message reduced to what makes events, for comparison.
type logMsg struct {
	pos    Pos
	role   string
	text   string
	calls  []logCall
	callID string // a tool message's tool_call_id
	name   string // a tool message's name
	bad    bool   // reported already; repeats are not compared
}

type logCall struct {
	pos  Pos
	id   string
	name string
	args map[string]any
	key  string // the arguments as compact JSON, for comparison
}

func (m *logMsg) same(n *logMsg) bool {
	if m.bad || n.bad {
		return true
	}
	if m.role != n.role || m.text != n.text || m.callID != n.callID || m.name != n.name || len(m.calls) != len(n.calls) {
		return false
	}
	for i, c := range m.calls {
		d := n.calls[i]
		if c.id != d.id || c.name != d.name || c.key != d.key {
			return false
		}
	}
	return true
}

func (r *logReader) pos(off int) Pos { return r.lines.pos(off) }

func (r *logReader) add(off int, c Code, format string, a ...any) {
	r.e.add(r.pos(off), c, fmt.Sprintf(format, a...))
}

// read parses the file as one JSON document, or as JSON Lines when data
// follows the first value.
func (r *logReader) read() {
	v, err := strictjson.Parse(r.data[r.skip:], r.o.jsonLimits())
	if err == nil {
		r.document(v, r.skip)
		return
	}
	if je, ok := err.(*strictjson.Error); !ok || je.Code != strictjson.ErrTrailing {
		jsonError(r.e, err, r.skip, r.pos, ErrLogShape)
		return
	}
	off := r.skip
	maxLine := r.o.maxLineBytes()
	for off < len(r.data) {
		end := bytes.IndexByte(r.data[off:], '\n')
		if end < 0 {
			end = len(r.data)
		} else {
			end += off
		}
		line := r.data[off:end]
		if len(line) > maxLine {
			r.add(off, ErrInputLimit, "log line is longer than the limit of %d bytes (%s)", maxLine, limitLine)
			return
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if r.e.full(r.pos(off)) {
				return
			}
			v, err := strictjson.Parse(line, r.o.jsonLimits())
			if err != nil {
				jsonError(r.e, err, off, r.pos, ErrLogShape)
			} else {
				r.document(v, off)
			}
		}
		off = end + 1
	}
}

// document reads one body at base (the offset of the text v was parsed from).
func (r *logReader) document(v *strictjson.Value, base int) {
	at := func(x *strictjson.Value) int { return base + x.Offset() }
	switch v.Kind() {
	case strictjson.Array:
		r.request(v, base)
		return
	case strictjson.Object:
	default:
		r.add(at(v), ErrLogShape, "an OpenAI log is a messages array, a request or response body, or JSON Lines of bodies, not a JSON %s", v.Kind())
		return
	}
	if caseVariant(r.e, v, base, r.pos, ErrLogShape, "messages", "choices", "request", "response", "body") {
		return
	}
	msgs, choices, req, resp, body := v.Get("messages"), v.Get("choices"), v.Get("request"), v.Get("response"), v.Get("body")
	switch {
	case msgs != nil:
		if msgs.Kind() != strictjson.Array {
			r.add(at(msgs), ErrLogShape, `"messages" must be an array of messages, not a JSON %s`, msgs.Kind())
			return
		}
		r.request(msgs, base)
	case choices != nil:
		r.response(v, choices, base)
	case req != nil || resp != nil || body != nil:
		for _, x := range []*strictjson.Value{body, req, resp} {
			if x == nil || x.Kind() == strictjson.Null {
				continue
			}
			if x.Kind() != strictjson.Object {
				r.add(at(x), ErrLogShape, "a request or response must be a JSON object, not a JSON %s", x.Kind())
				return
			}
			if b := x.Get("body"); x == resp && b != nil && x.Get("choices") == nil { // a Batch API output line
				x = b
			}
			r.document(x, base)
		}
	default:
		r.add(at(v), ErrLogShape, `this object is no part of an OpenAI log: want "messages" (a request), "choices" (a response), "request"/"response" or "body"`)
	}
}

// request merges a request's messages into the conversation.
func (r *logReader) request(msgs *strictjson.Value, base int) {
	for i := range msgs.Len() {
		m := r.message(msgs.Elem(i), base)
		r.merge(i, m, "request")
	}
	r.cursor = msgs.Len()
}

func (r *logReader) response(v, choices *strictjson.Value, base int) {
	if choices.Kind() != strictjson.Array {
		r.add(base+choices.Offset(), ErrLogShape, `"choices" must be an array, not a JSON %s`, choices.Kind())
		return
	}
	if choices.Len() != 1 {
		r.add(base+choices.Offset(), ErrLogShape, "a response with %d choices: a log is one conversation, so a response must have exactly one choice (validate each alternative as its own log)", choices.Len())
		return
	}
	c := choices.Elem(0)
	var msg *strictjson.Value
	if c.Kind() == strictjson.Object {
		msg = c.Get("message")
	}
	if msg == nil {
		r.add(base+c.Offset(), ErrLogShape, `a choice must be an object with a "message"`)
		return
	}
	m := r.message(msg, base)
	if !m.bad && m.role != "assistant" {
		r.add(base+msg.Offset(), ErrLogShape, "a response's message must be an assistant message, not %q", m.role)
		return
	}
	r.merge(r.cursor, m, "response")
	r.cursor++
}

// merge puts m at index i of the conversation, or checks that it agrees
// with the message already there.
func (r *logReader) merge(i int, m *logMsg, what string) {
	switch {
	case i == len(r.conv):
		r.conv = append(r.conv, m)
	case i < len(r.conv):
		if have := r.conv[i]; !have.same(m) {
			r.e.add(m.pos, ErrLogHistory, fmt.Sprintf("this %s's message %d differs from the conversation's message %d at %d:%d (%s): a log is one conversation, and each request repeats its history",
				what, i+1, i+1, have.pos.Line, have.pos.Column, have.role))
			m.bad = true
			r.conv[i].bad = true // reported once
		}
	default: // a response with no request before it, after a shorter history
		r.conv = append(r.conv, m)
	}
}

// content reads a message's content: a string, null, or text parts.
func (r *logReader) content(v *strictjson.Value, base int) (string, bool) {
	if v == nil || v.Kind() == strictjson.Null {
		return "", true
	}
	switch v.Kind() {
	case strictjson.String:
		return v.Text(), true
	case strictjson.Array:
		var b strings.Builder
		for i := range v.Len() {
			p := v.Elem(i)
			if p.Kind() != strictjson.Object {
				r.add(base+p.Offset(), ErrLogShape, "a content part must be an object, not a JSON %s", p.Kind())
				return "", false
			}
			if t := p.Get("text"); t != nil && t.Kind() == strictjson.String {
				b.WriteString(t.Text())
			} else if typ := p.Get("type"); typ != nil && typ.Kind() == strictjson.String && typ.Text() == "text" {
				r.add(base+p.Offset(), ErrLogShape, `a text part needs a string "text"`)
				return "", false
			}
		}
		return b.String(), true
	}
	r.add(base+v.Offset(), ErrLogShape, "content must be a string, null or an array of parts, not a JSON %s", v.Kind())
	return "", false
}

func (r *logReader) message(v *strictjson.Value, base int) *logMsg {
	m := &logMsg{pos: r.pos(base + v.Offset())}
	bad := func(off int, c Code, format string, a ...any) *logMsg {
		r.add(off, c, format, a...)
		m.bad = true
		return m
	}
	if v.Kind() != strictjson.Object {
		return bad(base+v.Offset(), ErrLogShape, "a message must be a JSON object, not a JSON %s", v.Kind())
	}
	if caseVariant(r.e, v, base, r.pos, ErrLogShape, openaiMessageKeys...) {
		m.bad = true
		return m
	}
	role := v.Get("role")
	if role == nil || role.Kind() != strictjson.String {
		return bad(base+v.Offset(), ErrLogShape, `a message needs a string "role"`)
	}
	m.role = role.Text()
	switch m.role {
	case "system", "developer", "user", "assistant", "tool":
	case "function":
		return bad(base+role.Offset(), ErrLogShape, `role "function" is the legacy functions API, whose calls have no ids; log tool_calls and tool messages instead`)
	default:
		return bad(base+role.Offset(), ErrLogShape, "unknown role %q (want system, developer, user, assistant or tool)", m.role)
	}
	if fc := v.Get("function_call"); fc != nil && fc.Kind() != strictjson.Null {
		return bad(base+fc.Offset(), ErrLogShape, `"function_call" is the legacy functions API, whose calls have no ids; log tool_calls and tool messages instead`)
	}
	text, ok := r.content(v.Get("content"), base)
	if !ok {
		m.bad = true
		return m
	}
	m.text = text
	if tc := v.Get("tool_calls"); tc != nil && tc.Kind() != strictjson.Null {
		if m.role != "assistant" {
			return bad(base+tc.Offset(), ErrLogShape, "only assistant messages carry tool_calls, not %s messages", m.role)
		}
		if tc.Kind() != strictjson.Array {
			return bad(base+tc.Offset(), ErrLogShape, `"tool_calls" must be an array, not a JSON %s`, tc.Kind())
		}
		for i := range tc.Len() {
			c, ok := r.toolCall(tc.Elem(i), base)
			if !ok {
				m.bad = true
				return m
			}
			m.calls = append(m.calls, c)
		}
	}
	if m.role == "tool" {
		id := v.Get("tool_call_id")
		if id == nil || id.Kind() != strictjson.String || id.Text() == "" {
			return bad(base+v.Offset(), ErrLogAnswer, `a tool message needs a "tool_call_id" naming the call it answers`)
		}
		m.callID = id.Text()
		if n := v.Get("name"); n != nil && n.Kind() == strictjson.String {
			m.name = n.Text()
		}
	}
	return m
}

func (r *logReader) toolCall(c *strictjson.Value, base int) (logCall, bool) {
	fail := func(x *strictjson.Value, format string, a ...any) (logCall, bool) {
		r.add(base+x.Offset(), ErrLogCall, format, a...)
		return logCall{}, false
	}
	if c.Kind() != strictjson.Object {
		return fail(c, "a tool call must be a JSON object, not a JSON %s", c.Kind())
	}
	if caseVariant(r.e, c, base, r.pos, ErrLogCall, "id", "type", "function") {
		return logCall{}, false
	}
	if t := c.Get("type"); t != nil && (t.Kind() != strictjson.String || t.Text() != "function") {
		return fail(t, `only function tool calls are read (type "function")`)
	}
	out := logCall{pos: r.pos(base + c.Offset())}
	id := c.Get("id")
	if id == nil || id.Kind() != strictjson.String || id.Text() == "" {
		return fail(c, `a tool call needs a string "id" (the tool_call_id its tool message answers)`)
	}
	out.id = id.Text()
	fn := c.Get("function")
	if fn == nil || fn.Kind() != strictjson.Object {
		return fail(c, `a tool call needs a "function" object with "name" and "arguments"`)
	}
	if caseVariant(r.e, fn, base, r.pos, ErrLogCall, "name", "arguments") {
		return logCall{}, false
	}
	name := fn.Get("name")
	if name == nil || name.Kind() != strictjson.String || name.Text() == "" {
		return fail(fn, `a tool call's function needs a string "name"`)
	}
	out.name = name.Text()
	args := fn.Get("arguments")
	var obj *strictjson.Value
	switch {
	case args == nil || args.Kind() == strictjson.Null:
		return fail(fn, `call %s has no "arguments" (write "{}" for none)`, out.name)
	case args.Kind() == strictjson.Object:
		obj = args
	case args.Kind() == strictjson.String:
		raw := r.data[base+args.Offset():]
		v, err := strictjson.ParseString(args.Text(), r.o.jsonLimits())
		if err != nil {
			je, _ := err.(*strictjson.Error)
			if je == nil {
				return fail(args, "call %s: arguments are not JSON: %v", out.name, err)
			}
			off := base + args.Offset() + rawStringOffset(raw, je.Offset)
			if je.Code == strictjson.ErrDepth {
				r.add(off, ErrInputLimit, "JSON nested deeper than the limit of %d levels (%s)", je.Limit, limitDepth)
			} else {
				r.add(off, ErrLogCall, "call %s: the arguments string is not a JSON object: %s", out.name, je.Msg)
			}
			return logCall{}, false
		}
		if v.Kind() != strictjson.Object {
			return fail(args, "call %s: the arguments string holds a JSON %s, not an object (write \"{}\" for none)", out.name, v.Kind())
		}
		obj = v
	default:
		return fail(args, "call %s: arguments must be a string holding a JSON object, not a JSON %s", out.name, args.Kind())
	}
	if obj.Len() > 0 {
		out.args = obj.Map()
	}
	out.key = string(obj.AppendJSON(nil))
	return out, true
}

// rawStringOffset maps byte k of the decoded text of the JSON string
// literal at the start of raw to its offset in raw, so that an error inside
// an arguments string points at the character as the file writes it.
func rawStringOffset(raw []byte, k int) int {
	i, n := 1, 0 // past the opening quote
	for i < len(raw) && raw[i] != '"' && n < k {
		if raw[i] != '\\' || i+1 >= len(raw) {
			_, size := utf8.DecodeRune(raw[i:])
			i, n = i+size, n+size
			continue
		}
		if raw[i+1] != 'u' || i+6 > len(raw) {
			i, n = i+2, n+1
			continue
		}
		var r rune
		fmt.Sscanf(string(raw[i+2:i+6]), "%04x", &r)
		i += 6
		if r >= 0xD800 && r < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
			i, n = i+6, n+4 // a surrogate pair is one 4-byte rune
			continue
		}
		n += utf8.RuneLen(max(r, 0))
	}
	return i
}

// events turns the conversation into events, pairing calls and answers.
func (r *logReader) events(s *Spec, lo LogOptions) {
	type open struct {
		call int // index into r.out
		pos  Pos
	}
	pending := map[string]open{} // calls of the last assistant message without an answer yet
	var order []string           // their ids in order, to report the first one left open
	used := map[string]Pos{}     // every call id so far
	answered := map[string]Pos{} // ids answered, and where
	unanswered := func(m *logMsg) {
		for _, id := range order {
			if p, ok := pending[id]; ok {
				r.e.add(m.pos, ErrLogAnswer, fmt.Sprintf("call %s (id %q, at %d:%d) has no tool message answering it before this %s message",
					r.out[p.call].Event.Tool, id, p.pos.Line, p.pos.Column, m.role))
			}
		}
		clear(pending)
		order = order[:0]
	}
	emit := func(ev Event, p Pos) bool {
		if s != nil && !checkEventName(s, ev, p, r.e) {
			return false
		}
		r.out = append(r.out, LogEvent{Event: ev, Pos: p})
		return true
	}
	for _, m := range r.conv {
		if r.e.full(m.pos) {
			return
		}
		switch m.role {
		case "assistant":
			unanswered(m)
			if lo.TextStep != "" && strings.TrimSpace(m.text) != "" {
				emit(Event{Step: lo.TextStep, Text: m.text}, m.pos)
			}
			for _, c := range m.calls {
				if first, ok := used[c.id]; ok {
					r.e.add(c.pos, ErrLogAnswer, fmt.Sprintf("tool call id %q is used by an earlier call at %d:%d: ids must be unique for answers to be unambiguous", c.id, first.Line, first.Column))
					continue
				}
				used[c.id] = c.pos
				if emit(Event{Tool: c.name, Args: c.args}, c.pos) {
					pending[c.id] = open{call: len(r.out) - 1, pos: c.pos}
					order = append(order, c.id)
				}
			}
		case "tool":
			p, ok := pending[m.callID]
			switch {
			case ok:
			case answered[m.callID] != Pos{}:
				first := answered[m.callID]
				r.e.add(m.pos, ErrLogAnswer, fmt.Sprintf("tool_call_id %q is answered twice (first at %d:%d)", m.callID, first.Line, first.Column))
				continue
			case used[m.callID] != Pos{}:
				r.e.add(m.pos, ErrLogAnswer, fmt.Sprintf("tool_call_id %q answers a call of an earlier assistant message: tool messages must follow the message whose calls they answer", m.callID))
				continue
			default:
				r.e.add(m.pos, ErrLogAnswer, fmt.Sprintf("tool_call_id %q answers no tool call of the assistant message before it", m.callID))
				continue
			}
			call := &r.out[p.call].Event
			if m.name != "" && m.name != call.Tool {
				r.e.add(m.pos, ErrLogAnswer, fmt.Sprintf("tool message names %q, but its tool_call_id %q is a call of %s", m.name, m.callID, call.Tool))
				continue
			}
			call.Outcome, call.Result = Returned, m.text
			if v, err := strictjson.ParseString(m.text, r.o.jsonLimits()); err == nil {
				call.Result = v.Any()
			}
			delete(pending, m.callID)
			answered[m.callID] = m.pos
			if lo.ToolStep != "" {
				emit(Event{Step: lo.ToolStep, Text: m.text}, m.pos)
			}
		default:
			unanswered(m)
		}
	}
}
