package llama_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/ltl"
)

// soundSpec is one spec of specs/ compiled for the soundness runs, with the
// tool schemas its catalog gives (tools without an entry take free args).
type soundSpec struct {
	name  string
	spec  *specplan.Spec
	tools map[string]json.RawMessage
}

// loadSpecs compiles every specs/*.ltl with its catalog, if it has one:
// those that read tool results (returns, fails, captures) or those that
// do not.
func loadSpecs(t *testing.T, results bool) []soundSpec {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "specs", "*.ltl"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no specs found: %v", err)
	}
	var out []soundSpec
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".ltl")
		var opts specplan.Options
		tools := map[string]json.RawMessage{}
		if data, err := os.ReadFile(strings.TrimSuffix(p, ".ltl") + ".tools.json"); err == nil {
			cat, err := ltl.ParseCatalog(p, data)
			if err != nil {
				t.Fatalf("%s: catalog: %v", name, err)
			}
			opts.Catalog = cat
			for _, c := range cat {
				if len(c.Parameters) > 0 {
					tools[c.Name] = c.Parameters
				}
			}
		}
		sp, err := specplan.CompileFile(p, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sp.DFA().Alphabet.HasResults() != results {
			continue // specs that read results run in results_test.go, with answers
		}
		out = append(out, soundSpec{name: name, spec: sp, tools: tools})
	}
	return out
}

// callExample is how a call looks in each format, for the prompt.
var callExample = map[decoder.Format]string{
	decoder.FormatJSON:     `{"name": "TOOL", "arguments": {"arg": "value"}}`,
	decoder.FormatHermes:   "<tool_call>\n" + `{"name": "TOOL", "arguments": {"arg": "value"}}` + "\n</tool_call>",
	decoder.FormatPythonic: `TOOL(arg="value")`,
	decoder.FormatReAct:    `Action: TOOL[{"arg": "value"}]`,
}

var allFormats = []decoder.Format{decoder.FormatJSON, decoder.FormatHermes, decoder.FormatPythonic, decoder.FormatReAct}

// soundPrompt is a short instruction describing the format and the spec's
// steps and tools.
func soundPrompt(s soundSpec, f decoder.Format) string {
	var steps, tools []string
	for _, d := range s.spec.Source().Steps {
		if d.Name != "observation" {
			steps = append(steps, decoder.StepLabel(d.Name)+": ...")
		}
	}
	for _, d := range s.spec.Source().Tools {
		tools = append(tools, d.Name)
	}
	return fmt.Sprintf("You are an agent. Write one step per line: %s\nCall a tool with: %s\nTools: %s\nObservation lines are written for you.\n",
		strings.Join(steps, "  "), callExample[f], strings.Join(tools, ", "))
}

// soundStats are the totals the soundness test reports.
type soundStats struct {
	runs, tokens, forced, turns, tight int
	maskTime, decodeTime               time.Duration
}

// TestSoundnessOnLlama checks the decoder's central guarantee end to end on
// the real llama.cpp backend: whatever the (random-weights) model prefers,
// every run of decoder.Run ends complete within its token budget, and its
// model segments, each read back by Format.Parse (an independent parser)
// with the environment's events as given, give the session's events, which satisfy the spec by ltl.Eval (an independent
// checker of the formula, not the DFA) and the tools' JSON schemas.
func TestSoundnessOnLlama(t *testing.T) {
	if testing.Short() {
		t.Skip("many generations on the real backend")
	}
	specs := loadSpecs(t, false)
	m := load(t, llama.Options{ContextSize: 2048, Threads: 1})
	vocab := m.Vocab()
	trie := decoder.NewTrie(vocab)
	temps := []float64{0, 0.7, 1.5}
	const seeds = 6
	const defaultBudget = 80
	var st soundStats
	start := time.Now()
	for _, s := range specs {
		formula := s.spec.Source().Formula()
		parsedSchemas := map[string]map[string]any{}
		for name, raw := range s.tools {
			var sch map[string]any
			if err := json.Unmarshal(raw, &sch); err != nil {
				t.Fatalf("%s: schema of %s: %v", s.name, name, err)
			}
			parsedSchemas[name] = sch
		}
		for _, f := range allFormats {
			ix, err := decoder.NewIndex(decoder.FromDFA(s.spec.DFA()), vocab, trie, decoder.IndexOptions{Format: f, Tools: s.tools})
			if err != nil {
				t.Fatalf("%s/%s: NewIndex: %v", s.name, f, err)
			}
			prompt, err := m.Tokenize(soundPrompt(s, f), true, false)
			if err != nil {
				t.Fatal(err)
			}
			minTok := ix.NewSession().MinTokens()
			if f == decoder.FormatJSON {
				t.Logf("%s: MinTokens %d (json)", s.name, minTok)
			}
			budget := defaultBudget
			if minTok > budget-40 {
				budget = minTok + 40
			}
			for _, temp := range temps {
				n := seeds
				if temp == 0 {
					n = 1 // greedy: every seed gives the same run
				}
				for seed := range n {
					b := budget
					if seed == 1 {
						b = minTok // the tightest budget a run may have
						st.tight++
					}
					name := fmt.Sprintf("%s/%s/t=%v/seed=%d/budget=%d", s.name, f, temp, seed, b)
					res := soundRun(t, m, ix, prompt, b, temp, int64(seed))
					st.runs++
					st.tokens += res.Tokens
					st.forced += res.Forced
					st.turns += res.Turns
					st.decodeTime += res.DecodeTime
					for _, d := range res.MaskTime {
						st.maskTime += d
					}
					if msg := checkRun(f, formula, parsedSchemas, res, b); msg != "" {
						t.Errorf("%s: %s\ntranscript:\n%s", name, msg, res.Text)
					}
				}
			}
		}
	}
	if st.tokens == 0 {
		t.Fatal("no tokens generated")
	}
	t.Logf("%d runs (%d at budget = MinTokens), %d turns, %d tokens, %d forced (%.1f%%), mask %v, decode %v, wall %v",
		st.runs, st.tight, st.turns, st.tokens, st.forced, 100*float64(st.forced)/float64(st.tokens),
		st.maskTime.Round(time.Millisecond), st.decodeTime.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// soundRun runs one constrained generation from an empty context with an
// environment that answers every awaited step with an observation.
func soundRun(t *testing.T, m *llama.Model, ix *decoder.Index, prompt []int, budget int, temp float64, seed int64) decoder.RunResult {
	t.Helper()
	if err := m.Reset(); err != nil {
		t.Fatal(err)
	}
	obs := 0
	env := func(events []ltl.Event) (ltl.Event, error) {
		obs++
		return ltl.Event{Step: "observation", Text: fmt.Sprintf("result %d", obs)}, nil
	}
	res, err := decoder.Run(context.Background(), m, ix.NewSession(), prompt, decoder.RunOptions{
		MaxTokens:   budget,
		Sampler:     decoder.SamplerOptions{Temperature: temp, Seed: seed},
		Environment: env,
	})
	if err != nil {
		t.Errorf("budget %d temp %v seed %d: Run: %v (stop %s, %d tokens)\ntranscript:\n%s", budget, temp, seed, err, res.Stop, res.Tokens, res.Text)
	}
	return res
}

// checkRun checks one run's result; "" if sound.
func checkRun(f decoder.Format, formula ltl.Formula, schemas map[string]map[string]any, res decoder.RunResult, budget int) string {
	if !res.Complete {
		return fmt.Sprintf("run not complete (stop %s)", res.Stop)
	}
	if res.Tokens > budget {
		return fmt.Sprintf("%d tokens over the budget of %d", res.Tokens, budget)
	}
	// The independent path reads the model's segments only, each turn on
	// its own, and takes the environment's events as given: environment
	// text is never parsed.
	var parsed []ltl.Event
	for i, sg := range res.Segments {
		switch sg.Source {
		case decoder.SourceModel:
			evs, err := f.Parse(sg.Text)
			if err != nil {
				return fmt.Sprintf("Format.Parse of model segment %d: %v", i, err)
			}
			parsed = append(parsed, evs...)
		case decoder.SourceEnvironment:
			parsed = append(parsed, sg.Event)
		default:
			return fmt.Sprintf("segment %d has source %v", i, sg.Source)
		}
	}
	if !eventsEqual(parsed, res.Events) {
		return fmt.Sprintf("Format.Parse gives %v, the session recorded %v", parsed, res.Events)
	}
	if !ltl.Eval(formula, parsed) {
		return fmt.Sprintf("ltl.Eval rejects the events %v", parsed)
	}
	for i, e := range parsed {
		if !e.IsCall() {
			continue
		}
		if e.Args == nil {
			return fmt.Sprintf("event %d: call %s without an argument object", i, e.Tool)
		}
		if sch, ok := schemas[e.Tool]; ok {
			if err := checkSchema(sch, e.Args, e.Tool); err != nil {
				return fmt.Sprintf("event %d: %v", i, err)
			}
			raw, _ := json.Marshal(sch)
			if err := decoder.ValidateArgs(raw, e.Args); err != nil {
				return fmt.Sprintf("event %d: the full validator rejects the arguments: %v", i, err)
			}
		}
	}
	return ""
}

// eventsEqual compares names, args and texts (observations included).
func eventsEqual(a, b []ltl.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Step != b[i].Step || a[i].Tool != b[i].Tool || a[i].Text != b[i].Text {
			return false
		}
		if len(a[i].Args) != 0 || len(b[i].Args) != 0 {
			if !reflect.DeepEqual(a[i].Args, b[i].Args) {
				return false
			}
		}
	}
	return true
}

// checkSchema is a small, independent JSON-schema check of the keywords the
// specs' catalogs use: type, enum, const, required, properties
// (additionalProperties false closes the object), items,
// minLength/maxLength, minimum/maximum and pattern. checkRun also runs the
// full validator (package schema) on every call.
func checkSchema(s map[string]any, v any, path string) error {
	if typ, ok := s["type"]; ok {
		var types []string
		switch tv := typ.(type) {
		case string:
			types = []string{tv}
		case []any:
			for _, x := range tv {
				types = append(types, fmt.Sprint(x))
			}
		}
		if !slices.ContainsFunc(types, func(ty string) bool { return hasType(v, ty) }) {
			return fmt.Errorf("%s: %v (%T) is not of type %v", path, v, v, types)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, v) }) {
		return fmt.Errorf("%s: %v is not in the enum %v", path, v, enum)
	}
	if c, ok := s["const"]; ok && !reflect.DeepEqual(c, v) {
		return fmt.Errorf("%s: %v is not the const %v", path, v, c)
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[fmt.Sprint(r)]; !ok {
					return fmt.Errorf("%s: required key %q missing in %v", path, r, x)
				}
			}
		}
		for k, val := range x {
			ps, ok := props[k].(map[string]any)
			if !ok {
				// JSON Schema allows keys beyond properties unless the
				// schema closes the object.
				if ap, set := s["additionalProperties"].(bool); set && !ap {
					return fmt.Errorf("%s: key %q is not a property and additionalProperties is false", path, k)
				}
				continue
			}
			if err := checkSchema(ps, val, path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		if is, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				if err := checkSchema(is, e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	case string:
		n := len([]rune(x))
		if ml, ok := s["maxLength"].(float64); ok && float64(n) > ml {
			return fmt.Errorf("%s: %q is longer than %v", path, x, ml)
		}
		if ml, ok := s["minLength"].(float64); ok && float64(n) < ml {
			return fmt.Errorf("%s: %q is shorter than %v", path, x, ml)
		}
		if p, ok := s["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				return fmt.Errorf("%s: pattern %q: %v", path, p, err)
			}
			if !re.MatchString(x) {
				return fmt.Errorf("%s: %q does not match %q", path, x, p)
			}
		}
	case float64:
		if lo, ok := s["minimum"].(float64); ok && x < lo {
			return fmt.Errorf("%s: %v < minimum %v", path, x, lo)
		}
		if hi, ok := s["maximum"].(float64); ok && x > hi {
			return fmt.Errorf("%s: %v > maximum %v", path, x, hi)
		}
	}
	return nil
}

func hasType(v any, ty string) bool {
	switch ty {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		x, ok := v.(float64)
		return ok && x == math.Trunc(x)
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// TestRunRefusesBudgetBelowMinimum: on the real backend, a run whose budget
// is one token below the session's MinTokens fails with ErrBudget before
// anything is decoded (the context stays empty), and the same run with
// exactly MinTokens completes within it.
func TestRunRefusesBudgetBelowMinimum(t *testing.T) {
	specs := loadSpecs(t, false)
	m := load(t, llama.Options{ContextSize: 2048, Threads: 1})
	vocab := m.Vocab()
	trie := decoder.NewTrie(vocab)
	i := slices.IndexFunc(specs, func(s soundSpec) bool { return s.name == "refund" })
	if i < 0 {
		t.Fatal("specs/refund.ltl not found")
	}
	s := specs[i]
	ix, err := decoder.NewIndex(decoder.FromDFA(s.spec.DFA()), vocab, trie, decoder.IndexOptions{Format: decoder.FormatJSON, Tools: s.tools})
	if err != nil {
		t.Fatal(err)
	}
	need := ix.NewSession().MinTokens()
	if need < 2 {
		t.Fatalf("MinTokens = %d; the refund spec needs several calls", need)
	}
	prompt, err := m.Tokenize(soundPrompt(s, decoder.FormatJSON), true, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Reset(); err != nil {
		t.Fatal(err)
	}
	env := func([]ltl.Event) (ltl.Event, error) { return ltl.Event{Step: "observation", Text: "ok"}, nil }
	res, err := decoder.Run(context.Background(), m, ix.NewSession(), prompt, decoder.RunOptions{MaxTokens: need - 1, Environment: env})
	if !errors.Is(err, decoder.ErrBudget) {
		t.Fatalf("budget %d below MinTokens %d: err = %v, want ErrBudget", need-1, need, err)
	}
	if res.Tokens != 0 || m.Position() != 0 || len(res.Text) != 0 {
		t.Errorf("refused run decoded something: %d tokens, position %d, text %q", res.Tokens, m.Position(), res.Text)
	}
	res = soundRun(t, m, ix, prompt, need, 1, 1)
	if !res.Complete || res.Tokens > need {
		t.Errorf("budget = MinTokens = %d: complete %v, %d tokens (stop %s)", need, res.Complete, res.Tokens, res.Stop)
	}
}
