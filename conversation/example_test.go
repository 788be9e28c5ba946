package conversation_test

import (
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
