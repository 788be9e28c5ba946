package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// XGrammarStructTagDoc names the document the structural-tag export and
// its checker (CheckStructuralTag) follow: XGrammar's
// docs/structural_tag/structural_tag.md at commit 53da3ff8 (2026-08-17,
// package version 0.2.5), and for json_schema contents what
// cpp/json_schema_converter.cc of that commit enforces.
const XGrammarStructTagDoc = "xgrammar docs/structural_tag/structural_tag.md @ 53da3ff8 (v0.2.5)"

// StateStart asks StructuralTag for the spec's start state.
const StateStart = -1

// DefaultMaxStructTagBytes bounds the JSON a StructuralTag export writes
// (StructTagOptions.MaxBytes).
const DefaultMaxStructTagBytes = 4 << 20

// StructTagOptions configures StructuralTag.
type StructTagOptions struct {
	// Format is the call syntax (required). Its calls' arguments must be
	// JSON: pythonic keyword arguments have no JSON schema to give.
	Format decoder.Format
	// State is the spec's DFA state the next generation starts in
	// (StateStart: the initial state), as `plan compile --from-state`
	// gives it.
	State int
	// Bindings are the captured values (`let` names) of the turn: a
	// predicate on a captured value becomes a literal with them. A call
	// whose predicate reads a value not bound is left out of the tag,
	// as the decoder leaves it out (fail-closed).
	Bindings ltl.Captures
	// MaxBytes bounds the exported JSON (0: DefaultMaxStructTagBytes;
	// `plan compile --max-export-bytes`).
	MaxBytes int
	// TokenMarkers writes the format's special markers (FormatSpec.Special:
	// <|python_tag|>, [TOOL_CALLS], …) as XGrammar token formats, by their
	// text, which the engine's tokenizer resolves, so that only the special
	// token writes them; a call opening with one is then dispatched by
	// token_triggered_tags. Default: markers are text, matched byte by byte
	// (right where the served vocabulary has them as ordinary text, as
	// Qwen's <tool_call> is).
	TokenMarkers bool
}

// Approximation is one place where the structural tag is not exactly the
// spec: Over means the tag lets through calls the spec forbids (a
// predicate XGrammar cannot enforce); otherwise it allows fewer (a call
// the spec would allow is spelled only one way, or left out).
type Approximation struct {
	Tool   string `json:"tool"`
	Pred   string `json:"pred,omitempty"` // the predicate literal, as the alphabet names it
	Over   bool   `json:"over"`
	Reason string `json:"reason"`
}

func (a Approximation) String() string {
	dir := "allows fewer calls than the spec"
	if a.Over {
		dir = "allows MORE calls than the spec"
	}
	if a.Pred != "" {
		return fmt.Sprintf("%s: %s: %s (%s)", a.Tool, a.Pred, a.Reason, dir)
	}
	return fmt.Sprintf("%s: %s (%s)", a.Tool, a.Reason, dir)
}

// StructTagExport is a structural tag with what it leaves out.
type StructTagExport struct {
	Tag StructTag
	// Tools are the tools the tag lets the model call next, in alphabet
	// order.
	Tools []string
	// Approximations, in tool order: each place the tag is looser or
	// tighter than the spec. Callers must show them (plan compile prints
	// them as warnings).
	Approximations []Approximation
}

// JSON is the export as written to a file: indented, with a final
// newline; < > & stay as they are (call markers are read by people), and
// control characters are escaped, so no text from a catalog reaches a
// terminal raw.
func (e *StructTagExport) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e.Tag); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// StructuralTag exports the tool calls the spec allows next, from
// opts.State, as XGrammar's structural_tag (response_format type
// "structural_tag"): a triggered_tags format whose triggers are the call
// format's opening texts and whose tags are, per tool allowed next, the
// call's fixed text around a json_schema content: the tool's parameter
// schema restricted to the argument values the spec allows (the union of
// the allowed predicate minterms: literal comparisons become bounds,
// const, enum and patterns).
//
// What the tag does and does not keep:
//   - It constrains only the tool-call parts of the output; all other
//     text (step lines, free prose) is left alone, so step kinds and the
//     spec's rules about them are not enforced.
//   - stop_after_first is always true: one call per generation. The
//     order of calls is the spec's business across generations: after
//     the call, the caller (the library or `plan compile --from-state`)
//     computes the next state and exports the next tag. Calls after the
//     first in one generation would otherwise escape the spec.
//   - at_least_one is true where the spec cannot end and no step can
//     come next: the spec needs a call now.
//   - A call is allowed when every answer the environment may give it
//     (each result minterm) leaves a way to acceptance, as the decoder
//     judges it (the environment is adversarial).
//   - What XGrammar cannot enforce is listed in Approximations, never
//     dropped silently.
func StructuralTag(spec *specplan.Spec, opts StructTagOptions) (*StructTagExport, error) {
	if !opts.Format.Valid() {
		return nil, stErr(StructTagFormat, "structural tag: a call format is needed (--call-format)")
	}
	fs := opts.Format.Spec()
	if fs.Args == decoder.ArgsPython {
		return nil, stErr(StructTagFormat, "structural tag: the %s format writes keyword arguments, not JSON; a structural tag's json_schema cannot describe them (use a JSON-argument format, or export gbnf/lark)", fs.Name)
	}
	d := spec.DFA()
	q := opts.State
	if q == StateStart {
		q = d.Initial
	}
	if q < 0 || q >= d.NumStates() {
		return nil, stErr(StructTagState, "structural tag: state %d does not exist (the spec's DFA has states 0..%d)", opts.State, d.NumStates()-1)
	}
	dist := d.Distances()
	if dist[q] < 0 {
		return nil, stErr(StructTagState, "structural tag: no run reaches acceptance from state %d", q)
	}
	alpha := spec.Alphabet()
	live := func(s int) bool {
		t := d.Step(q, s)
		return t >= 0 && dist[t] >= 0
	}
	out := &StructTagExport{}
	var tags []*Fmt
	for _, tool := range alpha.Tools {
		base, err := toolSchema(spec, tool)
		if err != nil {
			return nil, err
		}
		var allowed [][]automata.Lit
		all := true
		for _, cp := range alpha.Calls {
			if cp.Tool != tool {
				continue
			}
			ok := len(cp.Symbols) > 0
			for _, s := range cp.Symbols {
				ok = ok && live(s)
			}
			if !ok {
				all = false
				continue
			}
			lits, bound := bindLits(cp.Lits, opts.Bindings)
			if !bound {
				all = false
				out.Approximations = append(out.Approximations, Approximation{Tool: tool, Pred: litsName(cp.Lits),
					Reason: "compares with a captured value that --bind does not give; left out, as the decoder leaves it out"})
				continue
			}
			allowed = append(allowed, lits)
		}
		if len(allowed) == 0 {
			continue
		}
		sch, apx, err := restrictTool(tool, base, allowed, all)
		if err != nil {
			return nil, err
		}
		if sch == nil {
			continue // every allowed minterm contradicts the schema
		}
		out.Approximations = append(out.Approximations, apx...)
		out.Approximations = append(out.Approximations, unsupportedKeywords(tool, base)...)
		raw, err := sch.marshal()
		if err != nil {
			return nil, err
		}
		tag := callTag(fs, tool, raw)
		if opts.TokenMarkers {
			tag = tokenizeTag(tag, fs.Special)
		}
		tags = append(tags, tag)
		out.Tools = append(out.Tools, tool)
	}
	needCall := !d.Accepting[q]
	for s, sym := range alpha.Symbols {
		if sym.Tool == "" && live(s) {
			needCall = false
		}
	}
	var markers []string
	if opts.TokenMarkers {
		markers = fs.Special
	}
	f, err := wrapCalls(fs, tags, needCall && len(tags) > 0, markers)
	if err != nil {
		return nil, err
	}
	out.Tag = StructTag{Type: "structural_tag", Format: f}
	if err := CheckStructuralTag(&out.Tag); err != nil {
		return nil, fmt.Errorf("structural tag: internal error, the export breaks the documented schema: %w", err)
	}
	b, err := out.JSON()
	if err != nil {
		return nil, err
	}
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxStructTagBytes
	}
	if len(b) > limit {
		return nil, stErr(StructTagLimit, "structural tag: %d bytes exceed the limit of %d (StructTagOptions.MaxBytes, --max-export-bytes)", len(b), limit)
	}
	return out, nil
}

// toolSchema is the tool's parameter schema as the decoder reads it
// (an empty object schema for a tool without one).
func toolSchema(spec *specplan.Spec, tool string) (*jv, error) {
	raw, ok := spec.Schemas()[tool]
	if !ok || len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return &jv{kind: jObject, obj: []member{{"type", &jv{kind: jString, str: "object"}}}}, nil
	}
	v, err := parseJV(raw)
	if err != nil {
		return nil, stErr(StructTagSchema, "structural tag: tool %s: parameter schema: %v", tool, err)
	}
	return v, nil
}

// callTag is one tool's call as a tag: the call's fixed text before the
// arguments, the arguments (and the id, where the model writes one), the
// fixed text after them.
func callTag(fs decoder.FormatSpec, tool string, schema json.RawMessage) *Fmt {
	args := &Fmt{Type: "json_schema", JSONSchema: schema}
	id := func() *Fmt {
		return &Fmt{Type: "regex", Pattern: fmt.Sprintf("[%s]{%d}", regexClass(fs.ID.Alphabet), fs.ID.Len)}
	}
	cs := func(s string) *Fmt { return &Fmt{Type: "const_string", Value: ptr(s)} }
	switch fs.Args {
	case decoder.ArgsBracket:
		nameEnd, argsEnd := fs.NameEnd, fs.ArgsEnd
		if nameEnd == "" && argsEnd == "" {
			nameEnd, argsEnd = "[", "]"
		}
		if fs.ID.Key != "" {
			content := &Fmt{Type: "sequence", Elements: []*Fmt{cs(fs.ID.Key), id(), cs(nameEnd), args}}
			return &Fmt{Type: "tag", Begin: textDelim(fs.CallOpen + tool), Content: content, End: textDelim(argsEnd + fs.CallClose)}
		}
		return &Fmt{Type: "tag", Begin: textDelim(fs.CallOpen + tool + nameEnd), Content: args, End: textDelim(argsEnd + fs.CallClose)}
	default: // ArgsJSON
		begin := fs.CallOpen + `{"` + fs.NameKey + `": "` + tool + `", "` + fs.ArgsKey + `": `
		content := args
		if fs.ID.Key != "" {
			content = &Fmt{Type: "sequence", Elements: []*Fmt{args, cs(`, "` + fs.ID.Key + `": "`), id(), cs(`"`)}}
		}
		return &Fmt{Type: "tag", Begin: textDelim(begin), Content: content, End: textDelim("}" + fs.CallClose)}
	}
}

// callTrigger is the text every call of the format starts with.
func callTrigger(fs decoder.FormatSpec) string {
	if fs.CallOpen != "" {
		return fs.CallOpen
	}
	if fs.Args == decoder.ArgsJSON {
		return `{"` + fs.NameKey + `": "`
	}
	return "" // bracket calls without an opening text start with the name
}

// wrapCalls puts the call tags under one triggered_tags. Formats that
// wrap a message's calls in a list (Mistral's [TOOL_CALLS][…]) get one tag
// for the list, holding the calls separated by the list's separator.
func wrapCalls(fs decoder.FormatSpec, tags []*Fmt, atLeastOne bool, markers []string) (*Fmt, error) {
	open := callTrigger(fs)
	if fs.ListOpen != "" {
		open = fs.ListOpen
	}
	if len(tags) == 0 {
		// No call can come next: the tag is free text that never starts
		// a call (never its opening token, with token markers).
		if m := leadingMarker(open, markers); m != "" {
			return &Fmt{Type: "any_tokens", ExcludeTokens: []json.RawMessage{tokenJSON(m)}}, nil
		}
		ex := []string{}
		if open != "" {
			ex = append(ex, open)
		}
		return &Fmt{Type: "any_text", Excludes: ex}, nil
	}
	if fs.ListOpen != "" {
		list := &Fmt{Type: "tags_with_separator", Tags: tags, Separator: ptr(fs.ListSep), AtLeastOne: ptr(true), StopAfterFirst: ptr(true)}
		outer := &Fmt{Type: "tag", Begin: textDelim(fs.ListOpen), Content: list, End: textDelim(fs.ListClose)}
		if len(markers) > 0 {
			outer = tokenizeTag(outer, markers)
		}
		tags = []*Fmt{outer}
	}
	if m := leadingMarker(open, markers); m != "" {
		// Every call (or the list) opens with the marker's token: XGrammar
		// dispatches on the token itself.
		return &Fmt{Type: "token_triggered_tags", TriggerTokens: []json.RawMessage{tokenJSON(m)}, Tags: tags, AtLeastOne: ptr(atLeastOne), StopAfterFirst: ptr(true)}, nil
	}
	if fs.ListOpen != "" {
		return &Fmt{Type: "triggered_tags", Triggers: []string{tags[0].Begin.Text}, Tags: tags, AtLeastOne: ptr(atLeastOne), StopAfterFirst: ptr(true)}, nil
	}
	trig := callTrigger(fs)
	if len(markers) > 0 {
		// The text before the first marker: the tags' begins stop there.
		for i := range trig {
			if leadingMarker(trig[i:], markers) != "" {
				trig = trig[:i]
				break
			}
		}
	}
	var triggers []string
	if trig != "" {
		triggers = []string{trig}
	} else {
		// Bracket calls that open with the bare tool name: each name is
		// its own trigger.
		for _, t := range tags {
			triggers = append(triggers, t.Begin.Text)
		}
		for i, a := range triggers {
			for j, b := range triggers {
				if i != j && len(a) <= len(b) && b[:len(a)] == a {
					return nil, stErr(StructTagFormat, "structural tag: the %s format opens calls with the bare tool name, and %q is a prefix of %q: XGrammar's triggers would be ambiguous", fs.Name, a, b)
				}
			}
		}
	}
	return &Fmt{Type: "triggered_tags", Triggers: triggers, Tags: tags, AtLeastOne: ptr(atLeastOne), StopAfterFirst: ptr(true)}, nil
}

func ptr[T any](v T) *T { return &v }

// tokenJSON is a token named by its text, as XGrammar's token formats
// take it.
func tokenJSON(marker string) json.RawMessage { return appendJSONString(nil, marker) }

func tokenFmt(marker string) *Fmt { return &Fmt{Type: "token", Token: tokenJSON(marker)} }

// leadingMarker is the marker s starts with ("" if none).
func leadingMarker(s string, markers []string) string {
	best := ""
	for _, m := range markers {
		if m != "" && strings.HasPrefix(s, m) && len(m) > len(best) {
			best = m
		}
	}
	return best
}

// pieces splits s into text and marker tokens, markers matched longest
// first at each position.
func pieces(s string, markers []string) []*Fmt {
	var out []*Fmt
	text := 0
	for i := 0; i < len(s); {
		if m := leadingMarker(s[i:], markers); m != "" {
			if i > text {
				out = append(out, &Fmt{Type: "const_string", Value: ptr(s[text:i])})
			}
			out = append(out, tokenFmt(m))
			i += len(m)
			text = i
			continue
		}
		i++
	}
	if text < len(s) {
		out = append(out, &Fmt{Type: "const_string", Value: ptr(s[text:])})
	}
	return out
}

// tokenizeTag rewrites a text tag so that its markers are tokens: a begin
// that opens with a marker becomes that token (the rest of it moves into
// the content), and so does an end that closes with one; markers
// elsewhere become token elements of the content's sequence. A begin
// that opens with text keeps the text before its first marker.
func tokenizeTag(t *Fmt, markers []string) *Fmt {
	bp := pieces(t.Begin.Text, markers)
	ep := pieces(t.End.Text, markers)
	out := &Fmt{Type: "tag"}
	var elems []*Fmt
	switch {
	case len(bp) == 0:
		out.Begin = textDelim("")
	case bp[0].Type == "token":
		out.Begin = &Delim{Token: bp[0]}
		elems = append(elems, bp[1:]...)
	default:
		out.Begin = textDelim(*bp[0].Value)
		elems = append(elems, bp[1:]...)
	}
	if t.Content.Type == "sequence" {
		elems = append(elems, t.Content.Elements...)
	} else {
		elems = append(elems, t.Content)
	}
	switch {
	case len(ep) == 0:
		out.End = textDelim("")
	case ep[len(ep)-1].Type == "token":
		out.End = &Delim{Token: ep[len(ep)-1]}
		elems = append(elems, ep[:len(ep)-1]...)
	default:
		out.End = textDelim(*ep[len(ep)-1].Value)
		elems = append(elems, ep[:len(ep)-1]...)
	}
	if len(elems) == 1 {
		out.Content = elems[0]
	} else {
		out.Content = &Fmt{Type: "sequence", Elements: elems}
	}
	return out
}

// regexClass escapes an id alphabet for a regex character class.
func regexClass(alphabet string) string {
	var b []byte
	for i := 0; i < len(alphabet); i++ {
		c := alphabet[i]
		if c == '\\' || c == ']' || c == '[' || c == '^' || c == '-' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return string(b)
}

// bindLits replaces predicates on captured values by literals (false:
// some value is not bound or not a scalar of the type the predicate
// needs; the decoder's fail-closed rule, decoder/bind.go, applies).
func bindLits(lits []automata.Lit, caps ltl.Captures) ([]automata.Lit, bool) {
	out := slices.Clone(lits)
	for i, l := range out {
		if l.Pred.Ref == nil {
			continue
		}
		v, ok := caps.Lookup(l.Pred.Ref)
		if !ok {
			return nil, false
		}
		var val ltl.Value
		if n, isNum, err := ltl.NumberOf(v); isNum {
			if err != nil {
				return nil, false
			}
			val = ltl.Value{Kind: ltl.NumberValue, Num: n}
		} else if l.Pred.Cmp.IsOrder() {
			return nil, false
		} else {
			switch x := v.(type) {
			case string:
				val = ltl.Value{Kind: ltl.StringValue, Str: x}
			case bool:
				val = ltl.Value{Kind: ltl.BoolValue, Bool: x}
			default:
				return nil, false
			}
		}
		out[i].Pred.Ref = nil
		out[i].Pred.Value = val
	}
	return out, true
}

func litName(l automata.Lit) string {
	if l.Holds {
		return l.Pred.String()
	}
	return "!(" + l.Pred.String() + ")"
}

func litsName(lits []automata.Lit) string {
	var b bytes.Buffer
	for i, l := range lits {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteString(litName(l))
	}
	return b.String()
}

// StructTagCode classifies StructuralTag's errors.
type StructTagCode uint8

const (
	StructTagFormat  StructTagCode = iota + 1 // the call format cannot be a structural tag
	StructTagState                            // --from-state names no live state
	StructTagSchema                           // a tool's schema cannot be read
	StructTagLimit                            // the export exceeds MaxBytes
	StructTagInvalid                          // CheckStructuralTag: the document breaks XGrammar's schema
)

// StructTagError is StructuralTag's and CheckStructuralTag's error.
type StructTagError struct {
	Code StructTagCode
	Msg  string
}

func (e *StructTagError) Error() string { return e.Msg }

// Is matches errors of the same code.
func (e *StructTagError) Is(target error) bool {
	t, ok := target.(*StructTagError)
	return ok && t.Code == e.Code
}

func stErr(c StructTagCode, format string, a ...any) error {
	return &StructTagError{Code: c, Msg: fmt.Sprintf(format, a...)}
}
