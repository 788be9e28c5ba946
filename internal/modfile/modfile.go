package modfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// The module that ships real tokenizer.json files, and the files in it.
const (
	TokenizersModule  = "github.com/daulet/tokenizers"
	TokenizersVersion = "v1.24.0"
	// Llama3Tokenizer is Meta-Llama-3-8B-Instruct's tokenizer.json (128256
	// ids, byte-level BPE).
	Llama3Tokenizer = "test/data/Meta-Llama-3-8B-Instruct.json"
	// CohereTokenizer is a Cohere tokenizer.json (75500 BPE ids + 8 added,
	// not the 255K Command-R vocabulary).
	CohereTokenizer = "test/data/cohere-tokenizer.json"
)

// ErrNotInCache is returned (wrapped) when a module or a file in it is not
// in the module cache.
var ErrNotInCache = errors.New("not in the Go module cache")

// Cache is the module cache directory as the go command finds it:
// GOMODCACHE, else the first entry of GOPATH followed by pkg/mod (each from
// the environment or the go command's configuration file), else
// $HOME/go/pkg/mod.
func Cache() (string, error) {
	if d := goenv("GOMODCACHE"); d != "" {
		return d, nil
	}
	if gp := goenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("modfile: no GOMODCACHE, GOPATH or home directory: %w", err)
	}
	return filepath.Join(home, "go", "pkg", "mod"), nil
}

// goenv is key from the environment, else from the go command's
// configuration file ($GOENV, else os.UserConfigDir()/go/env, written by
// `go env -w`).
func goenv(key string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	file := os.Getenv("GOENV")
	if file == "" {
		dir, err := os.UserConfigDir()
		if err != nil {
			return ""
		}
		file = filepath.Join(dir, "go", "env")
	}
	if file == "off" {
		return ""
	}
	data, err := os.ReadFile(file)
	if err != nil || len(data) > 1<<20 {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Path is the path of file (slash-separated) inside module@version in the
// module cache. It fails, wrapping ErrNotInCache, when the file is not there.
func Path(module, version, file string) (string, error) {
	cache, err := Cache()
	if err != nil {
		return "", err
	}
	p := filepath.Join(cache, filepath.FromSlash(escape(module)+"@"+escape(version)), filepath.FromSlash(file))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("modfile: %s in %s@%s: %w (%s; run scripts/setup.sh or `go mod download %s@%s`)",
			file, module, version, ErrNotInCache, p, module, version)
	}
	return p, nil
}

// Tokenizer is the path of a file (Llama3Tokenizer, CohereTokenizer) of
// TokenizersModule in the module cache.
func Tokenizer(file string) (string, error) {
	return Path(TokenizersModule, TokenizersVersion, file)
}

// escape is the module cache's case encoding: an upper-case letter is '!'
// and its lower case, so that case-insensitive file systems keep module
// paths apart.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
