package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// webXGrammar is XGrammar's wasm build (npm @mlc-ai/web-xgrammar 0.1.27,
// lib/index.js): $SPECPLAN_WEB_XGRAMMAR, else where the lead's setup
// unpacks it, under the user cache dir (specplan/web-xgrammar-0.1.27).
func webXGrammar(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SPECPLAN_WEB_XGRAMMAR"); p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err == nil {
		p := filepath.Join(dir, "specplan", "web-xgrammar-0.1.27", "package", "lib", "index.js")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("XGrammar oracle not installed: npm pack @mlc-ai/web-xgrammar@0.1.27 and unpack it under $XDG_CACHE_HOME/specplan/web-xgrammar-0.1.27 (or set SPECPLAN_WEB_XGRAMMAR to its lib/index.js)")
	return ""
}

// xgrammarJob is one structural tag and the texts to match under it.
type xgrammarJob struct {
	Tag   json.RawMessage `json:"tag,omitempty"`
	EBNF  *string         `json:"ebnf,omitempty"` // instead of Tag: a GBNF grammar
	Texts []string        `json:"texts"`
}

type xgrammarResult struct {
	Error    string `json:"error"`
	Verdicts []bool `json:"verdicts"`
}

// xgrammarRun asks XGrammar's own matcher, in one node process, whether
// it compiles each job's tag and accepts each text (followed by the stop
// token).
func xgrammarRun(t *testing.T, lib string, jobs []xgrammarJob) []xgrammarResult {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed (the XGrammar oracle runs in it)")
	}
	path := filepath.Join(t.TempDir(), "jobs.json")
	b, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/xgrammar/match.cjs", path)
	cmd.Env = append(os.Environ(), "SPECPLAN_WEB_XGRAMMAR="+lib)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("XGrammar: %v: %s", err, stderr.String())
	}
	var res []xgrammarResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(jobs) {
		t.Fatalf("XGrammar answered %.200q (%v)", out, err)
	}
	for i, r := range res {
		if r.Error == "" && len(r.Verdicts) != len(jobs[i].Texts) {
			t.Fatalf("XGrammar: job %d: %d verdicts for %d texts", i, len(r.Verdicts), len(jobs[i].Texts))
		}
	}
	return res
}

// oracleCall is one call text and the independent verdict on it: the
// spec's DFA (the reference automaton) allows the call from the state and
// the catalog schema (a standard JSON Schema validator) accepts its
// arguments.
type oracleCall struct {
	tool string
	args []argKV // in schema order, as the decoder writes them
}

type argKV struct {
	key, json string
}

func (c oracleCall) argsJSON() string {
	var parts []string
	for _, a := range c.args {
		parts = append(parts, fmt.Sprintf("%q: %s", a.key, a.json))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func refundCalls() []oracleCall {
	var calls []oracleCall
	for _, id := range []string{`"A1"`, `"a1"`, `"B123456"`} {
		calls = append(calls, oracleCall{"get_order", []argKV{{"order_id", id}}})
	}
	for _, role := range []string{`"agent"`, `"viewer"`, `"admin"`} {
		calls = append(calls, oracleCall{"check_permission", []argKV{{"role", role}}})
	}
	for _, d := range []string{`"approved"`, `"maybe"`} {
		calls = append(calls, oracleCall{"approve_refund", []argKV{{"order_id", `"A1"`}, {"decision", d}}})
	}
	for _, amount := range []string{"-1", "0", "50", "100", "100.5", "101", "999", "1000.5", "2000"} {
		calls = append(calls, oracleCall{"refund", []argKV{{"order_id", `"A1"`}, {"amount", amount}}})
		for _, cur := range []string{`"EUR"`, `"GBP"`} {
			calls = append(calls, oracleCall{"refund", []argKV{{"order_id", `"A1"`}, {"amount", amount}, {"currency", cur}}})
		}
	}
	calls = append(calls, oracleCall{"refund", []argKV{{"amount", "5"}}})
	for _, msg := range []string{`"done"`, `"` + strings.Repeat("x", 201) + `"`} {
		calls = append(calls, oracleCall{"notify_customer", []argKV{{"message", msg}}})
	}
	return calls
}

// expectAllowed is the independent verdict on one call from state q.
func expectAllowed(t *testing.T, s *specplan.Spec, q int, c oracleCall) bool {
	t.Helper()
	var args map[string]any
	dec := json.NewDecoder(strings.NewReader(c.argsJSON()))
	dec.UseNumber()
	if err := dec.Decode(&args); err != nil {
		t.Fatal(err)
	}
	if !schemaValid(t, s, c) {
		return false
	}
	ev := ltl.Event{Tool: c.tool, Args: args}
	sym, err := s.Alphabet().Classify(ev)
	if err != nil {
		return false // ill-typed for a predicate: in no symbol
	}
	next := s.DFA().Step(q, sym)
	return next >= 0 && s.DFA().Distances()[next] >= 0
}

func schemaValid(t *testing.T, s *specplan.Spec, c oracleCall) bool {
	return valid(validator(t, s.Schemas()[c.tool]), c.argsJSON())
}

// TestStructuralTagXGrammar: XGrammar itself (its wasm build) compiles the
// exported structural tags of the refund spec in nine call formats, and accepts a call text
// exactly when the spec allows the call from that state and the catalog
// schema accepts its arguments; free text before a call is free, and
// nothing may follow the one call (stop_after_first).
func TestStructuralTagXGrammar(t *testing.T) {
	lib := webXGrammar(t)
	s := compileSpec(t, "../specs/refund.ltl", "../specs/refund.tools.json")
	after := stateAfter(t, s, []ltl.Event{
		{Tool: "get_order", Args: map[string]any{"order_id": "A1"}}, {Step: "observation"},
		{Tool: "check_permission", Args: map[string]any{"role": "agent"}}, {Step: "observation"},
	})
	type run struct {
		name string
		want []bool
	}
	var jobs []xgrammarJob
	var runs []run
	for _, f := range []decoder.Format{decoder.FormatQwen, decoder.FormatJSON, decoder.FormatMistral, decoder.FormatLlama3,
		decoder.FormatReAct, decoder.FormatMistralV11, decoder.FormatHarmony, decoder.FormatDeepSeek, decoder.FormatGranite} {
		for _, st := range []struct {
			name string
			q    int
		}{{"start", s.DFA().Initial}, {"after_permission", after}} {
			e, err := StructuralTag(s, StructTagOptions{Format: f, State: st.q})
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Approximations) != 0 {
				t.Fatalf("%s %s: approximations %v (the comparison below assumes an exact tag)", f, st.name, e.Approximations)
			}
			tag, err := e.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			var want []bool
			for _, c := range refundCalls() {
				call := callText(f, c)
				ok := expectAllowed(t, s, st.q, c) || (xgrammar0127Deviation(st.name, c) && schemaValid(t, s, c))
				texts = append(texts, call, "Let me see.\n"+call, call+"\nand more")
				want = append(want, ok, ok, false)
			}
			texts = append(texts, "No call needed.")
			want = append(want, true)
			jobs = append(jobs, xgrammarJob{Tag: tag, Texts: texts})
			runs = append(runs, run{fmt.Sprintf("%s %s", f, st.name), want})
		}
	}
	for i, r := range xgrammarRun(t, lib, jobs) {
		if r.Error != "" {
			t.Errorf("%s: XGrammar refuses the tag: %s", runs[i].name, r.Error)
			continue
		}
		bad := 0
		for j, got := range r.Verdicts {
			if got != runs[i].want[j] {
				bad++
				if bad <= 5 {
					t.Errorf("%s: XGrammar says %v, the spec and schema say %v:\n%s", runs[i].name, got, runs[i].want[j], jobs[i].Texts[j])
				}
			}
		}
		if bad > 5 {
			t.Errorf("%s: %d disagreements in all", runs[i].name, bad)
		}
	}
}

// xgrammar0127Deviation is the one place the oracle (web-xgrammar 0.1.27)
// departs from the schema it was given: with "maximum": 100 it accepts
// 100.5 (its number-range regex ignores a fraction at the bound). The
// XGrammar source the export targets (53da3ff8) rewrote that regex
// (FloatRangeRegex on a 10^-6 grid); docs/serving.md says which versions
// let it through. Asserted, so that an oracle without it fails here and
// the exception is removed.
func xgrammar0127Deviation(state string, c oracleCall) bool {
	if state != "after_permission" || c.tool != "refund" {
		return false
	}
	for _, a := range c.args {
		if a.key == "amount" && a.json == "100.5" {
			return true
		}
	}
	return false
}

// callText is a message holding the one call, as the format writes it
// (an id where the format has one).
func callText(f decoder.Format, c oracleCall) string {
	fs := f.Spec()
	var body string
	if fs.Args == decoder.ArgsBracket {
		nameEnd, argsEnd := fs.NameEnd, fs.ArgsEnd
		if nameEnd == "" && argsEnd == "" {
			nameEnd, argsEnd = "[", "]"
		}
		id := ""
		if fs.ID.Key != "" {
			id = fs.ID.Key + strings.Repeat(fs.ID.Alphabet[:1], fs.ID.Len)
		}
		body = c.tool + id + nameEnd + c.argsJSON() + argsEnd
	} else {
		body = `{"` + fs.NameKey + `": "` + c.tool + `", "` + fs.ArgsKey + `": ` + c.argsJSON()
		if fs.ID.Key != "" {
			body += `, "` + fs.ID.Key + `": "` + strings.Repeat(fs.ID.Alphabet[:1], fs.ID.Len) + `"`
		}
		body += "}"
	}
	call := fs.CallOpen + body + fs.CallClose
	if fs.ListOpen != "" {
		call = fs.ListOpen + call + fs.ListClose
	}
	return call
}

// TestStructuralTagXGrammarAllSpecs: XGrammar compiles the structural tag
// of every spec in specs/ (its catalog beside it where there is one), in
// every call format with JSON arguments, from the start and from up to
// six more states, and the text-only output is accepted exactly where the
// tag does not require a call.
func TestStructuralTagXGrammarAllSpecs(t *testing.T) {
	lib := webXGrammar(t)
	paths, err := filepath.Glob("../specs/*.ltl")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no specs: %v", err)
	}
	var jobs []xgrammarJob
	var names []string
	var wantText, noCall []bool
	for _, p := range paths {
		cat := strings.TrimSuffix(p, ".ltl") + ".tools.json"
		if _, err := os.Stat(cat); err != nil {
			cat = ""
		}
		s := compileSpec(t, p, cat)
		states := []int{StateStart}
		for q := 1; q < s.DFA().NumStates() && len(states) < 7; q += max(1, s.DFA().NumStates()/6) {
			if s.DFA().Distances()[q] >= 0 {
				states = append(states, q)
			}
		}
		for _, fname := range decoder.FormatNames() {
			f, _ := decoder.ParseFormat(fname)
			if f.Spec().Args == decoder.ArgsPython {
				continue
			}
			for _, q := range states {
				e, err := StructuralTag(s, StructTagOptions{Format: f, State: q})
				if err != nil {
					t.Errorf("%s %s state %d: %v", p, fname, q, err)
					continue
				}
				tag, err := e.JSON()
				if err != nil {
					t.Fatal(err)
				}
				need := e.Tag.Format.AtLeastOne != nil && *e.Tag.Format.AtLeastOne
				jobs = append(jobs, xgrammarJob{Tag: tag, Texts: []string{"Some text."}})
				names = append(names, fmt.Sprintf("%s %s state %d", filepath.Base(p), fname, q))
				wantText = append(wantText, !need)
				noCall = append(noCall, e.Tag.Format.Type == "any_text")
			}
		}
	}
	gap := 0
	for i, r := range xgrammarRun(t, lib, jobs) {
		// Where no call may come next the tag is any_text with excludes
		// (the calls' trigger), as the targeted document has it; XGrammar
		// 0.1.27 predates excludes and refuses it. Asserted both ways, so
		// that an oracle that reads it makes this test say so.
		if noCall[i] {
			if r.Error == "" {
				t.Errorf("%s: XGrammar 0.1.27 was expected to refuse any_text.excludes; this oracle reads it: check the text verdict and drop the exception", names[i])
			}
			gap++
			continue
		}
		if r.Error != "" {
			t.Errorf("%s: XGrammar refuses the tag: %s", names[i], r.Error)
			continue
		}
		if r.Verdicts[0] != wantText[i] {
			t.Errorf("%s: XGrammar accepts text alone: %v, want %v", names[i], r.Verdicts[0], wantText[i])
		}
	}
	t.Logf("%d structural tags compiled by XGrammar; %d no-call tags (any_text.excludes) it cannot read", len(jobs)-gap, gap)
}

// TestServingGBNFOnXGrammar: the GBNF file docs/serving.md gives vLLM's
// grammar and SGLang's ebnf fields is read by XGrammar's own EBNF
// compiler, which judges a few labelled first-turn texts as the spec does.
func TestServingGBNFOnXGrammar(t *testing.T) {
	lib := webXGrammar(t)
	g, err := os.ReadFile("../docs/serving/refund.start.gbnf")
	if err != nil {
		t.Fatal(err)
	}
	call := func(tool, args string) string {
		return "<tool_call>\n{\"name\": \"" + tool + "\", \"arguments\": " + args + "}\n</tool_call>"
	}
	cases := []struct {
		text string
		ok   bool
		why  string
	}{
		{"Thought: look it up\n" + call("get_order", `{"order_id": "A1"}`), true, "a thought, then the lookup"},
		{call("check_permission", `{"role": "agent"}`), true, "the permission check"},
		{"Answer: done\n", true, "an answer ends the run"},
		{call("refund", `{"order_id": "A1", "amount": 5}`), false, "no refund before the order is looked up"},
		{call("get_order", `{"order_id": "a1"}`), false, "the catalog's pattern ^[A-Z][0-9]{1,5}$"},
		// XGrammar 0.1.27 reads a character class of high code points
		// ([\uF000-\uFFFF], and so the free-text class
		// [\t -\uD7FF\uE000-\U0010FFFF]) as taking ASCII too, newline
		// included: the two thoughts pass as one thought's text. Asserted
		// as that version's deviation (docs/serving.md says it), so that
		// an oracle without it fails here.
		{"Thought: a\nThought: b\n" + call("get_order", `{"order_id": "A1"}`), true, "XGrammar 0.1.27: a newline inside free text (the spec: no two thoughts in a row)"},
		{"Thought: a\tb\n" + call("get_order", `{"order_id": "A1"}`), true, "a tab is free text"},
		{call("get_order", `{"order_id": "A1"}`) + "\n" + call("get_order", `{"order_id": "A2"}`), false, "a call is answered by an observation before the next"},
	}
	job := xgrammarJob{EBNF: ptr(string(g))}
	for _, c := range cases {
		job.Texts = append(job.Texts, c.text)
	}
	r := xgrammarRun(t, lib, []xgrammarJob{job})[0]
	if r.Error != "" {
		t.Fatalf("XGrammar refuses docs/serving/refund.start.gbnf: %s", r.Error)
	}
	for i, c := range cases {
		if r.Verdicts[i] != c.ok {
			t.Errorf("%s: XGrammar says %v, want %v:\n%s", c.why, r.Verdicts[i], c.ok, c.text)
		}
	}
}

// TestXGrammarHighClassDeviation pins the deviation above to its cause:
// XGrammar 0.1.27 lets a newline through [\uF000-\uFFFF]* but not
// through [\t -\uD7FF]*.
func TestXGrammarHighClassDeviation(t *testing.T) {
	lib := webXGrammar(t)
	texts := []string{"a\nb!", "ab!"}
	res := xgrammarRun(t, lib, []xgrammarJob{
		{EBNF: ptr(`root ::= [\t -\uD7FF]* "!"`), Texts: texts},
		{EBNF: ptr(`root ::= [\uF000-\uFFFF]* "!"`), Texts: texts},
	})
	if res[0].Error != "" || res[1].Error != "" {
		t.Fatalf("XGrammar: %v", res)
	}
	if res[0].Verdicts[0] || !res[0].Verdicts[1] {
		t.Errorf("[\\t -\\uD7FF]*: %v, want [false true]", res[0].Verdicts)
	}
	if !res[1].Verdicts[0] {
		t.Errorf("[\\uF000-\\uFFFF]* refuses a newline now: the oracle no longer has the deviation; drop the exceptions")
	}
}
