package decoder

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// TestEOGWithTextOnlyAtBoundary: an EOG token whose piece has text ("</s>"
// added but not special) is never allowed as free text inside an event,
// only by the EOG rule where the output may end.
func TestEOGWithTextOnlyAtBoundary(t *testing.T) {
	vocab := testVocab("</s>")
	textEOG := 256
	vocab.EOG = append(vocab.EOG, textEOG)
	s, err := NewSession(turnLoopDFA(), vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []byte("Thought: a") {
		if err := s.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	if s.Mask().Has(textEOG) {
		t.Fatal(`"</s>" (an EOG token) allowed as text inside a thought`)
	}
	if err := s.Accept(textEOG); !errors.Is(err, ErrNotAllowed) || s.Done() {
		t.Fatalf("Accept(</s>) mid-event: want ErrNotAllowed, not Done; got %v, Done %v", err, s.Done())
	}
	for _, b := range []byte("\n") {
		if err := s.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Mask().Has(textEOG) {
		t.Fatal(`"</s>" not allowed as EOG at the end of the turn`)
	}
	if err := s.Accept(textEOG); err != nil || !s.AwaitingEnvironment() {
		t.Fatalf("Accept(</s>) at the turn end: %v, AwaitingEnvironment %v", err, s.AwaitingEnvironment())
	}
}

// turnLoopDFA: thoughts and observations until an answer; the model may end
// its turn (EOG) at any boundary before the answer.
func turnLoopDFA() *cDFA {
	syms := []automata.Symbol{stepSym("thought"), stepSym("observation"), stepSym("answer")}
	return newCDFA(syms, 2, []int{1}, func(q int, sym string) int {
		switch {
		case q == 0 && sym == "answer":
			return 1
		case q == 0:
			return 0
		}
		return -1
	})
}

// TestCompleteOnEmptyRun: an event automaton that accepts the empty trace is
// Complete before any event, so the run needs no environment step.
func TestCompleteOnEmptyRun(t *testing.T) {
	syms := []automata.Symbol{stepSym("thought"), stepSym("observation")}
	d := newCDFA(syms, 2, []int{0}, func(q int, sym string) int {
		switch {
		case q == 0 && sym == "thought":
			return 1
		case q == 1 && sym == "observation":
			return 0
		}
		return -1
	})
	vocab := testVocab()
	s, err := NewSession(d, vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete() {
		t.Fatal("the empty run is accepted but Complete is false")
	}
	if err := s.Accept(vocab.EOG[0]); err != nil {
		t.Fatal(err)
	}
	if !s.Done() || !s.Complete() || s.AwaitingEnvironment() {
		t.Fatalf("after EOG: Done %v Complete %v AwaitingEnvironment %v", s.Done(), s.Complete(), s.AwaitingEnvironment())
	}
	if err := s.Observe(ltl.Event{Step: "observation"}); err == nil {
		t.Fatal("Observe after the run completed was accepted")
	}
}

// TestUnspellableFrame: without a token for the newline that ends every
// event, or for a call frame's suffix, NewIndex fails naming the literal.
func TestUnspellableFrame(t *testing.T) {
	for _, c := range []struct {
		drop byte
		want string
	}{{'\n', `"\n"`}, {'}', `"}\n"`}} {
		vocab := testVocab()
		vocab.Pieces[c.drop] = []byte("zz")
		_, err := NewIndex(reactDFA("search"), vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON})
		if !errors.Is(err, ErrSpell) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("without %q: want ErrSpell naming %s, got %v", c.drop, c.want, err)
		}
	}
}

// TestTrieVocabMismatch: a trie built for another vocabulary is a
// vocabulary error, not a panic in the mask.
func TestTrieVocabMismatch(t *testing.T) {
	vocab := testVocab()
	other := testVocab("extra", "more")
	_, err := NewIndex(reactDFA("search"), vocab, NewTrie(other), IndexOptions{Format: FormatJSON})
	if !errors.Is(err, ErrSpell) || !strings.Contains(err.Error(), "trie") {
		t.Fatalf("want a vocabulary error about the trie, got %v", err)
	}
}

// TestStateCapStartsGenerations: many sessions writing distinct numbers on
// one Index keep its byte states under MaxStates (new generations start),
// while sessions interleaved across a generation change go on seamlessly:
// every output parses back and is accepted.
func TestStateCapStartsGenerations(t *testing.T) {
	rd, f := refundDFA()
	vocab := testVocab()
	const maxStates = 1500
	ix, err := NewIndex(rd, vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON,
		Tools: schemas("refund", refundSchema), MaxStates: maxStates})
	if err != nil {
		t.Fatal(err)
	}
	const live = 7 // sessions in flight at once, advanced round robin
	type run struct {
		s    *Session
		text string
		pos  int
	}
	var runs []*run
	started, finished := 0, 0
	for finished < 300 {
		for len(runs) < live {
			amount := fmt.Sprintf("%d.%06d", started%100, (started*7919)%1000000)
			text := `{"name": "refund", "arguments": {"amount": ` + amount + "}}\n"
			runs = append(runs, &run{s: ix.NewSession(), text: text})
			started++
		}
		for i := 0; i < len(runs); i++ {
			r := runs[i]
			if r.pos < len(r.text) {
				if !r.s.Mask().Has(int(r.text[r.pos])) {
					t.Fatalf("byte %q of %q not in the mask", r.text[r.pos], r.text)
				}
				if err := r.s.Accept(int(r.text[r.pos])); err != nil {
					t.Fatalf("%q at %d: %v", r.text, r.pos, err)
				}
				r.pos++
				continue
			}
			if err := r.s.Accept(vocab.EOG[0]); err != nil {
				t.Fatalf("EOG after %q: %v", r.text, err)
			}
			checkSound(t, r.s, rd, f, checkRefund)
			if !r.s.Complete() || string(r.s.Text()) != r.text {
				t.Fatalf("session ended with %q, Complete %v", r.s.Text(), r.s.Complete())
			}
			runs = append(runs[:i], runs[i+1:]...)
			i--
			finished++
		}
		if st := ix.Stats(); st.States > maxStates {
			t.Fatalf("%d states over the cap of %d", st.States, maxStates)
		}
	}
	st := ix.Stats()
	if st.Generations == 0 {
		t.Fatalf("no new generation after %d sessions (%d states)", finished, st.States)
	}
	n := 0
	for _, p := range ix.progs {
		if p == nil {
			continue
		}
		for i := range p.nodes {
			if l, ok := p.nodes[i].leaf.(*numLeaf); ok {
				n = max(n, len(l.memo))
			}
		}
	}
	if n > maxStates {
		t.Fatalf("a number memo holds %d prefixes, more than the cap of %d states", n, maxStates)
	}
}

// TestPatternWithExcludedValue: a pattern combined with a == predicate
// whose negation is an excluded value compiles, never writes the excluded
// value, and keeps the cost exact (the shortest value gets longer).
func TestPatternWithExcludedValue(t *testing.T) {
	const sch = `{"type": "object", "properties": {"q": {"type": "string", "pattern": "^a+b?$"}}, "required": ["q"]}`
	eqA := strPred("q", ltl.CmpEq, "a")
	syms := []automata.Symbol{toolSym("search", automata.Lit{Pred: eqA, Holds: true}), toolSym("search", automata.Lit{Pred: eqA, Holds: false})}
	d := newCDFA(syms, 2, []int{1}, func(q int, sym string) int {
		if q == 0 && strings.HasPrefix(sym, "search(!") {
			return 1
		}
		return -1
	})
	plain := newCDFA([]automata.Symbol{toolSym("search")}, 2, []int{1}, func(q int, _ string) int { return 1 - 2*q })
	vocab := testVocab()
	opts := IndexOptions{Format: FormatJSON, Tools: schemas("search", sch)}
	s, err := NewSession(d, vocab, NewTrie(vocab), opts, SessionOptions{})
	if err != nil {
		t.Fatalf("pattern with q != \"a\": %v", err)
	}
	p, err := NewSession(plain, vocab, NewTrie(vocab), opts, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.MinTokens() != p.MinTokens()+1 {
		t.Fatalf("MinTokens %d, want %d (\"aa\" instead of \"a\")", s.MinTokens(), p.MinTokens()+1)
	}
	for _, b := range []byte(`{"name": "search", "arguments": {"q": "a`) {
		if err := s.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	if s.Mask().Has('"') {
		t.Fatal(`closing the excluded value "a" is allowed`)
	}
	for _, b := range []byte("b\"}}\n") {
		if err := s.Accept(int(b)); err != nil {
			t.Fatalf("%q: %v", b, err)
		}
	}
	if !s.Complete() || s.Events()[0].Args["q"] != "ab" {
		t.Fatalf("events %v, Complete %v", s.Events(), s.Complete())
	}
	ix := s.Index()
	re := regexp.MustCompile("^a+b?$")
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		w := ix.NewSession()
		if !walk(t, w, r, 0, 1) {
			t.Fatal("walk did not end accepted")
		}
		q, _ := w.Events()[0].Args["q"].(string)
		if q == "a" || !re.MatchString(q) {
			t.Fatalf("walk wrote q = %q; text %q", q, w.Text())
		}
	}
}
