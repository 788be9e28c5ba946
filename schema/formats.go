package schema

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// Formats the validator does not know, or knows less strictly than the
// RFCs (and the JSON-Schema-Test-Suite) say, are registered here. Each
// ignores values that are not strings: format constrains strings only.

func registerFormats(c *jsonschema.Compiler, draft Draft) {
	formats := map[string]func(string) error{
		"email":         func(s string) error { return checkEmail(s, false) },
		"idn-email":     func(s string) error { return checkEmail(s, true) },
		"hostname":      func(s string) error { return checkHostname(s, false) },
		"idn-hostname":  func(s string) error { return checkHostname(s, true) },
		"ipv4":          checkIPv4,
		"duration":      checkDuration,
		"uri":           func(s string) error { return checkURI(s, false, false) },
		"uri-reference": func(s string) error { return checkURI(s, false, true) },
		"iri":           func(s string) error { return checkURI(s, true, false) },
		"iri-reference": func(s string) error { return checkURI(s, true, true) },
		"uri-template":  checkURITemplate,
	}
	if draft < Draft7 {
		// Before draft 7, hostname is RFC 1123 alone: no IDNA, so "ab--cd"
		// is a host name and "xn--" labels are not decoded.
		formats["hostname"] = checkRFC1123
	}
	for name, f := range formats {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: stringsOnly(f)})
	}
}

func stringsOnly(f func(string) error) func(any) error {
	return func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		return f(s)
	}
}

var errEmptyLabel = errors.New("empty label")

// --- ipv4 (RFC 2673 dotted-quad: decimal digits only, no leading zeros)

func checkIPv4(s string) error {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return errors.New("expected four decimals separated by dots")
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return fmt.Errorf("%q is not a decimal from 0 to 255", p)
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return fmt.Errorf("%q is not a decimal from 0 to 255", p)
			}
			n = n*10 + int(p[i]-'0')
		}
		if len(p) > 1 && p[0] == '0' {
			return fmt.Errorf("%q has a leading zero", p)
		}
		if n > 255 {
			return fmt.Errorf("%s is greater than 255", p)
		}
	}
	return nil
}

// --- duration (RFC 3339 appendix A: units in order, none skipped within a run)

var durationRE = regexp.MustCompile(`^P(?:\d+W|(?:\d+Y(?:\d+M(?:\d+D)?)?|\d+M(?:\d+D)?|\d+D)(?:T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S))?|T(?:\d+H(?:\d+M(?:\d+S)?)?|\d+M(?:\d+S)?|\d+S))$`)

func checkDuration(s string) error {
	if !durationRE.MatchString(s) {
		return errors.New("not an RFC 3339 duration (P[nY][nM][nD][T[nH][nM][nS]] with no unit skipped, or PnW)")
	}
	return nil
}

// --- email (RFC 5321 mailbox; RFC 6531 for idn-email)

func checkEmail(s string, idn bool) error {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return errors.New("missing @")
	}
	local, domain := s[:at], s[at+1:]
	if local == "" {
		return errors.New("the local part before @ is empty")
	}
	if len(local) > 64 && !idn {
		return errors.New("the local part is longer than 64 characters")
	}
	if strings.HasPrefix(local, `"`) {
		if len(local) < 2 || !strings.HasSuffix(local, `"`) {
			return errors.New("unterminated quoted local part")
		}
		q := local[1 : len(local)-1]
		for i := 0; i < len(q); i++ {
			switch c := q[i]; {
			case c == '\\':
				i++
				if i == len(q) {
					return errors.New("a backslash ends the quoted local part")
				}
			case c == '"':
				return errors.New("an unescaped quote in the quoted local part")
			case c < 0x20 || c == 0x7f:
				return errors.New("a control character in the local part")
			case c >= 0x80 && !idn:
				return errors.New("a non-ASCII character in the local part")
			}
		}
	} else {
		for _, atom := range strings.Split(local, ".") {
			if atom == "" {
				return errors.New("the local part has an empty dot-separated part")
			}
			for _, r := range atom {
				if !(r < 0x80 && isAtext(byte(r)) || idn && r >= 0x80) {
					return fmt.Errorf("%q is not allowed in the local part", r)
				}
			}
		}
	}
	if strings.HasPrefix(domain, "[") {
		if !strings.HasSuffix(domain, "]") {
			return errors.New("unterminated address literal")
		}
		lit := domain[1 : len(domain)-1]
		if v6, ok := strings.CutPrefix(lit, "IPv6:"); ok {
			a, err := netip.ParseAddr(v6)
			if err != nil || !a.Is6() || a.Zone() != "" {
				return errors.New("not an IPv6 address literal")
			}
			return nil
		}
		return checkIPv4(lit)
	}
	if idn {
		domain = norm.NFC.String(domain) // RFC 6531 mail domains are compared after normalization
	}
	return checkHostname(domain, idn)
}

func isAtext(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// --- hostname (RFC 1123, with RFC 5890 A-labels) and idn-hostname (RFC 5890/5891/5892)

var idnaRegistration = idna.New(idna.ValidateForRegistration())

func checkHostname(s string, idn bool) error {
	if idn {
		// The IDNA label separators (RFC 3490 3.1) are dots too.
		s = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(s)
	}
	if s == "" {
		return errors.New("empty host name")
	}
	labels := strings.Split(s, ".")
	total := 0
	for _, l := range labels {
		if l == "" {
			return errEmptyLabel
		}
		a := l
		if !isASCII(l) {
			if !idn {
				return fmt.Errorf("label %q is not ASCII", l)
			}
			if err := checkULabel(l); err != nil {
				return err
			}
			enc, err := idna.Punycode.ToASCII(l)
			if err != nil {
				return err
			}
			a = enc
		} else if err := checkLDHLabel(l); err != nil {
			return err
		}
		total += len(a) + 1
		if len(a) > 63 {
			return fmt.Errorf("label %q is longer than 63 characters", l)
		}
	}
	if total-1 > 253 {
		return errors.New("longer than 253 characters")
	}
	if idn && isBidiDomain(labels) {
		for _, l := range labels {
			r, _ := utf8.DecodeRuneInString(l)
			if c, _ := bidi.LookupRune(r); c.Class() != bidi.L && c.Class() != bidi.R && c.Class() != bidi.AL {
				return fmt.Errorf("in a domain name with right-to-left labels, label %q must start with a letter (RFC 5893)", l)
			}
		}
	}
	return nil
}

// isBidiDomain: some label holds a right-to-left character (RFC 5893 1.4).
func isBidiDomain(labels []string) bool {
	for _, l := range labels {
		for _, r := range l {
			if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL || p.Class() == bidi.AN {
				return true
			}
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func checkRFC1123(s string) error {
	if s == "" || len(s) > 253 {
		return errors.New("a host name has 1 to 253 characters")
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" {
			return errEmptyLabel
		}
		if len(l) > 63 {
			return fmt.Errorf("label %q is longer than 63 characters", l)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q is not allowed in a host name", c)
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("label %q starts or ends with a hyphen", l)
		}
	}
	return nil
}

// checkLDHLabel: letters, digits and hyphens, no hyphen first or last; a
// label with "--" in positions 3 and 4 must be a valid A-label ("xn--").
func checkLDHLabel(l string) error {
	if len(l) > 63 {
		return fmt.Errorf("label %q is longer than 63 characters", l)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%q is not allowed in a host name", c)
		}
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	if len(l) >= 4 && l[2:4] == "--" {
		if !strings.EqualFold(l[:2], "xn") {
			return fmt.Errorf("label %q has -- in positions 3 and 4 but is not an A-label", l)
		}
		u, err := idna.Punycode.ToUnicode(strings.ToLower(l))
		if err != nil || u == strings.ToLower(l) {
			return fmt.Errorf("label %q is not valid Punycode", l)
		}
		if err := checkULabel(u); err != nil {
			return fmt.Errorf("A-label %q: %v", l, err)
		}
	}
	return nil
}

// checkULabel applies IDNA2008 to one label: NFC, the registration
// profile (disallowed code points, CONTEXTJ joiners, the Bidi rule, no
// leading combining mark), and the CONTEXTO rules of RFC 5892 appendix A.
func checkULabel(l string) error {
	if !utf8.ValidString(l) {
		return errors.New("invalid UTF-8")
	}
	if !norm.NFC.IsNormalString(l) {
		return fmt.Errorf("label %q is not in Unicode normalization form C", l)
	}
	if len(l) >= 4 && l[2:4] == "--" {
		return fmt.Errorf("label %q has -- in positions 3 and 4", l)
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	if r, _ := utf8.DecodeRuneInString(l); unicode.Is(unicode.M, r) {
		return fmt.Errorf("label %q begins with a combining mark", l)
	}
	for _, r := range l {
		if !idnaValid(r) {
			return fmt.Errorf("%U is not allowed in an internationalized host name (IDNA2008)", r)
		}
	}
	if _, err := idnaRegistration.ToASCII(l); err != nil {
		return fmt.Errorf("label %q: %v", l, err)
	}
	rs := []rune(l)
	arabic, extArabic, hasKana := false, false, false
	for _, r := range rs {
		switch {
		case r >= 0x0660 && r <= 0x0669:
			arabic = true
		case r >= 0x06f0 && r <= 0x06f9:
			extArabic = true
		}
		if r != 0x30fb && (unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Han, r)) {
			hasKana = true
		}
	}
	if arabic && extArabic {
		return errors.New("Arabic-Indic digits mixed with extended Arabic-Indic digits")
	}
	for i, r := range rs {
		prev, next := rune(-1), rune(-1)
		if i > 0 {
			prev = rs[i-1]
		}
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch r {
		case 0x00b7: // MIDDLE DOT: only between two l's (Catalan)
			if prev != 'l' || next != 'l' {
				return errors.New("MIDDLE DOT not between two l's")
			}
		case 0x0375: // GREEK KERAIA: followed by Greek
			if next < 0 || !unicode.Is(unicode.Greek, next) {
				return errors.New("GREEK KERAIA not followed by a Greek letter")
			}
		case 0x05f3, 0x05f4: // HEBREW GERESH, GERSHAYIM: preceded by Hebrew
			if prev < 0 || !unicode.Is(unicode.Hebrew, prev) {
				return errors.New("HEBREW GERESH or GERSHAYIM not preceded by a Hebrew letter")
			}
		case 0x30fb: // KATAKANA MIDDLE DOT: with Hiragana, Katakana or Han
			if !hasKana {
				return errors.New("KATAKANA MIDDLE DOT without Hiragana, Katakana or Han")
			}
		case 0x200d: // ZERO WIDTH JOINER: after a virama
			if prev < 0 || norm.NFC.PropertiesString(string(prev)).CCC() != 9 {
				return errors.New("ZERO WIDTH JOINER not preceded by a virama")
			}
		}
	}
	return nil
}

// idnaValid approximates the IDNA2008 derived property (RFC 5892 section
// 2) by its rules: letters, digits and marks that NFKC and case folding
// leave alone are PVALID, the exceptions of 2.6 as listed there, the
// CONTEXTJ/CONTEXTO code points (checked in context by checkULabel), and
// the hyphen. Everything else is DISALLOWED.
func idnaValid(r rune) bool {
	switch r {
	case '-', 0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007: // PVALID exceptions
		return true
	case 0x0640, 0x07fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b: // DISALLOWED exceptions
		return false
	case 0x200c, 0x200d, 0x00b7, 0x0375, 0x05f3, 0x05f4, 0x30fb: // CONTEXTJ, CONTEXTO
		return true
	}
	if r >= 0x0660 && r <= 0x0669 || r >= 0x06f0 && r <= 0x06f9 {
		return true
	}
	if !unicode.In(r, unicode.Ll, unicode.Lo, unicode.Lm, unicode.Mn, unicode.Mc, unicode.Nd) {
		return false
	}
	if !norm.NFKC.IsNormalString(string(r)) {
		return false
	}
	if unicode.Is(unicode.Ll, r) {
		return unicode.ToLower(unicode.ToUpper(r)) == r // case folding leaves it alone
	}
	return true
}

// --- uri, uri-reference, iri, iri-reference (RFC 3986, RFC 3987)

func checkURI(s string, iri, relative bool) error {
	rest, frag, hasFrag := strings.Cut(s, "#")
	if hasFrag {
		if err := checkChars(frag, iri, "/?:@", "fragment"); err != nil {
			return err
		}
	}
	rest, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		if err := checkChars(query, iri, "/?:@", "query"); err != nil {
			return err
		}
	}
	scheme, hier, hasScheme := "", rest, false
	if i := strings.IndexByte(rest, ':'); i > 0 && validScheme(rest[:i]) && !strings.ContainsRune(rest[:i], '/') {
		scheme, hier, hasScheme = rest[:i], rest[i+1:], true
	}
	_ = scheme
	if !hasScheme {
		if !relative {
			return errors.New("no scheme: a relative reference, not an absolute URI")
		}
		first, _, _ := strings.Cut(hier, "/")
		if strings.ContainsRune(first, ':') && !strings.HasPrefix(hier, "//") {
			return errors.New("the first path segment of a relative reference contains a colon")
		}
	}
	path := hier
	if auth, ok := strings.CutPrefix(hier, "//"); ok {
		a, p, _ := strings.Cut(auth, "/")
		if err := checkAuthority(a, iri); err != nil {
			return err
		}
		path = "/" + p
		if !strings.Contains(auth, "/") {
			path = ""
		}
	}
	return checkChars(path, iri, "/:@", "path")
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func checkAuthority(a string, iri bool) error {
	if at := strings.IndexByte(a, '@'); at >= 0 {
		if err := checkChars(a[:at], iri, ":", "userinfo"); err != nil {
			return err
		}
		a = a[at+1:]
		if strings.ContainsRune(a, '@') {
			return errors.New("more than one @ in the authority")
		}
	}
	host, port := a, ""
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return errors.New("unterminated IP literal")
		}
		host, port = a[1:end], a[end+1:]
		if port != "" {
			p, ok := strings.CutPrefix(port, ":")
			if !ok {
				return errors.New("unexpected characters after the IP literal")
			}
			port = p
		}
		if len(host) > 0 && (host[0] == 'v' || host[0] == 'V') {
			ver, rest, ok := strings.Cut(host[1:], ".")
			if !ok || ver == "" || rest == "" || strings.Trim(ver, "0123456789abcdefABCDEF") != "" {
				return errors.New("invalid IPvFuture literal")
			}
			if err := checkChars(rest, false, ":", "IPvFuture literal"); err != nil {
				return err
			}
		} else if ip, err := netip.ParseAddr(host); err != nil || !ip.Is6() || ip.Zone() != "" {
			return fmt.Errorf("%q is not an IPv6 address", host)
		}
	} else {
		if i := strings.LastIndexByte(a, ':'); i >= 0 {
			host, port = a[:i], a[i+1:]
		}
		if err := checkChars(host, iri, "", "host"); err != nil {
			return err
		}
	}
	if strings.Trim(port, "0123456789") != "" {
		return fmt.Errorf("port %q is not a number", port)
	}
	return nil
}

// checkChars allows unreserved, percent-encoded and sub-delims characters,
// plus extra; for IRIs also ucschar (and iprivate in queries).
func checkChars(s string, iri bool, extra, part string) error {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s)+0 && i+2 > len(s)-1 || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return fmt.Errorf("invalid percent-encoding in the %s", part)
			}
			i += 3
			continue
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !iri || !isUcschar(r) && !(part == "query" && isIprivate(r)) {
				return fmt.Errorf("%q is not allowed unescaped in the %s", r, part)
			}
			i += n
			continue
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=", c) >= 0 || strings.IndexByte(extra, c) >= 0:
		default:
			return fmt.Errorf("%q is not allowed unescaped in the %s", c, part)
		}
		i++
	}
	return nil
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isUcschar(r rune) bool {
	switch {
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xf900 && r <= 0xfdcf, r >= 0xfdf0 && r <= 0xffef:
		return true
	case r >= 0x10000 && r <= 0xefffd:
		return r&0xfffe != 0xfffe // not the last two code points of a plane
	}
	return false
}

func isIprivate(r rune) bool {
	return r >= 0xe000 && r <= 0xf8ff || r >= 0xf0000 && r <= 0xffffd || r >= 0x100000 && r <= 0x10fffd
}

// --- uri-template (RFC 6570, level 4)

func checkURITemplate(s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return errors.New("an expression has no closing }")
			}
			if err := checkExpression(s[i+1 : i+end]); err != nil {
				return err
			}
			i += end + 1
			continue
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return errors.New("invalid percent-encoding")
			}
			i += 3
			continue
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if !isUcschar(r) && !isIprivate(r) {
				return fmt.Errorf("%q is not allowed in a URI template", r)
			}
			i += n
			continue
		case c == 0x21 || c >= 0x23 && c <= 0x24 || c >= 0x26 && c <= 0x3b || c == 0x3d || c >= 0x3f && c <= 0x5b || c == 0x5d || c == 0x5f || c >= 0x61 && c <= 0x7a || c == 0x7e:
		default:
			return fmt.Errorf("%q is not allowed in a URI template", c)
		}
		i++
	}
	return nil
}

func checkExpression(e string) error {
	if e != "" && strings.IndexByte("+#./;?&", e[0]) >= 0 {
		e = e[1:]
	}
	if e == "" {
		return errors.New("an empty expression")
	}
	for _, spec := range strings.Split(e, ",") {
		name, mod := spec, ""
		if i := strings.IndexAny(spec, ":*"); i >= 0 {
			name, mod = spec[:i], spec[i:]
		}
		if err := checkVarname(name); err != nil {
			return err
		}
		switch {
		case mod == "", mod == "*":
		case mod[0] == ':':
			n := mod[1:]
			if n == "" || len(n) > 4 || n[0] < '1' || n[0] > '9' || strings.Trim(n, "0123456789") != "" {
				return fmt.Errorf("%q is not a prefix length from 1 to 9999", n)
			}
		default:
			return fmt.Errorf("invalid modifier %q", mod)
		}
	}
	return nil
}

func checkVarname(n string) error {
	if n == "" {
		return errors.New("an empty variable name")
	}
	prevDot := true
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case c == '.':
			if prevDot {
				return fmt.Errorf("variable name %q has an empty part", n)
			}
			prevDot = true
			continue
		case c == '%':
			if i+2 >= len(n) || !isHex(n[i+1]) || !isHex(n[i+2]) {
				return errors.New("invalid percent-encoding in a variable name")
			}
			i += 2
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_':
		default:
			return fmt.Errorf("%q is not allowed in a variable name", c)
		}
		prevDot = false
	}
	if prevDot {
		return fmt.Errorf("variable name %q ends with a dot", n)
	}
	return nil
}
