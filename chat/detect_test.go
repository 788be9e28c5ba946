package chat

import "testing"

// TestDetectToolCallFormat checks the detector on every golden template,
// against the format families.json records for it (read off the template
// by hand).
func TestDetectToolCallFormat(t *testing.T) {
	dir := goldenDir()
	for _, f := range loadFamilies(t, dir) {
		_, src := familyTemplate(t, dir, f)
		if got := DetectToolCallFormat(src); got != ToolCallFormat(f.Format) {
			t.Errorf("%s: detected %q, want %q", f.Name, got, f.Format)
		}
	}
}
