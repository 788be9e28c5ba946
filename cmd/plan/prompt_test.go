package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
	"golang.org/x/tools/txtar"
)

// TestPromptModel: with --model, plan prompt renders with the GGUF's own
// template (the tool_use variant when tools are given) and its BOS/EOS
// token texts; the output is the transformers rendering recorded in
// chat/testdata/golden (produced by Python Jinja2, see gen_golden.py).
func TestPromptModel(t *testing.T) {
	tmpl, err := os.ReadFile("../../chat/testdata/templates/mistralai-Mistral-Nemo-Instruct-2407.jinja")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	err = ggml.WriteGGUF(f, ggml.KV{
		"general.architecture":             "llama",
		"tokenizer.ggml.tokens":            []string{"<unk>", "<s>", "</s>"},
		"tokenizer.ggml.bos_token_id":      uint32(1),
		"tokenizer.ggml.eos_token_id":      uint32(2),
		"tokenizer.chat_template":          "no tools here",
		"tokenizer.chat_template.tool_use": string(tmpl),
	}, nil)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	ar, err := txtar.ParseFile("../../chat/testdata/golden/mistral-nemo.txtar")
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	for _, file := range ar.Files {
		switch file.Name {
		case "tools":
			want = string(file.Data)
		case "tools.no-newline": // txtar ends every file with a newline
			want = strings.TrimSuffix(want, "\n")
		}
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"prompt", "--model", path, "--messages", "../../chat/testdata/conversations/tools.json"}, &stdout, &stderr)
	if code != 0 || stdout.String() != want {
		t.Errorf("exit %d, stderr %q\n got: %q\nwant: %q", code, stderr.String(), stdout.String(), want)
	}
	// Without tools, the default template.
	stdout.Reset()
	code = run([]string{"prompt", "--model", path, "--messages", "../../chat/testdata/conversations/plain.json"}, &stdout, &stderr)
	if code != 0 || stdout.String() != "no tools here" {
		t.Errorf("exit %d, got %q", code, stdout.String())
	}
}

func TestPromptModelWithoutTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	f, _ := os.Create(path)
	if err := ggml.WriteGGUF(f, ggml.KV{"general.architecture": "llama"}, nil); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"prompt", "--model", path, "--messages", "../../chat/testdata/conversations/plain.json"}, &stdout, &stderr)
	if code != 0 || !strings.HasPrefix(stdout.String(), "<|im_start|>system\nYou are a careful assistant.") || !strings.Contains(stderr.String(), "has no chat template") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, stdout.String(), stderr.String())
	}
}
