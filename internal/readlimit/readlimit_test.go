package readlimit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// endless never ends, like /dev/zero, and counts what was read from it.
type endless struct{ read int64 }

func (r *endless) Read(p []byte) (int, error) {
	clear(p)
	r.read += int64(len(p))
	return len(p), nil
}

func TestAll(t *testing.T) {
	for _, c := range []struct {
		in    string
		limit int64
		over  bool
	}{{"", 0, false}, {"abc", 3, false}, {"abcd", 3, true}, {"a", 0, true}} {
		data, over, err := All(strings.NewReader(c.in), c.limit)
		if err != nil || over != c.over || !over && string(data) != c.in || over && data != nil {
			t.Errorf("All(%q, %d) = %q, %v, %v", c.in, c.limit, data, over, err)
		}
	}
	r := &endless{}
	if _, over, err := All(r, 1000); !over || err != nil || r.read > 1001 {
		t.Errorf("endless reader: over %v, %v, %d bytes read", over, err, r.read)
	}
}

func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, over, err := File(path, 5); err != nil || over || string(data) != "hello" {
		t.Errorf("File at the limit: %q, %v, %v", data, over, err)
	}
	if _, over, err := File(path, 4); err != nil || !over {
		t.Errorf("File over the limit: %v, %v", over, err)
	}
	if _, _, err := File(filepath.Join(t.TempDir(), "none"), 4); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
