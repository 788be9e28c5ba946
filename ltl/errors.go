package ltl

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/safetext"
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
	ErrSpecSize                        // a spec text larger than Options.MaxSpecBytes
	ErrInputLimit                      // an input over MaxInputBytes, a line over MaxLineBytes or JSON deeper than MaxJSONDepth
	ErrRegex                           // a `matches` pattern that is not a valid RE2 regular expression
	ErrCapture                         // a `let` of an undeclared tool, a capture declared twice, or a reference to an undeclared capture
	ErrTraceOutcome                    // a trace line's result or error that is malformed or attaches to no call
	ErrLogShape                        // an OpenAI log that is not JSON, not a log's shape, or a message that is malformed
	ErrLogCall                         // an OpenAI log's tool call without id or name, or whose arguments are not a JSON object
	ErrLogAnswer                       // a tool message that answers no call, answers one twice, or a call left unanswered
	ErrLogHistory                      // an OpenAI log whose request bodies disagree on the conversation's history
	ErrExampleFormat                   // a few-shot example line written in another call format than the one read
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
	ErrSpecSize:        "spec-size-limit",
	ErrInputLimit:      "input-limit",
	ErrRegex:           "regex",
	ErrCapture:         "capture",
	ErrTraceOutcome:    "trace-outcome",
	ErrLogShape:        "log-shape",
	ErrLogCall:         "log-call",
	ErrLogAnswer:       "log-answer",
	ErrLogHistory:      "log-history",
	ErrExampleFormat:   "example-format",
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

// Error returns "file:line:col: msg". The file name and the message are
// escaped (safetext), so neither can send a control sequence to a terminal
// or forge a line of output.
func (e *Error) Error() string {
	return FormatPos(e.Pos) + ": " + safetext.Escape(e.Msg)
}

// FormatPos writes p as "file:line:col" (or "line:col" without a file name),
// the file name escaped: names come from users, archives and attackers, and
// may hold newlines, terminal escapes or bidirectional overrides.
func FormatPos(p Pos) string {
	s := strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
	if p.Filename != "" {
		s = safetext.Escape(p.Filename) + ":" + s
	}
	return s
}

// ErrorList is every error found in one input, in source order. All the
// front end's functions return an ErrorList (never a bare *Error) on failure.
type ErrorList []*Error

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
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
// positions refer to; errors whose line is outside src get only the first
// line. The cost is linear in len(src) plus the number of errors: src is
// indexed once, and a long source line is quoted only around the column.
func (l ErrorList) Format(src []byte) string {
	var b strings.Builder
	q := newQuoter(src)
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		q.caret(&b, e.Pos)
	}
	return b.String()
}

// FormatFiles is Format for errors spanning several files: each error's
// source line is looked up in srcs by its position's file name.
func (l ErrorList) FormatFiles(srcs map[string][]byte) string {
	var b strings.Builder
	quoters := map[string]*quoter{}
	for _, e := range l {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		q, ok := quoters[e.Pos.Filename]
		if !ok {
			if src, found := srcs[e.Pos.Filename]; found {
				q = newQuoter(src)
			}
			quoters[e.Pos.Filename] = q
		}
		if q != nil {
			q.caret(&b, e.Pos)
		}
	}
	return b.String()
}

// quoteContext is how many runes of a source line are quoted on each side of
// the caret: enough to read the mistake, and a 50 MB line is not printed
// once per error on it.
const quoteContext = 80

// quoter prints source lines with carets; it indexes its source's line
// starts once.
type quoter struct {
	src    []byte
	starts []int // starts[i] is the offset of line i+1
	// The last column found by scanning (for positions without a usable
	// Offset), so that errors in source order on one line scan it once.
	scanLine, scanCol, scanOff int
}

func newQuoter(src []byte) *quoter {
	q := &quoter{src: src, starts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			q.starts = append(q.starts, i+1)
		}
	}
	return q
}

// caret writes the source line at p and a line with ^ under p's column
// (columns count runes; tabs are kept so the caret lines up in a terminal).
// The line is escaped with safetext.EscapeKeepTab and the caret padded by
// the width of each escaped rune, so that quoting a binary file cannot
// drive the terminal and the caret still points at the right character.
func (q *quoter) caret(b *strings.Builder, p Pos) {
	if p.Line < 1 || p.Line > len(q.starts) {
		return
	}
	start := q.starts[p.Line-1]
	end := len(q.src)
	if p.Line < len(q.starts) {
		end = q.starts[p.Line] - 1 // the newline
	}
	line := q.src[start:end]
	line = bytes.TrimRight(line, "\r")
	at := q.offsetOf(p, start, line)
	// Quote at most quoteContext runes either side of the caret.
	from := at
	for n := 0; n < quoteContext && from > 0; n++ {
		_, size := utf8.DecodeLastRune(line[:from])
		from -= size
	}
	to := at
	for n := 0; n < quoteContext && to < len(line); n++ {
		_, size := utf8.DecodeRune(line[to:])
		to += size
	}
	var pad strings.Builder
	if from > 0 {
		b.WriteString("…")
		pad.WriteByte(' ')
	}
	for i := from; i < at; {
		r, size := utf8.DecodeRune(line[i:])
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			w := utf8.RuneCountInString(safetext.EscapeKeepTab(string(line[i : i+size])))
			for ; w > 0; w-- {
				pad.WriteByte(' ')
			}
		}
		i += size
	}
	b.WriteString(safetext.EscapeKeepTab(string(line[from:to])))
	if to < len(line) {
		b.WriteString("…")
	}
	b.WriteByte('\n')
	b.WriteString(pad.String())
	b.WriteString("^\n")
}

// offsetOf returns the byte offset within line (which starts at start in
// src) of p's column. p.Offset is used when it lies on the line: it is what
// every parser of this package sets. Otherwise the line is scanned rune by
// rune, resuming from the previous scan when it was on the same line.
func (q *quoter) offsetOf(p Pos, start int, line []byte) int {
	if p.Offset >= start && p.Offset <= start+len(line) && (p.Offset > start || p.Column <= 1) {
		return p.Offset - start
	}
	col, off := 1, 0
	if q.scanLine == p.Line && q.scanCol <= p.Column {
		col, off = q.scanCol, q.scanOff
	}
	for col < p.Column && off < len(line) {
		_, size := utf8.DecodeRune(line[off:])
		off += size
		col++
	}
	q.scanLine, q.scanCol, q.scanOff = p.Line, col, off
	return off
}

// errs accumulates diagnostics.
type errs struct {
	list ErrorList
	decl *declIndex // built by declared, for the input being read
}

// declIndex answers "is this step or tool declared" and "did you mean" for
// one spec. It is built once per input, so checking n events against m
// declarations costs n+m, not n·m.
type declIndex struct {
	spec               *Spec
	steps, tools       map[string]bool
	stepSugg, toolSugg suggester
}

// declared returns the index of s's declarations for this input.
func (e *errs) declared(s *Spec) *declIndex {
	if e.decl == nil || e.decl.spec != s {
		d := &declIndex{spec: s, steps: map[string]bool{}, tools: map[string]bool{}}
		d.stepSugg.names = declNames(s.Steps)
		d.toolSugg.names = declNames(s.Tools)
		for _, n := range d.stepSugg.names {
			d.steps[n] = true
		}
		for _, n := range d.toolSugg.names {
			d.tools[n] = true
		}
		e.decl = d
	}
	return e.decl
}

func (e *errs) add(p Pos, c Code, msg string) {
	e.list = append(e.list, &Error{Pos: p, Code: c, Msg: msg})
}

// result returns the errors collected, Sorted, or nil when there is
// nothing to report.
func (e *errs) result() error {
	if len(e.list) == 0 {
		return nil
	}
	return e.list.Sorted()
}

// Sorted sorts l by file and offset (stably, so errors at one place keep
// their discovery order) and drops exact repeats (sugar copies an argument
// several times, and a bad atom inside it must be reported once), in
// place. Every language on ltl's front end (.app, .routine) reports so.
func (l ErrorList) Sorted() ErrorList {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	out := l[:0]
	for i, x := range l {
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

// suggestWork bounds the edit-distance work ("did you mean") of one parse,
// in cells of the distance table. Each name costs at most
// (2·3+1)·len(name) cells per candidate of about its length, so thousands
// of misspellings among thousands of declared names would be quadratic;
// past the budget, errors simply come without a suggestion.
const suggestWork = 1 << 22

// suggester finds the closest declared name to a misspelling.
type suggester struct {
	names []string
	runes [][]rune // names as runes, built on first use
	memo  map[string]string
	work  int // cells computed so far
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to name by
// edit distance, if one is close enough to be a plausible typo.
func (s *suggester) suggest(name string) string {
	if out, ok := s.memo[name]; ok {
		return out
	}
	if s.memo == nil {
		s.memo = map[string]string{}
	}
	out := s.find(name)
	s.memo[name] = out
	return out
}

func (s *suggester) find(name string) string {
	limit := min(max(len(name)/3, 1), 3)
	if s.work >= suggestWork {
		return ""
	}
	if s.runes == nil {
		s.runes = make([][]rune, len(s.names))
		for i, c := range s.names {
			s.runes[i] = []rune(c)
		}
		s.work += len(s.names)
	}
	a := []rune(name)
	best, bestD := -1, limit+1
	for i, b := range s.runes {
		if d := len(a) - len(b); d > limit || -d > limit {
			continue
		}
		if s.work >= suggestWork {
			return ""
		}
		s.work += (2*bestD + 1) * (len(a) + 1)
		if d := editDistanceWithin(a, b, bestD-1); d < bestD {
			best, bestD = i, d
			if d == 0 {
				break
			}
		}
	}
	if best < 0 {
		return ""
	}
	return " (did you mean " + strconv.Quote(s.names[best]) + "?)"
}

// editDistanceWithin is the Levenshtein distance of a and b if it is at most
// k, and k+1 otherwise. Only the band of cells within k of the diagonal is
// computed, and it stops as soon as a whole row exceeds k: O(k·len(a)).
func editDistanceWithin(a, b []rune, k int) int {
	inf := k + 1
	if k < 0 || len(a)-len(b) > k || len(b)-len(a) > k {
		return inf
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = min(j, inf)
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(len(b), i+k)
		if lo > 1 {
			cur[lo-1] = inf
		} else {
			cur[0] = min(i, inf)
		}
		rowMin := cur[lo-1]
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j-1]+cost, cur[j-1]+1, inf)
			if j < i+k {
				v = min(v, prev[j]+1) // prev[j] is outside the band when j = i+k
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if hi < len(b) {
			cur[hi+1] = inf
		}
		if rowMin >= inf {
			return inf
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], inf)
}
