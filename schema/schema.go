package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/specplan/specplan/internal/strictjson"
)

// Draft is a JSON Schema dialect.
type Draft int

const (
	Draft4       Draft = 4
	Draft6       Draft = 6
	Draft7       Draft = 7
	Draft2019_09 Draft = 2019
	Draft2020_12 Draft = 2020
)

// DefaultDraft is the dialect of a schema without `$schema`. Tool catalogs
// (OpenAI function parameters, MCP inputSchema) almost never say; MCP
// documents 2020-12 as its default, and it is the current draft.
const DefaultDraft = Draft2020_12

func (d Draft) String() string {
	switch d {
	case Draft4, Draft6, Draft7:
		return "draft-0" + strconv.Itoa(int(d))
	case Draft2019_09:
		return "draft 2019-09"
	case Draft2020_12:
		return "draft 2020-12"
	}
	return fmt.Sprintf("Draft(%d)", int(d))
}

func (d Draft) lib() *jsonschema.Draft {
	switch d {
	case Draft4:
		return jsonschema.Draft4
	case Draft6:
		return jsonschema.Draft6
	case Draft7:
		return jsonschema.Draft7
	case Draft2019_09:
		return jsonschema.Draft2019
	case Draft2020_12:
		return jsonschema.Draft2020
	}
	return nil
}

// CompileOptions tune Compile. The zero value is the documented default.
type CompileOptions struct {
	// DefaultDraft is the dialect of a schema without `$schema`
	// (default DefaultDraft, 2020-12).
	DefaultDraft Draft
	// MaxBytes bounds the schema's source (default 4 MiB).
	MaxBytes int
	// MaxDepth bounds the nesting of the schema's JSON (default 128).
	MaxDepth int
	// MaxNumberLen bounds the length and the decimal exponent of a number
	// literal, in the schema and in validated values (default 1000): exact
	// comparison of 1e999999999 would cost a billion-digit integer.
	MaxNumberLen int
}

const (
	defaultMaxBytes     = 4 << 20
	defaultMaxDepth     = 128
	defaultMaxNumberLen = 1000
)

func (o CompileOptions) withDefaults() CompileOptions {
	if o.DefaultDraft == 0 {
		o.DefaultDraft = DefaultDraft
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = defaultMaxBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = defaultMaxDepth
	}
	if o.MaxNumberLen <= 0 {
		o.MaxNumberLen = defaultMaxNumberLen
	}
	return o
}

// Schema is a compiled JSON Schema: parsed, checked against its draft's
// metaschema and resolved once, then used for any number of validations,
// concurrently, with no re-parsing. It is immutable.
type Schema struct {
	source []byte
	draft  Draft
	lib    *jsonschema.Schema
	fast   *node // the allocation-free checker (fast.go)
	opts   CompileOptions
}

// Source returns the schema's JSON as given to Compile. The caller must not
// modify it.
func (s *Schema) Source() json.RawMessage { return s.source }

// Draft returns the dialect the schema was compiled under.
func (s *Schema) Draft() Draft { return s.draft }

// baseURL names the schema while it is compiled. A relative `$ref`
// resolves against it to another document, which the loader refuses.
const baseURL = "specplan:///parameters.json"

// Compile parses and compiles one schema. Every valid JSON Schema of the
// five drafts compiles; refusals are *CompileError with a Code:
// invalid JSON or duplicate keys (ErrSyntax), a limit (ErrLimit), a schema
// its metaschema rejects (ErrInvalid), an unknown `$schema` (ErrDraft), a
// reference outside the schema (ErrRemoteRef: nothing is ever fetched, not
// from the network and not from files), a local reference to nothing
// (ErrRef), a pattern Go's regexp cannot run (ErrRegex).
func Compile(src []byte, opts CompileOptions) (*Schema, error) {
	opts = opts.withDefaults()
	if len(src) > opts.MaxBytes {
		return nil, &CompileError{Code: ErrLimit, Offset: opts.MaxBytes,
			Msg: fmt.Sprintf("the schema is %d bytes, over the limit of %d (schema.CompileOptions.MaxBytes)", len(src), opts.MaxBytes)}
	}
	doc, tree, err := readJSON(src, opts.MaxDepth)
	if err != nil {
		return nil, err
	}
	if ptr, ok := checkNumbers(doc, "", opts.MaxNumberLen); !ok {
		return nil, &CompileError{Code: ErrLimit, Pointer: ptr, Offset: offsetOf(tree, ptr),
			Msg: fmt.Sprintf("a number literal longer than %d characters or with a larger exponent (schema.CompileOptions.MaxNumberLen)", opts.MaxNumberLen)}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(opts.DefaultDraft.lib())
	c.AssertFormat()
	draft := declaredDraft(doc, opts.DefaultDraft)
	registerFormats(c, draft)
	if draft == Draft4 {
		c.RegisterVocabulary(draft4Integer)
	}
	c.UseRegexpEngine(regexEngine)
	c.UseLoader(refusingLoader{})
	if err := c.AddResource(baseURL, doc); err != nil {
		return nil, &CompileError{Code: ErrInvalid, Offset: -1, Msg: err.Error()}
	}
	lib, err := c.Compile(baseURL)
	if err != nil {
		return nil, compileError(tree, doc, err)
	}
	if u, loc, ok := unrunnablePattern(lib, map[*jsonschema.Schema]bool{}); ok {
		p := localPointer(loc)
		kw := p[strings.LastIndexByte(p, '/')+1:]
		return nil, &CompileError{Code: ErrRegex, Pointer: p, Keyword: kw, Offset: offsetOf(tree, p),
			Msg: fmt.Sprintf("%s is ECMA-262 but %v (%v); specplan never matches a pattern approximately", strconv.Quote(u.src), errUnrunnable, u.err)}
	}
	s := &Schema{source: src, lib: lib, opts: opts, draft: Draft(lib.DraftVersion)}
	s.fast = buildFast(lib)
	if s.draft == Draft4 && mentionsInteger(doc) {
		s.fast = nil // the fast path reads values, not their text: see draft4Integer
	}
	return s, nil
}

// declaredDraft is the draft the root's `$schema` names, or def.
func declaredDraft(doc any, def Draft) Draft {
	obj, _ := doc.(map[string]any)
	u, _ := obj["$schema"].(string)
	for _, d := range []struct {
		mark  string
		draft Draft
	}{{"draft-04", Draft4}, {"draft-06", Draft6}, {"draft-07", Draft7}, {"2019-09", Draft2019_09}, {"2020-12", Draft2020_12}} {
		if strings.Contains(u, d.mark) {
			return d.draft
		}
	}
	return def
}

// refusingLoader is the only loader the compiler has: specplan validates
// tool calls offline and deterministically, so a reference to another
// document is an error, never a fetch. The drafts' own metaschemas are
// built into the validator and never reach a loader.
type refusingLoader struct{}

var errNoFetch = errors.New("specplan never loads schemas from the network or from files")

func (refusingLoader) Load(string) (any, error) { return nil, errNoFetch }

// compileError turns the validator's compile errors into *CompileError.
func compileError(tree *strictjson.Value, doc any, err error) error {
	var (
		load  *jsonschema.LoadURLError
		meta  *jsonschema.SchemaValidationError
		regex *jsonschema.InvalidRegexError
		draft *jsonschema.UnsupportedDraftError
		mURL  *jsonschema.InvalidMetaSchemaURLError
		ptr   *jsonschema.JSONPointerNotFoundError
		anc   *jsonschema.AnchorNotFoundError
		dupID *jsonschema.DuplicateIDError
	)
	at := func(code CompileCode, url, keyword, msg string) *CompileError {
		p := localPointer(url)
		if keyword != "" {
			p += "/" + strictjson.EscapeToken(keyword)
		}
		return &CompileError{Code: code, Pointer: p, Keyword: keyword, Offset: offsetOf(tree, p), Msg: msg}
	}
	switch {
	case errors.As(err, &load):
		target := displayURL(load.URL)
		p, kw := firstForeignRef(doc, "")
		e := &CompileError{Code: ErrRemoteRef, Pointer: p, Keyword: kw, Offset: offsetOf(tree, p),
			Msg: fmt.Sprintf("refers to %s, outside this schema; %v: put the definition under $defs and refer to it as #/$defs/…", strconv.Quote(target), errNoFetch)}
		if kw == "$schema" {
			e.Msg = fmt.Sprintf("%s is not a draft this validator knows (draft-04, -06, -07, 2019-09, 2020-12), and specplan never fetches metaschemas", strconv.Quote(target))
		}
		if !errors.Is(load.Err, errNoFetch) {
			e.Msg = fmt.Sprintf("cannot use %s: %v", strconv.Quote(target), load.Err)
		}
		return e
	case errors.As(err, &dupID):
		p := dupID.Ptr2
		return &CompileError{Code: ErrInvalid, Pointer: p, Keyword: "$id", Offset: offsetOf(tree, p),
			Msg: fmt.Sprintf("$id %s is also the $id of %s: two subschemas cannot share one", strconv.Quote(displayURL(dupID.ID)), quotePointer(dupID.Ptr1))}
	case errors.As(err, &meta):
		return metaError(tree, meta)
	case errors.As(err, &regex):
		kw := "pattern"
		if strings.Contains(regex.URL, "/patternProperties") {
			kw = "patternProperties"
		}
		e := at(ErrRegex, regex.URL, "", fmt.Sprintf("%s is not a regular expression Go's regexp (RE2 syntax) runs: %v", strconv.Quote(regex.Regex), regex.Err))
		e.Keyword = kw
		return e
	case errors.As(err, &draft):
		return &CompileError{Code: ErrDraft, Pointer: "/$schema", Keyword: "$schema", Offset: offsetOf(tree, "/$schema"),
			Msg: fmt.Sprintf("%s is not a draft this validator knows (draft-04, -06, -07, 2019-09, 2020-12)", strconv.Quote(displayURL(draft.URL)))}
	case errors.As(err, &mURL):
		return &CompileError{Code: ErrDraft, Pointer: "/$schema", Keyword: "$schema", Offset: offsetOf(tree, "/$schema"),
			Msg: fmt.Sprintf("invalid $schema URL: %v", mURL.Err)}
	case errors.As(err, &ptr):
		p, kw := refTo(doc, "", ptr.URL)
		return &CompileError{Code: ErrRef, Pointer: p, Keyword: kw, Offset: offsetOf(tree, p),
			Msg: fmt.Sprintf("%s points at nothing in this schema", strconv.Quote(displayURL(ptr.URL)))}
	case errors.As(err, &anc):
		p, kw := refTo(doc, "", anc.Reference)
		return &CompileError{Code: ErrRef, Pointer: p, Keyword: kw, Offset: offsetOf(tree, p),
			Msg: fmt.Sprintf("anchor %s is not defined in this schema", strconv.Quote(displayURL(anc.Reference)))}
	}
	return &CompileError{Code: ErrInvalid, Offset: -1, Msg: strings.ReplaceAll(err.Error(), baseURL, "")}
}

// metaError reports the first problems the metaschema found in the schema:
// their instance locations are places in the schema.
func metaError(tree *strictjson.Value, meta *jsonschema.SchemaValidationError) error {
	var verr *jsonschema.ValidationError
	if !errors.As(meta.Err, &verr) {
		return &CompileError{Code: ErrInvalid, Offset: -1, Msg: meta.Err.Error()}
	}
	probs, _ := problems(verr, 3)
	if len(probs) == 0 {
		return &CompileError{Code: ErrInvalid, Offset: -1, Msg: "not a valid schema"}
	}
	first := probs[0]
	code := ErrInvalid
	if first.Keyword == "format" && strings.Contains(first.Msg, "is not a valid regex") {
		code = ErrRegex // a pattern Go's regexp (RE2 syntax) cannot compile
	}
	e := &CompileError{Code: code, Pointer: first.Pointer, Offset: offsetOf(tree, first.Pointer)}
	if i := strings.LastIndexByte(first.Pointer, '/'); i >= 0 {
		e.Keyword = strictjson.UnescapeToken(first.Pointer[i+1:])
	}
	var msgs []string
	for _, p := range probs {
		if p.Pointer == first.Pointer {
			msgs = append(msgs, p.Msg)
		} else {
			msgs = append(msgs, p.String())
		}
	}
	e.Msg = "not a valid " + "schema: " + strings.Join(msgs, "; ")
	return e
}

// localPointer is the JSON pointer part of a schema location URL.
func localPointer(u string) string {
	_, frag, _ := strings.Cut(u, "#")
	if p, err := url.PathUnescape(frag); err == nil {
		return p
	}
	return frag
}

// displayURL strips the schema's own base URL from a location.
func displayURL(u string) string {
	if rest, ok := strings.CutPrefix(u, baseURL); ok {
		return rest
	}
	if rest, ok := strings.CutPrefix(u, "specplan:///"); ok {
		return rest
	}
	return u
}

var refKeywords = []string{"$ref", "$dynamicRef", "$recursiveRef", "$schema"}

// firstForeignRef finds the first reference that is not a fragment of
// this document, for the position of an ErrRemoteRef.
func firstForeignRef(v any, ptr string) (string, string) {
	switch v := v.(type) {
	case map[string]any:
		for _, kw := range refKeywords {
			if s, ok := v[kw].(string); ok && !strings.HasPrefix(s, "#") && !isBuiltinMeta(s) {
				return ptr + "/" + kw, kw
			}
		}
		for _, k := range sortedKeys(v) {
			if p, kw := firstForeignRef(v[k], ptr+"/"+strictjson.EscapeToken(k)); p != "" {
				return p, kw
			}
		}
	case []any:
		for i, x := range v {
			if p, kw := firstForeignRef(x, ptr+"/"+strconv.Itoa(i)); p != "" {
				return p, kw
			}
		}
	}
	return "", ""
}

func isBuiltinMeta(s string) bool {
	return strings.HasPrefix(s, "http://json-schema.org/") || strings.HasPrefix(s, "https://json-schema.org/")
}

// refTo finds the reference whose target is url (fragment compared).
func refTo(v any, ptr, target string) (string, string) {
	_, frag, _ := strings.Cut(target, "#")
	switch v := v.(type) {
	case map[string]any:
		for _, kw := range refKeywords[:3] {
			if s, ok := v[kw].(string); ok {
				if _, f, _ := strings.Cut(s, "#"); f == frag {
					return ptr + "/" + kw, kw
				}
			}
		}
		for _, k := range sortedKeys(v) {
			if p, kw := refTo(v[k], ptr+"/"+strictjson.EscapeToken(k), target); p != "" {
				return p, kw
			}
		}
	case []any:
		for i, x := range v {
			if p, kw := refTo(x, ptr+"/"+strconv.Itoa(i), target); p != "" {
				return p, kw
			}
		}
	}
	return "", ""
}
