package tinymodel

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
)

func TestWriteReadsBackAsLlamaGGUF(t *testing.T) {
	src, err := Llama3()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.gguf")
	opts := Options{Seed: 3, Embd: 32, Layers: 2, Heads: 2, FF: 48, Context: 1024}
	if err := Write(path, src, opts); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := ggml.Decode(f, -1)
	if err != nil {
		t.Fatal(err)
	}
	kv := g.KV()
	if kv.Architecture() != "llama" || kv.EmbeddingLength() != 32 || kv.BlockCount() != 2 ||
		kv.String("tokenizer.ggml.pre") != "llama-bpe" || kv.ChatTemplate() != ChatTemplate ||
		len(kv.Strings("tokenizer.ggml.tokens")) != 128256 || kv.Uint("tokenizer.ggml.eos_token_id") != 128009 {
		t.Errorf("metadata: arch %q embd %d blocks %d pre %q tokens %d eos %d", kv.Architecture(), kv.EmbeddingLength(),
			kv.BlockCount(), kv.String("tokenizer.ggml.pre"), len(kv.Strings("tokenizer.ggml.tokens")), kv.Uint("tokenizer.ggml.eos_token_id"))
	}
	emb := g.Tensors().Items("token_embd")
	if len(emb) != 1 || emb[0].Shape[0] != 32 || emb[0].Shape[1] != 128256 {
		t.Errorf("token_embd: %+v", emb)
	}
	if n := len(g.Tensors().Items()); n != 2+2*9 {
		t.Errorf("%d tensors, want %d", n, 2+2*9)
	}
	// Same seed, same bytes: the default model's cache key relies on it.
	again := filepath.Join(t.TempDir(), "m.gguf")
	if err := Write(again, src, opts); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(again)
	if string(a) != string(b) {
		t.Error("two writes with the same seed differ")
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".tinymodel-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestWriteRejectsBadOptions(t *testing.T) {
	src := &TokenizerSource{Tokens: []string{"a"}, Types: []int32{1}}
	dir := t.TempDir()
	for _, o := range []Options{
		{Embd: 30, Layers: 1, Heads: 4, FF: 8, Context: 8},      // not a multiple
		{Embd: 32, Layers: 0, Heads: 4, FF: 8, Context: 8},      // no layers
		{Embd: 1 << 15, Layers: 1, Heads: 4, FF: 8, Context: 8}, // over the limit
	} {
		if err := Write(filepath.Join(dir, "x.gguf"), src, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.gguf")); err == nil {
		t.Error("a rejected model was written")
	}
	if err := Write(filepath.Join(dir, "no", "such", "dir.gguf"), src, DefaultOptions); err == nil || !strings.Contains(err.Error(), "tinymodel") {
		t.Errorf("missing directory: %v", err)
	}
}

func TestEnsureDefaultOnce(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	p, err := EnsureDefault()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DefaultPath()
	if p != want || !strings.Contains(p, filepath.Join("specplan", "tiny-llama3-")) {
		t.Errorf("path %q, DefaultPath %q", p, want)
	}
	st1, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("default model: %s, %d bytes", p, st1.Size())
	if _, err := EnsureDefault(); err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(p)
	if !st2.ModTime().Equal(st1.ModTime()) {
		t.Error("EnsureDefault rewrote an existing model")
	}
}

func TestF16Bits(t *testing.T) {
	for _, c := range []struct {
		f    float32
		want uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800}, {65504, 0x7bff}, {1e6, 0x7c00},
		{float32(math.Ldexp(1, -24)), 0x0001}, {float32(math.Ldexp(1, -14)), 0x0400}, {1e-9, 0},
		{1.0009765625, 0x3c01}, {1.00048828125, 0x3c00}, // ties to even
	} {
		if got := f16bits(c.f); got != c.want {
			t.Errorf("f16bits(%g) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
}

// UseFamily keeps control tokens the vocabulary has, renames reserved
// tokens for the others, points BOS and EOS at the family's, and refuses a
// control token the vocabulary has as text.
func TestUseFamily(t *testing.T) {
	src, err := Llama3()
	if err != nil {
		t.Fatal(err)
	}
	eot := slices.Index(src.Tokens, "<|eot_id|>")
	f := Family{Name: "mix", Template: "{{ messages }}", Controls: []string{"<|eot_id|>", "[INST]", "[/INST]"}, BOS: "<s>", EOS: "</s>"}
	if err := src.UseFamily(f); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"<|eot_id|>", "[INST]", "[/INST]", "<s>", "</s>"} {
		id := slices.Index(src.Tokens, c)
		if id < 0 || src.Types[id] != typeControl {
			t.Errorf("%q: id %d is not a control token", c, id)
		}
	}
	if slices.Index(src.Tokens, "<|eot_id|>") != eot {
		t.Errorf("<|eot_id|> moved")
	}
	if src.Tokens[src.BOS] != "<s>" || src.Tokens[src.EOS] != "</s>" || src.ChatTemplate != f.Template {
		t.Errorf("BOS %q, EOS %q, template %q", src.Tokens[src.BOS], src.Tokens[src.EOS], src.ChatTemplate)
	}
	if err := src.UseFamily(Family{Name: "text", Controls: []string{"the"}}); err == nil || !strings.Contains(err.Error(), "as text") {
		t.Errorf("a control token spelled as text: %v", err)
	}
}

// Qwen3 is the real Qwen3 vocabulary setup.sh fetched, with token types as
// llama.cpp's converter gives them: `<|im_end|>` is control token 151645,
// `<tool_call>` (an added token not marked special) user-defined 151657,
// `<|fim_prefix|>` (not marked special, but spelled like one) control.
func TestQwen3Source(t *testing.T) {
	src, err := Qwen3()
	if err != nil {
		t.Fatal(err) // says to run scripts/setup.sh when the file is missing
	}
	if len(src.Tokens) != 151669 || src.Pre != "qwen2" || !src.NoBOS {
		t.Errorf("%d tokens, pre %q, NoBOS %v", len(src.Tokens), src.Pre, src.NoBOS)
	}
	for _, c := range []struct {
		text string
		id   int
		typ  int32
	}{
		{"<|endoftext|>", 151643, typeControl}, {"<|im_start|>", 151644, typeControl}, {"<|im_end|>", 151645, typeControl},
		{"<tool_call>", 151657, typeUserDefined}, {"</tool_call>", 151658, typeUserDefined}, {"<|fim_prefix|>", 151659, typeControl},
		{"<think>", 151667, typeUserDefined}, {"Hello", 9707, typeNormal},
	} {
		if id := slices.Index(src.Tokens, c.text); id != c.id || src.Types[id] != c.typ {
			t.Errorf("%q: id %d type %d, want id %d type %d", c.text, id, src.Types[max(id, 0)], c.id, c.typ)
		}
	}
	if src.Tokens[src.BOS] != "<|endoftext|>" || src.Tokens[src.EOS] != "<|im_end|>" {
		t.Errorf("BOS %q EOS %q", src.Tokens[src.BOS], src.Tokens[src.EOS])
	}
}

// A vocabulary setup has not fetched is an error naming the file and the
// command; a file that is not the pinned one is refused.
func TestNPMVocabMissingOrChanged(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	_, err := Qwen3Vocab.Read()
	if !errors.Is(err, ErrVocabMissing) || !strings.Contains(err.Error(), "scripts/setup.sh") ||
		!strings.Contains(err.Error(), filepath.Join(dir, "specplan", "vocab", "qwen3-3.7.2", "tokenizer.json")) {
		t.Errorf("missing vocabulary: %v", err)
	}
	p, _ := Qwen3Vocab.Path()
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(`{"model": {"type": "BPE", "vocab": {}, "merges": []}}`), 0o644)
	if _, err := Qwen3Vocab.Read(); err == nil || errors.Is(err, ErrVocabMissing) || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("changed vocabulary: %v", err)
	}
}

// Gemma 3's vocabulary, as setup fetched it, reads strictly: 262,145 ids in
// SentencePiece spelling, its turn markers special added tokens.
func TestGemma3VocabReads(t *testing.T) {
	tj, err := Gemma3Vocab.Read()
	if err != nil {
		t.Fatal(err) // says to run scripts/setup.sh when the file is missing
	}
	if len(tj.Tokens) != 262145 || tj.ModelType != "BPE" || tj.ByteLevel {
		t.Errorf("%d tokens, %s, byte-level %v", len(tj.Tokens), tj.ModelType, tj.ByteLevel)
	}
	for text, id := range map[string]int{"<bos>": 2, "<eos>": 1, "<start_of_turn>": 105, "<end_of_turn>": 106} {
		if tj.Tokens[id] != text || !tj.Special[id] {
			t.Errorf("id %d: %q special %v, want %q special", id, tj.Tokens[id], tj.Special[id], text)
		}
	}
	if tj.Tokens[26352] != "▁Hello" {
		t.Errorf("id 26352 is %q, want ▁Hello", tj.Tokens[26352])
	}
	if _, err := FromTokenizerJSON(tj); err == nil {
		t.Error("a SentencePiece vocabulary converted as byte-level BPE")
	}
}
