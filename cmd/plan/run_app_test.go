package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunAppTraceValidates: plan run on an app writes a trace that plan
// validate accepts exactly when the run reached the goal, and --json
// reports the same end.
func TestRunAppTraceValidates(t *testing.T) {
	model := tinyModel(t)
	trace := filepath.Join(t.TempDir(), "run.jsonl")
	stdout, stderr, code := runPlan(t, "run", "--model", model, "--spec", "../../specs/settings.app", "--env", "../../specs/apps/settings/mixed.json",
		"--seed", "3", "--trace-out", trace, "--json")
	var rep appRunReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("exit %d, --json: %v\n%s\n%s", code, err, stdout, stderr)
	}
	if (code == 0) != (rep.End == "goal") || rep.Steps != len(rep.Trace) || rep.Steps == 0 {
		t.Fatalf("exit %d, end %q, %d steps, %d lines", code, rep.End, rep.Steps, len(rep.Trace))
	}
	if rep.End != "goal" && rep.Report == "" {
		t.Fatalf("unrecoverable without a report")
	}
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != rep.Steps+1 {
		t.Fatalf("the trace has %d lines for %d steps", lines, rep.Steps)
	}
	_, _, vcode := runPlan(t, "validate", "../../specs/settings.app", trace)
	if (vcode == 0) != (rep.End == "goal") || (vcode != 0 && vcode != exitViolated) {
		t.Fatalf("validate exit %d for a run that ended %s", vcode, rep.End)
	}
}

// TestEvalApp: plan eval on an app runs the three app modes over the same
// seeds and a directory of environments; the constrained modes never act
// off the believed screen; an unknown app mode is an input error.
func TestEvalApp(t *testing.T) {
	model := tinyModel(t)
	stdout, stderr, code := runPlan(t, "eval", "--model", model, "--spec", "../../specs/messaging.app", "--env", "../../specs/apps/messaging",
		"--runs", "3", "--max-steps", "8", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, stdout)
	}
	var rep appEvalReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if len(rep.Envs) != 5 || len(rep.Modes) != 3 || rep.Modes[0].Mode != "rollback" || rep.Modes[1].Mode != "no-rollback" || rep.Modes[2].Mode != "unconstrained" {
		t.Fatalf("envs %v, modes %+v", rep.Envs, rep.Modes)
	}
	for _, m := range rep.Modes[:2] {
		if m.Runs != 3 || m.Errors != 0 || m.OffScreen != 0 || m.Actions == 0 || m.Recovered > m.Faulted || m.Goal > m.Runs {
			t.Errorf("%s: %+v", m.Mode, m)
		}
	}
	_, stderr, code = runPlan(t, "eval", "--model", model, "--spec", "../../specs/messaging.app", "--env", "../../specs/apps/messaging", "--modes", "rollback,sideways")
	if code != exitInput || !strings.Contains(stderr, `unknown app mode "sideways"`) {
		t.Errorf("unknown mode: exit %d: %s", code, stderr)
	}
}
