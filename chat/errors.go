package chat

import (
	"strconv"
	"strings"

	"github.com/specplan/specplan/internal/safetext"
)

// Code classifies an Error so that callers and tests can compare kinds.
type Code int

const (
	ErrJSON             Code = iota + 1 // the input is not JSON
	ErrDuplicateKey                     // an object repeats a key
	ErrNumber                           // a number outside int64 / float64
	ErrMessage                          // JSON that is not an OpenAI message, tool or tool call
	ErrLimit                            // an input over a size, depth or count limit
	ErrTemplate                         // the template does not compile, or uses what this package refuses
	ErrRaised                           // the template called raise_exception
	ErrRender                           // the template failed while rendering
	ErrContentInspected                 // the template's output depends on content in a way the pieces cannot follow
	ErrGGUF                             // a model file that is not a GGUF this package can read
	ErrNoTemplate                       // the model carries no chat template
)

var codeNames = map[Code]string{
	ErrJSON: "json", ErrDuplicateKey: "duplicate key", ErrNumber: "number",
	ErrMessage: "message", ErrLimit: "limit", ErrTemplate: "template",
	ErrRaised: "template raised", ErrRender: "render",
	ErrContentInspected: "content inspected", ErrGGUF: "gguf",
	ErrNoTemplate: "no template",
}

func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// Error is every error this package returns. File names the input (a JSON
// file, a template, a model); Line and Col, when set, point into it.
type Error struct {
	Code      Code
	File      string
	Line, Col int
	Msg       string
	src       []byte
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(safetext.Escape(e.File))
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col))
		}
		b.WriteString(": ")
	}
	b.WriteString(safetext.Escape(e.Msg))
	return b.String()
}

// Caret returns the source line the error points at and a caret under its
// column, or "" when the error has no position. Control bytes from the
// input are escaped, so quoting a hostile file cannot drive a terminal.
func (e *Error) Caret() string {
	if e.Line < 1 || e.src == nil {
		return ""
	}
	lines := strings.Split(string(e.src), "\n")
	if e.Line > len(lines) {
		return ""
	}
	line := []rune(safetext.EscapeKeepTab(strings.TrimRight(lines[e.Line-1], "\r")))
	// Very long lines (minified JSON) are cut around the column.
	col := e.Col
	const width = 120
	prefix := ""
	if len(line) > width && col > width/2 {
		cut := col - width/2
		line, col, prefix = line[cut:], col-cut+3, "..."
	}
	if len(line) > width {
		line = append(line[:width:width], []rune("...")...)
	}
	var pad strings.Builder
	for i, r := range []rune(prefix + string(line)) {
		if i+1 >= col {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	return prefix + string(line) + "\n" + pad.String() + "^\n"
}
