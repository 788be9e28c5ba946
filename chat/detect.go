package chat

import "strings"

// ToolCallFormat names the syntax a model family writes its tool calls in.
type ToolCallFormat string

const (
	FormatUnknown  ToolCallFormat = ""         // the template shows no tool-call syntax
	FormatHermes   ToolCallFormat = "hermes"   // <tool_call>{"name": ..., "arguments": ...}</tool_call> (Qwen, Hermes, Granite 4)
	FormatLlama3   ToolCallFormat = "llama3"   // {"name": ..., "parameters": ...} after <|python_tag|> or in an ipython-era turn (Llama 3.1-3.3)
	FormatMistral  ToolCallFormat = "mistral"  // [TOOL_CALLS][{"name": ..., "arguments": ...}]
	FormatGranite  ToolCallFormat = "granite"  // <|tool_call|>[{"name": ..., "arguments": ...}] (Granite 3.x)
	FormatDeepSeek ToolCallFormat = "deepseek" // <｜tool▁calls▁begin｜>... (DeepSeek R1/V3)
	FormatHarmony  ToolCallFormat = "harmony"  // <|channel|>commentary to=functions.NAME ... <|call|> (gpt-oss)
)

// DetectToolCallFormat returns the tool-call format a chat template
// renders assistant tool calls in, judged from the marker strings its text
// contains. Markers are checked from the most specific to the most
// generic, because some templates mention another family's marker in
// prose.
func DetectToolCallFormat(template string) ToolCallFormat {
	switch {
	case strings.Contains(template, "[TOOL_CALLS]"):
		return FormatMistral
	case strings.Contains(template, "<|tool_call|>"):
		return FormatGranite
	case strings.Contains(template, "<｜tool▁calls▁begin｜>"):
		return FormatDeepSeek
	case strings.Contains(template, "<|call|>") && strings.Contains(template, "<|channel|>") && strings.Contains(template, "functions"):
		return FormatHarmony
	case strings.Contains(template, "<tool_call>"):
		return FormatHermes
	case strings.Contains(template, "<|python_tag|>"),
		strings.Contains(template, "ipython") && strings.Contains(template, `"parameters"`):
		return FormatLlama3
	}
	return FormatUnknown
}
