package decoder

import (
	"slices"
	"testing"
)

// TestMinTokensAfter: for every token, MinTokensAfter equals MinTokens of a
// session that accepted it, and is -1 exactly for the tokens the mask
// disallows; the session itself does not move.
func TestMinTokensAfter(t *testing.T) {
	vocab := testVocab(boundaryPieces...)
	ix, err := NewIndex(reactDFA("search"), vocab, NewTrie(vocab), IndexOptions{Format: FormatReAct, Tools: schemas("search", searchSchema)})
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"", "Thought: a", "Thought: a\n", "Thought: a\nAction: search[{\"q\": \"x"} {
		s := ix.NewSession()
		for i := range len(prefix) {
			if err := s.Accept(int(prefix[i])); err != nil {
				t.Fatal(err)
			}
		}
		m := s.Mask()
		for tok := range vocab.Size() {
			got := s.MinTokensAfter(tok)
			if !m.Has(tok) {
				if got != -1 {
					t.Errorf("after %q: token %q not allowed but MinTokensAfter = %d", prefix, vocab.Pieces[tok], got)
				}
				continue
			}
			s2 := ix.NewSession()
			for i := range len(prefix) {
				s2.Accept(int(prefix[i]))
			}
			if err := s2.Accept(tok); err != nil {
				t.Fatal(err)
			}
			if want := s2.MinTokens(); got != want {
				t.Errorf("after %q + %q: MinTokensAfter = %d, MinTokens after accepting = %d", prefix, vocab.Pieces[tok], got, want)
			}
		}
		if string(s.Text()) != prefix {
			t.Errorf("MinTokensAfter moved the session: %q", s.Text())
		}
	}
}

// TestMaskNth: Nth(k) is Tokens()[k], and -1 out of range.
func TestMaskNth(t *testing.T) {
	m := newMask(300)
	for _, tok := range []int{0, 5, 63, 64, 65, 128, 299} {
		m.set(tok)
	}
	toks := m.Tokens()
	var got []int
	for k := range m.Count() {
		got = append(got, m.Nth(k))
	}
	if !slices.Equal(got, toks) || m.Nth(-1) != -1 || m.Nth(m.Count()) != -1 {
		t.Errorf("Nth gives %v, Tokens %v; out of range %d %d", got, toks, m.Nth(-1), m.Nth(m.Count()))
	}
}
