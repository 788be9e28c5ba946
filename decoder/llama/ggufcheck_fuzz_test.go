package llama

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzGGUFLayout: the metadata walk never panics, and what it accepts stays
// accepted when tensor data follows (only lengths beyond the file fail).
func FuzzGGUFLayout(f *testing.F) {
	h := []byte("GGUF\x03\x00\x00\x00")
	h = binary.LittleEndian.AppendUint64(h, 0)
	h = binary.LittleEndian.AppendUint64(h, 1)
	kv := append(binary.LittleEndian.AppendUint64(nil, 3), "foo"...)
	f.Add(append(append(append([]byte{}, h...), kv...), 4, 0, 0, 0, 1, 0, 0, 0))
	f.Add(append(append(append([]byte{}, h...), kv...), 9, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 'a'))
	f.Add(append(append([]byte{}, h...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkGGUFLayout(bytes.NewReader(data), int64(len(data))) != nil {
			return
		}
		more := append(append([]byte{}, data...), make([]byte, 64)...)
		if err := checkGGUFLayout(bytes.NewReader(more), int64(len(more))); err != nil {
			t.Fatalf("accepted, but refused with 64 more bytes: %v", err)
		}
	})
}
