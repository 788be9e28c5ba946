package chat

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
)

// ModelTemplates is what a GGUF model file says about chatting with it.
type ModelTemplates struct {
	ChatTemplate    string // tokenizer.chat_template; "" when absent
	ToolUseTemplate string // tokenizer.chat_template.tool_use; "" when absent
	BOS, EOS        string // the texts of tokenizer.ggml.bos_token_id / eos_token_id; "" when absent
}

// Template returns the template to render with: the tool_use variant when
// tools are given and the model has one, else the default. The name is
// what errors should call it.
func (m ModelTemplates) Template(path string, withTools bool) (name, src string, ok bool) {
	if withTools && m.ToolUseTemplate != "" {
		return path + ": tokenizer.chat_template.tool_use", m.ToolUseTemplate, true
	}
	if m.ChatTemplate != "" {
		return path + ": tokenizer.chat_template", m.ChatTemplate, true
	}
	return "", "", false
}

// GGUFLimits bounds what ReadGGUF reads from a model file.
type GGUFLimits struct {
	MaxTemplateBytes int // default 1 MiB, as TemplateLimits
	MaxKV            int // metadata entries; default 1 << 20
}

const (
	ggufString = 8
	ggufArray  = 9
)

// ggufSizes are the byte sizes of GGUF's fixed-size value types.
var ggufSizes = map[uint32]int64{0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

// ReadGGUF reads the chat templates and the BOS and EOS token texts from a
// GGUF file's metadata, and nothing else: tensors are never touched. Every
// length in the file is checked against the bytes left before anything is
// allocated or skipped, so a hostile file costs at most one pass over its
// metadata.
func ReadGGUF(path string, lim GGUFLimits) (ModelTemplates, error) {
	if lim.MaxTemplateBytes <= 0 {
		lim.MaxTemplateBytes = defaultMaxTemplateBytes
	}
	if lim.MaxKV <= 0 {
		lim.MaxKV = 1 << 20
	}
	f, err := os.Open(path)
	if err != nil {
		return ModelTemplates{}, &Error{Code: ErrGGUF, File: path, Msg: err.Error()}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ModelTemplates{}, &Error{Code: ErrGGUF, File: path, Msg: err.Error()}
	}
	if !st.Mode().IsRegular() {
		return ModelTemplates{}, &Error{Code: ErrGGUF, File: path, Msg: "not a regular file"}
	}
	r := &ggufReader{path: path, r: bufio.NewReader(f), size: st.Size()}
	var out ModelTemplates
	bosID, eosID := int64(-1), int64(-1)
	tokensAt, tokensN := int64(-1), int64(0)
	if err := r.header(); err != nil {
		return out, err
	}
	nkv, err := r.u64()
	if err != nil {
		return out, err
	}
	if nkv > uint64(lim.MaxKV) {
		return out, r.limit(fmt.Sprintf("%d metadata entries, over the limit of %d (GGUFLimits.MaxKV)", nkv, lim.MaxKV))
	}
	for range nkv {
		key, err := r.str(1 << 16)
		if err != nil {
			return out, err
		}
		typ, err := r.u32()
		if err != nil {
			return out, err
		}
		switch {
		case key == "tokenizer.chat_template" && typ == ggufString:
			if out.ChatTemplate, err = r.templateStr(lim.MaxTemplateBytes); err != nil {
				return out, err
			}
		case key == "tokenizer.chat_template.tool_use" && typ == ggufString:
			if out.ToolUseTemplate, err = r.templateStr(lim.MaxTemplateBytes); err != nil {
				return out, err
			}
		case (key == "tokenizer.ggml.bos_token_id" || key == "tokenizer.ggml.eos_token_id") && (typ == 4 || typ == 5):
			v, err := r.u32()
			if err != nil {
				return out, err
			}
			if key == "tokenizer.ggml.bos_token_id" {
				bosID = int64(v)
			} else {
				eosID = int64(v)
			}
		case key == "tokenizer.ggml.tokens" && typ == ggufArray:
			elem, err := r.u32()
			if err != nil {
				return out, err
			}
			n, err := r.u64()
			if err != nil {
				return out, err
			}
			if elem != ggufString {
				return out, r.bad("tokenizer.ggml.tokens is not an array of strings")
			}
			if n > uint64(r.size-r.pos)/8 {
				return out, r.bad("tokenizer.ggml.tokens counts more strings than the file has bytes")
			}
			tokensAt, tokensN = r.pos, int64(n)
			if err := r.skipArray(ggufString, n, 0); err != nil {
				return out, err
			}
		default:
			if err := r.skip(typ, 0); err != nil {
				return out, err
			}
		}
	}
	// Token texts, read in a second pass now that the ids are known.
	if tokensAt >= 0 && (bosID >= 0 || eosID >= 0) {
		if _, err := f.Seek(tokensAt, io.SeekStart); err != nil {
			return out, &Error{Code: ErrGGUF, File: path, Msg: err.Error()}
		}
		r.r.Reset(f)
		r.pos = tokensAt
		last := max(bosID, eosID)
		for i := int64(0); i <= last && i < tokensN; i++ {
			if i == bosID || i == eosID {
				s, err := r.str(1 << 16)
				if err != nil {
					return out, err
				}
				if hasSentinelText(s) {
					return out, r.bad("a BOS/EOS token text holds a private-use character this package reserves")
				}
				if i == bosID {
					out.BOS = s
				}
				if i == eosID {
					out.EOS = s
				}
				continue
			}
			if err := r.skip(ggufString, 0); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

type ggufReader struct {
	path      string
	r         *bufio.Reader
	pos, size int64
}

func (r *ggufReader) bad(msg string) *Error {
	return &Error{Code: ErrGGUF, File: r.path, Msg: fmt.Sprintf("%s (at byte %d)", msg, r.pos)}
}

func (r *ggufReader) limit(msg string) *Error {
	return &Error{Code: ErrLimit, File: r.path, Msg: msg}
}

func (r *ggufReader) read(n int64) ([]byte, error) {
	if n > r.size-r.pos {
		return nil, r.bad(fmt.Sprintf("a %d-byte value runs past the end of the file", n))
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.r, buf); err != nil {
		return nil, r.bad("file ends early")
	}
	r.pos += n
	return buf, nil
}

func (r *ggufReader) discard(n int64) error {
	if n > r.size-r.pos {
		return r.bad(fmt.Sprintf("a %d-byte value runs past the end of the file", n))
	}
	if _, err := r.r.Discard(int(n)); err != nil {
		return r.bad("file ends early")
	}
	r.pos += n
	return nil
}

func (r *ggufReader) u32() (uint32, error) {
	b, err := r.read(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *ggufReader) u64() (uint64, error) {
	b, err := r.read(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (r *ggufReader) header() error {
	magic, err := r.read(4)
	if err != nil || string(magic) != "GGUF" {
		return &Error{Code: ErrGGUF, File: r.path, Msg: "not a GGUF file (no GGUF magic)"}
	}
	v, err := r.u32()
	if err != nil {
		return err
	}
	if v != 2 && v != 3 {
		return r.bad(fmt.Sprintf("GGUF version %d is not supported (2 and 3 are)", v))
	}
	_, err = r.u64() // tensor count: not needed
	return err
}

// str reads a GGUF string of at most max bytes.
func (r *ggufReader) str(max int) (string, error) {
	n, err := r.u64()
	if err != nil {
		return "", err
	}
	if n > uint64(max) {
		return "", r.bad(fmt.Sprintf("a %d-byte string where at most %d are expected", n, max))
	}
	b, err := r.read(int64(n))
	return string(b), err
}

func (r *ggufReader) templateStr(max int) (string, error) {
	n, err := r.u64()
	if err != nil {
		return "", err
	}
	if n > uint64(max) {
		return "", r.limit(fmt.Sprintf("chat template is %d bytes, over the limit of %d (GGUFLimits.MaxTemplateBytes, --max-template-bytes)", n, max))
	}
	b, err := r.read(int64(n))
	return string(b), err
}

func (r *ggufReader) skip(typ uint32, depth int) error {
	if sz, ok := ggufSizes[typ]; ok {
		return r.discard(sz)
	}
	switch typ {
	case ggufString:
		n, err := r.u64()
		if err != nil {
			return err
		}
		if n > math.MaxInt64 {
			return r.bad("string length out of range")
		}
		return r.discard(int64(n))
	case ggufArray:
		elem, err := r.u32()
		if err != nil {
			return err
		}
		n, err := r.u64()
		if err != nil {
			return err
		}
		return r.skipArray(elem, n, depth+1)
	}
	return r.bad(fmt.Sprintf("unknown metadata value type %d", typ))
}

func (r *ggufReader) skipArray(elem uint32, n uint64, depth int) error {
	if depth > 4 {
		return r.bad("arrays nested deeper than 4")
	}
	if sz, ok := ggufSizes[elem]; ok {
		if n > uint64(r.size-r.pos)/uint64(sz) {
			return r.bad("an array longer than the file")
		}
		return r.discard(int64(n) * sz)
	}
	if elem != ggufString && elem != ggufArray {
		return r.bad(fmt.Sprintf("unknown array element type %d", elem))
	}
	// Each string or array element takes at least 8 bytes.
	if n > uint64(r.size-r.pos)/8 {
		return r.bad("an array longer than the file")
	}
	for range n {
		if err := r.skip(elem, depth); err != nil {
			return err
		}
	}
	return nil
}
