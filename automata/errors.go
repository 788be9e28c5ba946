package automata

import (
	"errors"
	"fmt"

	"github.com/specplan/specplan/ltl"
)

// Error kinds. Every error returned by this package is an *Error whose Kind
// is one of these sentinels, so callers and tests compare with errors.Is.
var (
	// ErrStateLimit: an automaton under construction exceeded its state
	// limit (Options.MaxStates, or the maxStates of ProductLimit and its
	// kin) or MaxTransitions, or Compile exceeded MaxClauses,
	// MaxFormulaSize or MaxDNFWork; Error.Limit is the bound exceeded.
	ErrStateLimit = errors.New("state limit exceeded")
	// ErrSymbolLimit: the alphabet would exceed its symbol limit.
	ErrSymbolLimit = errors.New("symbol limit exceeded")
	// ErrUnknownAtom: a formula names a step, tool or predicate the alphabet
	// does not have, or an atom is unresolved.
	ErrUnknownAtom = errors.New("unknown atom")
	// ErrUnknownEvent: an event's step or tool is not in the alphabet.
	ErrUnknownEvent = errors.New("unknown event")
	// ErrArgType: a call the fail-closed rule rejects (ltl.CheckArgs); the
	// error wraps the *ltl.ArgTypeError.
	ErrArgType = errors.New("argument of the wrong type")
	// ErrArgDomain: a call with an argument value outside its domain
	// (AlphabetOptions.Domains); the error wraps a *DomainError.
	ErrArgDomain = errors.New("argument outside its domain")
	// ErrFutureInPast: a future operator (or `last`) under a past operator.
	ErrFutureInPast = errors.New("future operator under a past operator")
	// ErrAlphabetMismatch: two automata over different alphabets were combined.
	ErrAlphabetMismatch = errors.New("alphabet mismatch")
	// ErrBadFormula: a formula node this package does not know (nil, unknown op).
	ErrBadFormula = errors.New("malformed formula")
)

// Error is the error type of this package. Pos is the source position of the
// offending formula node when there is one (zero otherwise); Limit is the
// limit that was exceeded for ErrStateLimit and ErrSymbolLimit, and Option
// the Options field that raises it ("" for a fixed limit).
type Error struct {
	Kind   error
	Pos    ltl.Pos
	Msg    string
	Limit  int
	Option string
	// Cause is the detailed error behind Kind, when there is one
	// (*ltl.ArgTypeError for ErrArgType, *DomainError for ErrArgDomain).
	Cause error
}

func (e *Error) Error() string {
	if e.Pos.Line > 0 {
		return ltl.FormatPos(e.Pos) + ": " + e.Msg
	}
	return "automata: " + e.Msg
}

// limitError is a limit's error: its message ends by saying what raises the
// limit, so nobody is told to raise a flag that does not move it. option is
// the field of specplan.Options (and of this package's Options where it has
// one) that raises it, flag the plan CLI's flag for it; "" marks a fixed
// limit.
func limitError(kind error, pos ltl.Pos, limit int, option, flag, format string, args ...any) *Error {
	e := errorf(kind, pos, format, args...)
	e.Limit, e.Option = limit, option
	if option == "" {
		e.Msg += " (a fixed limit)"
	} else {
		e.Msg += fmt.Sprintf(" (raise it with %s or Options.%s)", flag, option)
	}
	return e
}

// Unwrap returns the sentinel kind, so errors.Is(err, ErrStateLimit) works,
// and the Cause, so errors.As finds an *ltl.ArgTypeError.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func errorf(kind error, pos ltl.Pos, format string, args ...any) *Error {
	return &Error{Kind: kind, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
