package decoder

// Vocab is a model's vocabulary as the decoder sees it: the exact bytes each
// token id appends to the output. It is plain data so that it can come from a
// GGUF (through llama.cpp, see decoder/llama) or from a tokenizer.json
// (LoadTokenizerJSON) and be compared between the two.
type Vocab struct {
	// Pieces maps token id → the bytes the token emits. Control and other
	// special tokens have an empty piece: they emit no text, so a byte-level
	// mask can never allow them; end-of-generation tokens are allowed through
	// EOG instead.
	Pieces [][]byte
	// EOG lists the end-of-generation token ids (end of turn, end of text).
	EOG []int
	// BOS is the beginning-of-sequence token id, or -1 when there is none.
	BOS int
	// Special[id] is true for control/special tokens (those with empty Pieces).
	Special []bool
}

// Size is the number of token ids, i.e. the length of a logits vector.
func (v *Vocab) Size() int { return len(v.Pieces) }

// IsEOG reports whether tok is an end-of-generation token.
func (v *Vocab) IsEOG(tok int) bool {
	for _, e := range v.EOG {
		if e == tok {
			return true
		}
	}
	return false
}

// eogNames are the token texts that end a turn or a text in the common chat
// model families; tokenizer.json has no explicit "end of generation" flag.
var eogNames = []string{
	"<|eot_id|>", "<|end_of_text|>", "<|eom_id|>", "</s>", "<|im_end|>",
	"<|endoftext|>", "<|end|>", "<end_of_turn>", "<|END_OF_TURN_TOKEN|>",
	"<EOS_TOKEN>", "<|return|>", "<|call|>",
}
