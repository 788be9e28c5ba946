package chat

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/ardanlabs/jinja"
)

// pyFloat formats f as Python's repr(float) does, which is what json.dumps
// and str() print: the shortest digits that round-trip, positional
// notation with at least one decimal for 1e-4 <= |f| < 1e16, and otherwise
// an exponent of at least two digits (1e+16, 1.5e-05).
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	a := math.Abs(f)
	if a >= 1e-4 && a < 1e16 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return strconv.FormatFloat(f, 'e', -1, 64) // Go writes at least two exponent digits, as Python does
}

// pyEscape writes s as the inside of a JSON string the way Python's
// json.dumps(ensure_ascii=False) does: only '"', '\\' and the C0 controls
// are escaped; DEL, U+2028 and everything else stays as it is.
func pyEscape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
}

// pyEscapeASCII is pyEscape for json.dumps(ensure_ascii=True): every
// character beyond ASCII is written as \uXXXX, as a UTF-16 surrogate pair
// beyond the BMP.
func pyEscapeASCII(b *strings.Builder, s string) {
	for _, r := range s {
		switch {
		case r < 0x80:
			pyEscape(b, string(r))
		case r < 0x10000:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
		}
	}
}

// tojsonOptions are the keyword arguments of transformers' tojson filter.
type tojsonOptions struct {
	indent          string // "" with hasIndent false: no newlines
	hasIndent       bool
	itemSep, keySep string
	sortKeys        bool
	ensureASCII     bool   // escape every non-ASCII character as \uXXXX
	slots           *slots // the sentinel render's, to mark its floats; nil in the real render
}

func parseTojsonOptions(kwargs map[string]jinja.Value) (tojsonOptions, error) {
	o := tojsonOptions{itemSep: ", ", keySep: ": "}
	explicitSeps := false
	for k, v := range kwargs {
		switch k {
		case "indent":
			switch {
			case v.IsNone() || v.IsUndefined():
			case v.IsInt():
				o.hasIndent = true
				o.indent = strings.Repeat(" ", int(max(0, min(v.AsInt(), 64))))
			case v.IsString():
				o.hasIndent = true
				o.indent = v.AsString()
			default:
				return o, fmt.Errorf("tojson: indent must be an integer or a string")
			}
		case "separators":
			if v.IsNone() || v.IsUndefined() {
				continue
			}
			if !v.IsList() || v.AsList().Len() != 2 || !v.AsList().Items[0].IsString() || !v.AsList().Items[1].IsString() {
				return o, fmt.Errorf("tojson: separators must be two strings")
			}
			o.itemSep, o.keySep = v.AsList().Items[0].AsString(), v.AsList().Items[1].AsString()
			explicitSeps = true
		case "sort_keys":
			o.sortKeys = v.IsTruthy()
		case "ensure_ascii":
			o.ensureASCII = v.IsTruthy()
		default:
			return o, fmt.Errorf("tojson: unexpected keyword argument %q", k)
		}
	}
	// Python's json.dumps uses ',' between items when indenting, unless
	// separators were given.
	if o.hasIndent && !explicitSeps {
		o.itemSep = ","
	}
	return o, nil
}

// pyTojson is transformers' tojson: json.dumps(x, ensure_ascii=False,
// indent=indent, separators=separators, sort_keys=sort_keys). Sentinels in
// strings are kept recognisable in the output (see slots.go).
func pyTojson(b *strings.Builder, v jinja.Value, o *tojsonOptions, depth int) error {
	if depth > 256 {
		return fmt.Errorf("tojson: value nested deeper than 256")
	}
	nl := func(d int) {
		if o.hasIndent {
			b.WriteByte('\n')
			for range d {
				b.WriteString(o.indent)
			}
		}
	}
	switch {
	case v.IsNone():
		b.WriteString("null")
	case v.IsUndefined():
		return fmt.Errorf("tojson: Object of type Undefined is not JSON serializable")
	case v.IsBool():
		if v.AsBool() {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case v.IsInt():
		b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case v.IsFloat():
		if i, ok := o.slots.floatSentinel(v.AsFloat()); ok {
			b.WriteString(sentinel(kindFloat, i, sentJSON))
		} else {
			b.WriteString(pyFloat(v.AsFloat()))
		}
	case v.IsString():
		encodeSentinelString(b, v.AsString(), o.ensureASCII)
	case v.IsList():
		items := v.AsList().Items
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			nl(depth + 1)
			if err := pyTojson(b, it, o, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte(']')
	case v.IsDict():
		d := v.AsDict()
		keys := d.OrderedKeys()
		if len(keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		if o.sortKeys {
			sort.Strings(keys)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			nl(depth + 1)
			encodeSentinelString(b, k, o.ensureASCII)
			b.WriteString(o.keySep)
			val, _ := d.Get(k)
			if err := pyTojson(b, val, o, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte('}')
	default:
		return fmt.Errorf("tojson: a callable is not JSON serializable")
	}
	return nil
}
