package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// readJSON decodes one JSON value strictly: valid UTF-8, no duplicate key
// in any object, numbers kept exact as json.Number, nesting at most
// maxDepth, nothing after the value. Errors carry the byte offset and the
// JSON pointer of the place at fault.
func readJSON(data []byte, maxDepth int) (any, error) {
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, &CompileError{Code: ErrSyntax, Offset: off, Msg: "the schema is not valid UTF-8"}
	}
	r := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), maxDepth: maxDepth}
	r.dec.UseNumber()
	v, err := r.value("", 0)
	if err != nil {
		return nil, err
	}
	if _, err := r.dec.Token(); err != io.EOF {
		return nil, &CompileError{Code: ErrSyntax, Offset: int(r.dec.InputOffset()), Msg: "unexpected data after the schema's JSON value"}
	}
	return v, nil
}

type jsonReader struct {
	data     []byte
	dec      *json.Decoder
	maxDepth int
}

func (r *jsonReader) syntax(ptr string, err error) error {
	off := int(r.dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	msg := "invalid JSON"
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "the JSON ends early"
	} else if err != nil {
		msg = "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	return &CompileError{Code: ErrSyntax, Pointer: ptr, Offset: off, Msg: msg}
}

func (r *jsonReader) value(ptr string, depth int) (any, error) {
	start := int(r.dec.InputOffset())
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntax(ptr, err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // nil, bool, json.Number or string
	}
	if depth >= r.maxDepth {
		return nil, &CompileError{Code: ErrLimit, Pointer: ptr, Offset: start,
			Msg: fmt.Sprintf("the schema nests deeper than %d levels (schema.CompileOptions.MaxDepth)", r.maxDepth)}
	}
	switch delim {
	case '[':
		arr := []any{}
		for i := 0; r.dec.More(); i++ {
			v, err := r.value(ptr+"/"+strconv.Itoa(i), depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(ptr, err)
		}
		return arr, nil
	case '{':
		obj := map[string]any{}
		for r.dec.More() {
			keyOff := int(r.dec.InputOffset())
			tok, err := r.dec.Token()
			if err != nil {
				return nil, r.syntax(ptr, err)
			}
			key, ok := tok.(string)
			if !ok {
				return nil, r.syntax(ptr, fmt.Errorf("object key is not a string"))
			}
			kptr := ptr + "/" + escapeToken(key)
			if _, dup := obj[key]; dup {
				return nil, &CompileError{Code: ErrSyntax, Pointer: kptr, Offset: skipSpace(r.data, keyOff),
					Msg: fmt.Sprintf("duplicate key %s", strconv.Quote(key))}
			}
			v, err := r.value(kptr, depth+1)
			if err != nil {
				return nil, err
			}
			obj[key] = v
		}
		if _, err := r.dec.Token(); err != nil {
			return nil, r.syntax(ptr, err)
		}
		return obj, nil
	}
	return nil, r.syntax(ptr, fmt.Errorf("unexpected %v", delim))
}

// skipSpace moves a decoder offset (which points just after the previous
// token) to the next token itself, for the error's column.
func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// escapeToken writes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// unescapeToken reads one JSON pointer reference token.
func unescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// offsetOf finds the byte offset of the value at ptr inside data (already
// known to be valid JSON), or -1: errors found after decoding (by the
// metaschema, by $ref resolution) are then positioned like syntax errors.
func offsetOf(data []byte, ptr string) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var want []string
	if ptr != "" {
		for _, t := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
			want = append(want, unescapeToken(t))
		}
	}
	return seek(dec, data, want)
}

func seek(dec *json.Decoder, data []byte, want []string) int {
	start := skipSpace(data, int(dec.InputOffset()))
	if len(want) == 0 {
		return start
	}
	tok, err := dec.Token()
	if err != nil {
		return -1
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return -1
			}
			if k == want[0] {
				return seek(dec, data, want[1:])
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return -1
			}
		}
	case json.Delim('['):
		n, err := strconv.Atoi(want[0])
		if err != nil {
			return -1
		}
		for i := 0; dec.More(); i++ {
			if i == n {
				return seek(dec, data, want[1:])
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return -1
			}
		}
	}
	return -1
}
