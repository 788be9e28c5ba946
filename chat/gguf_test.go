package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/fs/ggml"

	"github.com/specplan/specplan/decoder/tinymodel"
)

func writeGGUF(t *testing.T, kv ggml.KV) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := ggml.WriteGGUF(f, kv, nil); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadGGUFTinyModel reads the model the project's tests run on, as
// decoder/tinymodel writes it: its template and Llama-3's BOS and EOS.
func TestReadGGUFTinyModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := tinymodel.WriteSmall(path); err != nil {
		t.Fatal(err)
	}
	m, err := ReadGGUF(path, GGUFLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.ChatTemplate != tinymodel.ChatTemplate || m.ToolUseTemplate != "" {
		t.Errorf("templates: %q, %q", m.ChatTemplate, m.ToolUseTemplate)
	}
	if m.BOS != "<|begin_of_text|>" || m.EOS == "" {
		t.Errorf("BOS %q EOS %q", m.BOS, m.EOS)
	}
}

func TestReadGGUFToolUseVariant(t *testing.T) {
	path := writeGGUF(t, ggml.KV{
		"general.architecture":             "llama",
		"tokenizer.ggml.tokens":            []string{"<s>", "</s>", "a"},
		"tokenizer.ggml.bos_token_id":      uint32(0),
		"tokenizer.ggml.eos_token_id":      uint32(1),
		"tokenizer.chat_template":          "plain",
		"tokenizer.chat_template.tool_use": "with tools",
	})
	m, err := ReadGGUF(path, GGUFLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if m.BOS != "<s>" || m.EOS != "</s>" {
		t.Errorf("BOS %q EOS %q", m.BOS, m.EOS)
	}
	if name, src, _ := m.Template(path, true); src != "with tools" || !strings.HasSuffix(name, "tool_use") {
		t.Errorf("with tools: %q %q", name, src)
	}
	if _, src, _ := m.Template(path, false); src != "plain" {
		t.Errorf("without tools: %q", src)
	}
}

func TestReadGGUFLimitsAndDamage(t *testing.T) {
	path := writeGGUF(t, ggml.KV{
		"general.architecture":    "llama",
		"tokenizer.chat_template": strings.Repeat("x", 5000),
	})
	if _, err := ReadGGUF(path, GGUFLimits{MaxTemplateBytes: 4096}); codeOf(err) != ErrLimit || !strings.Contains(err.Error(), "MaxTemplateBytes") {
		t.Errorf("template over the limit: %v", err)
	}
	data, _ := os.ReadFile(path)
	// Every truncation is an error, never a panic or a huge allocation.
	for n := 0; n < len(data); n += 7 {
		p := filepath.Join(t.TempDir(), "cut.gguf")
		os.WriteFile(p, data[:n], 0o600)
		if _, err := ReadGGUF(p, GGUFLimits{}); codeOf(err) != ErrGGUF {
			t.Fatalf("truncated at %d: %v", n, err)
		}
	}
	// A string length near 2^64 is refused before anything is allocated.
	bad := append([]byte(nil), data...)
	i := strings.Index(string(bad), "tokenizer.chat_template") + len("tokenizer.chat_template") + 4
	for k := range 8 {
		bad[i+k] = 0xff
	}
	p := filepath.Join(t.TempDir(), "huge.gguf")
	os.WriteFile(p, bad, 0o600)
	if _, err := ReadGGUF(p, GGUFLimits{}); err == nil {
		t.Error("a 2^64-byte template was accepted")
	}
	if _, err := ReadGGUF(filepath.Join(t.TempDir(), "none.gguf"), GGUFLimits{}); codeOf(err) != ErrGGUF {
		t.Errorf("missing file: %v", err)
	}
}

func codeOf(err error) Code {
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	return 0
}
