package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/internal/readlimit"
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
	Tokens             bool   `name:"tokens" help:"List the token ids instead (needs --model: its vocabulary): one per line, ID, kind (special: a control token; markup: other template text; content: conversation text, tokenized without special tokens) and the token's text quoted."`
}

func (c *PromptCmd) Run(e *env) error {
	if c.Tokens && c.Model == "" {
		return inputErr(fmt.Errorf("--tokens needs --model M.gguf: the tokens are the model's vocabulary's"))
	}
	r, err := c.render(e.stderr)
	if err != nil {
		return inputErr(err)
	}
	if c.Tokens {
		return c.printTokens(e, r)
	}
	// Byte for byte, except that a terminal is never sent control
	// characters from the conversation.
	return writeExact(e.stdout, r.String())
}

// printTokens tokenizes the rendering with the model's tokenizer as plan
// generate does and lists the tokens.
func (c *PromptCmd) printTokens(e *env, r chat.Rendered) error {
	m, err := llama.Load(c.Model, llama.Options{ContextSize: 64, Threads: 1})
	if err != nil {
		return inputErr(err)
	}
	defer m.Close()
	var p decoder.Prompt
	for _, pc := range r.Pieces {
		p = append(p, decoder.PromptPiece{Text: pc.Text, Markup: pc.Markup})
	}
	toks, err := conversation.Tokens(m, p)
	if err != nil {
		return inputErr(err)
	}
	var b strings.Builder
	for _, t := range toks {
		text, err := m.TokenText(t.ID)
		if err != nil {
			return inputErr(err)
		}
		kind := "content"
		switch {
		case t.Special:
			kind = "special"
		case t.Markup:
			kind = "markup"
		}
		// Quoted: a token's text may be any bytes, never sent raw.
		fmt.Fprintf(&b, "%d\t%s\t%s\n", t.ID, kind, strconv.QuoteToASCII(string(text)))
	}
	_, err = io.WriteString(e.stdout, b.String())
	return err
}

func (c *PromptCmd) render(stderr io.Writer) (chat.Rendered, error) {
	jlim := chat.JSONLimits{MaxBytes: c.MaxInputBytes}
	data, err := readBounded(c.Messages, c.MaxInputBytes, "--max-input-bytes")
	if err != nil {
		return chat.Rendered{}, err
	}
	conv, err := chat.ParseMessages(c.Messages, data, jlim)
	if err != nil {
		return chat.Rendered{}, withCaret(err)
	}
	if c.Tools != "" {
		if conv.Tools != nil {
			return chat.Rendered{}, fmt.Errorf("%s carries tools and --tools gives more: give them in one place", safetext.Escape(c.Messages))
		}
		data, err := readBounded(c.Tools, c.MaxInputBytes, "--max-input-bytes")
		if err != nil {
			return chat.Rendered{}, err
		}
		if conv.Tools, err = chat.ParseTools(c.Tools, data, jlim); err != nil {
			return chat.Rendered{}, withCaret(err)
		}
	}
	opts, err := renderOptions(c.Now, c.Think)
	if err != nil {
		return chat.Rendered{}, err
	}
	opts.BOS, opts.EOS, opts.NoGenerationPrompt = c.BOS, c.EOS, c.NoGenerationPrompt
	var name, src string
	switch {
	case c.Template != "":
		data, err := readBounded(c.Template, c.MaxTemplateBytes, "--max-template-bytes")
		if err != nil {
			return chat.Rendered{}, err
		}
		name, src = c.Template, string(data)
	case c.Model != "":
		m, err := chat.ReadGGUF(c.Model, chat.GGUFLimits{MaxTemplateBytes: c.MaxTemplateBytes})
		if err != nil {
			return chat.Rendered{}, err
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
		return chat.Rendered{}, fmt.Errorf("give --model M.gguf or --template FILE.jinja")
	}
	tmpl, err := chat.Compile(name, src, chat.TemplateLimits{MaxBytes: c.MaxTemplateBytes})
	if err != nil {
		return chat.Rendered{}, err
	}
	return tmpl.Render(conv, opts)
}

// readBounded reads a file, refusing one over limit bytes before reading it all.
func readBounded(path string, limit int, flag string) ([]byte, error) {
	data, over, err := readlimit.File(path, int64(limit))
	if over {
		return nil, fmt.Errorf("%s: over the limit of %d bytes (raise it with %s)", safetext.Escape(path), limit, flag)
	}
	return data, err
}

// withCaret is kept as the one place prompt errors pass through; printError
// shows a chat error's source line and caret (see printError).
func withCaret(err error) error { return err }
