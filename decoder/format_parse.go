package decoder

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// Parse reads text written in format f back into events. It is independent
// of the byte automaton (it uses internal/strictjson and a small
// Python-literal reader) so that tests can check the decoder's output through it. The text
// must be complete: every event ends with its newline. Errors name the line.
func (f Format) Parse(text []byte) ([]ltl.Event, error) {
	var events []ltl.Event
	if len(text) > 0 && text[len(text)-1] != '\n' {
		return nil, newErr(CodeParse, "text does not end with a newline (incomplete event)")
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(text) == 0 {
		lines = nil
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		lineNo := i + 1
		if f == FormatHermes && line == "<tool_call>" {
			if i+2 >= len(lines) || lines[i+2] != "</tool_call>" {
				return nil, newErr(CodeParse, "line %d: <tool_call> without a JSON line and </tool_call>", lineNo)
			}
			ev, err := parseJSONCall(lines[i+1])
			if err != nil {
				return nil, atLine(lineNo+1, err)
			}
			events = append(events, ev)
			i += 2
			continue
		}
		if f == FormatReAct && strings.HasPrefix(line, reactAction+": ") {
			rest := line[len(reactAction)+2:]
			br := strings.IndexByte(rest, '[')
			if br <= 0 || !strings.HasSuffix(rest, "]") {
				return nil, newErr(CodeParse, "line %d: want %s: tool[{...}]", lineNo, reactAction)
			}
			args, err := decodeArgs(rest[br+1 : len(rest)-1])
			if err != nil {
				return nil, atLine(lineNo, err)
			}
			events = append(events, ltl.Event{Tool: rest[:br], Args: args})
			continue
		}
		if label, txt, ok := splitStep(line); ok {
			events = append(events, ltl.Event{Step: stepName(label), Text: txt})
			continue
		}
		switch f {
		case FormatJSON:
			ev, err := parseJSONCall(line)
			if err != nil {
				return nil, atLine(lineNo, err)
			}
			events = append(events, ev)
		case FormatPythonic:
			ev, err := parsePythonCall(line)
			if err != nil {
				return nil, atLine(lineNo, err)
			}
			events = append(events, ev)
		default:
			return nil, newErr(CodeParse, "line %d: not a step or a call: %q", lineNo, line)
		}
	}
	return events, nil
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

func parseJSONCall(line string) (ltl.Event, error) {
	v, err := strictjson.ParseString(line, strictjson.Limits{})
	if err != nil {
		var je *strictjson.Error
		if errors.As(err, &je) && je.Code == strictjson.ErrTrailing {
			return ltl.Event{}, newErr(CodeParse, "col %d: text after the call", je.Offset+1)
		}
		return ltl.Event{}, err
	}
	if v.Kind() != strictjson.Object {
		return ltl.Event{}, newErr(CodeParse, "a call is a JSON object, not a JSON %s", v.Kind())
	}
	for i := range v.Len() {
		if k, _ := v.Member(i); k.Text() != "name" && k.Text() != "arguments" {
			return ltl.Event{}, newErr(CodeParse, "col %d: unknown field %q in a call (only \"name\" and \"arguments\")", k.Offset()+1, k.Text())
		}
	}
	name, args := v.Get("name"), v.Get("arguments")
	if name == nil || name.Kind() != strictjson.String || name.Text() == "" || args == nil {
		return ltl.Event{}, newErr(CodeParse, "a call needs \"name\" and \"arguments\"")
	}
	if args.Kind() != strictjson.Object {
		return ltl.Event{}, newErr(CodeParse, "arguments are not an object")
	}
	m, err := floats(args.Map())
	if err != nil {
		return ltl.Event{}, err
	}
	return ltl.Event{Tool: name.Text(), Args: m.(map[string]any)}, nil
}

// parsePythonCall reads `name(k=v, ...)` with Python literal values.
func parsePythonCall(line string) (ltl.Event, error) {
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
		return ltl.Event{}, newErr(CodeParse, "want name(...)")
	}
	args := map[string]any{}
	for !p.eat(")") {
		if len(args) > 0 && !p.eat(", ") {
			return ltl.Event{}, newErr(CodeParse, "col %d: want ', ' or ')'", p.i+1)
		}
		k := p.ident()
		if k == "" || !p.eat("=") {
			return ltl.Event{}, newErr(CodeParse, "col %d: want keyword=value", p.i+1)
		}
		v, err := p.value()
		if err != nil {
			return ltl.Event{}, err
		}
		args[k] = v
	}
	if p.i != len(p.s) {
		return ltl.Event{}, newErr(CodeParse, "col %d: text after the call", p.i+1)
	}
	return ltl.Event{Tool: name, Args: args}, nil
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
