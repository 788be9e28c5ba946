package chat

import (
	"strings"
	"testing"
)

// FuzzParseJSON: any input is a value or an *Error, never a panic; a value
// has unique keys in every object.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"a": [1, 2.5, "x", null, true], "b": {"c": "\u00e9"}}`))
	f.Add([]byte(`[{"role": "user", "content": "hi"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseJSON("f.json", data, JSONLimits{MaxDepth: 32})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		var check func(Value)
		check = func(v Value) {
			seen := map[string]bool{}
			for _, m := range v.Members {
				if seen[m.Key] {
					t.Fatalf("duplicate key %q accepted", m.Key)
				}
				seen[m.Key] = true
				check(m.Value)
			}
			for _, it := range v.Items {
				check(it)
			}
		}
		check(v)
		// Messages built from the same bytes fail cleanly too.
		if _, err := ParseMessages("f.json", data, JSONLimits{MaxDepth: 32}); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
		}
	})
}

// FuzzTemplate: any template source compiles and renders to pieces or to
// an *Error; when it renders, no content string lies in a markup piece.
func FuzzTemplate(f *testing.F) {
	f.Add(`{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}`)
	f.Add(`{{ tools | tojson(indent=2) }}{% set x = messages[0].content|trim %}{{ x }}`)
	f.Add(`{%- for t in tools %}{{ t.function.name }}: {{ t.function.description }}{% endfor %}{{ messages[-1].tool_calls[0].function.arguments|tojson }}`)
	conv, err := ParseMessages("m.json", []byte(`{"messages": [
		{"role": "user", "content": "SECRET-user"},
		{"role": "assistant", "content": "", "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "f", "arguments": {"k": "SECRET-arg", "n": 1.5}}}]},
		{"role": "tool", "tool_call_id": "abc123xyz", "content": "SECRET-result"}],
		"tools": [{"type": "function", "function": {"name": "f", "description": "SECRET-desc", "parameters": {"type": "object", "properties": {"k": {"type": "string"}}}}}]}`), JSONLimits{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if strings.Contains(src, "SECRET") {
			return // a template may print the marker itself
		}
		tmpl, err := Compile("f.jinja", src, TemplateLimits{MaxBytes: 64 << 10})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		r, err := tmpl.Render(conv, Options{MaxOutputBytes: 1 << 16})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		for _, p := range r.Pieces {
			if p.Markup && strings.Contains(p.Text, "SECRET") {
				t.Fatalf("content in markup: %q", p.Text)
			}
		}
	})
}
