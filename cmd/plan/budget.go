package main

import (
	"errors"
	"fmt"

	"github.com/specplan/specplan/decoder"
)

// budgetHint says which --max-tokens would fit when the one given does not
// (decoder.Index.FitBudget); other errors are returned as they are.
func budgetHint(err error) error {
	var small *decoder.BudgetTooSmall
	if errors.As(err, &small) {
		return fmt.Errorf("%w: run with --max-tokens %d or more", err, small.Need)
	}
	return err
}
