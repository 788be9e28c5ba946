package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/safetext"
)

// FuzzCLIOutput: whatever a trace file is called and holds, what plan
// prints (human or JSON, stdout or stderr) carries no unsafe rune, and no
// line the input forged: one trace gives at most one verdict line.
func FuzzCLIOutput(f *testing.F) {
	f.Add("trace.jsonl", `{"step":"thought"}`+"\n"+`{"step":"answer"}`+"\n")
	f.Add("evil\x1b]0;PWNED\x07\nok    fake.jsonl", `{"step":"answer"}`)
	f.Add("\u202egnp.jsonl", `{"tool":"x\u001b[2J","args":{}}`)
	spec := filepath.Join(pkgRoot, "specs/react.ltl")
	f.Fuzz(func(t *testing.T, name, content string) {
		if name == "" || name == "." || name == ".." || len(name) > 200 || strings.ContainsAny(name, "/\x00") {
			t.Skip("not a file name")
		}
		if len(content) > 1<<16 {
			t.Skip("too large for a quick run")
		}
		dir := t.TempDir()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Skip(err)
		}
		for _, args := range [][]string{
			{"validate", spec, path},
			{"validate", "--json", spec, path},
			{"validate", spec, path + "\n.missing"},
			{"check", path},
			{"check", "--tools", path, spec},
			{"compile", "-o", filepath.Join(dir, name+".dot"), path},
		} {
			stdout, stderr, _ := runPlan(t, args...)
			for what, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
				for i := 0; i < len(out); {
					r, n := utf8.DecodeRuneInString(out[i:])
					if r == utf8.RuneError && n <= 1 || r != '\n' && r != '\t' && safetext.Unsafe(r) {
						t.Fatalf("%v: %s carries %U: %q", args, what, r, out)
					}
					i += n
				}
			}
			if args[0] == "validate" && args[1] != "--json" {
				verdicts := 0
				for _, line := range strings.Split(stdout, "\n") {
					if strings.HasPrefix(line, "ok    ") || strings.HasPrefix(line, "FAIL  ") {
						verdicts++
					}
				}
				if verdicts > 1 {
					t.Fatalf("%v: one trace, %d verdict lines:\n%s", args, verdicts, stdout)
				}
			}
		}
	})
}
