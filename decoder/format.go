package decoder

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format is a call syntax: how events are written on the wire.
//
// Every format writes a non-call step as one line `Label: free text\n`, Label
// being the step name with its first letter upper-cased (`Thought: ...`); the
// free text is valid UTF-8 without newline or control bytes other than tab.
// Calls, with exactly the single spaces shown (no other whitespace):
//
//	json:     {"name": "search", "arguments": {"q": "x", "n": 3}}\n
//	hermes:   <tool_call>\n{"name": "search", "arguments": {"q": "x"}}\n</tool_call>\n
//	pythonic: search(q="x", n=3)\n   (Python literals: True, False, None, [..], {"k": v})
//	react:    Action: search[{"q": "x"}]\n
type Format uint8

const (
	FormatJSON Format = iota + 1
	FormatHermes
	FormatPythonic
	FormatReAct
)

var formatNames = map[Format]string{FormatJSON: "json", FormatHermes: "hermes", FormatPythonic: "pythonic", FormatReAct: "react"}

func (f Format) String() string {
	if s, ok := formatNames[f]; ok {
		return s
	}
	return "Format(" + string(rune('0'+int(f))) + ")"
}

// ParseFormat maps "json", "hermes", "pythonic" or "react" to a Format.
func ParseFormat(s string) (Format, error) {
	for f, n := range formatNames {
		if n == s {
			return f, nil
		}
	}
	return 0, newErr(CodeFormat, "unknown call format %q (want json, hermes, pythonic or react)", s)
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

// checkStepName rejects step names the format cannot write unambiguously.
func (f Format) checkStepName(step string) error {
	if !isIdent(step) || stepName(StepLabel(step)) != step {
		return newErr(CodeFormat, "step kind %q cannot be written as a label: it must be an identifier starting with a lower-case letter or '_'", step)
	}
	if f == FormatReAct && StepLabel(step) == reactAction {
		return newErr(CodeFormat, "step kind %q collides with the react call label %q", step, reactAction+":")
	}
	return nil
}

// isPythonCallee reports whether s can be written as the callee of a
// Python call: identifiers joined by dots (BFCL's math.factorial), none a
// keyword.
func isPythonCallee(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if !isIdent(part) || slices.Contains(pythonKeywords, part) {
			return false
		}
	}
	return true
}

// checkToolName rejects tool names the format cannot write verbatim. It
// runs when an Index is built, so a spec whose tools a format cannot spell
// is refused before anything is generated.
func (f Format) checkToolName(tool string) error {
	if f == FormatPythonic {
		if !isPythonCallee(tool) {
			return newErr(CodeFormat, "tool name %q cannot be written in the pythonic format: a call there is name(...) with name a Python identifier or dotted identifiers (a.b), none a Python keyword; use the json, hermes or react format", tool)
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
	return nil
}

// callFrame is the fixed text around a call's arguments.
func (f Format) callFrame(tool string) (prefix, suffix string) {
	switch f {
	case FormatJSON:
		return `{"name": "` + tool + `", "arguments": `, "}\n"
	case FormatHermes:
		return "<tool_call>\n" + `{"name": "` + tool + `", "arguments": `, "}\n</tool_call>\n"
	case FormatPythonic:
		return tool + "(", ")\n"
	case FormatReAct:
		return reactAction + ": " + tool + "[", "]\n"
	}
	return "", ""
}

// valueSyntax is how argument values are spelled.
type valueSyntax struct {
	python bool // True/False/None
}

func (f Format) syntax() valueSyntax { return valueSyntax{python: f == FormatPythonic} }

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
	if f == FormatPythonic {
		return objFrame{open: "", close: "", sep: "=", identKeys: true}
	}
	return objFrame{open: "{", close: "}", sep: ": "}
}

var jsonFrame = objFrame{open: "{", close: "}", sep: ": "}

// pythonKeywords cannot be keyword-argument names.
var pythonKeywords = []string{"False", "None", "True", "and", "as", "assert", "async", "await",
	"break", "class", "continue", "def", "del", "elif", "else", "except", "finally",
	"for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not",
	"or", "pass", "raise", "return", "try", "while", "with", "yield"}
