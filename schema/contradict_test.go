package schema

import (
	"strings"
	"testing"
)

// Each schema admits no value (or, at the root, no object); Contradictions
// must name the keyword and where it sits. The last ones are fine and
// must yield nothing.
func TestContradictions(t *testing.T) {
	for _, tc := range []struct {
		schema  string
		pointer string // SchemaPointer of the one problem; "" for none
		keyword string
	}{
		{`{"properties": {"n": {"type": "number", "minimum": 5, "maximum": 3}}}`, "/properties/n/maximum", "maximum"},
		{`{"properties": {"n": {"type": "number", "exclusiveMinimum": 3, "maximum": 3}}}`, "/properties/n/maximum", "maximum"},
		{`{"$schema": "http://json-schema.org/draft-04/schema#", "properties": {"n": {"type": "integer", "minimum": 3, "maximum": 3, "exclusiveMaximum": true}}}`, "/properties/n/exclusiveMaximum", "exclusiveMaximum"},
		{`{"properties": {"n": {"type": "integer", "minimum": 1.2, "maximum": 1.8}}}`, "/properties/n/maximum", "maximum"},
		{`{"properties": {"n": {"type": "integer", "minimum": -1.8, "maximum": -1.2}}}`, "/properties/n/maximum", "maximum"},
		{`{"properties": {"s": {"type": "string", "minLength": 4, "maxLength": 2}}}`, "/properties/s/maxLength", "maxLength"},
		{`{"properties": {"a": {"type": "array", "minItems": 2, "maxItems": 1}}}`, "/properties/a/maxItems", "maxItems"},
		{`{"minProperties": 3, "maxProperties": 1}`, "/maxProperties", "maxProperties"},
		{`{"required": ["a", "b"], "maxProperties": 1}`, "/maxProperties", "maxProperties"},
		{`{"required": ["a"], "properties": {"a": false}}`, "/required", "required"},
		{`{"required": ["b"], "properties": {"a": {}}, "additionalProperties": false}`, "/required", "required"},
		{`{"$defs": {"c": {"type": "string", "enum": [1, 2]}}, "properties": {"x": {"$ref": "#/$defs/c"}}}`, "/$defs/c/enum", "enum"},
		{`{"properties": {"x": {"type": "string", "const": 3}}}`, "/properties/x/const", "const"},
		{`{"type": "array"}`, "/type", "type"},
		{`{"properties": {"n": {"type": "integer", "minimum": 1.2, "maximum": 2}}}`, "", ""},
		{`{"properties": {"n": {"type": "number", "minimum": 3, "maximum": 3}}}`, "", ""},
		{`{"properties": {"n": {"minimum": 5, "maximum": 3}}}`, "", ""},                    // still admits every non-number
		{`{"properties": {"o": {"required": ["a"], "properties": {"a": false}}}}`, "", ""}, // admits non-objects
		{`{"required": ["b"], "patternProperties": {"^b$": {}}, "additionalProperties": false}`, "", ""},
		{`{"type": ["object", "null"], "properties": {"e": {"enum": ["x", 1], "type": "integer"}}}`, "", ""},
	} {
		s, err := Compile([]byte(tc.schema), CompileOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.schema, err)
		}
		got := s.Contradictions()
		if tc.pointer == "" {
			if len(got) != 0 {
				t.Errorf("%s: contradictions %v, want none", tc.schema, got)
			}
			continue
		}
		if len(got) != 1 || got[0].SchemaPointer != tc.pointer || got[0].Keyword != tc.keyword || got[0].Msg == "" {
			t.Errorf("%s: contradictions %+v, want one at %s (%s)", tc.schema, got, tc.pointer, tc.keyword)
		}
	}
}

func TestContradictionMessages(t *testing.T) {
	s, err := Compile([]byte(`{"properties": {"n": {"type": "number", "minimum": 5, "maximum": 3}}}`), CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Contradictions()
	if len(got) != 1 || !strings.Contains(got[0].Msg, "no number is at least 5 and at most 3") {
		t.Errorf("got %v", got)
	}
}
