package tinymodel

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ollama/ollama/fs/ggml"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/internal/modfile"
	"github.com/specplan/specplan/internal/outfile"
)

// TokenizerSource is a vocabulary in GGUF's spelling (tokenizer.ggml.*).
type TokenizerSource struct {
	Tokens []string // byte-level BPE text of each id
	Types  []int32  // 1 normal, 3 control (llama_token_type)
	Merges []string // "left right"
	BOS    int
	EOS    int
	// Pre is the pre-tokenizer llama.cpp applies (tokenizer.ggml.pre; "":
	// llama-bpe, Llama-3's).
	Pre string
	// SentencePiece writes the vocabulary as llama.cpp's SPM tokenizer
	// reads it (tokenizer.ggml.model "llama", no space prefix): Tokens in
	// SentencePiece spelling (▁ for space, <0xNN> byte tokens) and Scores
	// instead of Merges (Gemma's).
	SentencePiece bool
	Scores        []float32
	// NoBOS writes tokenizer.ggml.add_bos_token false: llama.cpp then adds
	// no BOS token (Qwen's vocabulary has none of its own).
	NoBOS bool
	// ChatTemplate is written as tokenizer.chat_template ("": the Llama-3
	// style ChatTemplate).
	ChatTemplate string
}

// RenameControlTokens gives unused control tokens of the vocabulary
// (Llama-3's `<|reserved_special_token_N|>`, taken from N = 0 up) the given
// names, so that a test model with the real Llama-3 vocabulary also has
// another chat family's control tokens (ChatML's `<|im_start|>` …) as
// special tokens. It returns their ids, in order.
func (s *TokenizerSource) RenameControlTokens(names ...string) ([]int, error) {
	var ids []int
	for n := 0; len(ids) < len(names); n++ {
		reserved := fmt.Sprintf("<|reserved_special_token_%d|>", n)
		id := slices.Index(s.Tokens, reserved)
		if id < 0 {
			return nil, fmt.Errorf("tinymodel: only %d unused control tokens for %d names", len(ids), len(names))
		}
		if s.Types[id] != typeControl {
			continue
		}
		s.Tokens[id] = names[len(ids)]
		ids = append(ids, id)
	}
	return ids, nil
}

// Family is a chat model family as a test model carries it: its chat
// template and the control tokens the template writes.
type Family struct {
	Name     string
	Template string   // written as tokenizer.chat_template
	Controls []string // control tokens the template writes (`<|im_start|>`, `[INST]`)
	BOS, EOS string   // texts of the BOS and EOS tokens ("": keep the vocabulary's)
}

// UseFamily makes the vocabulary carry family f: its template, each of
// its control tokens as a control token (kept where the vocabulary has it
// already, else given to an unused reserved token, RenameControlTokens),
// and its BOS and EOS. llama.cpp then treats the EOS, and tokens it knows
// by name (`<|im_end|>`, `<|end_of_text|>`), as end-of-generation tokens.
func (s *TokenizerSource) UseFamily(f Family) error {
	var missing []string
	for _, c := range append(slices.Clone(f.Controls), f.BOS, f.EOS) {
		if c == "" || slices.Contains(missing, c) {
			continue
		}
		if id := slices.Index(s.Tokens, c); id >= 0 {
			if s.Types[id] != typeControl {
				return fmt.Errorf("tinymodel: family %s: %q is in the vocabulary as text, not as a control token", f.Name, c)
			}
			continue
		}
		missing = append(missing, c)
	}
	if _, err := s.RenameControlTokens(missing...); err != nil {
		return fmt.Errorf("tinymodel: family %s: %w", f.Name, err)
	}
	if f.BOS != "" {
		s.BOS = slices.Index(s.Tokens, f.BOS)
	}
	if f.EOS != "" {
		s.EOS = slices.Index(s.Tokens, f.EOS)
	}
	s.ChatTemplate = f.Template
	return nil
}

// GGUF token types (llama.cpp's llama_token_type).
const (
	typeNormal      = 1
	typeControl     = 3
	typeUserDefined = 4
	typeByte        = 6
)

// FromTokenizerJSON converts a byte-level BPE tokenizer.json (Llama-3 style).
func FromTokenizerJSON(t *decoder.TokenizerJSON) (*TokenizerSource, error) {
	return fromByteLevel(t, "<|begin_of_text|>", "<|eot_id|>", "Llama-3")
}

// fromByteLevel converts a byte-level BPE tokenizer.json whose BOS and EOS
// tokens are spelled bos and eos. Token types follow llama.cpp's
// converter (convert_hf_to_gguf.py), so that the model tokenizes as a GGUF
// of the real model does: an added token marked special, or one that looks
// special (`<|…|>`), is a control token; any other added token
// (Qwen's `<tool_call>`, `<think>`) is user-defined, which llama.cpp
// matches as one token even with special-token parsing off, as
// transformers does.
func fromByteLevel(t *decoder.TokenizerJSON, bos, eos, family string) (*TokenizerSource, error) {
	if t.ModelType != "BPE" || !t.ByteLevel {
		return nil, fmt.Errorf("tinymodel: %s: need a byte-level BPE tokenizer, have %s (byte-level %v)", t.Path, t.ModelType, t.ByteLevel)
	}
	s := &TokenizerSource{Tokens: t.Tokens, Merges: t.Merges, Types: make([]int32, len(t.Tokens)), BOS: -1, EOS: -1}
	for id, tok := range t.Tokens {
		switch {
		case t.Special[id] || (t.Added[id] && strings.HasPrefix(tok, "<|") && strings.HasSuffix(tok, "|>")):
			s.Types[id] = typeControl
		case t.Added[id]:
			s.Types[id] = typeUserDefined
		default:
			s.Types[id] = typeNormal
		}
		if tok == "" {
			// GGUF needs a text for every id; unused ids become control tokens.
			s.Tokens[id] = fmt.Sprintf("<|unused_%d|>", id)
			s.Types[id] = typeControl
		}
		switch tok {
		case bos:
			s.BOS = id
		case eos:
			s.EOS = id
		}
	}
	if s.BOS < 0 || s.EOS < 0 {
		return nil, fmt.Errorf("tinymodel: %s: no %s/%s tokens: not a %s vocabulary", t.Path, bos, eos, family)
	}
	return s, nil
}

// Options are the model's hyperparameters.
type Options struct {
	Seed    int64
	Embd    int // n_embd, a multiple of Heads
	Layers  int
	Heads   int
	FF      int // feed-forward width
	Context int // training context length written to the metadata
}

// SmallOptions make the smallest useful model (n_embd 32, 1 layer): what
// tests use, so that decoding costs little beyond the vocabulary projection.
var SmallOptions = Options{Seed: 42, Embd: 32, Layers: 1, Heads: 2, FF: 64, Context: 4096}

// WriteSmall writes a model with SmallOptions and the Llama-3 vocabulary to
// path: the one recipe every test that needs a real model uses.
func WriteSmall(path string) error {
	src, err := Llama3()
	if err != nil {
		return err
	}
	return Write(path, src, SmallOptions)
}

// DefaultOptions are those of the cached default model.
var DefaultOptions = Options{Seed: 1, Embd: 64, Layers: 2, Heads: 4, FF: 128, Context: 8192}

// ChatTemplate is the (Llama-3 style) chat template written to the model.
const ChatTemplate = "{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n{{ message['content'] }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"

func (o Options) check() error {
	switch {
	case o.Embd <= 0 || o.Layers <= 0 || o.Heads <= 0 || o.FF <= 0 || o.Context <= 0:
		return fmt.Errorf("tinymodel: all sizes must be positive: %+v", o)
	case o.Embd%o.Heads != 0 || (o.Embd/o.Heads)%2 != 0:
		return fmt.Errorf("tinymodel: Embd %d must be a multiple of Heads %d with an even head size (RoPE)", o.Embd, o.Heads)
	case o.Embd > 1<<14 || o.FF > 1<<16 || o.Layers > 64:
		return fmt.Errorf("tinymodel: sizes beyond the tiny-model limits (Embd ≤ 16384, FF ≤ 65536, Layers ≤ 64): %+v", o)
	}
	return nil
}

// Write writes the model to path atomically (internal/outfile: a temporary
// file in the same directory, renamed when complete, removed if a signal
// comes first), so no reader sees half a file. A FIFO or character device
// is written in place; a symbolic link to a file is refused; "-" is
// standard output (not a terminal).
func Write(path string, src *TokenizerSource, opts Options) (err error) {
	if err := opts.check(); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	f, err := outfile.Create(path, outfile.Options{Binary: true})
	if err != nil {
		return fmt.Errorf("tinymodel: %w", err)
	}
	if err := Encode(f, src, opts); err != nil {
		return fmt.Errorf("tinymodel: %w", f.Fail(err))
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("tinymodel: %w", err)
	}
	return nil
}

func (src *TokenizerSource) check() error {
	if n := len(src.Tokens); n == 0 || len(src.Types) != n || src.SentencePiece && len(src.Scores) != n {
		return errors.New("tinymodel: empty tokenizer or Types/Scores/Tokens length mismatch")
	}
	return nil
}

// Encode writes the model as GGUF to out (Write's bytes, for a caller with
// its own destination: standard output, a pipe). GGUF is written at offsets,
// so an out that cannot seek gets the model through an unlinked scratch
// file in os.TempDir, copied when complete.
func Encode(out io.Writer, src *TokenizerSource, opts Options) error {
	if err := opts.check(); err != nil {
		return err
	}
	if err := src.check(); err != nil {
		return err
	}
	n := len(src.Tokens)
	kv := ggml.KV{
		"general.architecture":                   "llama",
		"general.name":                           "specplan-tiny-llama3",
		"general.file_type":                      uint32(1), // mostly F16
		"llama.context_length":                   uint32(opts.Context),
		"llama.embedding_length":                 uint32(opts.Embd),
		"llama.block_count":                      uint32(opts.Layers),
		"llama.feed_forward_length":              uint32(opts.FF),
		"llama.attention.head_count":             uint32(opts.Heads),
		"llama.attention.head_count_kv":          uint32(opts.Heads),
		"llama.attention.layer_norm_rms_epsilon": float32(1e-5),
		"llama.rope.freq_base":                   float32(500000),
		"llama.rope.dimension_count":             uint32(opts.Embd / opts.Heads),
		"llama.vocab_size":                       uint32(n),
		"tokenizer.ggml.model":                   "gpt2",
		// Without pre=llama-bpe llama.cpp splits text with the GPT-2 regex
		// and tokenizes Llama-3 text wrongly without saying so.
		"tokenizer.ggml.pre":           cmp.Or(src.Pre, "llama-bpe"),
		"tokenizer.ggml.tokens":        src.Tokens,
		"tokenizer.ggml.token_type":    src.Types,
		"tokenizer.ggml.merges":        src.Merges,
		"tokenizer.ggml.bos_token_id":  uint32(src.BOS),
		"tokenizer.ggml.eos_token_id":  uint32(src.EOS),
		"tokenizer.ggml.add_bos_token": !src.NoBOS,
		"tokenizer.chat_template":      cmp.Or(src.ChatTemplate, ChatTemplate),
	}
	if src.SentencePiece {
		kv["tokenizer.ggml.model"] = "llama"
		kv["tokenizer.ggml.add_space_prefix"] = false
		kv["tokenizer.ggml.scores"] = src.Scores
		delete(kv, "tokenizer.ggml.merges")
		delete(kv, "tokenizer.ggml.pre")
	}
	e, ff := uint64(opts.Embd), uint64(opts.FF)
	var ts []*ggml.Tensor
	add := func(name string, kind uint32, scale float32, shape ...uint64) {
		h := fnv.New64a()
		io.WriteString(h, name)
		ts = append(ts, &ggml.Tensor{Name: name, Kind: kind, Shape: shape,
			WriterTo: &randTensor{seed: uint64(opts.Seed) ^ h.Sum64(), kind: kind, scale: scale, n: product(shape)}})
	}
	const f32, f16 = 0, 1
	// Shapes are in ggml order (input width first). No output.weight: llama.cpp
	// then ties the output projection to token_embd.
	// Embedding rows of norm ~1 keep the tied output's logits at unit scale:
	// peaked enough to be a "model", flat enough that sampling varies by seed.
	w := float32(1 / math.Sqrt(float64(opts.Embd)))
	add("token_embd.weight", f16, w, e, uint64(n))
	add("output_norm.weight", f32, 0, e)
	for l := range opts.Layers {
		p := fmt.Sprintf("blk.%d.", l)
		add(p+"attn_norm.weight", f32, 0, e)
		add(p+"attn_q.weight", f16, w, e, e)
		add(p+"attn_k.weight", f16, w, e, e)
		add(p+"attn_v.weight", f16, w, e, e)
		add(p+"attn_output.weight", f16, w, e, e)
		add(p+"ffn_norm.weight", f32, 0, e)
		add(p+"ffn_gate.weight", f16, w, e, ff)
		add(p+"ffn_up.weight", f16, w, e, ff)
		add(p+"ffn_down.weight", f16, float32(1/math.Sqrt(float64(opts.FF))), ff, e)
	}
	if s, ok := out.(interface{ Seekable() *os.File }); ok && s.Seekable() != nil {
		out = s.Seekable()
	}
	if f, ok := out.(*os.File); ok {
		if _, err := f.Seek(0, io.SeekCurrent); err == nil {
			return ggml.WriteGGUF(f, kv, ts)
		}
	}
	scratch, err := os.CreateTemp("", "specplan-tinymodel-*")
	if err != nil {
		return err
	}
	os.Remove(scratch.Name()) // unlinked: nothing is left, whatever happens
	defer scratch.Close()
	if err := ggml.WriteGGUF(scratch, kv, ts); err != nil {
		return err
	}
	if _, err := scratch.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = io.Copy(out, scratch)
	return err
}

func product(s []uint64) uint64 {
	p := uint64(1)
	for _, x := range s {
		p *= x
	}
	return p
}

// randTensor writes n seeded normal values × scale; scale 0 means all ones
// (RMS-norm weights).
type randTensor struct {
	seed  uint64
	kind  uint32
	scale float32
	n     uint64
}

func (r *randTensor) WriteTo(w io.Writer) (int64, error) {
	rng := rand.New(rand.NewPCG(r.seed, r.seed>>1|1))
	size := 4
	if r.kind == 1 {
		size = 2
	}
	buf := make([]byte, 0, 64<<10)
	var written int64
	for i := uint64(0); i < r.n; i++ {
		v := float32(1)
		if r.scale != 0 {
			v = float32(rng.NormFloat64()) * r.scale
		}
		if size == 2 {
			buf = binary.LittleEndian.AppendUint16(buf, f16bits(v))
		} else {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		if len(buf) >= cap(buf)-4 || i == r.n-1 {
			k, err := w.Write(buf)
			written += int64(k)
			if err != nil {
				return written, err
			}
			buf = buf[:0]
		}
	}
	return written, nil
}

// f16bits converts to IEEE half precision, rounding to nearest even.
func f16bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case b&0x7fffffff == 0:
		return sign
	case exp >= 31: // overflow (or Inf/NaN, which the generator never makes)
		return sign | 0x7c00
	case exp <= 0: // subnormal half
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is still correct
	}
	return sign | uint16(half)
}

// formatVersion changes whenever Write's output for the same inputs changes,
// so that DefaultPath names a new file.
const formatVersion = "2"

// DefaultPath is where EnsureDefault keeps the default model:
// os.UserCacheDir()/specplan/tiny-llama3-<hash>.gguf, the hash covering the
// options, the tokenizer source and the writer's format version.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("tinymodel: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s|%+v|%s", formatVersion, DefaultOptions, modfile.Llama3Tokenizer)
	return filepath.Join(dir, "specplan", "tiny-llama3-"+hex.EncodeToString(h.Sum(nil))[:12]+".gguf"), nil
}

// EnsureDefault returns DefaultPath, writing the model there first if it is
// not there yet (once; concurrent callers each write a temporary file and the
// renames make one of them win with identical content).
func EnsureDefault() (string, error) {
	path, err := DefaultPath()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("tinymodel: %w", err)
	}
	src, err := Llama3()
	if err != nil {
		return "", err
	}
	if err := Write(path, src, DefaultOptions); err != nil {
		return "", err
	}
	return path, nil
}

// Llama3 reads the Llama-3 tokenizer shipped in a Go module
// (found in the Go module cache by internal/modfile, never downloaded:
// scripts/setup.sh fetches it) as a TokenizerSource.
func Llama3() (*TokenizerSource, error) {
	p, err := modfile.Tokenizer(modfile.Llama3Tokenizer)
	if err != nil {
		return nil, err
	}
	t, err := decoder.ReadTokenizerJSON(p)
	if err != nil {
		return nil, err
	}
	return FromTokenizerJSON(t)
}
