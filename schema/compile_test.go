package schema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// Every refusal has its code, the JSON pointer of the place at fault, the
// keyword, and the byte offset of that place in the source.
func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		src     string
		code    CompileCode
		pointer string
		keyword string
		offset  int // -1: not checked
		msg     string
	}{
		{`{"type": "object", "type": "array"}`, ErrSyntax, "/type", "", 19, `duplicate key "type"`},
		{`{"type": "object"`, ErrSyntax, "", "", -1, "ends early"},
		{`{"a": 1} {}`, ErrSyntax, "", "", -1, "after the schema"},
		{"{\"description\": \"\xff\"}", ErrSyntax, "", "", 17, "UTF-8"},
		{`{"description": "\ud800"}`, ErrSyntax, "/description", "", 17, "surrogate"},
		{`{"properties": {"a": {"type": tru}}}`, ErrSyntax, "/properties/a/type", "", 30, "invalid JSON"},
		{`{"items": [{}, 01]}`, ErrSyntax, "/items/1", "", 15, "leading zero"},
		{`{"minimum": 1e99999}`, ErrLimit, "/minimum", "", 12, "MaxNumberLen"},
		{`{"properties": {"a": {"type": "strin"}}}`, ErrInvalid, "/properties/a/type", "type", 30, `"strin"`},
		{`{"$schema": "https://example.com/my-draft"}`, ErrRemoteRef, "/$schema", "$schema", 12, "not a draft this validator knows"},
		{`{"$ref": "https://example.com/s.json"}`, ErrRemoteRef, "/$ref", "$ref", 9, "never loads schemas"},
		{`{"properties": {"a": {"$ref": "defs.json#/a"}}}`, ErrRemoteRef, "/properties/a/$ref", "$ref", 30, `"defs.json"`},
		{`{"$ref": "file:///etc/passwd"}`, ErrRemoteRef, "/$ref", "$ref", 9, "never loads"},
		{`{"$ref": "#/$defs/missing"}`, ErrRef, "/$ref", "$ref", 9, "points at nothing"},
		{`{"pattern": "(?P<n>x)"}`, ErrRegex, "/pattern", "pattern", 12, "ECMA-262"},
		{`{"pattern": "a(?=b)"}`, ErrRegex, "/pattern", "pattern", 12, "cannot run it"},
		{`{"properties": {"a": {"$id": "x"}, "b": {"$id": "x"}}}`, ErrInvalid, "", "$id", -1, "two subschemas cannot share one"},
	} {
		_, err := Compile([]byte(tc.src), CompileOptions{})
		var e *CompileError
		if !errors.As(err, &e) {
			t.Errorf("%s: err = %v, want *CompileError", tc.src, err)
			continue
		}
		if e.Code != tc.code || (tc.pointer != "" && e.Pointer != tc.pointer) || e.Keyword != tc.keyword ||
			(tc.offset >= 0 && e.Offset != tc.offset) || !strings.Contains(e.Error(), tc.msg) {
			t.Errorf("%s:\n got code=%v pointer=%q keyword=%q offset=%d: %v\nwant code=%v pointer=%q keyword=%q offset=%d, containing %q",
				tc.src, e.Code, e.Pointer, e.Keyword, e.Offset, e, tc.code, tc.pointer, tc.keyword, tc.offset, tc.msg)
		}
		if !errors.Is(err, &CompileError{Code: tc.code}) {
			t.Errorf("%s: errors.Is does not match its code %v", tc.src, tc.code)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat(`{"not":`, 200) + "{}" + strings.Repeat("}", 200)
	if _, err := Compile([]byte(deep), CompileOptions{}); !errors.Is(err, &CompileError{Code: ErrLimit}) || !strings.Contains(err.Error(), "MaxDepth") {
		t.Errorf("deep schema: %v", err)
	}
	if _, err := Compile([]byte(deep), CompileOptions{MaxDepth: 500}); err != nil {
		t.Errorf("deep schema with MaxDepth 500: %v", err)
	}
	big := []byte(`{"description": "` + strings.Repeat("x", 100) + `"}`)
	if _, err := Compile(big, CompileOptions{MaxBytes: 50}); !errors.Is(err, &CompileError{Code: ErrLimit}) || !strings.Contains(err.Error(), "MaxBytes") {
		t.Errorf("big schema: %v", err)
	}
}

// Without $schema the default draft applies; $schema overrides it.
func TestDrafts(t *testing.T) {
	// items as an array is a tuple in draft 7 and invalid in 2020-12.
	tuple := `{"items": [{"type": "string"}]}`
	if _, err := Compile([]byte(tuple), CompileOptions{}); !errors.Is(err, &CompileError{Code: ErrInvalid}) {
		t.Errorf("2020-12 tuple items: %v, want invalid", err)
	}
	s, err := Compile([]byte(tuple), CompileOptions{DefaultDraft: Draft7})
	if err != nil || s.Draft() != Draft7 {
		t.Fatalf("draft 7 tuple: %v", err)
	}
	if s.Validate([]any{1}) == nil || s.Validate([]any{"a", 1}) != nil {
		t.Error("draft 7 tuple items not applied")
	}
	s, err = Compile([]byte(`{"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 5, "exclusiveMaximum": true}`), CompileOptions{})
	if err != nil || s.Draft() != Draft4 {
		t.Fatalf("draft 4: %v", err)
	}
	if s.Validate(json.Number("5")) == nil || s.Validate(json.Number("4.9")) != nil {
		t.Error("draft 4 boolean exclusiveMaximum not applied")
	}
}

// Problems name the instance pointer and keyword; hostile text is escaped.
func TestValidationProblems(t *testing.T) {
	s, err := Compile([]byte(`{"type": "object", "required": ["id"], "properties": {
		"tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
		"at": {"type": "string", "format": "date-time"}},
		"additionalProperties": {"type": "integer"}}`), CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Validate(map[string]any{"tags": []any{"ok", "toolong"}, "at": "yesterday", "x\x1b[31m/~": "s"})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	want := map[string]string{"": "required", "/tags/1": "maxLength", "/at": "format", "/x\x1b[31m~1~0": "type"}
	got := map[string]string{}
	for _, p := range ve.Problems {
		got[p.Pointer] = p.Keyword
	}
	for ptr, kw := range want {
		if got[ptr] != kw {
			t.Errorf("problem at %q: keyword %q, want %q (all: %v)", ptr, got[ptr], kw, ve.Problems)
		}
	}
	if strings.Contains(err.Error(), "\x1b") || !strings.Contains(err.Error(), `/x\x1b[31m~1~0 (type)`) {
		t.Errorf("message not escaped: %q", err.Error())
	}
}

// Go values that are not JSON are problems, never accepted or a panic.
func TestValuesThatAreNotJSON(t *testing.T) {
	s, err := Compile([]byte(`{"properties": {"n": {"type": "number", "minimum": 0}, "l": {"type": "array", "items": {"type": "string"}}}}`), CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type myString string
	for _, tc := range []struct {
		v  map[string]any
		ok bool
	}{
		{map[string]any{"l": []string{"a", "b"}}, true},
		{map[string]any{"l": []myString{"a"}}, true},
		{map[string]any{"l": []int{1}}, false},
		{map[string]any{"l": json.RawMessage(`["a"]`)}, true},
		{map[string]any{"l": json.RawMessage(`["a",`)}, false},
		{map[string]any{"n": json.Number("abc")}, false},
		{map[string]any{"n": json.Number("1e99999")}, false},
		{map[string]any{"n": struct{}{}}, false},
		{map[string]any{"n": make(chan int)}, false},
		{map[string]any{"n": nan()}, false},
		{map[string]any{"n": new(int)}, true},
		{map[string]any{"other": func() {}}, false},
	} {
		if err := s.Validate(tc.v); (err == nil) != tc.ok {
			t.Errorf("%#v: err = %v, want ok=%v", tc.v, err, tc.ok)
		}
	}
	loop := map[string]any{}
	loop["self"] = loop
	if err := s.Validate(loop); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("a map containing itself: %v", err)
	}
}

func nan() float64 { z := 0.0; return z / z }

// A valid call on the fast path allocates nothing; ratios, not times.
func TestValidateAllocatesNothingOnValidArgs(t *testing.T) {
	s, err := Compile([]byte(`{"type": "object", "required": ["id", "amount"], "additionalProperties": false, "properties": {
		"id": {"type": "string", "pattern": "^[A-Z][0-9]+$"}, "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": 1e6},
		"kind": {"enum": ["a", "b", 3]}, "when": {"type": "string", "format": "date"},
		"tags": {"type": "array", "maxItems": 4, "items": {"$ref": "#/$defs/tag"}},
		"opt": {"anyOf": [{"type": "null"}, {"type": "integer"}]}}, "$defs": {"tag": {"type": "string", "minLength": 1}}}`), CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"id": "A1", "amount": json.Number("12.50"), "kind": 3, "when": "2024-02-29", "tags": []any{"x", "y"}, "opt": nil}
	if err := s.ValidateArgs(args); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = s.ValidateArgs(args) }); n != 0 {
		t.Errorf("ValidateArgs allocates %v times on valid arguments, want 0", n)
	}
}

// Regular expressions: ECMA-262 syntax with its web (Annex B) leniency for
// braces, brackets and escaped punctuation, which real schemas rely on;
// not Python's or Go's own extensions.
func TestECMARegexSyntax(t *testing.T) {
	for re, ok := range map[string]bool{
		`^PUBMED:\{d}`: true, `^[[a-z]*[-]?[a-z]*]*$`: true, `a{`: true, `a{1,}b`: true, `x}`: true,
		`^\d{4}\-\d{2}$`: true, `\:\@\%\'`: true, `\cJ\x41\u0041\u{1F600}\p{L}`: true, `(?<n>a)\k<n>`: true, `[\b\-]`: true,
		`\a`: false, `\_x`: true, `(?P<n>a)`: false, `(?i)a`: false, `(?#c)`: false, `a{2,1}`: false, `*a`: false,
		`(a`: false, `a)`: false, `[a`: false, `\k<none>`: false, `\`: false, `\01`: false,
	} {
		if err := checkECMARegex(re); (err == nil) != ok {
			t.Errorf("checkECMARegex(%q) = %v, want ok=%v", re, err, ok)
		}
	}
}
