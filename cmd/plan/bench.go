package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/export"
	"github.com/specplan/specplan/internal/decbench"
	"github.com/specplan/specplan/internal/modfile"
	"github.com/specplan/specplan/internal/readlimit"
	"github.com/specplan/specplan/ltl"
)

// BenchCmd is `plan bench`: the constraint's cost on this machine.
type BenchCmd struct {
	Spec string `name:"spec" required:"" placeholder:"SPEC.ltl" help:"The spec to constrain with."`
	specFlags
	Model   string `name:"model" placeholder:"M.gguf" xor:"src" help:"A GGUF model. Default: the embedded tiny model (random weights, Llama-3 vocabulary), created once under the user cache dir."`
	Vocab   string `name:"vocab" placeholder:"tokenizer.json" xor:"src" help:"Measure only the masks, over this tokenizer.json's vocabulary (no model; 'llama3' or 'cohere' name the tokenizers shipped in a Go module)."`
	Format  string `name:"format" default:"json" placeholder:"NAME" help:"Call format: ${formats}."`
	Tokens  int    `name:"tokens" default:"64" help:"Model tokens per measurement."`
	Reps    int    `name:"reps" default:"3" help:"Alternating repetitions of the unconstrained and constrained measurements."`
	Walks   int    `name:"walks" default:"8" help:"Seeded random walks for the mask measurements."`
	Seed    int64  `name:"seed" default:"1" help:"Seed of the walks and the sampler."`
	GBNF    string `name:"gbnf" placeholder:"FILE" help:"The GBNF grammar of llama.cpp's column (default: the spec's own export, as plan compile --format gbnf writes it)."`
	NoGBNF  bool   `name:"no-gbnf" help:"Leave out llama.cpp's GBNF sampler (the third column; it is slow)."`
	JSON    bool   `name:"json" help:"Print the numbers as one JSON object."`
	Verbose bool   `name:"verbose" help:"Let llama.cpp log to stderr."`
}

// benchReport is --json's object. Generation keys are null with --vocab.
type benchReport struct {
	Spec        string   `json:"spec"`
	Format      string   `json:"format"`
	Model       *string  `json:"model"`
	Vocab       *string  `json:"vocab,omitempty"`
	VocabSize   int      `json:"vocab_size"`
	CPU         string   `json:"cpu"`
	Cores       int      `json:"cores"`
	CPUFeatures string   `json:"cpu_features"`
	Tokens      *int     `json:"tokens"`
	Reps        *int     `json:"reps"`
	Uncon       *float64 `json:"unconstrained_tokens_per_s"`
	Con         *float64 `json:"constrained_tokens_per_s"`
	Ratio       *float64 `json:"ratio"`
	Share       *float64 `json:"constraint_share"`
	MaskP50     float64  `json:"mask_p50_us"`
	MaskP99     float64  `json:"mask_p99_us"`
	FirstP50    float64  `json:"mask_first_p50_us"`
	FirstP99    float64  `json:"mask_first_p99_us"`
	ApplyP50    float64  `json:"apply_p50_us"`
	ApplyP99    float64  `json:"apply_p99_us"`
	States      int      `json:"mask_states"`
	// The decoder's constraint per model token during generation
	// (ApplyMask + Accept), and with --gbnf llama.cpp's GBNF sampler's
	// (Apply + Accept) on the same model, prompt and seeds; ratios are
	// GBNF over the decoder (speed: GBNF tokens/s over constrained).
	SampleP50     *float64 `json:"mask_sample_p50_us"`
	SampleP99     *float64 `json:"mask_sample_p99_us"`
	GBNFGrammar   *string  `json:"gbnf_grammar"` // the file, or "exported"
	GBNFTokens    *float64 `json:"gbnf_tokens_per_s"`
	GBNFSampleP50 *float64 `json:"gbnf_sample_p50_us"`
	GBNFSampleP99 *float64 `json:"gbnf_sample_p99_us"`
	GBNFSpeed     *float64 `json:"gbnf_speed_ratio"`
	GBNFCostP50   *float64 `json:"gbnf_sample_ratio_p50"`
	GBNFCostP99   *float64 `json:"gbnf_sample_ratio_p99"`
	IndexBytes    int      `json:"index_bytes"`
	IndexStates   int      `json:"index_states"`
}

func (c *BenchCmd) Run(e *env) error {
	if c.Tokens <= 0 || c.Reps <= 0 || c.Walks <= 0 {
		return inputErr(errors.New("--tokens, --reps and --walks must be positive"))
	}
	spec, err := c.compile(c.Spec)
	if err != nil {
		return err
	}
	format, err := decoder.ParseFormat(c.Format)
	if err != nil {
		return inputErr(err)
	}
	var grammar string
	if c.GBNF != "" {
		if c.Vocab != "" {
			return inputErr(errors.New("--gbnf needs a model (it times generation), not --vocab"))
		}
		if c.NoGBNF {
			return inputErr(errors.New("--gbnf and --no-gbnf contradict each other"))
		}
		data, over, err := readlimit.File(c.GBNF, maxGBNFBytes)
		if err != nil {
			return inputErr(err)
		}
		if over {
			return inputErr(fmt.Errorf("%s: larger than %d bytes (the --gbnf limit)", c.GBNF, maxGBNFBytes))
		}
		grammar = string(data)
	}
	sopts := decoder.IndexOptions{Format: format, Tools: spec.Schemas()}
	rep := benchReport{Spec: c.Spec, Format: format.String(), CPU: cpuModel(), Cores: runtime.NumCPU()}

	var vocab *decoder.Vocab
	var model *llama.Model
	if c.Vocab != "" {
		path := c.Vocab
		if _, err := os.Stat(path); err != nil {
			switch path {
			case "llama3":
				path, err = modfile.Tokenizer(modfile.Llama3Tokenizer)
			case "cohere":
				path, err = modfile.Tokenizer(modfile.CohereTokenizer)
			}
			if err != nil {
				return inputErr(err)
			}
		}
		if vocab, err = decoder.LoadTokenizerJSON(path); err != nil {
			return inputErr(err)
		}
		rep.Vocab = &path
	} else {
		if c.Model != "" {
			if _, err := os.Stat(c.Model); err != nil {
				return inputErr(fmt.Errorf("model %s: %w", c.Model, errors.Unwrap(err)))
			}
		}
		mf := modelFlags{Model: c.Model, Verbose: c.Verbose}
		if model, err = mf.load(e.stderr, 4096); err != nil {
			return inputErr(err)
		}
		defer model.Close()
		vocab = model.Vocab()
		// The format's markers that are special tokens of the model are
		// written as those tokens, as plan generate writes them.
		if sopts.Markers, err = decoder.MarkerTokens(model, format); err != nil {
			return inputErr(err)
		}
		p := model.Path()
		rep.Model = &p
	}
	rep.CPUFeatures = llama.CPUFeatures()
	rep.VocabSize = vocab.Size()

	trie := decoder.NewTrie(vocab)
	ea := decoder.FromDFA(spec.DFA())
	ix, err := decoder.NewIndex(ea, vocab, trie, sopts)
	if err != nil {
		return inputErr(err)
	}
	ms, err := decbench.Masks(ix, decbench.MaskOptions{Walks: c.Walks, Seed: c.Seed})
	if err != nil {
		return err
	}
	rep.MaskP50, rep.MaskP99 = ms.Cached.P50, ms.Cached.P99
	rep.FirstP50, rep.FirstP99 = ms.First.P50, ms.First.P99
	rep.ApplyP50, rep.ApplyP99 = ms.Apply.P50, ms.Apply.P99
	rep.States, rep.IndexBytes, rep.IndexStates = ms.Visited, ms.IndexBytes, ms.States

	if model != nil {
		ix2, err := decoder.NewIndex(ea, vocab, trie, sopts)
		if err != nil {
			return inputErr(err)
		}
		prompt, err := benchPrompt(model, format, spec.Source().Steps, spec.Catalog(), spec.Source().Tools)
		if err != nil {
			return err
		}
		if len(prompt)+2*c.Tokens+256 > model.ContextSize() {
			return inputErr(fmt.Errorf("--tokens %d does not fit the model's context of %d tokens with the prompt", c.Tokens, model.ContextSize()))
		}
		samp := decoder.SamplerOptions{Temperature: 1, Seed: c.Seed}
		gopts := decbench.GenOptions{Tokens: c.Tokens, Reps: c.Reps, Sampler: &samp}
		source := c.GBNF
		if !c.NoGBNF && c.GBNF == "" {
			// The same language the decoder runs, with the same markers
			// written as the model's special tokens.
			g, err := export.GBNF(spec, export.Options{Format: format, Markers: sopts.Markers})
			if err != nil {
				return inputErr(fmt.Errorf("exporting the spec's GBNF for llama.cpp's column: %w (give --gbnf FILE or --no-gbnf)", err))
			}
			grammar, source = string(g), "exported"
		}
		if !c.NoGBNF {
			// Parse once up front, so that a bad grammar is an input error
			// naming the file, not a failure halfway through the runs.
			g, err := model.NewGBNF(grammar)
			if err != nil {
				return inputErr(fmt.Errorf("%s GBNF: %w", source, err))
			}
			g.Close()
			gopts.Grammar = func() (decbench.Grammar, error) { return model.NewGBNF(grammar) }
		}
		gs, err := decbench.Generate(context.Background(), model, ix2, prompt, gopts)
		if err != nil {
			return err
		}
		rep.Tokens, rep.Reps = &c.Tokens, &c.Reps
		rep.Uncon, rep.Con, rep.Ratio, rep.Share = &gs.Unconstrained, &gs.Constrained, &gs.Ratio, &gs.ConstraintShare
		rep.SampleP50, rep.SampleP99 = &gs.ConstrainedSample.P50, &gs.ConstrainedSample.P99
		if !c.NoGBNF {
			rep.GBNFGrammar = &source
			rep.GBNFTokens, rep.GBNFSampleP50, rep.GBNFSampleP99 = &gs.Grammar, &gs.GrammarSample.P50, &gs.GrammarSample.P99
			speed := ratio(gs.Grammar, gs.Constrained)
			p50 := ratio(gs.GrammarSample.P50, gs.ConstrainedSample.P50)
			p99 := ratio(gs.GrammarSample.P99, gs.ConstrainedSample.P99)
			rep.GBNFSpeed, rep.GBNFCostP50, rep.GBNFCostP99 = &speed, &p50, &p99
		}
	}
	if c.JSON {
		return writeJSONL(e.stdout, rep)
	}
	printBench(e, rep)
	return nil
}

// benchPrompt is the prompt both modes start from: the format's
// instructions in the model's chat template (plain text otherwise).
func benchPrompt(m *llama.Model, f decoder.Format, steps []ltl.Decl, catalog []ltl.CatalogTool, tools []ltl.Decl) ([]int, error) {
	var stepNames, toolNames []string
	for _, s := range steps {
		stepNames = append(stepNames, s.Name)
	}
	for _, t := range tools {
		toolNames = append(toolNames, t.Name)
	}
	sys := decoder.Instructions(f, stepNames, decoder.DefaultEnvSteps, catalog, toolNames)
	msgs := []decoder.Message{{Role: "system", Content: sys}, {Role: "user", Content: "What is the tallest mountain in Europe?"}}
	p, ok := decoder.ApplyChatTemplate(m.ChatTemplate(), msgs)
	if !ok {
		p = decoder.Prompt{}.Content(sys + "\nUser: What is the tallest mountain in Europe?\n")
	}
	return decoder.TokenizePrompt(m, p, !ok)
}

func printBench(e *env, r benchReport) {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	src, path := "vocab", deref(r.Vocab)
	if r.Model != nil {
		src, path = "model", *r.Model
	}
	fmt.Fprintf(w, "machine\t%s, %d cores\n", r.CPU, r.Cores)
	fmt.Fprintf(w, "ggml\t%s\n", strings.TrimSpace(r.CPUFeatures))
	fmt.Fprintf(w, "spec\t%s (%s format)\n", r.Spec, r.Format)
	fmt.Fprintf(w, "%s\t%s (%d tokens)\n", src, path, r.VocabSize)
	fmt.Fprintf(w, "\t\n")
	fmt.Fprintf(w, "measure\tp50\tp99\n")
	fmt.Fprintf(w, "mask, first visit\t%.1f µs\t%.1f µs\n", r.FirstP50, r.FirstP99)
	fmt.Fprintf(w, "mask, cached\t%.2f µs\t%.2f µs\n", r.MaskP50, r.MaskP99)
	fmt.Fprintf(w, "apply to logits\t%.1f µs\t%.1f µs\n", r.ApplyP50, r.ApplyP99)
	fmt.Fprintf(w, "index memory\t%.1f KiB\t(%d states, %d visited)\n", float64(r.IndexBytes)/1024, r.IndexStates, r.States)
	if r.Uncon != nil {
		fmt.Fprintf(w, "\t\n")
		fmt.Fprintf(w, "generation (median of %d, %d tokens)\ttokens/s\t\n", *r.Reps, *r.Tokens)
		fmt.Fprintf(w, "unconstrained\t%.1f\t\n", *r.Uncon)
		fmt.Fprintf(w, "constrained\t%.1f\t(constraint %.1f%% of the time)\n", *r.Con, 100**r.Share)
		fmt.Fprintf(w, "ratio\t%.3f\t\n", *r.Ratio)
		fmt.Fprintf(w, "\t\n")
		fmt.Fprintf(w, "constraint per token\tp50\tp99\n")
		fmt.Fprintf(w, "specplan mask\t%.2f µs\t%.2f µs\n", *r.SampleP50, *r.SampleP99)
	}
	if r.GBNFTokens != nil {
		fmt.Fprintf(w, "llama.cpp GBNF (%s)\t%.2f µs\t%.2f µs\n", *r.GBNFGrammar, *r.GBNFSampleP50, *r.GBNFSampleP99)
		fmt.Fprintf(w, "GBNF / mask\t%.1f×\t%.1f×\n", *r.GBNFCostP50, *r.GBNFCostP99)
		fmt.Fprintf(w, "\t\n")
		fmt.Fprintf(w, "tokens/s\tspecplan\tGBNF\n")
		fmt.Fprintf(w, "constrained\t%.1f\t%.1f\t(GBNF / specplan %.3f)\n", *r.Con, *r.GBNFTokens, *r.GBNFSpeed)
	}
	w.Flush()
}

// maxGBNFBytes bounds a --gbnf file.
const maxGBNFBytes = 16 << 20

// ratio is a / b, 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// cpuModel is the CPU's name from /proc/cpuinfo ("unknown" elsewhere).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU (" + runtime.GOARCH + ")"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU (" + runtime.GOARCH + ")"
}
