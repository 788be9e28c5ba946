package decoder

import (
	"fmt"
	"sort"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Instructions is a system message telling a model how to write events in
// format f: the step labels it may use, the call syntax, and the tools.
// The constraint enforces all of it anyway; saying it helps a real model
// put probability mass where the mask allows, so fewer tokens are forced.
func Instructions(f Format, steps []string, envSteps []string, tools []ltl.CatalogTool, toolNames []string) string {
	var b strings.Builder
	b.WriteString("You are an agent. Write one step per line.\n")
	env := map[string]bool{}
	for _, s := range envSteps {
		env[s] = true
	}
	var own []string
	for _, s := range steps {
		if !env[s] {
			own = append(own, StepLabel(s)+": ...")
		}
	}
	if len(own) > 0 {
		fmt.Fprintf(&b, "Steps you write: %s\n", strings.Join(own, "  "))
	}
	for _, s := range envSteps {
		fmt.Fprintf(&b, "Lines starting %s: are written for you after each tool call; never write them yourself.\n", StepLabel(s))
	}
	if len(toolNames) > 0 {
		prefix, suffix := f.callFrame("TOOL")
		args := `{"arg": value}`
		if f == FormatPythonic {
			args = "arg=value"
		}
		fmt.Fprintf(&b, "Call a tool with: %s%s%s", prefix, args, suffix)
		desc := map[string]string{}
		for _, t := range tools {
			desc[t.Name] = t.Description
			if len(t.Parameters) > 0 {
				desc[t.Name] = strings.TrimSpace(t.Description + " Parameters: " + string(t.Parameters))
			}
		}
		names := append([]string(nil), toolNames...)
		sort.Strings(names)
		b.WriteString("Tools:\n")
		for _, n := range names {
			if d := desc[n]; d != "" {
				fmt.Fprintf(&b, "- %s: %s\n", n, d)
			} else {
				fmt.Fprintf(&b, "- %s\n", n)
			}
		}
	}
	return b.String()
}

// Message is one chat message.
type Message struct {
	Role    string // system, user, assistant
	Content string
}

// ApplyChatTemplate renders messages followed by the start of an assistant
// turn, for the chat-template families specplan recognises in a GGUF's
// tokenizer.chat_template: Llama-3 headers and ChatML. It does not run
// Jinja; for any other template it returns ok == false and the caller
// falls back to plain text (the constraint still holds, only the model's
// prior is worse).
func ApplyChatTemplate(template string, messages []Message) (prompt string, ok bool) {
	var b strings.Builder
	switch {
	case strings.Contains(template, "<|start_header_id|>"):
		if strings.Contains(template, "bos_token") {
			b.WriteString("<|begin_of_text|>")
		}
		for _, m := range messages {
			fmt.Fprintf(&b, "<|start_header_id|>%s<|end_header_id|>\n\n%s<|eot_id|>", m.Role, m.Content)
		}
		b.WriteString("<|start_header_id|>assistant<|end_header_id|>\n\n")
	case strings.Contains(template, "<|im_start|>"):
		for _, m := range messages {
			fmt.Fprintf(&b, "<|im_start|>%s\n%s<|im_end|>\n", m.Role, m.Content)
		}
		b.WriteString("<|im_start|>assistant\n")
	default:
		return "", false
	}
	return b.String(), true
}
