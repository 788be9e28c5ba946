package decoder

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// cDFA is a small hand-written event automaton for the constraint tests.
type cDFA struct {
	syms  []automata.Symbol
	trans [][]int // state → symbol → next (-1 dead)
	acc   []bool
	dist  []int
}

func (d *cDFA) Initial() int               { return 0 }
func (d *cDFA) Step(q, s int) int          { return d.trans[q][s] }
func (d *cDFA) Accepting(q int) bool       { return d.acc[q] }
func (d *cDFA) Distance(q int) int         { return d.dist[q] }
func (d *cDFA) Symbols() []automata.Symbol { return d.syms }

// newCDFA builds a DFA with n states; edge(q, sym name) gives the successor.
func newCDFA(syms []automata.Symbol, n int, acc []int, edge func(q int, sym string) int) *cDFA {
	d := &cDFA{syms: syms, acc: make([]bool, n), dist: make([]int, n)}
	for _, a := range acc {
		d.acc[a] = true
	}
	for q := range n {
		row := make([]int, len(syms))
		for s, sym := range syms {
			row[s] = edge(q, sym.Name)
		}
		d.trans = append(d.trans, row)
	}
	for q := range n {
		d.dist[q] = -1
		if d.acc[q] {
			d.dist[q] = 0
		}
	}
	for changed := true; changed; {
		changed = false
		for q := range n {
			for _, t := range d.trans[q] {
				if t >= 0 && d.dist[t] >= 0 && (d.dist[q] < 0 || d.dist[t]+1 < d.dist[q]) {
					d.dist[q] = d.dist[t] + 1
					changed = true
				}
			}
		}
	}
	return d
}

// run classifies events into symbols (through symbolOf, independent of the
// byte automaton) and runs the DFA; -1 if it dies.
func (d *cDFA) run(events []ltl.Event) int {
	q := 0
	for _, e := range events {
		s := symbolOf(d.syms, e)
		if s < 0 {
			return -1
		}
		q = d.trans[q][s]
		if q < 0 {
			return -1
		}
	}
	return q
}

func stepSym(name string) automata.Symbol { return automata.Symbol{Step: name, Name: name} }
func toolSym(name string, lits ...automata.Lit) automata.Symbol {
	n := name
	if len(lits) > 0 {
		var parts []string
		for _, l := range lits {
			if l.Holds {
				parts = append(parts, l.Pred.String())
			} else {
				parts = append(parts, "!("+l.Pred.String()+")")
			}
		}
		n += "(" + strings.Join(parts, " & ") + ")"
	}
	return automata.Symbol{Tool: name, Lits: lits, Name: n}
}

func numPred(arg string, c ltl.Cmp, v float64) ltl.Pred {
	n, _, _ := ltl.NumberOf(v)
	return ltl.Pred{Arg: arg, Cmp: c, Value: ltl.Value{Kind: ltl.NumberValue, Num: n}}
}

func strPred(arg string, c ltl.Cmp, v string) ltl.Pred {
	return ltl.Pred{Arg: arg, Cmp: c, Value: ltl.Value{Kind: ltl.StringValue, Str: v}}
}

// reactDFA: (thought call observation)* thought answer, any tool.
func reactDFA(tools ...string) *cDFA {
	syms := []automata.Symbol{stepSym("thought"), stepSym("observation"), stepSym("answer")}
	for _, t := range tools {
		syms = append(syms, toolSym(t))
	}
	return newCDFA(syms, 4, []int{3}, func(q int, s string) int {
		switch {
		case q == 0 && s == "thought":
			return 1
		case q == 1 && s == "answer":
			return 3
		case q == 1 && s != "thought" && s != "observation" && s != "answer":
			return 2
		case q == 2 && s == "observation":
			return 0
		}
		return -1
	})
}

var amountLe100 = numPred("amount", ltl.CmpLe, 100)

// refundDFA: refund(amount > 100) needs an earlier approve; some refund must
// happen. Formula: F refund & G((refund & !refund(amount <= 100)) -> O approve).
func refundDFA() (*cDFA, ltl.Formula) {
	syms := []automata.Symbol{stepSym("thought"), toolSym("approve"),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: true}),
		toolSym("refund", automata.Lit{Pred: amountLe100, Holds: false})}
	// states: bit 1 approved, bit 2 refunded
	d := newCDFA(syms, 4, []int{2, 3}, func(q int, s string) int {
		switch {
		case s == "thought":
			return q
		case s == "approve":
			return q | 1
		case strings.HasPrefix(s, "refund(!"):
			if q&1 == 0 {
				return -1
			}
			return q | 2
		default:
			return q | 2
		}
	})
	refund := &ltl.Atom{Kind: ltl.AtomTool, Name: "refund"}
	refundLe := &ltl.Atom{Kind: ltl.AtomTool, Name: "refund", Preds: []ltl.Pred{amountLe100}}
	approve := &ltl.Atom{Kind: ltl.AtomTool, Name: "approve"}
	f := &ltl.Binary{Op: ltl.OpAnd,
		L: &ltl.Unary{Op: ltl.OpEventually, X: refund},
		R: &ltl.Unary{Op: ltl.OpAlways, X: &ltl.Binary{Op: ltl.OpImplies,
			L: &ltl.Binary{Op: ltl.OpAnd, L: refund, R: &ltl.Unary{Op: ltl.OpNot, X: refundLe}},
			R: &ltl.Unary{Op: ltl.OpOnce, X: approve}}}}
	return d, f
}

const refundSchema = `{"type": "object", "properties": {
  "amount": {"type": "number", "minimum": 0, "maximum": 1000},
  "currency": {"type": "string", "enum": ["EUR", "USD"]},
  "reason": {"type": "string", "maxLength": 12}
}, "required": ["amount"]}`

const orderSchema = `{"type": "object", "properties": {
  "items": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "object", "properties": {
     "sku": {"type": "string", "minLength": 2, "maxLength": 6},
     "qty": {"type": "integer", "minimum": 1, "maximum": 20}}, "required": ["sku", "qty"]}},
  "shipping": {"type": "object", "properties": {
     "express": {"type": "boolean"}, "zone": {"enum": [1, 2, "intl", null]}}, "required": ["express"]},
  "note": {"type": ["string", "null"]},
  "coupon": {"type": "string", "pattern": "^[A-C]{2}-[0-9]{1,2}$"}
}, "required": ["items", "shipping"]}`

const searchSchema = `{"type": "object", "properties": {
  "q": {"type": "string"}, "n": {"type": "integer", "exclusiveMinimum": 0, "maximum": 10}}, "required": ["q"]}`

// orderDFA: thought* create_order answer.
func orderDFA() *cDFA {
	syms := []automata.Symbol{stepSym("thought"), toolSym("create_order"), stepSym("answer")}
	return newCDFA(syms, 3, []int{2}, func(q int, s string) int {
		switch {
		case q == 0 && s == "thought":
			return 0
		case q == 0 && s == "create_order":
			return 1
		case q == 1 && s == "answer":
			return 2
		}
		return -1
	})
}

// testVocab: every byte as a token (ids 0..255), then multi-byte pieces,
// then one EOG token with an empty piece.
func testVocab(extra ...string) *Vocab {
	v := &Vocab{BOS: -1}
	for b := range 256 {
		v.Pieces = append(v.Pieces, []byte{byte(b)})
	}
	for _, e := range extra {
		v.Pieces = append(v.Pieces, []byte(e))
	}
	v.EOG = []int{len(v.Pieces)}
	v.Pieces = append(v.Pieces, nil)
	v.Special = make([]bool, len(v.Pieces))
	v.Special[len(v.Pieces)-1] = true
	return v
}

// boundaryPieces are tokens that span lexical pieces.
var boundaryPieces = []string{
	"}\n{", ")\nAction:", "\"}}\n", "}}\n", "\nThought: ", "Thought: ", "Answer: ", "Action: ",
	`{"name": "`, `", "arguments": {`, `", "arguments": `, `": `, `", "`, ", ", "]\n", ")\n",
	"search", "refund", "approve", "create_order", "amount", "currency", "reason", "items", "sku", "qty",
	"shipping", "express", "zone", "note", "EUR", "USD", "intl", "null", "true", "false", "True", "False", "None",
	"100", "99", "5", "0.", ".5", "-1", "1000", "12", "the", " the", " function", "functional", "é", "\xe2\x82", "\xac!",
	"<tool_call>\n", "\n</tool_call>\n", "</tool_call>\n<tool_call>\n", "=\"", "\", ", "[{", "}]", "{\"", "\"}",
	"\n", "\n\n", "Observation: ", "observation", "name", "\\n", "\\\"", "\"", "\": {\"", "}, \"",
}

// spanningTokens counts tokens that walks used across an event boundary.
var spanningTokens int

// walk drives a session with uniformly random allowed tokens. Each turn gets
// a budget of turnBudget tokens (or none if 0); env steps are observed as
// they come. It fails the test on an empty mask before Done or a rejected
// token. It returns false if maxTurns passed without acceptance.
func walk(t *testing.T, s *Session, r *rand.Rand, turnBudget, maxTurns int) bool {
	t.Helper()
	for turn := 0; turn < maxTurns; turn++ {
		if turnBudget > 0 {
			b := s.MinTokens() + r.IntN(turnBudget)
			if err := s.CheckBudget(b); err != nil {
				t.Fatalf("CheckBudget(%d) at turn start: %v", b, err)
			}
			s.SetBudget(b)
		}
		used := 0
		start := s.budget
		for !s.Done() {
			m := s.Mask()
			if m.Count() == 0 {
				t.Fatalf("dead end: empty mask before Done after %q", s.Text())
			}
			toks := m.Tokens()
			tok := toks[r.IntN(len(toks))]
			evs := len(s.events)
			if err := s.Accept(tok); err != nil {
				t.Fatalf("Accept(%d): %v", tok, err)
			}
			if p := s.ix.vocab.Pieces[tok]; len(s.events) > evs && len(p) > 1 && p[len(p)-1] != '\n' {
				spanningTokens++ // the token ended one event and began the next
			}
			used++
			if start >= 0 && used > start {
				t.Fatalf("used %d tokens over a budget of %d", used, start)
			}
			if used > 100000 {
				t.Fatalf("no end after %d tokens", used)
			}
		}
		if s.ix.ea.Accepting(s.State()) {
			return true
		}
		if s.ended && !s.ix.info[s.State()].eog {
			t.Fatalf("ended in a state where EOG is not allowed")
		}
		if err := s.Observe(ltl.Event{Step: "observation", Text: "ok"}); err != nil {
			t.Fatalf("Observe: %v (text %q)", err, s.Text())
		}
	}
	return false
}

// checkSound parses the session's text back and checks events, DFA and args.
func checkSound(t *testing.T, s *Session, d *cDFA, f ltl.Formula, check func(ltl.Event) error) {
	t.Helper()
	text := s.Text()
	model, err := s.ix.format.Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	var modelEvs []ltl.Event
	for _, e := range s.Events() {
		if e.Step != "observation" {
			modelEvs = append(modelEvs, e)
		}
	}
	if fmt.Sprint(model) != fmt.Sprint(modelEvs) {
		t.Fatalf("Parse(text) = %v, session events %v", model, modelEvs)
	}
	q := d.run(s.Events())
	if q < 0 || !d.acc[q] {
		t.Fatalf("events %v not accepted by the DFA (state %d); text %q", s.Events(), q, text)
	}
	if f != nil && !ltl.Eval(f, s.Events()) {
		t.Fatalf("ltl.Eval false on %v; text %q", s.Events(), text)
	}
	for _, e := range s.Events() {
		if check != nil {
			if err := check(e); err != nil {
				t.Fatalf("event %v: %v; text %q", e, err, text)
			}
		}
	}
}

func schemas(kv ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = json.RawMessage(kv[i+1])
	}
	return m
}

// specDFA parses an .ltl spec and compiles its minimal DFA, failing the
// test on any error: the setup of the tests that decode real specs.
func specDFA(t *testing.T, name, src string) (ltl.Formula, *automata.DFA) {
	t.Helper()
	s, err := ltl.Parse(name, []byte(src), ltl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := s.Formula()
	a, err := automata.NewAlphabet(declNamesOf(s.Steps), declNamesOf(s.Tools), f)
	if err != nil {
		t.Fatal(err)
	}
	d, err := automata.Compile(f, a, automata.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f, d
}
