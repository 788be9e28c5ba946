package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzCompile: Compile never panics or hangs on any input, every refusal
// is an *CompileError with a known Code, and a compiled schema can be validated
// against and checked for contradictions.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{"type": "object", "properties": {"a": {"type": "string", "pattern": "^[a-z]+$"}}, "required": ["a"]}`,
		`{"$defs": {"n": {"anyOf": [{"type": "null"}, {"$ref": "#"}]}}, "$ref": "#/$defs/n"}`,
		`{"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 3, "exclusiveMaximum": true}`,
		`{"$ref": "https://example.com/x"}`, `{"a": 1, "a": 2}`, `{"pattern": "(?<=a)b"}`,
		`{"format": "idn-hostname"}`, `{"minimum": 1e400, "enum": [1, "x", null, [true]]}`, `true`, `[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Compile(src, CompileOptions{MaxBytes: 1 << 16})
		if err != nil {
			var e *CompileError
			if !errors.As(err, &e) || e.Code < ErrSyntax || e.Code > ErrRegex || e.Msg == "" {
				t.Fatalf("Compile(%q) = %#v, want an *CompileError with a known code", src, err)
			}
			return
		}
		for _, v := range []any{nil, true, json.Number("1.5"), "x", []any{json.Number("1")}, map[string]any{"a": "b"}} {
			_ = s.Validate(v)
		}
		_ = s.Contradictions()
	})
}

// FuzzFastPath: on any schema and any instance, the allocation-free fast
// path never contradicts the general validator when it decides.
func FuzzFastPath(f *testing.F) {
	f.Add([]byte(`{"type": "object", "properties": {"n": {"type": "integer", "maximum": 9007199254740992}}}`), []byte(`{"n": 9007199254740993}`))
	f.Add([]byte(`{"enum": [1.0, "a", [1, {"b": null}]]}`), []byte(`[1, {"b": null}]`))
	f.Add([]byte(`{"oneOf": [{"type": "integer"}, {"minimum": 2}]}`), []byte(`2.5`))
	f.Add([]byte(`{"not": {"const": -0}}`), []byte(`0.0`))
	f.Add([]byte(`{"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"exclusiveMinimum": 1e-3}}`), []byte(`"é"`))
	f.Fuzz(func(t *testing.T, src, inst []byte) {
		s, err := Compile(src, CompileOptions{MaxBytes: 1 << 16})
		if err != nil || s.fast == nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(inst))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil || !s.wellFormed(v, 0) {
			return
		}
		fast := s.fast.check(v, 0)
		if fast == vUnknown {
			return
		}
		w, _, prob := toJSON(v, "", 0, s.opts.MaxNumberLen)
		if prob != nil {
			t.Fatalf("well-formed value refused by toJSON: %v", prob)
		}
		slow := s.lib.Validate(w) == nil
		if (fast == vValid) != slow {
			t.Fatalf("schema %s, instance %s: fast path says valid=%v, the validator %v", src, inst, fast == vValid, slow)
		}
	})
}
