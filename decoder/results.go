package decoder

import (
	"errors"
	"fmt"
)

// ErrResults is matched (errors.Is) by the *ResultsError NewIndex returns
// for a spec the decoder cannot enforce.
var ErrResults = errors.New("decoder: the spec reads what the decoder cannot enforce")

// ResultsError refuses a spec that reads tool results (`returns`, `fails`,
// captures) given as an EventAutomaton that does not give its alphabet
// (FromDFA's does): without it the environment's answers cannot be
// classified. The decoder refuses rather than ignore part of the spec.
type ResultsError struct {
	Symbol string // the first symbol that needs it
	What   string // what it needs, in words
}

func (e *ResultsError) Error() string {
	return fmt.Sprintf("decoder: symbol %s %s; the decoder does not enforce this yet (validate and guard such specs with specplan.Validate and Monitor)", e.Symbol, e.What)
}

func (e *ResultsError) Is(target error) bool { return target == ErrResults }
