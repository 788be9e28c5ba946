package export

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

var updateServing = flag.Bool("update-serving", false, "rewrite docs/serving/ from the exporter")

// servingDocFiles are the exported files docs/serving.md shows, for
// specs/refund.ltl in the qwen call format: the structural tag at the
// start, and after the order was looked up and an agent's permission
// checked (a refund is allowed then, up to 100); GBNF and Lark of the
// first turn.
func servingDocFiles(t *testing.T) map[string][]byte {
	s := compileSpec(t, "../specs/refund.ltl", "../specs/refund.tools.json")
	after := stateAfter(t, s, []ltl.Event{
		{Tool: "get_order", Args: map[string]any{"order_id": "A1"}}, {Step: "observation"},
		{Tool: "check_permission", Args: map[string]any{"role": "agent"}}, {Step: "observation"},
	})
	files := map[string][]byte{}
	for name, state := range map[string]int{"refund.start.structural_tag.json": StateStart, "refund.after_permission.structural_tag.json": after} {
		e, err := StructuralTag(s, StructTagOptions{Format: decoder.FormatQwen, State: state})
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.JSON()
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	// The whole-turn grammars from the start (the regex of this spec is
	// over the size limit; docs/serving.md says so).
	for name, f := range map[string]func(*specplan.Spec, Options) ([]byte, error){"refund.start.gbnf": GBNF, "refund.start.lark": Lark} {
		b, err := f(s, Options{Format: decoder.FormatQwen})
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

// TestServingDocText: docs/serving.md links every file under
// docs/serving/ and names the state its --from-state example says.
func TestServingDocText(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "serving.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range servingDocFiles(t) {
		if !bytes.Contains(doc, []byte("(serving/"+name+")")) {
			t.Errorf("docs/serving.md does not link serving/%s", name)
		}
	}
	s := compileSpec(t, "../specs/travel_booking.ltl", "../specs/travel_booking.tools.json")
	q := stateAfter(t, s, []ltl.Event{
		{Tool: "get_budget", Args: map[string]any{"trip_id": "T"}, Outcome: ltl.Returned, Result: map[string]any{"limit": 480, "currency": "EUR"}},
		{Step: "observation"},
		{Tool: "search_flights", Args: map[string]any{"from": "A", "to": "B", "date": "d"}}, {Step: "observation"},
		{Tool: "hold_seat", Args: map[string]any{"flight": "F1"}, Outcome: ltl.Returned, Result: map[string]any{"id": "H7", "price": 300}},
		{Step: "observation"},
	})
	if want := fmt.Sprintf("--from-state %d ", q); !bytes.Contains(doc, []byte(want)) {
		t.Errorf("docs/serving.md's travel_booking example should say %q", want)
	}
}

// TestServingDocFiles: the files under docs/serving/ are what the
// exporter writes today, so the guide cannot go stale (go test ./export
// -run TestServingDocFiles -update-serving rewrites them).
func TestServingDocFiles(t *testing.T) {
	for name, want := range servingDocFiles(t) {
		path := filepath.Join("..", "docs", "serving", name)
		if *updateServing {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update-serving)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go test ./export -run TestServingDocFiles -update-serving", path)
		}
		if strings.HasSuffix(name, ".json") {
			if err := CheckStructuralTagJSON(got); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
	}
}
