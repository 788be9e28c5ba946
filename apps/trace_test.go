package apps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// rejectedBecause is why each rejected trace of specs/apps/*/traces is
// rejected: a substring of the verdict's reason, or of the read error.
var rejectedBecause = map[string]string{
	"believed":      "the believed screen before step 2",
	"notgoal":       "the end line says the goal was reached",
	"offscreen":     `tap("Nowhere") is no action of screen`,
	"outcome":       "is judged success, not nochange",
	"result":        "the result shows what",
	"rollback":      "a rollback action follows no fail or nochange",
	"unrecoverable": "ended unrecoverable",
	"dupkey":        `duplicate key "tool"`,
	"unknownkey":    `unknown key "Tool"`,
}

// TestBundledTraces: every accepted trace of the bundled apps validates,
// every rejected one is rejected for its reason, at a position in it.
func TestBundledTraces(t *testing.T) {
	for _, name := range bundled {
		a := loadApp(t, name)
		g, err := CompileGoal(a, LowerOptions{}, specplan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join("..", "specs", "apps", name, "traces")
		acc, _ := filepath.Glob(filepath.Join(dir, "accepted", "*.jsonl"))
		rej, _ := filepath.Glob(filepath.Join(dir, "rejected", "*.jsonl"))
		if len(acc) < 2 || len(rej) < len(rejectedBecause) {
			t.Fatalf("%s: %d accepted and %d rejected traces", name, len(acc), len(rej))
		}
		for _, p := range acc {
			src, _ := os.ReadFile(p)
			tr, err := ReadTrace(p, src, TraceLimits{})
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if v := g.ValidateTrace(tr); !v.Accepted {
				t.Errorf("%s: rejected: %s: %s", p, v.Pos, v.Reason)
			}
			faults := 0
			for _, l := range tr.Lines {
				if l.Outcome != Success {
					faults++
				}
			}
			if faults == 0 {
				t.Errorf("%s: an accepted trace without a fault recovered from", p)
			}
		}
		for _, p := range rej {
			stem := strings.TrimSuffix(filepath.Base(p), ".jsonl")
			want, ok := rejectedBecause[stem]
			if !ok {
				t.Fatalf("%s: no expected reason", p)
			}
			src, _ := os.ReadFile(p)
			tr, err := ReadTrace(p, src, TraceLimits{})
			if err != nil {
				var list ltl.ErrorList
				if !strings.Contains(err.Error(), want) || !asList(err, &list) || list[0].Code != ErrTrace || list[0].Pos.Line < 1 {
					t.Errorf("%s: read error %v, want %q (ErrTrace, positioned)", p, err, want)
				}
				continue
			}
			v := g.ValidateTrace(tr)
			if v.Accepted || !strings.Contains(v.Reason, want) || v.Pos.Line < 1 {
				t.Errorf("%s: verdict %+v, want rejected for %q", p, v, want)
			}
		}
	}
}

func asList(err error, list *ltl.ErrorList) bool {
	l, ok := err.(ltl.ErrorList)
	*list = l
	return ok && len(l) > 0
}

// TestReadTraceLimits: a trace or a line over its limit is an
// ErrInputLimit naming the flag and the option.
func TestReadTraceLimits(t *testing.T) {
	line := `{"end": "goal", "screen": "Home", "steps": 0, "recoveries": 0}` + "\n"
	for _, c := range []struct {
		lim  TraceLimits
		want []string
	}{
		{TraceLimits{MaxBytes: 10}, []string{"--max-input-bytes", "TraceLimits.MaxBytes"}},
		{TraceLimits{MaxLineBytes: 10}, []string{"--max-line-bytes", "TraceLimits.MaxLineBytes"}},
	} {
		_, err := ReadTrace("t.jsonl", []byte(line), c.lim)
		list, ok := err.(ltl.ErrorList)
		if !ok || list[0].Code != ltl.ErrInputLimit {
			t.Fatalf("%+v: %v", c.lim, err)
		}
		for _, w := range c.want {
			if !strings.Contains(list[0].Msg, w) {
				t.Errorf("%+v: %q does not name %s", c.lim, list[0].Msg, w)
			}
		}
	}
	if _, err := ReadTrace("t.jsonl", []byte(line), TraceLimits{}); err != nil {
		t.Fatal(err)
	}
}
