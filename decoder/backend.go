package decoder

// Backend is the language model the decode loop drives. decoder/llama
// implements it on llama.cpp; tests may implement it on fixed logits.
//
// Call order: Decode the prompt, then alternately read Logits and Decode the
// chosen token. A Backend holds one sequence; it is not safe for concurrent use.
type Backend interface {
	// Vocab is the model's vocabulary; len(Logits()) == Vocab().Size().
	Vocab() *Vocab
	// Tokenize turns text into token ids. With addBOS the model's BOS
	// token comes first (if the model uses one). With parseSpecial the
	// text of a special token (`<|eot_id|>`) becomes that token; without
	// it every byte of text is text. Only markup the program writes itself
	// may be tokenized with parseSpecial: user prompts, tool descriptions
	// and tool results never are (see Prompt and TokenizePrompt).
	Tokenize(text string, addBOS, parseSpecial bool) ([]int, error)
	// Decode appends tokens to the sequence; afterwards Logits() are the
	// next-token logits after the last of them. It fails, changing nothing,
	// if the tokens do not fit in the context.
	Decode(tokens []int) error
	// Logits are the next-token logits after the last decoded token. The
	// caller may modify the slice (masking) until the next Decode.
	Logits() []float32
	// ContextSize is the maximum sequence length in tokens.
	ContextSize() int
	// Position is the number of tokens in the sequence so far.
	Position() int
	// Reset empties the sequence.
	Reset() error
	// ChatTemplate is the model's chat template (Jinja text), "" if none.
	ChatTemplate() string
	// Close frees the model; the Backend is unusable afterwards.
	Close() error
}

// PromptPiece is a span of a rendered prompt, with who wrote it.
type PromptPiece struct {
	Text string
	// Markup is text the program writes as chat structure (turn and role
	// markers such as `<|start_header_id|>system<|end_header_id|>\n\n`):
	// its special-token text becomes special tokens. Every other piece is
	// content (a user prompt, a system message with tool descriptions, a
	// tool result) and is tokenized as plain text whatever it contains.
	Markup bool
}

// Prompt is a rendered prompt as pieces of markup and content, in order.
// A chat renderer (ApplyChatTemplate today; a Jinja renderer later, which
// must likewise report where each message's content lies in its output)
// produces one; TokenizePrompt turns it into tokens.
type Prompt []PromptPiece

// Markup appends text the program writes as chat structure.
func (p Prompt) Markup(text string) Prompt { return append(p, PromptPiece{Text: text, Markup: true}) }

// Content appends untrusted text (never special tokens).
func (p Prompt) Content(text string) Prompt { return append(p, PromptPiece{Text: text}) }

// String is the prompt's text, pieces concatenated.
func (p Prompt) String() string {
	n := 0
	for _, x := range p {
		n += len(x.Text)
	}
	b := make([]byte, 0, n)
	for _, x := range p {
		b = append(b, x.Text...)
	}
	return string(b)
}

// TokenizePrompt tokenizes p on b: consecutive pieces of the same kind
// together, markup with special-token parsing and content without, so that
// no content can become a control token. With addBOS the model's BOS comes
// first (for a prompt whose markup does not write it already).
//
// Pieces are tokenized separately, so BPE merges never cross a boundary
// between markup and content. The Llama-3 and ChatML renderings put those
// boundaries where the models' pre-tokenizers split anyway (at special
// tokens and at newlines).
func TokenizePrompt(b Backend, p Prompt, addBOS bool) ([]int, error) {
	var out []int
	for i := 0; i < len(p); {
		j := i
		var text []byte
		for j < len(p) && p[j].Markup == p[i].Markup {
			text = append(text, p[j].Text...)
			j++
		}
		toks, err := b.Tokenize(string(text), addBOS && len(out) == 0 && i == 0, p[i].Markup)
		if err != nil {
			return nil, err
		}
		out = append(out, toks...)
		i = j
	}
	if len(p) == 0 && addBOS {
		return b.Tokenize("", true, false)
	}
	return out, nil
}
