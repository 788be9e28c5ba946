package conversation_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/internal/chatfamilies"
	"github.com/specplan/specplan/ltl"
)

var (
	dir     string
	modelMu sync.Mutex
	models  = map[string]string{}
)

func TestMain(m *testing.M) {
	var err error
	if dir, err = os.MkdirTemp("", "specplan-conversation-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func family(t testing.TB, name string) chatfamilies.Family {
	t.Helper()
	for _, f := range chatfamilies.Families {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no family %s", name)
	return chatfamilies.Family{}
}

// model loads the family's random-weights model on llama.cpp.
func model(t testing.TB, f chatfamilies.Family) *llama.Model {
	t.Helper()
	modelMu.Lock()
	p, ok := models[f.Name]
	if !ok {
		var err error
		if p, err = f.Write(dir, tinymodel.SmallOptions); err != nil {
			modelMu.Unlock()
			t.Fatal(err)
		}
		models[f.Name] = p
	}
	modelMu.Unlock()
	m, err := llama.Load(p, llama.Options{ContextSize: 2048, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func msg(role, content string) chat.Value {
	return chat.Value{Kind: chat.Object, Members: []chat.Member{{Key: "role", Value: chat.Str(role)}, {Key: "content", Value: chat.Str(content)}}}
}

func compile(t testing.TB, name, src string) *chat.Template {
	t.Helper()
	tm, err := chat.Compile(name, src, chat.TemplateLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func familyTemplate(t testing.TB, f chatfamilies.Family) *chat.Template {
	t.Helper()
	src, err := f.Template()
	if err != nil {
		t.Fatal(err)
	}
	return compile(t, f.File, src)
}

var pinned = chat.Options{Now: func() time.Time { return time.Date(2026, 7, 26, 10, 30, 0, 0, time.UTC) }}

// A template whose text depends on how many messages follow is refused
// before anything is decoded, naming the byte where it changed.
func TestNewRefusesTemplateThatIsNotPrefixStable(t *testing.T) {
	m := model(t, family(t, "qwen2.5"))
	tm := compile(t, "count.jinja", "{{ messages | length }} messages\n{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
	_, err := conversation.New(m, tm, chat.Conversation{Messages: []chat.Value{msg("user", "hi")}}, conversation.Options{})
	if !errors.Is(err, conversation.ErrNotPrefix) || !strings.Contains(err.Error(), "at byte 0") || !strings.Contains(err.Error(), "count.jinja") {
		t.Fatalf("New: %v; want ErrNotPrefix at byte 0 naming the template", err)
	}
}

// A template that rewrites the conversation once a tool message is in it
// passes New, and Run refuses the tool message before decoding it: the
// context holds the prompt and the model's first message, nothing more.
func TestRunRefusesToolMessageThatRewritesThePrefix(t *testing.T) {
	m := model(t, family(t, "qwen2.5"))
	tm := compile(t, "tools-seen.jinja", "{% for m in messages %}{% if m.role == 'tool' %}(a tool answered)\n{% endif %}{% endfor %}"+
		"{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
	cv, err := conversation.New(m, tm, chat.Conversation{Messages: []chat.Value{msg("user", "call t")}}, conversation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := session(t, cv, m, "spec s\nsteps observation, answer\ntools t\nrule G(call -> X observation)\nrule F t\nrule F answer\n", decoder.FormatJSON)
	res, err := cv.Run(context.Background(), m, s, decoder.RunOptions{MaxTokens: 60, Sampler: decoder.SamplerOptions{Seed: 1},
		Environment: func([]ltl.Event) (ltl.Event, error) { return ltl.Event{Step: "observation", Text: "ok"}, nil }})
	if !errors.Is(err, conversation.ErrNotPrefix) {
		t.Fatalf("Run: %v; want ErrNotPrefix", err)
	}
	for _, sg := range res.Segments {
		if sg.Source == decoder.SourceEnvironment {
			t.Fatalf("a tool message was decoded: %q", sg.Text)
		}
	}
	if want := len(mustTokens(t, m, cv.Prompt())) + res.Tokens; m.Position() != want {
		t.Errorf("context holds %d tokens, want the prompt and the model's message (%d)", m.Position(), want)
	}
}

func mustTokens(t testing.TB, b decoder.Backend, p decoder.Prompt) []int {
	t.Helper()
	toks, err := decoder.TokenizePrompt(b, p, false)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

func session(t testing.TB, cv *conversation.Conversation, m *llama.Model, spec string, f decoder.Format) *decoder.Session {
	t.Helper()
	sp, err := specplan.Compile("spec.ltl", []byte(spec), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := cv.Vocab(m.Vocab())
	s, err := decoder.NewSession(decoder.FromDFA(sp.DFA()), v, decoder.NewTrie(v), decoder.IndexOptions{Format: f, Tools: sp.Schemas()}, decoder.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Mistral's template prints the system message with the last user message
// only: New refuses it, and with FoldSystem folds the system text into the
// user message instead.
func TestFoldSystem(t *testing.T) {
	f := family(t, "mistral-nemo")
	m := model(t, f)
	tm := familyTemplate(t, f)
	conv := chat.Conversation{Messages: []chat.Value{msg("system", "Be brief."), msg("user", "Hello.")}}
	o := conversation.Options{Render: chat.Options{BOS: "<s>", EOS: "</s>"}}
	if _, err := conversation.New(m, tm, conv, o); !errors.Is(err, conversation.ErrNotPrefix) {
		t.Fatalf("New without FoldSystem: %v; want ErrNotPrefix", err)
	}
	o.FoldSystem = true
	cv, err := conversation.New(m, tm, conv, o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cv.Prompt().String(), "<s>[INST]Be brief.\n\nHello.[/INST]"; !cv.Folded() || got != want {
		t.Errorf("folded %v, prompt %q, want %q", cv.Folded(), got, want)
	}
}

// Each family's end of turn is the token its template writes after an
// assistant message, and one of the model's EOG tokens; Vocab keeps it as
// the only one.
func TestEndOfTurn(t *testing.T) {
	want := map[string]string{"qwen2.5": "<|im_end|>", "llama3.1": "<|eot_id|>", "mistral-nemo": "</s>", "granite3.3": "<|end_of_text|>"}
	for _, f := range chatfamilies.Families {
		m := model(t, f)
		mt, err := conversation.ModelTemplate(models[f.Name], false, chat.GGUFLimits{})
		if err != nil {
			t.Fatal(err)
		}
		o := pinned
		o.BOS, o.EOS = mt.BOS, mt.EOS
		cv, err := conversation.New(m, compile(t, mt.Name, mt.Source), chat.Conversation{Messages: []chat.Value{msg("user", "hi")}}, conversation.Options{Render: o})
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		end := cv.EndOfTurn()
		v := cv.Vocab(m.Vocab())
		if end.TokenText != want[f.Name] || !m.Vocab().IsEOG(end.Token) || len(v.EOG) != 1 || v.EOG[0] != end.Token {
			t.Errorf("%s: end of turn %+v, vocab EOG %v; want %q as the only EOG", f.Name, end, v.EOG, want[f.Name])
		}
		if len(m.Vocab().EOG) < 2 {
			t.Errorf("%s: the model has only %v as EOG: the narrowing is not tested", f.Name, m.Vocab().EOG)
		}
		// A message ended with another EOG token is refused.
		for _, e := range m.Vocab().EOG {
			if e != end.Token {
				if _, err := cv.Next([]byte("x"), e, []ltl.Event{{Step: "observation", Text: "ok"}}, 1); !errors.Is(err, conversation.ErrEndOfTurn) {
					t.Errorf("%s: Next with EOG %d: %v; want ErrEndOfTurn", f.Name, e, err)
				}
				break
			}
		}
	}
}

// A tool message that does not fit the context with the budget still to
// come is refused before it is decoded (decoder.ContextError, part
// ContextEnvironment), after a complete model message: never a message
// cut in the middle.
func TestToolMessageOverflowIsRefusedBetweenMessages(t *testing.T) {
	f := family(t, "qwen2.5")
	probe := model(t, f)
	tm := familyTemplate(t, f)
	conv := chat.Conversation{Messages: []chat.Value{msg("user", "call t")}}
	cv, err := conversation.New(probe, tm, conv, conversation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const budget = 60
	prompt := len(mustTokens(t, probe, cv.Prompt()))
	// Room for the prompt, the budget and a little more, not for a long
	// tool result.
	m, err := llama.Load(models[f.Name], llama.Options{ContextSize: prompt + budget + 30, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if cv, err = conversation.New(m, tm, conv, conversation.Options{}); err != nil {
		t.Fatal(err)
	}
	s := session(t, cv, m, "spec s\nsteps observation, answer\ntools t\nrule G(call -> X observation)\nrule F t\nrule F answer\n", decoder.FormatJSON)
	res, err := cv.Run(context.Background(), m, s, decoder.RunOptions{MaxTokens: budget, Sampler: decoder.SamplerOptions{Seed: 1},
		Environment: func([]ltl.Event) (ltl.Event, error) {
			return ltl.Event{Step: "observation", Text: strings.Repeat("a long result ", 40)}, nil
		}})
	var ce *decoder.ContextError
	if !errors.As(err, &ce) || ce.Part != decoder.ContextEnvironment {
		t.Fatalf("Run: %v; want a ContextError for the environment's step", err)
	}
	if len(res.Segments) != 1 || res.Segments[0].Source != decoder.SourceModel {
		t.Fatalf("segments %+v; want the model's message alone", res.Segments)
	}
	evs, err := decoder.SegmentEvents(decoder.FormatJSON, res.Segments)
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Tool != "t" {
		t.Fatalf("the model's message parses to %v, %v; want it to end with its complete call", evs, err)
	}
	if m.Position() != prompt+res.Tokens {
		t.Errorf("context holds %d tokens, want %d: the tool message was decoded in part", m.Position(), prompt+res.Tokens)
	}
}
