package decoder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidateArgs checks a tool call's concrete arguments against the tool's
// JSON schema (the "parameters" object of a catalog entry) with a full
// JSON Schema validator (github.com/santhosh-tekuri/jsonschema/v6, format
// asserted, remote references refused): what generation writes and what
// validation accepts are both standard JSON Schema, generation writing a
// subset (see package schema). A nil or empty schema (no bytes, null,
// true or {}) accepts any object; nil args is the empty object.
//
// The result is nil when the arguments are valid, else one *ConstraintError
// with Code CodeSchema whose message lists every violation, each led by its
// JSON pointer and keyword ("/order_id: type: got number, want string").
// A schema the validator cannot compile is a CodeSchema error too.
func ValidateArgs(schema json.RawMessage, args map[string]any) error {
	if t := strings.TrimSpace(string(schema)); t == "" || t == "null" {
		return nil
	}
	sch, err := compiledValidator(schema)
	if err != nil {
		return err
	}
	if args == nil {
		args = map[string]any{}
	}
	b, err := json.Marshal(args)
	if err != nil {
		return newErr(CodeSchema, "args: not JSON: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return newErr(CodeSchema, "args: not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		return newErr(CodeSchema, "%s", describeValidation(err))
	}
	return nil
}

func describeValidation(err error) string {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return err.Error()
	}
	var msgs []string
	var walk func(u *jsonschema.OutputUnit)
	walk = func(u *jsonschema.OutputUnit) {
		if len(u.Errors) == 0 && u.Error != nil {
			kw := u.KeywordLocation
			if i := strings.LastIndex(kw, "/"); i >= 0 {
				kw = kw[i+1:]
			}
			loc := u.InstanceLocation
			if loc == "" {
				loc = "/"
			}
			msgs = append(msgs, fmt.Sprintf("%s: %s: %s", loc, kw, u.Error.String()))
		}
		for i := range u.Errors {
			walk(&u.Errors[i])
		}
	}
	walk(ve.BasicOutput())
	sort.Strings(msgs)
	if len(msgs) == 0 {
		return ve.Error()
	}
	return strings.Join(msgs, "; ")
}

// validatorCache holds compiled validators by schema text, so a catalog's
// schemas are compiled once however many calls are checked.
var validatorCache = struct {
	sync.Mutex
	m map[string]*jsonschema.Schema
}{m: map[string]*jsonschema.Schema{}}

// maxCachedValidators bounds validatorCache; past it the cache restarts.
const maxCachedValidators = 1024

type noFetch struct{}

func (noFetch) Load(u string) (any, error) {
	return nil, fmt.Errorf("remote $ref %s refused: specplan never fetches schemas", u)
}

func compiledValidator(raw json.RawMessage) (*jsonschema.Schema, error) {
	key := string(raw)
	validatorCache.Lock()
	defer validatorCache.Unlock()
	if s, ok := validatorCache.m[key]; ok {
		return s, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, newErr(CodeSchema, "schema: not valid JSON: %v", err)
	}
	const url = "mem:///parameters.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(noFetch{})
	if err := c.AddResource(url, doc); err != nil {
		return nil, newErr(CodeSchema, "schema: %v", err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, newErr(CodeSchema, "schema: %s", strings.ReplaceAll(err.Error(), url, ""))
	}
	if len(validatorCache.m) >= maxCachedValidators {
		validatorCache.m = map[string]*jsonschema.Schema{}
	}
	validatorCache.m[key] = s
	return s, nil
}

// CheckSchema reports whether the decoder can generate arguments under a
// tool's parameters schema: the normaliser's refusals (package schema,
// keyword and JSON pointer) and the decoder's own limits (automaton size,
// nesting), so that a tool the decoder cannot serve is refused when a
// spec is checked or compiled, never found out at generation.
func CheckSchema(schema json.RawMessage) error {
	s, err := parseParameters(schema)
	if err != nil || s == nil {
		return err
	}
	b := newBuilder()
	c := &compiler{b: b, syn: FormatJSON.syntax(), f: FormatJSON}
	pc, err := c.args(s, nil, b.accept())
	if err != nil {
		return err
	}
	if pc < 0 {
		if c.cut {
			return newErr(CodeLimit, "no arguments object fits within %d levels of nesting (limit MaxSchemaDepth)", MaxSchemaDepth)
		}
		return newErr(CodeSchema, "no arguments object satisfies the schema within the generation rules")
	}
	p, err := b.finish(pc)
	if err != nil {
		return err
	}
	if p.minDist[p.start] < 0 {
		return newErr(CodeSchema, "no arguments object satisfies the schema within the generation rules")
	}
	return nil
}

// parseParameters normalises a tool's parameters schema; nil (and no
// error) for an absent one, which allows any arguments.
func parseParameters(raw json.RawMessage) (*schema, error) {
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" {
		return nil, nil
	}
	return parseSchema(raw, "parameters", 0)
}

// jsonEqual is JSON equality for values decoded with UseNumber (numbers
// compared by exact value).
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if bytes.Equal(x, y) {
		return true
	}
	na, ok1 := a.(json.Number)
	nb, ok2 := b.(json.Number)
	if ok1 && ok2 {
		ra, okA := ratOfNumber(na)
		rb, okB := ratOfNumber(nb)
		return okA && okB && ra.Cmp(rb) == 0
	}
	return false
}
