package llama

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	ollama "github.com/ollama/ollama/llama"
	"github.com/specplan/specplan/decoder"
)

// ErrorCode classifies a failure of this package.
type ErrorCode int

const (
	// ErrMissing: the model file does not exist or cannot be opened.
	ErrMissing ErrorCode = iota + 1
	// ErrNotGGUF: the file does not start with the GGUF magic, is too short,
	// or has a count or length in its metadata that the file cannot hold.
	ErrNotGGUF
	// ErrLoad: llama.cpp refused the file (corrupt tensors, unknown architecture…).
	ErrLoad
	// ErrContext: the sequence would exceed the context size (a limit).
	ErrContext
	// ErrDecode: llama_decode failed.
	ErrDecode
	// ErrToken: a token id outside the vocabulary.
	ErrToken
	// ErrGrammar: llama.cpp could not parse a GBNF grammar.
	ErrGrammar
	// ErrClosed: the Model was used after Close.
	ErrClosed
)

func (c ErrorCode) String() string {
	switch c {
	case ErrMissing:
		return "missing"
	case ErrNotGGUF:
		return "not GGUF"
	case ErrLoad:
		return "load"
	case ErrContext:
		return "context"
	case ErrDecode:
		return "decode"
	case ErrToken:
		return "token"
	case ErrGrammar:
		return "grammar"
	case ErrClosed:
		return "closed"
	}
	return "ErrorCode(" + strconv.Itoa(int(c)) + ")"
}

// Error is the error type of this package.
type Error struct {
	Code ErrorCode
	Path string // model file, when known
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	s := "llama: "
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Options configures Load. Zero values pick the defaults.
type Options struct {
	ContextSize int // tokens; default 4096, capped at the model's training context
	// BatchSize is the number of tokens per llama_decode call; llama.cpp
	// reserves BatchSize × vocabulary × 4 bytes for logits, so the default is 64.
	BatchSize int
	// Threads for llama.cpp; default 1 for models with n_embd ≤ 512 (their
	// per-token work is too small to split, and llama.cpp's spinning thread
	// barrier collapses when the CPU is shared: measured 170 tok/s with 1
	// thread vs 5 tok/s with 2 on a busy 2-core machine), else GOMAXPROCS.
	Threads  int
	Verbose  bool // let llama.cpp log to stderr
	Progress func(float32)
}

// Model is a loaded GGUF with one llama.cpp context; it implements
// decoder.Backend. It is not safe for concurrent use.
type Model struct {
	path  string
	model *ollama.Model
	ctx   *ollama.Context
	batch *ollama.Batch
	vocab *decoder.Vocab
	// userDefined[id]: an added token shaped like markup (markerShaped)
	// that llama.cpp matches in any text, even with special-token parsing
	// off (Qwen's `<tool_call>`, `<think>`); Tokenize without parseSpecial
	// never returns one.
	userDefined []bool
	template    string
	nctx        int
	nbatch      int
	pos         int
	logits      []float32 // nil until a Decode, then logitBuf
	logitBuf    []float32
	verbose     bool
	closed      bool
}

var _ decoder.Backend = (*Model)(nil)

var initOnce sync.Once

// backendInit initialises ggml once. ggml reports the CPU backend through
// slog at INFO; unless verbose, that record is dropped by swapping the slog
// default for the duration of the call (the log package's settings, which
// slog.SetDefault changes, are restored too).
func backendInit(verbose bool) {
	initOnce.Do(func() {
		installLogHook()
		if verbose {
			ollama.BackendInit()
			return
		}
		prev := slog.Default()
		w, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
		slog.SetDefault(slog.New(minLevel{prev.Handler(), slog.LevelWarn}))
		defer func() {
			slog.SetDefault(prev)
			log.SetOutput(w)
			log.SetFlags(flags)
			log.SetPrefix(prefix)
		}()
		ollama.BackendInit()
	})
}

// minLevel passes on records at or above min.
type minLevel struct {
	h   slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.h.Enabled(ctx, l)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error { return m.h.Handle(ctx, r) }
func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler            { return minLevel{m.h.WithAttrs(a), m.min} }
func (m minLevel) WithGroup(g string) slog.Handler                 { return minLevel{m.h.WithGroup(g), m.min} }

// Load opens a GGUF model file.
func Load(path string, opts Options) (*Model, error) {
	if err := checkGGUF(path); err != nil {
		return nil, err
	}
	if opts.ContextSize <= 0 {
		opts.ContextSize = 4096
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 64
	}
	m := &Model{path: path, verbose: opts.Verbose}
	if opts.Verbose {
		verboseModels.Add(1)
	}
	backendInit(opts.Verbose)
	takeRecentLog()
	lm, err := ollama.LoadModelFromFile(path, ollama.ModelParams{UseMmap: true, Progress: opts.Progress})
	if err != nil {
		m.release()
		return nil, &Error{Code: ErrLoad, Path: path, Msg: "llama.cpp cannot load the model", Err: llamaReason(err)}
	}
	m.model = lm
	if opts.Threads <= 0 {
		opts.Threads = 1
		if lm.NEmbd() > 512 {
			opts.Threads = runtime.GOMAXPROCS(0)
		}
	}
	if train, ok := metaString(lm, metaKey(lm, "context_length")); ok {
		if n, err := strconv.Atoi(train); err == nil && n > 0 && opts.ContextSize > n {
			opts.ContextSize = n
		}
	}
	opts.BatchSize = min(opts.BatchSize, opts.ContextSize)
	m.nctx, m.nbatch = opts.ContextSize, opts.BatchSize
	cp := ollama.NewContextParams(opts.ContextSize, opts.BatchSize, 1, opts.Threads, 0, "")
	if m.ctx, err = ollama.NewContextWithModel(lm, cp); err != nil {
		m.release()
		return nil, &Error{Code: ErrLoad, Path: path, Msg: "cannot create a llama.cpp context", Err: llamaReason(err)}
	}
	if m.batch, err = ollama.NewBatch(opts.BatchSize, 1, 0); err != nil {
		m.release()
		return nil, &Error{Code: ErrLoad, Path: path, Msg: "cannot allocate a batch", Err: err}
	}
	m.vocab, m.userDefined = readVocab(lm)
	m.template, _ = metaString(lm, "tokenizer.chat_template")
	return m, nil
}

func metaKey(m *ollama.Model, suffix string) string {
	arch, _ := metaString(m, "general.architecture")
	return arch + "." + suffix
}

func llamaReason(err error) error {
	if r := takeRecentLog(); r != "" {
		return fmt.Errorf("%w (%s)", err, r)
	}
	return err
}

var ggufMagic = []byte("GGUF")

// checkGGUF keeps files llama.cpp would choke on (or crash on) away from C.
func checkGGUF(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return &Error{Code: ErrMissing, Path: path, Msg: "cannot open model file", Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &Error{Code: ErrMissing, Path: path, Msg: "cannot stat model file", Err: err}
	}
	if st.IsDir() {
		return &Error{Code: ErrMissing, Path: path, Msg: "is a directory, not a model file"}
	}
	if !st.Mode().IsRegular() {
		return &Error{Code: ErrMissing, Path: path, Msg: "not a regular file"}
	}
	// magic, version, tensor count, kv count
	var head [24]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return &Error{Code: ErrNotGGUF, Path: path, Msg: fmt.Sprintf("file of %d bytes is too short for a GGUF header", st.Size())}
	}
	if !bytes.Equal(head[:4], ggufMagic) {
		return &Error{Code: ErrNotGGUF, Path: path, Msg: fmt.Sprintf("no GGUF magic (starts with %q)", head[:4])}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return &Error{Code: ErrMissing, Path: path, Msg: "cannot read model file", Err: err}
	}
	if err := checkGGUFLayout(f, st.Size()); err != nil {
		return &Error{Code: ErrNotGGUF, Path: path, Msg: "corrupt GGUF metadata", Err: err}
	}
	return nil
}

// readVocab reads the vocabulary through llama.cpp so that masks use
// exactly the bytes llama.cpp's detokenizer produces, and which tokens are
// user-defined (see Tokenize).
func readVocab(m *ollama.Model) (*decoder.Vocab, []bool) {
	n := m.NumVocab()
	buf := make([]byte, 256)
	v := &decoder.Vocab{Pieces: make([][]byte, n), Special: make([]bool, n), BOS: -1}
	var user []bool
	for id := range n {
		attr := tokenAttr(m, id)
		if attr&attrUserDefined != 0 && markerShaped(tokenPiece(m, id, buf)) {
			if user == nil {
				user = make([]bool, n)
			}
			user[id] = true
		}
		if m.TokenIsEog(id) {
			v.EOG = append(v.EOG, id)
		}
		if attr&(attrControl|attrUnknown|attrUnused) != 0 || attr == 0 {
			v.Special[id] = true
			continue
		}
		v.Pieces[id] = tokenPiece(m, id, buf)
	}
	if s, ok := metaString(m, "tokenizer.ggml.bos_token_id"); ok && m.AddBOSToken() {
		if b, err := strconv.Atoi(s); err == nil && b >= 0 && b < n {
			v.BOS = b
		}
	}
	return v, user
}

// markerShaped: a token text written like chat or call markup, `<…>` or
// `[…]` without spaces (`<tool_call>`, `</think>`, `[TOOL_CALLS]`). Other
// user-defined tokens are text the vocabulary's authors added for
// efficiency (Gemma's runs of spaces and tabs) and stay as they are.
func markerShaped(piece []byte) bool {
	n := len(piece)
	if n < 3 || bytes.ContainsAny(piece, " \t\r\n") {
		return false
	}
	return piece[0] == '<' && piece[n-1] == '>' || piece[0] == '[' && piece[n-1] == ']'
}

func (m *Model) release() {
	if m.batch != nil {
		m.batch.Free()
		m.batch = nil
	}
	if m.ctx != nil {
		freeContext(m.ctx)
		m.ctx = nil
	}
	if m.model != nil {
		ollama.FreeModel(m.model)
		m.model = nil
	}
	if m.verbose {
		verboseModels.Add(-1)
		m.verbose = false
	}
}

// Close frees the model and its context.
func (m *Model) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	m.release()
	return nil
}

func (m *Model) errClosed() error {
	return &Error{Code: ErrClosed, Path: m.path, Msg: "model is closed"}
}

// Path is the model file.
func (m *Model) Path() string { return m.path }

// Vocab implements decoder.Backend.
func (m *Model) Vocab() *decoder.Vocab { return m.vocab }

// ChatTemplate implements decoder.Backend: GGUF tokenizer.chat_template.
func (m *Model) ChatTemplate() string { return m.template }

// ContextSize implements decoder.Backend.
func (m *Model) ContextSize() int { return m.nctx }

// BatchSize is the number of tokens per llama_decode call.
func (m *Model) BatchSize() int { return m.nbatch }

// Position implements decoder.Backend.
func (m *Model) Position() int { return m.pos }

// Logits implements decoder.Backend; nil before the first Decode. The slice
// is reused: the next Decode overwrites it.
func (m *Model) Logits() []float32 { return m.logits }

// Meta returns a GGUF metadata value as text.
func (m *Model) Meta(key string) (string, bool) {
	if m.closed {
		return "", false
	}
	return metaString(m.model, key)
}

// Tokenize implements decoder.Backend. Only with parseSpecial does the
// text of a special token (`<|eot_id|>`) become that token; without it
// llama.cpp tokenizes every byte as text.
func (m *Model) Tokenize(text string, addBOS, parseSpecial bool) ([]int, error) {
	if m.closed {
		return nil, m.errClosed()
	}
	if text == "" {
		if addBOS && m.vocab.BOS >= 0 {
			return []int{m.vocab.BOS}, nil
		}
		return nil, nil
	}
	toks, err := m.model.Tokenize(text, addBOS, parseSpecial)
	if err != nil || parseSpecial || m.userDefined == nil {
		return toks, err
	}
	return m.plainTokens(text, addBOS, toks)
}

// maxUserDefinedPasses bounds plainTokens' re-tokenizations; each pass
// only adds cuts, and one pass removes every token it found.
const maxUserDefinedPasses = 8

// plainTokens makes untrusted text tokens of text only. llama.cpp matches
// a user-defined token (Qwen's `<tool_call>`, `</tool_call>`, `<think>`)
// wherever its text occurs, even with special-token parsing off, as
// transformers does: a tool result holding "<tool_call>" would reach the
// model as the very token the model writes to open a call, indistinguishable
// from its own. Text is not allowed to become call-format structure, so
// every occurrence of such a token's text is cut after its first character
// and the pieces are tokenized apart: the model sees the characters, never
// the token. toks is text's tokenization; text without such tokens (the
// usual case) costs one scan of it.
func (m *Model) plainTokens(text string, addBOS bool, toks []int) ([]int, error) {
	var cuts []int
	for pass := 0; ; pass++ {
		found := map[int]bool{}
		for _, t := range toks {
			if t >= 0 && t < len(m.userDefined) && m.userDefined[t] {
				found[t] = true
			}
		}
		if len(found) == 0 {
			return toks, nil
		}
		if pass == maxUserDefinedPasses {
			return nil, fmt.Errorf("llama: text still tokenizes to user-defined tokens after %d passes of cutting them apart", pass)
		}
		for t := range found {
			piece := string(m.vocab.Pieces[t])
			if piece == "" {
				continue
			}
			_, first := utf8.DecodeRuneInString(piece)
			for at := 0; ; {
				i := strings.Index(text[at:], piece)
				if i < 0 {
					break
				}
				cuts = append(cuts, at+i+first)
				at += i + len(piece)
			}
		}
		slices.Sort(cuts)
		cuts = slices.Compact(cuts)
		toks = toks[:0:0]
		prev := 0
		for k, c := range append(slices.Clone(cuts), len(text)) {
			if c <= prev {
				continue
			}
			part, err := m.model.Tokenize(text[prev:c], addBOS && k == 0, false)
			if err != nil {
				return nil, err
			}
			toks = append(toks, part...)
			prev = c
		}
	}
}

// TokenText is tok's text with control tokens spelled out (`<|eot_id|>`),
// for showing a tokenization; Vocab().Pieces[tok] is what tok appends to
// the output, which for a control token is nothing.
func (m *Model) TokenText(tok int) ([]byte, error) {
	if m.closed {
		return nil, m.errClosed()
	}
	if tok < 0 || tok >= m.vocab.Size() {
		return nil, fmt.Errorf("llama: token %d outside the vocabulary of %d", tok, m.vocab.Size())
	}
	return tokenBytes(m.model, tok, make([]byte, 64), true), nil
}

// Decode implements decoder.Backend.
func (m *Model) Decode(tokens []int) error {
	if m.closed {
		return m.errClosed()
	}
	if len(tokens) == 0 {
		return nil
	}
	if m.pos+len(tokens) > m.nctx {
		return &Error{Code: ErrContext, Path: m.path, Msg: fmt.Sprintf("%d tokens after position %d exceed the context of %d tokens (limit ContextSize)", len(tokens), m.pos, m.nctx)}
	}
	n := m.vocab.Size()
	for _, t := range tokens {
		if t < 0 || t >= n {
			return &Error{Code: ErrToken, Path: m.path, Msg: fmt.Sprintf("token %d outside the vocabulary of %d", t, n)}
		}
	}
	start := m.pos
	for i := 0; i < len(tokens); i += m.nbatch {
		chunk := tokens[i:min(i+m.nbatch, len(tokens))]
		last := i+len(chunk) == len(tokens)
		m.batch.Clear()
		for j, t := range chunk {
			m.batch.Add(t, nil, m.pos+j, last && j == len(chunk)-1, 0)
		}
		if err := m.ctx.Decode(m.batch); err != nil {
			// Drop whatever part of this call reached the cache, so the
			// sequence stays as it was before the call.
			m.ctx.KvCacheSeqRm(0, start, -1)
			m.pos = start
			m.logits = nil
			return &Error{Code: ErrDecode, Path: m.path, Msg: "llama_decode failed", Err: llamaReason(err)}
		}
		m.pos += len(chunk)
	}
	if m.logitBuf == nil {
		m.logitBuf = make([]float32, n)
	}
	if !copyLogits(m.ctx, m.batch.NumTokens()-1, m.logitBuf) {
		m.logits = nil
		return &Error{Code: ErrDecode, Path: m.path, Msg: "llama.cpp returned no logits", Err: llamaReason(errors.New("llama_get_logits_ith"))}
	}
	m.logits = m.logitBuf
	return nil
}

// Reset implements decoder.Backend.
func (m *Model) Reset() error {
	if m.closed {
		return m.errClosed()
	}
	m.ctx.KvCacheClear()
	m.pos = 0
	m.logits = nil
	return nil
}

// CPUFeatures is ggml's report of the CPU features it was built with and
// uses (llama_print_system_info), e.g. "CPU : SSE3 = 1 | AVX2 = 1 | …".
func CPUFeatures() string {
	backendInit(false)
	return systemInfo()
}

// CPUFeatures is the package-level CPUFeatures, for callers holding a Model.
func (m *Model) CPUFeatures() string { return CPUFeatures() }

// ErrorIs reports whether err is an *Error with the given code.
func ErrorIs(err error, code ErrorCode) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
