package ltl

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
)

// Input limits: every reader of untrusted input (specs, traces, catalogs,
// prompts) is bounded by them, so that no input can exhaust memory. Together
// the defaults keep a run well under 1 GiB whatever the input: the largest
// in-memory form of an input is a few tens of bytes per input byte.
const (
	// DefaultMaxInputBytes bounds one input file (Options.MaxInputBytes).
	DefaultMaxInputBytes = 8 << 20
	// DefaultMaxLineBytes bounds one JSON Lines trace line (Options.MaxLineBytes).
	DefaultMaxLineBytes = 1 << 20
	// DefaultMaxJSONDepth bounds JSON nesting (Options.MaxJSONDepth).
	DefaultMaxJSONDepth = strictjson.DefaultMaxDepth
)

func (o Options) maxInputBytes() int64 {
	if o.MaxInputBytes <= 0 {
		return DefaultMaxInputBytes
	}
	return min(o.MaxInputBytes, strictjson.MaxInput)
}

func (o Options) maxLineBytes() int {
	if o.MaxLineBytes <= 0 {
		return DefaultMaxLineBytes
	}
	return int(min(int64(o.MaxLineBytes), o.maxInputBytes()))
}

func (o Options) maxJSONDepth() int {
	if o.MaxJSONDepth <= 0 {
		return DefaultMaxJSONDepth
	}
	return o.MaxJSONDepth
}

func (o Options) jsonLimits() strictjson.Limits {
	return strictjson.Limits{MaxDepth: o.maxJSONDepth()}
}

// Limit names, as an ErrInputLimit message gives them: the library Option
// and the plan flag that raise the limit.
const (
	limitInput = "MaxInputBytes, flag --max-input-bytes"
	limitLine  = "MaxLineBytes, flag --max-line-bytes"
	limitDepth = "MaxJSONDepth, flag --max-json-depth"
)

// ReadInput reads all of r, refusing (ErrInputLimit, as an ErrorList) an
// input longer than MaxInputBytes without reading more than one byte past
// the limit: a reader that never ends (/dev/zero) costs the limit, not the
// machine. Read errors are returned as they are.
func (o Options) ReadInput(filename string, r io.Reader) ([]byte, error) {
	limit := o.maxInputBytes()
	// Grow the buffer as data arrives rather than by the limit, so a small
	// file costs little.
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, inputTooLarge(filename, limit)
	}
	return data, nil
}

func inputTooLarge(filename string, limit int64) error {
	e := &errs{}
	e.add(Pos{Filename: filename, Line: 1, Column: 1}, ErrInputLimit,
		fmt.Sprintf("input is larger than the limit of %d bytes (%s)", limit, limitInput))
	return e.result()
}

// checkSize refuses data larger than MaxInputBytes, for readers handed bytes
// rather than a reader.
func (o Options) checkSize(filename string, data []byte) error {
	if limit := o.maxInputBytes(); int64(len(data)) > limit {
		return inputTooLarge(filename, limit)
	}
	return nil
}

// jsonError turns a strictjson error at offset base+e.Offset into a
// diagnostic with code, positioned by pos.
func jsonError(e *errs, err error, base int, pos func(int) Pos, code Code) {
	var je *strictjson.Error
	if !errors.As(err, &je) {
		e.add(pos(base), code, "invalid JSON: "+err.Error())
		return
	}
	p := pos(base + je.Offset)
	switch je.Code {
	case strictjson.ErrDepth:
		e.add(p, ErrInputLimit, fmt.Sprintf("JSON nested deeper than the limit of %d levels (%s)", je.Limit, limitDepth))
	case strictjson.ErrDuplicate:
		first := pos(base + je.First)
		e.add(p, code, fmt.Sprintf("invalid JSON: %s (first at %d:%d); keys must be unique", je.Msg, first.Line, first.Column))
	default:
		e.add(p, code, "invalid JSON: "+je.Msg)
	}
}

// caseVariant reports a key that differs from a known key only in case:
// encoding/json would read "Args" as "args", so such a key makes one input
// mean two things to two readers.
func caseVariant(e *errs, obj *strictjson.Value, base int, pos func(int) Pos, code Code, known ...string) bool {
	k, want, ok := obj.CaseVariant(known...)
	if !ok {
		return false
	}
	e.add(pos(base+k.Offset()), code, fmt.Sprintf("key %s differs from %s only in case; keys are case-sensitive (did you mean %s?)",
		strconv.Quote(k.Text()), strconv.Quote(want), strconv.Quote(want)))
	return true
}

// lineIndex converts byte offsets of one text into positions in time
// logarithmic in the number of lines plus the distance from the previous
// offset asked on the same line, so that positioning every entry of a
// one-line catalog stays linear.
type lineIndex struct {
	filename string
	data     []byte
	starts   []int // byte offset of each line's start
	// the last position computed, to count runes from it
	lastOff, lastLine, lastCol int
}

func newLineIndex(filename string, data []byte) *lineIndex {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{filename: filename, data: data, starts: starts, lastOff: -1}
}

func (x *lineIndex) pos(off int) Pos {
	off = max(0, min(off, len(x.data)))
	line := sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > off }) // 1-based line
	start := x.starts[line-1]
	from, col := start, 1
	if x.lastOff >= start && x.lastOff <= off && x.lastLine == line {
		from, col = x.lastOff, x.lastCol
	}
	col += utf8.RuneCount(x.data[from:off])
	x.lastOff, x.lastLine, x.lastCol = off, line, col
	return Pos{Filename: x.filename, Offset: off, Line: line, Column: col}
}

// MaxErrors is how many errors a reader reports for one input before it
// stops: the input is refused either way, and a list of every bad line of a
// file of 8 MiB would cost more memory than the file.
const MaxErrors = 100

// full reports whether e holds MaxErrors errors; if so it adds one saying
// that reading stopped at p.
func (e *errs) full(p Pos) bool {
	if len(e.list) < MaxErrors {
		return false
	}
	e.add(p, e.list[len(e.list)-1].Code, fmt.Sprintf("%d errors; stopping here (fix these first)", MaxErrors))
	return true
}
