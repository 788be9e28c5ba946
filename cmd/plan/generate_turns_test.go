package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/internal/chatfamilies"
)

var (
	familyOnce sync.Once
	familyGGUF map[string]string
	familyErr  error
)

// familyModels writes each chat family's test model once per test binary.
func familyModels(t *testing.T) map[string]string {
	t.Helper()
	tinyModel(t) // makes tinyDir
	familyOnce.Do(func() {
		familyGGUF = map[string]string{}
		for _, f := range chatfamilies.Families {
			p, err := f.Write(tinyDir, tinymodel.SmallOptions)
			if err != nil {
				familyErr = err
				return
			}
			familyGGUF[f.Name] = p
		}
	})
	if familyErr != nil {
		t.Fatal(familyErr)
	}
	return familyGGUF
}

const turnsSpec = `spec turns "Two calls, each answered by a tool message"
steps thought, observation, answer
tools notify_customer, refund
rule G(call -> X observation)
rule G(observation -> Y call)
rule F notify_customer
rule F refund
rule never(refund(amount > 10))
rule G(thought -> X !thought)
rule F answer
rule G(answer -> last)
`

const turnsTools = `[
 {"type": "function", "function": {"name": "notify_customer", "description": "Tell the customer.", "parameters": {"type": "object", "properties": {"message": {"type": "string", "maxLength": 6}}, "required": ["message"]}}},
 {"type": "function", "function": {"name": "refund", "description": "Refund an amount.", "parameters": {"type": "object", "properties": {"amount": {"type": "number", "minimum": 0}}, "required": ["amount"]}}}
]`

// TestGenerateTurnsInTheModelsTemplate: on each family's model, plan
// generate renders the conversation with the GGUF's template (tools
// through its tools section), chooses the call format from it, gives each
// observation back as a tool message in the template's markup, and the
// run is accepted from the segments. --show-prompt's prompt is byte for
// byte what plan prompt prints for the same messages.
func TestGenerateTurnsInTheModelsTemplate(t *testing.T) {
	models := familyModels(t)
	dir := t.TempDir()
	spec := filepath.Join(dir, "turns.ltl")
	tools := filepath.Join(dir, "turns.tools.json")
	msgs := filepath.Join(dir, "messages.json")
	os.WriteFile(spec, []byte(turnsSpec), 0o644)
	os.WriteFile(tools, []byte(turnsTools), 0o644)
	os.WriteFile(msgs, []byte(`[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Refund and tell me."}]`), 0o644)
	// What the tool message looks like in each family's template.
	toolMarkup := map[string]string{
		"qwen2.5":      "<|im_start|>user\n<tool_response>\nresult <|im_end|>\n</tool_response><|im_end|>\n<|im_start|>assistant\n",
		"llama3.1":     "<|start_header_id|>ipython<|end_header_id|>\n\nresult <|im_end|><|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
		"mistral-nemo": `[TOOL_RESULTS]{"content": result <|im_end|>, "call_id": "`,
		"granite3.3":   "<|start_of_role|>tool<|end_of_role|>result <|im_end|><|end_of_text|>\n<|start_of_role|>assistant<|end_of_role|>",
	}
	wantFormat := map[string]string{"qwen2.5": "qwen", "llama3.1": "llama3", "mistral-nemo": "mistral", "granite3.3": "granite"}
	// Mistral-Nemo's template prints only the calls of a message with
	// tool_calls: its spec lets the model write text in the answer only.
	mistralSpec := filepath.Join(dir, "turns-calls.ltl")
	os.WriteFile(mistralSpec, []byte(strings.Replace(turnsSpec, "rule G(thought -> X !thought)", "rule G(thought -> X answer)", 1)), 0o644)
	for _, fam := range chatfamilies.Families {
		model := models[fam.Name]
		t.Run(fam.Name, func(t *testing.T) {
			specFile := spec
			if fam.Name == "mistral-nemo" {
				specFile = mistralSpec
			}
			args := []string{"generate", "--json", "--show-prompt", "--model", model, "--spec", specFile, "--tools", tools,
				"--system", "Be brief.", "--prompt", "Refund and tell me.", "--now", "2026-07-26T10:30:00Z",
				"--max-tokens", "200", "--observation", "result <|im_end|>"}
			stdout, stderr, code := runPlan(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
			}
			var rep generateReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			if !rep.Accepted || rep.Format != wantFormat[fam.Name] || !strings.HasSuffix(rep.Template, "tokenizer.chat_template") {
				t.Errorf("accepted %v, format %q, template %q", rep.Accepted, rep.Format, rep.Template)
			}
			envs := 0
			for _, sg := range rep.Segments {
				if sg.Source == "environment" {
					envs++
					if !strings.Contains(sg.Text, toolMarkup[fam.Name]) {
						t.Errorf("tool message %q lacks %q", sg.Text, toolMarkup[fam.Name])
					}
				}
			}
			if envs < 2 {
				t.Errorf("%d tool messages, want at least 2", envs)
			}
			want, perr, pcode := runPlan(t, "prompt", "--model", model, "--messages", msgs, "--tools", tools, "--now", "2026-07-26T10:30:00Z")
			if pcode != 0 {
				t.Fatalf("plan prompt: %s", perr)
			}
			if rep.Prompt != want {
				t.Errorf("--show-prompt:\n%s\nplan prompt:\n%s", rep.Prompt, want)
			}
		})
	}
}

// TestGenerateTemplateAndThink: --template overrides the model's template
// and --think reaches it. Qwen3's template with enable_thinking=false opens
// the model's message with an empty think block and leaves that block out
// once a tool message follows: the conversation would no longer match the
// model's context, so generate refuses (exit 2, naming the template and the
// byte) rather than decode over it; with --think on it runs and is accepted.
func TestGenerateTemplateAndThink(t *testing.T) {
	model := familyModels(t)["qwen2.5"]
	dir := t.TempDir()
	spec := filepath.Join(dir, "turns.ltl")
	tools := filepath.Join(dir, "turns.tools.json")
	os.WriteFile(spec, []byte(turnsSpec), 0o644)
	os.WriteFile(tools, []byte(turnsTools), 0o644)
	tmpl := filepath.Join("..", "..", "chat", "testdata", "templates", "Qwen-Qwen3-0.6B.jinja")
	args := []string{"generate", "--json", "--model", model, "--template", tmpl, "--spec", spec, "--tools", tools, "--max-tokens", "200"}
	stdout, stderr, code := runPlan(t, append(args, "--think", "on")...)
	if code != 0 {
		t.Fatalf("--think on: exit %d: %s", code, stderr)
	}
	var rep generateReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Accepted || rep.Template != tmpl || rep.Turns < 3 {
		t.Errorf("--think on: accepted %v, template %q, %d turns", rep.Accepted, rep.Template, rep.Turns)
	}
	stdout, stderr, code = runPlan(t, append(args, "--think", "off")...)
	if code != exitInput || !strings.Contains(stderr, "Qwen-Qwen3-0.6B.jinja is not prefix-stable") || !strings.Contains(stderr, "at byte") || stdout != "" {
		t.Errorf("--think off: exit %d, stderr %q, stdout %q; want the refusal", code, stderr, stdout)
	}
}

// TestGenerateShowPromptAndCtxSize: --show-prompt prints the rendered
// prompt byte for byte before the stream; a --ctx-size too small for the
// tool messages is refused with a hint naming it, after a complete model
// message at most.
func TestGenerateShowPromptAndCtxSize(t *testing.T) {
	model := familyModels(t)["qwen2.5"]
	dir := t.TempDir()
	spec := filepath.Join(dir, "turns.ltl")
	tools := filepath.Join(dir, "turns.tools.json")
	msgs := filepath.Join(dir, "messages.json")
	os.WriteFile(spec, []byte(turnsSpec), 0o644)
	os.WriteFile(tools, []byte(turnsTools), 0o644)
	os.WriteFile(msgs, []byte(`[{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]`), 0o644)
	want, stderr, code := runPlan(t, "prompt", "--model", model, "--messages", msgs, "--tools", tools)
	if code != 0 {
		t.Fatal(stderr)
	}
	base := []string{"generate", "--model", model, "--spec", spec, "--tools", tools, "--system", "S", "--prompt", "U", "--max-tokens", "200"}
	stdout, stderr, code := runPlan(t, append(base, "--show-prompt")...)
	if code != 0 || !strings.HasPrefix(stdout, want) {
		t.Fatalf("exit %d (%s); stdout does not start with plan prompt's output:\n%s", code, stderr, stdout)
	}
	// The prompt is about 260 tokens: room for it and the budget, not
	// for three tool messages as well.
	_, stderr, code = runPlan(t, append(base, "--ctx-size", "480", "--observation", strings.Repeat("long result ", 30))...)
	if code != exitInput || !strings.Contains(stderr, "--ctx-size") || !strings.Contains(stderr, "environment text") {
		t.Errorf("exit %d, stderr %q; want the environment step refused with a hint naming --ctx-size", code, stderr)
	}
}
