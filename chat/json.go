package chat

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
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

// ParseJSON decodes one JSON document strictly: RFC 8259 syntax only,
// duplicate keys are errors, strings must be valid UTF-8 (lone surrogate
// escapes included), integers must fit in int64 and floats in float64, and
// nothing but whitespace may follow the value. name is the file name that
// errors carry. Work is linear in the input: each byte is looked at a
// bounded number of times, and duplicate keys are found with a map per
// object.
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
	p := &jsonParser{name: name, src: data, maxDepth: lim.MaxDepth}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.space()
	if p.pos < len(p.src) {
		return Value{}, p.errf(p.pos, "unexpected %s after the JSON value", p.describe(p.pos))
	}
	return v, nil
}

type jsonParser struct {
	name     string
	src      []byte
	pos      int
	maxDepth int
}

func (p *jsonParser) errf(at int, format string, args ...any) *Error {
	line, col := lineCol(p.src, at)
	return &Error{Code: ErrJSON, File: p.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), src: p.src}
}

func (p *jsonParser) describe(at int) string {
	if at >= len(p.src) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(p.src[at:])
	return strconv.QuoteRune(r)
}

func (p *jsonParser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (Value, error) {
	if depth >= p.maxDepth {
		return Value{}, &Error{Code: ErrLimit, File: p.name, Msg: fmt.Sprintf("JSON nested deeper than %d (JSONLimits.MaxDepth)", p.maxDepth)}
	}
	if p.pos >= len(p.src) {
		return Value{}, p.errf(p.pos, "unexpected end of input, want a JSON value")
	}
	switch c := p.src[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		return Str(s), err
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case p.word("true"):
		return Value{Kind: Bool, Bool: true}, nil
	case p.word("false"):
		return Value{Kind: Bool}, nil
	case p.word("null"):
		return Value{Kind: Null}, nil
	}
	return Value{}, p.errf(p.pos, "unexpected %s, want a JSON value", p.describe(p.pos))
}

func (p *jsonParser) word(w string) bool {
	if strings.HasPrefix(string(p.src[p.pos:min(len(p.src), p.pos+len(w))]), w) {
		p.pos += len(w)
		return true
	}
	return false
}

func (p *jsonParser) object(depth int) (Value, error) {
	p.pos++ // {
	v := Value{Kind: Object}
	seen := map[string]bool{}
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return Value{}, p.errf(p.pos, "unexpected %s, want an object key (a string)", p.describe(p.pos))
		}
		at := p.pos
		k, err := p.str()
		if err != nil {
			return Value{}, err
		}
		if seen[k] {
			e := p.errf(at, "duplicate key %q", k)
			e.Code = ErrDuplicateKey
			return Value{}, e
		}
		seen[k] = true
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return Value{}, p.errf(p.pos, "unexpected %s, want ':'", p.describe(p.pos))
		}
		p.pos++
		p.space()
		mv, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		v.Members = append(v.Members, Member{Key: k, Value: mv})
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			return v, nil
		}
		return Value{}, p.errf(p.pos, "unexpected %s, want ',' or '}'", p.describe(p.pos))
	}
}

func (p *jsonParser) array(depth int) (Value, error) {
	p.pos++ // [
	v := Value{Kind: Array}
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.space()
		item, err := p.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		v.Items = append(v.Items, item)
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			return v, nil
		}
		return Value{}, p.errf(p.pos, "unexpected %s, want ',' or ']'", p.describe(p.pos))
	}
}

func (p *jsonParser) str() (string, error) {
	start := p.pos
	p.pos++ // "
	var b strings.Builder
	for {
		if p.pos >= len(p.src) {
			return "", p.errf(start, "unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c == '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", p.errf(p.pos, "control character %#02x in a string (write it as \\u%04x)", c, c)
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.src[p.pos:])
			if r == utf8.RuneError && n <= 1 {
				return "", p.errf(p.pos, "invalid UTF-8 in a string")
			}
			b.Write(p.src[p.pos : p.pos+n])
			p.pos += n
		}
	}
}

func (p *jsonParser) escape(b *strings.Builder) error {
	at := p.pos
	if p.pos+1 >= len(p.src) {
		return p.errf(at, "unterminated escape")
	}
	c := p.src[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return p.errf(at, "bad \\u escape, want four hex digits")
		}
		if utf16.IsSurrogate(r) {
			lo, ok := rune(0), false
			if p.pos+1 < len(p.src) && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
				p.pos += 2
				lo, ok = p.hex4()
			}
			r = utf16.DecodeRune(r, lo)
			if !ok || r == utf8.RuneError {
				return p.errf(at, "lone UTF-16 surrogate in a \\u escape")
			}
		}
		b.WriteRune(r)
	default:
		return p.errf(at, "unknown escape \\%c", c)
	}
	return nil
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.src) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.src[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}

func (p *jsonParser) number() (Value, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.src[p.pos] == '-' {
		p.pos++
	}
	intStart := p.pos
	if digits() == 0 {
		return Value{}, p.errf(p.pos, "unexpected %s, want a digit", p.describe(p.pos))
	}
	if p.src[intStart] == '0' && p.pos-intStart > 1 {
		return Value{}, p.errf(intStart, "number with a leading zero")
	}
	isFloat := false
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		isFloat = true
		p.pos++
		if digits() == 0 {
			return Value{}, p.errf(p.pos, "unexpected %s, want a digit after '.'", p.describe(p.pos))
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		isFloat = true
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return Value{}, p.errf(p.pos, "unexpected %s, want an exponent digit", p.describe(p.pos))
		}
	}
	lit := string(p.src[start:p.pos])
	if !isFloat {
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil {
			e := p.errf(start, "integer %s does not fit in 64 bits", lit)
			e.Code = ErrNumber
			return Value{}, e
		}
		return Value{Kind: Int, Int: n}, nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		e := p.errf(start, "number %s is out of the float64 range", lit)
		e.Code = ErrNumber
		return Value{}, e
	}
	return Value{Kind: Float, Float: f}, nil
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
