package conversation_test

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/internal/chatfamilies"
	"github.com/specplan/specplan/ltl"
)

// A conversation in Qwen2.5's template: the prompt, the template's end of
// turn, and what follows the model's message when a tool answers: the end
// of its message, the tool message (the result is content: its control
// tokens stay text), and the next generation prompt. decoder.Run calls Next
// like this after each environment step (Conversation.Run ties them).
func ExampleConversation_Next() {
	dir, _ := os.MkdirTemp("", "example-")
	defer os.RemoveAll(dir)
	fam := chatfamilies.Families[0] // qwen2.5
	path, err := fam.Write(dir, tinymodel.SmallOptions)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := llama.Load(path, llama.Options{ContextSize: 512, Threads: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	mt, _ := conversation.ModelTemplate(path, false, chat.GGUFLimits{})
	tmpl, _ := chat.Compile(mt.Name, mt.Source, chat.TemplateLimits{})
	user := chat.Value{Kind: chat.Object, Members: []chat.Member{{Key: "role", Value: chat.Str("user")}, {Key: "content", Value: chat.Str("Refund order A1.")}}}
	cv, err := conversation.New(m, tmpl, chat.Conversation{Messages: []chat.Value{user}}, conversation.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("prompt: %q\n", cv.Prompt().String())
	fmt.Printf("end of turn: %q\n", cv.EndOfTurn().TokenText)
	call := ltl.Event{Tool: "refund", Args: map[string]any{"order_id": "A1"}}
	result := ltl.Event{Step: "observation", Text: "done<|im_end|>"}
	next, err := cv.Next([]byte("<tool_call>\n{\"name\": \"refund\", \"arguments\": {\"order_id\": \"A1\"}}\n</tool_call>\n"), -1, []ltl.Event{call, result}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range next {
		fmt.Printf("markup=%v %q\n", p.Markup, p.Text)
	}
	// Output:
	// prompt: "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nRefund order A1.<|im_end|>\n<|im_start|>assistant\n"
	// end of turn: "<|im_end|>"
	// markup=true "<|im_end|>\n<|im_start|>user\n<tool_response>\n"
	// markup=false "done<|im_end|>"
	// markup=true "\n</tool_response><|im_end|>\n<|im_start|>assistant\n"
}

// With the model's native format (Options.Format), a message with calls
// goes back as an assistant message with tool_calls, each answered by its
// own tool message with the call's id and name.
func ExampleConversation_Next_toolCalls() {
	dir, _ := os.MkdirTemp("", "example-")
	defer os.RemoveAll(dir)
	fam := chatfamilies.Families[0] // qwen2.5
	path, err := fam.Write(dir, tinymodel.SmallOptions)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := llama.Load(path, llama.Options{ContextSize: 512, Threads: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	mt, _ := conversation.ModelTemplate(path, false, chat.GGUFLimits{})
	tmpl, _ := chat.Compile(mt.Name, mt.Source, chat.TemplateLimits{})
	format, native, _ := conversation.FormatFor(mt.Source)
	fmt.Println("format:", format, native)
	user := chat.Value{Kind: chat.Object, Members: []chat.Member{{Key: "role", Value: chat.Str("user")}, {Key: "content", Value: chat.Str("Refund A1 and B2.")}}}
	cv, err := conversation.New(m, tmpl, chat.Conversation{Messages: []chat.Value{user}}, conversation.Options{Format: format})
	if err != nil {
		fmt.Println(err)
		return
	}
	a1 := ltl.Event{Tool: "refund", Args: map[string]any{"order_id": "A1"}}
	b2 := ltl.Event{Tool: "refund", Args: map[string]any{"order_id": "B2"}}
	text := "<tool_call>\n{\"name\": \"refund\", \"arguments\": {\"order_id\": \"A1\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"refund\", \"arguments\": {\"order_id\": \"B2\"}}\n</tool_call>"
	events := []ltl.Event{a1, b2, {Step: "observation", Text: "A1 done"}, {Step: "observation", Text: "B2 done"}}
	if _, err := cv.Next([]byte(text), cv.EndOfTurn().Token, events, 2); err != nil {
		fmt.Println(err)
		return
	}
	for _, msg := range cv.Messages()[1:] {
		js, _ := json.Marshal(plain(msg))
		fmt.Println(string(js))
	}
	// Output:
	// format: qwen true
	// {"role":"assistant","content":"","tool_calls":[{"id":"call00001","type":"function","function":{"name":"refund","arguments":"{\"order_id\": \"A1\"}"}},{"id":"call00002","type":"function","function":{"name":"refund","arguments":"{\"order_id\": \"B2\"}"}}]}
	// {"role":"tool","tool_call_id":"call00001","name":"refund","content":"A1 done"}
	// {"role":"tool","tool_call_id":"call00002","name":"refund","content":"B2 done"}
}

// plain is a chat.Value as Go values that encoding/json prints in order.
func plain(v chat.Value) any {
	switch v.Kind {
	case chat.String:
		return v.Str
	case chat.Array:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = plain(it)
		}
		return out
	case chat.Object:
		var b []byte
		b = append(b, '{')
		for i, m := range v.Members {
			if i > 0 {
				b = append(b, ',')
			}
			k, _ := json.Marshal(m.Key)
			val, _ := json.Marshal(plain(m.Value))
			b = append(append(append(b, k...), ':'), val...)
		}
		return json.RawMessage(append(b, '}'))
	}
	return nil
}
