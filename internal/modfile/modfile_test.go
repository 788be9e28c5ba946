package modfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPathInCache: a file is found under GOMODCACHE with the module path's
// case encoding, and a missing one is ErrNotInCache naming the command that
// fetches it.
func TestPathInCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("GOMODCACHE", dir)
	want := filepath.Join(dir, "github.com", "!burnt!sushi", "toml@v1.0.0", "a", "b.txt")
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Path("github.com/BurntSushi/toml", "v1.0.0", "a/b.txt"); err != nil || got != want {
		t.Errorf("Path = %q, %v; want %q", got, err, want)
	}
	_, err := Path("github.com/BurntSushi/toml", "v1.0.0", "missing.txt")
	if !errors.Is(err, ErrNotInCache) || !contains(err.Error(), "go mod download github.com/BurntSushi/toml@v1.0.0") {
		t.Errorf("missing file: %v", err)
	}
}

// TestCacheFromGOPATH: without GOMODCACHE the cache is GOPATH's first
// entry's pkg/mod.
func TestCacheFromGOPATH(t *testing.T) {
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOENV", "off")
	t.Setenv("GOPATH", "/x"+string(filepath.ListSeparator)+"/y")
	if got, err := Cache(); err != nil || got != filepath.Join("/x", "pkg", "mod") {
		t.Errorf("Cache = %q, %v", got, err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestCacheFromGoEnvFile: `go env -w GOMODCACHE=...` is honoured.
func TestCacheFromGoEnvFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(f, []byte("GOPROXY=off\nGOMODCACHE=/cache/mod\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOENV", f)
	if got, err := Cache(); err != nil || got != "/cache/mod" {
		t.Errorf("Cache = %q, %v", got, err)
	}
}
