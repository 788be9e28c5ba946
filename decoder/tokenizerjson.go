package decoder

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/specplan/specplan/internal/readlimit"
	"github.com/specplan/specplan/internal/strictjson"
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

// Limits on a tokenizer.json, which is a model file and as untrusted as any
// input: the largest real ones (Gemma 3) are ~33 MB with ~1M JSON values.
const (
	// maxTokenizerBytes bounds the file.
	maxTokenizerBytes = 64 << 20
	// maxTokenizerValues bounds the parsed tree (32 bytes a value), which
	// the file size alone would let reach a gigabyte.
	maxTokenizerValues = 8 << 20
)

// maxTokenizerVocab bounds the vocabulary so that a corrupt id cannot make
// us allocate gigabytes; the largest real vocabularies are ~260K.
const maxTokenizerVocab = 1 << 22

// ReadTokenizerJSON parses a tokenizer.json without decoding token bytes.
// The JSON is read strictly (internal/strictjson: exact keys, no duplicates,
// valid UTF-8) under a size and a value-count limit.
func ReadTokenizerJSON(path string) (*TokenizerJSON, error) {
	data, err := readLimited(path, maxTokenizerBytes)
	if err != nil {
		code := TokenizerCorrupt
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			code = TokenizerMissing
		}
		return nil, &TokenizerError{Code: code, Path: path, Msg: "cannot read file", Err: err}
	}
	root, err := strictjson.Parse(data, strictjson.Limits{MaxValues: maxTokenizerValues})
	if err != nil {
		te := &TokenizerError{Code: TokenizerCorrupt, Path: path, Msg: "invalid JSON", Err: err}
		var je *strictjson.Error
		if errors.As(err, &je) {
			te.Pos = lineCol(data, int64(je.Offset))
			te.Err = errors.New(je.Msg)
		}
		return nil, te
	}
	corrupt := func(msg string, a ...any) error {
		return &TokenizerError{Code: TokenizerCorrupt, Path: path, Msg: fmt.Sprintf(msg, a...)}
	}
	corruptAt := func(v *strictjson.Value, msg string, a ...any) error {
		return &TokenizerError{Code: TokenizerCorrupt, Path: path, Pos: lineCol(data, int64(v.Offset())), Msg: fmt.Sprintf(msg, a...)}
	}
	if root.Kind() != strictjson.Object {
		return nil, corruptAt(root, "not a JSON object")
	}
	model := root.Get("model")
	if model != nil && model.Kind() != strictjson.Object {
		return nil, corruptAt(model, "model is not an object")
	}
	// encoding/json would read "Model" as "model": a key that differs from
	// a known one only in case is refused, not silently ignored.
	for _, o := range []struct {
		v     *strictjson.Value
		known []string
	}{{root, []string{"model", "added_tokens", "pre_tokenizer", "decoder"}}, {model, []string{"type", "vocab", "merges"}}} {
		if k, want, bad := o.v.CaseVariant(o.known...); bad {
			return nil, corruptAt(k, "key %q differs from %q only in case; keys are case-sensitive", k.Text(), want)
		}
	}
	modelType := ""
	if ty := model.Get("type"); ty != nil {
		if ty.Kind() != strictjson.String {
			return nil, corruptAt(ty, "model.type is not a string")
		}
		modelType = ty.Text()
	}
	t := &TokenizerJSON{Path: path, ModelType: modelType}
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
	vocab := model.Get("vocab")
	switch modelType {
	case "BPE", "WordPiece", "WordLevel":
		if vocab == nil || vocab.Kind() != strictjson.Object {
			return nil, corrupt("model.vocab is not a map of token → id")
		}
		for i := range vocab.Len() {
			k, v := vocab.Member(i)
			id, ok := intValue(v)
			if !ok {
				return nil, corruptAt(v, "model.vocab[%q] is not an integer id", k.Text())
			}
			if err := put(id, k.Text()); err != nil {
				return nil, err
			}
		}
	case "Unigram":
		if vocab == nil || vocab.Kind() != strictjson.Array {
			return nil, corrupt("model.vocab is not a list of [piece, score]")
		}
		for id := range vocab.Len() {
			e := vocab.Elem(id)
			if e.Kind() != strictjson.Array || e.Len() != 2 || e.Elem(1).Kind() != strictjson.Number {
				return nil, corruptAt(e, "model.vocab[%d] is not a [piece, score] pair", id)
			}
			if e.Elem(0).Kind() != strictjson.String {
				return nil, corruptAt(e, "model.vocab[%d] has no string piece", id)
			}
			if err := put(id, e.Elem(0).Text()); err != nil {
				return nil, err
			}
		}
	case "":
		return nil, corrupt("model.type is missing")
	default:
		return nil, &TokenizerError{Code: TokenizerUnsupported, Path: path, Msg: "model type " + strconv.Quote(modelType)}
	}
	if merges := model.Get("merges"); merges != nil && merges.Kind() != strictjson.Null {
		// Older files spell a merge "a b", newer ones ["a","b"].
		if merges.Kind() != strictjson.Array {
			return nil, corruptAt(merges, "model.merges is neither [\"a b\"] nor [[\"a\",\"b\"]]")
		}
		t.Merges = make([]string, merges.Len())
		for i := range merges.Len() {
			m := merges.Elem(i)
			switch {
			case m.Kind() == strictjson.String:
				t.Merges[i] = m.Text()
			case m.Kind() == strictjson.Array && m.Len() == 2 && m.Elem(0).Kind() == strictjson.String && m.Elem(1).Kind() == strictjson.String:
				t.Merges[i] = m.Elem(0).Text() + " " + m.Elem(1).Text()
			default:
				return nil, corruptAt(m, "model.merges is neither [\"a b\"] nor [[\"a\",\"b\"]]")
			}
		}
	}
	type addedToken struct {
		id      int
		content string
		special bool
	}
	var added []addedToken
	if at := root.Get("added_tokens"); at != nil && at.Kind() != strictjson.Null {
		if at.Kind() != strictjson.Array {
			return nil, corruptAt(at, "added_tokens is not a list")
		}
		for i := range at.Len() {
			a := at.Elem(i)
			if a.Kind() != strictjson.Object {
				return nil, corruptAt(a, "added_tokens[%d] is not an object", i)
			}
			var tok addedToken
			if v := a.Get("id"); v != nil {
				id, ok := intValue(v)
				if !ok {
					return nil, corruptAt(v, "added_tokens[%d].id is not an integer", i)
				}
				tok.id = id
			}
			if v := a.Get("content"); v != nil {
				if v.Kind() != strictjson.String {
					return nil, corruptAt(v, "added_tokens[%d].content is not a string", i)
				}
				tok.content = v.Text()
			}
			if v := a.Get("special"); v != nil {
				if v.Kind() != strictjson.Bool {
					return nil, corruptAt(v, "added_tokens[%d].special is not a boolean", i)
				}
				tok.special = v.Text() == "true"
			}
			added = append(added, tok)
		}
	}
	special := map[int]bool{}
	for _, a := range added {
		if err := put(a.id, a.content); err != nil {
			return nil, err
		}
		special[a.id] = a.special
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
	mentions := func(key string) bool {
		v := root.Get(key)
		return v != nil && bytes.Contains(v.Raw(data), []byte(`"ByteLevel"`))
	}
	t.ByteLevel = mentions("pre_tokenizer") || mentions("decoder")
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

// intValue reads a JSON integer that fits an int.
func intValue(v *strictjson.Value) (int, bool) {
	if v.Kind() != strictjson.Number {
		return 0, false
	}
	n, err := strconv.Atoi(v.Text())
	return n, err == nil
}

// readLimited reads path, refusing a file over limit bytes without reading
// more than limit+1.
func readLimited(path string, limit int64) ([]byte, error) {
	data, over, err := readlimit.File(path, limit)
	if over {
		return nil, fmt.Errorf("larger than the limit of %d bytes for a tokenizer.json (a fixed limit)", limit)
	}
	return data, err
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
