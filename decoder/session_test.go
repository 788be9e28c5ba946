package decoder

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

var allFormats = []Format{FormatJSON, FormatHermes, FormatPythonic, FormatReAct}

func onlyKeys(args map[string]any, keys ...string) error {
	for k := range args {
		if !slices.Contains(keys, k) {
			return fmt.Errorf("unexpected argument %q", k)
		}
	}
	return nil
}

func checkRefund(e ltl.Event) error {
	switch e.Tool {
	case "":
		if !utf8.ValidString(e.Text) || strings.ContainsAny(e.Text, "\n") {
			return fmt.Errorf("bad free text %q", e.Text)
		}
		return nil
	case "approve":
		return nil
	case "refund":
		if err := onlyKeys(e.Args, "amount", "currency", "reason"); err != nil {
			return err
		}
		a, ok := e.Args["amount"].(float64)
		if !ok || a < 0 || a > 1000 {
			return fmt.Errorf("amount %v outside [0, 1000]", e.Args["amount"])
		}
		if c, ok := e.Args["currency"]; ok && c != "EUR" && c != "USD" {
			return fmt.Errorf("currency %v", c)
		}
		if r, ok := e.Args["reason"]; ok {
			rs, ok := r.(string)
			if !ok || utf8.RuneCountInString(rs) > 12 {
				return fmt.Errorf("reason %v", r)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown tool %q", e.Tool)
}

func checkOrder(e ltl.Event) error {
	if e.Tool == "" {
		return nil
	}
	if err := onlyKeys(e.Args, "items", "shipping", "note", "coupon"); err != nil {
		return err
	}
	if c, ok := e.Args["coupon"]; ok {
		if cs, ok := c.(string); !ok || !regexp.MustCompile(`^[A-C]{2}-[0-9]{1,2}$`).MatchString(cs) {
			return fmt.Errorf("coupon %v", c)
		}
	}
	items, ok := e.Args["items"].([]any)
	if !ok || len(items) < 1 || len(items) > 3 {
		return fmt.Errorf("items %v", e.Args["items"])
	}
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok || onlyKeys(m, "sku", "qty") != nil {
			return fmt.Errorf("item %v", it)
		}
		sku, ok := m["sku"].(string)
		if n := utf8.RuneCountInString(sku); !ok || n < 2 || n > 6 {
			return fmt.Errorf("sku %v", m["sku"])
		}
		q, ok := m["qty"].(float64)
		if !ok || q != math.Trunc(q) || q < 1 || q > 20 {
			return fmt.Errorf("qty %v", m["qty"])
		}
	}
	sh, ok := e.Args["shipping"].(map[string]any)
	if !ok || onlyKeys(sh, "express", "zone") != nil {
		return fmt.Errorf("shipping %v", e.Args["shipping"])
	}
	if _, ok := sh["express"].(bool); !ok {
		return fmt.Errorf("express %v", sh["express"])
	}
	if z, ok := sh["zone"]; ok && z != 1.0 && z != 2.0 && z != "intl" && z != nil {
		return fmt.Errorf("zone %v", z)
	}
	if n, ok := e.Args["note"]; ok && n != nil {
		if _, ok := n.(string); !ok {
			return fmt.Errorf("note %v", n)
		}
	}
	return nil
}

func checkSearch(e ltl.Event) error {
	switch e.Tool {
	case "search":
		if err := onlyKeys(e.Args, "q", "n"); err != nil {
			return err
		}
		if _, ok := e.Args["q"].(string); !ok {
			return fmt.Errorf("q %v", e.Args["q"])
		}
		if n, ok := e.Args["n"]; ok {
			f, ok := n.(float64)
			if !ok || f != math.Trunc(f) || f <= 0 || f > 10 {
				return fmt.Errorf("n %v", n)
			}
		}
	case "lookup":
		if e.Args == nil {
			return fmt.Errorf("no arguments object")
		}
	}
	return nil
}

// TestSoundRandomWalks is guarantee 1 and 2: random walks over allowed
// tokens always parse back (independently) into accepted events whose
// arguments satisfy the schemas and predicates; no mask is empty before Done.
func TestSoundRandomWalks(t *testing.T) {
	refund, refundF := refundDFA()
	cases := []struct {
		name  string
		d     *cDFA
		f     ltl.Formula
		tools map[string]string
		check func(ltl.Event) error
	}{
		{"react", reactDFA("search", "lookup"), nil, map[string]string{"search": searchSchema}, checkSearch},
		{"refund", refund, refundF, map[string]string{"refund": refundSchema}, checkRefund},
		{"order", orderDFA(), nil, map[string]string{"create_order": orderSchema}, checkOrder},
	}
	vocab := testVocab(boundaryPieces...)
	trie := NewTrie(vocab)
	walks := 0
	spanningTokens = 0
	for _, c := range cases {
		for _, f := range allFormats {
			var kv []string
			for k, v := range c.tools {
				kv = append(kv, k, v)
			}
			ix, err := NewIndex(c.d, vocab, trie, IndexOptions{Format: f, Tools: schemas(kv...)})
			if err != nil {
				t.Fatalf("%s/%s: NewIndex: %v", c.name, f, err)
			}
			for seed := range 18 {
				t.Run(fmt.Sprintf("%s/%s/%d", c.name, f, seed), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(seed), 7))
					s := ix.NewSession()
					if !walk(t, s, r, 40, 30) {
						t.Skip("no acceptance within 30 turns")
					}
					walks++
					checkSound(t, s, c.d, c.f, c.check)
				})
			}
		}
	}
	if walks < 200 {
		t.Errorf("only %d accepted walks, want >= 200", walks)
	}
	if spanningTokens == 0 {
		t.Errorf("no walk used a token spanning two events")
	}
	t.Logf("%d walks, %d tokens spanning two events", walks, spanningTokens)
}

// TestTokenBoundaries is guarantee 4: tokens that span the end of one event
// and the start of the next are used, and the result stays sound.
func TestTokenBoundaries(t *testing.T) {
	d := reactDFA("search")
	vocab := testVocab(boundaryPieces...)
	trie := NewTrie(vocab)
	id := func(p string) int {
		for i, q := range vocab.Pieces {
			if string(q) == p {
				return i
			}
		}
		t.Fatalf("no token %q", p)
		return -1
	}
	feed := func(s *Session, pieces ...string) error {
		for _, p := range pieces {
			if err := s.Accept(id(p)); err != nil {
				return err
			}
		}
		return nil
	}
	// json: the observation is the environment's, so a thought follows it.
	s := ix0(t, d, vocab, trie, FormatReAct)
	if err := feed(s, "Thought: ", "the", "\n", "Action: ", "search", "[", "{\"", "q", "\": {\""); err == nil {
		t.Fatalf("an object for the string argument q accepted: %q", s.Text())
	}
	s = ix0(t, d, vocab, trie, FormatReAct)
	if err := feed(s, "Thought: ", "the", "\n", "Action: ", "search", "[", "{\"", "q", "\"", ":", " ", "\"", "x", "\"}", "]\n"); err != nil {
		t.Fatalf("feed: %v (text %q)", err, s.Text())
	}
	if !s.Done() {
		t.Fatalf("after a call only the observation may follow: want Done")
	}
	// A token spanning the end of a call and the next label: ")\nAction:"
	// in pythonic is not allowed (the observation must come between), but
	// "\nThought: " after a thought's text is, when a thought may follow.
	s = ix0(t, d, vocab, trie, FormatPythonic)
	if err := feed(s, "Thought: ", "the", ")\nAction:"); err == nil {
		t.Fatalf("\")\\nAction:\" accepted inside a thought where no Action label can follow: %q", s.Text())
	}
	// In the refund spec, thoughts repeat: "\nThought: " spans two events.
	rd, _ := refundDFA()
	s = ix0(t, rd, vocab, trie, FormatJSON)
	if err := feed(s, "Thought: ", "the", "\nThought: ", "the", "\n", `{"name": "`, "refund", `", "arguments": {`, "\"", "amount", `": `, "5", "}}\n"); err != nil {
		t.Fatalf("feed: %v (text %q)", err, s.Text())
	}
	evs := s.Events()
	if len(evs) != 3 || evs[0].Step != "thought" || evs[1].Step != "thought" || evs[2].Tool != "refund" || evs[2].Args["amount"] != 5.0 {
		t.Fatalf("events %v", evs)
	}
	// "}\n{" ends a call and starts the next (a second refund).
	s = ix0(t, rd, vocab, trie, FormatJSON)
	if err := feed(s, `{"name": "`, "refund", `", "arguments": {`, "\"", "amount", `": `, "5", "}", "}\n{", "\"", "name", `": `, "\"", "refund", `", "arguments": {`, "\"", "amount", `": `, "99", "}}\n"); err != nil {
		t.Fatalf("feed: %v (text %q)", err, s.Text())
	}
	if n := len(s.Events()); n != 2 {
		t.Fatalf("want 2 events, got %v", s.Events())
	}
	// amount 100 then "5" would make 1005 > 100 without approval: not allowed.
	s = ix0(t, rd, vocab, trie, FormatJSON)
	if err := feed(s, `{"name": "`, "refund", `", "arguments": {`, "\"", "amount", `": `, "100", "5"); err == nil {
		t.Fatalf("refund amount 1005 without approval accepted: %q", s.Text())
	}
}

func ix0(t *testing.T, d *cDFA, v *Vocab, trie *Trie, f Format) *Session {
	t.Helper()
	tools := schemas("search", searchSchema, "refund", refundSchema)
	for name := range tools {
		if !slices.ContainsFunc(d.syms, func(s automata.Symbol) bool { return s.Tool == name }) {
			delete(tools, name)
		}
	}
	s, err := NewSession(d, v, trie, IndexOptions{Format: f, Tools: tools}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestByteOnlyVocabulary: a vocabulary of single bytes spells everything;
// walks stay sound.
func TestByteOnlyVocabulary(t *testing.T) {
	rd, f := refundDFA()
	vocab := testVocab()
	ix, err := NewIndex(rd, vocab, NewTrie(vocab), IndexOptions{Format: FormatHermes, Tools: schemas("refund", refundSchema)})
	if err != nil {
		t.Fatal(err)
	}
	for seed := range 10 {
		s := ix.NewSession()
		if walk(t, s, rand.New(rand.NewPCG(uint64(seed), 1)), 30, 5) {
			checkSound(t, s, rd, f, checkRefund)
		}
	}
}

// TestUnspellableLiteral: without single-byte tokens, a literal the
// vocabulary cannot spell is named before decoding.
func TestUnspellableLiteral(t *testing.T) {
	d := reactDFA("quux")
	v := &Vocab{BOS: -1, Pieces: [][]byte{[]byte("Thought: "), []byte("Answer: "), []byte("a"), []byte("\n"),
		[]byte(`{"name": "`), []byte("qu"), nil}, EOG: []int{6}}
	_, err := NewIndex(d, v, NewTrie(v), IndexOptions{Format: FormatJSON})
	if !errors.Is(err, ErrSpell) || !strings.Contains(err.Error(), "quux") {
		t.Fatalf("want ErrSpell naming quux, got %v", err)
	}
}

// TestFunctionalTrigger (llama.cpp #26787): a tool name or a label inside
// free text never starts a call; calls start only at a line start.
func TestFunctionalTrigger(t *testing.T) {
	d := reactDFA("search", "function")
	vocab := testVocab(boundaryPieces...)
	for _, f := range allFormats {
		s, err := NewSession(d, vocab, NewTrie(vocab), IndexOptions{Format: f}, SessionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		text := "Thought: it is functional: search(q=\"x\") Action: search[{}] {\"name\": \"search\", \"arguments\": {}} <tool_call>\n"
		for _, b := range []byte(text) {
			if b == '\n' {
				break
			}
			if err := s.Accept(int(b)); err != nil {
				t.Fatalf("%s: byte %q: %v", f, b, err)
			}
		}
		if len(s.Events()) != 0 || s.State() != 1-1 {
			t.Fatalf("%s: an event completed mid-line: %v", f, s.Events())
		}
		if err := s.Accept('\n'); err != nil {
			t.Fatal(err)
		}
		evs := s.Events()
		if len(evs) != 1 || evs[0].Step != "thought" || !strings.Contains(evs[0].Text, "search(") {
			t.Fatalf("%s: want one thought holding the call-like text, got %v", f, evs)
		}
		if s.Mask().Has(int('f')) && f != FormatPythonic {
			t.Fatalf("%s: a call may start with 'f' only in pythonic", f)
		}
	}
}

// TestBudget is guarantee 3.
func TestBudget(t *testing.T) {
	rd, f := refundDFA()
	vocab := testVocab(boundaryPieces...)
	trie := NewTrie(vocab)
	for _, fm := range allFormats {
		opts := IndexOptions{Format: fm, Tools: schemas("refund", refundSchema)}
		ix, err := NewIndex(rd, vocab, trie, opts)
		if err != nil {
			t.Fatal(err)
		}
		min := ix.NewSession().MinTokens()
		// The shortest output: a refund with a one-digit amount, then EOG.
		if fm == FormatJSON && min != len(`{"name": "refund", "arguments": {"amount": 0}}`+"\n")+1 {
			t.Errorf("json: MinTokens = %d", min)
		}
		if _, err := NewSession(rd, vocab, trie, opts, SessionOptions{MaxTokens: min - 1}); !errors.Is(err, ErrBudget) ||
			!strings.Contains(err.Error(), fmt.Sprint(min-1)) || !strings.Contains(err.Error(), fmt.Sprint(min)) {
			t.Fatalf("%s: budget %d below minimum %d: want ErrBudget naming both, got %v", fm, min-1, min, err)
		}
		for k := min; k < min+25; k++ {
			for seed := range 3 {
				s := ix.NewSession()
				s.SetBudget(k)
				r := rand.New(rand.NewPCG(uint64(k), uint64(seed)))
				n := 0
				for !s.Done() {
					toks := s.Mask().Tokens()
					if len(toks) == 0 {
						t.Fatalf("%s k=%d: empty mask after %q", fm, k, s.Text())
					}
					if err := s.Accept(toks[r.IntN(len(toks))]); err != nil {
						t.Fatal(err)
					}
					n++
				}
				if n > k {
					t.Fatalf("%s: %d tokens over budget %d", fm, n, k)
				}
				if !s.ended || !rd.acc[s.State()] {
					t.Fatalf("%s k=%d: not ended in acceptance: %q", fm, k, s.Text())
				}
				checkSound(t, s, rd, f, checkRefund)
			}
		}
	}
}

// TestMaskCache: masks of revisited states are not recomputed, and the
// number of trie walks is bounded by distinct states, not tokens (xgrammar #873).
func TestMaskCache(t *testing.T) {
	d := reactDFA("search")
	vocab := testVocab(boundaryPieces...)
	ix, err := NewIndex(d, vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	s := ix.NewSession()
	for _, b := range []byte("Thought: ") {
		s.Mask()
		if err := s.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	before := ix.Stats().MaskComputations
	// 3000 tokens of free text revisit one state.
	for i := range 3000 {
		s.Mask()
		if err := s.Accept(int("abc def "[i%8])); err != nil {
			t.Fatal(err)
		}
	}
	if got := ix.Stats().MaskComputations - before; got != 1 {
		t.Fatalf("3000 tokens of text cost %d mask computations, want 1", got)
	}
	// A second session over the same states computes nothing new.
	s2 := ix.NewSession()
	before = ix.Stats().MaskComputations
	for _, b := range []byte("Thought: abc") {
		s2.Mask()
		if err := s2.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	if got := ix.Stats().MaskComputations - before; got != 0 {
		t.Fatalf("revisited states recomputed %d masks", got)
	}
	st := ix.Stats()
	if st.MaskComputations > int64(st.States) {
		t.Fatalf("%d computations for %d states", st.MaskComputations, st.States)
	}
}

// TestMaskEviction: a tiny cache evicts but gives identical masks.
func TestMaskEviction(t *testing.T) {
	rd, _ := refundDFA()
	vocab := testVocab(boundaryPieces...)
	trie := NewTrie(vocab)
	opts := IndexOptions{Format: FormatJSON, Tools: schemas("refund", refundSchema)}
	big, _ := NewIndex(rd, vocab, trie, opts)
	opts.MaskCacheBytes = 3 * (len(vocab.Pieces)/8 + 64)
	tiny, err := NewIndex(rd, vocab, trie, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 3))
	for range 20 {
		a, b := big.NewSession(), tiny.NewSession()
		a.SetBudget(60)
		b.SetBudget(60)
		for !a.Done() {
			ma, mb := a.Mask(), b.Mask()
			if !slices.Equal(ma.Tokens(), mb.Tokens()) {
				t.Fatalf("masks differ after %q", a.Text())
			}
			toks := ma.Tokens()
			tok := toks[r.IntN(len(toks))]
			if err := a.Accept(tok); err != nil {
				t.Fatal(err)
			}
			if err := b.Accept(tok); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := tiny.Stats()
	if st.CacheEvictions == 0 || st.CacheBytes > opts.MaskCacheBytes {
		t.Fatalf("tiny cache: %+v", st)
	}
}

// TestObserveTurns: Done at a call's end; Observe moves on; EOG only where allowed.
func TestObserveTurns(t *testing.T) {
	d := reactDFA("search")
	vocab := testVocab(boundaryPieces...)
	s, err := NewSession(d, vocab, NewTrie(vocab), IndexOptions{Format: FormatJSON, Tools: schemas("search", searchSchema)}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eog := vocab.EOG[0]
	if s.Mask().Has(eog) {
		t.Fatal("EOG allowed at the start of a non-accepting spec")
	}
	if err := s.Observe(ltl.Event{Step: "observation"}); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("observation before the call: want ErrNotAllowed, got %v", err)
	}
	for _, b := range []byte("Thought: t\n{\"name\": \"search\", \"arguments\": {\"q\": \"x\", \"n\": 10}}\n") {
		if err := s.Accept(int(b)); err != nil {
			t.Fatalf("byte %q: %v (text %q)", b, err, s.Text())
		}
	}
	if !s.Done() {
		t.Fatal("want Done after the call")
	}
	if err := s.Accept('T'); !errors.Is(err, ErrCallOrder) {
		t.Fatalf("Accept after Done: want ErrCallOrder, got %v", err)
	}
	if err := s.Observe(ltl.Event{Step: "observation", Text: "3 hits"}); err != nil {
		t.Fatal(err)
	}
	if s.Done() || s.State() != 0 {
		t.Fatalf("after Observe: Done=%v state=%d", s.Done(), s.State())
	}
	for _, b := range []byte("Thought: u\nAnswer: 42\n") {
		if err := s.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	if !s.Done() || s.State() != 3 {
		t.Fatalf("after the answer: Done=%v state=%d", s.Done(), s.State())
	}
	want := "[{thought  map[] t pending <nil> } { search map[n:10 q:x]  pending <nil> } {observation  map[] 3 hits pending <nil> } {thought  map[] u pending <nil> } {answer  map[] 42 pending <nil> }]"
	if got := fmt.Sprint(s.Events()); got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
	// n is an integer in (0, 10]: 11, 0 and 1.5 are not allowed.
	s2 := ix0(t, d, vocab, NewTrie(vocab), FormatJSON)
	for _, b := range []byte("Thought: t\n{\"name\": \"search\", \"arguments\": {\"q\": \"x\", \"n\": 1") {
		if err := s2.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	m := s2.Mask()
	if m.Has('1') || m.Has('.') || !m.Has('0') || !m.Has('}') {
		t.Fatalf("after n: 1, allowed %q", tokensText(vocab, m))
	}
}

func tokensText(v *Vocab, m *Mask) []string {
	var out []string
	for _, t := range m.Tokens() {
		out = append(out, string(v.Pieces[t]))
	}
	return out
}

// TestIndexErrors: limits and bad inputs are errors that name them.
func TestIndexErrors(t *testing.T) {
	vocab := testVocab()
	trie := NewTrie(vocab)
	d := reactDFA("search")
	deep := `{"type": "object", "required": ["a"], "properties": {"a": ` + strings.Repeat(`{"type": "object", "required": ["a"], "properties": {"a": `, 9) + `{"type": "string"}` + strings.Repeat(`}}`, 9) + `}}`
	cases := []struct {
		name string
		opts IndexOptions
		want error
		in   string
	}{
		{"depth", IndexOptions{Format: FormatJSON, Tools: schemas("search", deep)}, ErrLimit, "MaxSchemaDepth"},
		{"multipleOf", IndexOptions{Format: FormatJSON, Tools: schemas("search", `{"type": "object", "properties": {"q": {"type": "integer", "multipleOf": 3}}}`)}, ErrSchema, "multipleOf"},
		{"badpattern", IndexOptions{Format: FormatJSON, Tools: schemas("search", `{"type": "object", "properties": {"q": {"type": "string", "pattern": "a("}}}`)}, ErrSchema, "a("},
		{"badtype", IndexOptions{Format: FormatJSON, Tools: schemas("search", `{"type": "object", "properties": {"q": {"type": "strin"}}}`)}, ErrSchema, "strin"},
		{"noformat", IndexOptions{}, ErrFormat, "Format"},
		{"envstep", IndexOptions{Format: FormatJSON, EnvSteps: []string{"obs"}}, ErrFormat, `"obs"`},
		{"oneOf", IndexOptions{Format: FormatJSON, Tools: schemas("search", `{"type": "object", "properties": {"q": {"oneOf": [{"type": "string"}, {"minLength": 2}]}}}`)}, ErrSchema, "oneOf"},
		{"uniqueItems", IndexOptions{Format: FormatJSON, Tools: schemas("search", `{"type": "object", "properties": {"q": {"type": "array", "uniqueItems": true, "minItems": 2}}}`)}, ErrSchema, "uniqueItems"},
		{"unknowntool", IndexOptions{Format: FormatJSON, Tools: schemas("serch", `{"type": "object"}`)}, ErrSchema, "serch"},
		{"pyident", IndexOptions{Format: FormatPythonic, Tools: schemas("search", `{"type": "object", "properties": {"order-id": {"type": "string"}}}`)}, ErrFormat, "order-id"},
		{"unsat", IndexOptions{Format: FormatJSON, Tools: schemas("search", `{"type": "object", "properties": {"q": {"type": "string", "enum": []}}, "required": ["q"]}`)}, ErrUnsat, "no output"},
	}
	must := newCDFA([]automata.Symbol{toolSym("search")}, 2, []int{1}, func(q int, _ string) int { return 1 - q*2 })
	for _, c := range cases {
		dd := EventAutomaton(d)
		if c.name == "unsat" {
			dd = must
		}
		_, err := NewIndex(dd, vocab, trie, c.opts)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.in) {
			t.Errorf("%s: want %v naming %q, got %v", c.name, c.want, c.in, err)
		}
	}
	if _, err := NewIndex(newCDFA([]automata.Symbol{stepSym("action")}, 1, []int{0}, func(int, string) int { return 0 }), vocab, trie, IndexOptions{Format: FormatReAct}); !errors.Is(err, ErrFormat) {
		t.Errorf("step 'action' in react: want ErrFormat, got %v", err)
	}
}

// TestSeveralEOG (llguidance #253): every end-of-generation token is allowed
// exactly where the output may end, and none inside an event.
func TestSeveralEOG(t *testing.T) {
	rd, _ := refundDFA()
	vocab := testVocab("x")
	vocab.EOG = append(vocab.EOG, len(vocab.Pieces))
	vocab.Pieces = append(vocab.Pieces, nil)
	vocab.Special = append(vocab.Special, true)
	s, err := NewSession(rd, vocab, NewTrie(vocab), IndexOptions{Format: FormatPythonic}, SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := "refund(amount=5)\n"
	for i, b := range []byte(text) {
		for _, e := range vocab.EOG {
			if s.Mask().Has(e) {
				t.Fatalf("EOG %d allowed after %q", e, text[:i])
			}
		}
		if err := s.Accept(int(b)); err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range vocab.EOG {
		if !s.Mask().Has(e) {
			t.Fatalf("EOG %d not allowed at the accepting end", e)
		}
	}
	if err := s.Accept(vocab.EOG[1]); err != nil || !s.Done() {
		t.Fatalf("Accept(EOG): %v, Done %v", err, s.Done())
	}
}
