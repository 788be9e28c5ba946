package decoder

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// trustSpec is a routine's shape: the run must refund the total get_order
// returned and message its email; a failed lookup leaves no valid run.
const trustSpec = `spec refund "refund"
steps answer
tools get_order, issue_refund, send_message
let order = get_order
rule G(get_order -> !Y true)
rule G(issue_refund -> issue_refund(amount == $order.total) & Y get_order)
rule G(send_message -> send_message(to == $order.email) & Y issue_refund)
rule G(answer -> Y send_message)
rule F answer
rule G(answer -> last)
`

var trustSchemas = schemas(
	"get_order", `{"type": "object", "properties": {"id": {"type": "string", "enum": ["A1"]}}, "required": ["id"]}`,
	"issue_refund", `{"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]}`,
	"send_message", `{"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]}`)

func trustIndex(t *testing.T, trust bool) (*Index, ltl.Formula, error) {
	t.Helper()
	f, d := specDFA(t, "p.ltl", trustSpec)
	vocab := testVocab(boundaryPieces...)
	ix, err := NewIndex(FromDFA(d), vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON, Tools: trustSchemas, TrustBindings: trust})
	return ix, f, err
}

// TestTrustBindingsSatisfiable: without TrustBindings the adversarial
// analysis refuses a spec whose runs must make bound calls (ErrUnsat);
// with it the spec compiles and a run with good results is written
// exactly, the bound values forced.
func TestTrustBindingsSatisfiable(t *testing.T) {
	if _, _, err := trustIndex(t, false); !errors.Is(err, ErrUnsat) {
		t.Fatalf("strict analysis: %v, want ErrUnsat", err)
	}
	ix, f, err := trustIndex(t, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		r := rand.New(rand.NewPCG(uint64(i), 3))
		s := ix.NewSession()
		budget := s.MinTokens() + 300
		s.SetBudget(budget)
		sp := resultSpec{name: "refund", f: f}
		evs := trustRun(t, sp, s, r, budget)
		if !ltl.Eval(f, evs) {
			t.Fatalf("ltl.Eval rejects %v", evs)
		}
		for _, e := range evs {
			if n, _, _ := ltl.NumberOf(e.Args["amount"]); e.Tool == "issue_refund" && n.Cmp(ltl.MustParseNumber("42.5")) != 0 {
				t.Errorf("issue_refund(%v), want the total 42.5", e.Args)
			}
			if e.Tool == "send_message" && e.Args["to"] != "a@shop.example" {
				t.Errorf("send_message(%v), want the email returned", e.Args)
			}
		}
	}
}

// TestTrustBindingsRefusesBadResults: a result under which a bound call
// cannot be written (total missing, or a string), a failure after which
// no run is valid, and a value longer than the budget keeps for it are
// refused by Observe, changing nothing.
func TestTrustBindingsRefusesBadResults(t *testing.T) {
	ix, _, err := trustIndex(t, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ev   ltl.Event
	}{
		{"total missing", ResultEvent("get_order", map[string]any{"email": "a@shop.example"}, nil)},
		{"total a string", ResultEvent("get_order", map[string]any{"total": "lots", "email": "a@shop.example"}, nil)},
		{"failed", ResultEvent("get_order", nil, errors.New("down"))},
		{"email over MaxTrustedValueBytes", ResultEvent("get_order", map[string]any{"total": json.Number("1"), "email": strings.Repeat("a", MaxTrustedValueBytes) + "@x"}, nil)},
	} {
		s := ix.NewSession()
		if err := feedText(s, jsonCall("get_order", `{"id": "A1"}`)); err != nil {
			t.Fatal(err)
		}
		state := s.State()
		if err := s.Observe(c.ev); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: Observe: %v, want CodeNotAllowed", c.name, err)
		}
		if s.State() != state {
			t.Errorf("%s: a refused result moved the session", c.name)
		}
		if err := s.Observe(ResultEvent("get_order", goodOrder(), nil)); err != nil {
			t.Errorf("%s: a good result after the refused one: %v", c.name, err)
		}
	}
}

func goodOrder() map[string]any {
	return map[string]any{"total": json.Number("42.5"), "email": "a@shop.example"}
}

// trustRun drives a session with random allowed tokens, answering every
// call with a good order.
func trustRun(t *testing.T, sp resultSpec, s *Session, r *rand.Rand, budget int) []ltl.Event {
	t.Helper()
	var indep []ltl.Event
	turnStart, used := 0, 0
	for turn := 0; turn < 20; turn++ {
		for !s.Done() {
			m := s.Mask()
			if m.Count() == 0 {
				t.Fatalf("dead end after %q", s.Text())
			}
			toks := m.Tokens()
			if err := s.Accept(toks[r.IntN(len(toks))]); err != nil {
				t.Fatal(err)
			}
			if used++; used > budget {
				t.Fatalf("%d tokens over the budget of %d", used, budget)
			}
		}
		evs, err := s.ix.format.Parse(s.text[turnStart:])
		if err != nil {
			t.Fatalf("turn %q does not parse: %v", s.text[turnStart:], err)
		}
		indep = append(indep, evs...)
		turnStart = len(s.text)
		if s.Complete() {
			return indep
		}
		call, ok := s.PendingCall()
		if evs := s.Events(); !ok && s.AwaitingEnvironment() && len(evs) > 0 && evs[len(evs)-1].IsCall() {
			// A message ended after a call whose outcome the spec does
			// not await: the environment answers it all the same.
			call, ok = evs[len(evs)-1], true
		}
		if !ok {
			t.Fatalf("stopped neither complete nor awaiting a result: %q", s.Text())
		}
		ev := ResultEvent(call.Tool, goodOrder(), nil)
		if err := s.Observe(ev); err != nil {
			t.Fatalf("Observe: %v after %q", err, s.Text())
		}
		if indep, err = attachOutcome(indep, ev); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("no end after 20 turns: %q", s.Text())
	return nil
}
