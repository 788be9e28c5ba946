package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/internal/safetext"
)

// PromptCmd is `plan prompt`: the conversation as the model will see it.
type PromptCmd struct {
	Model              string `name:"model" placeholder:"M.gguf" xor:"template" help:"Render with this GGUF's tokenizer.chat_template (its tool_use variant when --tools is given), BOS and EOS."`
	Template           string `name:"template" placeholder:"FILE.jinja" xor:"template" help:"Render with this Jinja chat template instead of a model's."`
	Messages           string `name:"messages" required:"" placeholder:"M.json" help:"OpenAI messages: a JSON array, or {\"messages\": [...], \"tools\": [...]}."`
	Tools              string `name:"tools" placeholder:"C.json" help:"OpenAI tools array passed to the template as tools."`
	BOS                string `name:"bos" placeholder:"TEXT" help:"bos_token text (default: the model's, or empty)."`
	EOS                string `name:"eos" placeholder:"TEXT" help:"eos_token text (default: the model's, or empty)."`
	Now                string `name:"now" placeholder:"RFC3339" help:"Pin the clock strftime_now reads, e.g. 2026-07-26T10:30:00Z (default: now)."`
	NoGenerationPrompt bool   `name:"no-generation-prompt" help:"Render without add_generation_prompt (no assistant header at the end)."`
	Think              string `name:"think" enum:",on,off" default:"" placeholder:"on|off" help:"Pass enable_thinking=true/false to templates that read it."`
	MaxInputBytes      int    `name:"max-input-bytes" default:"16777216" help:"Limit on each JSON input file."`
	MaxTemplateBytes   int    `name:"max-template-bytes" default:"1048576" help:"Limit on the chat template."`
}

func (c *PromptCmd) Run(e *env) error {
	out, err := c.render(e.stderr)
	if err != nil {
		return inputErr(err)
	}
	// Byte for byte, except that a terminal is never sent control
	// characters from the conversation.
	if isTerminal(e.stdout) {
		var b strings.Builder
		for i, line := range strings.Split(out, "\n") {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(safetext.EscapeKeepTab(line))
		}
		out = b.String()
	}
	_, err = io.WriteString(e.stdout, out)
	return err
}

func (c *PromptCmd) render(stderr io.Writer) (string, error) {
	jlim := chat.JSONLimits{MaxBytes: c.MaxInputBytes}
	data, err := readBounded(c.Messages, c.MaxInputBytes, "--max-input-bytes")
	if err != nil {
		return "", err
	}
	conv, err := chat.ParseMessages(c.Messages, data, jlim)
	if err != nil {
		return "", withCaret(err)
	}
	if c.Tools != "" {
		if conv.Tools != nil {
			return "", fmt.Errorf("%s carries tools and --tools gives more: give them in one place", safetext.Escape(c.Messages))
		}
		data, err := readBounded(c.Tools, c.MaxInputBytes, "--max-input-bytes")
		if err != nil {
			return "", err
		}
		if conv.Tools, err = chat.ParseTools(c.Tools, data, jlim); err != nil {
			return "", withCaret(err)
		}
	}
	opts := chat.Options{BOS: c.BOS, EOS: c.EOS, NoGenerationPrompt: c.NoGenerationPrompt, Kwargs: map[string]any{}}
	if c.Now != "" {
		t, err := time.Parse(time.RFC3339, c.Now)
		if err != nil {
			return "", fmt.Errorf("--now: want an RFC3339 time such as 2026-07-26T10:30:00Z: %v", err)
		}
		opts.Now = func() time.Time { return t }
	}
	switch c.Think {
	case "on":
		opts.Kwargs["enable_thinking"] = true
	case "off":
		opts.Kwargs["enable_thinking"] = false
	}
	var name, src string
	switch {
	case c.Template != "":
		data, err := readBounded(c.Template, c.MaxTemplateBytes, "--max-template-bytes")
		if err != nil {
			return "", err
		}
		name, src = c.Template, string(data)
	case c.Model != "":
		m, err := chat.ReadGGUF(c.Model, chat.GGUFLimits{MaxTemplateBytes: c.MaxTemplateBytes})
		if err != nil {
			return "", err
		}
		var ok bool
		if name, src, ok = m.Template(c.Model, conv.Tools != nil); !ok {
			name, src = chat.FallbackName, chat.FallbackTemplate
			fmt.Fprintf(stderr, "plan: %s has no chat template; rendering with %s\n", safetext.Escape(c.Model), chat.FallbackName)
		}
		if opts.BOS == "" {
			opts.BOS = m.BOS
		}
		if opts.EOS == "" {
			opts.EOS = m.EOS
		}
	default:
		return "", fmt.Errorf("give --model M.gguf or --template FILE.jinja")
	}
	tmpl, err := chat.Compile(name, src, chat.TemplateLimits{MaxBytes: c.MaxTemplateBytes})
	if err != nil {
		return "", err
	}
	r, err := tmpl.Render(conv, opts)
	if err != nil {
		return "", err
	}
	return r.String(), nil
}

// readBounded reads a file, refusing one over limit bytes before reading it all.
func readBounded(path string, limit int, flag string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s: over the limit of %d bytes (raise it with %s)", safetext.Escape(path), limit, flag)
	}
	return data, nil
}

// withCaret is kept as the one place prompt errors pass through; printError
// shows a chat error's source line and caret (see printError).
func withCaret(err error) error { return err }
