package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestCompileStructuralTag: plan compile --format structural-tag writes
// what docs/serving/ holds for the refund spec, prints each approximation
// as a warning, and refuses a format without JSON arguments (exit 2).
func TestCompileStructuralTag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"compile", "../../specs/refund.ltl", "--tools", "../../specs/refund.tools.json", "--format", "structural-tag", "--call-format", "qwen"}
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want, err := os.ReadFile("../../docs/serving/refund.start.structural_tag.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), want) {
		t.Errorf("plan compile differs from docs/serving/refund.start.structural_tag.json:\n%s", stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	args = []string{"compile", "../../specs/travel_booking.ltl", "--tools", "../../specs/travel_booking.tools.json", "--format", "structural-tag", "--call-format", "json", "--from-state", "16"}
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning: structural tag: pay:") || strings.Contains(stdout.String(), `"pay"`) {
		t.Errorf("pay without --bind: stderr %q", stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	args = append(args, "--bind", `budget={"limit": 480, "currency": "EUR"}`, "--bind", `hold={"id": "H7"}`)
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"name\": \"pay\"`) || !strings.Contains(stdout.String(), `"maximum": 480`) {
		t.Errorf("pay with --bind (a JSON value with commas):\n%s", stdout.String())
	}

	stdout.Reset()
	stderr.Reset()
	args = []string{"compile", "../../specs/refund.ltl", "--tools", "../../specs/refund.tools.json", "--format", "structural-tag", "--call-format", "pythonic"}
	if code := run(args, &stdout, &stderr); code != exitInput || !strings.Contains(stderr.String(), "keyword arguments") || stdout.Len() != 0 {
		t.Errorf("pythonic: exit %d, stderr %q, stdout %d bytes", code, stderr.String(), stdout.Len())
	}
}
