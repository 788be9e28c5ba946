package strictjson

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the JSON type of a Value.
type Kind uint8

const (
	Null Kind = iota + 1
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{Null: "null", Bool: "boolean", Number: "number", String: "string", Array: "array", Object: "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// DefaultMaxDepth is the nesting limit used when Limits.MaxDepth is 0.
const DefaultMaxDepth = 128

// MaxInput is the largest input Parse accepts at all: offsets are kept in
// 32 bits so that a Value stays small (memory is bounded per input byte).
const MaxInput = 1<<31 - 1

// Limits bound what one Parse may consume. The zero value means
// DefaultMaxDepth and no limit on values (the input size bounds them).
type Limits struct {
	// MaxDepth bounds the nesting of arrays and objects; the top-level value
	// is depth 1 if it is an array or object.
	MaxDepth int
	// MaxValues bounds the number of values (every array element, object
	// member value and key counts), for inputs whose size limit alone would
	// allow too large a tree; 0 means no limit.
	MaxValues int
}

// Value is one parsed JSON value. Its zero value is not a valid JSON value
// (Kind 0); Parse never returns one.
type Value struct {
	kind Kind
	off  int32
	// text is the decoded string of a String, the number exactly as written
	// for a Number, "true"/"false" for a Bool, "null" for Null.
	text string
	// items are an Array's elements, or an Object's members as key, value,
	// key, value... (each key a String value carrying its own offset). A
	// pointer keeps scalars, most of any input's values, at 32 bytes.
	items *[]Value
}

func (v *Value) list() []Value {
	if v.items == nil {
		return nil
	}
	return *v.items
}

// Kind returns v's JSON type.
func (v *Value) Kind() Kind { return v.kind }

// Offset is the byte offset of v's first byte in the parsed input.
func (v *Value) Offset() int { return int(v.off) }

// Text is a String's decoded text, a Number's text as written, "true" or
// "false" for a Bool and "null" for Null; "" for arrays and objects.
func (v *Value) Text() string { return v.text }

// IsInteger reports whether v is a Number written without a fraction or an
// exponent ("12", "-0", but not "12.0" or "1e2"): the numbers Python's json
// reads as int, which templates print back without a decimal point.
func (v *Value) IsInteger() bool {
	return v.kind == Number && !strings.ContainsAny(v.text, ".eE")
}

// Len is the number of elements of an Array or members of an Object.
func (v *Value) Len() int {
	switch v.kind {
	case Array:
		return len(v.list())
	case Object:
		return len(v.list()) / 2
	}
	return 0
}

// Elem returns an Array's element i.
func (v *Value) Elem(i int) *Value { return &(*v.items)[i] }

// Member returns an Object's member i, in input order: its key (a String
// value, with the key's offset) and its value.
func (v *Value) Member(i int) (key, val *Value) {
	items := *v.items
	return &items[2*i], &items[2*i+1]
}

// Get returns the value of the member whose key is exactly name (no case
// folding), or nil; nil also for a nil v, so lookups chain. Keys are
// unique, so there is at most one.
func (v *Value) Get(name string) *Value {
	if v == nil || v.kind != Object {
		return nil
	}
	items := v.list()
	for i := 0; i < len(items); i += 2 {
		if items[i].text == name {
			return &items[i+1]
		}
	}
	return nil
}

// CaseVariant returns the first key of the Object v that equals one of known
// ignoring case without being it exactly ("Args" beside the known "args"),
// and the known key it resembles. Such a key is a spoofing attempt against a
// reader that folds case (encoding/json), so callers reject it.
func (v *Value) CaseVariant(known ...string) (key *Value, want string, ok bool) {
	if v == nil || v.kind != Object {
		return nil, "", false
	}
	items := v.list()
	for i := 0; i < len(items); i += 2 {
		k := items[i].text
		for _, w := range known {
			if k != w && strings.EqualFold(k, w) {
				return &items[i], w, true
			}
		}
	}
	return nil, "", false
}

// Any converts v to the values encoding/json decodes into `any` with
// UseNumber: nil, bool, json.Number, string, []any, map[string]any.
func (v *Value) Any() any {
	switch v.kind {
	case Bool:
		return v.text == "true"
	case Number:
		return json.Number(v.text)
	case String:
		return v.text
	case Array:
		items := v.list()
		out := make([]any, len(items))
		for i := range items {
			out[i] = items[i].Any()
		}
		return out
	case Object:
		return v.Map()
	}
	return nil
}

// Map is Any for an Object (nil for any other kind).
func (v *Value) Map() map[string]any {
	if v.kind != Object {
		return nil
	}
	items := v.list()
	out := make(map[string]any, len(items)/2)
	for i := 0; i < len(items); i += 2 {
		out[items[i].text] = items[i+1].Any()
	}
	return out
}

// AppendJSON appends v as compact JSON, members in input order and numbers
// as written, so that a value prints back as the user gave it.
func (v *Value) AppendJSON(b []byte) []byte {
	switch v.kind {
	case String:
		return appendString(b, v.text)
	case Array:
		b = append(b, '[')
		for i, x := range v.list() {
			if i > 0 {
				b = append(b, ',')
			}
			b = x.AppendJSON(b)
		}
		return append(b, ']')
	case Object:
		b = append(b, '{')
		items := v.list()
		for i := 0; i < len(items); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, items[i].text)
			b = append(b, ':')
			b = items[i+1].AppendJSON(b)
		}
		return append(b, '}')
	}
	return append(b, v.text...)
}

func appendString(b []byte, s string) []byte {
	// encoding/json's escaping minus HTML escaping: valid JSON for any text.
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, strings.TrimSuffix(sb.String(), "\n")...)
}

// ErrorCode classifies a parse failure.
type ErrorCode uint8

const (
	ErrSyntax    ErrorCode = iota + 1 // not JSON, or data after the value
	ErrDuplicate                      // a key repeated in one object
	ErrUTF8                           // invalid UTF-8, or a lone UTF-16 surrogate escape
	ErrDepth                          // nesting deeper than Limits.MaxDepth
	ErrValues                         // more values than Limits.MaxValues
	ErrTrailing                       // data after the value
)

// Error is a parse failure at byte Offset of the input.
type Error struct {
	Code   ErrorCode
	Offset int
	Msg    string
	// Limit is the limit exceeded, for ErrDepth and ErrValues.
	Limit int
	// First is the offset of the key's first occurrence, for ErrDuplicate.
	First int
	// Pointer is the JSON pointer (RFC 6901) of the innermost value being
	// read when the error was found ("" for the top-level value); for
	// ErrDuplicate, the pointer of the repeated member.
	Pointer string
	// path collects Pointer's reference tokens innermost first, as the
	// error returns through the enclosing arrays and objects.
	path []string
}

func (e *Error) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

// Parse parses data as exactly one JSON value, surrounded by nothing but
// whitespace. Inputs over MaxInput bytes are refused; callers bound what
// they read well below that.
func Parse(data []byte, lim Limits) (*Value, error) {
	return ParseString(string(data), lim)
}

// ParseString is Parse of a string; decoded strings without escapes share
// the input's memory.
func ParseString(s string, lim Limits) (*Value, error) {
	if len(s) > MaxInput {
		return nil, &Error{Code: ErrValues, Offset: MaxInput, Msg: fmt.Sprintf("input larger than %d bytes", MaxInput), Limit: MaxInput}
	}
	p := &parser{s: s, maxDepth: lim.MaxDepth, maxValues: lim.MaxValues}
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	p.space()
	if p.i >= len(s) {
		return nil, p.fail(ErrSyntax, "empty input: expected a JSON value")
	}
	var v Value
	if err := p.value(&v, 0); err != nil {
		if e, ok := err.(*Error); ok {
			e.Pointer = pointer(e.path)
			e.path = nil
		}
		return nil, err
	}
	p.space()
	if p.i < len(s) {
		return nil, p.fail(ErrTrailing, "data after the JSON value")
	}
	return &v, nil
}

type parser struct {
	s         string
	i         int
	maxDepth  int
	maxValues int
	values    int
}

func (p *parser) fail(c ErrorCode, msg string) *Error {
	return &Error{Code: c, Offset: p.i, Msg: msg}
}

func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// describe names the byte at the current offset for an error message.
func (p *parser) describe() string {
	if p.i >= len(p.s) {
		return "end of input"
	}
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError && n <= 1 {
		return fmt.Sprintf("byte 0x%02x", p.s[p.i])
	}
	if r < 0x20 || r == 0x7f {
		return fmt.Sprintf("control character %U", r)
	}
	return strconv.QuoteRune(r)
}

func (p *parser) count() error {
	p.values++
	if p.maxValues > 0 && p.values > p.maxValues {
		e := p.fail(ErrValues, fmt.Sprintf("more than %d JSON values", p.maxValues))
		e.Limit = p.maxValues
		return e
	}
	return nil
}

// value parses the value at p.i (whitespace already skipped) into v; depth
// is the number of arrays and objects around it.
func (p *parser) value(v *Value, depth int) error {
	if err := p.count(); err != nil {
		return err
	}
	if p.i >= len(p.s) {
		return p.fail(ErrSyntax, "unexpected end of input: expected a JSON value")
	}
	v.off = int32(p.i)
	switch c := p.s[p.i]; {
	case c == '{' || c == '[':
		if depth+1 > p.maxDepth {
			e := p.fail(ErrDepth, fmt.Sprintf("JSON nested deeper than %d levels", p.maxDepth))
			e.Limit = p.maxDepth
			return e
		}
		if c == '{' {
			return p.object(v, depth+1)
		}
		return p.array(v, depth+1)
	case c == '"':
		v.kind = String
		s, err := p.str()
		v.text = s
		return err
	case c == '-' || c >= '0' && c <= '9':
		v.kind = Number
		return p.number(v)
	case strings.HasPrefix(p.s[p.i:], "true"):
		v.kind, v.text = Bool, "true"
	case strings.HasPrefix(p.s[p.i:], "false"):
		v.kind, v.text = Bool, "false"
	case strings.HasPrefix(p.s[p.i:], "null"):
		v.kind, v.text = Null, "null"
	default:
		return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected a JSON value")
	}
	p.i += len(v.text)
	return nil
}

func (p *parser) array(v *Value, depth int) error {
	v.kind = Array
	p.i++ // [
	// Elements are appended to the array's own slice, not gathered on a
	// shared stack and copied: the peak memory of a huge array is then one
	// slice growth, not a stack and a copy.
	items := []Value{}
	v.items = &items
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		p.space()
		items = append(items, Value{})
		if err := p.value(&items[len(items)-1], depth); err != nil {
			return within(err, strconv.Itoa(len(items)-1))
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail(ErrSyntax, "unexpected end of input: expected ',' or ']'")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			continue
		case ']':
			p.i++
			*v.items = items
			return nil
		}
		return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected ',' or ']'")
	}
}

// within records, on an error returning from a member or element, the
// reference token of that member or element.
func within(err error, token string) error {
	if e, ok := err.(*Error); ok {
		e.path = append(e.path, token)
	}
	return err
}

// smallObject is the member count up to which duplicate keys are found by
// comparing with every earlier key; larger objects use a map, so the check
// stays linear.
const smallObject = 8

func (p *parser) object(v *Value, depth int) error {
	v.kind = Object
	p.i++ // {
	items := []Value{}
	v.items = &items
	var seen map[string]int // key → offset, once the object is large
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected a string key")
		}
		if err := p.count(); err != nil {
			return err
		}
		keyOff := p.i
		key, err := p.str()
		if err != nil {
			return err
		}
		dup := -1
		if seen != nil {
			if off, ok := seen[key]; ok {
				dup = off
			}
		} else {
			for j := 0; j < len(items); j += 2 {
				if items[j].text == key {
					dup = int(items[j].off)
					break
				}
			}
		}
		if dup >= 0 {
			return &Error{Code: ErrDuplicate, Offset: keyOff, First: dup, Msg: "duplicate key " + strconv.Quote(key), path: []string{key}}
		}
		if seen == nil && len(items)/2+1 > smallObject {
			seen = make(map[string]int, 2*smallObject)
			for j := 0; j < len(items); j += 2 {
				seen[items[j].text] = int(items[j].off)
			}
		}
		if seen != nil {
			seen[key] = keyOff
		}
		items = append(items, Value{kind: String, off: int32(keyOff), text: key}, Value{})
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected ':' after the key")
		}
		p.i++
		p.space()
		if err := p.value(&items[len(items)-1], depth); err != nil {
			return within(err, key)
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail(ErrSyntax, "unexpected end of input: expected ',' or '}'")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			continue
		case '}':
			p.i++
			*v.items = items
			return nil
		}
		return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected ',' or '}'")
	}
}

// number checks the JSON number grammar and keeps the text as written.
func (p *parser) number(v *Value) error {
	start := p.i
	s := p.s
	digits := func() int {
		j := p.i
		for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
			p.i++
		}
		return p.i - j
	}
	if s[p.i] == '-' {
		p.i++
	}
	if p.i < len(s) && s[p.i] == '0' {
		if p.i+1 < len(s) && s[p.i+1] >= '0' && s[p.i+1] <= '9' {
			// Reported at the zero: "02" is one bad number to its writer,
			// not a 0 followed by stray data.
			return p.fail(ErrSyntax, "number with a leading zero")
		}
		p.i++
	} else if digits() == 0 {
		return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected a digit in the number")
	}
	if p.i < len(s) && s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected a digit after the decimal point")
		}
	}
	if p.i < len(s) && (s[p.i] == 'e' || s[p.i] == 'E') {
		p.i++
		if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail(ErrSyntax, "unexpected "+p.describe()+": expected a digit in the exponent")
		}
	}
	v.text = s[start:p.i]
	return nil
}

// str parses the string at p.i (its opening quote) and returns it decoded.
func (p *parser) str() (string, error) {
	p.i++ // "
	start := p.i
	s := p.s
	// Fast path: no escapes; the result shares the input.
	for p.i < len(s) {
		c := s[p.i]
		if c == '"' {
			out := s[start:p.i]
			p.i++
			return out, nil
		}
		if c == '\\' {
			break
		}
		if err := p.plain(c); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	b.WriteString(s[start:p.i])
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			j := p.i
			if err := p.plain(c); err != nil {
				return "", err
			}
			b.WriteString(s[j:p.i])
		}
	}
	return "", p.fail(ErrSyntax, "unexpected end of input inside a string")
}

// plain advances over one unescaped character starting with byte c.
func (p *parser) plain(c byte) error {
	if c < 0x20 {
		return p.fail(ErrSyntax, "unexpected "+p.describe()+" inside a string (write it as an escape)")
	}
	if c < utf8.RuneSelf {
		p.i++
		return nil
	}
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError && n <= 1 {
		return p.fail(ErrUTF8, fmt.Sprintf("invalid UTF-8 (byte 0x%02x)", c))
	}
	p.i += n
	return nil
}

func (p *parser) escape(b *strings.Builder) error {
	s := p.s
	if p.i+1 >= len(s) {
		p.i = len(s)
		return p.fail(ErrSyntax, "unexpected end of input inside a string")
	}
	at := p.i
	c := s[p.i+1]
	p.i += 2
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
			return &Error{Code: ErrSyntax, Offset: at, Msg: `invalid \u escape: expected 4 hex digits`}
		}
		if utf16.IsSurrogate(r) {
			var r2 rune = -1
			if r < 0xDC00 && strings.HasPrefix(s[p.i:], `\u`) {
				save := p.i
				p.i += 2
				if x, ok := p.hex4(); ok {
					r2 = x
				} else {
					p.i = save
				}
			}
			d := utf16.DecodeRune(r, r2)
			if d == utf8.RuneError {
				return &Error{Code: ErrUTF8, Offset: at, Msg: fmt.Sprintf(`lone UTF-16 surrogate \u%04x (not a Unicode character)`, r)}
			}
			r = d
		}
		b.WriteRune(r)
	default:
		p.i = at + 1
		return p.fail(ErrSyntax, "invalid escape \\"+p.describe()+" in a string")
	}
	return nil
}

func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.i += 4
	return r, true
}

// Raw returns v's text exactly as written in data, which must be the input v
// was parsed from. It scans only v's own bytes, so taking the Raw of
// disjoint values costs time linear in the input.
func (v *Value) Raw(data []byte) []byte {
	i := v.Offset()
	start := i
	depth := 0
	for i < len(data) {
		switch c := data[i]; c {
		case '"':
			i++
			for i < len(data) && data[i] != '"' {
				if data[i] == '\\' {
					i++
				}
				i++
			}
			i++
			if depth == 0 {
				return data[start:i]
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return data[start : i+1]
			}
		case ',', ' ', '\t', '\r', '\n', ':':
			if depth == 0 {
				return data[start:i]
			}
		}
		i++
	}
	return data[start:min(i, len(data))]
}
