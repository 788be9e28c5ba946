package chat

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"
)

// The expected renderings in testdata/golden were produced by Python's
// Jinja2 set up as Hugging Face transformers sets it up for
// apply_chat_template (testdata/gen_golden.py: sandboxed environment,
// trim_blocks, lstrip_blocks, loopcontrols, transformers' tojson,
// raise_exception and strftime_now with the clock pinned), not by this
// package. -update runs that script again (python3 with jinja2 needed).
var update = flag.Bool("update", false, "regenerate testdata/golden with testdata/gen_golden.py (needs python3 and jinja2)")

// goldenDir is testdata unless CHAT_GOLDEN_DIR names another directory of
// the same layout, used to judge templates whose licence keeps them out of
// the repository.
func goldenDir() string {
	if d := os.Getenv("CHAT_GOLDEN_DIR"); d != "" {
		return d
	}
	return "testdata"
}

type family struct {
	Name     string         `json:"name"`
	Template string         `json:"template"`
	BOS      string         `json:"bos"`
	EOS      string         `json:"eos"`
	Kwargs   map[string]any `json:"kwargs"`
	Format   string         `json:"format"`
	// Refuse names conversations that transformers renders and this
	// package knowingly refuses, with the reason.
	Refuse map[string]string `json:"refuse"`
}

func loadFamilies(t *testing.T, dir string) []family {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "families.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fams []family
	if err := json.Unmarshal(data, &fams); err != nil {
		t.Fatal(err)
	}
	return fams
}

var goldenNow = func() time.Time { return time.Date(2026, 7, 26, 10, 30, 0, 0, time.UTC) }

func loadConversation(t *testing.T, dir, name string) Conversation {
	t.Helper()
	path := filepath.Join(dir, "conversations", name+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseMessages(path, data, JSONLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// familyTemplate reads a family's template file (relative to dir unless
// absolute) and returns its path and text.
func familyTemplate(t *testing.T, dir string, f family) (path, src string) {
	t.Helper()
	path = f.Template
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, string(data)
}

func compileFamily(t *testing.T, dir string, f family) *Template {
	t.Helper()
	path, src := familyTemplate(t, dir, f)
	tmpl, err := Compile(filepath.Base(path), src, TemplateLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func familyOptions(f family) Options {
	kw := map[string]any{}
	for k, v := range f.Kwargs {
		kw[k] = v
	}
	return Options{BOS: f.BOS, EOS: f.EOS, Now: goldenNow, Kwargs: kw}
}

func TestGolden(t *testing.T) {
	dir := goldenDir()
	if *update {
		cmd := exec.Command("python3", "gen_golden.py")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gen_golden.py: %v\n%s", err, out)
		}
	}
	for _, f := range loadFamilies(t, dir) {
		t.Run(f.Name, func(t *testing.T) {
			tmpl := compileFamily(t, dir, f)
			data, err := os.ReadFile(filepath.Join(dir, "golden", f.Name+".txtar"))
			if err != nil {
				t.Fatal(err)
			}
			ar := txtar.Parse(data)
			files := map[string]string{}
			for _, file := range ar.Files {
				files[file.Name] = string(file.Data)
			}
			for _, conv := range []string{"plain", "tools", "toolcall", "parts"} {
				t.Run(conv, func(t *testing.T) {
					c := loadConversation(t, dir, conv)
					got, err := tmpl.Render(c, familyOptions(f))
					if why, ok := f.Refuse[conv]; ok {
						if err == nil {
							t.Fatalf("rendered, but families.json says this is refused (%s)", why)
						}
						return
					}
					if want, ok := files[conv+".raised"]; ok {
						e, isErr := err.(*Error)
						if !isErr || e.Code != ErrRaised || !strings.Contains(e.Msg, strings.TrimSpace(want)) {
							t.Fatalf("want the template to raise %q, got %v", strings.TrimSpace(want), err)
						}
						return
					}
					if want, ok := files[conv+".failed"]; ok {
						if err == nil {
							t.Fatalf("Python failed (%s) but this rendered:\n%s", strings.TrimSpace(want), got)
						}
						return
					}
					want, ok := files[conv]
					if !ok {
						t.Fatalf("no %s section", conv)
					}
					if _, ok := files[conv+".no-newline"]; ok {
						want = strings.TrimSuffix(want, "\n")
					}
					if err != nil {
						t.Fatal(err)
					}
					if s := got.String(); s != want {
						t.Errorf("rendering differs from transformers' at byte %d\n got: %q\nwant: %q", firstDiff(s, want), s, want)
					}
					checkContentIsText(t, got, c)
				})
			}
		})
	}
}

func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// checkContentIsText asserts that no markup piece holds the control-token
// text planted in the tool result, and that the result's text itself is
// in a text piece.
func checkContentIsText(t *testing.T, r Rendered, c Conversation) {
	t.Helper()
	for _, m := range c.Messages {
		role, _ := m.Get("role")
		content, _ := m.Get("content")
		if role.Str != "tool" || content.Kind != String {
			continue
		}
		found := false
		for _, p := range r.Pieces {
			if !p.Markup && strings.Contains(p.Text, content.Str) {
				found = true
			}
		}
		if !found && strings.Contains(r.String(), content.Str) {
			t.Errorf("tool result %q is rendered but not as one text piece", content.Str)
		}
	}
	var markup bytes.Buffer
	for _, p := range r.Pieces {
		if p.Markup {
			markup.WriteString(p.Text)
		}
	}
	if strings.Contains(markup.String(), "AF123") {
		t.Errorf("content from a tool result landed in markup: %q", markup.String())
	}
}
