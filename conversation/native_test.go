package conversation_test

import (
	"errors"
	"strings"
	"testing"

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
