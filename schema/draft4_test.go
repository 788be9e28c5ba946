package schema

import (
	"encoding/json"
	"testing"
)

// TestDraft4IntegerIsTextual: under draft-04 an integer is "a JSON number
// without a fraction or exponent part", so 12345.0 and 1e2 are not
// integers there; drafts 6+ count any integral value. (MaskBench labels two
// of its instances by this; the library alone accepted them.)
func TestDraft4IntegerIsTextual(t *testing.T) {
	d4 := `{"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "properties": {"n": {"type": "integer"}, "m": {"type": ["integer", "number"]}}}`
	d7 := `{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"n": {"type": "integer"}}}`
	s4, err := Compile([]byte(d4), CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s7, err := Compile([]byte(d7), CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    *Schema
		n    string
		want bool
	}{
		{s4, "12345", true}, {s4, "12345.0", false}, {s4, "1e2", false}, {s4, "-7", true},
		{s7, "12345.0", true}, {s7, "1e2", true},
	} {
		err := c.s.ValidateArgs(map[string]any{"n": json.Number(c.n)})
		if (err == nil) != c.want {
			t.Errorf("draft %v, n = %s: %v, want valid %v", c.s.draft, c.n, err, c.want)
		}
	}
	if err := s4.ValidateArgs(map[string]any{"m": json.Number("1.5")}); err != nil {
		t.Errorf("draft-04 integer-or-number 1.5: %v", err)
	}
	// A Go integer has no text: it is an integer in every draft.
	if err := s4.ValidateArgs(map[string]any{"n": 12345}); err != nil {
		t.Errorf("draft-04 Go int: %v", err)
	}
}
