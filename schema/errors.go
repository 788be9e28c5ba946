package schema

import (
	"fmt"
	"strings"

	"github.com/specplan/specplan/internal/safetext"
)

// CompileCode classifies why a schema could not be compiled; tests compare codes,
// not text.
type CompileCode int

const (
	ErrSyntax    CompileCode = iota + 1 // not one JSON value, invalid UTF-8, or a duplicate key
	ErrLimit                            // the schema is larger or deeper than a limit allows
	ErrInvalid                          // not a valid JSON Schema under its draft's metaschema
	ErrDraft                            // `$schema` names a draft this package does not know
	ErrRemoteRef                        // a `$ref` (or `$schema`) points outside the schema: never fetched
	ErrRef                              // a local `$ref` points at nothing
	ErrRegex                            // a `pattern`/`patternProperties` is not a regular expression this package runs
)

var codeNames = [...]string{
	ErrSyntax: "syntax", ErrLimit: "limit", ErrInvalid: "invalid-schema", ErrDraft: "unknown-draft",
	ErrRemoteRef: "remote-ref", ErrRef: "unresolved-ref", ErrRegex: "regex",
}

func (c CompileCode) String() string {
	if c > 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("CompileCode(%d)", int(c))
}

// CompileError is why Compile refused a schema. Pointer is the JSON pointer of the
// offending place inside the schema ("" for the schema as a whole), Keyword
// the keyword at fault when there is one, and Offset the byte offset into
// the schema's source where it is known (-1 otherwise), so that a caller
// holding the file can print file:line:col.
type CompileError struct {
	Code    CompileCode
	Pointer string
	Keyword string
	Offset  int
	Msg     string
}

func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("schema")
	if e.Pointer != "" {
		b.WriteString(" at ")
		b.WriteString(quotePointer(e.Pointer))
	}
	if e.Keyword != "" {
		b.WriteString(" (keyword ")
		b.WriteString(e.Keyword)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes errors.Is(err, &schema.CompileError{Code: c}) compare codes only.
func (e *CompileError) Is(target error) bool {
	t, ok := target.(*CompileError)
	return ok && t.Code == e.Code && t.Msg == "" && t.Pointer == "" && t.Keyword == ""
}

// Problem is one way a value fails its schema.
type Problem struct {
	// Pointer is the JSON pointer of the failing value inside the validated
	// instance ("" is the whole instance: for a tool call, the arguments).
	Pointer string `json:"pointer"`
	// Keyword is the schema keyword that fails (minimum, required, type, …).
	Keyword string `json:"keyword,omitempty"`
	// SchemaPointer is where that keyword sits in the schema.
	SchemaPointer string `json:"schema_pointer,omitempty"`
	// Msg says what is wrong, in words; values in it are quoted and escaped.
	Msg string `json:"message"`
}

func (p Problem) String() string {
	at := "the arguments"
	if p.Pointer != "" {
		at = quotePointer(p.Pointer)
	}
	if p.Keyword == "" {
		return at + ": " + p.Msg
	}
	return at + " (" + p.Keyword + "): " + p.Msg
}

// ValidationError is returned by Validate for a value that does not match
// its schema. It lists every problem found, up to maxProblems.
type ValidationError struct {
	Problems []Problem
	// Omitted counts problems found beyond the ones listed.
	Omitted int
}

// maxProblems bounds the problems one ValidationError lists, so that a
// huge hostile instance cannot make a huge error message.
const maxProblems = 8

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	s := strings.Join(parts, "; ")
	if e.Omitted > 0 {
		s += fmt.Sprintf("; and %d more", e.Omitted)
	}
	return s
}

// quotePointer prints a JSON pointer for people: the pointer's tokens come
// from untrusted keys, so control and bidi characters are escaped.
func quotePointer(p string) string { return safetext.Escape(p) }
