package automata

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// txtar: a minimal reader/writer for the archive format (comment, then
// "-- name --" lines each followed by a file body).
type txtarFile struct {
	name string
	data string
}

func parseTxtar(s string) (comment string, files []txtarFile) {
	lines := strings.SplitAfter(s, "\n")
	cur := -1
	var b strings.Builder
	flush := func() {
		if cur < 0 {
			comment = b.String()
		} else {
			files[cur].data = b.String()
		}
		b.Reset()
	}
	for _, l := range lines {
		t := strings.TrimSuffix(l, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flush()
			files = append(files, txtarFile{name: strings.TrimSpace(t[3 : len(t)-3])})
			cur = len(files) - 1
			continue
		}
		b.WriteString(l)
	}
	flush()
	return comment, files
}

func formatTxtar(comment string, files []txtarFile) string {
	var b strings.Builder
	b.WriteString(comment)
	for _, f := range files {
		b.WriteString("-- " + f.name + " --\n")
		b.WriteString(f.data)
	}
	return b.String()
}

func exportDFA(t *testing.T) *DFA {
	f := and(G(implies(tool("delete"), Y(O(tool("confirm"))))), F(tool("refund", num("amount", ltl.CmpLe, 100))))
	a := mustAlphabet(t, []string{"answer"}, []string{"confirm", "delete", "refund"}, f)
	return mustCompile(t, f, a)
}

func TestExportGolden(t *testing.T) {
	d := exportDFA(t)
	var dot, js, mm bytes.Buffer
	if err := WriteDOT(&dot, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteMermaid(&mm, d); err != nil {
		t.Fatal(err)
	}
	got := []txtarFile{{"dfa.dot", dot.String()}, {"dfa.json", js.String()}, {"dfa.mmd", mm.String()}}
	path := filepath.Join("testdata", "export.txtar")
	comment := "G(delete -> Y O confirm) & F refund(amount <= 100), steps [answer], tools [confirm delete refund].\n"
	if *update {
		if err := os.WriteFile(path, []byte(formatTxtar(comment, got)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	_, want := parseTxtar(string(raw))
	if len(want) != len(got) {
		t.Fatalf("golden has %d files, want %d", len(want), len(got))
	}
	for i := range got {
		if want[i].name != got[i].name || want[i].data != got[i].data {
			t.Errorf("%s differs from golden:\n%s\nwant:\n%s", got[i].name, got[i].data, want[i].data)
		}
	}
}

// TestJSONShape decodes WriteJSON's output and rebuilds the DFA from it.
func TestJSONShape(t *testing.T) {
	d := exportDFA(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	var v struct {
		States      int
		Initial     int
		Accepting   []int
		Alphabet    []string
		Transitions [][3]any
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if v.States != d.NumStates() || v.Initial != d.Initial || len(v.Alphabet) != len(d.Alphabet.Symbols) {
		t.Fatalf("header %d/%d/%d", v.States, v.Initial, len(v.Alphabet))
	}
	n := 0
	for q, row := range d.Trans {
		for s, to := range row {
			if to < 0 {
				continue
			}
			tr := v.Transitions[n]
			if int(tr[0].(float64)) != q || tr[1].(string) != d.Alphabet.Symbols[s].Name || int(tr[2].(float64)) != int(to) {
				t.Errorf("transition %d is %v, want [%d %q %d]", n, tr, q, d.Alphabet.Symbols[s].Name, to)
			}
			n++
		}
	}
	if n != len(v.Transitions) {
		t.Errorf("%d transitions in JSON, %d in DFA", len(v.Transitions), n)
	}
	acc := 0
	for _, a := range d.Accepting {
		if a {
			acc++
		}
	}
	if acc != len(v.Accepting) {
		t.Errorf("accepting %v", v.Accepting)
	}
}

func TestExportEmpty(t *testing.T) {
	a := mustAlphabet(t, []string{"a"}, nil)
	d := mustCompile(t, and(step("a"), not(step("a"))), a)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	if want := `{"states":0,"initial":-1,"accepting":[],"alphabet":["a"],"transitions":[]}` + "\n"; buf.String() != want {
		t.Errorf("empty DFA JSON %q, want %q", buf.String(), want)
	}
}
