package decoder

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format is a call syntax: how events are written on the wire. A Format is
// a FormatSpec (plain data) checked by NewFormat; the built-in ones are the
// Format* variables and the native families in formats_native.go. The zero
// Format is no format. Formats compare equal when they are the same value.
//
// The four formats that are the project's own write a non-call step as one
// line `Label: free text\n`, Label being the step name with its first
// letter upper-cased (`Thought: ...`); the free text is valid UTF-8 without
// newline or control bytes other than tab. Calls, with exactly the single
// spaces shown (no other whitespace):
//
//	json:     {"name": "search", "arguments": {"q": "x", "n": 3}}\n
//	hermes:   <tool_call>\n{"name": "search", "arguments": {"q": "x"}}\n</tool_call>\n
//	pythonic: search(q="x", n=3)\n   (Python literals: True, False, None, [..], {"k": v})
//	react:    Action: search[{"q": "x"}]\n
//
// Native formats (a model family's own) write calls exactly as the family's
// chat template renders an assistant message's tool_calls; see FormatSpec
// for what can vary and formats_native.go for each family.
type Format struct{ d *FormatSpec }

// ArgStyle is how a call's name and arguments are spelled.
type ArgStyle uint8

const (
	// ArgsJSON: {"<NameKey>": "tool", "<ArgsKey>": {...}} (and the id, see IDRule).
	ArgsJSON ArgStyle = iota + 1
	// ArgsPython: tool(k=v, ...) with Python literals. Python keywords
	// (`from`, `class`, even `None`) are written as plain argument names:
	// the reader is lexical, as the pythonic tool-call readers of inference
	// servers that use regular expressions are, not Python's own parser.
	ArgsPython
	// ArgsBracket: tool, NameEnd, {...}, ArgsEnd: ReAct's `tool[{...}]`
	// (NameEnd and ArgsEnd default to "[" and "]"), DeepSeek's
	// "tool\n```json\n{...}\n```".
	ArgsBracket
)

// IDRule is how the model writes a call's id, if it writes one.
type IDRule struct {
	// Key is, for ArgsJSON, the JSON key written after the arguments
	// ("id"); for ArgsBracket, the text between the name and the id (the
	// id then comes right before NameEnd: Mistral v11's
	// `name[CALL_ID]id[ARGS]{…}`). "" means the model writes no id and the
	// caller assigns them (Call.ID stays "").
	Key string
	// Len is the id's exact length in bytes, Alphabet its allowed bytes
	// (ASCII). Mistral: 9 of [a-zA-Z0-9].
	Len      int
	Alphabet string
}

// ThinkBlock is a reasoning block the model writes at the start of its
// message, before any other event: Open, free text (newlines allowed, Close
// never), Close. It is the step kind Step (a spec declares it, `steps
// think`), never parsed as calls.
type ThinkBlock struct {
	Step        string
	Open, Close string
	// InPrompt: the generation prompt ends with Open (DeepSeek R1's ends
	// `<think>\n`), so a message starts inside the block: it is the text
	// and Close, then the rest of the message. A message with anything in
	// it starts with the block; an empty one is allowed where the spec
	// allows the turn to end.
	InPrompt bool
}

// open is the text the model writes to open the block.
func (t *ThinkBlock) open() string {
	if t.InPrompt {
		return ""
	}
	return t.Open
}

// FormatSpec describes a call format as data, so that a new model family
// is a new value, not new decoder code. A model message (one turn) is:
// an optional think block; then events, each a step line or a call. Calls
// are each CallOpen + body (Args) + CallClose; with ListOpen set, the calls
// of one message share one wrapper ListOpen call (ListSep call)* ListClose
// and nothing follows it in the message; without it, CallSep separates a
// call from the event after it in the same message.
type FormatSpec struct {
	Name string
	Args ArgStyle
	// NameKey and ArgsKey are the JSON keys of ArgsJSON ("name",
	// "arguments" or "parameters"). Unused otherwise.
	NameKey, ArgsKey string
	// NameEnd and ArgsEnd are the texts after the name and after the
	// arguments of ArgsBracket ("" : "[" and "]").
	NameEnd, ArgsEnd string
	ID               IDRule
	// CallOpen and CallClose surround each call's body.
	CallOpen, CallClose string
	// ListOpen, ListSep, ListClose wrap all calls of a message (Mistral's
	// `[TOOL_CALLS][` `, ` `]`); empty ListOpen: calls are not wrapped.
	ListOpen, ListSep, ListClose string
	// CallSep is written between a call and the next event of the same
	// message (Qwen's template joins calls with "\n").
	CallSep string
	// Single: at most one call per message, and nothing after it (Llama
	// 3.1's template refuses several).
	Single bool
	// StepsAfterCalls allows a step line after a call in the same message
	// (always true in effect for the project's own line formats).
	StepsAfterCalls bool
	// CallsOnly: a message with calls holds nothing but its calls, no step
	// line before them. The family's templates print only the calls of an
	// assistant message with tool_calls and drop its content (Llama 3.1,
	// Mistral-Nemo, Mistral-Small 3.x), so text written before a call
	// would not be in the conversation the model sees next. Steps still
	// make messages of their own (the answer). Not with a think block.
	CallsOnly bool
	// TojsonNumbers writes every number of the arguments as Python's
	// json.dumps prints it (what a template's tojson reprints when the
	// call goes back as tool_calls): no trailing zeros in a fraction
	// other than ".0", no "-0", nothing between 0 and 1e-4 in magnitude.
	// Then the conversation put back is byte for byte what the model wrote.
	TojsonNumbers bool
	// ReservedLabel is a step label the calls use ("Action" in react): no
	// step kind may be written with it.
	ReservedLabel string
	// Think, if set, is the family's reasoning block.
	Think *ThinkBlock
	// Special lists markers (substrings of the texts above) that are one
	// special token in the family's vocabularies. Where IndexOptions.Markers
	// maps a marker to its token, the decoder writes the marker only as
	// that token (the model was trained on it); untrusted text, tokenized
	// without special tokens, never produces it.
	Special []string
	// Chat are the chat template families this format is the native one
	// of, as chat.DetectToolCallFormat names them ("hermes", "mistral", …;
	// FormatForChat). Plain strings: the decoder does not import chat.
	Chat []string
	// TemplateHint, if set, is a text whose presence in a chat template
	// selects this format over the others of the same Chat family
	// (FormatForTemplate).
	TemplateHint string
	// Doc is one line for --help and docs.
	Doc string
}

// Built-in formats. The first four are the project's own line formats.
var (
	FormatJSON     = mustFormat(FormatSpec{Name: "json", Args: ArgsJSON, NameKey: "name", ArgsKey: "arguments", CallClose: "\n", StepsAfterCalls: true, Doc: `{"name": …, "arguments": {…}} per line`})
	FormatHermes   = mustFormat(FormatSpec{Name: "hermes", Args: ArgsJSON, NameKey: "name", ArgsKey: "arguments", CallOpen: "<tool_call>\n", CallClose: "\n</tool_call>\n", StepsAfterCalls: true, Doc: "<tool_call> blocks, each followed by a newline"})
	FormatPythonic = mustFormat(FormatSpec{Name: "pythonic", Args: ArgsPython, CallClose: "\n", StepsAfterCalls: true, Doc: "tool(k=v, …) per line"})
	FormatReAct    = mustFormat(FormatSpec{Name: "react", Args: ArgsBracket, CallOpen: reactAction + ": ", CallClose: "\n", ReservedLabel: reactAction, StepsAfterCalls: true, Doc: "Action: tool[{…}] lines"})
)

// registry holds the built-in formats in order of registration.
var registry []Format

func mustFormat(s FormatSpec) Format {
	f, err := NewFormat(s)
	if err != nil {
		panic(err)
	}
	registry = append(registry, f)
	return f
}

// NewFormat checks a format description: the parts that delimit events
// must keep event texts prefix-free (each one ends where a reader can tell,
// without looking further), and the keys and ids must be writable.
func NewFormat(s FormatSpec) (Format, error) {
	bad := func(msg string, a ...any) (Format, error) {
		return Format{}, newErr(CodeFormat, "format %q: "+msg, append([]any{s.Name}, a...)...)
	}
	if s.Name == "" || !utf8.ValidString(s.Name) {
		return bad("a format needs a name")
	}
	switch s.Args {
	case ArgsJSON:
		if s.NameKey == "" || s.ArgsKey == "" || s.NameKey == s.ArgsKey || s.ID.Key == s.NameKey || s.ID.Key == s.ArgsKey {
			return bad("JSON calls need distinct name, arguments and id keys")
		}
	case ArgsBracket:
		if s.NameEnd == "" && s.ArgsEnd != "" {
			return bad("bracket calls with an ArgsEnd need a NameEnd")
		}
	case ArgsPython:
		if s.ID.Key != "" {
			return bad("only JSON calls carry an id")
		}
	default:
		return bad("unknown argument style %d", s.Args)
	}
	if s.ID.Key != "" && (s.ID.Len <= 0 || s.ID.Len > 64 || s.ID.Alphabet == "") {
		return bad("an id needs a length (1..64) and an alphabet")
	}
	for i := 0; i < len(s.ID.Alphabet); i++ {
		if c := s.ID.Alphabet[i]; c <= ' ' || c >= 0x7F || c == '"' || c == '\\' {
			return bad("id alphabet byte %q must be printable ASCII other than quote and backslash", c)
		}
	}
	if s.ListOpen == "" && (s.ListSep != "" || s.ListClose != "") || s.ListOpen != "" && (s.ListSep == "" || s.ListClose == "") {
		return bad("ListOpen, ListSep and ListClose go together")
	}
	if s.ListOpen != "" && s.CallSep != "" {
		return bad("a list format separates calls with ListSep, not CallSep")
	}
	// A call must end in a way the reader sees: a closing text, or (JSON and
	// pythonic bodies end at their closing bracket) nothing.
	if s.CallsOnly && (s.Think != nil || s.StepsAfterCalls) {
		return bad("CallsOnly goes with neither a think block nor StepsAfterCalls")
	}
	if s.Think != nil {
		t := s.Think
		if t.Open == "" || t.Close == "" || !isIdent(t.Step) || stepName(StepLabel(t.Step)) != t.Step {
			return bad("a think block needs an open and a close text and a step name")
		}
	}
	texts := strings.Join([]string{s.CallOpen, s.CallClose, s.ListOpen, s.ListSep, s.ListClose, s.CallSep, s.NameEnd, s.ArgsEnd, s.ID.Key}, "\x00")
	for _, m := range s.Special {
		if m == "" || !strings.Contains(texts, m) {
			return bad("special marker %q is not part of the call texts", m)
		}
	}
	if t := s.Think; t != nil {
		for i := 0; i < len(t.Close); i++ {
			if t.Close[i] >= 0x80 {
				return bad("the think block's close must be ASCII")
			}
		}
	}
	for _, t := range []string{s.CallOpen, s.CallClose, s.ListOpen, s.ListSep, s.ListClose, s.CallSep, s.NameEnd, s.ArgsEnd} {
		if !utf8.ValidString(t) {
			return bad("texts must be UTF-8")
		}
	}
	for _, f := range registry {
		if f.d.Name == s.Name {
			return bad("the name is taken by a built-in format")
		}
	}
	d := s
	d.Special = slices.Clone(s.Special)
	d.Chat = slices.Clone(s.Chat)
	if s.Think != nil {
		t := *s.Think
		d.Think = &t
	}
	return Format{d: &d}, nil
}

// Spec is the format's description (a copy).
func (f Format) Spec() FormatSpec {
	if f.d == nil {
		return FormatSpec{}
	}
	s := *f.d
	s.Special = slices.Clone(s.Special)
	s.Chat = slices.Clone(s.Chat)
	if s.Think != nil {
		t := *s.Think
		s.Think = &t
	}
	return s
}

// Valid reports whether f is a format (not the zero Format).
func (f Format) Valid() bool { return f.d != nil }

func (f Format) String() string {
	if f.d == nil {
		return "Format(none)"
	}
	return f.d.Name
}

// Formats are the built-in formats: the project's four, then the native ones.
func Formats() []Format { return slices.Clone(registry) }

// FormatNames are the built-in formats' names, in Formats order.
func FormatNames() []string {
	out := make([]string, len(registry))
	for i, f := range registry {
		out[i] = f.d.Name
	}
	return out
}

// ParseFormat maps a built-in format's name ("json", "hermes", "pythonic",
// "react", "qwen", "llama3", "mistral", "granite", …) to the Format.
func ParseFormat(s string) (Format, error) {
	for _, f := range registry {
		if f.d.Name == s {
			return f, nil
		}
	}
	return Format{}, newErr(CodeFormat, "unknown call format %q (want %s)", s, strings.Join(FormatNames(), ", "))
}

// FormatForChat is the native format of a chat template family, as
// chat.DetectToolCallFormat names it:
//
//	f, ok := decoder.FormatForChat(string(chat.DetectToolCallFormat(tmpl)))
//
// ok is false for a family without a built-in format ("" among them): the
// caller then needs an explicit format. FormatForTemplate also reads the
// template, which tells some formats of one family apart.
func FormatForChat(c string) (f Format, ok bool) {
	if c == "" {
		return Format{}, false
	}
	for _, f := range registry {
		if slices.Contains(f.d.Chat, c) && f.d.TemplateHint == "" {
			return f, true
		}
	}
	return Format{}, false
}

// FormatForTemplate is the native format of a chat template whose family
// is c (chat.DetectToolCallFormat(template)): the format of the family
// whose TemplateHint the template contains, else FormatForChat's.
//
//	f, ok := decoder.FormatForTemplate(string(chat.DetectToolCallFormat(tmpl)), tmpl)
func FormatForTemplate(c, template string) (Format, bool) {
	if c == "" {
		return Format{}, false
	}
	for _, f := range registry {
		if h := f.d.TemplateHint; h != "" && slices.Contains(f.d.Chat, c) && strings.Contains(template, h) {
			return f, true
		}
	}
	return FormatForChat(c)
}

// reactAction is the label of a call line in the react format.
const reactAction = "Action"

// StepLabel is the label a step kind is written with: its name with the
// first letter upper-cased.
func StepLabel(step string) string {
	r, n := utf8.DecodeRuneInString(step)
	if n == 0 {
		return ""
	}
	return string(unicode.ToUpper(r)) + step[n:]
}

// stepName inverts StepLabel.
func stepName(label string) string {
	r, n := utf8.DecodeRuneInString(label)
	if n == 0 {
		return ""
	}
	return string(unicode.ToLower(r)) + label[n:]
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// isThink reports whether step is the format's think block.
func (f Format) isThink(step string) bool { return f.d.Think != nil && f.d.Think.Step == step }

// checkStepName rejects step names the format cannot write unambiguously.
func (f Format) checkStepName(step string) error {
	if f.isThink(step) {
		return nil
	}
	if !isIdent(step) || stepName(StepLabel(step)) != step {
		return newErr(CodeFormat, "step kind %q cannot be written as a label: it must be an identifier starting with a lower-case letter or '_'", step)
	}
	if r := f.d.ReservedLabel; r != "" && StepLabel(step) == r {
		return newErr(CodeFormat, "step kind %q collides with the %s call label %q", step, f, r+":")
	}
	return nil
}

// isPythonCallee reports whether s can be written as the callee of a
// Python call: identifiers joined by dots (BFCL's math.factorial), none a
// keyword.
func isPythonCallee(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !isIdent(part) || slices.Contains(pythonReserved, part) {
			return false
		}
	}
	return true
}

// checkToolName rejects tool names the format cannot write verbatim. It
// runs when an Index is built, so a spec whose tools a format cannot spell
// is refused before anything is generated.
func (f Format) checkToolName(tool string) error {
	if f.d.Args == ArgsPython {
		if !isPythonCallee(tool) {
			return newErr(CodeFormat, "tool name %q cannot be written in the %s format: a call there is name(...) with name a Python identifier or dotted identifiers (a.b), none a Python keyword; use the json, hermes or react format", tool, f)
		}
		return nil
	}
	if tool == "" || strings.ContainsAny(tool, "\"\\[]\n\r\t ") || !utf8.ValidString(tool) {
		return newErr(CodeFormat, "tool name %q cannot be written in the %s format", tool, f)
	}
	for i := 0; i < len(tool); i++ {
		if tool[i] < 0x20 {
			return newErr(CodeFormat, "tool name %q has a control character", tool)
		}
	}
	// A bracket call's name ends at the first NameEnd (or id key): a name
	// containing one would read back as another call.
	if f.d.Args == ArgsBracket {
		ne, _ := f.d.bracket()
		for _, t := range []string{ne, f.d.ID.Key} {
			if t != "" && strings.Contains(tool, t) {
				return newErr(CodeFormat, "tool name %q contains %q, which ends a name in the %s format", tool, t, f)
			}
		}
	}
	return nil
}

// callFrame is the fixed text around a call's arguments, without the list
// and separator texts (the call as it stands alone). The id, when the model
// writes one, comes between the arguments and the suffix in JSON calls, and
// between the name and NameEnd in bracket calls (the prefix then ends at
// the name: see idAround).
func (f Format) callFrame(tool string) (prefix, suffix string) {
	d := f.d
	switch d.Args {
	case ArgsJSON:
		return d.CallOpen + `{"` + d.NameKey + `": "` + tool + `", "` + d.ArgsKey + `": `, "}" + d.CallClose
	case ArgsPython:
		return d.CallOpen + tool + "(", ")" + d.CallClose
	case ArgsBracket:
		ne, ae := d.bracket()
		if d.ID.Key != "" {
			ne = ""
		}
		return d.CallOpen + tool + ne, ae + d.CallClose
	}
	return "", ""
}

// bracket is ArgsBracket's texts after the name and after the arguments.
func (d *FormatSpec) bracket() (nameEnd, argsEnd string) {
	if d.NameEnd == "" && d.ArgsEnd == "" {
		return "[", "]"
	}
	return d.NameEnd, d.ArgsEnd
}

// idAround is the text before and after the id's value: `, "id": "` and
// `"` in JSON calls, Key and NameEnd in bracket calls.
func (f Format) idAround() (before, after string) {
	if f.d.Args == ArgsBracket {
		ne, _ := f.d.bracket()
		return f.d.ID.Key, ne
	}
	return `, "` + f.d.ID.Key + `": "`, `"`
}

// valueSyntax is how argument values are spelled.
type valueSyntax struct {
	python bool // True/False/None
}

func (f Format) syntax() valueSyntax { return valueSyntax{python: f.d.Args == ArgsPython} }

func (s valueSyntax) trueLit() string {
	if s.python {
		return "True"
	}
	return "true"
}

func (s valueSyntax) falseLit() string {
	if s.python {
		return "False"
	}
	return "false"
}

func (s valueSyntax) nullLit() string {
	if s.python {
		return "None"
	}
	return "null"
}

// objFrame is the punctuation of the top-level argument object: JSON object
// for every format except pythonic, whose arguments are keyword arguments.
type objFrame struct {
	open, close, sep string
	identKeys        bool
}

func (f Format) argFrame() objFrame {
	if f.d.Args == ArgsPython {
		return objFrame{open: "", close: "", sep: "=", identKeys: true}
	}
	return objFrame{open: "{", close: "}", sep: ": "}
}

var jsonFrame = objFrame{open: "{", close: "}", sep: ": "}

// pythonKeywords are the names a pythonic call cannot use as keyword
// arguments. None: Python's keywords (`from`, `class`, `None`) are written
// as plain names, as lexical pythonic readers take them (see ArgsPython);
// the reader here takes any identifier before '='. The schema compiler
// consults this list, so it stays the one place that decides.
var pythonKeywords []string

// pythonReserved are Python's keywords, which a callee (the tool name of a
// pythonic call) may not be: inference servers' pythonic readers take the
// callee as Python code.
var pythonReserved = []string{"False", "None", "True", "and", "as", "assert", "async", "await",
	"break", "class", "continue", "def", "del", "elif", "else", "except", "finally",
	"for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not",
	"or", "pass", "raise", "return", "try", "while", "with", "yield"}

// Example is one message holding a single call of tool with the arguments
// {"arg": "value"} (arg="value" in pythonic), written as the model writes
// it in format f, for instructions that show the syntax. An id, where the
// model writes one, is the IDRule's first allowed byte repeated.
func (f Format) Example(tool string) string {
	d := f.d
	if d == nil {
		return ""
	}
	args := `{"arg": "value"}`
	if d.Args == ArgsPython {
		args = `arg="value"`
	}
	pre, suf := f.callFrame(tool)
	id := ""
	if d.ID.Key != "" {
		before, after := f.idAround()
		id = before + strings.Repeat(d.ID.Alphabet[:1], d.ID.Len) + after
	}
	var call string
	if d.Args == ArgsBracket && d.ID.Key != "" {
		call = pre + id + args + suf
	} else {
		call = pre + args + id + suf
	}
	if d.ListOpen != "" {
		call = d.ListOpen + call + d.ListClose
	}
	return call
}

// WithCallsOnly is f with CallsOnly set, under the same name: the format
// for a conversation whose template drops an assistant message's content
// when it has tool_calls (conversation.New finds that by rendering a
// probe). A format with a think block or StepsAfterCalls (the project's
// line formats) is returned as it is: CallsOnly excludes both.
func (f Format) WithCallsOnly() Format {
	if f.d == nil || f.d.CallsOnly || f.d.Think != nil || f.d.StepsAfterCalls {
		return f
	}
	d := f.Spec()
	d.CallsOnly = true
	return Format{d: &d}
}
