package decoder

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	jschema "github.com/specplan/specplan/schema"
)

// ValidateArgs checks a tool call's concrete arguments against the tool's
// JSON schema (the "parameters" object of a catalog entry) with the
// project's one validator, package schema (standard JSON Schema, formats
// asserted, numbers exact, remote references refused): what generation
// writes and what the guard accepts are judged by the same code, generation
// writing a subset. A nil or empty schema (no bytes, null) accepts any
// object; nil args is the empty object.
//
// The result is nil when the arguments are valid, else one *ConstraintError
// with Code CodeSchema whose Cause is the *schema.ValidationError (each
// problem with its JSON pointer and keyword). A schema the validator cannot
// compile is a CodeSchema error too. Compiled schemas are cached by content.
func ValidateArgs(raw json.RawMessage, args map[string]any) error {
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" {
		return nil
	}
	sch, err := compiledValidator(raw)
	if err != nil {
		return &ConstraintError{Code: CodeSchema, Msg: err.Error(), Cause: err}
	}
	if args == nil {
		args = map[string]any{}
	}
	if err := sch.ValidateArgs(args); err != nil {
		return &ConstraintError{Code: CodeSchema, Msg: err.Error(), Cause: err}
	}
	return nil
}

var validatorCache = struct {
	sync.Mutex
	m map[string]*jschema.Schema
}{m: map[string]*jschema.Schema{}}

// maxCachedValidators bounds the cache; past it the cache starts over.
const maxCachedValidators = 1024

func compiledValidator(raw json.RawMessage) (*jschema.Schema, error) {
	key := string(raw)
	validatorCache.Lock()
	defer validatorCache.Unlock()
	if s, ok := validatorCache.m[key]; ok {
		return s, nil
	}
	s, err := jschema.Compile(raw, jschema.CompileOptions{})
	if err != nil {
		return nil, err
	}
	if len(validatorCache.m) >= maxCachedValidators {
		validatorCache.m = map[string]*jschema.Schema{}
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
