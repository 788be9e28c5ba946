package decoder_test

import (
	"encoding/json"
	"fmt"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/decoder"
)

// A model family's call syntax is a FormatSpec value: here a made-up
// family that wraps each call in <call>…</call> and joins calls with a
// newline, with "parameters" as the arguments' key.
func ExampleNewFormat() {
	f, err := decoder.NewFormat(decoder.FormatSpec{Name: "mine", Args: decoder.ArgsJSON,
		NameKey: "name", ArgsKey: "parameters", CallOpen: "<call>", CallClose: "</call>", CallSep: "\n"})
	if err != nil {
		panic(err)
	}
	evs, err := f.Parse([]byte("Thought: two lookups\n<call>{\"name\": \"search\", \"parameters\": {\"q\": \"a\"}}</call>\n<call>{\"name\": \"search\", \"parameters\": {\"q\": \"b\"}}</call>"))
	for _, e := range evs {
		line, _ := json.Marshal(e)
		fmt.Println(string(line))
	}
	fmt.Println(err)
	// Output:
	// {"step":"thought","text":"two lookups"}
	// {"tool":"search","args":{"q":"a"}}
	// {"tool":"search","args":{"q":"b"}}
	// <nil>
}

// The native format is chosen from the chat template; Mistral's calls
// carry the ids that tool messages answer.
func ExampleFormatForChat() {
	tmpl := `{{ bos_token }}{% for m in messages %}[INST]{{ m.content }}[/INST]{% endfor %}[TOOL_CALLS]`
	f, ok := decoder.FormatForTemplate(string(chat.DetectToolCallFormat(tmpl)), tmpl)
	fmt.Println(f, ok)
	calls, err := f.ParseMessage([]byte(`[TOOL_CALLS][{"name": "search", "arguments": {"q": "x"}, "id": "abc123XYZ"}]`))
	fmt.Println(calls[0].Event.Tool, calls[0].ID, err)
	// Output:
	// mistral true
	// search abc123XYZ <nil>
}

// OpenAI's tool_choice, read strictly; pass it as SessionOptions.ToolChoice.
func ExampleParseToolChoice() {
	c, err := decoder.ParseToolChoice([]byte(`{"type": "function", "function": {"name": "refund"}}`))
	fmt.Println(c, err)
	// Output: required[refund] <nil>
}
