package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// Codes of ReadScript's and Script.Call's errors: ltl.Code values (3000
// on, above ltl's, routines' and apps'), so every diagnostic is an
// ltl.Error in an ltl.ErrorList and prints with ErrorList.FormatFiles.
const (
	ErrScriptSyntax      ltl.Code = 3000 + iota // not JSON, or not {"tools": {TOOL: [ENTRY, …]}}
	ErrScriptKey                                // an unknown key, or a key that differs from a known one only in case
	ErrScriptEntry                              // an entry without exactly one of result and error, a when that is not an object, an error that is not a string
	ErrScriptLimit                              // over Limits.MaxBytes, MaxDepth or MaxEntries
	ErrScriptUnreachable                        // an entry after a default (an entry without when): no call reaches it
	ErrScriptTool                               // a tool the spec does not have (Script.CheckTools)
	ErrNoAnswer                                 // a call no entry answers (Script.Call)
)

var scriptCodeNames = map[ltl.Code]string{
	ErrScriptSyntax: "env-syntax", ErrScriptKey: "env-key", ErrScriptEntry: "env-entry", ErrScriptLimit: "env-limit",
	ErrScriptUnreachable: "env-unreachable", ErrScriptTool: "env-tool", ErrNoAnswer: "env-no-answer",
}

// CodeName names a code of this package's, or else ltl's.
func CodeName(c ltl.Code) string {
	if n, ok := scriptCodeNames[c]; ok {
		return n
	}
	return c.String()
}

// Defaults of Limits.
const (
	DefaultMaxScriptBytes   = 8 << 20
	DefaultMaxScriptDepth   = 64
	DefaultMaxScriptEntries = 10000
)

// Limits bound a scripted environment. The zero value is the defaults.
type Limits struct {
	// MaxBytes bounds the ENV.json text (default 8 MiB; --max-input-bytes).
	MaxBytes int
	// MaxDepth bounds JSON nesting (default 64; --max-json-depth).
	MaxDepth int
	// MaxEntries bounds the entries of all tools together (default 10000;
	// --max-env-entries).
	MaxEntries int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxScriptBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxScriptDepth
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxScriptEntries
	}
	return l
}

// Script is a scripted environment, read from ENV.json:
//
//	{"tools": {"get_order": [
//	    {"when": {"order_id": "A17"}, "result": {"status": "delivered", "total": 42.5}},
//	    {"result": {"status": "placed", "total": 1}},
//	    {"error": "order service unavailable"}]}}
//
// A call of TOOL is answered by the first of TOOL's entries whose `when`
// matches the call's arguments: every argument `when` names is present in
// the call and equal to the value given, as JSON values (numbers compared
// exactly as decimals: 42.5, 42.50 and 4.25e1 are equal; objects equal
// when they have the same keys and equal values, arrays element by
// element). Arguments `when` does not name may be anything. An entry
// without `when` answers every call (the default), so an entry after it is
// an error (ErrScriptUnreachable). An entry gives `result` (any JSON
// value: the call returns it) or `error` (a string: the call fails with
// it), exactly one of them. A call no entry answers is ErrNoAnswer, naming
// the tool, its arguments and where its entries are; the run stops with it
// (it is the script's gap, not the tool's failure). Keys match exactly;
// duplicate keys are errors. Script is safe for concurrent use.
type Script struct {
	name  string
	tools map[string]*scriptTool
	order []string
}

type scriptTool struct {
	name    string
	pos     ltl.Pos // the tool's entry list
	keyPos  ltl.Pos // the tool's key
	entries []scriptEntry
}

type scriptEntry struct {
	pos    ltl.Pos
	when   *strictjson.Value // nil: the default
	result any
	fails  bool
	errMsg string
}

// ReadScript reads ENV.json (name is the file name errors give). Errors
// are an ltl.ErrorList, positioned, with this package's codes.
func ReadScript(name string, data []byte, lim Limits) (*Script, error) {
	lim = lim.withDefaults()
	lines := newLines(name, data)
	var el ltl.ErrorList
	add := func(off int, c ltl.Code, format string, a ...any) {
		if len(el) < ltl.MaxErrors {
			el = append(el, &ltl.Error{Pos: lines.pos(off), Code: c, Msg: fmt.Sprintf(format, a...)})
		}
	}
	if len(data) > lim.MaxBytes {
		add(0, ErrScriptLimit, "the environment is %d bytes, over the limit of %d (Limits.MaxBytes, --max-input-bytes)", len(data), lim.MaxBytes)
		return nil, el
	}
	root, err := strictjson.Parse(data, strictjson.Limits{MaxDepth: lim.MaxDepth})
	if err != nil {
		var je *strictjson.Error
		switch {
		case !errors.As(err, &je):
			add(0, ErrScriptSyntax, "invalid JSON: %v", err)
		case je.Code == strictjson.ErrDepth:
			add(je.Offset, ErrScriptLimit, "JSON nested deeper than the limit of %d levels (Limits.MaxDepth, --max-json-depth)", je.Limit)
		case je.Code == strictjson.ErrDuplicate:
			first := lines.pos(je.First)
			add(je.Offset, ErrScriptSyntax, "invalid JSON: %s (first at %d:%d); keys must be unique", je.Msg, first.Line, first.Column)
		default:
			add(je.Offset, ErrScriptSyntax, "invalid JSON: %s", je.Msg)
		}
		return nil, el
	}
	const shape = `want {"tools": {"TOOL": [{"when": {…}, "result": …}, {"error": "…"}, …]}}`
	if root.Kind() != strictjson.Object {
		add(root.Offset(), ErrScriptSyntax, "the environment is a JSON %s; %s", root.Kind(), shape)
		return nil, el
	}
	if !knownKeys(root, add, "tools") {
		return nil, el
	}
	tools := root.Get("tools")
	if tools == nil {
		add(root.Offset(), ErrScriptSyntax, `the environment has no "tools"; %s`, shape)
		return nil, el
	}
	if tools.Kind() != strictjson.Object {
		add(tools.Offset(), ErrScriptSyntax, `"tools" is a JSON %s; %s`, tools.Kind(), shape)
		return nil, el
	}
	s := &Script{name: name, tools: map[string]*scriptTool{}}
	total := 0
	for i := range tools.Len() {
		k, v := tools.Member(i)
		t := &scriptTool{name: k.Text(), pos: lines.pos(v.Offset()), keyPos: lines.pos(k.Offset())}
		s.tools[t.name] = t
		s.order = append(s.order, t.name)
		if v.Kind() != strictjson.Array {
			add(v.Offset(), ErrScriptSyntax, "the entries of %s are a JSON %s, not an array", quote(t.name), v.Kind())
			continue
		}
		if v.Len() == 0 {
			add(v.Offset(), ErrScriptEntry, "%s has no entries: no call of it could be answered", quote(t.name))
		}
		total += v.Len()
		if total > lim.MaxEntries {
			add(v.Offset(), ErrScriptLimit, "more than %d entries (Limits.MaxEntries, --max-env-entries)", lim.MaxEntries)
			return nil, el
		}
		defaultAt := -1
		for j := range v.Len() {
			e := v.Elem(j)
			if e.Kind() != strictjson.Object {
				add(e.Offset(), ErrScriptEntry, "entry %d of %s is a JSON %s, not an object", j+1, quote(t.name), e.Kind())
				continue
			}
			if !knownKeys(e, add, "when", "result", "error") {
				continue
			}
			en := scriptEntry{pos: lines.pos(e.Offset())}
			if defaultAt >= 0 {
				add(e.Offset(), ErrScriptUnreachable, "entry %d of %s is never used: entry %d has no \"when\" and answers every call first", j+1, quote(t.name), defaultAt+1)
			}
			if w := e.Get("when"); w != nil {
				if w.Kind() != strictjson.Object {
					add(w.Offset(), ErrScriptEntry, `"when" of entry %d of %s is a JSON %s; it must be an object of argument values`, j+1, quote(t.name), w.Kind())
					continue
				}
				en.when = w
			} else if defaultAt < 0 {
				defaultAt = j
			}
			r, er := e.Get("result"), e.Get("error")
			switch {
			case r != nil && er != nil:
				add(er.Offset(), ErrScriptEntry, `entry %d of %s has both "result" and "error"; give one`, j+1, quote(t.name))
				continue
			case r == nil && er == nil:
				add(e.Offset(), ErrScriptEntry, `entry %d of %s has neither "result" nor "error"`, j+1, quote(t.name))
				continue
			case er != nil:
				if er.Kind() != strictjson.String {
					add(er.Offset(), ErrScriptEntry, `"error" of entry %d of %s is a JSON %s; it must be a string`, j+1, quote(t.name), er.Kind())
					continue
				}
				en.fails, en.errMsg = true, er.Text()
			default:
				en.result = r.Any()
			}
			t.entries = append(t.entries, en)
		}
	}
	if len(el) > 0 {
		sort.SliceStable(el, func(i, j int) bool { return el[i].Pos.Offset < el[j].Pos.Offset })
		return nil, el
	}
	return s, nil
}

// knownKeys reports keys of obj other than known (ErrScriptKey), a key
// differing from a known one only in case said so; false if any.
func knownKeys(obj *strictjson.Value, add func(int, ltl.Code, string, ...any), known ...string) bool {
	ok := true
	for i := range obj.Len() {
		k, _ := obj.Member(i)
		found := false
		for _, w := range known {
			if k.Text() == w {
				found = true
			}
		}
		if found {
			continue
		}
		ok = false
		for _, w := range known {
			if strings.EqualFold(k.Text(), w) {
				add(k.Offset(), ErrScriptKey, "key %s differs from %q only in case; keys match exactly", quote(k.Text()), w)
				found = true
			}
		}
		if !found {
			add(k.Offset(), ErrScriptKey, "unknown key %s (known: %s)", quote(k.Text()), strings.Join(known, ", "))
		}
	}
	return ok
}

// Tools are the tools the script answers, in file order.
func (s *Script) Tools() []string { return append([]string(nil), s.order...) }

// CheckTools reports the script's tools that are not among tools (the
// spec's), at their keys: an entry for a tool the spec cannot call is a
// mistake (a misspelt name), never silently unused.
func (s *Script) CheckTools(tools []string) error {
	have := map[string]bool{}
	for _, t := range tools {
		have[t] = true
	}
	var el ltl.ErrorList
	for _, name := range s.order {
		if !have[name] {
			t := s.tools[name]
			el = append(el, &ltl.Error{Pos: t.keyPos, Code: ErrScriptTool, Msg: fmt.Sprintf("the environment scripts %s, which the spec does not have (its tools: %s)", quote(name), strings.Join(tools, ", "))})
		}
	}
	if len(el) > 0 {
		return el
	}
	return nil
}

// Call answers a call from the script: the first matching entry's result,
// or its error as the call's failure. A call no entry answers is an
// Abort-ed ltl.ErrorList with ErrNoAnswer: the run stops.
func (s *Script) Call(_ context.Context, name string, args map[string]any) (any, error) {
	t := s.tools[name]
	if t == nil {
		return nil, Abort(ltl.ErrorList{&ltl.Error{Pos: ltl.Pos{Filename: s.name, Line: 1, Column: 1}, Code: ErrNoAnswer,
			Msg: fmt.Sprintf("the environment has no entries for %s; the model called %s(%s) (add \"%s\": [{\"result\": …}] to \"tools\")", quote(name), name, argsJSON(args), name)}})
	}
	for _, e := range t.entries {
		if e.when != nil && !matches(e.when, args) {
			continue
		}
		if e.fails {
			return nil, errors.New(e.errMsg)
		}
		return e.result, nil
	}
	return nil, Abort(ltl.ErrorList{&ltl.Error{Pos: t.pos, Code: ErrNoAnswer,
		Msg: fmt.Sprintf("no entry of %s answers the call %s(%s): each has a \"when\" that does not match (add an entry without \"when\" as the default)", quote(name), name, argsJSON(args))}})
}

// matches reports whether every argument when names is in args with an
// equal JSON value.
func matches(when *strictjson.Value, args map[string]any) bool {
	for i := range when.Len() {
		k, v := when.Member(i)
		a, ok := args[k.Text()]
		if !ok || !jsonEqual(v, a) {
			return false
		}
	}
	return true
}

// jsonEqual compares a script value with a call's argument value (decoded
// JSON: json.Number or Go numbers, strings, bools, nil, []any,
// map[string]any), numbers exactly as decimals.
func jsonEqual(v *strictjson.Value, a any) bool {
	switch v.Kind() {
	case strictjson.Null:
		return a == nil
	case strictjson.Bool:
		b, ok := a.(bool)
		return ok && b == (v.Text() == "true")
	case strictjson.String:
		s, ok := a.(string)
		return ok && s == v.Text()
	case strictjson.Number:
		n, isNum, err := ltl.NumberOf(a)
		if !isNum || err != nil {
			return false
		}
		w, err := ltl.ParseNumber(v.Text())
		return err == nil && w.Cmp(n) == 0
	case strictjson.Array:
		xs, ok := a.([]any)
		if !ok || len(xs) != v.Len() {
			return false
		}
		for i := range xs {
			if !jsonEqual(v.Elem(i), xs[i]) {
				return false
			}
		}
		return true
	case strictjson.Object:
		m, ok := a.(map[string]any)
		if !ok || len(m) != v.Len() {
			return false
		}
		for i := range v.Len() {
			k, x := v.Member(i)
			y, ok := m[k.Text()]
			if !ok || !jsonEqual(x, y) {
				return false
			}
		}
		return true
	}
	return false
}

func argsJSON(args map[string]any) string {
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Sprint(args)
	}
	return string(b)
}

func quote(s string) string { return strconv.Quote(s) }

// abortError ends a run instead of being a call's failure.
type abortError struct{ err error }

func (e *abortError) Error() string { return e.err.Error() }
func (e *abortError) Unwrap() error { return e.err }

// Abort wraps err so that, returned by Tools.Call, it ends the run (Run
// returns it) instead of being the call's outcome `fails`: for the
// environment's own failures, such as a script with no answer.
func Abort(err error) error { return &abortError{err} }

// lines maps byte offsets to positions (columns count runes, as ltl's).
type lines struct {
	name   string
	data   []byte
	starts []int
	// The last position, so that positions read in order cost the text
	// between them, never the whole line again (a minified file is one
	// line).
	lastOff, lastLine, lastCol int
}

func newLines(name string, data []byte) *lines {
	l := &lines{name: name, data: data, starts: []int{0}, lastOff: -1}
	for i, c := range data {
		if c == '\n' {
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

func (l *lines) pos(off int) ltl.Pos {
	off = max(0, min(off, len(l.data)))
	line := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off })
	start := l.starts[line-1]
	from, col := start, 1
	if l.lastOff >= start && l.lastOff <= off && l.lastLine == line {
		from, col = l.lastOff, l.lastCol
	}
	col += utf8.RuneCount(l.data[from:off])
	l.lastOff, l.lastLine, l.lastCol = off, line, col
	return ltl.Pos{Filename: l.name, Offset: off, Line: line, Column: col}
}
