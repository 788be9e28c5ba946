package llama_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/decoder/llama"
)

// ggufFile is a GGUF v3 header with the given counts, then body.
func ggufFile(nTensors, nKV uint64, body ...[]byte) []byte {
	b := []byte("GGUF")
	b = binary.LittleEndian.AppendUint32(b, 3)
	b = binary.LittleEndian.AppendUint64(b, nTensors)
	b = binary.LittleEndian.AppendUint64(b, nKV)
	for _, p := range body {
		b = append(b, p...)
	}
	return b
}

func ggufStr(s string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, uint64(len(s))), s...)
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// TestLoadRefusesLengthsTheFileCannotHold: a GGUF file a few bytes long
// that claims a huge array, string, key or tensor name is refused by Load
// before llama.cpp sees it (ErrNotGGUF, saying where). llama.cpp allocates
// what a length claims and zero-fills it before reading: a 70-byte file
// claiming a 2 GiB array cost 2 GiB of memory, then ErrLoad. The real
// model still loads.
func TestLoadRefusesLengthsTheFileCannotHold(t *testing.T) {
	dir := t.TempDir()
	const big = 64 << 20 // small enough to stay cheap before the fix
	cases := map[string][]byte{
		"u8 array":      ggufFile(0, 1, ggufStr("foo"), u32(9), u32(0), u64(big), []byte("xx")),
		"string array":  ggufFile(0, 1, ggufStr("foo"), u32(9), u32(8), u64(big), []byte("xx")),
		"string value":  ggufFile(0, 1, ggufStr("tokenizer.chat_template"), u32(8), u64(big), []byte("xx")),
		"key":           ggufFile(0, 1, u64(big), []byte("xx")),
		"tensor name":   ggufFile(1, 0, u64(big), []byte("xx")),
		"tensor dims":   ggufFile(1, 0, ggufStr("t"), u32(1000), []byte("xx")),
		"nested arrays": ggufFile(0, 1, ggufStr("foo"), u32(9), u32(9), u64(1), u32(9), u64(1), u32(0), u64(1), []byte("x")),
	}
	for name, data := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".gguf")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := llama.Load(path, llama.Options{ContextSize: 64, Threads: 1})
		if err == nil {
			m.Close()
			t.Errorf("%s: loaded", name)
			continue
		}
		var le *llama.Error
		if !errors.As(err, &le) || le.Code != llama.ErrNotGGUF || !strings.Contains(err.Error(), "at byte") {
			t.Errorf("%s: %v, want ErrNotGGUF saying at which byte", name, err)
		}
	}
	load(t, llama.Options{ContextSize: 64, Threads: 1})
}
