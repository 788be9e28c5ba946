package specplan_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// TestBundledWitnessesValidate: for every bundled spec with a catalog
// (specs/*.tools.json), each of the 30 shortest witnesses passes Validate,
// and every call's arguments validate under the tool's schema per an
// independent validator (github.com/santhosh-tekuri/jsonschema/v6), after
// a round trip through JSON text.
func TestBundledWitnessesValidate(t *testing.T) {
	catalogs, err := filepath.Glob("specs/*.tools.json")
	if err != nil || len(catalogs) == 0 {
		t.Fatalf("no bundled catalogs: %v", err)
	}
	for _, cat := range catalogs {
		spec := strings.TrimSuffix(cat, ".tools.json") + ".ltl"
		t.Run(filepath.Base(spec), func(t *testing.T) {
			data, err := os.ReadFile(cat)
			if err != nil {
				t.Fatal(err)
			}
			tools, err := ltl.ParseCatalog(cat, data)
			if err != nil {
				t.Fatal(err)
			}
			s, err := specplan.CompileFile(spec, specplan.Options{Catalog: tools})
			if err != nil {
				t.Fatal(err)
			}
			validators := map[string]*jsonschema.Schema{}
			for _, tool := range tools {
				doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(tool.Parameters))
				if err != nil {
					t.Fatal(err)
				}
				c := jsonschema.NewCompiler()
				c.AssertFormat()
				url := "mem://" + tool.Name + ".json"
				if err := c.AddResource(url, doc); err != nil {
					t.Fatal(err)
				}
				if validators[tool.Name], err = c.Compile(url); err != nil {
					t.Fatal(err)
				}
			}
			ws, err := s.Witnesses(30)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) == 0 {
				t.Fatal("no witnesses")
			}
			// The shortest witnesses need not call every tool: add, for
			// every call symbol, the shortest witnesses that contain it.
			covered := 0
			for i, sym := range s.Alphabet().Symbols {
				if sym.Tool == "" {
					continue
				}
				f := symbolFormula(sym)
				d, err := automata.Compile(&ltl.Unary{Op: ltl.OpEventually, X: f}, s.Alphabet(), automata.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if d, err = automata.Product(s.DFA(), d, automata.Intersect); err != nil {
					t.Fatal(err)
				}
				if d.IsEmpty() {
					continue // the spec forbids this symbol (never(refund(amount > 1000)))
				}
				more, err := specplan.WithDFA(s, d).Witnesses(3)
				if err != nil {
					t.Fatalf("symbol %d %s: %v", i, sym.Name, err)
				}
				ws = append(ws, more...)
				covered++
			}
			if covered == 0 {
				t.Fatal("no call symbol is reachable")
			}
			called := map[string]bool{}
			for _, trace := range ws {
				for _, ev := range trace {
					called[ev.Tool] = true
				}
			}
			for _, tool := range tools {
				if !called[tool.Name] {
					t.Errorf("no witness calls %s", tool.Name)
				}
			}
			for n, trace := range ws {
				// The trace as plan witness prints it, read back as a file.
				var buf bytes.Buffer
				for _, ev := range trace {
					b, err := json.Marshal(ev)
					if err != nil {
						t.Fatal(err)
					}
					buf.Write(append(b, '\n'))
				}
				back, err := ltl.ReadTrace("w.jsonl", bytes.NewReader(buf.Bytes()), s.Source())
				if err != nil {
					t.Fatalf("witness %d does not read back: %v", n, err)
				}
				if v := s.Validate(back); !v.Accepted {
					t.Errorf("witness %d rejected: %s\n%s", n, v.Violation.Reason, buf.String())
				}
				for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
					var ev struct {
						Tool string          `json:"tool"`
						Args json.RawMessage `json:"args"`
					}
					if err := json.Unmarshal([]byte(line), &ev); err != nil {
						t.Fatal(err)
					}
					if ev.Tool == "" {
						continue
					}
					args := ev.Args
					if len(args) == 0 {
						args = json.RawMessage(`{}`)
					}
					inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(args))
					if err != nil {
						t.Fatal(err)
					}
					if err := validators[ev.Tool].Validate(inst); err != nil {
						t.Errorf("witness %d: %s: arguments %s do not validate: %v", n, ev.Tool, args, err)
					}
				}
			}
		})
	}
}

// symbolFormula is the conjunction of a call symbol's literals.
func symbolFormula(sym automata.Symbol) ltl.Formula {
	var f ltl.Formula = &ltl.Atom{Kind: ltl.AtomTool, Name: sym.Tool}
	for _, l := range sym.Lits {
		var lit ltl.Formula = &ltl.Atom{Kind: ltl.AtomTool, Name: sym.Tool, Preds: []ltl.Pred{l.Pred}}
		if !l.Holds {
			lit = &ltl.Unary{Op: ltl.OpNot, X: lit}
		}
		f = &ltl.Binary{Op: ltl.OpAnd, L: f, R: lit}
	}
	return f
}

// TestWitnessesRepairPredicatedStrings: a predicated string argument whose
// fresh witness value breaks the schema's pattern is replaced by one that
// matches the pattern and keeps the predicate's truth value.
func TestWitnessesRepairPredicatedStrings(t *testing.T) {
	cat := `[{"type":"function","function":{"name":"get_order","parameters":{"type":"object",
	  "properties":{"order_id":{"type":"string","pattern":"^[A-Z][0-9]{1,5}$"}},"required":["order_id"]}}}]`
	tools, err := ltl.ParseCatalog("c.json", []byte(cat))
	if err != nil {
		t.Fatal(err)
	}
	s, err := specplan.Compile("p.ltl", []byte("spec p\ntools get_order\nrule get_order(order_id != \"A17\")\n"), specplan.Options{Catalog: tools})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := s.Witnesses(1)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := ws[0][0].Args["order_id"].(string)
	if id == "A17" || len(id) < 2 || id[0] < 'A' || id[0] > 'Z' {
		t.Errorf("witness order_id %q", id)
	}
	// A pattern no predicate-respecting value can match is an error.
	s, err = specplan.Compile("p.ltl", []byte("spec p\ntools get_order\nrule get_order(order_id == \"nope\")\n"), specplan.Options{Catalog: tools})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Witnesses(1); err == nil || !strings.Contains(err.Error(), "witness 1") {
		t.Errorf("impossible witness: %v", err)
	}
}
