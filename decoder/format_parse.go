package decoder

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// Call is an event read back from model text, with the id the model wrote
// for it (formats whose IDRule has a Key; "" otherwise, and for steps).
// A tool message answering the call repeats the id as its tool_call_id.
type Call struct {
	Event ltl.Event
	ID    string
}

// Parse reads one model message (turn) written in format f back into
// events. It is independent of the byte automaton (it uses internal/strictjson
// and a small Python-literal reader) so that tests can check the decoder's
// output through it. The text must be complete: in the line formats every
// event ends with its newline; in native formats an open call list must
// be closed. Errors name the line.
func (f Format) Parse(text []byte) ([]ltl.Event, error) {
	calls, err := f.ParseMessage(text)
	if err != nil {
		return nil, err
	}
	var out []ltl.Event
	for _, c := range calls {
		out = append(out, c.Event)
	}
	return out, nil
}

// ParseMessage is Parse with the ids the model wrote.
func (f Format) ParseMessage(text []byte) ([]Call, error) {
	if f.d == nil {
		return nil, newErr(CodeFormat, "no call format given")
	}
	p := &msgParser{f: f, s: string(text)}
	calls, _, err := p.run(mBegin)
	return calls, err
}

// Written is an event read back from a message with where and how it was
// written, for a caller that rebuilds the message (a chat template's
// assistant message with tool_calls) and must keep its spelling.
type Written struct {
	Call
	// Offset is where the event's text starts in the message, the text
	// that opens it (a call list's opening, a separator) included.
	Offset int
	// Args is a call's arguments object as written, key order and number
	// spelling kept (JSON and bracket formats; "" for steps and pythonic).
	Args string
}

// ParseWritten is ParseMessage with each event's Offset and Args.
func (f Format) ParseWritten(text []byte) ([]Written, error) {
	if f.d == nil {
		return nil, newErr(CodeFormat, "no call format given")
	}
	p := &msgParser{f: f, s: string(text), written: &[]Written{}}
	calls, _, err := p.run(mBegin)
	if err != nil {
		return nil, err
	}
	out := *p.written
	for i := range out {
		out[i].Call = calls[i]
	}
	return out, nil
}

// parseEvent reads exactly one event written in mode m (the text of one
// symbol's NFA), for Session.Accept's read-back.
func (f Format) parseEvent(text []byte, m msgMode) ([]Call, msgMode, error) {
	p := &msgParser{f: f, s: string(text), partial: true}
	return p.run(m)
}

type msgParser struct {
	f       Format
	s       string
	i       int
	partial bool // a prefix of a message: it may end in any mode
	// written, when set, gets each event's offset and arguments text
	// (ParseWritten); args is the last call's arguments text.
	written *[]Written
	args    string
}

// note records where the event about to be appended starts.
func (p *msgParser) note(at int, args string) {
	if p.written != nil {
		*p.written = append(*p.written, Written{Offset: at, Args: args})
	}
}

func (p *msgParser) line() int { return strings.Count(p.s[:p.i], "\n") + 1 }

func (p *msgParser) errf(format string, a ...any) error {
	return newErr(CodeParse, "line %d: "+format, append([]any{p.line()}, a...)...)
}

func (p *msgParser) run(m msgMode) ([]Call, msgMode, error) {
	f, d := p.f, p.f.d
	if f.flat() && len(p.s) > 0 && p.s[len(p.s)-1] != '\n' {
		return nil, m, newErr(CodeParse, "text does not end with a newline (incomplete event)")
	}
	var out []Call
	for p.i < len(p.s) {
		rest := p.s[p.i:]
		if pre, next, ok := f.before(evClose, m); ok && strings.HasPrefix(rest, pre) && !strings.HasPrefix(rest, d.ListSep) {
			p.i += len(pre)
			m = next
			continue
		}
		if m == mClosed {
			return nil, m, p.errf("text after the message's calls: %q", clip(rest))
		}
		if d.Think != nil {
			if _, next, ok := f.before(evThink, m); ok && (d.Think.InPrompt || strings.HasPrefix(rest, d.Think.Open)) {
				at := p.i
				ev, err := p.think()
				if err != nil {
					return nil, m, err
				}
				p.note(at, "")
				out = append(out, Call{Event: ev})
				m = next
				continue
			}
		}
		if pre, next, ok := f.before(evCall, m); ok && p.callStarts(rest, pre) {
			at := p.i
			p.i += len(pre)
			p.args = ""
			c, err := p.call()
			if err != nil {
				return nil, m, err
			}
			p.note(at, p.args)
			if post := f.after(evCall, next); post != "" {
				if !strings.HasPrefix(p.s[p.i:], post) {
					return nil, m, p.errf("want %q after the call", post)
				}
				p.i += len(post)
			}
			out = append(out, c)
			m = next
			continue
		}
		if m == mList {
			return nil, m, p.errf("want %q and a call, or %q: %q", d.ListSep, d.ListClose, clip(rest))
		}
		pre, next, ok := f.before(evStep, m)
		if ok && strings.HasPrefix(rest, pre) {
			j := strings.IndexByte(rest[len(pre):], '\n')
			if j >= 0 {
				line := rest[len(pre) : len(pre)+j]
				if label, txt, isStep := splitStep(line); isStep && !f.isThink(stepName(label)) {
					p.note(p.i, "")
					p.i += len(pre) + j + 1
					out = append(out, Call{Event: ltl.Event{Step: stepName(label), Text: txt}})
					m = next
					continue
				}
			}
		}
		if pre, _, ok := f.before(evCall, m); ok && strings.HasPrefix(rest, pre) && f.callOpenText() != "" {
			// A line formed like neither: say what a call starts with.
			if d.Args == ArgsBracket && strings.HasPrefix(rest[len(pre):], d.CallOpen) {
				p.i += len(pre)
				_, err := p.call()
				return nil, m, err
			}
		}
		if m == mCall && d.CallSep != "" && !strings.HasPrefix(rest, d.CallSep) {
			return nil, m, p.errf("want %q after a call: %q", d.CallSep, clip(rest))
		}
		return nil, m, p.errf("not a step or a call: %q", clip(firstLine(rest)))
	}
	if !p.partial && !f.canEnd(m) {
		return nil, m, p.errf("the call list is not closed (want %q)", d.ListClose)
	}
	return out, m, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// callOpenText is the fixed text a call starts with in mode mBegin.
func (f Format) callOpenText() string {
	if f.d.ListOpen != "" {
		return f.d.ListOpen + f.d.CallOpen
	}
	return f.d.CallOpen
}

// callStarts reports whether rest starts a call written after pre. A
// format whose calls have no opening text (json, pythonic, llama3) starts
// a call wherever a step line does not.
func (p *msgParser) callStarts(rest, pre string) bool {
	d := p.f.d
	if !strings.HasPrefix(rest, pre) {
		return false
	}
	body := rest[len(pre):]
	if d.CallOpen != "" {
		if d.Args == ArgsBracket {
			// react: `Action: x` that is not a call is an error, not a step.
			return strings.HasPrefix(body, d.CallOpen)
		}
		return strings.HasPrefix(body, d.CallOpen)
	}
	if pre != "" {
		return true
	}
	if j := strings.IndexByte(body, '\n'); j >= 0 {
		if _, _, isStep := splitStep(body[:j]); isStep {
			return false
		}
	}
	return body != ""
}

// think reads the think block at p.i: Open, text without Close, Close.
func (p *msgParser) think() (ltl.Event, error) {
	t := p.f.d.Think
	start := p.i + len(t.open())
	j := strings.Index(p.s[start:], t.Close)
	if j < 0 {
		return ltl.Event{}, p.errf("%q without %q", t.Open, t.Close)
	}
	txt := p.s[start : start+j]
	if !utf8.ValidString(txt) {
		return ltl.Event{}, p.errf("think text is not UTF-8")
	}
	p.i = start + j + len(t.Close)
	return ltl.Event{Step: t.Step, Text: txt}, nil
}

// call reads one call at p.i: CallOpen, the body, the id, CallClose.
func (p *msgParser) call() (Call, error) {
	d := p.f.d
	if !strings.HasPrefix(p.s[p.i:], d.CallOpen) {
		return Call{}, p.errf("want %q", d.CallOpen)
	}
	lineNo := p.line()
	p.i += len(d.CallOpen)
	// In the line formats the call is the rest of its line, as before
	// formats became data; the body readers below need no line structure.
	rest := p.s[p.i:]
	var c Call
	var n int
	var err error
	switch d.Args {
	case ArgsJSON:
		c, n, err = p.jsonCall(rest)
	case ArgsPython:
		c.Event, n, err = parsePythonCall(rest)
	case ArgsBracket:
		ne, ae := d.bracket()
		if d.ID.Key != "" {
			c, p.args, n, err = parseBracketIDCall(rest, d.ID, ne, ae)
		} else {
			c.Event, p.args, n, err = parseBracketCall(rest, ne, ae)
		}
	}
	if err != nil {
		return Call{}, atLine(lineNo, err)
	}
	p.i += n
	if !strings.HasPrefix(p.s[p.i:], d.CallClose) {
		if d.CallClose == "\n" {
			return Call{}, newErr(CodeParse, "line %d: col %d: text after the call", lineNo, p.i-strings.LastIndexByte(p.s[:p.i], '\n'))
		}
		return Call{}, newErr(CodeParse, "line %d: want %q after the call", lineNo, d.CallClose)
	}
	p.i += len(d.CallClose)
	return c, nil
}

// jsonValueEnd is the length of the JSON value at the start of s, which
// must start with '{' and stay on one line.
func jsonObjectLen(s string) (int, error) {
	if !strings.HasPrefix(s, "{") {
		return 0, newErr(CodeParse, "want a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(s))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return 0, err
	}
	n := int(dec.InputOffset())
	if strings.IndexByte(s[:n], '\n') >= 0 {
		return 0, newErr(CodeParse, "a call is written on one line")
	}
	return n, nil
}

func (p *msgParser) jsonCall(s string) (Call, int, error) {
	d := p.f.d
	n, err := jsonObjectLen(s)
	if err != nil {
		return Call{}, 0, err
	}
	v, err := strictjson.ParseString(s[:n], strictjson.Limits{})
	if err != nil {
		return Call{}, 0, err
	}
	for i := range v.Len() {
		if k, _ := v.Member(i); k.Text() != d.NameKey && k.Text() != d.ArgsKey && (d.ID.Key == "" || k.Text() != d.ID.Key) {
			return Call{}, 0, newErr(CodeParse, "col %d: unknown field %q in a call (only %s)", k.Offset()+1, k.Text(), d.callKeys())
		}
	}
	name, args := v.Get(d.NameKey), v.Get(d.ArgsKey)
	if name == nil || name.Kind() != strictjson.String || name.Text() == "" || args == nil {
		return Call{}, 0, newErr(CodeParse, "a call needs %q and %q", d.NameKey, d.ArgsKey)
	}
	if args.Kind() != strictjson.Object {
		return Call{}, 0, newErr(CodeParse, "arguments are not an object")
	}
	m, err := floats(args.Map())
	if err != nil {
		return Call{}, 0, err
	}
	c := Call{Event: ltl.Event{Tool: name.Text(), Args: m.(map[string]any)}}
	p.args = string(args.Raw([]byte(s[:n])))
	if d.ID.Key != "" {
		id := v.Get(d.ID.Key)
		if id == nil {
			return Call{}, 0, newErr(CodeParse, "a call needs %q", d.ID.Key)
		}
		if id.Kind() != strictjson.String {
			return Call{}, 0, newErr(CodeParse, "%q must be a string", d.ID.Key)
		}
		if err := d.ID.check(id.Text()); err != nil {
			return Call{}, 0, err
		}
		c.ID = id.Text()
	}
	return c, n, nil
}

// callKeys lists a JSON call's keys for messages.
func (d *FormatSpec) callKeys() string {
	ks := []string{strconv.Quote(d.NameKey), strconv.Quote(d.ArgsKey)}
	if d.ID.Key != "" {
		ks = append(ks, strconv.Quote(d.ID.Key))
	}
	return strings.Join(ks, ", ")
}

func (r IDRule) check(id string) error {
	if len(id) != r.Len {
		return newErr(CodeParse, "call id %q: want %d characters", id, r.Len)
	}
	for i := 0; i < len(id); i++ {
		if strings.IndexByte(r.Alphabet, id[i]) < 0 {
			return newErr(CodeParse, "call id %q: byte %q is not allowed", id, id[i])
		}
	}
	return nil
}

// splitStep recognizes `Label: text` with Label an identifier written as
// StepLabel writes it (first letter upper-case): a lower-case label is not
// text any format produces, and in react `action: x` would read back as a
// step that re-renders as a call.
func splitStep(line string) (label, text string, ok bool) {
	i := strings.Index(line, ": ")
	if i <= 0 || !isIdent(line[:i]) || StepLabel(stepName(line[:i])) != line[:i] {
		return "", "", false
	}
	return line[:i], line[i+2:], true
}

// decodeArgs reads a call's arguments strictly (internal/strictjson):
// exact, unique keys, nothing after the object, valid UTF-8. Numbers are
// float64, as this reader has always returned them (the decoder writes only
// numbers its schemas allow); one float64 cannot hold is an error, never a
// silent rounding to infinity.
func decodeArgs(s string) (map[string]any, error) {
	v, err := strictjson.ParseString(s, strictjson.Limits{})
	if err != nil {
		return nil, err
	}
	if v.Kind() != strictjson.Object {
		return nil, newErr(CodeParse, "arguments are not an object")
	}
	args, err := floats(v.Map())
	if err != nil {
		return nil, err
	}
	return args.(map[string]any), nil
}

// floats replaces the json.Number values of a decoded value by float64.
func floats(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, newErr(CodeParse, "number %s does not fit a float64", x)
		}
		return f, nil
	case []any:
		for i := range x {
			var err error
			if x[i], err = floats(x[i]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range x {
			f, err := floats(x[k])
			if err != nil {
				return nil, err
			}
			x[k] = f
		}
	}
	return v, nil
}

// parseBracketIDCall reads `name` id.Key `id` nameEnd `{...}` argsEnd.
func parseBracketIDCall(s string, id IDRule, nameEnd, argsEnd string) (Call, string, int, error) {
	k := strings.Index(s, id.Key)
	if nl := strings.IndexByte(s, '\n'); k <= 0 || nl >= 0 && nl < k {
		return Call{}, "", 0, newErr(CodeParse, "want tool%q…", id.Key)
	}
	at := k + len(id.Key)
	j := strings.Index(s[at:], nameEnd)
	if j < 0 {
		return Call{}, "", 0, newErr(CodeParse, "want %q after the call id", nameEnd)
	}
	if err := id.check(s[at : at+j]); err != nil {
		return Call{}, "", 0, err
	}
	ev, args, n, err := parseBracketCall(s[:k]+s[at+j:], nameEnd, argsEnd)
	if err != nil {
		return Call{}, "", 0, err
	}
	return Call{Event: ev, ID: s[at : at+j]}, args, n + at + j - k, nil
}

// parseBracketCall reads `name` nameEnd `{...}` argsEnd (the react body
// is `name[{...}]`).
func parseBracketCall(s, nameEnd, argsEnd string) (ltl.Event, string, int, error) {
	want := func() error {
		if nameEnd == "[" {
			return newErr(CodeParse, "want %s: tool[{...}]", reactAction)
		}
		return newErr(CodeParse, "want tool%q{...}%q", nameEnd, argsEnd)
	}
	br := strings.Index(s, nameEnd)
	if nl := strings.IndexByte(s, '\n'); br <= 0 || nl >= 0 && nl < br {
		return ltl.Event{}, "", 0, want()
	}
	at := br + len(nameEnd)
	n, err := jsonObjectLen(s[at:])
	if err != nil {
		return ltl.Event{}, "", 0, err
	}
	args, err := decodeArgs(s[at : at+n])
	if err != nil {
		return ltl.Event{}, "", 0, err
	}
	end := at + n
	if !strings.HasPrefix(s[end:], argsEnd) {
		if rest := strings.TrimLeft(s[end:], " "); strings.HasPrefix(rest, "{") || strings.HasPrefix(rest, "[") {
			return ltl.Event{}, "", 0, newErr(CodeParse, "col %d: data after the arguments", end+1)
		}
		return ltl.Event{}, "", 0, want()
	}
	return ltl.Event{Tool: s[:br], Args: args}, s[at:end], end + len(argsEnd), nil
}

// parsePythonCall reads `name(k=v, ...)` with Python literal values.
func parsePythonCall(line string) (ltl.Event, int, error) {
	p := &pyParser{s: line}
	name := p.ident()
	for name != "" && p.eat(".") { // a dotted callee, as BFCL writes math.factorial(...)
		part := p.ident()
		if part == "" {
			name = ""
			break
		}
		name += "." + part
	}
	if name == "" || !p.eat("(") {
		return ltl.Event{}, 0, newErr(CodeParse, "want name(...)")
	}
	args := map[string]any{}
	for !p.eat(")") {
		if len(args) > 0 && !p.eat(", ") {
			return ltl.Event{}, 0, newErr(CodeParse, "col %d: want ', ' or ')'", p.i+1)
		}
		k := p.ident()
		if k == "" || !p.eat("=") {
			return ltl.Event{}, 0, newErr(CodeParse, "col %d: want keyword=value", p.i+1)
		}
		if _, dup := args[k]; dup {
			return ltl.Event{}, 0, newErr(CodeParse, "col %d: argument %q given twice", p.i+1, k)
		}
		v, err := p.value()
		if err != nil {
			return ltl.Event{}, 0, err
		}
		args[k] = v
	}
	return ltl.Event{Tool: name, Args: args}, p.i, nil
}

type pyParser struct {
	s     string
	i     int
	depth int // nesting of [ and { around the current value
}

// maxPyDepth bounds list/dict nesting so that a hostile line cannot recurse
// the stack away (encoding/json has the same limit).
const maxPyDepth = 10000

func (p *pyParser) eat(t string) bool {
	if strings.HasPrefix(p.s[p.i:], t) {
		p.i += len(t)
		return true
	}
	return false
}

func (p *pyParser) ident() string {
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z' || j > p.i && p.s[j] >= '0' && p.s[j] <= '9') {
		j++
	}
	id := p.s[p.i:j]
	p.i = j
	return id
}

func (p *pyParser) value() (any, error) {
	if p.i < len(p.s) && (p.s[p.i] == '[' || p.s[p.i] == '{') {
		if p.depth >= maxPyDepth {
			return nil, newErr(CodeParse, "col %d: nesting deeper than the limit of %d", p.i+1, maxPyDepth)
		}
		p.depth++
		defer func() { p.depth-- }()
	}
	switch {
	case p.eat("True"):
		return true, nil
	case p.eat("False"):
		return false, nil
	case p.eat("None"):
		return nil, nil
	case p.eat("["):
		var out []any
		for !p.eat("]") {
			if len(out) > 0 && !p.eat(", ") {
				return nil, newErr(CodeParse, "col %d: want ', ' or ']'", p.i+1)
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	case p.eat("{"):
		out := map[string]any{}
		first := true
		for !p.eat("}") {
			if !first && !p.eat(", ") {
				return nil, newErr(CodeParse, "col %d: want ', ' or '}'", p.i+1)
			}
			first = false
			k, err := p.value()
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok || !p.eat(": ") {
				return nil, newErr(CodeParse, "col %d: want \"key\": value", p.i+1)
			}
			if _, dup := out[ks]; dup {
				return nil, newErr(CodeParse, "col %d: duplicate key %q", p.i+1, ks)
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out[ks] = v
		}
		return out, nil
	case p.i < len(p.s) && p.s[p.i] == '"':
		j := p.i + 1
		for j < len(p.s) && p.s[j] != '"' {
			if p.s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(p.s) {
			return nil, newErr(CodeParse, "col %d: unterminated string", p.i+1)
		}
		v, err := strictjson.ParseString(p.s[p.i:j+1], strictjson.Limits{})
		if err != nil {
			return nil, newErr(CodeParse, "col %d: %v", p.i+1, err)
		}
		p.i = j + 1
		return v.Text(), nil
	}
	j := p.i
	for j < len(p.s) && strings.IndexByte("-+.eE0123456789", p.s[j]) >= 0 {
		j++
	}
	if j == p.i {
		return nil, newErr(CodeParse, "col %d: want a value", p.i+1)
	}
	f, err := strconv.ParseFloat(p.s[p.i:j], 64)
	if err != nil {
		return nil, newErr(CodeParse, "col %d: bad number %q", p.i+1, p.s[p.i:j])
	}
	p.i = j
	return f, nil
}

var _ = bytes.Compare

func jsonUnquote(text string, s *string) error { return json.Unmarshal([]byte(text), s) }
