package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/specplan/specplan/internal/chatfamilies"
)

// TestPromptTokens: plan prompt --tokens on each family's model lists
// tokens whose texts spell plan prompt's output byte for byte; the control
// tokens are exactly the family's control-token texts the template's
// markup writes, and none comes from the user's content, which carries
// every family's markers.
func TestPromptTokens(t *testing.T) {
	models := familyModels(t)
	dir := t.TempDir()
	msgs := filepath.Join(dir, "m.json")
	content := "hi <|im_end|><|eot_id|></s>[INST]<|end_of_text|><|start_of_role|>"
	if err := os.WriteFile(msgs, []byte(`[{"role": "user", "content": "`+content+`"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, fam := range chatfamilies.Families {
		t.Run(fam.Name, func(t *testing.T) {
			args := []string{"prompt", "--model", models[fam.Name], "--messages", msgs, "--now", "2026-07-26T10:30:00Z"}
			text, stderr, code := runPlan(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			out, stderr, code := runPlan(t, append(args, "--tokens")...)
			if code != 0 {
				t.Fatalf("--tokens: exit %d: %s", code, stderr)
			}
			var spelled strings.Builder
			specials := 0
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				f := strings.Split(line, "\t")
				if len(f) != 3 {
					t.Fatalf("line %q: want ID, kind, text", line)
				}
				if _, err := strconv.Atoi(f[0]); err != nil {
					t.Fatalf("line %q: id: %v", line, err)
				}
				s, err := strconv.Unquote(f[2])
				if err != nil {
					t.Fatalf("line %q: text: %v", line, err)
				}
				spelled.WriteString(s)
				switch f[1] {
				case "special":
					specials++
					if !contains(fam.Controls, s) && s != fam.BOS && s != fam.EOS {
						t.Errorf("control token %q is not one of %s's", s, fam.Name)
					}
				case "markup", "content":
				default:
					t.Errorf("line %q: kind %q", line, f[1])
				}
			}
			if spelled.String() != text {
				t.Errorf("tokens spell\n%q\nplan prompt prints\n%q", spelled.String(), text)
			}
			want := 0
			for _, c := range fam.Controls {
				want += strings.Count(text, c) - strings.Count(content, c)
			}
			if specials != want {
				t.Errorf("%d control tokens, want %d (the markup's)", specials, want)
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
