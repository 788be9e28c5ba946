package llama_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/internal/decbench"
	"github.com/specplan/specplan/ltl"
)

// benchIndex compiles a spec (file path or inline source) with a catalog
// into a fresh Index on m's vocabulary.
func benchIndex(b *testing.B, m *llama.Model, name string, src []byte, catalog string, f decoder.Format) (*decoder.Index, []ltl.CatalogTool) {
	b.Helper()
	var opts specplan.Options
	tools := map[string]json.RawMessage{}
	if catalog != "" {
		data := []byte(catalog)
		if d, err := os.ReadFile(catalog); err == nil {
			data = d
		}
		cat, err := ltl.ParseCatalog("catalog.json", data)
		if err != nil {
			b.Fatal(err)
		}
		opts.Catalog = cat
		for _, t := range cat {
			tools[t.Name] = t.Parameters
		}
	}
	if src == nil {
		var err error
		if src, err = os.ReadFile(name); err != nil {
			b.Fatal(err)
		}
	}
	spec, err := specplan.Compile(name, src, opts)
	if err != nil {
		b.Fatal(err)
	}
	so := decoder.IndexOptions{Format: f, Tools: map[string]json.RawMessage{}}
	for k, v := range tools {
		so.Tools[k] = v
	}
	ix, err := decoder.NewIndex(decoder.FromDFA(spec.DFA()), m.Vocab(), decoder.NewTrie(m.Vocab()), so)
	if err != nil {
		b.Fatal(err)
	}
	return ix, opts.Catalog
}

// BenchmarkConstrainedVsUnconstrained is tokens/s on the test model with
// and without the react spec's constraint (decbench.Generate: same
// prompt, alternating runs, decode + constraint time), reported as the
// medians over all repetitions and their ratio.
func BenchmarkConstrainedVsUnconstrained(b *testing.B) {
	m := load(b, llama.Options{ContextSize: 1024, Threads: 1})
	ix, _ := benchIndex(b, m, "../../specs/react.ltl", nil, "../../specs/react.tools.json", decoder.FormatJSON)
	prompt, err := m.Tokenize("<|begin_of_text|>You are an agent. Write one step per line.\n", false, true)
	if err != nil {
		b.Fatal(err)
	}
	var un, con []float64
	for b.Loop() {
		st, err := decbench.Generate(context.Background(), m, ix, prompt, decbench.GenOptions{Tokens: 64, Reps: 3})
		if err != nil {
			b.Fatal(err)
		}
		un = append(un, st.UnconstrainedRuns...)
		con = append(con, st.ConstrainedRuns...)
	}
	u, c := medianOf(un), medianOf(con)
	b.ReportMetric(u, "unconstrained_tok/s")
	b.ReportMetric(c, "constrained_tok/s")
	b.ReportMetric(c/u, "ratio")
}

// oneCallSpec allows exactly one search call; oneCallGrammar is the same
// language in GBNF for the json format (string characters as the decoder
// allows them: no control bytes, one-letter escapes other than \/).
const (
	oneCallSpec    = "spec one \"one call\"\ntools search\nrule search\nrule G(search -> last)\n"
	oneCallCatalog = `[{"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties": {"q": {"type": "string", "maxLength": 80}}, "required": ["q"]}}}]`
	oneCallGrammar = `root ::= "{\"name\": \"search\", \"arguments\": {\"q\": \"" ch{0,80} "\"}}\n"
ch ::= [^"\\\x00-\x1f] | "\\" ["\\bfnrt]`
	oneCallText = `{"name": "search", "arguments": {"q": "weather in Paris tomorrow, in \"Celsius\""}}` + "\n"
)

// BenchmarkGBNFvsMask is the per-token constraint cost of llama.cpp's GBNF
// grammar sampler against the decoder's Session (ApplyMask + Accept) over
// the same tokens of one JSON tool call, on the same model logits in the
// same run. Session masks are cached after the first iteration (the Index
// is shared, as in serving); mask_cold_ns/token is one pass on a fresh Index.
func BenchmarkGBNFvsMask(b *testing.B) {
	m := load(b, llama.Options{ContextSize: 256, Threads: 1})
	ix, _ := benchIndex(b, m, "one.ltl", []byte(oneCallSpec), oneCallCatalog, decoder.FormatJSON)
	toks, err := m.Tokenize(oneCallText, false, false)
	if err != nil {
		b.Fatal(err)
	}
	prompt, _ := m.Tokenize("x", true, false)
	if err := m.Decode(prompt); err != nil {
		b.Fatal(err)
	}
	logits := slices.Clone(m.Logits())
	work := make([]float32, len(logits))

	gbnfPass := func() time.Duration {
		g, err := m.NewGBNF(oneCallGrammar)
		if err != nil {
			b.Fatal(err)
		}
		defer g.Close()
		var d time.Duration
		for _, tok := range toks {
			copy(work, logits)
			t := time.Now()
			g.Apply(work)
			g.Accept(tok)
			d += time.Since(t)
			if math.IsInf(float64(work[tok]), -1) {
				b.Fatalf("GBNF rejects token %d %q of the call", tok, m.Vocab().Pieces[tok])
			}
		}
		return d
	}
	maskPass := func(ix *decoder.Index) time.Duration {
		s := ix.NewSession()
		var d time.Duration
		for _, tok := range toks {
			copy(work, logits)
			t := time.Now()
			s.ApplyMask(work)
			err := s.Accept(tok)
			d += time.Since(t)
			if err != nil {
				b.Fatal(err)
			}
		}
		return d
	}
	cold := maskPass(ix)
	var gt, mt time.Duration
	n := 0
	for b.Loop() {
		gt += gbnfPass()
		mt += maskPass(ix)
		n += len(toks)
	}
	b.ReportMetric(float64(gt.Nanoseconds())/float64(n), "gbnf_ns/token")
	b.ReportMetric(float64(mt.Nanoseconds())/float64(n), "mask_ns/token")
	b.ReportMetric(float64(cold.Nanoseconds())/float64(len(toks)), "mask_cold_ns/token")
	b.ReportMetric(float64(gt)/float64(mt), "gbnf/mask")
	b.ReportMetric(float64(len(toks)), "tokens")
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
