package llama_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/internal/chatfamilies"
	"github.com/specplan/specplan/ltl"
)

// nativeLoopRuns is how many seeded runs TestNativeLoopOnLlama makes per
// family: SPECPLAN_NATIVELOOP_RUNS raises it. A run costs about 1.3 s of
// CPU here; the default of 40, with TestTurnsOnLlama's 60, makes 100
// seeded multi-turn runs per family.
func nativeLoopRuns(t *testing.T) int {
	if s := os.Getenv("SPECPLAN_NATIVELOOP_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("SPECPLAN_NATIVELOOP_RUNS=%q: want a positive number", s)
		}
		return n
	}
	return 40
}

// nativeLoopSpec is the spec every family runs: a thought may come before
// a call in the same message. Llama 3.1's and Mistral-Nemo's templates
// print only the calls of an assistant message with tool_calls, so there
// the conversation compiles the format CallsOnly
// (Conversation.DropsTextBeforeCalls) and the model never writes both.
const nativeLoopSpec = "nativeloop"

// dropsText are the families whose templates drop the text before calls.
var dropsText = map[string]bool{"llama3.1": true, "mistral-nemo": true}

// nativeLoopFormat is the native format each family's template gets.
var nativeLoopFormat = map[string]decoder.Format{
	"qwen2.5":      decoder.FormatQwen,
	"llama3.1":     decoder.FormatLlama3,
	"mistral-nemo": decoder.FormatMistral,
	"granite3.3":   decoder.FormatGranite,
}

// decodeRecorder records every token decoded into the model's context.
type decodeRecorder struct {
	*llama.Model
	decoded []int
	calls   []tokenizeCall
}

func (r *decodeRecorder) Decode(toks []int) error {
	r.decoded = append(r.decoded, toks...)
	return r.Model.Decode(toks)
}

func (r *decodeRecorder) Reset() error {
	r.decoded = nil
	return r.Model.Reset()
}

func (r *decodeRecorder) Tokenize(text string, addBOS, parseSpecial bool) ([]int, error) {
	toks, err := r.Model.Tokenize(text, addBOS, parseSpecial)
	r.calls = append(r.calls, tokenizeCall{text, parseSpecial, toks})
	return toks, err
}

// nativeCatalog is turns.tools.json with closed objects and a refund
// amount that may be negative or have a fraction: the native formats write
// numbers as a template's tojson prints them back (12.5, not 12.50; 0, not
// -0), so a call rebuilt as tool_calls renders as the model wrote it.
var nativeCatalog = filepath.Join("testdata", "nativeloop.tools.json")

// nativeSpec is testdata/NAME.ltl with nativeCatalog.
func nativeSpec(t testing.TB, name string) soundSpec {
	t.Helper()
	data, err := os.ReadFile(nativeCatalog)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ltl.ParseCatalog(nativeCatalog, data)
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]json.RawMessage{}
	for _, c := range cat {
		tools[c.Name] = c.Parameters
	}
	sp, err := specplan.CompileFile(filepath.Join("testdata", name+".ltl"), specplan.Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	return soundSpec{name: name, spec: sp, tools: tools}
}

// nativeSetup is one family's model, template, spec and constraint.
type nativeSetup struct {
	fam     chatfamilies.Family
	rec     *decodeRecorder
	fc      familyChat
	spec    soundSpec
	format  decoder.Format
	ix      *decoder.Index
	markers map[string]int
	tools   []chat.Value
	user    string
}

func newNativeSetup(t *testing.T, fam chatfamilies.Family, specName string) *nativeSetup {
	t.Helper()
	m := familyModel(t, fam, 4096)
	ns := &nativeSetup{fam: fam, rec: &decodeRecorder{Model: m}, fc: loadFamilyChat(t, m.Path(), true), spec: nativeSpec(t, specName)}
	data, err := os.ReadFile(nativeCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if ns.tools, err = chat.ParseTools(nativeCatalog, data, chat.JSONLimits{}); err != nil {
		t.Fatal(err)
	}
	src, err := fam.Template()
	if err != nil {
		t.Fatal(err)
	}
	f, native, _ := conversation.FormatFor(src)
	if !native || f != nativeLoopFormat[fam.Name] {
		t.Fatalf("FormatFor(%s's template) = %v (native %v), want %v", fam.Name, f, native, nativeLoopFormat[fam.Name])
	}
	ns.format = f
	ns.user = fmt.Sprintf("You are an agent. Write one step per line (Thought: ..., Answer: ...). Call a tool like this: %s\nTool results come back to you.\n", f.Example("get_order"))
	cv := ns.conv(t)
	if ns.markers, err = decoder.MarkerTokens(m, f); err != nil {
		t.Fatal(err)
	}
	if ns.ix, err = cv.NewIndex(ns.rec, decoder.FromDFA(ns.spec.spec.DFA()), decoder.IndexOptions{Tools: ns.spec.tools}); err != nil {
		t.Fatal(err)
	}
	return ns
}

func (ns *nativeSetup) conv(t *testing.T) *conversation.Conversation {
	t.Helper()
	cv, err := conversation.New(ns.rec, ns.fc.tmpl, chat.Conversation{Messages: []chat.Value{userMessage(ns.user)}, Tools: ns.tools},
		conversation.Options{Render: ns.fc.render, Format: ns.format})
	if err != nil {
		t.Fatal(err)
	}
	return cv
}

// run is one seeded run; result texts are `{"result": N}` unless env is set.
func (ns *nativeSetup) run(t *testing.T, seed int64, temp float64, budget int, env decoder.Environment) (*conversation.Conversation, decoder.RunResult, error) {
	t.Helper()
	if err := ns.rec.Reset(); err != nil {
		t.Fatal(err)
	}
	ns.rec.calls = nil
	cv := ns.conv(t)
	s, err := ns.ix.Start(decoder.SessionOptions{MaxTokens: budget})
	if err != nil {
		t.Fatal(err)
	}
	if env == nil {
		obs := 0
		env = func([]ltl.Event) (ltl.Event, error) {
			obs++
			return ltl.Event{Step: "observation", Text: fmt.Sprintf(`{"result": %d}`, obs)}, nil
		}
	}
	res, err := cv.Run(context.Background(), ns.rec, s, decoder.RunOptions{MaxTokens: budget, Sampler: decoder.SamplerOptions{Temperature: temp, Seed: seed}, Environment: env})
	return cv, res, err
}

// checkToolMessages: the conversation after the user's message is the
// model's segments as assistant messages and the environment's events as
// tool messages, in order; an assistant message with calls carries them
// as tool_calls (names, arguments as the model wrote them, ids: the
// model's where the format writes them), and the tool messages after it
// answer them one by one with their ids and names.
func checkToolMessages(f decoder.Format, msgs []chat.Value, segs []decoder.Segment) string {
	var open []chat.Value // tool calls not answered yet
	i := 0
	for k, sg := range segs {
		if i >= len(msgs) {
			return fmt.Sprintf("segment %d: no message left", k)
		}
		m := msgs[i]
		i++
		role, _ := m.Get("role")
		if sg.Source == decoder.SourceEnvironment {
			if role.Str != "tool" {
				return fmt.Sprintf("segment %d (environment): message %d is %q", k, i, role.Str)
			}
			if len(open) == 0 {
				return fmt.Sprintf("segment %d: a tool message answers no call", k)
			}
			id, _ := open[0].Get("id")
			fn, _ := open[0].Get("function")
			name, _ := fn.Get("name")
			tid, _ := m.Get("tool_call_id")
			tname, _ := m.Get("name")
			content, _ := m.Get("content")
			if tid.Str != id.Str || tname.Str != name.Str || content.Str != sg.Event.Text {
				return fmt.Sprintf("segment %d: tool message %q/%q/%q answers call %q/%q with %q", k, tid.Str, tname.Str, content.Str, id.Str, name.Str, sg.Event.Text)
			}
			if len(id.Str) != 9 || strings.Trim(id.Str, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
				return fmt.Sprintf("tool call id %q is not 9 alphanumerics", id.Str)
			}
			open = open[1:]
			continue
		}
		if role.Str != "assistant" {
			return fmt.Sprintf("segment %d (model): message %d is %q", k, i, role.Str)
		}
		if len(open) > 0 {
			return fmt.Sprintf("segment %d: the model wrote before %d calls were answered", k, len(open))
		}
		ws, err := f.ParseWritten(sg.Text)
		if err != nil {
			return fmt.Sprintf("segment %d: %v", k, err)
		}
		var calls []decoder.Written
		for _, w := range ws {
			if w.Event.IsCall() {
				calls = append(calls, w)
			}
		}
		tc, has := m.Get("tool_calls")
		if len(calls) == 0 {
			content, _ := m.Get("content")
			if has || content.Str != string(sg.Text) {
				return fmt.Sprintf("segment %d: message without calls is %v, want content %q", k, m, sg.Text)
			}
			continue
		}
		if !has || len(tc.Items) != len(calls) {
			return fmt.Sprintf("segment %d: %d calls written, message has tool_calls %v", k, len(calls), tc)
		}
		for j, w := range calls {
			fn, _ := tc.Items[j].Get("function")
			name, _ := fn.Get("name")
			args, _ := fn.Get("arguments")
			id, _ := tc.Items[j].Get("id")
			if name.Str != w.Event.Tool || args.Str != w.Args || !strings.Contains(string(sg.Text), w.Args) {
				return fmt.Sprintf("segment %d call %d: tool_call %v, written %+v", k, j, tc.Items[j], w)
			}
			var back map[string]any
			if err := json.Unmarshal([]byte(args.Str), &back); err != nil || !reflect.DeepEqual(fmt.Sprint(back), fmt.Sprint(w.Event.Args)) {
				return fmt.Sprintf("segment %d call %d: arguments %q do not read back as %v", k, j, args.Str, w.Event.Args)
			}
			if w.ID != "" && id.Str != w.ID {
				return fmt.Sprintf("segment %d call %d: id %q, the model wrote %q", k, j, id.Str, w.ID)
			}
		}
		open = append(open, tc.Items...)
	}
	if i != len(msgs) {
		return fmt.Sprintf("%d messages for %d segments", len(msgs), len(segs))
	}
	return ""
}

// specialsMatch: the control tokens in the model's context (prompt, the
// model's own tokens, tool messages) are exactly those of the whole
// conversation rendered again and tokenized afresh: a marker the model
// wrote as its special token is the token the template's rendering of the
// call gives, so the rendering stays the context's prefix token for token.
func (ns *nativeSetup) specialsMatch(cv *conversation.Conversation) string {
	r, err := ns.fc.tmpl.Render(chat.Conversation{Messages: cv.Messages(), Tools: ns.tools}, withoutGenerationPrompt(ns.fc.render))
	if err != nil {
		return fmt.Sprintf("rendering the conversation again: %v", err)
	}
	var p decoder.Prompt
	for _, pc := range r.Pieces {
		p = append(p, decoder.PromptPiece{Text: pc.Text, Markup: pc.Markup})
	}
	toks, err := decoder.TokenizePrompt(ns.rec.Model, p, false)
	if err != nil {
		return err.Error()
	}
	v := ns.rec.Vocab()
	got, want := specialIDs(v, ns.rec.decoded), specialIDs(v, toks)
	// A template that prints the model's message as content only
	// (Granite 3.3 has no tool_calls rendering) has the marker the model
	// wrote as text in the rendering: content never becomes a special
	// token. The context keeps the model's token, as it was trained: the
	// context has one marker token more per marker in such content.
	for mk, id := range ns.markers {
		inContent := 0
		for _, m := range cv.Messages() {
			if role, _ := m.Get("role"); role.Str == "assistant" {
				c, _ := m.Get("content")
				inContent += strings.Count(c.Str, mk)
			}
		}
		if inContent == 0 {
			continue
		}
		count := func(ts []int) int {
			return len(ts) - len(slices.DeleteFunc(slices.Clone(ts), func(t int) bool { return t == id }))
		}
		if g, w := count(got), count(want); g != w+inContent {
			return fmt.Sprintf("%d %q tokens in the context, %d in the rendering and %d in the model's content", g, mk, w, inContent)
		}
		got = slices.DeleteFunc(got, func(t int) bool { return t == id })
		want = slices.DeleteFunc(want, func(t int) bool { return t == id })
	}
	// The model's last message ends with its end of turn (or the
	// constraint ended it: the rendering closes it); compare up to it.
	if len(want) > len(got) {
		want = want[:len(got)]
	}
	if !slices.Equal(got, want) {
		return fmt.Sprintf("control tokens in the context %v, in the conversation rendered again %v", got, want)
	}
	return ""
}

func withoutGenerationPrompt(o chat.Options) chat.Options {
	o.NoGenerationPrompt = true
	return o
}

// TestNativeLoopOnLlama: for each of the four chat families, seeded
// multi-turn runs on llama.cpp in the format conversation.FormatFor picks
// from the family's template, with the format's markers as the model's
// special tokens where its vocabulary has them: every run complete within
// its budget, every assistant message parsed on its own giving the
// session's events, which ltl.Eval and the schemas accept; the
// conversation's assistant messages carry the calls as tool_calls and
// each is answered by its own tool message with its id; the context's
// control tokens are those of the conversation rendered again.
func TestNativeLoopOnLlama(t *testing.T) {
	if testing.Short() {
		t.Skip("many generations on the real backend")
	}
	runs := nativeLoopRuns(t)
	for _, fam := range chatfamilies.Families {
		t.Run(fam.Name, func(t *testing.T) {
			t.Parallel() // one model per family, one thread each
			start := time.Now()
			ns := newNativeSetup(t, fam, nativeLoopSpec)
			schemas := map[string]map[string]any{}
			for name, raw := range ns.spec.tools {
				var sch map[string]any
				if err := json.Unmarshal(raw, &sch); err != nil {
					t.Fatal(err)
				}
				schemas[name] = sch
			}
			minTok := ns.ix.NewSession().MinTokens()
			temps := []float64{0.7, 1.0, 1.5}
			if got := ns.conv(t).DropsTextBeforeCalls(); got != dropsText[fam.Name] {
				t.Fatalf("DropsTextBeforeCalls = %v, want %v", got, dropsText[fam.Name])
			}
			var turns, tools, markers, withText, fractions int
			for i := range runs {
				budget := minTok + 20
				if i%4 == 1 {
					budget = minTok
				}
				cv, res, err := ns.run(t, int64(i), temps[i%len(temps)], budget, nil)
				name := fmt.Sprintf("run %d (budget %d)", i, budget)
				if err != nil {
					t.Fatalf("%s: %v\nconversation:\n%s", name, err, cv.Text())
				}
				if msg := checkRun(ns.format, ns.spec.spec.Source().Formula(), schemas, res, budget); msg != "" {
					t.Errorf("%s: %s\nconversation:\n%s", name, msg, cv.Text())
				}
				if msg := checkToolMessages(ns.format, cv.Messages()[1:], res.Segments); msg != "" {
					t.Errorf("%s: %s\nconversation:\n%s", name, msg, cv.Text())
				}
				if msg := ns.specialsMatch(cv); msg != "" {
					t.Errorf("%s: %s", name, msg)
				}
				if n := cv.Untooled(); n != 0 {
					t.Errorf("%s: %d messages with calls went back as text: the template did not render them as written\nconversation:\n%s", name, n, cv.Text())
				}
				for _, ev := range res.Events {
					if a, ok := ev.Args["amount"]; ok && strings.Contains(fmt.Sprint(a), ".") {
						fractions++
					}
				}
				turns += res.Turns
				tools += countSource(res.Segments, decoder.SourceEnvironment)
				for _, tok := range ns.rec.decoded {
					if slices.Contains(slices.Collect(mapValues(ns.markers)), tok) {
						markers++
					}
				}
				for _, m := range cv.Messages() {
					if c, _ := m.Get("content"); c.Str != "" {
						if _, ok := m.Get("tool_calls"); ok {
							withText++
						}
					}
				}
			}
			t.Logf("%s (%s, markers %v): %d runs, %d turns, %d tool messages, %d marker tokens in the contexts, %d messages with text and tool_calls, %d amounts with a fraction, MinTokens %d, %v",
				fam.Name, ns.format, ns.markers, runs, turns, tools, markers, withText, fractions, minTok, time.Since(start).Round(time.Millisecond))
			if dropsText[fam.Name] && withText > 0 {
				t.Errorf("%d messages hold text and tool_calls, which the template drops", withText)
			}
			if len(ns.markers) > 0 && markers == 0 {
				t.Errorf("no marker token was ever decoded: that path went untested")
			}
		})
	}
}

func mapValues(m map[string]int) func(func(int) bool) {
	return func(yield func(int) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// TestNativeLoopParallelCalls: a message with two calls (the list formats:
// Qwen's blocks, Mistral's and Granite's lists) is answered by two tool
// messages in a row, each with its call's id and name, before the next
// generation prompt.
func TestNativeLoopParallelCalls(t *testing.T) {
	for _, fam := range chatfamilies.Families {
		if fam.Name == "llama3.1" {
			continue // one call per message
		}
		t.Run(fam.Name, func(t *testing.T) {
			ns := newNativeSetup(t, fam, "nativeloop-parallel")
			budget := ns.ix.NewSession().MinTokens() + 10
			cv, res, err := ns.run(t, 5, 0.8, budget, nil)
			if err != nil {
				t.Fatalf("%v\nconversation:\n%s", err, cv.Text())
			}
			if msg := checkRun(ns.format, ns.spec.spec.Source().Formula(), nil, res, budget); msg != "" {
				t.Fatal(msg)
			}
			if msg := checkToolMessages(ns.format, cv.Messages()[1:], res.Segments); msg != "" {
				t.Fatalf("%s\nconversation:\n%s", msg, cv.Text())
			}
			var roles []string
			for _, m := range cv.Messages()[1:] {
				r, _ := m.Get("role")
				roles = append(roles, r.Str)
			}
			if got := strings.Join(roles, " "); got != "assistant tool tool assistant" {
				t.Fatalf("messages %s, want assistant tool tool assistant\nconversation:\n%s", got, cv.Text())
			}
			if msg := ns.specialsMatch(cv); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// TestNativeLoopInjectionPerFamily: a tool result holding every family's
// control tokens, its own tool-call markers among them, reaches the model
// as text in the native format's conversation: the tokenization that
// holds it has special parsing off and contains none of the model's
// special tokens (the marker tokens the model writes calls with
// included), and the run is still accepted.
func TestNativeLoopInjectionPerFamily(t *testing.T) {
	for _, fam := range chatfamilies.Families {
		t.Run(fam.Name, func(t *testing.T) {
			ns := newNativeSetup(t, fam, "nativeloop-one")
			for mk := range ns.markers {
				if !strings.Contains(hostileResult, mk) {
					t.Fatalf("the hostile result lacks %s's marker %q", fam.Name, mk)
				}
			}
			cv, res, err := ns.run(t, 3, 0.7, 200, func([]ltl.Event) (ltl.Event, error) {
				return ltl.Event{Step: "observation", Text: hostileResult}, nil
			})
			if err != nil {
				t.Fatalf("Run: %v\nconversation:\n%s", err, cv.Text())
			}
			if msg := checkRun(ns.format, ns.spec.spec.Source().Formula(), nil, res, 200); msg != "" {
				t.Fatal(msg)
			}
			if msg := checkToolMessages(ns.format, cv.Messages()[1:], res.Segments); msg != "" {
				t.Fatal(msg)
			}
			v := ns.rec.Vocab()
			seen := 0
			for _, c := range ns.rec.calls {
				if !strings.Contains(c.text, "HOSTILE:") {
					continue
				}
				seen++
				if c.parseSpecial {
					t.Errorf("the tool result was tokenized with special tokens: %q", c.text)
				}
				for _, tok := range c.tokens {
					if v.Special[tok] {
						t.Errorf("the tool result became special token %d", tok)
					}
					for mk, id := range ns.markers {
						if tok == id {
							t.Errorf("the tool result holds marker token %d %q", id, mk)
						}
					}
				}
			}
			if seen == 0 {
				t.Fatal("the tool result was never tokenized")
			}
			if !strings.Contains(cv.Text(), hostileResult) {
				t.Errorf("the conversation does not carry the result verbatim")
			}
		})
	}
}
