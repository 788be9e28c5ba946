package ltl

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Code classifies an error so that callers and tests can compare kinds of
// failure without matching message text.
type Code int

const (
	ErrSyntax          Code = iota + 1 // the text does not follow the grammar (lexical or syntactic)
	ErrUndeclared                      // a name used in a rule is neither a declared step nor tool
	ErrDuplicate                       // a name declared twice, or as both step and tool
	ErrReserved                        // a reserved word declared as a step or tool
	ErrPredicate                       // a predicate on a step or on `call`, or an ordering comparison on a string/bool
	ErrDepthLimit                      // nesting deeper than Options.MaxDepth
	ErrCountLimit                      // a pattern count above MaxPatternCount
	ErrBadCount                        // a pattern count that is not a non-negative integer
	ErrPattern                         // a pattern called with the wrong number or kind of arguments
	ErrSizeLimit                       // rules larger than MaxFormulaSize nodes in all after pattern expansion
	ErrPastOverFuture                  // a past operator applied to a formula with a future operator
	ErrNoAlphabet                      // a spec that declares no step and no tool
	ErrTraceSyntax                     // a trace line that is not one JSON object
	ErrTraceEvent                      // a trace event with both or neither of step and tool
	ErrTraceUndeclared                 // a trace or example event naming an undeclared step or tool
	ErrTraceEmpty                      // a trace with no events
	ErrExampleLabel                    // an example label whose step the spec does not declare
	ErrExampleAction                   // an example `Action:` line that is not tool[args]
	ErrCatalogSyntax                   // a tool catalog that is not a JSON array of objects
	ErrCatalogTool                     // a catalog entry without a usable function name
	ErrInputLimit                      // an input over MaxInputBytes, a line over MaxLineBytes or JSON deeper than MaxJSONDepth
)

var codeNames = [...]string{
	ErrSyntax:          "syntax",
	ErrUndeclared:      "undeclared",
	ErrDuplicate:       "duplicate",
	ErrReserved:        "reserved",
	ErrPredicate:       "predicate",
	ErrDepthLimit:      "depth-limit",
	ErrCountLimit:      "count-limit",
	ErrBadCount:        "bad-count",
	ErrPattern:         "pattern",
	ErrSizeLimit:       "size-limit",
	ErrPastOverFuture:  "past-over-future",
	ErrNoAlphabet:      "no-alphabet",
	ErrTraceSyntax:     "trace-syntax",
	ErrTraceEvent:      "trace-event",
	ErrTraceUndeclared: "trace-undeclared",
	ErrTraceEmpty:      "trace-empty",
	ErrExampleLabel:    "example-label",
	ErrExampleAction:   "example-action",
	ErrCatalogSyntax:   "catalog-syntax",
	ErrCatalogTool:     "catalog-tool",
	ErrInputLimit:      "input-limit",
}

func (c Code) String() string {
	if c > 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// Error is one diagnostic with its source position.
type Error struct {
	Pos  Pos
	Code Code
	Msg  string
}

// Error returns "file:line:col: msg".
func (e *Error) Error() string {
	return posString(e.Pos) + ": " + e.Msg
}

func posString(p Pos) string {
	s := strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
	if p.Filename != "" {
		s = p.Filename + ":" + s
	}
	return s
}

// ErrorList is every error found in one input, in source order. All the
// front end's functions return an ErrorList (never a bare *Error) on failure.
type ErrorList []*Error

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Codes returns the codes of the errors, in order (handy in tests).
func (l ErrorList) Codes() []Code {
	out := make([]Code, len(l))
	for i, e := range l {
		out[i] = e.Code
	}
	return out
}

// Format prints each error as `file:line:col: msg`, then the source line of
// src it points into, then a caret under the column. src must be the text the
// positions refer to; errors whose line is outside src get only the first line.
func (l ErrorList) Format(src []byte) string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		b.WriteString(caret(src, e.Pos))
	}
	return b.String()
}

// FormatFiles is Format for errors spanning several files: each error's
// source line is looked up in srcs by its position's file name.
func (l ErrorList) FormatFiles(srcs map[string][]byte) string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		if src, ok := srcs[e.Pos.Filename]; ok {
			b.WriteString(caret(src, e.Pos))
		}
	}
	return b.String()
}

// caret returns the source line at p and a line with ^ under p's column
// (columns count runes; tabs are kept so the caret lines up in a terminal).
func caret(src []byte, p Pos) string {
	if p.Line < 1 {
		return ""
	}
	lines := strings.Split(string(src), "\n")
	if p.Line > len(lines) {
		return ""
	}
	// Control bytes and invalid UTF-8 from the input are shown escaped, so
	// quoting a binary file cannot drive the user's terminal.
	line := printable(strings.TrimRight(lines[p.Line-1], "\r"))
	var pad strings.Builder
	col := 1
	for _, r := range line {
		if col >= p.Column {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
		col++
	}
	return line + "\n" + pad.String() + "^\n"
}

// errs accumulates diagnostics.
type errs struct{ list ErrorList }

func (e *errs) add(p Pos, c Code, msg string) {
	e.list = append(e.list, &Error{Pos: p, Code: c, Msg: msg})
}

// result sorts by file and offset (stably, so errors at one place keep their
// discovery order), drops exact repeats (sugar copies an argument several
// times, and a bad atom inside it must be reported once), and returns nil
// when there is nothing to report.
func (e *errs) result() error {
	if len(e.list) == 0 {
		return nil
	}
	sort.SliceStable(e.list, func(i, j int) bool {
		a, b := e.list[i].Pos, e.list[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	out := e.list[:0]
	for i, x := range e.list {
		if i > 0 {
			p := out[len(out)-1]
			if p.Pos == x.Pos && p.Code == x.Code && p.Msg == x.Msg {
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to name by
// edit distance, if one is close enough to be a plausible typo.
func suggest(name string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(name, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := len(name) / 3
	if limit < 1 {
		limit = 1
	}
	if limit > 3 {
		limit = 3
	}
	if bestD < 0 || bestD > limit {
		return ""
	}
	return " (did you mean " + strconv.Quote(best) + "?)"
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// printable replaces control characters (other than tab) and invalid UTF-8
// by U+FFFD, one rune each, so the caret still lines up.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || (r < 0x20 && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
