package schemabench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/schema"
)

// GenerateOptions configure Generate. The zero value generates for every
// file given, in the json call format, with plan generate's sampler.
type GenerateOptions struct {
	// N, when positive, stops after N schemas that compile for generation.
	N int
	// Format is the call syntax (default json).
	Format decoder.Format
	// Seed seeds the order the files are taken in and the sampler (run i
	// samples with Seed+i).
	Seed uint64
	// MaxTokens is the budget of one run (default 256), raised to the
	// schema's least output plus 32 where that is more.
	MaxTokens int
	// Temperature of the sampler (default 0.8, plan generate's; negative: 0,
	// greedy).
	Temperature float64
	// MaxFileBytes bounds one corpus file (default 32 MiB).
	MaxFileBytes int64
	// MaxListed bounds the failures listed by reason in the report
	// (default 50); the counts are always complete.
	MaxListed int
}

// GenerateReport is what Generate measured. Every generated call's
// arguments are validated by the full validator (package schema, formats
// asserted); an invalid one is a soundness bug and is listed in Invalid
// with its file and the model's text.
type GenerateReport struct {
	Format string `json:"format"`
	// Tried counts the files looked at; Refused those that were not run,
	// by reason (the validator or the decoder cannot compile the schema).
	Tried   int            `json:"generate_tried"`
	Refused map[string]int `json:"generate_refused"`
	// Runs counts the schemas generated for; Failed those runs that ended
	// without a complete output, by reason (budget, context).
	Runs     int                  `json:"generate_runs"`
	Failed   map[string]int       `json:"generate_failed"`
	Failures []GenerateFailure    `json:"generate_failures,omitempty"`
	Subsets  map[string]*GenCount `json:"generate_subsets"`
	// Generated counts the calls read back from the model's text (by
	// Format.Parse, independently of the session); Valid those whose
	// arguments validate.
	Generated int               `json:"generated"`
	Valid     int               `json:"generated_valid"`
	Invalid   []GenerateFailure `json:"generated_invalid,omitempty"`
	Tokens    int               `json:"generate_tokens"`
	Forced    int               `json:"generate_forced_tokens"`
	// MaskP50us and MaskP99us are the constraint's time per token.
	MaskP50us float64 `json:"mask_p50_us"`
	MaskP99us float64 `json:"mask_p99_us"`
	Elapsed   float64 `json:"generate_seconds"`
}

// GenCount is one subset's share of a GenerateReport.
type GenCount struct {
	Runs      int `json:"runs"`
	Generated int `json:"generated"`
	Valid     int `json:"generated_valid"`
}

// GenerateFailure is a run that failed or a generated call whose
// arguments do not validate: the file, the model's text, the error.
type GenerateFailure struct {
	File  string `json:"file"`
	Text  string `json:"text,omitempty"`
	Error string `json:"error"`
}

// benchTool names the one tool of the generation spec.
const benchTool = "f"

// benchSpec demands exactly one call to the tool and nothing else, so
// every run ends with one call whose arguments the schema constrains.
const benchSpec = `spec bench "one call to the schema's tool"
tools f
rule f
rule G(f -> last)
`

// Generate runs constrained generation on b under one schema after
// another of files (corpus entries, as Run reads them), taken in a seeded
// order: for each schema that both the validator and the decoder compile,
// a run of decoder.Run under a spec of one call to one tool whose
// parameters are the schema, from a fresh context (b is Reset), then the
// call read back from the model's text and its arguments validated.
func Generate(ctx context.Context, b decoder.Backend, files []string, opts GenerateOptions) (*GenerateReport, error) {
	start := time.Now()
	if !opts.Format.Valid() {
		opts.Format = decoder.FormatJSON
	}
	if opts.MaxTokens <= 0 {
		opts.MaxTokens = 256
	}
	if opts.Temperature == 0 {
		opts.Temperature = 0.8
	} else if opts.Temperature < 0 {
		opts.Temperature = 0
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 32 << 20
	}
	if opts.MaxListed <= 0 {
		opts.MaxListed = 50
	}
	spec, err := specplan.Compile("bench.ltl", []byte(benchSpec), specplan.Options{})
	if err != nil {
		return nil, fmt.Errorf("the generation spec: %w", err)
	}
	vocab := b.Vocab()
	trie := decoder.NewTrie(vocab)
	prompt, err := b.Tokenize(decoder.Instructions(opts.Format, nil, decoder.DefaultEnvSteps, nil, []string{benchTool})+
		"Call the tool once with arguments that fit its parameters.\n", true, false)
	if err != nil {
		return nil, err
	}
	order := slices.Clone(files)
	r := rand.New(rand.NewPCG(opts.Seed, 0x9e7e4a7e))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })

	rep := &GenerateReport{Format: opts.Format.String(), Refused: map[string]int{}, Failed: map[string]int{}, Subsets: map[string]*GenCount{}}
	var masks []time.Duration
	for _, f := range order {
		if opts.N > 0 && rep.Runs == opts.N {
			break
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		name := filepath.Base(f)
		rep.Tried++
		e, err := readEntry(f, opts.MaxFileBytes)
		if err != nil {
			rep.Refused["unreadable"]++
			continue
		}
		val, err := schema.Compile(e.Schema, schema.CompileOptions{})
		if err != nil {
			code := "other"
			var ce *schema.CompileError
			if errors.As(err, &ce) {
				code = ce.Code.String()
			}
			rep.Refused["validator:"+code]++
			continue
		}
		ix, err := decoder.NewIndex(decoder.FromDFA(spec.DFA()), vocab, trie, decoder.IndexOptions{
			Format: opts.Format, Tools: map[string]json.RawMessage{benchTool: e.Schema},
		})
		if err != nil {
			rep.Refused[refusalReason(err)]++
			continue
		}
		sub := rep.Subsets[SubsetOf(name)]
		if sub == nil {
			sub = &GenCount{}
			rep.Subsets[SubsetOf(name)] = sub
		}
		rep.Runs++
		sub.Runs++
		fail := func(reason string, text string, err error) {
			rep.Failed[reason]++
			if len(rep.Failures) < opts.MaxListed {
				rep.Failures = append(rep.Failures, GenerateFailure{File: name, Text: text, Error: err.Error()})
			}
		}
		budget := max(opts.MaxTokens, ix.NewSession().MinTokens()+32)
		s, err := ix.Start(decoder.SessionOptions{MaxTokens: budget})
		if err != nil {
			fail("start", "", err)
			continue
		}
		if err := b.Reset(); err != nil {
			return rep, err
		}
		res, err := decoder.Run(ctx, b, s, prompt, decoder.RunOptions{
			MaxTokens: budget,
			Sampler:   decoder.SamplerOptions{Temperature: opts.Temperature, Seed: int64(opts.Seed) + int64(rep.Runs)},
			Environment: func([]ltl.Event) (ltl.Event, error) {
				return ltl.Event{}, errors.New("the spec has no environment step")
			},
		})
		masks = append(masks, res.MaskTime...)
		rep.Tokens += res.Tokens
		rep.Forced += res.Forced
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if err != nil {
			reason := "run"
			var ce *decoder.ContextError
			var de *decoder.ConstraintError
			if errors.As(err, &ce) {
				reason = "context"
			} else if errors.As(err, &de) {
				reason = de.Code.String()
			}
			fail(reason, string(res.Text), err)
			continue
		}
		if !res.Complete {
			fail("incomplete", string(res.Text), fmt.Errorf("the run stopped (%s) before the spec accepted", res.Stop))
			continue
		}
		// The arguments come from the model's text read back on its own,
		// not from the session that steered it.
		events, err := decoder.SegmentEvents(opts.Format, res.Segments)
		if err == nil && len(events) != len(res.Events) {
			err = fmt.Errorf("read back %d events, the session saw %d", len(events), len(res.Events))
		}
		if err != nil {
			rep.Generated++
			sub.Generated++
			rep.Invalid = append(rep.Invalid, GenerateFailure{File: name, Text: string(res.Text), Error: "read-back: " + err.Error()})
			continue
		}
		for _, ev := range events {
			if ev.Tool == "" {
				continue
			}
			rep.Generated++
			sub.Generated++
			var verr error
			if ev.Tool != benchTool {
				verr = fmt.Errorf("a call to %q, not to the spec's tool", ev.Tool)
			} else {
				verr = val.ValidateArgs(ev.Args)
			}
			if verr != nil {
				rep.Invalid = append(rep.Invalid, GenerateFailure{File: name, Text: string(res.Text), Error: verr.Error()})
				continue
			}
			rep.Valid++
			sub.Valid++
		}
	}
	if len(masks) > 0 {
		slices.Sort(masks)
		us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
		rep.MaskP50us = us(masks[len(masks)/2])
		rep.MaskP99us = us(masks[min(len(masks)-1, len(masks)*99/100)])
	}
	rep.Elapsed = time.Since(start).Seconds()
	return rep, nil
}

var (
	refusalKeyword = regexp.MustCompile(`schema (/\S*): ([A-Za-z$]+): `)
	refusalLimit   = regexp.MustCompile(`\b([mM]ax[A-Z][A-Za-z]*)\b`)
)

// refusalReason groups the decoder's refusal of a schema: by the keyword
// it names, or the limit, or else by its error code.
func refusalReason(err error) string {
	if se, ok := schema.AsError(err); ok {
		if se.Code == schema.CodeLimit {
			if m := refusalLimit.FindStringSubmatch(se.Msg); m != nil {
				return "limit:" + m[1]
			}
		}
		if se.Keyword != "" {
			return se.Keyword
		}
		return se.Code.String()
	}
	msg := err.Error()
	if m := refusalLimit.FindStringSubmatch(msg); m != nil {
		return "limit:" + m[1]
	}
	if m := refusalKeyword.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	var de *decoder.ConstraintError
	if errors.As(err, &de) {
		msg = de.Code.String() + ": " + strings.TrimPrefix(strings.TrimPrefix(de.Msg, "tool "+benchTool+": "), "tool "+strconv.Quote(benchTool)+": ")
	}
	if len(msg) > 60 {
		msg = msg[:60]
	}
	return strings.TrimSpace(msg)
}
