package automata

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/specplan/specplan/internal/goldentest"
	"github.com/specplan/specplan/ltl"
)

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
	got := []txtar.File{{Name: "dfa.dot", Data: dot.Bytes()}, {Name: "dfa.json", Data: js.Bytes()}, {Name: "dfa.mmd", Data: mm.Bytes()}}
	comment := "G(delete -> Y O confirm) & F refund(amount <= 100), steps [answer], tools [confirm delete refund].\n"
	goldentest.Archive(t, filepath.Join("testdata", "export.txtar"), comment, got)
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
