package decoder

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// reactTurnsDFA: thought search observation thought (search observation
// thought)* answer. The model must write events after the environment's
// observation, so a budget that only covered the current turn would run
// out in the second one. With anyObs, observations may also come at any
// state before the answer (as in specs/refund.ltl, which has no rule against
// an observation without a call): then the model may end its turn there,
// and the EOG that does so must leave room for the rest of the run.
func reactTurnsDFA(anyObs bool) *cDFA {
	syms := []automata.Symbol{stepSym("thought"), stepSym("observation"), stepSym("answer"), toolSym("search")}
	// states: 0 start, 1 thought, 2 called, 3 observed, 4 thought after an observation, 5 answered
	return newCDFA(syms, 6, []int{5}, func(q int, s string) int {
		switch {
		case q == 0 && s == "thought":
			return 1
		case (q == 1 || q == 4) && s == "search":
			return 2
		case q == 2 && s == "observation":
			return 3
		case q == 3 && s == "thought":
			return 4
		case q == 4 && s == "answer":
			return 5
		case anyObs && q != 5 && s == "observation":
			if q == 2 {
				return 3
			}
			return q
		}
		return -1
	})
}

// budgetWalk runs a whole multi-turn session under one total budget k,
// choosing uniformly among the allowed tokens (with eager, an allowed EOG
// is taken one time in three, to end turns early). It re-sets the budget to
// what is left before every token, as Run does, and observes whenever the
// session awaits the environment. It fails the test unless the run ends
// Complete within k tokens, and checks at every step that the session's
// MinTokens still fits in what is left (after observations too).
func budgetWalk(t *testing.T, s *Session, r *rand.Rand, k int, eager bool) int {
	t.Helper()
	if err := s.CheckBudget(k); err != nil {
		t.Fatalf("CheckBudget(%d) with MinTokens %d: %v", k, s.MinTokens(), err)
	}
	eog := s.ix.vocab.EOG[0]
	used := 0
	for turn := 0; turn <= k+8; turn++ {
		for !s.Done() {
			left := k - used
			if need := s.MinTokens(); need > left {
				t.Fatalf("turn %d: MinTokens %d exceeds the %d tokens left of %d; text %q", turn, need, left, k, s.Text())
			}
			s.SetBudget(left)
			m := s.Mask()
			if m.Count() == 0 {
				t.Fatalf("turn %d: empty mask with %d of %d tokens left; text %q", turn, left, k, s.Text())
			}
			toks := m.Tokens()
			tok := toks[r.IntN(len(toks))]
			if eager && m.Has(eog) && r.IntN(3) == 0 {
				tok = eog
			}
			if err := s.Accept(tok); err != nil {
				t.Fatalf("Accept(%d): %v", tok, err)
			}
			used++
			if used > k {
				t.Fatalf("used %d tokens over the run's budget of %d; text %q", used, k, s.Text())
			}
		}
		if s.Complete() {
			return used
		}
		if !s.AwaitingEnvironment() {
			t.Fatalf("turn %d ended neither complete nor awaiting the environment; text %q", turn, s.Text())
		}
		if err := s.Observe(ltl.Event{Step: "observation", Text: "result"}); err != nil {
			t.Fatalf("Observe: %v; text %q", err, s.Text())
		}
	}
	t.Fatalf("no end after %d turns with a budget of %d; text %q", k+8, k, s.Text())
	return 0
}

// TestBudgetAcrossTurns: a total budget of MinTokens()+d, d in 0..10, is
// enough for the WHOLE run, across environment turns: random walks end
// Complete within it, for every format, whether the model ends its turns
// as late or as early as allowed. d = 0 is the case a per-turn budget
// fails: MinTokens would count only the first turn, and the walk would hit
// an empty mask after the observation. A budget one below MinTokens is
// refused up front.
func TestBudgetAcrossTurns(t *testing.T) {
	vocab := testVocab(boundaryPieces...)
	trie := NewTrie(vocab)
	const walks = 12
	totalRuns, turnsSeen := 0, 0
	for _, anyObs := range []bool{false, true} {
		d := reactTurnsDFA(anyObs)
		for _, f := range []Format{FormatJSON, FormatHermes, FormatPythonic, FormatReAct} {
			ix, err := NewIndex(d, vocab, trie, IndexOptions{Format: f, Tools: schemas("search", searchSchema)})
			if err != nil {
				t.Fatal(err)
			}
			min0 := ix.NewSession().MinTokens()
			// The run needs two thoughts, a call and an answer: far more
			// than the first turn (thought, call, EOG) alone.
			if shortest := len("Thought: \n")*2 + len("Answer: \n"); min0 <= shortest {
				t.Fatalf("anyObs=%v %s: MinTokens %d does not count the turns after the observation (> %d expected)", anyObs, f, min0, shortest)
			}
			if err := ix.NewSession().CheckBudget(min0 - 1); !errors.Is(err, ErrBudget) {
				t.Errorf("anyObs=%v %s: CheckBudget(MinTokens-1) = %v, want ErrBudget", anyObs, f, err)
			}
			for dd := 0; dd <= 10; dd++ {
				for _, eager := range []bool{false, true} {
					for w := range walks {
						name := fmt.Sprintf("anyObs=%v/%s/d=%d/eager=%v/walk=%d", anyObs, f, dd, eager, w)
						r := rand.New(rand.NewPCG(uint64(dd), uint64(w)<<8|uint64(slices.Index(Formats(), f)+1)))
						s := ix.NewSession()
						k := min0 + dd
						used := budgetWalk(t, s, r, k, eager)
						if used > k {
							t.Fatalf("%s: %d tokens over %d", name, used, k)
						}
						evs := s.Events()
						if q := d.run(evs); q < 0 || !d.acc[q] {
							t.Fatalf("%s: events %v not accepted", name, evs)
						}
						for _, e := range evs {
							if e.Step == "observation" {
								turnsSeen++
							}
						}
						totalRuns++
					}
				}
			}
		}
	}
	if turnsSeen < totalRuns {
		t.Errorf("%d observations in %d runs: every run should need at least one", turnsSeen, totalRuns)
	}
}

// eagerBackend is a model over testVocab whose logits are random but put
// EOG far ahead, so that greedy decoding ends every turn as soon as the
// mask allows. Tokenize spells text byte by byte (ids 0..255 are bytes).
type eagerBackend struct {
	vocab *Vocab
	seq   []int
	rng   *rand.Rand
}

func (b *eagerBackend) Vocab() *Vocab { return b.vocab }
func (b *eagerBackend) Tokenize(text string, _, _ bool) ([]int, error) {
	var out []int
	for i := 0; i < len(text); i++ {
		out = append(out, int(text[i]))
	}
	return out, nil
}
func (b *eagerBackend) Decode(toks []int) error { b.seq = append(b.seq, toks...); return nil }
func (b *eagerBackend) Logits() []float32 {
	l := make([]float32, b.vocab.Size())
	for i := range l {
		l[i] = b.rng.Float32()
	}
	l[b.vocab.EOG[0]] = 100
	return l
}
func (b *eagerBackend) ContextSize() int     { return 1 << 20 }
func (b *eagerBackend) Position() int        { return len(b.seq) }
func (b *eagerBackend) Reset() error         { b.seq = nil; return nil }
func (b *eagerBackend) ChatTemplate() string { return "" }
func (b *eagerBackend) Close() error         { return nil }

// TestRunBudgetAcrossTurns drives Run (not the session directly) with a
// model that ends its turn whenever it may, on a spec that lets the
// environment answer at any point: the run must still end Complete within
// MaxTokens, whatever the slack d. With d = 100 the model ends about 100
// turns early, past the old fixed MaxTurns default of 64, which the budget
// alone must bound. The result carries the session's events and verdict.
func TestRunBudgetAcrossTurns(t *testing.T) {
	vocab := testVocab(boundaryPieces...)
	trie := NewTrie(vocab)
	d := reactTurnsDFA(true)
	ix, err := NewIndex(d, vocab, trie, IndexOptions{Format: FormatReAct, Tools: schemas("search", searchSchema)})
	if err != nil {
		t.Fatal(err)
	}
	min0 := ix.NewSession().MinTokens()
	for _, dd := range []int{0, 1, 5, 100} {
		for _, temp := range []float64{0, 1} {
			b := &eagerBackend{vocab: vocab, rng: rand.New(rand.NewPCG(uint64(dd), 1))}
			k := min0 + dd
			observed := 0
			env := func([]ltl.Event) (ltl.Event, error) {
				observed++
				return ltl.Event{Step: "observation", Text: fmt.Sprint("result ", observed)}, nil
			}
			res, err := Run(context.Background(), b, ix.NewSession(), []int{'x'}, RunOptions{
				MaxTokens: k, Environment: env, Sampler: SamplerOptions{Temperature: temp, Seed: int64(dd)},
			})
			name := fmt.Sprintf("d=%d/temp=%v", dd, temp)
			if err != nil {
				t.Fatalf("%s: Run: %v (%d tokens, %d turns); text %q", name, err, res.Tokens, res.Turns, res.Text)
			}
			if !res.Complete || res.Tokens > k {
				t.Fatalf("%s: complete %v, %d tokens of %d; text %q", name, res.Complete, res.Tokens, k, res.Text)
			}
			evs, err := SegmentEvents(FormatReAct, res.Segments)
			if err != nil {
				t.Fatalf("%s: SegmentEvents: %v", name, err)
			}
			if fmt.Sprint(evs) != fmt.Sprint(res.Events) || len(evs) < 5 {
				t.Fatalf("%s: RunResult.Events %v, transcript parses to %v", name, res.Events, evs)
			}
			if q := d.run(evs); q < 0 || !d.acc[q] {
				t.Fatalf("%s: events %v not accepted", name, evs)
			}
			if dd == 100 && temp == 0 && res.Turns <= 64 {
				t.Errorf("%s: %d turns; the eager model should have ended more turns early", name, res.Turns)
			}
		}
	}
}
