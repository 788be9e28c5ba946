package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/specplan/specplan/internal/strictjson"
)

// StructTag is XGrammar's structural tag document, as a request's
// response_format (vLLM, SGLang) or Grammar.from_structural_tag takes it:
// {"type": "structural_tag", "format": {...}}.
type StructTag struct {
	Type   string `json:"type"`
	Format *Fmt   `json:"format"`
}

// Fmt is one format object of a structural tag (XGrammarStructTagDoc,
// "Format Reference"). Which fields a type uses is CheckStructuralTag's
// business; the struct holds the string-level formats this package
// writes and the checker reads (token-level formats are refused: this
// export writes markers as text).
type Fmt struct {
	Type string `json:"type"`
	// const_string
	Value *string `json:"value,omitempty"`
	// json_schema
	JSONSchema json.RawMessage `json:"json_schema,omitempty"`
	Style      string          `json:"style,omitempty"`
	AnyOrder   *bool           `json:"any_order,omitempty"`
	// grammar
	Grammar *string `json:"grammar,omitempty"`
	// regex
	Pattern string `json:"pattern,omitempty"`
	// sequence, or
	Elements []*Fmt `json:"elements,omitempty"`
	// repeat
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
	// tag (Begin, Content, End); optional, plus, star, repeat (Content)
	Begin   *Delim `json:"begin,omitempty"`
	Content *Fmt   `json:"content,omitempty"`
	End     *Delim `json:"end,omitempty"`
	// token: one token, by id (a JSON number) or by its text (a JSON
	// string) that the engine's tokenizer resolves
	Token json.RawMessage `json:"token,omitempty"`
	// token_triggered_tags (with Tags, AtLeastOne, StopAfterFirst)
	TriggerTokens []json.RawMessage `json:"trigger_tokens,omitempty"`
	ExcludeTokens []json.RawMessage `json:"exclude_tokens,omitempty"`
	// triggered_tags, tags_with_separator
	Triggers       []string `json:"triggers,omitempty"`
	Tags           []*Fmt   `json:"tags,omitempty"`
	Separator      *string  `json:"separator,omitempty"`
	AtLeastOne     *bool    `json:"at_least_one,omitempty"`
	StopAfterFirst *bool    `json:"stop_after_first,omitempty"`
	// any_text, triggered_tags
	Excludes []string `json:"excludes,omitempty"`
}

// Delim is a tag's begin or end: a text, or one token (Token, a format of
// type "token").
type Delim struct {
	Text  string
	Token *Fmt
}

func textDelim(s string) *Delim { return &Delim{Text: s} }

// String is the text, or the token as its JSON.
func (d *Delim) String() string {
	if d.Token != nil {
		return string(d.Token.Token)
	}
	return d.Text
}

// MarshalJSON writes a JSON string, or the token format.
func (d Delim) MarshalJSON() ([]byte, error) {
	if d.Token != nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d.Token); err != nil {
			return nil, err
		}
		return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
	}
	return appendJSONString(nil, d.Text), nil
}

// UnmarshalJSON reads a JSON string or a format object.
func (d *Delim) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &d.Text)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	d.Token = &Fmt{}
	return dec.Decode(d.Token)
}

// fieldKind is the JSON type a documented field holds.
type fieldKind uint8

const (
	fString fieldKind = iota + 1
	fBool
	fInt
	fObject  // a JSON Schema (json_schema)
	fFormat  // one format object
	fFormats // an array of format objects
	fStrings // an array of strings
	fDelim   // a string, or a token format
	fTokenID // a token: an integer id or a string
	fTokens  // an array of tokens
)

type fieldRule struct {
	kind     fieldKind
	required bool
}

// structTagRules are the formats of XGrammarStructTagDoc's "Format
// Reference" that this package writes, field by field, with their types
// and whether they are required (a documented default means optional).
// exclude_token, token_dispatch and dispatch are not listed: this package
// never writes them, so the checker refuses them rather than half-check
// them.
var structTagRules = map[string]map[string]fieldRule{
	"const_string": {"value": {fString, true}},
	"json_schema":  {"json_schema": {fObject, true}, "style": {fString, false}, "any_order": {fBool, false}},
	"grammar":      {"grammar": {fString, true}},
	"regex":        {"pattern": {fString, true}},
	"any_text":     {"excludes": {fStrings, false}, "max_tokens": {fInt, false}, "max_chars": {fInt, false}},
	"sequence":     {"elements": {fFormats, true}},
	"or":           {"elements": {fFormats, true}},
	"optional":     {"content": {fFormat, true}},
	"plus":         {"content": {fFormat, true}},
	"star":         {"content": {fFormat, true}},
	"repeat":       {"min": {fInt, true}, "max": {fInt, true}, "content": {fFormat, true}},
	// end may also be a string array in the document; this package
	// writes one string.
	"tag":                  {"begin": {fDelim, true}, "content": {fFormat, true}, "end": {fDelim, true}},
	"token":                {"token": {fTokenID, true}},
	"any_tokens":           {"exclude_tokens": {fTokens, false}, "max_tokens": {fInt, false}},
	"token_triggered_tags": {"trigger_tokens": {fTokens, true}, "tags": {fFormats, true}, "exclude_tokens": {fTokens, false}, "at_least_one": {fBool, false}, "stop_after_first": {fBool, false}},
	"triggered_tags":       {"triggers": {fStrings, true}, "tags": {fFormats, true}, "at_least_one": {fBool, false}, "stop_after_first": {fBool, false}, "excludes": {fStrings, false}},
	"tags_with_separator":  {"tags": {fFormats, true}, "separator": {fString, true}, "at_least_one": {fBool, false}, "stop_after_first": {fBool, false}},
}

var jsonSchemaStyles = map[string]bool{"json": true, "qwen_xml": true, "minimax_xml": true, "deepseek_xml": true, "glm_xml": true, "cohere_xml": true, "kimi_k3_xml": true}

// MaxStructTagDepth bounds the nesting of format objects the checker reads.
const MaxStructTagDepth = 64

// CheckStructuralTag checks a structural tag against XGrammar's documented
// schema (XGrammarStructTagDoc): the top-level object, each format's type
// and fields (required ones present, types right, no field the document
// does not name), and the documented rules of triggered_tags (tags are
// tags with string begins; each tag's begin starts with exactly one
// trigger; no trigger is a prefix of another) and of repeat (0 <= min,
// max == -1 or min <= max).
func CheckStructuralTag(t *StructTag) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return CheckStructuralTagJSON(b)
}

// CheckStructuralTagJSON is CheckStructuralTag on the JSON text, read
// strictly: duplicate keys are errors, as are keys the document does not
// name.
func CheckStructuralTagJSON(data []byte) error {
	v, err := strictjson.Parse(data, strictjson.Limits{MaxDepth: 4 * MaxStructTagDepth})
	if err != nil {
		return stErr(StructTagInvalid, "structural tag: %v", err)
	}
	if v.Kind() != strictjson.Object {
		return stErr(StructTagInvalid, "structural tag: want an object, got %s", v.Kind())
	}
	for i := range v.Len() {
		k, _ := v.Member(i)
		if k.Text() != "type" && k.Text() != "format" {
			return stErr(StructTagInvalid, "structural tag: unknown key %q at the top level", k.Text())
		}
	}
	if ty := v.Get("type"); ty == nil || ty.Kind() != strictjson.String || ty.Text() != "structural_tag" {
		return stErr(StructTagInvalid, `structural tag: "type" must be "structural_tag"`)
	}
	f := v.Get("format")
	if f == nil {
		return stErr(StructTagInvalid, `structural tag: "format" is required`)
	}
	return checkFormat(f, "/format", 0)
}

func checkFormat(v *strictjson.Value, at string, depth int) error {
	bad := func(msg string, a ...any) error {
		return stErr(StructTagInvalid, "structural tag at %s: %s", at, fmt.Sprintf(msg, a...))
	}
	if depth > MaxStructTagDepth {
		return bad("format objects nest deeper than %d (MaxStructTagDepth)", MaxStructTagDepth)
	}
	if v.Kind() != strictjson.Object {
		return bad("a format must be an object, got %s", v.Kind())
	}
	ty := v.Get("type")
	if ty == nil || ty.Kind() != strictjson.String {
		return bad(`a format needs a string "type"`)
	}
	rules, ok := structTagRules[ty.Text()]
	if !ok {
		return bad("format type %q is not one this checker knows (%s)", ty.Text(), XGrammarStructTagDoc)
	}
	for i := range v.Len() {
		k, _ := v.Member(i)
		if _, ok := rules[k.Text()]; !ok && k.Text() != "type" {
			return bad("%s has no field %q", ty.Text(), k.Text())
		}
	}
	for name, r := range rules {
		f := v.Get(name)
		if f == nil {
			if r.required {
				return bad("%s needs %q", ty.Text(), name)
			}
			continue
		}
		sub := at + "/" + name
		switch r.kind {
		case fString:
			if f.Kind() != strictjson.String {
				return bad("%s.%s must be a string", ty.Text(), name)
			}
		case fBool:
			if f.Kind() != strictjson.Bool {
				return bad("%s.%s must be a boolean", ty.Text(), name)
			}
		case fInt:
			if f.Kind() != strictjson.Number || !f.IsInteger() {
				return bad("%s.%s must be an integer", ty.Text(), name)
			}
		case fObject:
			if f.Kind() != strictjson.Object && f.Kind() != strictjson.Bool {
				return bad("%s.%s must be a JSON Schema (object or boolean)", ty.Text(), name)
			}
		case fFormat:
			if err := checkFormat(f, sub, depth+1); err != nil {
				return err
			}
		case fFormats:
			if f.Kind() != strictjson.Array || f.Len() == 0 {
				return bad("%s.%s must be a non-empty array of formats", ty.Text(), name)
			}
			for i := range f.Len() {
				if err := checkFormat(f.Elem(i), fmt.Sprintf("%s/%d", sub, i), depth+1); err != nil {
					return err
				}
			}
		case fDelim:
			if f.Kind() == strictjson.Object {
				if t := f.Get("type"); t == nil || t.Text() != "token" {
					return bad("%s.%s must be a string or a token format", ty.Text(), name)
				}
				if err := checkFormat(f, sub, depth+1); err != nil {
					return err
				}
			} else if f.Kind() != strictjson.String {
				return bad("%s.%s must be a string or a token format", ty.Text(), name)
			}
		case fTokenID:
			if !isToken(f) {
				return bad("%s.%s must be a token id (integer) or a token string", ty.Text(), name)
			}
		case fTokens:
			if f.Kind() != strictjson.Array {
				return bad("%s.%s must be an array of tokens", ty.Text(), name)
			}
			for i := range f.Len() {
				if !isToken(f.Elem(i)) {
					return bad("%s.%s[%d] must be a token id (integer) or a token string", ty.Text(), name, i)
				}
			}
		case fStrings:
			if f.Kind() != strictjson.Array {
				return bad("%s.%s must be an array of strings", ty.Text(), name)
			}
			for i := range f.Len() {
				if f.Elem(i).Kind() != strictjson.String {
					return bad("%s.%s[%d] must be a string", ty.Text(), name, i)
				}
			}
		}
	}
	switch ty.Text() {
	case "json_schema":
		if s := v.Get("style"); s != nil && !jsonSchemaStyles[s.Text()] {
			return bad("json_schema.style %q is not a documented style", s.Text())
		}
	case "repeat":
		lo, hi := v.Get("min").Text(), v.Get("max").Text()
		var mn, mx int
		fmt.Sscan(lo, &mn)
		fmt.Sscan(hi, &mx)
		if mn < 0 || (mx != -1 && mx < mn) {
			return bad("repeat needs 0 <= min and max == -1 or min <= max (got %d, %d)", mn, mx)
		}
	case "any_text":
		for _, k := range []string{"max_tokens", "max_chars"} {
			if f := v.Get(k); f != nil && (strings.HasPrefix(f.Text(), "-") || len(f.Text()) > 10) {
				return bad("any_text.%s must be between 0 and 2147483647", k)
			}
		}
	case "token_triggered_tags":
		tr := v.Get("trigger_tokens")
		if tr.Len() == 0 {
			return bad("token_triggered_tags needs at least one trigger token")
		}
		triggers := map[string]bool{}
		for i := range tr.Len() {
			triggers[string(tr.Elem(i).AppendJSON(nil))] = true
		}
		tags := v.Get("tags")
		for i := range tags.Len() {
			tg := tags.Elem(i)
			if tg.Get("type").Text() != "tag" {
				return bad("token_triggered_tags.tags[%d] must be a tag", i)
			}
			b := tg.Get("begin")
			if b.Kind() != strictjson.Object {
				return bad("token_triggered_tags.tags[%d].begin must be a token format", i)
			}
			if !triggers[string(b.Get("token").AppendJSON(nil))] {
				return bad("token_triggered_tags.tags[%d].begin is not one of the trigger tokens", i)
			}
		}
	case "triggered_tags", "tags_with_separator":
		tags := v.Get("tags")
		var triggers []string
		if ty.Text() == "triggered_tags" {
			tr := v.Get("triggers")
			if tr.Len() == 0 {
				return bad("triggered_tags needs at least one trigger")
			}
			for i := range tr.Len() {
				s := tr.Elem(i).Text()
				if s == "" {
					return bad("triggers[%d] is empty", i)
				}
				for _, o := range triggers {
					if strings.HasPrefix(o, s) || strings.HasPrefix(s, o) {
						return bad("trigger %q and %q: one is a prefix of the other, so the tags they dispatch to are ambiguous", o, s)
					}
				}
				triggers = append(triggers, s)
			}
		}
		for i := range tags.Len() {
			tg := tags.Elem(i)
			if tg.Get("type").Text() != "tag" {
				return bad("%s.tags[%d] must be a tag", ty.Text(), i)
			}
			if ty.Text() != "triggered_tags" {
				continue
			}
			b := tg.Get("begin")
			if b.Kind() != strictjson.String {
				return bad("triggered_tags.tags[%d].begin must be a string (token begins need token_triggered_tags)", i)
			}
			begin := b.Text()
			n := 0
			for _, tr := range triggers {
				if strings.HasPrefix(begin, tr) {
					n++
				}
			}
			if n != 1 {
				return bad("tags[%d].begin %q must start with exactly one trigger (it starts with %d)", i, begin, n)
			}
		}
	}
	return nil
}

func isToken(v *strictjson.Value) bool {
	return v.Kind() == strictjson.String || (v.Kind() == strictjson.Number && v.IsInteger() && !strings.HasPrefix(v.Text(), "-"))
}

// ParseStructuralTag reads a structural tag strictly: CheckStructuralTagJSON,
// then the fields into a StructTag. json_schema contents keep their
// bytes as written.
func ParseStructuralTag(data []byte) (*StructTag, error) {
	if err := CheckStructuralTagJSON(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t StructTag
	if err := dec.Decode(&t); err != nil {
		return nil, stErr(StructTagInvalid, "structural tag: %v", err)
	}
	return &t, nil
}
