package specplan_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/lineartest"
	"github.com/specplan/specplan/ltl"
)

// TestDuplicateRulesLinear: n copies of a rule are compiled and checked
// once (100k copies took over 60 s and 720 MB), and each copy is reported.
func TestDuplicateRulesLinear(t *testing.T) {
	lineartest.Ratio(t, 100, func(n int) {
		src := "spec s\nsteps observation\ntools refund, lookup\n" +
			strings.Repeat("rule G(refund -> X observation)\nrule at_most(3, lookup)\n", n)
		s, err := specplan.Compile("s.ltl", []byte(src), specplan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		diags, err := s.Check()
		if err != nil {
			t.Fatal(err)
		}
		if len(diags) != 2*n-2 {
			t.Fatalf("%d diagnostics for %d copies of 2 rules", len(diags), n)
		}
		for _, d := range diags {
			if d.Code != specplan.CheckDuplicate {
				t.Fatalf("unexpected %v", d)
			}
		}
		if s.Rules()[0] != s.Rules()[2] {
			t.Fatal("copies of a rule must share one DFA")
		}
	})
}

func TestSpecSizeLimit(t *testing.T) {
	src := []byte("spec s\nsteps a\nrule F a\n" + strings.Repeat("# padding\n", 10))
	_, err := specplan.Compile("s.ltl", src, specplan.Options{MaxSpecBytes: 40})
	var l ltl.ErrorList
	if !errors.As(err, &l) || len(l) != 1 || l[0].Code != ltl.ErrSpecSize {
		t.Fatalf("got %v, want one ErrSpecSize", err)
	}
	for _, want := range []string{"s.ltl:", "MaxSpecBytes = 40", "--max-spec-bytes", "Options.MaxSpecBytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %q", err, want)
		}
	}
	if _, err := specplan.Compile("s.ltl", src, specplan.Options{MaxSpecBytes: len(src)}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	// The default refuses a 10 MB formula before the parser runs.
	big := []byte("spec s\nsteps a\nrule a" + strings.Repeat(" | a", 2_500_000))
	_, err = specplan.Compile("big.ltl", big, specplan.Options{})
	if !errors.As(err, &l) || l[0].Code != ltl.ErrSpecSize {
		t.Fatalf("10 MB spec: got %.200v", err)
	}
}

// TestSymbolLimitNamesSpec: the MaxSymbols error says which spec, where,
// and what raises the limit.
func TestSymbolLimitNamesSpec(t *testing.T) {
	src := "spec wide\ntools t\nrule F t(a == 1) | F t(b == 1) | F t(c == 1) | F t(d == 1)\n"
	_, err := specplan.Compile("wide.ltl", []byte(src), specplan.Options{MaxSymbols: 8})
	if !errors.Is(err, automata.ErrSymbolLimit) {
		t.Fatalf("got %v, want ErrSymbolLimit", err)
	}
	for _, want := range []string{"wide.ltl:1:1: spec wide", "MaxSymbols = 8", "--max-symbols", "Options.MaxSymbols"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %q", err, want)
		}
	}
	if _, err := specplan.Compile("wide.ltl", []byte(src), specplan.Options{MaxSymbols: 16}); err != nil {
		t.Errorf("with the limit raised: %v", err)
	}
	// The spec's file name is escaped, as in every position.
	_, err = specplan.Compile("evil\x1b]0;x\a\n.ltl", []byte(src), specplan.Options{MaxSymbols: 8})
	if msg := err.Error(); strings.ContainsAny(msg, "\x1b\a\n") || !strings.Contains(msg, `evil\x1b]0;x\x07\n.ltl:1:1: spec wide`) {
		t.Errorf("file name not escaped: %q", msg)
	}
}

// TestCompileLinear: what passes MaxSpecBytes parses and compiles in time
// linear in its size (a long flat rule, as generated specs have).
func TestCompileLinear(t *testing.T) {
	lineartest.Ratio(t, 200, func(n int) {
		src := "spec s\nsteps a\ntools t, u\nrule a" + strings.Repeat(" | X t & F u", n)
		if _, err := specplan.Compile("s.ltl", []byte(src), specplan.Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMonitorToolNames: tools named as BFCL and MCP name them are guarded
// like any other, from the spec and from a catalog.
func TestMonitorToolNames(t *testing.T) {
	cat, err := ltl.ParseCatalog("tools.json", []byte(`[{"type":"function","function":{"name":"read-file"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	src := "spec s\nsteps answer\ntools ancient_empires.get_religion_info\n" +
		"rule never(`read-file`(path == \"/etc/passwd\"))\nrule G(`read-file` -> X ancient_empires.get_religion_info)\n"
	s, err := specplan.Compile("s.ltl", []byte(src), specplan.Options{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMonitor()
	if d := m.Step(ltl.Event{Tool: "read-file", Args: map[string]any{"path": "/etc/passwd"}}); d.Allow {
		t.Fatalf("forbidden read-file allowed: %+v", d)
	}
	if d := m.Step(ltl.Event{Tool: "read-file", Args: map[string]any{"path": "notes.txt"}}); !d.Allow {
		t.Fatalf("read-file denied: %+v", d)
	}
	if d := m.Step(ltl.Event{Step: "answer"}); d.Allow {
		t.Fatalf("answer allowed where ancient_empires.get_religion_info must come: %+v", d)
	}
	if d := m.Step(ltl.Event{Tool: "ancient_empires.get_religion_info"}); !d.Allow {
		t.Fatalf("dotted tool denied: %+v", d)
	}
}
