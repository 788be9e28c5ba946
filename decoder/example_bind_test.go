package decoder_test

import (
	"encoding/json"
	"fmt"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// A spec that pays at most the budget get_budget returned: the call of
// get_budget waits for its result, and the next turn's constraint holds the
// returned limit as a literal.
func ExampleSession_PendingCall() {
	spec, err := ltl.Parse("pay.ltl", []byte(`spec pay
steps answer
tools get_budget, pay
let budget = get_budget
rule G(pay -> pay(amount <= $budget.limit))
rule F answer
rule G(answer -> last)
`), ltl.Options{})
	if err != nil {
		panic(err)
	}
	f := spec.Formula()
	alpha, _ := automata.NewAlphabet([]string{"answer"}, []string{"get_budget", "pay"}, f)
	dfa, _ := automata.Compile(f, alpha, automata.Options{})
	vocab := &decoder.Vocab{BOS: -1}
	for b := range 256 {
		vocab.Pieces = append(vocab.Pieces, []byte{byte(b)})
	}
	vocab.EOG = []int{256}
	vocab.Pieces = append(vocab.Pieces, nil)
	vocab.Special = make([]bool, 257)
	vocab.Special[256] = true
	s, err := decoder.NewSession(decoder.FromDFA(dfa), vocab, decoder.NewTrie(vocab), decoder.IndexOptions{
		Format: decoder.FormatJSON,
		Tools:  map[string]json.RawMessage{"pay": json.RawMessage(`{"type": "object", "properties": {"amount": {"type": "integer"}}, "required": ["amount"]}`)},
	}, decoder.SessionOptions{})
	if err != nil {
		panic(err)
	}
	write := func(text string) error {
		for i := 0; i < len(text); i++ {
			if err := s.Accept(int(text[i])); err != nil {
				return err
			}
		}
		return nil
	}
	_ = write(`{"name": "get_budget", "arguments": {}}` + "\n")
	call, waiting := s.PendingCall()
	fmt.Println(call.Tool, waiting)
	if err := s.Observe(decoder.ResultEvent("get_budget", map[string]any{"limit": json.Number("480")}, nil)); err != nil {
		panic(err)
	}
	fmt.Println(s.Captures())
	fmt.Println(write(`{"name": "pay", "arguments": {"amount": 481`) != nil)
	// Output:
	// get_budget true
	// map[budget:map[limit:480]]
	// true
}
