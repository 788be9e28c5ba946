package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ardanlabs/jinja"
)

// Piece is a run of rendered text: Markup is the template's own text (its
// literals, bos_token, eos_token), which a tokenizer may parse for special
// tokens; the rest came from the conversation and must be tokenized as
// plain text.
type Piece struct {
	Text   string
	Markup bool
}

// Rendered is a conversation rendered by a template.
type Rendered struct {
	Pieces []Piece
}

// String is the rendered text, byte for byte what transformers' rendering
// would print.
func (r Rendered) String() string {
	var b strings.Builder
	for _, p := range r.Pieces {
		b.WriteString(p.Text)
	}
	return b.String()
}

// Template is a compiled chat template.
type Template struct {
	name string
	tmpl *jinja.Template
}

// TemplateLimits bounds what Compile accepts.
type TemplateLimits struct {
	MaxBytes int // default 1 MiB
}

const defaultMaxTemplateBytes = 1 << 20

// Compile compiles a chat template; name (a file or "model.gguf:
// tokenizer.chat_template") is what errors call it.
func Compile(name, src string, lim TemplateLimits) (t *Template, err error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = defaultMaxTemplateBytes
	}
	if len(src) > lim.MaxBytes {
		return nil, &Error{Code: ErrLimit, File: name, Msg: fmt.Sprintf("template is %d bytes, over the limit of %d (TemplateLimits.MaxBytes, --max-template-bytes)", len(src), lim.MaxBytes)}
	}
	tmplErr := func(format string, args ...any) *Error {
		return &Error{Code: ErrTemplate, File: name, Msg: fmt.Sprintf(format, args...)}
	}
	if !utf8.ValidString(src) {
		return nil, tmplErr("template is not valid UTF-8")
	}
	segs, err := scanSegments(src)
	if err != nil {
		return nil, tmplErr("%v", err)
	}
	var b strings.Builder
	for _, s := range segs {
		text := s.text
		switch s.kind {
		case segExpr, segTag:
			if s.kind == segTag && tagWord(text) == "for" && strings.Contains(text, "recursive") {
				return nil, tmplErr("recursive for-loops are not supported (their depth cannot be bounded)")
			}
			if text, err = rewriteTojson(text); err != nil {
				return nil, tmplErr("%v", err)
			}
			if n := len(text); text[2] == '+' || text[n-3] == '+' {
				return nil, tmplErr("the + whitespace modifier is not supported by the engine (in %q)", clip(text))
			}
			if m := findMutator(text); m != "" {
				return nil, tmplErr("calls %s, which transformers' immutable sandbox forbids", m)
			}
			if s.kind == segTag && tagWord(text) == "set" {
				text = guardNamespaceSet(text)
			}
			// transformers' {% generation %} marks the assistant's part
			// and renders its body as it is; a block that always runs
			// has the same whitespace behaviour.
			if s.kind == segTag && (tagWord(text) == "generation" || tagWord(text) == "endgeneration") {
				word, repl := "generation", "if true"
				if tagWord(text) == "endgeneration" {
					word, repl = "endgeneration", "endif"
				}
				i := strings.Index(text, word)
				text = text[:i] + repl + text[i+len(word):]
			}
		}
		// Macro calls are counted, so that a macro calling itself is an
		// error and not a Go stack overflow, which no recover can catch.
		// The counters are expressions printing nothing: the engine's
		// whitespace control skips over expressions, so they change
		// nothing around them.
		if s.kind == segTag && tagWord(text) == "endmacro" {
			b.WriteString("{{ " + macroLeave + "() }}")
		}
		b.WriteString(text)
		if s.kind == segTag && tagWord(text) == "macro" {
			b.WriteString("{{ " + macroEnter + "() }}")
		}
	}
	if err := checkWhitespace(segs); err != nil {
		return nil, tmplErr("%v", err)
	}
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, tmplErr("the engine failed on this template: %v", r)
		}
	}()
	jt, err := jinja.Compile(b.String())
	if err != nil {
		return nil, tmplErr("%v", err)
	}
	return &Template{name: name, tmpl: jt}, nil
}

const (
	macroEnter    = "__chat_macro_enter"
	macroLeave    = "__chat_macro_leave"
	maxMacroDepth = 64
	maxMacroCalls = 100000
	maxAssignWalk = 1000000 // values looked at by namespace assignments, per render
)

// Name is the name the template was compiled with.
func (t *Template) Name() string { return t.name }

// Options are what transformers passes a template besides the messages.
type Options struct {
	BOS, EOS string // bos_token, eos_token (markup)
	// NoGenerationPrompt clears add_generation_prompt (set by default: the
	// rendering ends where the model's next assistant message begins).
	NoGenerationPrompt bool
	// Now is the clock strftime_now reads; nil is time.Now.
	Now func() time.Time
	// Kwargs are extra template variables, such as enable_thinking. Values
	// are bool, int, or string (strings are markup: they come from the
	// caller, not the conversation).
	Kwargs map[string]any
	// MaxOutputBytes bounds the rendered text; default 16 MiB.
	MaxOutputBytes int
}

const (
	defaultMaxOutputBytes = 16 << 20
	maxRange              = 100000 // Jinja2's sandbox refuses larger ranges
)

// raised is the error raise_exception returns.
type raised struct{ msg string }

func (r *raised) Error() string { return r.msg }

// Render renders c as transformers does: messages, tools (none when
// absent), documents (none), add_generation_prompt, bos_token, eos_token
// and the kwargs, with raise_exception, strftime_now and a tojson that
// keeps key order and prints like Python's json.dumps(ensure_ascii=False).
//
// The template is rendered twice: once with every untrusted string and
// float replaced by a sentinel, which says where content lands, and once
// with the real values. Render returns the pieces only when substituting
// the content (as it is, or trimmed where the template trims it) into the
// first gives exactly the second; otherwise the template looked inside
// content (split it, sliced it, compared it with a literal) and Render
// fails with ErrContentInspected rather than guess which bytes are content.
func (t *Template) Render(c Conversation, o Options) (Rendered, error) {
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = defaultMaxOutputBytes
	}
	for _, s := range []string{o.BOS, o.EOS} {
		if hasSentinelText(s) {
			return Rendered{}, &Error{Code: ErrMessage, Msg: "bos/eos token text holds a private-use character this package reserves"}
		}
	}
	// A first conversion collects the strings, a second numbers them in
	// sorted order.
	first := newSlots()
	if _, err := t.data(c, o, converter{slots: first}); err != nil {
		return Rendered{}, err
	}
	sl := first.sorted()
	sentData, err := t.data(c, o, converter{slots: sl})
	if err != nil {
		return Rendered{}, err
	}
	realData, err := t.data(c, o, converter{})
	if err != nil {
		return Rendered{}, err
	}
	realOut, err := t.run(realData, o)
	if err != nil {
		return Rendered{}, err
	}
	sentOut, err := t.run(sentData, o)
	if err != nil {
		// The real values rendered, so the template branched on content.
		return Rendered{}, &Error{Code: ErrContentInspected, File: t.name, Msg: "the template fails when content is hidden from it, so it inspects content: " + err.(*Error).Msg}
	}
	// The engine prints a dict as Python's repr would, and adds a string
	// to a list without complaint, where Jinja2 raises. A content part
	// (or any object from the conversation) printed as text is therefore
	// what transformers refuses or prints as a Python literal; neither is
	// a prompt a model was trained on.
	if strings.Contains(sentOut, "': '"+sentOpen) {
		return Rendered{}, &Error{Code: ErrRender, File: t.name, Msg: "the template prints a content part or another object of the conversation as text (transformers fails on this or prints a Python literal); give this template string content"}
	}
	items, err := sl.parse(sentOut)
	if err != nil {
		return Rendered{}, &Error{Code: ErrContentInspected, File: t.name, Msg: err.Error()}
	}
	pieces, ok := sl.assemble(items, realOut)
	if !ok {
		return Rendered{}, &Error{Code: ErrContentInspected, File: t.name, Msg: "the template's output depends on message content beyond copying or trimming it (it splits, slices or compares it), so which bytes are content cannot be told"}
	}
	return Rendered{Pieces: pieces}, nil
}

func (t *Template) data(c Conversation, o Options, conv converter) (map[string]jinja.Value, error) {
	msgs := make([]jinja.Value, len(c.Messages))
	for i, m := range c.Messages {
		v, err := conv.message(t.name, i, m)
		if err != nil {
			return nil, err
		}
		msgs[i] = v
	}
	tools := jinja.None()
	if c.Tools != nil {
		items := make([]jinja.Value, len(c.Tools))
		for i, tl := range c.Tools {
			items[i] = conv.tool(tl)
		}
		tools = jinja.NewList(items)
	}
	d := map[string]jinja.Value{
		"messages":              jinja.NewList(msgs),
		"tools":                 tools,
		"documents":             jinja.None(),
		"add_generation_prompt": jinja.NewBool(!o.NoGenerationPrompt),
		"bos_token":             jinja.NewString(o.BOS),
		"eos_token":             jinja.NewString(o.EOS),
	}
	for k, v := range o.Kwargs {
		if _, taken := d[k]; taken || !plainName.MatchString(k) {
			return nil, &Error{Code: ErrMessage, Msg: fmt.Sprintf("template variable %q is reserved or not a plain name", k)}
		}
		switch x := v.(type) {
		case bool:
			d[k] = jinja.NewBool(x)
		case int:
			d[k] = jinja.NewInt(int64(x))
		case string:
			if hasSentinelText(x) {
				return nil, &Error{Code: ErrMessage, Msg: fmt.Sprintf("template variable %q holds a private-use character this package reserves", k)}
			}
			d[k] = jinja.NewString(x)
		default:
			return nil, &Error{Code: ErrMessage, Msg: fmt.Sprintf("template variable %q: want bool, int or string, not %T", k, v)}
		}
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var rangeLeft int64 = 10 * maxRange
	depth, calls := 0, 0
	walkLeft := maxAssignWalk
	d[macroEnter] = jinja.NewCallable(macroEnter, func([]jinja.Value, map[string]jinja.Value) (jinja.Value, error) {
		depth++
		calls++
		if depth > maxMacroDepth || calls > maxMacroCalls {
			return jinja.Undefined(), fmt.Errorf("macro calls nested deeper than %d or more than %d in all: the template recurses without end", maxMacroDepth, maxMacroCalls)
		}
		return jinja.NewString(""), nil
	})
	d[acyclicGlobal] = jinja.NewCallable(acyclicGlobal, func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
		if len(args) != 2 {
			return jinja.Undefined(), fmt.Errorf("%s: want 2 arguments", acyclicGlobal)
		}
		if args[0].IsDict() {
			hit, err := reaches(args[1], args[0].AsDict(), map[*jinja.Dict]bool{}, &walkLeft)
			if err != nil {
				return jinja.Undefined(), err
			}
			if hit {
				return jinja.Undefined(), fmt.Errorf("a namespace would contain itself")
			}
		}
		return args[1], nil
	})
	d[macroLeave] = jinja.NewCallable(macroLeave, func([]jinja.Value, map[string]jinja.Value) (jinja.Value, error) {
		depth--
		return jinja.NewString(""), nil
	})
	d["raise_exception"] = jinja.NewCallable("raise_exception", func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
		msg := ""
		if len(args) > 0 {
			msg = printed(args[0])
		}
		return jinja.Undefined(), &raised{msg: msg}
	})
	d["strftime_now"] = jinja.NewCallable("strftime_now", func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
		if len(args) != 1 || !args[0].IsString() {
			return jinja.Undefined(), fmt.Errorf("strftime_now takes one format string")
		}
		s, err := strftime(now(), args[0].AsString())
		return jinja.NewString(s), err
	})
	d["range"] = jinja.NewCallable("range", func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
		var start, stop, step int64 = 0, 0, 1
		for _, a := range args {
			if !a.IsInt() {
				return jinja.Undefined(), fmt.Errorf("range: want integers")
			}
		}
		switch len(args) {
		case 1:
			stop = args[0].AsInt()
		case 2:
			start, stop = args[0].AsInt(), args[1].AsInt()
		case 3:
			start, stop, step = args[0].AsInt(), args[1].AsInt(), args[2].AsInt()
		default:
			return jinja.Undefined(), fmt.Errorf("range: want 1 to 3 arguments")
		}
		if step == 0 {
			return jinja.Undefined(), fmt.Errorf("range: step must not be zero")
		}
		var n int64
		if step > 0 && stop > start {
			n = (stop - start + step - 1) / step
		} else if step < 0 && stop < start {
			n = (start - stop - step - 1) / -step
		}
		if n > maxRange || n > rangeLeft {
			return jinja.Undefined(), fmt.Errorf("range: %d items is over the sandbox's limit of %d per range and %d per render", n, maxRange, 10*maxRange)
		}
		rangeLeft -= n
		items := make([]jinja.Value, n)
		for i := range items {
			items[i] = jinja.NewInt(start + int64(i)*step)
		}
		return jinja.NewList(items), nil
	})
	d[tojsonGlobal] = jinja.NewCallable("tojson", func(args []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
		if len(args) == 0 {
			return jinja.Undefined(), fmt.Errorf("tojson: no value")
		}
		// Positional arguments after the value are tojson(indent).
		if len(args) > 1 {
			if kwargs == nil {
				kwargs = map[string]jinja.Value{}
			}
			kwargs["indent"] = args[1]
		}
		opts, err := parseTojsonOptions(kwargs)
		if err != nil {
			return jinja.Undefined(), err
		}
		opts.slots = conv.slots
		var b strings.Builder
		if err := pyTojson(&b, args[0], &opts, 0); err != nil {
			return jinja.Undefined(), err
		}
		return jinja.NewString(b.String()), nil
	})
	return d, nil
}

// printed is what {{ v }} prints.
func printed(v jinja.Value) string {
	if v.IsString() {
		return v.AsString()
	}
	return v.String()
}

func (t *Template) run(data map[string]jinja.Value, o Options) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", &Error{Code: ErrRender, File: t.name, Msg: fmt.Sprintf("the engine failed: %v", r)}
		}
	}()
	out, err = t.tmpl.RenderValues(data)
	if err != nil {
		var r *raised
		if errors.As(err, &r) {
			return "", &Error{Code: ErrRaised, File: t.name, Msg: "template raised: " + r.msg}
		}
		return "", &Error{Code: ErrRender, File: t.name, Msg: err.Error()}
	}
	if o.MaxOutputBytes <= 0 {
		o.MaxOutputBytes = defaultMaxOutputBytes
	}
	if len(out) > o.MaxOutputBytes {
		return "", &Error{Code: ErrLimit, File: t.name, Msg: fmt.Sprintf("rendered text is %d bytes, over the limit of %d (Options.MaxOutputBytes)", len(out), o.MaxOutputBytes)}
	}
	return out, nil
}
