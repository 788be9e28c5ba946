package decoder

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestTrustBindingsEveryFormat: a routine's shape (a call, its result
// captured, calls bound to it whose outcomes the spec does not read, an
// answer) is satisfiable with TrustBindings in every format that can
// write it, and seeded walks through the session are accepted by the
// format's independent parser and by ltl.Eval. Native formats must end a
// message after issue_refund (llama3: one call per message) or before
// the answer (qwen: no text after calls); the environment answers such a
// message's last call though the spec awaits no outcome of it.
func TestTrustBindingsEveryFormat(t *testing.T) {
	f, d := specDFA(t, "p.ltl", trustSpec)
	vocab := testVocab(boundaryPieces...)
	for _, fm := range Formats() {
		t.Run(fm.String(), func(t *testing.T) {
			ix, err := NewIndex(FromDFA(d), vocab, NewTrie(vocab), IndexOptions{Format: fm, Tools: trustSchemas, TrustBindings: true})
			if fm.d.Think != nil && fm.d.Think.InPrompt {
				// Every message of deepseek-r1 starts in its think block,
				// an event of step think, which this spec has not: no run.
				if !errors.Is(err, ErrUnsat) {
					t.Fatalf("NewIndex: %v, want ErrUnsat (the spec has no think step)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				r := rand.New(rand.NewPCG(uint64(i), 7))
				s := ix.NewSession()
				budget := s.MinTokens() + 300
				s.SetBudget(budget)
				evs := trustRun(t, resultSpec{name: "refund", f: f}, s, r, budget)
				if !ltl.Eval(f, evs) {
					t.Fatalf("ltl.Eval rejects %v", evs)
				}
			}
		})
	}
}
