package chat

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
)

// Kind is the JSON type of a Value.
type Kind uint8

const (
	Null Kind = iota
	Bool
	Int    // an integer literal that fits in int64
	Float  // a literal with a fraction or exponent, as Python's json reads it
	String // valid UTF-8
	Array
	Object
)

// Value is a JSON value that keeps what Go maps lose: the order of an
// object's keys, and whether a number was written as an integer or a float
// (Python's json, and so transformers, keeps both, and a template's tojson
// prints them back that way).
type Value struct {
	Kind    Kind
	Bool    bool
	Int     int64
	Float   float64
	Str     string
	Items   []Value  // Array
	Members []Member // Object, in input order; keys are unique
}

// Member is one key of an Object.
type Member struct {
	Key   string
	Value Value
}

// Get returns the member named key of an Object.
func (v Value) Get(key string) (Value, bool) {
	for _, m := range v.Members {
		if m.Key == key {
			return m.Value, true
		}
	}
	return Value{}, false
}

// Str returns a String value.
func Str(s string) Value { return Value{Kind: String, Str: s} }

// JSONLimits bounds what ParseJSON accepts; zero fields take the defaults.
type JSONLimits struct {
	MaxBytes int // default 16 MiB
	MaxDepth int // default 64
}

const (
	defaultMaxJSONBytes = 16 << 20
	defaultMaxJSONDepth = 64
)

// ParseJSON decodes one JSON document strictly, through the project's one
// strict reader (internal/strictjson): RFC 8259 syntax only, duplicate keys
// are errors, strings must be valid UTF-8 (lone surrogate escapes
// included), integers must fit in int64 and floats in float64, and nothing
// but whitespace may follow the value. name is the file name that errors
// carry. Work is linear in the input.
func ParseJSON(name string, data []byte, lim JSONLimits) (Value, error) {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = defaultMaxJSONBytes
	}
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = defaultMaxJSONDepth
	}
	if len(data) > lim.MaxBytes {
		return Value{}, &Error{Code: ErrLimit, File: name, Msg: fmt.Sprintf("input is %d bytes, over the limit of %d (JSONLimits.MaxBytes, --max-input-bytes)", len(data), lim.MaxBytes)}
	}
	tree, err := strictjson.Parse(data, strictjson.Limits{MaxDepth: lim.MaxDepth})
	if err != nil {
		return Value{}, jsonError(name, data, err, lim)
	}
	return fromTree(name, data, tree)
}

// jsonError turns a strictjson error into this package's, positioned.
func jsonError(name string, data []byte, err error, lim JSONLimits) error {
	var je *strictjson.Error
	if !errors.As(err, &je) {
		return &Error{Code: ErrJSON, File: name, Msg: err.Error()}
	}
	code, msg := ErrJSON, je.Msg
	switch je.Code {
	case strictjson.ErrDuplicate:
		code = ErrDuplicateKey
	case strictjson.ErrDepth:
		code, msg = ErrLimit, fmt.Sprintf("JSON nested deeper than %d (JSONLimits.MaxDepth)", lim.MaxDepth)
	case strictjson.ErrValues:
		code = ErrLimit
	}
	return errorAt(name, data, je.Offset, code, msg)
}

func errorAt(name string, data []byte, at int, code Code, msg string) *Error {
	line, col := lineCol(data, at)
	return &Error{Code: code, File: name, Line: line, Col: col, Msg: msg, src: data}
}

// fromTree builds the template-facing Value from strictjson's tree,
// deciding Int or Float by the number's text as Python's json does.
func fromTree(name string, data []byte, v *strictjson.Value) (Value, error) {
	switch v.Kind() {
	case strictjson.Null:
		return Value{Kind: Null}, nil
	case strictjson.Bool:
		return Value{Kind: Bool, Bool: v.Text() == "true"}, nil
	case strictjson.String:
		return Str(v.Text()), nil
	case strictjson.Number:
		lit := v.Text()
		if v.IsInteger() {
			n, err := strconv.ParseInt(lit, 10, 64)
			if err != nil {
				return Value{}, errorAt(name, data, v.Offset(), ErrNumber, fmt.Sprintf("integer %s does not fit in 64 bits", lit))
			}
			return Value{Kind: Int, Int: n}, nil
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil || math.IsInf(f, 0) {
			return Value{}, errorAt(name, data, v.Offset(), ErrNumber, fmt.Sprintf("number %s is out of the float64 range", lit))
		}
		return Value{Kind: Float, Float: f}, nil
	case strictjson.Array:
		out := Value{Kind: Array}
		if v.Len() > 0 {
			out.Items = make([]Value, v.Len())
		}
		for i := range v.Len() {
			item, err := fromTree(name, data, v.Elem(i))
			if err != nil {
				return Value{}, err
			}
			out.Items[i] = item
		}
		return out, nil
	}
	out := Value{Kind: Object}
	if v.Len() > 0 {
		out.Members = make([]Member, v.Len())
	}
	for i := range v.Len() {
		k, mv := v.Member(i)
		val, err := fromTree(name, data, mv)
		if err != nil {
			return Value{}, err
		}
		out.Members[i] = Member{Key: k.Text(), Value: val}
	}
	return out, nil
}

// lineCol returns the 1-based line and rune column of byte offset at.
func lineCol(src []byte, at int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < at && i < len(src); {
		if src[i] == '\n' {
			line, col = line+1, 1
			i++
			continue
		}
		_, n := utf8.DecodeRune(src[i:])
		i += n
		col++
	}
	return line, col
}
