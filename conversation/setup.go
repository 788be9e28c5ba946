package conversation

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// Template is a chat template and what it needs from its model.
type Template struct {
	Name, Source string
	BOS, EOS     string // bos_token and eos_token texts
	// Fallback: the model carries no template, so Source is
	// chat.FallbackTemplate.
	Fallback bool
}

// ModelTemplate reads the template a GGUF model carries: its tool_use
// variant when tools are given and it has one, else tokenizer.chat_template,
// else chat.FallbackTemplate (Fallback set); and its BOS and EOS texts.
func ModelTemplate(path string, withTools bool, lim chat.GGUFLimits) (Template, error) {
	mt, err := chat.ReadGGUF(path, lim)
	if err != nil {
		return Template{}, err
	}
	t := Template{BOS: mt.BOS, EOS: mt.EOS}
	var ok bool
	if t.Name, t.Source, ok = mt.Template(path, withTools); !ok {
		t.Name, t.Source, t.Fallback = chat.FallbackName, chat.FallbackTemplate, true
	}
	return t, nil
}

// RendersTools reports whether the template reads the tools variable, so
// that tools given to it reach the model; a template without a tools
// section needs them in the system message instead.
func (t Template) RendersTools() bool { return strings.Contains(t.Source, "tools") }

// FormatFor is the decoder's native format for the template
// (decoder.FormatForTemplate of the tool-call syntax chat.DetectToolCallFormat
// finds in it, so Mistral-Small-3.x's [CALL_ID] template gets mistral-v11
// and Mistral-Nemo's mistral), with native true; when the template shows
// none, or one the decoder does not write, it is FormatReAct (the default
// before templates were read) with native false, and detected names what
// the template shows.
func FormatFor(src string) (f decoder.Format, native bool, detected chat.ToolCallFormat) {
	detected = chat.DetectToolCallFormat(src)
	if f, ok := decoder.FormatForTemplate(string(detected), src); ok {
		return f, true, detected
	}
	return decoder.FormatReAct, false, detected
}

// NewIndex compiles the constraint the conversation's model runs under:
// ea over Vocab(b.Vocab()) (the template's end of turn the only EOG), in
// o.Format (Options.Format when o leaves it unset), with the format's
// special markers mapped to the special tokens b's vocabulary has for them
// (decoder.MarkerTokens) unless o.Markers is given: the model then writes
// a marker as the token it was trained on, and its text (Index.TokenText)
// is what the template renders for the call, so the prefix check holds.
// Where the template drops the text before calls (DropsTextBeforeCalls),
// the format is o.Format.WithCallsOnly(): a message either has calls and
// nothing before them, or no calls.
func (c *Conversation) NewIndex(b decoder.Backend, ea decoder.EventAutomaton, o decoder.IndexOptions) (*decoder.Index, error) {
	if !o.Format.Valid() {
		o.Format = c.opts.Format
	}
	if c.drops && c.opts.Assistant == nil {
		o.Format = o.Format.WithCallsOnly()
	}
	if o.Markers == nil && o.Format.Valid() {
		m, err := decoder.MarkerTokens(b, o.Format)
		if err != nil {
			return nil, err
		}
		if len(m) > 0 {
			o.Markers = m
		}
	}
	v := c.Vocab(b.Vocab())
	return decoder.NewIndex(ea, v, decoder.NewTrie(v), o)
}

// Token is one token of a tokenized prompt.
type Token struct {
	ID      int
	Markup  bool // from the template's markup (tokenized with special tokens)
	Special bool // a control token (only markup can produce one)
}

// Tokens tokenizes p as decoder.TokenizePrompt does (markup with special
// tokens, content without, no BOS added) and says where each token came
// from.
func Tokens(b decoder.Backend, p decoder.Prompt) ([]Token, error) {
	var out []Token
	v := b.Vocab()
	for i := 0; i < len(p); {
		j := i
		var text strings.Builder
		for j < len(p) && p[j].Markup == p[i].Markup {
			text.WriteString(p[j].Text)
			j++
		}
		ids, err := b.Tokenize(text.String(), false, p[i].Markup)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, Token{ID: id, Markup: p[i].Markup, Special: id >= 0 && id < len(v.Special) && v.Special[id]})
		}
		i = j
	}
	return out, nil
}

// CatalogTools turns a spec's tool catalog into the OpenAI tools array a
// chat template reads, keys in the order the catalog gives them: an OpenAI
// entry as it was written, an MCP entry ({"name", "description",
// "inputSchema"}) as the OpenAI function it describes. Working from the
// parsed catalog (not its file) serves every way a catalog arrives: --tools,
// standard input, a spec's own `tools from`, or an embedding service's
// Options.Catalog.
func CatalogTools(catalog []ltl.CatalogTool) ([]chat.Value, error) {
	if len(catalog) == 0 {
		return nil, nil
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, t := range catalog {
		if i > 0 {
			b.WriteString(", ")
		}
		if isOpenAIEntry(t.Entry) {
			b.Write(t.Entry)
			continue
		}
		name, _ := json.Marshal(t.Name)
		b.WriteString(`{"type": "function", "function": {"name": `)
		b.Write(name)
		if t.Description != "" {
			desc, _ := json.Marshal(t.Description)
			b.WriteString(`, "description": `)
			b.Write(desc)
		}
		if len(t.Parameters) > 0 {
			b.WriteString(`, "parameters": `)
			b.Write(t.Parameters)
		}
		b.WriteString(`}}`)
	}
	b.WriteByte(']')
	return chat.ParseTools("catalog", b.Bytes(), chat.JSONLimits{MaxBytes: b.Len() + 1})
}

// isOpenAIEntry reports whether a catalog entry is already an OpenAI tool
// ({"type": "function", "function": {...}}).
func isOpenAIEntry(entry json.RawMessage) bool {
	v, err := strictjson.Parse(entry, strictjson.Limits{})
	return err == nil && v.Kind() == strictjson.Object && v.Get("function") != nil
}
