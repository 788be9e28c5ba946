package llama_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/internal/modfile"
)

var (
	tinyOnce sync.Once
	tinyPath string
	tinyErr  error
	tinyDir  string
)

// tinyOptions keep the test model small (n_embd 32, 1 layer) so tests are fast.
var tinyOptions = tinymodel.SmallOptions

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "specplan-llama-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tinyDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func tiny(t testing.TB) string {
	t.Helper()
	tinyOnce.Do(func() {
		tinyPath = filepath.Join(tinyDir, "tiny.gguf")
		tinyErr = tinymodel.WriteSmall(tinyPath)
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tinyPath
}

func load(t testing.TB, opts llama.Options) *llama.Model {
	t.Helper()
	m, err := llama.Load(tiny(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestLoadVocabMatchesTokenizerJSON(t *testing.T) {
	m := load(t, llama.Options{ContextSize: 256, Threads: 1})
	p, err := modfile.Tokenizer(modfile.Llama3Tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	want, err := decoder.LoadTokenizerJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Vocab()
	if got.Size() != 128256 || got.Size() != want.Size() {
		t.Fatalf("vocab size: llama.cpp %d, tokenizer.json %d, want 128256", got.Size(), want.Size())
	}
	diff := 0
	for id := range got.Size() {
		if got.Special[id] != want.Special[id] || !bytes.Equal(got.Pieces[id], want.Pieces[id]) {
			if diff < 5 {
				t.Errorf("token %d: llama.cpp %q special=%v, tokenizer.json %q special=%v", id, got.Pieces[id], got.Special[id], want.Pieces[id], want.Special[id])
			}
			diff++
		}
	}
	if diff > 0 {
		t.Errorf("%d tokens differ", diff)
	}
	for _, eog := range []int{128001, 128009} { // <|end_of_text|>, <|eot_id|>
		if !got.IsEOG(eog) {
			t.Errorf("token %d is not EOG; EOG = %v", eog, got.EOG)
		}
	}
	if got.BOS != 128000 {
		t.Errorf("BOS = %d, want 128000", got.BOS)
	}
	if m.ChatTemplate() != tinymodel.ChatTemplate {
		t.Errorf("chat template = %q", m.ChatTemplate())
	}
	// Reads metadata through the C pointer inside ollama's Model: checks
	// that the unsafe layout mirror in handles.go still matches.
	if arch, ok := m.Meta("general.architecture"); !ok || arch != "llama" {
		t.Errorf("general.architecture = %q, %v", arch, ok)
	}
}

func TestTokenizeRoundTrip(t *testing.T) {
	m := load(t, llama.Options{ContextSize: 256, Threads: 1})
	v := m.Vocab()
	for _, text := range []string{
		"Hello world",
		`{"name": "get_order", "arguments": {"order_id": "A17"}}`,
		"naïve café — 東京 🚀\n\ttabs",
		"  leading spaces and 12345678 digits",
	} {
		toks, err := m.Tokenize(text, false, false)
		if err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, tok := range toks {
			out = append(out, v.Pieces[tok]...)
		}
		if string(out) != text {
			t.Errorf("round trip %q → %v → %q", text, toks, out)
		}
	}
	// Llama-3 tokenizes "Hello world" as [Hello][ world]; a wrong pre-tokenizer
	// setting would still round-trip but split differently.
	toks, _ := m.Tokenize("Hello world", true, false)
	if want := []int{128000, 9906, 1917}; fmt.Sprint(toks) != fmt.Sprint(want) {
		t.Errorf("Tokenize(Hello world) = %v, want %v", toks, want)
	}
}

func gen(t *testing.T, m *llama.Model, c decoder.TokenConstraint, opts decoder.GenerateOptions) decoder.Result {
	t.Helper()
	if err := m.Reset(); err != nil {
		t.Fatal(err)
	}
	prompt, err := m.Tokenize("The answer is", true, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := decoder.Generate(context.Background(), m, c, prompt, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestGenerateDeterministicPerSeed(t *testing.T) {
	m := load(t, llama.Options{ContextSize: 256, Threads: 1})
	sampled := decoder.GenerateOptions{MaxTokens: 12, Sampler: decoder.SamplerOptions{Temperature: 1, Seed: 7}}
	a := gen(t, m, nil, sampled)
	b := gen(t, m, nil, sampled)
	if len(a.Tokens) == 0 || fmt.Sprint(a.Tokens) != fmt.Sprint(b.Tokens) {
		t.Fatalf("same seed, different tokens:\n%v\n%v", a.Tokens, b.Tokens)
	}
	sampled.Sampler.Seed = 8
	c := gen(t, m, nil, sampled)
	if fmt.Sprint(a.Tokens) == fmt.Sprint(c.Tokens) {
		t.Errorf("seeds 7 and 8 gave the same %d tokens %v", len(a.Tokens), a.Tokens)
	}
	g1 := gen(t, m, nil, decoder.GenerateOptions{MaxTokens: 8})
	g2 := gen(t, m, nil, decoder.GenerateOptions{MaxTokens: 8})
	if fmt.Sprint(g1.Tokens) != fmt.Sprint(g2.Tokens) {
		t.Errorf("greedy differs: %v vs %v", g1.Tokens, g2.Tokens)
	}
	if a.Stop != decoder.StopMaxTokens && a.Stop != decoder.StopEOG {
		t.Errorf("stop = %q", a.Stop)
	}
}

// digits allows tokens made only of ASCII digits for n tokens, then only EOG.
type digits struct {
	v      *decoder.Vocab
	n      int
	taken  int
	done   bool
	budget int
}

func isDigits(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (d *digits) ApplyMask(logits []float32) {
	for id := range logits {
		ok := isDigits(d.v.Pieces[id])
		if d.taken >= d.n {
			ok = d.v.IsEOG(id)
		}
		if !ok {
			logits[id] = float32(math.Inf(-1))
		}
	}
}
func (d *digits) Forced() (int, bool) { return 0, false }
func (d *digits) Accept(tok int) error {
	if d.taken >= d.n {
		if !d.v.IsEOG(tok) {
			return errors.New("want EOG")
		}
		d.done = true
		return nil
	}
	if !isDigits(d.v.Pieces[tok]) {
		return fmt.Errorf("token %d %q is not digits", tok, d.v.Pieces[tok])
	}
	d.taken++
	return nil
}
func (d *digits) Done() bool         { return d.done }
func (d *digits) SetBudget(left int) { d.budget = left }

func TestGenerateObeysConstraintOnRealLogits(t *testing.T) {
	m := load(t, llama.Options{ContextSize: 256, Threads: 1})
	for _, temp := range []float64{0, 1.5} {
		d := &digits{v: m.Vocab(), n: 5}
		res := gen(t, m, d, decoder.GenerateOptions{MaxTokens: 20, Sampler: decoder.SamplerOptions{Temperature: temp, Seed: 3}})
		if len(res.Tokens) != 6 || res.Stop != decoder.StopEOG {
			t.Fatalf("temp %v: tokens %v stop %q, want 5 digit tokens then EOG", temp, res.Tokens, res.Stop)
		}
		if !isDigits(res.Text) || !m.Vocab().IsEOG(res.Tokens[5]) {
			t.Errorf("temp %v: text %q, last token %d", temp, res.Text, res.Tokens[5])
		}
		if len(res.MaskTime) != 6 {
			t.Errorf("MaskTime has %d entries, want 6", len(res.MaskTime))
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.gguf")
	os.WriteFile(garbage, []byte("this is not a model file at all, just text"), 0o644)
	short := filepath.Join(dir, "short.gguf")
	os.WriteFile(short, []byte("GGUF"), 0o644)
	full, err := os.ReadFile(tiny(t))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.gguf")
	os.WriteFile(truncated, full[:len(full)/2], 0o644)
	badHeader := filepath.Join(dir, "badheader.gguf")
	bh := append([]byte("GGUF\x03\x00\x00\x00"), bytes.Repeat([]byte{0xff}, 64)...)
	os.WriteFile(badHeader, bh, 0o644)
	for _, c := range []struct {
		path string
		code llama.ErrorCode
	}{
		{filepath.Join(dir, "missing.gguf"), llama.ErrMissing},
		{dir, llama.ErrMissing},
		{garbage, llama.ErrNotGGUF},
		{short, llama.ErrNotGGUF},
		{truncated, llama.ErrLoad},
		{badHeader, llama.ErrNotGGUF}, // its counts are checked against the file before llama.cpp reads it
	} {
		m, err := llama.Load(c.path, llama.Options{ContextSize: 64})
		if err == nil {
			m.Close()
			t.Errorf("%s: loaded", c.path)
			continue
		}
		if !llama.ErrorIs(err, c.code) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: error %v, want code %v naming the file", c.path, err, c.code)
		}
	}
}

func TestPromptLongerThanContext(t *testing.T) {
	m := load(t, llama.Options{ContextSize: 32, BatchSize: 16, Threads: 1})
	toks, err := m.Tokenize(strings.Repeat("one two three four ", 20), true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) <= 32 {
		t.Fatalf("prompt of %d tokens is not longer than the context", len(toks))
	}
	if err := m.Decode(toks); !llama.ErrorIs(err, llama.ErrContext) {
		t.Errorf("Decode: %v, want ErrContext", err)
	}
	if m.Position() != 0 {
		t.Errorf("position after a failed Decode = %d, want 0", m.Position())
	}
	if _, err := decoder.Generate(context.Background(), m, nil, toks, decoder.GenerateOptions{}); err == nil || !strings.Contains(err.Error(), "context") {
		t.Errorf("Generate: %v, want a context error", err)
	}
	// A prompt of 20 tokens fits in two batches of 16; generation then stops
	// when the context is full.
	res, err := decoder.Generate(context.Background(), m, nil, toks[:20], decoder.GenerateOptions{MaxTokens: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != decoder.StopContext && res.Stop != decoder.StopEOG {
		t.Errorf("stop = %q, want %q", res.Stop, decoder.StopContext)
	}
	if res.Stop == decoder.StopContext && len(res.Tokens) != 12 {
		t.Errorf("generated %d tokens in a context with room for 12", len(res.Tokens))
	}
}

func TestGBNFMasksLikeGrammar(t *testing.T) {
	m := load(t, llama.Options{ContextSize: 64, Threads: 1})
	g, err := m.NewGBNF(`root ::= [0-9]+`)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	toks, _ := m.Tokenize("x", true, false)
	if err := m.Decode(toks); err != nil {
		t.Fatal(err)
	}
	logits := m.Logits()
	g.Apply(logits)
	allowed := 0
	for id, l := range logits {
		if math.IsInf(float64(l), -1) {
			continue
		}
		allowed++
		if !isDigits(m.Vocab().Pieces[id]) {
			t.Errorf("grammar [0-9]+ allows token %d %q", id, m.Vocab().Pieces[id])
		}
	}
	if allowed == 0 {
		t.Error("grammar allows nothing")
	}
	if _, err := m.NewGBNF(`root ::= [0-9`); !llama.ErrorIs(err, llama.ErrGrammar) {
		t.Errorf("bad grammar: %v, want ErrGrammar", err)
	}
}

func TestCPUFeatures(t *testing.T) {
	if f := llama.CPUFeatures(); !strings.Contains(f, "CPU") {
		t.Errorf("CPUFeatures = %q", f)
	}
}

// BenchmarkDecodeTiny measures llama.cpp's decode of one token (the cost
// that constraint time is compared against) on the test model, per thread count.
// model=test is the n_embd 32, 1-layer test model; model=default is
// tinymodel.DefaultOptions (n_embd 64, 2 layers), the demo's default.
func BenchmarkDecodeTiny(b *testing.B) {
	defaultPath := filepath.Join(tinyDir, "default.gguf")
	for _, model := range []string{"test", "default"} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("model=%s/threads=%d", model, threads), func(b *testing.B) {
				path := tiny(b)
				if model == "default" {
					if _, err := os.Stat(defaultPath); err != nil {
						src, err := tinymodel.Llama3()
						if err != nil {
							b.Fatal(err)
						}
						if err := tinymodel.Write(defaultPath, src, tinymodel.DefaultOptions); err != nil {
							b.Fatal(err)
						}
					}
					path = defaultPath
				}
				benchDecode(b, path, threads)
			})
		}
	}
}

// BenchmarkGBNFApply128K is llama.cpp's own grammar sampler applied to one
// token's logits inside a JSON string, the baseline the decoder's masks are
// measured against.
func BenchmarkGBNFApply128K(b *testing.B) {
	m := load(b, llama.Options{ContextSize: 64, Threads: 1})
	g, err := m.NewGBNF(`root ::= "\"" ( [^"\\\x00-\x1f] | "\\" ["\\/bfnrt] )* "\""`)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	quote, _ := m.Tokenize(`"`, false, false)
	g.Accept(quote[0])
	toks, _ := m.Tokenize("x", true, false)
	if err := m.Decode(toks); err != nil {
		b.Fatal(err)
	}
	logits := m.Logits()
	work := make([]float32, len(logits))
	allowed := 0
	b.ResetTimer()
	for b.Loop() {
		copy(work, logits)
		g.Apply(work)
	}
	for _, l := range work {
		if !math.IsInf(float64(l), -1) {
			allowed++
		}
	}
	b.ReportMetric(float64(allowed), "allowed")
}

func benchDecode(b *testing.B, path string, threads int) {
	m, err := llama.Load(path, llama.Options{ContextSize: 512, Threads: threads})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	prompt, _ := m.Tokenize("Hello", true, false)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if m.Position() >= m.ContextSize()-1 || m.Position() == 0 {
			b.StopTimer()
			m.Reset()
			m.Decode(prompt)
			b.StartTimer()
		}
		if err := m.Decode([]int{1000 + i%1000}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tok/s")
}

// BenchmarkLoad128K is the time to open the test model: GGUF parse, weights
// (mmap) and reading the 128K-token vocabulary back through llama.cpp.
func BenchmarkLoad128K(b *testing.B) {
	path := tiny(b)
	for b.Loop() {
		m, err := llama.Load(path, llama.Options{ContextSize: 256})
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}

// Example loads a model, tokenizes and generates greedily under a
// constraint that allows three digit tokens and then end of turn.
func Example() {
	src, err := tinymodel.Llama3()
	if err != nil {
		fmt.Println(err)
		return
	}
	path := filepath.Join(tinyDir, "example.gguf")
	if err := tinymodel.Write(path, src, tinyOptions); err != nil {
		fmt.Println(err)
		return
	}
	m, err := llama.Load(path, llama.Options{ContextSize: 128})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	prompt, _ := m.Tokenize("Hello world", true, false)
	fmt.Println("vocabulary:", m.Vocab().Size(), "prompt:", prompt)
	res, err := decoder.Generate(context.Background(), m, &digits{v: m.Vocab(), n: 3}, prompt, decoder.GenerateOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tokens:", len(res.Tokens), "stop:", res.Stop, "digits:", isDigits(res.Text))
	// Output:
	// vocabulary: 128256 prompt: [128000 9906 1917]
	// tokens: 4 stop: eog digits: true
}
