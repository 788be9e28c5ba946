package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// object is a JSON object that keeps its key order (generation writes
// properties in schema order).
type object struct {
	keys []string
	m    map[string]any
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.m[k]
	return v, ok
}

// parseDoc decodes a schema document: objects keep their key order,
// numbers stay json.Number, duplicate keys and trailing data are errors.
func parseDoc(raw []byte, maxBytes, maxDepth int) (any, error) {
	if len(raw) > maxBytes {
		return nil, &Error{Code: CodeLimit, Keyword: "", Pointer: "", Msg: fmt.Sprintf("schema is %d bytes, more than %d (limit Options.MaxBytes)", len(raw), maxBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := parseValue(dec, "", 0, maxDepth)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("", "", "trailing data after the schema")
	}
	return v, nil
}

func parseValue(dec *json.Decoder, ptr string, depth, maxDepth int) (any, error) {
	if depth > maxDepth {
		return nil, &Error{Code: CodeLimit, Pointer: ptr, Msg: fmt.Sprintf("JSON nested deeper than %d (limit Options.MaxJSONDepth)", maxDepth)}
	}
	t, err := dec.Token()
	if err != nil {
		return nil, invalid(ptr, "", "not valid JSON: "+err.Error())
	}
	switch d := t.(type) {
	case json.Delim:
		switch d {
		case '{':
			o := &object{m: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, invalid(ptr, "", "not valid JSON: "+err.Error())
				}
				k := kt.(string)
				if _, dup := o.m[k]; dup {
					return nil, invalid(ptr, k, fmt.Sprintf("duplicate key %q", k))
				}
				v, err := parseValue(dec, ptr+"/"+escapePtr(k), depth+1, maxDepth)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, invalid(ptr, "", "not valid JSON: "+err.Error())
			}
			return o, nil
		case '[':
			var a []any
			for i := 0; dec.More(); i++ {
				v, err := parseValue(dec, fmt.Sprintf("%s/%d", ptr, i), depth+1, maxDepth)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, invalid(ptr, "", "not valid JSON: "+err.Error())
			}
			if a == nil {
				a = []any{}
			}
			return a, nil
		}
		return nil, invalid(ptr, "", "unexpected "+d.String())
	}
	return t, nil
}

// plain converts a parsed value to the form encoding/json produces
// (map[string]any), numbers kept as json.Number.
func plain(v any) any {
	switch x := v.(type) {
	case *object:
		m := make(map[string]any, len(x.m))
		for k, e := range x.m {
			m[k] = plain(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = plain(e)
		}
		return a
	}
	return v
}

func escapePtr(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func unescapePtr(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")
}

// resolvePtr finds the value at a JSON pointer ("" is the root).
func resolvePtr(root any, ptr string) (any, bool) {
	if ptr == "" {
		return root, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	cur := root
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unescapePtr(tok)
		switch x := cur.(type) {
		case *object:
			v, ok := x.m[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i := 0
			if tok == "" || len(tok) > 1 && tok[0] == '0' {
				return nil, false
			}
			for _, c := range tok {
				if c < '0' || c > '9' {
					return nil, false
				}
				i = i*10 + int(c-'0')
				if i > len(x) {
					return nil, false
				}
			}
			if i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// jsonEqual is JSON Schema equality: numbers by exact value, objects by
// keys and values, arrays elementwise.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, ok1 := ratOf(x)
		ry, ok2 := ratOf(y)
		return ok1 && ok2 && rx.Cmp(ry) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}
