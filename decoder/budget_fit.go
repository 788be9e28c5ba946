package decoder

import "fmt"

// DefaultMaxTokens is the token budget of a run that names none, unless
// the spec's shortest valid run needs more (Index.FitBudget).
const DefaultMaxTokens = 256

// MinRunTokens is the fewest tokens in which a whole run can satisfy the
// spec from the start, in this index's format and vocabulary, with the
// environment's choices taken as the worst (each EOG that ends a turn or
// the run counts): the smallest budget Start accepts. It needs a
// vocabulary with every byte as a token (CodeVocab otherwise).
func (ix *Index) MinRunTokens() (int, error) {
	s := ix.NewSession()
	if err := s.CheckBudget(1 << 62); err != nil {
		return 0, err
	}
	return s.MinTokens(), nil
}

// BudgetTooSmall is the ErrBudget of FitBudget: the budget asked for, and
// the fewest tokens the spec's shortest valid run takes.
type BudgetTooSmall struct {
	Asked, Need int
}

func (e *BudgetTooSmall) Error() string {
	return fmt.Sprintf("decoder: budget: a budget of %d tokens is below the %d tokens of the spec's shortest valid run in this format and vocabulary (a budget of %d would fit)", e.Asked, e.Need, e.Need)
}

// Is makes errors.Is(err, ErrBudget) hold.
func (e *BudgetTooSmall) Is(target error) bool { return target == ErrBudget }

// FitBudget is the budget a run gets: asked when it is positive and fits
// the spec's shortest valid run (*BudgetTooSmall, errors.Is ErrBudget,
// saying the number that would, when it does not); for asked <= 0, the
// larger of DefaultMaxTokens and that shortest run, so that the default
// always fits.
func (ix *Index) FitBudget(asked int) (int, error) {
	need, err := ix.MinRunTokens()
	if err != nil {
		return 0, err
	}
	if asked <= 0 {
		return max(DefaultMaxTokens, need), nil
	}
	if asked < need {
		return 0, &BudgetTooSmall{Asked: asked, Need: need}
	}
	return asked, nil
}
