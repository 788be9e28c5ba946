package llama_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/ltl"
)

var nativeFormats = []decoder.Format{decoder.FormatQwen, decoder.FormatLlama3, decoder.FormatLlama3Tag,
	decoder.FormatMistral, decoder.FormatMistralV11, decoder.FormatGranite, decoder.FormatDeepSeek, decoder.FormatDeepSeekR1, decoder.FormatHarmony}

// nativeRuns is how many sampled runs per spec and format
// (SPECPLAN_NATIVE_RUNS raises it; CI runs the default).
func nativeRuns(t *testing.T) int {
	if s := os.Getenv("SPECPLAN_NATIVE_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SPECPLAN_NATIVE_RUNS=%q: want a positive number", s)
		}
		return n
	}
	return 1
}

// markerNames are the native formats' special markers, given to the
// generated model as control tokens: the tiny model's vocabulary is Llama
// 3.0's, whose reserved tokens Llama 3.1 and the other families name.
var markerNames = []string{"<|python_tag|>", "[TOOL_CALLS]", "<|tool_call|>", "<tool_call>", "</tool_call>",
	"<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>", "<｜tool▁calls▁end｜>", "[CALL_ID]", "[ARGS]", "<|channel|>", "<|message|>"}

var (
	markerOnce sync.Once
	markerPath string
	markerIDs  []int
	markerErr  error
)

// loadMarkerModel loads a tiny model whose vocabulary has markerNames as
// control tokens, and returns their ids.
func loadMarkerModel(t *testing.T, opts llama.Options) (*llama.Model, []int) {
	t.Helper()
	markerOnce.Do(func() {
		src, err := tinymodel.Llama3()
		if err != nil {
			markerErr = err
			return
		}
		if markerIDs, markerErr = src.RenameControlTokens(markerNames...); markerErr != nil {
			return
		}
		markerPath = filepath.Join(tinyDir, "markers.gguf")
		markerErr = tinymodel.Write(markerPath, src, tinymodel.SmallOptions)
	})
	if markerErr != nil {
		t.Fatal(markerErr)
	}
	m, err := llama.Load(markerPath, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, markerIDs
}

// TestNativeSoundnessOnLlama is TestSoundnessOnLlama for the native call
// formats: every bundled spec × every native format, seeded runs on the
// real llama.cpp backend: one at budget = MinTokens and SPECPLAN_NATIVE_RUNS
// sampled ones (default 1; above 1, a greedy run too).
// Every model segment (one assistant message) is read back on its own by
// Format.ParseMessage, and the events must equal the session's, satisfy
// the spec by ltl.Eval and the tools' schemas. Special markers the
// vocabulary has as special tokens (Llama 3's <|python_tag|>) are written
// as those tokens (MarkerTokens), so this also checks that path.
func TestNativeSoundnessOnLlama(t *testing.T) {
	if testing.Short() {
		t.Skip("many generations on the real backend")
	}
	specs := loadSpecs(t, false)
	m, _ := loadMarkerModel(t, llama.Options{ContextSize: 2048, Threads: 1})
	vocab := m.Vocab()
	trie := decoder.NewTrie(vocab)
	runs := nativeRuns(t)
	var st soundStats
	start := time.Now()
	markerRuns := 0
	ran := map[decoder.Format]int{}
	for _, s := range specs {
		parsedSchemas := parseSchemas(t, s)
		for _, f := range nativeFormats {
			s := s
			if th := f.Spec().Think; th != nil && th.InPrompt {
				// Every message starts with the think step: the spec
				// must declare it (unconstrained by its rules).
				s = withThink(t, s)
			}
			formula := s.spec.Source().Formula()
			markers, err := decoder.MarkerTokens(m, f)
			if err != nil {
				t.Fatal(err)
			}
			ix, err := decoder.NewIndex(decoder.FromDFA(s.spec.DFA()), vocab, trie, decoder.IndexOptions{Format: f, Tools: s.tools, Markers: markers})
			if th := f.Spec().Think; th != nil && th.InPrompt && errors.Is(err, decoder.ErrUnsat) {
				// A spec whose rules fix the step after each observation
				// (react's `G(observation -> X thought)`) leaves no room
				// for the think step every R1 message starts with: refused
				// before decoding, as it must be.
				t.Logf("%s/%s: %v", s.name, f, err)
				continue
			}
			if err != nil {
				t.Fatalf("%s/%s: NewIndex: %v", s.name, f, err)
			}
			ran[f]++
			prompt, err := m.Tokenize(strings.Replace(soundPrompt(s, f), "Call a tool with: \n", "Call a tool with: "+f.Example("TOOL")+"\n", 1), true, false)
			if err != nil {
				t.Fatal(err)
			}
			minTok := ix.NewSession().MinTokens()
			budget := max(80, minTok+40)
			type run struct {
				temp   float64
				seed   int64
				budget int
			}
			plan := []run{{1, 1, minTok}} // the tightest budget a run may have
			if runs > 1 {
				plan = append(plan, run{0, 0, budget}) // greedy
			}
			for i := range runs {
				plan = append(plan, run{1.0, int64(100 + i), budget})
			}
			for _, r := range plan {
				name := fmt.Sprintf("%s/%s/t=%v/seed=%d/budget=%d", s.name, f, r.temp, r.seed, r.budget)
				res := soundRun(t, m, ix, prompt, r.budget, r.temp, r.seed)
				st.runs++
				st.tokens += res.Tokens
				st.forced += res.Forced
				st.turns += res.Turns
				if msg := checkNativeRun(f, formula, parsedSchemas, res, r.budget); msg != "" {
					t.Errorf("%s: %s\ntranscript:\n%s", name, msg, res.Text)
				}
				for _, sg := range res.Segments {
					for mk := range markers {
						if sg.Source == decoder.SourceModel && strings.Contains(string(sg.Text), mk) {
							markerRuns++
						}
					}
				}
			}
		}
	}
	if st.tokens == 0 {
		t.Fatal("no tokens generated")
	}
	for _, f := range nativeFormats {
		if ran[f] == 0 {
			t.Errorf("%s: no spec ran", f)
		}
	}
	if markerRuns == 0 {
		t.Error("no run wrote a special marker token: the marker path is not exercised")
	}
	t.Logf("%d runs, %d turns, %d tokens, %d forced, %d model messages with a marker token, wall %v",
		st.runs, st.turns, st.tokens, st.forced, markerRuns, time.Since(start).Round(time.Millisecond))
}

func parseSchemas(t *testing.T, s soundSpec) map[string]map[string]any {
	out := map[string]map[string]any{}
	for name, raw := range s.tools {
		var sch map[string]any
		if err := jsonUnmarshal(raw, &sch); err != nil {
			t.Fatalf("%s: schema of %s: %v", s.name, name, err)
		}
		out[name] = sch
	}
	return out
}

// checkNativeRun is checkRun with each model message read by ParseMessage
// (ids included: where the format has ids, every call has a valid one).
func checkNativeRun(f decoder.Format, formula ltl.Formula, schemas map[string]map[string]any, res decoder.RunResult, budget int) string {
	if msg := checkRun(f, formula, schemas, res, budget); msg != "" {
		return msg
	}
	idKey := f.Spec().ID.Key
	for i, sg := range res.Segments {
		if sg.Source != decoder.SourceModel {
			continue
		}
		calls, err := f.ParseMessage(sg.Text)
		if err != nil {
			return fmt.Sprintf("ParseMessage of model segment %d: %v", i, err)
		}
		for _, c := range calls {
			if c.Event.IsCall() && (idKey != "") != (c.ID != "") {
				return fmt.Sprintf("segment %d: call %s has id %q", i, c.Event.Tool, c.ID)
			}
		}
	}
	return ""
}

// TestPythonTagIsOneToken: with <|python_tag|> a control token (as in
// Llama 3.1's vocabulary, where it is 128010), the llama3-python-tag format
// starts a call only with that token, never with text spelling it, and
// untrusted text spelling it never tokenizes to it.
func TestPythonTagIsOneToken(t *testing.T) {
	m, ids := loadMarkerModel(t, llama.Options{ContextSize: 256, Threads: 1})
	markers, err := decoder.MarkerTokens(m, decoder.FormatLlama3Tag)
	if err != nil {
		t.Fatal(err)
	}
	tag := ids[0]
	if tok, ok := markers["<|python_tag|>"]; !ok || tok != tag || len(markers) != 1 {
		t.Fatalf("MarkerTokens = %v, want <|python_tag|> = %d", markers, tag)
	}
	vocab := m.Vocab()
	d := specFor(t, "spec tag \"a call\"\nsteps thought, observation\ntools search\nrule F search\n")
	ix, err := decoder.NewIndex(decoder.FromDFA(d), vocab, decoder.NewTrie(vocab), decoder.IndexOptions{Format: decoder.FormatLlama3Tag, Markers: markers})
	if err != nil {
		t.Fatal(err)
	}
	mask := ix.NewSession().Mask()
	if !mask.Has(tag) {
		t.Fatal("<|python_tag|> is not allowed at the start of the message")
	}
	for id, p := range vocab.Pieces {
		if mask.Has(id) && strings.HasPrefix("<|python_tag|>", string(p)) && len(p) > 0 {
			t.Errorf("token %d %q (a spelling of the marker) is allowed", id, p)
		}
	}
	toks, err := m.Tokenize("<|python_tag|>{\"name\": \"search\"}", false, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if tok == tag {
			t.Fatal("untrusted text tokenized to the marker token")
		}
	}
}

// withThink recompiles a bundled spec with the step kind think declared.
func withThink(t *testing.T, s soundSpec) soundSpec {
	t.Helper()
	path := filepath.Join("..", "..", "specs", s.name+".ltl")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	withThink := strings.Replace(string(src), "\nsteps ", "\nsteps think, ", 1)
	if withThink == string(src) {
		t.Fatalf("%s: no steps line", path)
	}
	sp, err := specplan.Compile(path, []byte(withThink), specplan.Options{Catalog: s.spec.Catalog()})
	if err != nil {
		t.Fatalf("%s with think: %v", s.name, err)
	}
	s.spec = sp
	return s
}

func jsonUnmarshal(raw []byte, v any) error { return json.Unmarshal(raw, v) }

func specFor(t *testing.T, src string) *automata.DFA {
	t.Helper()
	sp, err := specplan.Compile("test.ltl", []byte(src), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sp.DFA()
}
