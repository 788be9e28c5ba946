package decoder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// TokenizerErrorCode classifies a LoadTokenizerJSON failure so that callers
// and tests compare codes, not message text.
type TokenizerErrorCode int

const (
	// TokenizerMissing: the file does not exist or cannot be read.
	TokenizerMissing TokenizerErrorCode = iota + 1
	// TokenizerCorrupt: the file is not valid tokenizer.json.
	TokenizerCorrupt
	// TokenizerUnsupported: a valid tokenizer whose model kind has no
	// byte-exact decoding here (e.g. WordPiece's "##" continuation pieces).
	TokenizerUnsupported
)

func (c TokenizerErrorCode) String() string {
	switch c {
	case TokenizerMissing:
		return "missing"
	case TokenizerCorrupt:
		return "corrupt"
	case TokenizerUnsupported:
		return "unsupported"
	}
	return "TokenizerErrorCode(" + strconv.Itoa(int(c)) + ")"
}

// TokenizerError is the error LoadTokenizerJSON and ReadTokenizerJSON return.
// Pos is "line:col" when the failure has a position in the file.
type TokenizerError struct {
	Code TokenizerErrorCode
	Path string
	Pos  string
	Msg  string
	Err  error
}

func (e *TokenizerError) Error() string {
	loc := e.Path
	if e.Pos != "" {
		loc += ":" + e.Pos
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: tokenizer %s: %s: %v", loc, e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: tokenizer %s: %s", loc, e.Code, e.Msg)
}

func (e *TokenizerError) Unwrap() error { return e.Err }

// TokenizerJSON is the part of a Hugging Face tokenizer.json that the decoder
// and the tiny-model writer need, still in the file's own spelling (byte-level
// BPE tokens are in the GPT-2 unicode alphabet, as GGUF stores them too).
type TokenizerJSON struct {
	Path      string
	ModelType string // "BPE", "Unigram", "WordPiece"
	// ByteLevel is true for GPT-2 style byte-level tokenizers (Llama-3, Cohere);
	// false means SentencePiece spelling (▁ for space, <0xNN> byte tokens).
	ByteLevel bool
	Tokens    []string // id → token text as written in the file; "" for unused ids
	Merges    []string // BPE merges as "left right"
	Added     []bool   // id is listed in added_tokens
	Special   []bool   // id is an added token marked special (or an unused id)
}

type rawTokenizer struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	} `json:"added_tokens"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Decoder      json.RawMessage `json:"decoder"`
	Model        struct {
		Type   string          `json:"type"`
		Vocab  json.RawMessage `json:"vocab"`
		Merges json.RawMessage `json:"merges"`
	} `json:"model"`
}

// maxTokenizerVocab bounds the vocabulary so that a corrupt id cannot make
// us allocate gigabytes; the largest real vocabularies are ~260K.
const maxTokenizerVocab = 1 << 22

// ReadTokenizerJSON parses a tokenizer.json without decoding token bytes.
func ReadTokenizerJSON(path string) (*TokenizerJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		code := TokenizerCorrupt
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			code = TokenizerMissing
		}
		return nil, &TokenizerError{Code: code, Path: path, Msg: "cannot read file", Err: err}
	}
	var raw rawTokenizer
	if err := json.Unmarshal(data, &raw); err != nil {
		te := &TokenizerError{Code: TokenizerCorrupt, Path: path, Msg: "invalid JSON", Err: err}
		var se *json.SyntaxError
		var ue *json.UnmarshalTypeError
		if errors.As(err, &se) {
			te.Pos = lineCol(data, se.Offset-1) // Offset is just past the bad byte
		} else if errors.As(err, &ue) {
			te.Pos = lineCol(data, ue.Offset-1)
		}
		return nil, te
	}
	corrupt := func(msg string, a ...any) error {
		return &TokenizerError{Code: TokenizerCorrupt, Path: path, Msg: fmt.Sprintf(msg, a...)}
	}
	t := &TokenizerJSON{Path: path, ModelType: raw.Model.Type}
	ids := map[int]string{}
	maxID := -1
	put := func(id int, s string) error {
		if id < 0 || id >= maxTokenizerVocab {
			return corrupt("token id %d out of range [0,%d)", id, maxTokenizerVocab)
		}
		ids[id] = s
		maxID = max(maxID, id)
		return nil
	}
	switch raw.Model.Type {
	case "BPE", "WordPiece", "WordLevel":
		var vocab map[string]int
		if err := json.Unmarshal(raw.Model.Vocab, &vocab); err != nil {
			return nil, corrupt("model.vocab is not a map of token → id: %v", err)
		}
		for s, id := range vocab {
			if err := put(id, s); err != nil {
				return nil, err
			}
		}
	case "Unigram":
		var vocab [][2]any
		if err := json.Unmarshal(raw.Model.Vocab, &vocab); err != nil {
			return nil, corrupt("model.vocab is not a list of [piece, score]: %v", err)
		}
		for id, e := range vocab {
			s, ok := e[0].(string)
			if !ok {
				return nil, corrupt("model.vocab[%d] has no string piece", id)
			}
			if err := put(id, s); err != nil {
				return nil, err
			}
		}
	case "":
		return nil, corrupt("model.type is missing")
	default:
		return nil, &TokenizerError{Code: TokenizerUnsupported, Path: path, Msg: "model type " + strconv.Quote(raw.Model.Type)}
	}
	if len(raw.Model.Merges) > 0 && string(raw.Model.Merges) != "null" {
		// Older files spell a merge "a b", newer ones ["a","b"].
		var asStrings []string
		if err := json.Unmarshal(raw.Model.Merges, &asStrings); err == nil {
			t.Merges = asStrings
		} else {
			var asPairs [][2]string
			if err := json.Unmarshal(raw.Model.Merges, &asPairs); err != nil {
				return nil, corrupt("model.merges is neither [\"a b\"] nor [[\"a\",\"b\"]]")
			}
			t.Merges = make([]string, len(asPairs))
			for i, p := range asPairs {
				t.Merges[i] = p[0] + " " + p[1]
			}
		}
	}
	special := map[int]bool{}
	for _, a := range raw.AddedTokens {
		if err := put(a.ID, a.Content); err != nil {
			return nil, err
		}
		special[a.ID] = a.Special
	}
	if maxID < 0 {
		return nil, corrupt("empty vocabulary")
	}
	n := maxID + 1
	t.Tokens = make([]string, n)
	t.Added = make([]bool, n)
	t.Special = make([]bool, n)
	for id := range n {
		s, ok := ids[id]
		if !ok {
			t.Special[id] = true // an id no token uses can never be emitted
			continue
		}
		t.Tokens[id] = s
		sp, added := special[id]
		t.Added[id] = added
		t.Special[id] = sp
	}
	t.ByteLevel = bytes.Contains(raw.PreTokenizer, []byte(`"ByteLevel"`)) || bytes.Contains(raw.Decoder, []byte(`"ByteLevel"`))
	return t, nil
}

// LoadTokenizerJSON reads a Hugging Face tokenizer.json and returns the byte
// string of every token id. Byte-level BPE tokens are mapped back through the
// GPT-2 byte↔unicode table; SentencePiece-style tokens turn ▁ into a space and
// <0xNN> into that byte. Added tokens marked special get empty pieces.
func LoadTokenizerJSON(path string) (*Vocab, error) {
	t, err := ReadTokenizerJSON(path)
	if err != nil {
		return nil, err
	}
	return t.Vocab()
}

// Vocab decodes the token texts to bytes.
func (t *TokenizerJSON) Vocab() (*Vocab, error) {
	if t.ModelType == "WordPiece" || t.ModelType == "WordLevel" {
		// A WordPiece piece's bytes depend on its neighbour ("##" joins, a
		// plain piece adds a space), so no fixed token → bytes table exists.
		return nil, &TokenizerError{Code: TokenizerUnsupported, Path: t.Path, Msg: "model type " + t.ModelType + " has no fixed token → bytes mapping"}
	}
	n := len(t.Tokens)
	v := &Vocab{Pieces: make([][]byte, n), Special: make([]bool, n), BOS: -1}
	for id, s := range t.Tokens {
		if t.Added[id] && isName(s, eogNames) {
			v.EOG = append(v.EOG, id)
		}
		if t.Added[id] && v.BOS < 0 && isName(s, bosNames) {
			v.BOS = id
		}
		if t.Special[id] {
			v.Special[id] = true
			continue
		}
		switch {
		case t.Added[id]:
			v.Pieces[id] = []byte(s) // added non-special tokens are literal text
		case t.ByteLevel:
			b, ok := byteLevelDecode(s)
			if !ok {
				// Some vocabularies (Cohere's) hold tokens spelled in plain
				// Unicode that byte-level BPE can never produce; like the HF
				// ByteLevel decoder, emit their UTF-8.
				b = []byte(s)
			}
			v.Pieces[id] = b
		default:
			v.Pieces[id] = sentencePieceDecode(s)
		}
	}
	return v, nil
}

var bosNames = []string{"<|begin_of_text|>", "<s>", "<BOS_TOKEN>", "<bos>", "<|startoftext|>"}

func isName(s string, names []string) bool {
	for _, n := range names {
		if s == n {
			return true
		}
	}
	return false
}

// byteLevelRune[b] is the printable rune GPT-2's byte-level BPE uses for byte
// b: printable Latin-1 bytes stand for themselves, the others are shifted to
// 256+k in byte order so that every token is printable text.
var byteLevelRune [256]rune

// byteLevelByte inverts byteLevelRune; -1 marks runes outside the alphabet.
var byteLevelByte [324]int16

func init() {
	for i := range byteLevelByte {
		byteLevelByte[i] = -1
	}
	k := 0
	for b := range 256 {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			byteLevelRune[b] = rune(b)
		} else {
			byteLevelRune[b] = rune(256 + k)
			k++
		}
		byteLevelByte[byteLevelRune[b]] = int16(b)
	}
}

func byteLevelDecode(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < 0 || int(r) >= len(byteLevelByte) || byteLevelByte[r] < 0 {
			return nil, false
		}
		out = append(out, byte(byteLevelByte[r]))
	}
	return out, true
}

// ByteLevelEncode spells raw bytes in the GPT-2 byte-level alphabet (the
// inverse of the decoding LoadTokenizerJSON applies).
func ByteLevelEncode(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(byteLevelRune[c])
	}
	return sb.String()
}

func sentencePieceDecode(s string) []byte {
	if len(s) == 6 && strings.HasPrefix(s, "<0x") && s[5] == '>' {
		if b, err := strconv.ParseUint(s[3:5], 16, 8); err == nil {
			return []byte{byte(b)}
		}
	}
	return []byte(strings.ReplaceAll(s, "▁", " "))
}

func lineCol(data []byte, off int64) string {
	off = max(0, min(off, int64(len(data))))
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("%d:%d", line, col)
}
