package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Types is a set of JSON Schema types. "number" is Int|Frac: an integer
// value (2, 2.0) is of both "integer" and "number".
type Types uint8

const (
	TNull   Types = 1 << iota
	TBool         // true, false
	TInt          // numbers without a fraction
	TFrac         // numbers with a fraction
	TString       // strings
	TArray        // arrays
	TObject       // objects

	TNumber = TInt | TFrac
	TAll    = TNull | TBool | TNumber | TString | TArray | TObject
)

func (t Types) String() string {
	var names []string
	for _, p := range []struct {
		t Types
		n string
	}{{TNull, "null"}, {TBool, "boolean"}, {TNumber, "number"}, {TInt, "integer"}, {TString, "string"}, {TArray, "array"}, {TObject, "object"}} {
		if p.t == TNumber && t&TNumber == TNumber {
			names = append(names, p.n)
			continue
		}
		if p.t == TInt && t&TNumber == TNumber {
			continue
		}
		if t&p.t == p.t {
			names = append(names, p.n)
		}
	}
	return strings.Join(names, "|")
}

// Gen is a schema in generation form: a value is valid when it is valid
// under one of Alts (none: no value is; one Node with Types == TAll and
// no constraints: every value is). Gens form a graph that may be cyclic
// (recursive $ref); a generator bounds the nesting it unrolls.
//
// Every value a generator writes by following a Gen, within the
// conventions of Node, is valid under the schema the Gen came from; the
// converse does not hold (see the package documentation for what is left
// out, e.g. at most one key beyond the declared properties).
type Gen struct {
	Alts []*Node
	// Ptr is the JSON pointer of the first schema this Gen conjoins.
	Ptr string
	set []string // the conjoined pointers ("!p": not p)
	any bool     // accepts every value (set once the Gen is built)
}

// Node is one alternative: a conjunction of constraints by type.
type Node struct {
	Ptr   string
	Types Types
	// HasEnum: the value is one of Enum (plain JSON values as
	// encoding/json decodes them, numbers as json.Number), every one of
	// them already checked against the whole alternative.
	HasEnum bool
	Enum    []any
	// NotValues are values that must not be written (from not, oneOf and
	// if/else); only scalars appear here.
	NotValues []any

	// Strings: length in characters (runes); MaxLength -1 is unbounded.
	// Every pattern must match (Go regexp syntax, unanchored), and so
	// must every Formats entry's pattern (FormatPattern).
	MinLength, MaxLength int
	Patterns             []string
	Formats              []string

	// Numbers, in exact arithmetic.
	Bounds Interval

	// Arrays: item i is of Prefix[i], then every item of Rest (nil: no
	// more items). MaxItems -1 is unbounded. Contains: at least one item
	// is also of Contains.
	Prefix             []*Gen
	Rest               *Gen
	MinItems, MaxItems int
	Contains           *Gen
	// UniqueEnum (uniqueItems over items from a finite set of scalars):
	// the array is a subsequence of these values, in this order.
	UniqueEnum []any

	// Objects: Props in schema order; Extra the keys beyond them (nil:
	// none may be written). MaxProps -1 is unbounded.
	Props              []Prop
	Extra              *Extra
	MinProps, MaxProps int
	// Closed: the schema forbids every key not in Props (some member has
	// additionalProperties false and no patternProperties).
	Closed bool
}

// Prop is a declared (or required) property.
type Prop struct {
	Name     string
	Value    *Gen
	Required bool
}

// Extra describes the keys an object may have beyond its Props.
type Extra struct {
	// Key constraints: every pattern matches, length in runes, and
	// (KeyEnum non-nil) one of KeyEnum; never one of Exclude.
	KeyPatterns  []string
	KeyMinLength int
	KeyMaxLength int
	KeyEnum      []string
	Exclude      []string
	Value        *Gen
	// Many: any number of distinct keys may be written (their values are
	// unconstrained and no property count applies, so duplicates cannot
	// change validity); otherwise at most one extra key.
	Many bool
}

// Interval is a set of reals between Lo and Hi; nil bounds are infinite.
type Interval struct {
	Lo, Hi         *big.Rat
	LoOpen, HiOpen bool
}

// Free reports that n accepts every value of its types with no further
// constraint.
func (n *Node) Free() bool {
	return !n.HasEnum && len(n.NotValues) == 0 && n.MinLength == 0 && n.MaxLength < 0 &&
		len(n.Patterns) == 0 && len(n.Formats) == 0 && n.Bounds.Lo == nil && n.Bounds.Hi == nil &&
		n.MinItems == 0 && n.MaxItems < 0 && len(n.Prefix) == 0 && n.Rest.Any() && n.Contains == nil && n.UniqueEnum == nil &&
		len(n.Props) == 0 && n.Extra != nil && n.Extra.Many && n.MinProps == 0 && n.MaxProps < 0
}

// Any reports that g accepts every JSON value.
func (g *Gen) Any() bool {
	return g != nil && g.any
}

// settle marks g as accepting every value when its one alternative is
// free of every type and its children accept everything (decided once,
// when g is built, so that cyclic graphs need no recursion here).
func (g *Gen) settle() {
	g.any = len(g.Alts) == 1 && g.Alts[0].Types == TAll && g.Alts[0].Free()
}

// Code classifies a generation refusal.
type Code int

const (
	// CodeUnsupported: a keyword (at Pointer) the generator cannot enforce.
	CodeUnsupported Code = iota + 1
	// CodeLimit: a limit was reached; the message names it and its Option.
	CodeLimit
	// CodeInvalid: the schema is not valid JSON or not a valid schema.
	CodeInvalid
	// CodeRemoteRef: a $ref that is not local to the document.
	CodeRemoteRef
	// CodeUnsatisfiable: no value (within the limits) satisfies the schema.
	CodeUnsatisfiable
)

func (c Code) String() string {
	switch c {
	case CodeUnsupported:
		return "unsupported"
	case CodeLimit:
		return "limit"
	case CodeInvalid:
		return "invalid"
	case CodeRemoteRef:
		return "remote-ref"
	case CodeUnsatisfiable:
		return "unsatisfiable"
	}
	return "error"
}

// Error is a refusal, at a JSON pointer into the schema, naming the
// keyword responsible.
type Error struct {
	Code    Code
	Pointer string // JSON pointer of the schema object ("" is the root)
	Keyword string
	Msg     string
}

func (e *Error) Error() string {
	p := e.Pointer
	if p == "" {
		p = "/"
	}
	if e.Keyword != "" {
		return fmt.Sprintf("schema %s: %s: %s", p, e.Keyword, e.Msg)
	}
	return fmt.Sprintf("schema %s: %s", p, e.Msg)
}

func unsupported(ptr, kw, format string, a ...any) *Error {
	return &Error{Code: CodeUnsupported, Pointer: ptr, Keyword: kw, Msg: fmt.Sprintf(format, a...)}
}

func invalid(ptr, kw, msg string) *Error {
	return &Error{Code: CodeInvalid, Pointer: ptr, Keyword: kw, Msg: msg}
}

func limitErr(ptr, kw, format string, a ...any) *Error {
	return &Error{Code: CodeLimit, Pointer: ptr, Keyword: kw, Msg: fmt.Sprintf(format, a...)}
}

// Options bounds the work of normalisation. Zero fields take defaults.
type Options struct {
	// MaxBytes bounds the schema document (default 4 MiB).
	MaxBytes int
	// MaxJSONDepth bounds the nesting of the document itself (default 128).
	MaxJSONDepth int
	// MaxDepth bounds the nesting of generated values (default 8); a
	// recursive schema is unrolled that deep, and a schema that needs
	// deeper values is refused (CodeLimit, naming MaxDepth).
	MaxDepth int
	// MaxAlternatives bounds the alternatives of one Gen after anyOf,
	// oneOf, if/then/else and dependencies are distributed (default 64).
	MaxAlternatives int
	// MaxGens bounds the distinct Gens of one schema (default 4096).
	MaxGens int
	// Strict is OpenAI's strict mode: every declared property is
	// required and no other key may be written.
	Strict bool
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = 4 << 20
	}
	if o.MaxJSONDepth <= 0 {
		o.MaxJSONDepth = 128
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 8
	}
	if o.MaxAlternatives <= 0 {
		o.MaxAlternatives = 64
	}
	if o.MaxGens <= 0 {
		o.MaxGens = 4096
	}
	return o
}

// CheckGenerable reports whether values can be generated under the schema
// raw with default Options: nil, or an *Error with the keyword and JSON
// pointer of the first refusal. It is what plan check and compile call,
// so that a tool the decoder cannot serve is refused before generation.
func CheckGenerable(raw json.RawMessage) error {
	_, err := NormalizeForGeneration(raw, Options{})
	return err
}

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// AnyGen is the Gen that accepts every value.
func AnyGen() *Gen { return anyNode("").Rest }
