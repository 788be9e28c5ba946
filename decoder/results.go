package decoder

import (
	"errors"
	"fmt"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// ErrResults is matched (errors.Is) by the *ResultsError NewIndex returns
// for a spec the decoder cannot enforce yet.
var ErrResults = errors.New("decoder: the spec reads what the decoder cannot enforce yet")

// ResultsError refuses a spec whose alphabet reads tool results (`returns`,
// `fails`), compares with captured values (`$budget.limit`), or uses
// predicates the value automata do not spell yet (nested paths, string
// predicates, set membership). Binding captured values when a turn starts
// is the next step; until then the decoder refuses such a spec rather than
// ignore part of it and generate calls the guard would reject.
type ResultsError struct {
	Symbol string // the first symbol that needs it
	What   string // what it needs, in words
}

func (e *ResultsError) Error() string {
	return fmt.Sprintf("decoder: symbol %s %s; the decoder does not enforce this yet (validate and guard such specs with specplan.Validate and Monitor)", e.Symbol, e.What)
}

func (e *ResultsError) Is(target error) bool { return target == ErrResults }

// refuseResults is NewIndex's check: nil, or the *ResultsError of the first
// symbol the decoder cannot enforce.
func refuseResults(syms []automata.Symbol) error {
	for _, s := range syms {
		for _, l := range s.Lits {
			p := l.Pred
			switch {
			case p.Ref != nil:
				return &ResultsError{Symbol: s.Name, What: "compares with the captured value " + p.Ref.String()}
			case len(p.Path) > 1:
				return &ResultsError{Symbol: s.Name, What: "has a predicate on the nested path " + p.Arg}
			case p.Cmp.IsString() || p.Cmp == ltl.CmpIn:
				return &ResultsError{Symbol: s.Name, What: "has the predicate " + p.String() + ", which the value automata do not spell yet"}
			}
		}
	}
	for _, s := range syms {
		if s.Outcome != ltl.Pending || len(s.Result) > 0 {
			return &ResultsError{Symbol: s.Name, What: "reads the call's result or error (returns, fails, or a capture's let)"}
		}
	}
	return nil
}
