package decoder

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/specplan/specplan/internal/modfile"
)

// synthVocab builds a deterministic vocabulary of n tokens: every byte, then
// words with and without a leading space, numbers, punctuation runs, JSON
// fragments and multi-byte UTF-8, like a byte-level BPE vocabulary.
func synthVocab(n int) *Vocab {
	r := rand.New(rand.NewPCG(128, 1))
	v := &Vocab{BOS: -1}
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] && len(v.Pieces) < n-1 {
			seen[s] = true
			v.Pieces = append(v.Pieces, []byte(s))
		}
	}
	for b := range 256 {
		add(string([]byte{byte(b)}))
	}
	for i := range 1000 {
		add(itoa(i))
	}
	for _, p := range boundaryPieces {
		add(p)
	}
	letters := "etaoinshrdlucmfwypvbgkjqxz"
	punct := []string{"\": ", "\", \"", "{\"", "\"}", "}}", "]\n", ")\n", ", ", ".\n", "\n\n", "=\"", "(", ")", "[", "]", ": ", "::", "->", "'s", "é", "ü", "日本", "語", "—", "…"}
	for len(v.Pieces) < n-1 {
		switch k := r.IntN(10); {
		case k < 6:
			w := make([]byte, 2+r.IntN(8))
			for i := range w {
				w[i] = letters[min(r.IntN(len(letters)), r.IntN(len(letters)))]
			}
			s := string(w)
			if r.IntN(2) == 0 {
				s = " " + s
			}
			if r.IntN(5) == 0 {
				s = string(s[0]-32) + s[1:]
			}
			add(s)
		case k < 8:
			add(punct[r.IntN(len(punct))] + punct[r.IntN(len(punct))])
		default:
			add(itoa(r.IntN(100000)) + punct[r.IntN(len(punct))])
		}
	}
	v.EOG = []int{len(v.Pieces)}
	v.Pieces = append(v.Pieces, nil)
	v.Special = make([]bool, len(v.Pieces))
	v.Special[len(v.Pieces)-1] = true
	return v
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// advance runs text through the byte automaton from state id.
func advance(tb testing.TB, ix *Index, id uint32, text string) uint32 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i := 0; i < len(text); i++ {
		t := ix.next(id, text[i])
		if t < 0 {
			tb.Fatalf("byte %d of %q not allowed", i, text)
		}
		id = uint32(t)
	}
	return id
}

var (
	benchOnce  sync.Once
	benchVocab *Vocab
	benchTrie  *Trie
	llamaOnce  sync.Once
	llamaVocab *Vocab
	llamaTrie  *Trie
)

// benchVocabs are the 128K vocabularies measured: a deterministic synthetic
// one, and Llama-3's tokenizer when the module cache can provide it.
func benchVocabs(b *testing.B) map[string][2]any {
	benchOnce.Do(func() {
		benchVocab = synthVocab(128256)
		benchTrie = NewTrie(benchVocab)
	})
	llamaOnce.Do(func() {
		if p, err := modfile.Tokenizer(modfile.Llama3Tokenizer); err == nil {
			if v, err := LoadTokenizerJSON(p); err == nil {
				llamaVocab, llamaTrie = v, NewTrie(v)
			}
		}
	})
	out := map[string][2]any{"synthetic": {benchVocab, benchTrie}}
	if llamaVocab != nil {
		out["llama3"] = [2]any{llamaVocab, llamaTrie}
	}
	return out
}

func benchIndex(b *testing.B, vt [2]any) *Index {
	rd, _ := refundDFA()
	ix, err := NewIndex(rd, vt[0].(*Vocab), vt[1].(*Trie), IndexOptions{Format: FormatJSON, Tools: schemas("refund", refundSchema)})
	if err != nil {
		b.Fatal(err)
	}
	return ix
}

// The states measured: free text (almost every token allowed, the costliest
// walk) and a number under a predicate (few tokens allowed).
var benchPrefixes = map[string]string{
	"text":   "Thought: the",
	"number": `{"name": "refund", "arguments": {"amount": 1`,
}

func BenchmarkMaskFirst(b *testing.B) {
	for vname, vt := range benchVocabs(b) {
		for name, prefix := range benchPrefixes {
			b.Run(vname+"/"+name, func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					ix := benchIndex(b, vt)
					id := advance(b, ix, ix.initial, prefix)
					b.StartTimer()
					ix.mask(id, -1)
				}
			})
		}
	}
}

func BenchmarkMaskCached(b *testing.B) {
	for vname, vt := range benchVocabs(b) {
		b.Run(vname, func(b *testing.B) {
			ix := benchIndex(b, vt)
			id := advance(b, ix, ix.initial, benchPrefixes["text"])
			ix.mask(id, -1)
			for b.Loop() {
				ix.mask(id, -1)
			}
		})
	}
}

func BenchmarkApplyMask(b *testing.B) {
	for vname, vt := range benchVocabs(b) {
		for name, prefix := range benchPrefixes {
			b.Run(vname+"/"+name, func(b *testing.B) {
				ix := benchIndex(b, vt)
				m := ix.mask(advance(b, ix, ix.initial, prefix), -1)
				logits := make([]float32, vt[0].(*Vocab).Size())
				for b.Loop() {
					m.Apply(logits)
				}
			})
		}
	}
}

// TestSharedIndexConcurrent: sessions on one Index in parallel goroutines
// see the same masks as a session alone (run with -race).
func TestSharedIndexConcurrent(t *testing.T) {
	rd, _ := refundDFA()
	vocab := testVocab(boundaryPieces...)
	trie := NewTrie(vocab)
	opts := IndexOptions{Format: FormatJSON, Tools: schemas("refund", refundSchema)}
	shared, err := NewIndex(rd, vocab, trie, opts)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			solo, _ := NewIndex(rd, vocab, trie, opts)
			a, b := shared.NewSession(), solo.NewSession()
			a.SetBudget(50)
			b.SetBudget(50)
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for !a.Done() {
				ta, tb := a.Mask().Tokens(), b.Mask().Tokens()
				if !slices.Equal(ta, tb) {
					errs <- "masks differ after " + string(a.Text())
					return
				}
				tok := ta[r.IntN(len(ta))]
				if a.Accept(tok) != nil || b.Accept(tok) != nil {
					errs <- "accept failed"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestApplyMask: Apply leaves allowed logits and sets the others to -Inf.
func TestApplyMask(t *testing.T) {
	m := newMask(130)
	for _, tok := range []int{0, 63, 64, 129} {
		m.set(tok)
	}
	logits := make([]float32, 140)
	for i := range logits {
		logits[i] = 1
	}
	m.Apply(logits)
	for i, l := range logits {
		if want := m.Has(i); (l == 1) != want {
			t.Fatalf("logit %d = %v, allowed %v", i, l, want)
		}
	}
	if m.Count() != 4 || m.First() != 0 || !slices.Equal(m.Tokens(), []int{0, 63, 64, 129}) {
		t.Fatalf("Count %d First %d Tokens %v", m.Count(), m.First(), m.Tokens())
	}
}
