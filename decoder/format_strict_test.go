package decoder

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseStrictJSON: model output is read back as strictly as traces: a
// repeated key, a case variant of "name"/"arguments", data after the call
// and invalid UTF-8 are errors, where encoding/json took the last duplicate
// and folded case.
func TestParseStrictJSON(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		text string
		want string
	}{
		{FormatJSON, `{"name": "refund", "arguments": {"amount": 5000, "amount": 40}}`, "duplicate key"},
		{FormatJSON, `{"name": "refund", "Name": "notify", "arguments": {}}`, "unknown field"},
		{FormatJSON, `{"NAME": "refund", "arguments": {}}`, "unknown field"},
		{FormatJSON, `{"name": "refund", "arguments": {}} x`, "text after the call"},
		{FormatJSON, `{"name": "refund", "arguments": {"amount": 1e400}}`, "does not fit a float64"},
		{FormatJSON, "{\"name\": \"refund\", \"arguments\": {\"note\": \"\xff\"}}", "UTF-8"},
		{FormatHermes, "<tool_call>\n{\"name\": \"refund\", \"arguments\": {\"a\": 1, \"a\": 2}}\n</tool_call>", "duplicate key"},
		{FormatReAct, `Action: refund[{"amount": 5000, "amount": 40}]`, "duplicate key"},
		{FormatReAct, `Action: refund[{"amount": 5} {"amount": 40}]`, "data after"},
	} {
		_, err := tc.f.Parse([]byte(tc.text + "\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %q: got %v, want an error containing %q", tc.f, tc.text, err, tc.want)
		}
	}
	evs, err := FormatJSON.Parse([]byte(`{"name": "refund", "arguments": {"amount": 5, "Amount": 6}}` + "\n"))
	if err != nil || len(evs) != 1 || evs[0].Args["amount"] != 5.0 || evs[0].Args["Amount"] != 6.0 {
		t.Fatalf("distinct argument keys are data, not spoofing: %v %v", evs, err)
	}
}

// TestTokenizerJSONStrict: a tokenizer.json is a model file, as untrusted as
// a trace: duplicate keys and case variants of known keys are corrupt.
func TestTokenizerJSONStrict(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"dup_vocab": `{"model":{"type":"BPE","vocab":{"a":0,"a":1}}}`,
		"dup_model": `{"model":{"type":"BPE","vocab":{"a":0}},"model":{"type":"Unigram"}}`,
		"case":      `{"Model":{"type":"BPE","vocab":{"a":0}}}`,
		"case_type": `{"model":{"TYPE":"BPE","type":"BPE","vocab":{"a":0}}}`,
		"trailing":  `{"model":{"type":"BPE","vocab":{"a":0}}} {}`,
		"not_int":   `{"model":{"type":"BPE","vocab":{"a":0.5}}}`,
		"no_model":  `{}`,
	} {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadTokenizerJSON(p)
		var te *TokenizerError
		if !errors.As(err, &te) || te.Code != TokenizerCorrupt {
			t.Errorf("%s: got %v, want a corrupt-tokenizer error", name, err)
		}
	}
}
