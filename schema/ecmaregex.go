package schema

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JSON Schema's regular expressions are ECMA-262's. A pattern (and a
// value of format "regex") must be ECMA-262 syntax, checked here, and is
// then run by Go's regexp (RE2), which agrees with ECMA-262 on the syntax
// both accept, up to details documented in doc.go. An ECMA-262 pattern RE2
// cannot run (lookaround, backreferences) is still a valid "regex" value,
// but as a schema's pattern it is refused at compile time (ErrRegex):
// nothing is ever matched approximately.

// regexEngine is the validator's regexp engine.
func regexEngine(s string) (jsonschema.Regexp, error) {
	if err := checkECMARegex(s); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return unrunnable{src: s, err: err}, nil
	}
	return re, nil
}

// unrunnable stands for an ECMA-262 pattern Go's regexp cannot run; Compile
// refuses any schema that uses one as a pattern (see unrunnablePattern).
type unrunnable struct {
	src string
	err error
}

func (u unrunnable) MatchString(string) bool { return false }
func (u unrunnable) String() string          { return u.src }

// unrunnablePattern finds a pattern of the compiled schema that Go's
// regexp cannot run, with its location.
func unrunnablePattern(s *jsonschema.Schema, seen map[*jsonschema.Schema]bool) (unrunnable, string, bool) {
	if s == nil || seen[s] {
		return unrunnable{}, "", false
	}
	seen[s] = true
	if u, ok := s.Pattern.(unrunnable); ok {
		return u, s.Location + "/pattern", true
	}
	for re := range s.PatternProperties {
		if u, ok := re.(unrunnable); ok {
			return u, s.Location + "/patternProperties", true
		}
	}
	subs := children(s)
	for _, x := range subs {
		if u, loc, ok := unrunnablePattern(x, seen); ok {
			return u, loc, true
		}
	}
	return unrunnable{}, "", false
}

// checkECMARegex checks ECMA-262 pattern syntax (the grammar of section
// 22.2.1). Identity escapes are of ASCII punctuation only, so "\a" is not
// one, as the JSON-Schema-Test-Suite says.
func checkECMARegex(s string) error {
	p := &ecmaParser{s: s, names: map[string]bool{}}
	p.collectNames()
	if err := p.disjunction(); err != nil {
		return err
	}
	if p.i < len(p.s) {
		return p.errorf("unmatched )")
	}
	return nil
}

type ecmaParser struct {
	s     string
	i     int
	names map[string]bool
}

func (p *ecmaParser) errorf(format string, args ...any) error {
	return fmt.Errorf("not an ECMA-262 regular expression: "+format+" at offset %d", append(args, p.i)...)
}

func (p *ecmaParser) peek(prefix string) bool { return strings.HasPrefix(p.s[p.i:], prefix) }

// collectNames finds the group names first: \k<name> may come before its group.
func (p *ecmaParser) collectNames() {
	for i := 0; i+3 < len(p.s); i++ {
		if p.s[i] == '\\' {
			i++
			continue
		}
		if strings.HasPrefix(p.s[i:], "(?<") && p.s[i+3] != '=' && p.s[i+3] != '!' {
			if end := strings.IndexByte(p.s[i+3:], '>'); end > 0 {
				p.names[p.s[i+3:i+3+end]] = true
			}
		}
	}
}

func (p *ecmaParser) disjunction() error {
	for {
		if err := p.alternative(); err != nil {
			return err
		}
		if p.i < len(p.s) && p.s[p.i] == '|' {
			p.i++
			continue
		}
		return nil
	}
}

func (p *ecmaParser) alternative() error {
	for p.i < len(p.s) && p.s[p.i] != '|' && p.s[p.i] != ')' {
		quantifiable, err := p.term()
		if err != nil {
			return err
		}
		if q, err := p.quantifier(); err != nil {
			return err
		} else if q && !quantifiable {
			return p.errorf("nothing to repeat")
		}
	}
	return nil
}

func (p *ecmaParser) quantifier() (bool, error) {
	if p.i >= len(p.s) {
		return false, nil
	}
	switch p.s[p.i] {
	case '*', '+', '?':
		p.i++
	case '{':
		j, ok := p.braces()
		if !ok {
			return false, nil // Annex B: a literal brace, read by the next term
		}
		if j < 0 {
			return false, p.errorf("numbers out of order in {} quantifier")
		}
		p.i = j
	default:
		return false, nil
	}
	if p.i < len(p.s) && p.s[p.i] == '?' {
		p.i++
	}
	return true, nil
}

// braces reads {n}, {n,} or {n,m} at p.i and returns the offset after it.
func (p *ecmaParser) braces() (int, bool) {
	j := p.i + 1
	digits := func() (int, bool) {
		start, n := j, 0
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			if n < 1e9 {
				n = n*10 + int(p.s[j]-'0')
			}
			j++
		}
		return n, j > start
	}
	lo, ok := digits()
	if !ok {
		return 0, false
	}
	hi := lo
	if j < len(p.s) && p.s[j] == ',' {
		j++
		var has bool
		if hi, has = digits(); !has {
			hi = lo
		}
	}
	if j >= len(p.s) || p.s[j] != '}' {
		return 0, false
	}
	if hi < lo {
		return -1, true // {n,m} with m < n: a quantifier, and an error
	}
	return j + 1, true
}

// term reads one assertion or atom; quantifiable reports whether a
// quantifier may follow.
func (p *ecmaParser) term() (quantifiable bool, err error) {
	c := p.s[p.i]
	switch c {
	case '^', '$':
		p.i++
		return false, nil
	case '\\':
		if p.peek(`\b`) || p.peek(`\B`) {
			p.i += 2
			return false, nil
		}
		return true, p.atomEscape(false)
	case '(':
		return p.group()
	case '[':
		return true, p.class()
	case '.':
		p.i++
		return true, nil
	case '*', '+', '?':
		return false, p.errorf("nothing to repeat")
	case '{':
		if _, ok := p.braces(); ok {
			return false, p.errorf("nothing to repeat")
		}
		// Annex B: a brace that does not make a quantifier is itself, as
		// are lone "}" and "]" (below); real schemas write "\{d}", "[[a-z]]".
	}
	p.i++
	for p.i < len(p.s) && p.s[p.i]&0xc0 == 0x80 { // the rest of a UTF-8 sequence
		p.i++
	}
	return true, nil
}

func (p *ecmaParser) group() (bool, error) {
	quantifiable := true
	switch {
	case p.peek("(?:"):
		p.i += 3
	case p.peek("(?="), p.peek("(?!"):
		p.i += 3
		quantifiable = false
	case p.peek("(?<="), p.peek("(?<!"):
		p.i += 4
		quantifiable = false
	case p.peek("(?<"):
		p.i += 3
		end := strings.IndexByte(p.s[p.i:], '>')
		if end <= 0 || !groupName(p.s[p.i:p.i+end]) {
			return false, p.errorf("invalid group name")
		}
		p.i += end + 1
	case p.peek("(?"):
		return false, p.errorf("invalid group (?%s", p.s[p.i+2:min(p.i+3, len(p.s))])
	default:
		p.i++
	}
	if err := p.disjunction(); err != nil {
		return false, err
	}
	if p.i >= len(p.s) || p.s[p.i] != ')' {
		return false, p.errorf("missing )")
	}
	p.i++
	return quantifiable, nil
}

func groupName(n string) bool {
	for i, r := range n {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return n != ""
}

// atomEscape reads a backslash escape at p.i.
func (p *ecmaParser) atomEscape(inClass bool) error {
	p.i++ // the backslash
	if p.i >= len(p.s) {
		return p.errorf(`\ at the end`)
	}
	c := p.s[p.i]
	p.i++
	switch {
	case strings.IndexByte("dDsSwW", c) >= 0, strings.IndexByte("fnrtv", c) >= 0:
		return nil
	case c < 0x80 && !isAlnum(c):
		// ECMA-262's unicode mode allows only the syntax characters and
		// "/" here; its Annex B (the web's default) allows any character.
		// Between the two: any ASCII punctuation or space, which real
		// schemas escape freely (`\-`, `\:`, `\@`), but no letter or
		// digit, whose escapes mean something else in other dialects.
		return nil
	case c == '-' && inClass, c == 'b' && inClass:
		return nil
	case c == 'c':
		if p.i < len(p.s) && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') {
			p.i++
			return nil
		}
		return p.errorf(`\c must be followed by a letter`)
	case c == '0':
		if p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			return p.errorf("octal escapes are not ECMA-262 (unicode mode)")
		}
		return nil
	case c >= '1' && c <= '9' && !inClass:
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		return nil
	case c == 'x':
		return p.hex(2)
	case c == 'u':
		if p.peek("{") {
			end := strings.IndexByte(p.s[p.i:], '}')
			if end < 2 || strings.Trim(p.s[p.i+1:p.i+end], "0123456789abcdefABCDEF") != "" {
				return p.errorf(`invalid \u{…}`)
			}
			p.i += end + 1
			return nil
		}
		return p.hex(4)
	case c == 'p' || c == 'P':
		if !p.peek("{") {
			return p.errorf(`\%c must be followed by {property}`, c)
		}
		end := strings.IndexByte(p.s[p.i:], '}')
		if end < 2 {
			return p.errorf(`invalid \%c{…}`, c)
		}
		p.i += end + 1
		return nil
	case c == 'k' && !inClass:
		if !p.peek("<") {
			return p.errorf(`\k must be followed by <name>`)
		}
		end := strings.IndexByte(p.s[p.i:], '>')
		if end < 2 || !p.names[p.s[p.i+1:p.i+end]] {
			return p.errorf(`\k refers to no group`)
		}
		p.i += end + 1
		return nil
	}
	return p.errorf(`\%c is not an ECMA-262 escape`, c)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *ecmaParser) hex(n int) error {
	if p.i+n > len(p.s) || strings.Trim(p.s[p.i:p.i+n], "0123456789abcdefABCDEF") != "" {
		return p.errorf("invalid hex escape")
	}
	p.i += n
	return nil
}

// class reads [...]: "[]" matches nothing and "[^]" anything, as ECMA-262 says.
func (p *ecmaParser) class() error {
	p.i++
	if p.peek("^") {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] != ']' {
		if p.s[p.i] == '\\' {
			if err := p.atomEscape(true); err != nil {
				return err
			}
			continue
		}
		p.i++
	}
	if p.i >= len(p.s) {
		return p.errorf("missing ]")
	}
	p.i++
	return nil
}

var errUnrunnable = errors.New("Go's regexp (RE2) cannot run it")
