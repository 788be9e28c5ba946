package decoder

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// compiledFor is the value automaton of a schema.
func compiledFor(t testing.TB, raw string) *ArgsAutomaton {
	t.Helper()
	a, err := CompileValue(json.RawMessage(raw))
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return a
}

// TestMembersLeafRefusesRepeats: a repeated key is refused at the byte
// that completes it, escapes included (keys are compared decoded), and a
// finite key set refuses the ", " that would need a key it no longer has.
func TestMembersLeafRefusesRepeats(t *testing.T) {
	for _, c := range []struct {
		schema, text string
		ok           bool
	}{
		{`{}`, `{"a": 1, "b": 2}`, true},
		{`{}`, `{"a": 1, "a": 2}`, false},
		{`{}`, `{"a\n": 1, "a\n": 2}`, false},
		{`{}`, `{"a": {"a": 1, "b": 2}, "b": {"a": 1}, "c": [1, 2]}`, true},
		{`{}`, `{"a": {"x": 1, "x": 2}}`, false},
		{`{}`, `{"": 1, "": 2}`, false},
		{`{"type": "object", "propertyNames": {"enum": ["a", "b"]}}`, `{"a": 1, "b": 2}`, true},
		{`{"type": "object", "propertyNames": {"enum": ["a", "b"]}}`, `{"b": 1, "a": 2}`, true},
		{`{"type": "object", "propertyNames": {"enum": ["a"]}}`, `{"a": 1, "a": 2}`, false},
		{`{"type": "object", "properties": {"x": {}}, "required": ["x"]}`, `{"x": {"y": 1, "z": 2}}`, true},
		{`{"type": "object", "properties": {"x": {}}, "required": ["x"]}`, `{"x": {"y": 1, "y": 2}}`, false},
	} {
		a := compiledFor(t, c.schema)
		if got := a.Accepts(c.text); got != c.ok {
			t.Errorf("schema %s: Accepts(%s) = %v, want %v", c.schema, c.text, got, c.ok)
		}
	}
	// No dead end: with one key written of a set of one, the ", " is
	// refused at its comma (the object can only close).
	l := newMembersLeaf(true, 2, newNumLeaf(false, fullLine), FormatJSON.syntax())
	ls := l.init()
	for _, b := range []byte(`{"": 1`) {
		var ok bool
		if ls, ok = l.step(ls, b); !ok {
			t.Fatalf("byte %q refused", b)
		}
	}
	if r := l.minRem(ls); r != 1 {
		t.Errorf("minRem after {\"\": 1 = %d, want 1", r)
	}
	if _, ok := l.step(ls, ','); !ok {
		t.Errorf("free keys: ',' refused although fresh keys remain")
	}
	// A prefix equal to a written key costs one more character.
	for _, b := range []byte(`, "`) {
		ls, _ = l.step(ls, b)
	}
	if r := l.minRem(ls); r != 1+1+2+1+1 {
		t.Errorf(`minRem after {"": 1, " = %d, want 6 (one character, the quote, ": ", a digit, "}")`, r)
	}
}

// BenchmarkFreeWalks walks free values (objects of free keys): the cost
// the distinct-key memory adds to stepping.
func BenchmarkFreeWalks(b *testing.B) {
	a := compiledFor(b, `{}`)
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		a.Walk(r, 200)
	}
}

// BenchmarkMaskFreeArgs is the first mask inside the free arguments of a
// schemaless tool after keys were written: at a key (a key prefix is a
// state per fingerprint, see membersLeaf) and in a value.
func BenchmarkMaskFreeArgs(b *testing.B) {
	at := map[string]string{
		"key":   `{"name": "refund", "arguments": {"amount": 1, "k": {"a": 1, "b": 2}, "`,
		"value": `{"name": "refund", "arguments": {"amount": 1, "k": {"a": 1, "b": 2}, "c": "`,
	}
	for vname, vt := range benchVocabs(b) {
		for pos, prefix := range at {
			b.Run(vname+"/"+pos, func(b *testing.B) {
				rd, _ := refundDFA()
				for b.Loop() {
					b.StopTimer()
					ix, err := NewIndex(rd, vt[0].(*Vocab), vt[1].(*Trie), IndexOptions{Format: FormatJSON})
					if err != nil {
						b.Fatal(err)
					}
					id := advance(b, ix, ix.initial, prefix)
					b.StartTimer()
					ix.mask(id, -1)
				}
			})
		}
	}
}
