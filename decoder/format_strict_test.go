package decoder

import (
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
