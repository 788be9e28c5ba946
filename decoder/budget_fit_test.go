package decoder

import (
	"errors"
	"testing"
)

// The default budget fits the shortest valid run, and a budget below it is
// an error in tokens that says what would fit; Start agrees on the number.
func TestFitBudget(t *testing.T) {
	vocab := testVocab()
	ix, err := NewIndex(orderDFA(), vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	need, err := ix.MinRunTokens()
	if err != nil || need < 2 {
		t.Fatalf("MinRunTokens = %d, %v", need, err)
	}
	if _, err := ix.Start(SessionOptions{MaxTokens: need}); err != nil {
		t.Errorf("Start with the minimum %d: %v", need, err)
	}
	if _, err := ix.Start(SessionOptions{MaxTokens: need - 1}); !errors.Is(err, ErrBudget) {
		t.Errorf("Start with %d (below the minimum %d): %v, want ErrBudget", need-1, need, err)
	}
	if got, err := ix.FitBudget(0); err != nil || got != max(DefaultMaxTokens, need) {
		t.Errorf("FitBudget(0) = %d, %v", got, err)
	}
	var small *BudgetTooSmall
	if _, err := ix.FitBudget(need - 1); !errors.As(err, &small) || small.Need != need || !errors.Is(err, ErrBudget) {
		t.Errorf("FitBudget(%d) = %v, want BudgetTooSmall{Need: %d}", need-1, err, need)
	}
}

// A spec whose shortest run takes more than DefaultMaxTokens gets a default
// budget that fits it, not DefaultMaxTokens.
func TestFitBudgetDefaultGrows(t *testing.T) {
	vocab := testVocab()
	long := `{"type": "object", "properties": {"note": {"type": "string", "minLength": 400}}, "required": ["note"]}`
	ix, err := NewIndex(orderDFA(), vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON, Tools: schemas("create_order", long)})
	if err != nil {
		t.Fatal(err)
	}
	need, err := ix.MinRunTokens()
	if err != nil || need <= DefaultMaxTokens {
		t.Fatalf("MinRunTokens = %d, %v: want more than %d", need, err, DefaultMaxTokens)
	}
	if got, err := ix.FitBudget(0); err != nil || got != need {
		t.Errorf("FitBudget(0) = %d, %v; want %d", got, err, need)
	}
	if _, err := ix.Start(SessionOptions{MaxTokens: need}); err != nil {
		t.Errorf("Start with the fitted budget: %v", err)
	}
}
