package chat

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ardanlabs/jinja"
)

// The engine's own tojson does not follow transformers' (it sorts keys and
// escapes <, > and & when indenting, and cannot be replaced), so every
// `X | tojson(...)` in the template's tags becomes `__chat_tojson(X, ...)`,
// a global this package supplies. The rewrite works on the template text:
// it finds filter applications outside string literals, comments and raw
// blocks, and walks back over the filter's operand, which in Jinja is a
// postfix expression (names, literals, attribute and item access, calls
// and earlier filters), so that the call binds exactly what the filter
// bound.

const tojsonGlobal = "__chat_tojson"

// segment kinds of a template's text.
type segKind int

const (
	segText    segKind = iota
	segExpr            // {{ ... }}
	segTag             // {% ... %}
	segComment         // {# ... #}
)

type segment struct {
	kind segKind
	text string // with delimiters for tags
}

// scanSegments splits src into text, expressions, tags and comments,
// honouring quotes inside tags and {% raw %} blocks.
func scanSegments(src string) ([]segment, error) {
	var segs []segment
	i := 0
	for i < len(src) {
		j := -1
		for k := i; k+1 < len(src); k++ {
			if src[k] == '{' && (src[k+1] == '{' || src[k+1] == '%' || src[k+1] == '#') {
				j = k - i
				break
			}
		}
		if j < 0 {
			segs = append(segs, segment{segText, src[i:]})
			break
		}
		if j > 0 {
			segs = append(segs, segment{segText, src[i : i+j]})
		}
		start := i + j
		open := src[start+1]
		if open == '#' {
			end := strings.Index(src[start+2:], "#}")
			if end < 0 {
				return nil, fmt.Errorf("unclosed comment")
			}
			segs = append(segs, segment{segComment, src[start : start+2+end+2]})
			i = start + 2 + end + 2
			continue
		}
		closer := "}}"
		kind := segExpr
		if open == '%' {
			closer, kind = "%}", segTag
		}
		end, err := tagEnd(src, start+2, closer)
		if err != nil {
			return nil, err
		}
		tag := src[start:end]
		segs = append(segs, segment{kind, tag})
		i = end
		if kind == segTag && tagWord(tag) == "raw" {
			k := rawEnd(src, i)
			if k < 0 {
				return nil, fmt.Errorf("unclosed raw block")
			}
			segs = append(segs, segment{segText, src[i:k]})
			i = k
		}
	}
	return segs, nil
}

// tagEnd finds the end of a tag begun before from, skipping quoted strings.
func tagEnd(src string, from int, closer string) (int, error) {
	for p := from; p < len(src); p++ {
		switch c := src[p]; c {
		case '\'', '"':
			q := quoteEnd(src, p)
			if q < 0 {
				return 0, fmt.Errorf("unterminated string in a tag")
			}
			p = q
		default:
			if strings.HasPrefix(src[p:], closer) {
				return p + len(closer), nil
			}
		}
	}
	return 0, fmt.Errorf("unclosed %q", closer)
}

// quoteEnd returns the index of the quote closing the string literal
// opened at p (backslash escapes skipped), or -1.
func quoteEnd(s string, p int) int {
	for k := p + 1; k < len(s); k++ {
		switch s[k] {
		case '\\':
			k++
		case s[p]:
			return k
		}
	}
	return -1
}

// rawEnd returns where the {% endraw %} tag after from begins.
func rawEnd(src string, from int) int {
	for p := from; ; {
		k := strings.Index(src[p:], "{%")
		if k < 0 {
			return -1
		}
		end, err := tagEnd(src, p+k+2, "%}")
		if err != nil {
			return -1
		}
		if tagWord(src[p+k:end]) == "endraw" {
			return p + k
		}
		p = end
	}
}

// tagWord is the first word of a {% %} tag.
func tagWord(tag string) string {
	s := strings.TrimPrefix(tag, "{%")
	s = strings.TrimLeft(s, "-+ \t\r\n")
	n := 0
	for n < len(s) && isIdent(s[n]) {
		n++
	}
	return s[:n]
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var stopWords = map[string]bool{"not": true, "and": true, "or": true, "in": true, "is": true, "if": true, "else": true, "for": true, "set": true, "elif": true, "return": true}

// rewriteTojson applies the rewrite to one tag or expression.
func rewriteTojson(tag string) (string, error) {
	for guard := 0; ; guard++ {
		if guard > 10000 {
			return "", fmt.Errorf("too many tojson filters in one tag")
		}
		inStr := stringMask(tag)
		bar := findFilter(tag, inStr, "tojson")
		if bar < 0 {
			return tag, nil
		}
		// The filter's name and optional argument list.
		p := bar + 1
		for p < len(tag) && (tag[p] == ' ' || tag[p] == '\t' || tag[p] == '\n') {
			p++
		}
		p += len("tojson")
		args := ""
		q := p
		for q < len(tag) && (tag[q] == ' ' || tag[q] == '\t') {
			q++
		}
		end := p
		if q < len(tag) && tag[q] == '(' {
			close := matchForward(tag, inStr, q)
			if close < 0 {
				return "", fmt.Errorf("unbalanced parentheses after tojson")
			}
			args = strings.TrimSpace(tag[q+1 : close])
			end = close + 1
		}
		start := operandStart(tag, inStr, bar)
		if start < 0 {
			return "", fmt.Errorf("cannot find the operand of a tojson filter")
		}
		operand := strings.TrimSpace(tag[start:bar])
		call := tojsonGlobal + "(" + operand
		if args != "" {
			call += ", " + args
		}
		call += ")"
		tag = tag[:start] + call + tag[end:]
	}
}

// stringMask marks the bytes of tag inside quoted string literals.
func stringMask(tag string) []bool {
	m := make([]bool, len(tag))
	for p := 0; p < len(tag); p++ {
		if c := tag[p]; c == '\'' || c == '"' {
			q := quoteEnd(tag, p)
			if q < 0 {
				q = len(tag) - 1
			}
			for k := p; k <= q; k++ {
				m[k] = true
			}
			p = q
		}
	}
	return m
}

// stringStart returns where the string literal holding byte p begins.
func stringStart(tag string, inStr []bool, p int) int {
	// Literals are scanned forward, so find the literal by walking the
	// tag from the start; tags are short, and this runs once per filter.
	for k := 0; k < len(tag); k++ {
		if !inStr[k] {
			continue
		}
		end := quoteEnd(tag, k)
		if end < 0 {
			end = len(tag) - 1
		}
		if p >= k && p <= end {
			return k
		}
		k = end
	}
	return p
}

// findFilter returns the index of the '|' that applies filter name.
func findFilter(tag string, inStr []bool, name string) int {
	for p := 0; p < len(tag); p++ {
		if tag[p] != '|' || inStr[p] {
			continue
		}
		q := p + 1
		for q < len(tag) && (tag[q] == ' ' || tag[q] == '\t' || tag[q] == '\n') {
			q++
		}
		if strings.HasPrefix(tag[q:], name) && (q+len(name) == len(tag) || !isIdent(tag[q+len(name)])) {
			return p
		}
	}
	return -1
}

var pairs = map[byte]byte{'(': ')', '[': ']', '{': '}', ')': '(', ']': '[', '}': '{'}

func matchForward(tag string, inStr []bool, open int) int {
	depth := 0
	for p := open; p < len(tag); p++ {
		if inStr[p] {
			continue
		}
		switch tag[p] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				return p
			}
		}
	}
	return -1
}

func matchBackward(tag string, inStr []bool, close int) int {
	depth := 0
	for p := close; p >= 0; p-- {
		if inStr[p] {
			continue
		}
		switch tag[p] {
		case ')', ']', '}':
			depth++
		case '(', '[', '{':
			depth--
			if depth == 0 {
				return p
			}
		}
	}
	return -1
}

// operandStart walks back from the '|' at bar over a postfix expression.
func operandStart(tag string, inStr []bool, bar int) int {
	p := bar // the operand ends before p
	skip := func() {
		for p > 0 && (tag[p-1] == ' ' || tag[p-1] == '\t' || tag[p-1] == '\n' || tag[p-1] == '\r') {
			p--
		}
	}
	start := -1
	for {
		skip()
		if p == 0 {
			return start
		}
		c := tag[p-1]
		switch {
		case inStr[p-1]: // a string literal ends here
			p = stringStart(tag, inStr, p-1)
		case c == ')' || c == ']' || c == '}':
			k := matchBackward(tag, inStr, p-1)
			if k < 0 {
				return -1
			}
			p = k
		case isIdent(c):
			k := p
			for k > 0 && isIdent(tag[k-1]) {
				k--
			}
			if stopWords[tag[k:p]] {
				return start
			}
			p = k
		default:
			return start
		}
		start = p
		// What joins this element to one before it: attribute access, a
		// filter chain, or a call or subscript written right after it.
		q := p
		for q > 0 && (tag[q-1] == ' ' || tag[q-1] == '\t' || tag[q-1] == '\n') {
			q--
		}
		if q > 0 && (tag[q-1] == '.' || tag[q-1] == '|') && !inStr[q-1] {
			p = q - 1
			continue
		}
		if (tag[start] == '(' || tag[start] == '[') && q == p && p > 0 && (isIdent(tag[p-1]) || tag[p-1] == ')' || tag[p-1] == ']' || inStr[p-1]) {
			continue
		}
		return start
	}
}

const acyclicGlobal = "__chat_acyclic"

// A value that contains itself sends the engine's printing and comparing
// into endless recursion, a Go stack overflow that no recover catches. The
// immutable sandbox leaves one way to build one, `set ns.attr = value`, so
// each such assignment checks that value does not reach ns.
var namespaceSet = regexp.MustCompile(`(?s)^\{%([-+]?)\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*?)([-+]?)%\}$`)

func guardNamespaceSet(tag string) string {
	m := namespaceSet.FindStringSubmatch(tag)
	if m == nil {
		return tag
	}
	return "{%" + m[1] + " set " + m[2] + "." + m[3] + " = " + acyclicGlobal + "(" + m[2] + ", (" + strings.TrimSpace(m[4]) + ")) " + m[5] + "%}"
}

// reaches reports whether v holds target, looking at each dict once and
// at most *left values in all (a budget per render, so that a loop that
// grows a namespace stays linear).
func reaches(v jinja.Value, target *jinja.Dict, seen map[*jinja.Dict]bool, left *int) (bool, error) {
	*left--
	if *left < 0 {
		return false, fmt.Errorf("namespace assignments looked at more than %d values: the template builds values too large", maxAssignWalk)
	}
	switch {
	case v.IsDict():
		d := v.AsDict()
		if d == target {
			return true, nil
		}
		if seen[d] {
			return false, nil
		}
		seen[d] = true
		for _, k := range d.Keys {
			if hit, err := reaches(d.Data[k], target, seen, left); hit || err != nil {
				return hit, err
			}
		}
	case v.IsList():
		for _, it := range v.AsList().Items {
			if hit, err := reaches(it, target, seen, left); hit || err != nil {
				return hit, err
			}
		}
	}
	return false, nil
}

// findMutator returns the first call of a method that changes a list or a
// dict in place (the only other way to make a value contain itself), or "".
func findMutator(tag string) string {
	inStr := stringMask(tag)
	for _, m := range []string{".append(", ".insert(", ".pop(", ".extend(", ".update(", ".clear(", ".remove(", ".setdefault("} {
		for from := 0; ; {
			i := strings.Index(tag[from:], m)
			if i < 0 {
				break
			}
			if !inStr[from+i] {
				return strings.TrimSuffix(strings.TrimPrefix(m, "."), "(") + "()"
			}
			from += i + 1
		}
	}
	return ""
}
