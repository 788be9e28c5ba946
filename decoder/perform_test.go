package decoder

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// performIndex compiles src for the decoder in FormatJSON on testVocab.
func performIndex(t *testing.T, src string, tools map[string]json.RawMessage) (*Index, ltl.Formula) {
	t.Helper()
	f, d := specDFA(t, "p.ltl", src)
	vocab := testVocab()
	ix, err := NewIndex(FromDFA(d), vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON, Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	return ix, f
}

// rollbackSpec: `back` (which only the runtime performs here) comes right
// after a failed pay and nowhere else.
const rollbackSpec = `spec p "rollback"
steps answer
tools pay, back
rule G(back -> Y(pay fails))
rule F answer
rule G(answer -> last)
`

func payThenAnswer(t *testing.T, ix *Index, payErr error) *Session {
	t.Helper()
	s := ix.NewSession()
	if err := feedText(s, jsonCall("pay", `{"amount": 3}`)); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.PendingCall(); !ok {
		t.Fatal("pay does not wait for its outcome")
	}
	var res any = map[string]any{"ok": true}
	if payErr != nil {
		res = nil
	}
	if err := s.Observe(ResultEvent("pay", res, payErr)); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPerformAllowed: after pay failed, the runtime's back is recorded
// with its outcome, the session goes on from the state after it, and the
// finished run is the spec's.
func TestPerformAllowed(t *testing.T) {
	ix, f := performIndex(t, rollbackSpec, nil)
	s := payThenAnswer(t, ix, errors.New("declined"))
	back := ltl.Event{Tool: "back", Args: map[string]any{}, Outcome: ltl.Returned, Result: map[string]any{"undone": "pay"}}
	if err := s.Perform(back); err != nil {
		t.Fatalf("Perform(back) after a failed pay: %v", err)
	}
	evs := s.Events()
	if len(evs) != 2 || evs[1].Tool != "back" || evs[1].Outcome != ltl.Returned {
		t.Fatalf("events after Perform: %v", evs)
	}
	// A second back is not right after a failed pay: refused.
	if err := s.Perform(back); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("second Perform(back): %v, want CodeNotAllowed", err)
	}
	if err := feedText(s, "Answer: refunded nothing\n"); err != nil {
		t.Fatal(err)
	}
	for !s.Done() {
		if err := s.Accept(ix.vocab.EOG[0]); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Complete() {
		t.Fatalf("not complete after the answer: %q", s.Text())
	}
	if evs := s.Events(); len(evs) != 3 || !ltl.Eval(f, evs) {
		t.Errorf("ltl.Eval rejects the run with the runtime's back: %v", evs)
	}
	if err := s.Perform(back); !errors.Is(err, ErrCallOrder) {
		t.Errorf("Perform after the run is complete: %v, want CodeOrder", err)
	}
}

// TestPerformForbidden: back after a pay that returned is CodeNotAllowed,
// changes nothing, and the model's run goes on as before.
func TestPerformForbidden(t *testing.T) {
	ix, f := performIndex(t, rollbackSpec, nil)
	s := payThenAnswer(t, ix, nil)
	state, events := s.State(), s.Events()
	err := s.Perform(ltl.Event{Tool: "back", Args: map[string]any{}, Outcome: ltl.Returned})
	var ce *ConstraintError
	if !errors.As(err, &ce) || ce.Code != CodeNotAllowed {
		t.Fatalf("Perform(back) after pay returned: %v, want CodeNotAllowed", err)
	}
	if s.State() != state || len(s.Events()) != len(events) {
		t.Fatalf("a refused Perform changed the session: state %d→%d, %d→%d events", state, s.State(), len(events), len(s.Events()))
	}
	if err := feedText(s, "Answer: done\n"); err != nil {
		t.Fatalf("the model cannot go on after a refused Perform: %v", err)
	}
	if evs := s.Events(); !ltl.Eval(f, evs) {
		t.Errorf("ltl.Eval rejects %v", evs)
	}
	// At the very start no pay failed either.
	if err := ix.NewSession().Perform(ltl.Event{Tool: "back", Args: map[string]any{}, Outcome: ltl.Returned}); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("Perform(back) at the start: %v, want CodeNotAllowed", err)
	}
}

// TestPerformOrder: inside the model's turn, while a call awaits its
// outcome, and for a call without an outcome, Perform is CodeOrder.
func TestPerformOrder(t *testing.T) {
	ix, _ := performIndex(t, rollbackSpec, nil)
	failed := ltl.Event{Tool: "back", Args: map[string]any{}, Outcome: ltl.Failed, Error: "x"}
	s := ix.NewSession()
	if err := feedText(s, `{"name": "pa`); err != nil {
		t.Fatal(err)
	}
	if err := s.Perform(failed); !errors.Is(err, ErrCallOrder) {
		t.Errorf("Perform inside a call: %v, want CodeOrder", err)
	}
	if err := feedText(s, `y", "arguments": {"amount": 1}}`+"\n"); err != nil {
		t.Fatal(err)
	}
	if err := s.Perform(failed); !errors.Is(err, ErrCallOrder) {
		t.Errorf("Perform while pay awaits its outcome: %v, want CodeOrder", err)
	}
	if err := s.Observe(ResultEvent("pay", nil, errors.New("no"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Perform(ltl.Event{Tool: "back", Args: map[string]any{}}); !errors.Is(err, ErrCallOrder) {
		t.Errorf("Perform of a call without outcome: %v, want CodeOrder", err)
	}
	if err := s.Perform(failed); err != nil {
		t.Errorf("Perform(back fails) after a failed pay: %v", err)
	}
}

// TestPerformCaptures: a value the runtime's call returned is captured
// and binds the model's next turn exactly, as an observed result does.
func TestPerformCaptures(t *testing.T) {
	ix, f := performIndex(t, `spec c "runtime capture"
steps answer
tools get_limit, pay
let lim = get_limit
rule G(pay -> pay(amount <= $lim.max))
rule F answer
rule G(answer -> last)
`, schemas("pay", `{"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]}`))
	start := func() *Session {
		s := ix.NewSession()
		if err := s.Perform(ltl.Event{Tool: "get_limit", Args: map[string]any{}, Outcome: ltl.Returned, Result: map[string]any{"max": json.Number("5")}}); err != nil {
			t.Fatalf("Perform(get_limit): %v", err)
		}
		return s
	}
	if err := feedText(start(), jsonCall("pay", `{"amount": 9}`)); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("pay 9 over the captured max 5: %v, want refused", err)
	}
	s := start()
	if err := feedText(s, jsonCall("pay", `{"amount": 5}`)+"Answer: paid\n"); err != nil {
		t.Fatalf("pay 5 within the captured max 5: %v", err)
	}
	if evs := s.Events(); !ltl.Eval(f, evs) {
		t.Errorf("ltl.Eval rejects %v", evs)
	}
}
