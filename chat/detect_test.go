package chat

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDetectToolCallFormat checks the detector on every golden template,
// against the format families.json records for it (read off the template
// by hand).
func TestDetectToolCallFormat(t *testing.T) {
	dir := goldenDir()
	for _, f := range loadFamilies(t, dir) {
		path := f.Template
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := DetectToolCallFormat(string(src)); got != ToolCallFormat(f.Format) {
			t.Errorf("%s: detected %q, want %q", f.Name, got, f.Format)
		}
	}
}
