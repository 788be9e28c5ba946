package ltl

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/specplan/specplan/internal/strictjson"
)

// CatalogTool is one function of a tool catalog.
type CatalogTool struct {
	Name        string
	Description string
	// Parameters is the JSON schema of the arguments ("parameters", or an
	// MCP tool's "inputSchema") exactly as written, nil if absent.
	Parameters json.RawMessage
	// Entry is the whole catalog entry exactly as written, keys in their
	// order, for renderers (a chat template's `tools | tojson`) that print
	// the tool as the user gave it.
	Entry json.RawMessage
	Pos   Pos // where the entry starts in the catalog file
}

// ToolDecls returns the catalog's tools as declarations for Options.Tools.
func ToolDecls(tools []CatalogTool) []ToolDecl {
	out := make([]ToolDecl, len(tools))
	for i, t := range tools {
		out[i] = ToolDecl{Name: t.Name, Pos: t.Pos}
	}
	return out
}

// catalogKeys are the keys a catalog entry (or its "function") gives meaning
// to; a key equal to one of them but for case is an error.
var catalogKeys = []string{"type", "function", "name", "description", "parameters", "inputSchema"}

// ParseCatalog is Options{}.ParseCatalog: the default limits.
func ParseCatalog(filename string, data []byte) ([]CatalogTool, error) {
	return Options{}.ParseCatalog(filename, data)
}

// ParseCatalog reads a tool catalog in any of the shapes users have one:
//
//   - the OpenAI `tools` array: [{"type":"function","function":{"name","description","parameters"}}],
//     or a bare array of function objects;
//   - the same wrapped as {"tools": [...]};
//   - an MCP tools/list result, {"tools":[{"name","description","inputSchema"}]},
//     also inside its JSON-RPC response {"jsonrpc","id","result":{...}}.
//
// JSON is read strictly (internal/strictjson): a duplicate key anywhere, data
// after the value, invalid UTF-8 (ErrCatalogSyntax) and a key that differs
// from a known key only in case ("Name", "PARAMETERS": ErrCatalogTool) are
// errors. Missing or non-identifier names (ErrCatalogTool) and duplicate
// names (ErrDuplicate) are all reported, up to MaxErrors; JSON that is none of the shapes is
// ErrCatalogSyntax; input over MaxInputBytes or deeper than MaxJSONDepth is
// ErrInputLimit. Positioning is linear in the input. The error is an ErrorList.
func (o Options) ParseCatalog(filename string, data []byte) ([]CatalogTool, error) {
	if err := o.checkSize(filename, data); err != nil {
		return nil, err
	}
	e := &errs{}
	lines := newLineIndex(filename, data)
	pos := lines.pos
	root, err := strictjson.Parse(data, o.jsonLimits())
	if err != nil {
		jsonError(e, err, 0, pos, ErrCatalogSyntax)
		return nil, e.result()
	}
	arr := catalogArray(root, e, pos)
	if arr == nil {
		return nil, e.result()
	}
	var tools []CatalogTool
	seen := map[string]Pos{}
	for i := range arr.Len() {
		entry := arr.Elem(i)
		p := pos(entry.Offset())
		if e.full(p) {
			break
		}
		if entry.Kind() != strictjson.Object {
			e.add(p, ErrCatalogSyntax, fmt.Sprintf("tool entry must be a JSON object, not a JSON %s", entry.Kind()))
			continue
		}
		if caseVariant(e, entry, 0, pos, ErrCatalogTool, catalogKeys...) {
			continue
		}
		f := entry
		if fn := entry.Get("function"); fn != nil && fn.Kind() != strictjson.Null {
			if fn.Kind() != strictjson.Object {
				e.add(pos(fn.Offset()), ErrCatalogSyntax, fmt.Sprintf(`tool entry: field "function" must be an object, not a JSON %s`, fn.Kind()))
				continue
			}
			if caseVariant(e, fn, 0, pos, ErrCatalogTool, catalogKeys...) {
				continue
			}
			f = fn
		}
		name, ok := catalogString(f, "name", e, pos)
		if !ok {
			continue
		}
		desc, ok := catalogString(f, "description", e, pos)
		if !ok {
			continue
		}
		params := f.Get("parameters")
		if schema := f.Get("inputSchema"); schema != nil {
			if params != nil {
				e.add(pos(schema.Offset()), ErrCatalogTool, `tool entry has both "parameters" and "inputSchema"; give the schema once`)
				continue
			}
			params = schema
		}
		if name == "" {
			e.add(p, ErrCatalogTool, `tool entry has no function name (expected {"type":"function","function":{"name":...}})`)
			continue
		}
		if q, ok := QuoteName(name); !ok {
			e.add(p, ErrCatalogTool, fmt.Sprintf("tool name %s cannot be written in a spec, even quoted: it is empty or holds a backtick, a newline, a control or a bidirectional character", q))
			continue
		}
		if first, dup := seen[name]; dup {
			e.add(p, ErrDuplicate, fmt.Sprintf("tool %q already defined at %s", name, shortPos(first)))
			continue
		}
		seen[name] = p
		t := CatalogTool{Name: name, Description: desc, Entry: entry.Raw(data), Pos: p}
		if params != nil && params.Kind() != strictjson.Null {
			t.Parameters = params.Raw(data)
		}
		tools = append(tools, t)
	}
	if err := e.result(); err != nil {
		return nil, err
	}
	return tools, nil
}

// catalogArray finds the array of tools in one of the catalog shapes.
func catalogArray(root *strictjson.Value, e *errs, pos func(int) Pos) *strictjson.Value {
	const want = `tool catalog must be a JSON array of tools, {"tools": [...]}, or an MCP tools/list result`
	v := root
	if v.Kind() == strictjson.Object {
		if caseVariant(e, v, 0, pos, ErrCatalogSyntax, "tools", "result", "jsonrpc", "error") {
			return nil
		}
		if v.Get("jsonrpc") != nil || v.Get("result") != nil || v.Get("error") != nil {
			if errv := v.Get("error"); errv != nil && errv.Kind() != strictjson.Null {
				msg := ""
				if m := errv.Get("message"); m != nil && m.Kind() == strictjson.String {
					msg = ": " + strconv.Quote(m.Text())
				}
				e.add(pos(errv.Offset()), ErrCatalogSyntax, "the JSON-RPC response is an error"+msg+", not a tools/list result")
				return nil
			}
			r := v.Get("result")
			if r == nil || r.Kind() != strictjson.Object {
				e.add(pos(v.Offset()), ErrCatalogSyntax, want+` (a JSON-RPC response needs "result": {"tools": [...]})`)
				return nil
			}
			if caseVariant(e, r, 0, pos, ErrCatalogSyntax, "tools") {
				return nil
			}
			v = r
		}
		tools := v.Get("tools")
		if tools == nil {
			e.add(pos(v.Offset()), ErrCatalogSyntax, want)
			return nil
		}
		v = tools
	}
	if v.Kind() != strictjson.Array {
		e.add(pos(v.Offset()), ErrCatalogSyntax, want)
		return nil
	}
	return v
}

// catalogString returns the string member key of obj ("" if absent or null).
func catalogString(obj *strictjson.Value, key string, e *errs, pos func(int) Pos) (string, bool) {
	v := obj.Get(key)
	if v == nil || v.Kind() == strictjson.Null {
		return "", true
	}
	if v.Kind() != strictjson.String {
		e.add(pos(v.Offset()), ErrCatalogSyntax, fmt.Sprintf("tool entry: field %q must be a string, not a JSON %s", key, v.Kind()))
		return "", false
	}
	return v.Text(), true
}

// CatalogRef is a spec's `tools from "FILE"` declaration: the catalog the
// spec names for itself, relative to the spec file. ltl does no file I/O;
// specplan.ParseFile and CompileFile load it.
type CatalogRef struct {
	Path string
	Pos  Pos
}

// catalogDecl records a `tools from "FILE"` declaration; a spec names at
// most one catalog.
func catalogDecl(s *Spec, g *gCatalog, at Pos, e *errs) {
	path, err := strconv.Unquote(g.Path)
	switch {
	case err != nil:
		e.add(at, ErrSyntax, "invalid string literal "+g.Path)
	case path == "":
		e.add(at, ErrSyntax, "`tools from` needs a file name")
	case s.Catalog != nil:
		e.add(at, ErrDuplicate, fmt.Sprintf("the spec already names its catalog at %s; a spec has one `tools from`", shortPos(s.Catalog.Pos)))
	default:
		s.Catalog = &CatalogRef{Path: path, Pos: at}
	}
}

// FindCatalogRef returns the `tools from "FILE"` declaration of a spec's
// source without parsing it (nil if it has none), so that a loader can read
// the catalog before Parse, which needs the catalog's tools declared. It
// lexes src once; a source that does not lex, or names two catalogs, is left
// for Parse to report.
func FindCatalogRef(filename string, src []byte) *CatalogRef {
	lex, err := ltlLexer.LexString(filename, string(src))
	if err != nil {
		return nil
	}
	var toks [3]lexer.Token
	n := 0
	for {
		t, err := lex.Next()
		if err != nil || t.EOF() {
			return nil
		}
		if t.Type == ltlSymbols["whitespace"] || t.Type == ltlSymbols["comment"] {
			continue
		}
		toks[0], toks[1], toks[2] = toks[1], toks[2], t
		n++
		if n >= 3 && toks[0].Value == "tools" && toks[0].Type == ltlSymbols["Keyword"] &&
			toks[1].Value == "from" && toks[1].Type == ltlSymbols["Ident"] && toks[2].Type == ltlSymbols["String"] {
			path, err := strconv.Unquote(toks[2].Value)
			if err != nil || path == "" {
				return nil
			}
			return &CatalogRef{Path: path, Pos: toks[0].Pos}
		}
	}
}

var ltlSymbols = ltlLexer.Symbols()
