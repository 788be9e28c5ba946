package strictjson

import (
	"strconv"
	"strings"
)

// EscapeToken writes s as one JSON pointer reference token (RFC 6901):
// "~" as "~0" and "/" as "~1".
func EscapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// UnescapeToken reads one JSON pointer reference token written by
// EscapeToken.
func UnescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// pointer joins reference tokens collected innermost first.
func pointer(rev []string) string {
	var b strings.Builder
	for i := len(rev) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(EscapeToken(rev[i]))
	}
	return b.String()
}

// At returns the value the JSON pointer ptr (RFC 6901) names inside v, or
// nil if there is none: "" is v itself, "/a/0" the first element of v's
// member "a". An array index is decimal without leading zeros.
func (v *Value) At(ptr string) *Value {
	if ptr == "" {
		return v
	}
	if ptr[0] != '/' {
		return nil
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		if v == nil {
			return nil
		}
		switch v.kind {
		case Object:
			v = v.Get(UnescapeToken(tok))
		case Array:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= v.Len() || tok != strconv.Itoa(i) {
				return nil
			}
			v = v.Elem(i)
		default:
			return nil
		}
	}
	return v
}
