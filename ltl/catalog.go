package ltl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// CatalogTool is one function of an OpenAI-style `tools` catalog.
type CatalogTool struct {
	Name        string
	Description string
	Parameters  json.RawMessage // the JSON schema of the arguments, verbatim (nil if absent)
	Pos         Pos             // where the entry starts in the catalog file
}

// ToolDecls returns the catalog's tools as declarations for Options.Tools.
func ToolDecls(tools []CatalogTool) []ToolDecl {
	out := make([]ToolDecl, len(tools))
	for i, t := range tools {
		out[i] = ToolDecl{Name: t.Name, Pos: t.Pos}
	}
	return out
}

type catalogFunc struct {
	Name        *string         `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

type catalogEntry struct {
	Type     string       `json:"type"`
	Function *catalogFunc `json:"function"`
	catalogFunc
}

// ParseCatalog reads the OpenAI `tools` JSON: an array of
// {"type":"function","function":{"name","description","parameters"}}, or a
// bare array of function objects. Missing or non-identifier names
// (ErrCatalogTool) and duplicate names (ErrDuplicate) are all reported; JSON
// that is not an array of objects is ErrCatalogSyntax. The error is an ErrorList.
func ParseCatalog(filename string, data []byte) ([]CatalogTool, error) {
	e := &errs{}
	pos := func(off int) Pos { return offsetPos(filename, data, off) }
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') {
		off := skipSpace(data, 0)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = int(se.Offset) - 1
		}
		e.add(pos(off), ErrCatalogSyntax, "tool catalog must be a JSON array of tools")
		return nil, e.result()
	}
	var tools []CatalogTool
	seen := map[string]Pos{}
	for dec.More() {
		start := skipSpace(data, int(dec.InputOffset()))
		var entry catalogEntry
		if err := dec.Decode(&entry); err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &se):
				e.add(pos(int(se.Offset)-1), ErrCatalogSyntax, "invalid JSON: "+se.Error())
				return nil, e.result()
			case errors.As(err, &te):
				e.add(pos(start), ErrCatalogSyntax, fmt.Sprintf("tool entry: field %q has the wrong type (JSON %s)", te.Field, te.Value))
				continue
			default:
				e.add(pos(start), ErrCatalogSyntax, "invalid JSON: "+err.Error())
				return nil, e.result()
			}
		}
		f := entry.catalogFunc
		if entry.Function != nil {
			f = *entry.Function
		}
		p := pos(start)
		if f.Name == nil || *f.Name == "" {
			e.add(p, ErrCatalogTool, `tool entry has no function name (expected {"type":"function","function":{"name":...}})`)
			continue
		}
		name := *f.Name
		if q, ok := QuoteName(name); !ok {
			e.add(p, ErrCatalogTool, fmt.Sprintf("tool name %s cannot be written in a spec, even quoted: it is empty or holds a backtick, a newline, a control or a bidirectional character", q))
			continue
		}
		if first, dup := seen[name]; dup {
			e.add(p, ErrDuplicate, fmt.Sprintf("tool %q already defined at %s", name, shortPos(first)))
			continue
		}
		seen[name] = p
		tools = append(tools, CatalogTool{Name: name, Description: f.Description, Parameters: f.Parameters, Pos: p})
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		e.add(pos(int(dec.InputOffset())), ErrCatalogSyntax, "invalid JSON at the end of the tool array")
	}
	if err := e.result(); err != nil {
		return nil, err
	}
	return tools, nil
}

func skipSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// offsetPos converts a byte offset of data into a line:column position
// (columns count runes, as in spec positions).
func offsetPos(filename string, data []byte, off int) Pos {
	off = max(0, min(off, len(data)))
	line, lineStart := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	return Pos{Filename: filename, Offset: off, Line: line, Column: utf8.RuneCount(data[lineStart:off]) + 1}
}
