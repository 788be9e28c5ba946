package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/safetext"
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
}

func (c *SchemasCmd) Run(e *env) error {
	rep, err := decoder.BenchSchemas(c.Dir, decoder.SchemaBenchOptions{Sample: c.Sample, MinPerSubset: c.MinPerSubset,
		Seed: c.Seed, Walks: c.Walks, MaxFileBytes: c.MaxFileBytes})
	if err != nil {
		return inputErr(err)
	}
	if c.JSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
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
	if len(rep.Invalid) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d generated values failed validation", len(rep.Invalid))}
	}
	return nil
}
