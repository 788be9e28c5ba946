package main

import (
	"bytes"
	"encoding/json"
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
