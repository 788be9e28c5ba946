package routines_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/routines"
)

func loadRefund(t *testing.T) (*routines.Routine, []ltl.CatalogTool) {
	t.Helper()
	r, _, cat, err := routines.LoadFile("../specs/routines/refund.routine", routines.Options{}, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat) == 0 {
		t.Fatal("refund.routine's `tools from` gave no catalog")
	}
	return r, cat
}

func call(tool string, args map[string]any, result any) ltl.Event {
	return ltl.Event{Tool: tool, Args: args, Outcome: ltl.Returned, Result: result}
}

// TestCompileRefund: the input is forced as a literal, the branch is
// decided by the order's status, and the amount must equal the returned
// total.
func TestCompileRefund(t *testing.T) {
	r, cat := loadRefund(t)
	spec, err := routines.Compile(r, map[string]any{"order_id": "A17"}, cat, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]any{"status": "delivered", "total": json.Number("42.5"), "email": "a@b.c"}
	good := []ltl.Event{
		call("check_permission", map[string]any{"action": "refund"}, map[string]any{"allowed": true}),
		call("get_order", map[string]any{"order_id": "A17"}, order),
		call("issue_refund", map[string]any{"order_id": "A17", "amount": json.Number("42.5")}, map[string]any{}),
		call("send_message", map[string]any{"to": "a@b.c", "text": "done"}, map[string]any{}),
	}
	if v := spec.Validate(good); !v.Accepted {
		t.Fatalf("the routine's own run is rejected: %+v", v.Violation)
	}
	for name, mutate := range map[string]func([]ltl.Event){
		"another order":  func(tr []ltl.Event) { tr[1].Args = map[string]any{"order_id": "B2"} },
		"another amount": func(tr []ltl.Event) { tr[2].Args = map[string]any{"order_id": "A17", "amount": json.Number("99")} },
		"not delivered": func(tr []ltl.Event) {
			tr[1].Result = map[string]any{"status": "shipped", "total": json.Number("42.5"), "email": "a@b.c"}
		},
		"another recipient": func(tr []ltl.Event) { tr[3].Args = map[string]any{"to": "x@y.z", "text": "done"} },
	} {
		tr := append([]ltl.Event(nil), good...)
		mutate(tr)
		if v := spec.Validate(tr); v.Accepted {
			t.Errorf("%s: accepted, want rejected", name)
		}
	}
}

func TestCompileInputErrors(t *testing.T) {
	r, cat := loadRefund(t)
	for name, tc := range map[string]struct {
		inputs map[string]any
		code   ltl.Code
		line   int
		want   string
	}{
		"missing":    {map[string]any{}, routines.ErrMissingInput, 4, "input order_id (string) has no value"},
		"wrong type": {map[string]any{"order_id": json.Number("17")}, routines.ErrInputValue, 4, "declared a string, but its value is an integer"},
		"undeclared": {map[string]any{"order_id": "A17", "orderid": "A17"}, routines.ErrInputValue, 3, `input "orderid" has a value but routine refund declares no such input`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := routines.Compile(r, tc.inputs, cat, specplan.Options{})
			var list ltl.ErrorList
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("got %v, want one positioned error", err)
			}
			if list[0].Code != tc.code || list[0].Pos.Line != tc.line || !strings.Contains(list[0].Msg, tc.want) {
				t.Errorf("got %s [%s] at line %d, want %q [%s] at line %d", list[0].Msg, routines.CodeName(list[0].Code), list[0].Pos.Line, tc.want, routines.CodeName(tc.code), tc.line)
			}
		})
	}
}

// TestCompileCheckFindings: Compile refuses what Check finds (an unknown
// tool here, an unreachable step), positioned in the routine.
func TestCompileCheckFindings(t *testing.T) {
	src := "routine r\n1. -> a() as x\n2. -> nope()\n"
	r, err := routines.Parse("r.routine", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := ltl.ParseCatalog("c.json", []byte(`[{"name":"a","parameters":{"type":"object"}}]`))
	_, err = routines.Compile(r, nil, cat, specplan.Options{})
	if got := codesOf(err); got != "unknown-tool@3:7" {
		t.Errorf("got %s (%v), want unknown-tool@3:7", got, err)
	}
	unreachable := "routine r\n1. -> a() as x\nend\n2. -> a()\n"
	r, err = routines.Parse("r.routine", []byte(unreachable))
	if err != nil {
		t.Fatal(err)
	}
	if err := routines.Check(r, cat); codesOf(err) != "unreachable@4:1" {
		t.Fatalf("Check: %v", err)
	}
	if _, err := routines.Compile(r, nil, cat, specplan.Options{}); codesOf(err) != "unreachable@4:1" {
		t.Errorf("Compile: %v", err)
	}
}

func codesOf(err error) string {
	var list ltl.ErrorList
	if !errors.As(err, &list) {
		return "not a list"
	}
	var out []string
	for _, x := range list {
		out = append(out, routines.CodeName(x.Code)+"@"+strings.TrimPrefix(ltl.FormatPos(ltl.Pos{Line: x.Pos.Line, Column: x.Pos.Column}), ":"))
	}
	return strings.Join(out, ",")
}

// TestCompileLimitInRoutine: a limit of the compilation is reported at a
// position in the routine's file, not in the lowered text, and stays
// comparable with errors.Is.
func TestCompileLimitInRoutine(t *testing.T) {
	r, cat := loadRefund(t)
	_, err := routines.Compile(r, map[string]any{"order_id": "A17"}, cat, specplan.Options{MaxStates: 2})
	if err == nil {
		t.Fatal("MaxStates 2 compiled")
	}
	if !errors.Is(err, automata.ErrStateLimit) {
		t.Errorf("not automata.ErrStateLimit: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "../specs/routines/refund.routine:") || strings.Contains(err.Error(), "(lowered)") {
		t.Errorf("not positioned in the routine: %v", err)
	}
}

func TestResolveCatalog(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(sub, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("c.json", `[{"name":"a","parameters":{"type":"object"}}]`)
	path := write("r.routine", "routine r\ntools from \"c.json\"\n1. -> a()\n")
	r, _, cat, err := routines.LoadFile(path, routines.Options{}, specplan.Options{})
	if err != nil || len(cat) != 1 || cat[0].Name != "a" {
		t.Fatalf("relative to the routine: %v %v", cat, err)
	}
	// --tools overrides it.
	over := []ltl.CatalogTool{{Name: "b"}}
	if got, err := routines.ResolveCatalog(r, specplan.Options{Catalog: over}); err != nil || len(got) != 1 || got[0].Name != "b" {
		t.Errorf("override: %v %v", got, err)
	}
	// A missing file is an error at the `tools from` line.
	path = write("m.routine", "routine r\n\n  tools from \"missing.json\"\n1. -> a()\n")
	_, _, _, err = routines.LoadFile(path, routines.Options{}, specplan.Options{})
	var list ltl.ErrorList
	if !errors.As(err, &list) || list[0].Pos.Filename != path || list[0].Pos.Line != 3 || list[0].Pos.Column != 3 || !strings.Contains(list[0].Msg, "missing.json") {
		t.Errorf("got %v", err)
	}
	// A directory is not read.
	if err := os.Mkdir(filepath.Join(sub, "d.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	path = write("d.routine", "routine r\ntools from \"d.json\"\n1. -> a()\n")
	_, _, _, err = routines.LoadFile(path, routines.Options{}, specplan.Options{})
	if !errors.As(err, &list) || list[0].Pos.Line != 2 || !strings.Contains(list[0].Msg, "directory") {
		t.Errorf("got %v", err)
	}
}

// TestCheckLowering: a routine Check accepts but Lower cannot express
// (a result of a tool two steps call, referenced later) is reported by
// CheckLowering, positioned at the argument, whatever the inputs.
func TestCheckLowering(t *testing.T) {
	src := "routine r\ninput n: integer\n1. -> a() as x\n2. -> a()\n3. if $n > 3 {\n  3.1 -> b(v: $x.v)\n}\n"
	r, err := routines.Parse("r.routine", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := routines.Check(r, nil); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if got := codesOf(routines.CheckLowering(r, 0)); got != "lower@6:12" {
		t.Errorf("CheckLowering: %s (%v)", got, routines.CheckLowering(r, 0))
	}
	if err := routines.CheckLowering(mustParse(t, "routine r\ninput n: integer\n1. -> a(v: $n) as x\n2. -> b(v: $x.v)\n"), 0); err != nil {
		t.Errorf("clean routine: %v", err)
	}
}

func mustParse(t *testing.T, src string) *routines.Routine {
	t.Helper()
	r, err := routines.Parse("r.routine", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
