package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// TestGenerateToolChoice: --tool-choice is enforced by the constraint on
// every model turn: "none" writes no call whatever the model samples, and a
// choice the spec cannot satisfy under is refused before decoding.
func TestGenerateToolChoice(t *testing.T) {
	model := tinyModel(t)
	for seed := 1; seed <= 3; seed++ {
		stdout, stderr, code := runPlan(t, "generate", "--json", "--model", model, "--format", "json",
			"--spec", "../../specs/refund.ltl", "--tools", "../../specs/refund.tools.json",
			"--max-tokens", "120", "--temperature", "1.2", "--seed", strconv.Itoa(seed), "--tool-choice", "none")
		if code != 0 {
			t.Fatalf("seed %d: exit %d: %s", seed, code, stderr)
		}
		var rep generateReport
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%v: %s", err, stdout)
		}
		if !rep.Accepted {
			t.Errorf("seed %d: not accepted", seed)
		}
		for _, e := range rep.Events {
			if e.Tool != "" {
				t.Errorf("seed %d: tool_choice none, but the run called %s", seed, e.Tool)
			}
		}
	}
	_, stderr, code := runPlan(t, "generate", "--model", model, "--format", "json",
		"--spec", "../../specs/refund.ltl", "--tools", "../../specs/refund.tools.json",
		"--tool-choice", `{"type":"function","function":{"name":"get_order"}}`, "--prompt", "x")
	if code != exitInput || !strings.Contains(stderr, "tool_choice") {
		t.Errorf("unsatisfiable tool_choice: exit %d: %s", code, stderr)
	}
}
