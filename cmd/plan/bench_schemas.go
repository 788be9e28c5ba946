package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/signal"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/internal/schemabench"
)

// SchemasCmd is `plan bench-schemas DIR`: schema coverage and
// soundness of generation on a MaskBench-style corpus.
type SchemasCmd struct {
	Dir          string `arg:"" help:"The corpus: a directory of JSON files {schema, tests} (guidance-ai/jsonschemabench, maskbench/data)."`
	Sample       int    `name:"sample" default:"0" help:"Schemas to sample, in proportion per subset (0: all)."`
	MinPerSubset int    `name:"min-per-subset" default:"45" help:"Least schemas sampled from each subset (all of a smaller one)."`
	Seed         uint64 `name:"seed" default:"1" help:"Seed of the sample and of the random walks."`
	Walks        int    `name:"walks" default:"3" help:"Random walks through each compiled automaton, each validated."`
	MaxFileBytes int    `name:"max-file-bytes" default:"8388608" help:"Largest corpus file read."`
	JSON         bool   `name:"json" help:"Print the report as one JSON object."`
	// Generation with a model (--generate N).
	modelFlags
	Generate    int     `name:"generate" default:"0" placeholder:"N" help:"Generate with the model under N schemas of the sample that compile for generation (in a seeded order), one call each, and validate every call's arguments."`
	Format      string  `name:"format" default:"json" placeholder:"NAME" help:"Call syntax of --generate: json, hermes, pythonic, react, or another the decoder knows."`
	MaxTokens   int     `name:"max-tokens" default:"256" help:"Token budget of one --generate run (raised to the schema's least output plus 32)."`
	Temperature float64 `name:"temperature" default:"0.8" help:"Sampling temperature of --generate (0: greedy)."`
	CtxSize     int     `name:"ctx-size" default:"4096" help:"The model's context in tokens for --generate."`
}

// schemasReport is the JSON output: the coverage report and, with
// --generate, the generation report's keys beside it.
type schemasReport struct {
	*decoder.SchemaBenchReport
	*schemabench.GenerateReport
	Model string `json:"model,omitempty"`
}

func (c *SchemasCmd) Run(e *env) error {
	switch {
	case c.Generate < 0:
		return inputErr(fmt.Errorf("--generate must be at least 0, got %d", c.Generate))
	case c.MaxTokens < 1:
		return inputErr(fmt.Errorf("--max-tokens must be at least 1, got %d", c.MaxTokens))
	case math.IsNaN(c.Temperature) || math.IsInf(c.Temperature, 0) || c.Temperature < 0:
		return inputErr(fmt.Errorf("--temperature must be a finite number at least 0, got %g", c.Temperature))
	case c.CtxSize < 1:
		return inputErr(fmt.Errorf("--ctx-size must be at least 1, got %d", c.CtxSize))
	}
	format, err := decoder.ParseFormat(c.Format)
	if err != nil {
		return inputErr(err)
	}
	bopts := decoder.SchemaBenchOptions{Sample: c.Sample, MinPerSubset: c.MinPerSubset,
		Seed: c.Seed, Walks: c.Walks, MaxFileBytes: c.MaxFileBytes}
	rep, err := decoder.BenchSchemas(c.Dir, bopts)
	if err != nil {
		return inputErr(err)
	}
	out := schemasReport{SchemaBenchReport: rep}
	if c.Generate > 0 {
		if out.GenerateReport, out.Model, err = c.generate(e, bopts, format); err != nil {
			return err
		}
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
		return c.verdict(rep, out.GenerateReport)
	}
	pct := func(a, b int) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "group\tschemas\tcompiled\t\twalks valid\tinstances judged right\tvalid instances accepted")
	row := func(name string, s *decoder.SchemaBenchCounts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d/%d\t%d/%d\t%d/%d\n", safetext.Escape(name), s.Schemas, s.Compiled, pct(s.Compiled, s.Schemas),
			s.WalksOK, s.Walks, s.InstancesRight, s.Instances, s.ValidAccepted, s.ValidInstances)
	}
	var names []string
	for n := range rep.Subsets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		row(n, rep.Subsets[n])
	}
	row("function calling", &rep.Function)
	row("all", &rep.Total)
	tw.Flush()
	fmt.Fprintf(e.stdout, "compile time: p50 %.2f ms, p99 %.2f ms\n", rep.CompileP50, rep.CompileP99)
	type kv struct {
		k string
		n int
	}
	var rs []kv
	for k, n := range rep.Refusals {
		rs = append(rs, kv{k, n})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].n > rs[j].n || rs[i].n == rs[j].n && rs[i].k < rs[j].k })
	fmt.Fprintln(e.stdout, "refusals by keyword:")
	for _, r := range rs {
		fmt.Fprintf(e.stdout, "  %5d  %s\n", r.n, safetext.Escape(r.k))
	}
	for _, f := range rep.Invalid {
		fmt.Fprintf(e.stdout, "INVALID %s: %s\n  %s\n", safetext.Escape(f.File), safetext.Escape(f.Text), safetext.Escape(f.Error))
	}
	if g := out.GenerateReport; g != nil {
		writeGeneration(e, g, out.Model)
	}
	return c.verdict(rep, out.GenerateReport)
}

// generate runs --generate on the bench's own sample.
func (c *SchemasCmd) generate(e *env, bopts decoder.SchemaBenchOptions, format decoder.Format) (*schemabench.GenerateReport, string, error) {
	files, err := decoder.SchemaBenchSample(c.Dir, bopts)
	if err != nil {
		return nil, "", inputErr(err)
	}
	model, err := c.load(e.stderr, c.CtxSize)
	if err != nil {
		return nil, "", inputErr(err)
	}
	defer model.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	temp := c.Temperature
	if temp == 0 {
		temp = -1 // GenerateOptions' greedy
	}
	g, err := schemabench.Generate(ctx, model, files, schemabench.GenerateOptions{N: c.Generate, Format: format,
		Seed: c.Seed, MaxTokens: c.MaxTokens, Temperature: temp, MaxFileBytes: int64(c.MaxFileBytes)})
	if ctx.Err() != nil {
		return nil, "", &exitError{code: exitInterrupted}
	}
	if err != nil {
		return nil, "", inputErr(err)
	}
	return g, model.Path(), nil
}

// verdict fails the command when a walk or a generated call did not
// validate: either is a soundness bug.
func (c *SchemasCmd) verdict(rep *decoder.SchemaBenchReport, g *schemabench.GenerateReport) error {
	n := len(rep.Invalid)
	if g != nil {
		n += len(g.Invalid)
	}
	if n > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d generated values failed validation", n)}
	}
	return nil
}

func writeGeneration(e *env, g *schemabench.GenerateReport, model string) {
	counts := func(m map[string]int) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool { return m[ks[i]] > m[ks[j]] || m[ks[i]] == m[ks[j]] && ks[i] < ks[j] })
		var parts []string
		for _, k := range ks {
			parts = append(parts, fmt.Sprintf("%s %d", safetext.Escape(k), m[k]))
		}
		return strings.Join(parts, ", ")
	}
	sum := func(m map[string]int) int {
		n := 0
		for _, v := range m {
			n += v
		}
		return n
	}
	fmt.Fprintf(e.stdout, "generation (%s, model %s): %d schemas run of %d tried (refused %d: %s)\n",
		g.Format, safetext.Escape(model), g.Runs, g.Tried, sum(g.Refused), counts(g.Refused))
	fmt.Fprintf(e.stdout, "  generated calls valid: %d/%d; failed runs %d (%s)\n", g.Valid, g.Generated, sum(g.Failed), counts(g.Failed))
	fmt.Fprintf(e.stdout, "  %d tokens (%d forced), mask p50 %.0f µs, p99 %.0f µs, %.1f s\n", g.Tokens, g.Forced, g.MaskP50us, g.MaskP99us, g.Elapsed)
	for _, f := range g.Failures {
		fmt.Fprintf(e.stdout, "FAILED %s: %s\n  %s\n", safetext.Escape(f.File), safetext.Escape(f.Error), safetext.Escape(f.Text))
	}
	for _, f := range g.Invalid {
		fmt.Fprintf(e.stdout, "INVALID generated %s: %s\n  %s\n", safetext.Escape(f.File), safetext.Escape(f.Error), safetext.Escape(f.Text))
	}
}
