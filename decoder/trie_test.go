package decoder

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// jsonStringBody recognizes the bytes of a JSON string's contents (between
// the quotes): state 0 normal, 1 after a backslash, 2..5 inside \uXXXX.
func jsonStringBody(s int8, b byte) (int8, bool) {
	switch {
	case s == 0:
		if b == '"' || b < 0x20 {
			return 0, false
		}
		if b == '\\' {
			return 1, true
		}
		return 0, true
	case s == 1:
		switch b {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			return 0, true
		case 'u':
			return 2, true
		}
		return 0, false
	default:
		if (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F') {
			if s == 5 {
				return 0, true
			}
			return s + 1, true
		}
		return 0, false
	}
}

type emitted struct {
	tok int
	end int8
}

// brute runs the recognizer over every token's bytes separately.
func brute(v *Vocab, start int8, step func(int8, byte) (int8, bool)) (out []emitted, steps int) {
	for id, p := range v.Pieces {
		if len(p) == 0 {
			continue
		}
		s, ok := start, true
		for _, b := range p {
			steps++
			if s, ok = step(s, b); !ok {
				break
			}
		}
		if ok {
			out = append(out, emitted{id, s})
		}
	}
	return out, steps
}

func viaTrie(t *Trie, start int8, step func(int8, byte) (int8, bool)) (out []emitted, steps int) {
	counting := func(s int8, b byte) (int8, bool) {
		steps++
		return step(s, b)
	}
	Walk(t, start, counting, func(tok int, end int8) { out = append(out, emitted{tok, end}) })
	slices.SortFunc(out, func(a, b emitted) int { return a.tok - b.tok })
	return out, steps
}

func checkWalk(t *testing.T, v *Vocab, tr *Trie) {
	t.Helper()
	for start := int8(0); start <= 5; start++ {
		want, bruteSteps := brute(v, start, jsonStringBody)
		got, trieSteps := viaTrie(tr, start, jsonStringBody)
		if !slices.Equal(got, want) {
			t.Fatalf("start %d: trie emitted %d tokens, brute force %d", start, len(got), len(want))
		}
		if trieSteps > tr.NumNodes() || (bruteSteps > 100 && trieSteps >= bruteSteps) {
			t.Errorf("start %d: %d trie steps for %d nodes (brute force %d)", start, trieSteps, tr.NumNodes(), bruteSteps)
		}
	}
}

func TestTrieWalkMatchesBruteForceRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab\\\"u0F\x01 é")
	for trial := range 50 {
		n := 1 + rng.IntN(300)
		v := &Vocab{Pieces: make([][]byte, n)}
		for id := range v.Pieces {
			if rng.IntN(10) == 0 {
				continue // a control token: empty piece
			}
			p := make([]byte, 1+rng.IntN(6))
			for i := range p {
				p[i] = alphabet[rng.IntN(len(alphabet))]
			}
			v.Pieces[id] = p
			if rng.IntN(8) == 0 && id > 0 { // duplicate pieces happen (SentencePiece)
				v.Pieces[id] = v.Pieces[rng.IntN(id)]
			}
		}
		t.Run(fmt.Sprint(trial), func(t *testing.T) { checkWalk(t, v, NewTrie(v)) })
	}
}

func TestTrieWalkMatchesBruteForceLlama3(t *testing.T) {
	v := mustLlama3(t)
	tr := NewTrie(v)
	if tr.VocabSize() != v.Size() {
		t.Fatalf("VocabSize %d", tr.VocabSize())
	}
	checkWalk(t, v, tr)
}

func TestTrieWalkEmpty(t *testing.T) {
	tr := NewTrie(&Vocab{Pieces: [][]byte{nil, {}}})
	Walk(tr, 0, func(s int, b byte) (int, bool) {
		t.Fatal("step on an empty trie")
		return 0, false
	}, func(int, int) { t.Fatal("emit on an empty trie") })
	if tr.NumNodes() != 1 {
		t.Errorf("NumNodes = %d, want 1 (the root)", tr.NumNodes())
	}
}

// BenchmarkTrieWalk128K is the cost of one full mask computation at the
// Llama-3 vocabulary for a simple recognizer (JSON string body).
func BenchmarkTrieWalk128K(b *testing.B) {
	v := mustLlama3(b)
	tr := NewTrie(v)
	allowed := 0
	b.ResetTimer()
	for b.Loop() {
		allowed = 0
		Walk(tr, int8(0), jsonStringBody, func(int, int8) { allowed++ })
	}
	b.ReportMetric(float64(allowed), "allowed")
	b.ReportMetric(float64(tr.NumNodes()), "nodes")
}

// BenchmarkBruteWalk128K is the per-token baseline the trie replaces.
func BenchmarkBruteWalk128K(b *testing.B) {
	v := mustLlama3(b)
	b.ResetTimer()
	for b.Loop() {
		brute(v, 0, jsonStringBody)
	}
}

func BenchmarkNewTrie128K(b *testing.B) {
	v := mustLlama3(b)
	b.ResetTimer()
	for b.Loop() {
		NewTrie(v)
	}
}

// ExampleWalk lists the tokens that may continue a JSON string: every
// token whose bytes are a valid string body (no bare quote or control byte).
func ExampleWalk() {
	v := &Vocab{Pieces: [][]byte{[]byte("ab"), []byte(`a"`), []byte(`\n`), []byte(`\q`), nil, []byte("a")}}
	tr := NewTrie(v)
	Walk(tr, int8(0), jsonStringBody, func(tok int, end int8) {
		fmt.Printf("%d %q\n", tok, v.Pieces[tok])
	})
	// Output:
	// 2 "\\n"
	// 5 "a"
	// 0 "ab"
}
