package conversation_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// nativeConv is a conversation on the family's model and template in its
// native format, with one user message.
func nativeConv(t *testing.T, fam string, f decoder.Format) *conversation.Conversation {
	t.Helper()
	fm := family(t, fam)
	cv, err := conversation.New(model(t, fm), familyTemplate(t, fm), chat.Conversation{Messages: []chat.Value{msg("user", "Look A1 up.")}},
		conversation.Options{Render: chat.Options{Now: pinned.Now, BOS: fm.BOS, EOS: fm.EOS}, Format: f})
	if err != nil {
		t.Fatal(err)
	}
	return cv
}

var (
	getA1  = ltl.Event{Tool: "get_order", Args: map[string]any{"order_id": "A1"}}
	permit = ltl.Event{Tool: "check_permission", Args: map[string]any{"role": "agent"}}
	obs    = func(s string) ltl.Event { return ltl.Event{Step: "observation", Text: s} }
)

// roleLine is a message as role[/tool_call ids][/tool_call_id name].
func roleLine(m chat.Value) string {
	role, _ := m.Get("role")
	out := role.Str
	if tc, ok := m.Get("tool_calls"); ok {
		for _, c := range tc.Items {
			id, _ := c.Get("id")
			fn, _ := c.Get("function")
			name, _ := fn.Get("name")
			args, _ := fn.Get("arguments")
			out += " " + id.Str + ":" + name.Str + args.Str
		}
	}
	if id, ok := m.Get("tool_call_id"); ok {
		name, _ := m.Get("name")
		out += " " + id.Str + ":" + name.Str
	}
	return out
}

func roles(cv *conversation.Conversation) string {
	var out []string
	for _, m := range cv.Messages()[1:] {
		out = append(out, roleLine(m))
	}
	return strings.Join(out, " | ")
}

// Two calls in one Qwen message, with a thought before them: the message
// goes back with the thought as content and both calls as tool_calls
// (ids issued, arguments as written, keys in the model's order), each
// answered by its own tool message, and the template's rendering is what
// the model wrote (Next checks it).
func TestNextQwenParallelCalls(t *testing.T) {
	cv := nativeConv(t, "qwen2.5", decoder.FormatQwen)
	text := "Thought: both\n<tool_call>\n{\"name\": \"get_order\", \"arguments\": {\"order_id\": \"A1\", \"full\": true}}\n</tool_call>\n<tool_call>\n{\"name\": \"check_permission\", \"arguments\": {\"role\": \"agent\"}}\n</tool_call>"
	if _, err := cv.Next([]byte(text), cv.EndOfTurn().Token, []ltl.Event{{Step: "thought", Text: "both"}, getA1, permit, obs("r1"), obs("r2")}, 2); err != nil {
		t.Fatal(err)
	}
	want := `assistant call00001:get_order{"order_id": "A1", "full": true} call00002:check_permission{"role": "agent"} | tool call00001:get_order | tool call00002:check_permission`
	if got := roles(cv); got != want {
		t.Fatalf("messages\n%s\nwant\n%s", got, want)
	}
	if c, _ := cv.Messages()[1].Get("content"); c.Str != "Thought: both" {
		t.Errorf("content %q, want the thought without the newline the template puts back", c.Str)
	}
	if !strings.Contains(cv.Text(), text+"<|im_end|>\n<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response>") {
		t.Errorf("rendering:\n%s", cv.Text())
	}
}

// Mistral: the ids are the model's, the tool messages repeat them, and a
// second assistant message with tool_calls is rendered (the template's
// alternation rule skips messages with tool_calls; with the model's text
// as content it refused the second one).
func TestNextMistralIDsAndSecondMessage(t *testing.T) {
	cv := nativeConv(t, "mistral-nemo", decoder.FormatMistral)
	eos := cv.EndOfTurn().Token
	if _, err := cv.Next([]byte(`[TOOL_CALLS][{"name": "get_order", "arguments": {"order_id": "A1"}, "id": "abcDEF123"}]`), eos, []ltl.Event{getA1, obs("r1")}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := cv.Next([]byte(`[TOOL_CALLS][{"name": "check_permission", "arguments": {"role": "agent"}, "id": "Z9y8X7w6V"}]`), eos, []ltl.Event{getA1, obs("r1"), permit, obs("r2")}, 1); err != nil {
		t.Fatal(err)
	}
	want := `assistant abcDEF123:get_order{"order_id": "A1"} | tool abcDEF123:get_order | assistant Z9y8X7w6V:check_permission{"role": "agent"} | tool Z9y8X7w6V:check_permission`
	if got := roles(cv); got != want {
		t.Fatalf("messages\n%s\nwant\n%s", got, want)
	}
}

// Llama 3.1's template prints only the call of a message with tool_calls:
// a message with a thought before its call goes back as the model's text
// (Untooled), which the template prints as written; one without text
// keeps its tool_calls.
func TestNextLlama3TextBeforeCall(t *testing.T) {
	cv := nativeConv(t, "llama3.1", decoder.FormatLlama3)
	eot := cv.EndOfTurn().Token
	if _, err := cv.Next([]byte("Thought: x\n"+`{"name": "get_order", "parameters": {"order_id": "A1"}}`), eot, []ltl.Event{{Step: "thought", Text: "x"}, getA1, obs("r1")}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := cv.Next([]byte(`{"name": "check_permission", "parameters": {"role": "agent"}}`), eot, []ltl.Event{{Step: "thought", Text: "x"}, getA1, obs("r1"), permit, obs("r2")}, 1); err != nil {
		t.Fatal(err)
	}
	want := `assistant | tool call00001:get_order | assistant call00002:check_permission{"role": "agent"} | tool call00002:check_permission`
	if got := roles(cv); got != want || cv.Untooled() != 1 {
		t.Fatalf("messages\n%s\nwant\n%s\n(untooled %d, want 1)", got, want, cv.Untooled())
	}
}

// A number the template prints back in another spelling (tojson writes
// 12.50 as 12.5): the message rebuilt with tool_calls is not what the
// model wrote, so it goes back as the model's text (Untooled), which Qwen's
// template prints as written; never respelled in the context.
func TestNextNumberTheTemplateRespells(t *testing.T) {
	cv := nativeConv(t, "qwen2.5", decoder.FormatQwen)
	text := "<tool_call>\n{\"name\": \"refund\", \"arguments\": {\"amount\": 12.50}}\n</tool_call>"
	if _, err := cv.Next([]byte(text), cv.EndOfTurn().Token, []ltl.Event{{Tool: "refund", Args: map[string]any{"amount": 12.5}}, obs("r")}, 1); err != nil {
		t.Fatal(err)
	}
	c, _ := cv.Messages()[1].Get("content")
	if _, has := cv.Messages()[1].Get("tool_calls"); has || c.Str != text || cv.Untooled() != 1 {
		t.Fatalf("message %s, untooled %d; want the model's text as content", roleLine(cv.Messages()[1]), cv.Untooled())
	}
}

// Mistral-Nemo prints neither the text before a message's calls nor more
// than one message without tool_calls after the user's: a first message
// with a thought before its call goes back as text (Untooled), a second
// one cannot be put back in any spelling the template renders as written,
// and Next refuses it with ErrNotPrefix, saying why, before it is decoded.
func TestNextRefusesWhatTheTemplateCannotPrint(t *testing.T) {
	cv := nativeConv(t, "mistral-nemo", decoder.FormatMistral)
	eos := cv.EndOfTurn().Token
	thought := ltl.Event{Step: "thought", Text: "x"}
	if _, err := cv.Next([]byte("Thought: x\n"+`[TOOL_CALLS][{"name": "get_order", "arguments": {"order_id": "A1"}, "id": "abcDEF123"}]`), eos, []ltl.Event{thought, getA1, obs("r1")}, 1); err != nil {
		t.Fatal(err)
	}
	if cv.Untooled() != 1 {
		t.Fatalf("untooled %d, want 1", cv.Untooled())
	}
	_, err := cv.Next([]byte("Thought: x\n"+`[TOOL_CALLS][{"name": "check_permission", "arguments": {"role": "agent"}, "id": "Z9y8X7w6V"}]`), eos,
		[]ltl.Event{thought, getA1, obs("r1"), thought, permit, obs("r2")}, 1)
	if !errors.Is(err, conversation.ErrNotPrefix) || !strings.Contains(err.Error(), "steps before its calls") {
		t.Fatalf("Next: %v; want ErrNotPrefix explaining the template", err)
	}
	if len(cv.Messages()) != 3 {
		t.Errorf("the refused turn was added: %d messages", len(cv.Messages()))
	}
}

// TestNumbersAsTheTemplatePrintsThem: in each family's native format the
// decoder writes a number only in the spelling the family's template
// (real Qwen2.5, Mistral-Nemo and Granite 3.3 templates; our Llama 3.1
// equivalent) prints back with tojson, so the assistant message rebuilt
// with tool_calls renders byte for byte as the model wrote it: of the
// spellings below, those the constraint accepts go back with tool_calls,
// and those it refuses are exactly those the template respells (which
// would have gone back as text, Untooled). Granite 3.3's template prints
// an assistant message's content and not its tool_calls, so there every
// spelling goes back with tool_calls (the whole text as content).
func TestNumbersAsTheTemplatePrintsThem(t *testing.T) {
	spellings := []string{"12.5", "12.50", "-0", "-0.0", "0", "0.0", "7", "-3", "0.0001", "0.00001", "100.0", "1.10", "1.05"}
	canonical := map[string]bool{"12.5": true, "-0.0": true, "0": true, "0.0": true, "7": true, "-3": true, "0.0001": true, "100.0": true, "1.05": true}
	for _, c := range []struct {
		fam    string
		f      decoder.Format
		call   string
		prints bool // the template prints tool_calls (with tojson)
	}{
		{"qwen2.5", decoder.FormatQwen, "<tool_call>\n{\"name\": \"refund\", \"arguments\": {\"amount\": %s}}\n</tool_call>", true},
		{"llama3.1", decoder.FormatLlama3, `{"name": "refund", "parameters": {"amount": %s}}`, true},
		{"mistral-nemo", decoder.FormatMistral, `[TOOL_CALLS][{"name": "refund", "arguments": {"amount": %s}, "id": "abcDEF123"}]`, true},
		{"granite3.3", decoder.FormatGranite, `<|tool_call|>[{"name": "refund", "arguments": {"amount": %s}}]`, false},
	} {
		t.Run(c.fam, func(t *testing.T) {
			fm := family(t, c.fam)
			m := model(t, fm)
			byteTok := map[byte]int{}
			for _, sp := range spellings {
				for _, b := range []byte(fmt.Sprintf(c.call, sp)) {
					if _, ok := byteTok[b]; !ok {
						toks, err := m.Tokenize(string(b), false, false)
						if err != nil || len(toks) != 1 {
							t.Fatalf("byte %q: %v %v", b, toks, err)
						}
						byteTok[b] = toks[0]
					}
				}
			}
			sp0, err := specplan.Compile("spec.ltl", []byte("spec n \"one refund\"\ntools refund\nrule F refund\nrule at_most(1, refund)\n"), specplan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			tm := familyTemplate(t, fm)
			conv := func() *conversation.Conversation {
				cv, err := conversation.New(m, tm, chat.Conversation{Messages: []chat.Value{msg("user", "Refund it.")}},
					conversation.Options{Render: chat.Options{Now: pinned.Now, BOS: fm.BOS, EOS: fm.EOS}, Format: c.f})
				if err != nil {
					t.Fatal(err)
				}
				return cv
			}
			v := conv().Vocab(m.Vocab())
			ix, err := decoder.NewIndex(decoder.FromDFA(sp0.DFA()), v, decoder.NewTrie(v), decoder.IndexOptions{Format: c.f})
			if err != nil {
				t.Fatal(err)
			}
			for _, sp := range spellings {
				text := fmt.Sprintf(c.call, sp)
				cv := conv()
				s := ix.NewSession()
				written := true
				for i, b := range []byte(text) {
					if (i > 0 && s.Done()) || s.Accept(byteTok[b]) != nil {
						written = false
						break
					}
				}
				// The call ends the run (Done) or at least the message.
				written = written && (s.Done() || s.Mask().Has(cv.EndOfTurn().Token))
				if written != canonical[sp] {
					t.Errorf("amount %s: the constraint writes it: %v, want %v", sp, written, canonical[sp])
				}
				if _, err := cv.Next([]byte(text), cv.EndOfTurn().Token, []ltl.Event{{Tool: "refund", Args: map[string]any{"amount": sp}}, obs("r")}, 1); err != nil {
					if written {
						t.Errorf("amount %s: Next: %v", sp, err)
					}
					continue
				}
				_, tooled := cv.Messages()[1].Get("tool_calls")
				if tooled != (written || !c.prints) {
					t.Errorf("amount %s: written %v, but back with tool_calls %v (untooled %d)", sp, written, tooled, cv.Untooled())
				}
			}
		})
	}
}

// TestDropsTextBeforeCalls: New renders a probe and finds the templates
// that print only the calls of an assistant message with tool_calls
// (Llama 3.1's, Mistral-Nemo's); for them NewIndex compiles the format
// CallsOnly, so the constraint refuses a thought before a call, which the
// same format allows elsewhere.
func TestDropsTextBeforeCalls(t *testing.T) {
	sp, err := specplan.Compile("spec.ltl", []byte("spec n \"a call\"\nsteps thought\ntools get_order\nrule F get_order\n"), specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fam   string
		f     decoder.Format
		drops bool
		text  string
	}{
		{"qwen2.5", decoder.FormatQwen, false, "Thought: x\n<tool_call>\n{\"name\": \"get_order\", \"arguments\": {}}\n</tool_call>"},
		{"llama3.1", decoder.FormatLlama3, true, "Thought: x\n{\"name\": \"get_order\", \"parameters\": {}}"},
		{"mistral-nemo", decoder.FormatMistral, true, "Thought: x\n[TOOL_CALLS][{\"name\": \"get_order\", \"arguments\": {}, \"id\": \"abcDEF123\"}]"},
		{"granite3.3", decoder.FormatGranite, false, "Thought: x\n<|tool_call|>[{\"name\": \"get_order\", \"arguments\": {}}]"},
	} {
		t.Run(c.fam, func(t *testing.T) {
			fm := family(t, c.fam)
			m := model(t, fm)
			cv, err := conversation.New(m, familyTemplate(t, fm), chat.Conversation{Messages: []chat.Value{msg("user", "Look A1 up.")}},
				conversation.Options{Render: chat.Options{Now: pinned.Now, BOS: fm.BOS, EOS: fm.EOS}, Format: c.f})
			if err != nil {
				t.Fatal(err)
			}
			if cv.DropsTextBeforeCalls() != c.drops {
				t.Fatalf("DropsTextBeforeCalls = %v, want %v", cv.DropsTextBeforeCalls(), c.drops)
			}
			ix, err := cv.NewIndex(m, decoder.FromDFA(sp.DFA()), decoder.IndexOptions{Markers: map[string]int{}})
			if err != nil {
				t.Fatal(err)
			}
			s := ix.NewSession()
			written := true
			for _, b := range []byte(c.text) {
				toks, err := m.Tokenize(string(b), false, false)
				if err != nil || len(toks) != 1 || s.Done() || s.Accept(toks[0]) != nil {
					written = false
					break
				}
			}
			if written == c.drops {
				t.Errorf("a thought before the call written: %v; the template drops it: %v", written, c.drops)
			}
		})
	}
}
