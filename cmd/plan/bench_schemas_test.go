package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchSchemas runs plan bench-schemas on a three-schema corpus: two
// compile (their walks validate, their labelled instances are judged
// right), one is refused for multipleOf.
func TestBenchSchemas(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"bench-schemas", "testdata/schemacorpus", "--json", "--walks", "5"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Total struct {
			Schemas, Compiled, Walks int
			WalksOK                  int `json:"walks_valid"`
			Instances                int
			Right                    int `json:"instances_judged_right"`
		} `json:"total"`
		Refusals map[string]int `json:"refusals_by_keyword"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	tt := rep.Total
	if tt.Schemas != 3 || tt.Compiled != 2 || tt.Walks != 10 || tt.WalksOK != 10 || tt.Instances != 5 || tt.Right != 5 || rep.Refusals["multipleOf"] != 1 {
		t.Errorf("report %+v refusals %v", tt, rep.Refusals)
	}
}

// TestBenchSchemasGenerate: --generate runs the model under each schema
// of the sample that compiles for generation (two of the three; the
// third is refused for multipleOf) and validates every call, in the JSON
// report and in the text.
func TestBenchSchemasGenerate(t *testing.T) {
	model := tinyModel(t)
	var out, errb bytes.Buffer
	if code := run([]string{"bench-schemas", "testdata/schemacorpus", "--json", "--walks", "1", "--generate", "5", "--model", model}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Runs      int            `json:"generate_runs"`
		Tried     int            `json:"generate_tried"`
		Refused   map[string]int `json:"generate_refused"`
		Generated int            `json:"generated"`
		Valid     int            `json:"generated_valid"`
		Format    string         `json:"format"`
		Model     string         `json:"model"`
		Total     struct {
			Compiled int `json:"compiled"`
		} `json:"total"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if rep.Total.Compiled != 2 || rep.Tried != 3 || rep.Runs != 2 || rep.Generated != 2 || rep.Valid != 2 || rep.Refused["multipleOf"] != 1 || rep.Format != "json" || rep.Model != model {
		t.Errorf("report %+v", rep)
	}
	out.Reset()
	if code := run([]string{"bench-schemas", "testdata/schemacorpus", "--walks", "1", "--generate", "1", "--model", model, "--format", "hermes"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "generation (hermes, model ") || !strings.Contains(out.String(), "generated calls valid: 1/1") {
		t.Errorf("text report:\n%s", out.String())
	}
}
