package decoder

// Backend is the language model the decode loop drives. decoder/llama
// implements it on llama.cpp; tests may implement it on fixed logits.
//
// Call order: Decode the prompt, then alternately read Logits and Decode the
// chosen token. A Backend holds one sequence; it is not safe for concurrent use.
type Backend interface {
	// Vocab is the model's vocabulary; len(Logits()) == Vocab().Size().
	Vocab() *Vocab
	// Tokenize turns text into token ids; addSpecial adds BOS (if the model
	// uses one). Special-token text in the input is parsed as special tokens.
	Tokenize(text string, addSpecial bool) ([]int, error)
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
