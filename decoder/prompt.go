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

// ChatRenderer renders chat messages, followed by the start of an
// assistant turn, as a Prompt: the template's own structure as markup and
// each message's content (and role name) as content, so that no message can
// write a control token. It is the plug-in point for chat templates: the
// hand-written Llama-3 and ChatML renderers below implement it, and a
// renderer of a GGUF's real Jinja template must too, marking where in its
// output each message's content lies.
type ChatRenderer interface {
	RenderChat(messages []Message) Prompt
}

// RecognizeChatTemplate returns the hand-written renderer for a GGUF's
// tokenizer.chat_template of a family specplan recognises by a marker in it:
// Llama-3 headers or ChatML. It does not run Jinja; for any other template
// it returns ok == false.
func RecognizeChatTemplate(template string) (r ChatRenderer, ok bool) {
	switch {
	case strings.Contains(template, "<|start_header_id|>"):
		return llama3Chat{bos: strings.Contains(template, "bos_token")}, true
	case strings.Contains(template, "<|im_start|>"):
		return chatML{}, true
	}
	return nil, false
}

// ApplyChatTemplate renders messages with RecognizeChatTemplate's renderer;
// for a template it does not recognise it returns ok == false and the
// caller falls back to plain text (the constraint still holds, only the
// model's prior is worse).
func ApplyChatTemplate(template string, messages []Message) (prompt Prompt, ok bool) {
	r, ok := RecognizeChatTemplate(template)
	if !ok {
		return nil, false
	}
	return r.RenderChat(messages), true
}

// llama3Chat is Llama-3's header format.
type llama3Chat struct{ bos bool }

func (c llama3Chat) RenderChat(messages []Message) Prompt {
	var p Prompt
	if c.bos {
		p = p.Markup("<|begin_of_text|>")
	}
	for _, m := range messages {
		p = p.Markup("<|start_header_id|>").Content(m.Role).Markup("<|end_header_id|>\n\n").Content(m.Content).Markup("<|eot_id|>")
	}
	return p.Markup("<|start_header_id|>").Content("assistant").Markup("<|end_header_id|>\n\n")
}

// chatML is the <|im_start|> format (Qwen, Hermes and others).
type chatML struct{}

func (chatML) RenderChat(messages []Message) Prompt {
	var p Prompt
	for _, m := range messages {
		p = p.Markup("<|im_start|>").Content(m.Role + "\n" + m.Content).Markup("<|im_end|>\n")
	}
	return p.Markup("<|im_start|>").Content("assistant\n")
}
