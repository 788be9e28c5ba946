package mona

import (
	"errors"
	"fmt"

	"github.com/specplan/specplan/ltl"
)

// Error kinds. Every error returned by this package is an *Error whose Kind is
// one of these sentinels, so callers and tests compare with errors.Is.
var (
	// ErrNotInstalled: the mona binary is not on PATH (Debian: apt-get install mona).
	ErrNotInstalled = errors.New("mona not installed")
	// ErrBadFormula: a nil formula, an unknown node or operator, or an
	// unresolved atom.
	ErrBadFormula = errors.New("malformed formula")
	// ErrBadAlphabet: an empty alphabet, or one over MaxLetters letters.
	ErrBadAlphabet = errors.New("bad alphabet")
	// ErrBadTrace: an empty trace, a letter index outside the alphabet, or a
	// trace over MaxTraceLen positions.
	ErrBadTrace = errors.New("bad trace")
	// ErrSizeLimit: a formula over MaxNodes nodes.
	ErrSizeLimit = errors.New("formula size limit exceeded")
	// ErrMONA: mona rejected the program or failed (its message is in Msg).
	ErrMONA = errors.New("mona failed")
	// ErrTimeout: the context ended before mona answered; mona was killed.
	ErrTimeout = errors.New("mona timed out")
	// ErrOutput: mona's output could not be read (unknown format).
	ErrOutput = errors.New("unreadable mona output")
)

// Limits. Inputs over a limit are rejected with an error naming it, never
// handed to mona (which would run out of memory rather than fail).
const (
	MaxLetters  = 1 << 12 // letters in an alphabet
	MaxNodes    = 10000   // nodes in one formula
	MaxTraceLen = 10000   // positions in one trace given to Accepts
)

// Error is the error type of this package. Pos is the position of the
// offending formula node when there is one; Limit is the limit exceeded for
// ErrSizeLimit, ErrBadAlphabet and ErrBadTrace when a limit was the cause.
type Error struct {
	Kind  error
	Pos   ltl.Pos
	Msg   string
	Limit int
}

func (e *Error) Error() string {
	if e.Pos.Line > 0 {
		return fmt.Sprintf("%s: %s", e.Pos.String(), e.Msg)
	}
	return "mona: " + e.Msg
}

// Unwrap returns the sentinel kind, so errors.Is(err, ErrTimeout) works.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind error, pos ltl.Pos, format string, args ...any) *Error {
	return &Error{Kind: kind, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
