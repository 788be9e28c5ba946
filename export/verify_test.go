package export

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/apps"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/routines"
)

// The exported grammars are checked against the engines that run them,
// on texts from the decoder's own language (seeded random walks over its
// masks) and on mutations of them: for every text, llama.cpp's grammar
// engine and the decoder agree byte by byte (the first byte refused, and
// whether the text may end), and Lark, Go regexp and Python re agree with
// the decoder on the whole text.

// textsPerCase is how many valid (and as many mutated) texts each spec
// and format gets; SPECPLAN_EXPORT_TEXTS raises it for longer campaigns.
func textsPerCase(t *testing.T) int {
	if s := os.Getenv("SPECPLAN_EXPORT_TEXTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("SPECPLAN_EXPORT_TEXTS=%q: want a positive count", s)
		}
		return n
	}
	return 25
}

// verifyFormats are the call formats every spec is exported in: a line
// format and a native one with a special marker by default (CPU time in
// CI), every format with SPECPLAN_EXPORT_FORMATS=all.
func verifyFormats(t *testing.T, deflt ...string) []string {
	if os.Getenv("SPECPLAN_EXPORT_FORMATS") == "all" {
		return []string{"json", "hermes", "pythonic", "react", "qwen", "llama3", "llama3-python-tag", "mistral", "granite"}
	}
	return deflt
}

// specFiles are the .ltl specs in specs/; with routines, also the
// routines (compiled with the inputs of their testdata, as `plan compile
// --input` would, and decoded trusting results as package agent does).
// Apps are not exported whole: their lowered spec is decoded one turn at
// a time over the tracker's actions (apps/modelturn).
func specFiles(t *testing.T, withRoutines bool) []string {
	var files []string
	globs := []string{"../specs/*.ltl"}
	if withRoutines {
		globs = append(globs, "../specs/routines/*.routine")
	}
	for _, g := range globs {
		fs, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		t.Fatal("no specs")
	}
	return files
}

// loadSpec compiles a spec of specs/ with the catalog beside it
// (NAME.tools.json), as `plan compile --tools` would.
func loadSpec(t *testing.T, file string) *specplan.Spec {
	opts := specplan.Options{}
	if cat := strings.TrimSuffix(file, filepath.Ext(file)) + ".tools.json"; fileExists(cat) {
		c, err := specplan.LoadCatalog(cat, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.Catalog = c
	}
	if strings.HasSuffix(file, ".app") {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		a, err := apps.Parse(file, src, apps.Options{})
		if err != nil {
			t.Fatal(err)
		}
		spec, err := apps.Compile(a, apps.LowerOptions{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		return spec
	}
	if strings.HasSuffix(file, ".routine") {
		r, _, catalog, err := routines.LoadFile(file, routines.Options{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".routine")
		data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "testdata", name, "inputs.json"))
		if err != nil {
			t.Fatal(err)
		}
		var inputs map[string]any
		if err := json.Unmarshal(data, &inputs); err != nil {
			t.Fatal(err)
		}
		spec, err := routines.Compile(r, inputs, catalog, opts)
		if err != nil {
			t.Fatal(err)
		}
		return spec
	}
	spec, err := specplan.CompileFile(file, opts)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

type exportCase struct {
	name   string
	spec   *specplan.Spec
	opts   Options
	ix     *decoder.Index
	vocab  *decoder.Vocab
	eog    int
	rng    *rand.Rand
	starts decoder.LanguageOptions
}

func newCase(t *testing.T, file, format string, markers bool, seed uint64) *exportCase {
	spec := loadSpec(t, file)
	f, err := decoder.ParseFormat(format)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Format: f}
	if markers {
		_, mk := decoder.ByteVocab(f)
		opts.Markers = mk // the byte vocabulary's ids are the target's
	}
	_, ix, err := Language(spec, opts)
	if err != nil {
		t.Fatalf("%s %s: %v", file, format, err)
	}
	return &exportCase{name: filepath.Base(file) + "/" + format, spec: spec, opts: opts, ix: ix, vocab: ix.Vocab(),
		eog: 256, rng: rand.New(rand.NewPCG(seed, 7)), starts: decoder.LanguageOptions{FromState: -1}}
}

// special are the texts of the marker tokens, as a model's vocabulary
// has them.
func (c *exportCase) special() map[int]string {
	out := map[int]string{}
	for m, id := range c.opts.Markers {
		out[id] = m
	}
	return out
}

// walk is a text of the decoder's language: a random walk over its masks
// under a budget, so that it ends.
func (c *exportCase) walk(t *testing.T) []int {
	s, err := c.ix.StartAt(c.starts)
	if err != nil {
		t.Fatal(err)
	}
	s.SetBudget(s.MinTokens() + 40 + c.rng.IntN(80))
	var toks []int
	for !s.Done() {
		allowed := s.Mask().Tokens()
		if len(allowed) == 0 {
			t.Fatalf("%s: dead end after %q", c.name, c.text(toks))
		}
		tok := allowed[c.rng.IntN(len(allowed))]
		if slicesHas(allowed, c.eog) && c.rng.IntN(4) == 0 {
			tok = c.eog
		}
		// Prefer ASCII (texts stay readable), but keep some of the rest.
		if tok < 0x80 || tok >= 256 || c.rng.IntN(8) == 0 {
		} else if a := asciiOf(allowed); len(a) > 0 {
			tok = a[c.rng.IntN(len(a))]
		}
		if tok == c.eog {
			break
		}
		if err := s.Accept(tok); err != nil {
			// The decoder's own check that each event parses back failed:
			// a decoder bug, reported; the campaign goes on with the text
			// before it.
			t.Errorf("%s: the decoder's walk after %q: %v", c.name, c.text(toks), err)
			return toks
		}
		toks = append(toks, tok)
	}
	return toks
}

func asciiOf(toks []int) []int {
	var out []int
	for _, t := range toks {
		if t < 0x80 {
			out = append(out, t)
		}
	}
	return out
}

func slicesHas(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// mutate changes a valid text a little: most mutations leave the
// language, some do not; verdicts are compared either way.
func (c *exportCase) mutate(toks []int) []int {
	out := append([]int(nil), toks...)
	n := len(out)
	switch k := c.rng.IntN(5); {
	case k == 0 && n > 0:
		i := c.rng.IntN(n)
		out = append(out[:i], out[i+1:]...)
	case k == 1:
		i := c.rng.IntN(n + 1)
		b := []int{'"', '}', ',', '\n', ' ', '\\', '{', ']', 'x', '0', '.', '-', 0xC3, 0xA9, 0xFF, 0x80}[c.rng.IntN(16)]
		out = append(out[:i], append([]int{b}, out[i:]...)...)
	case k == 2 && n > 0:
		out[c.rng.IntN(n)] = 1 + c.rng.IntN(255)
	case k == 3 && n > 0:
		out = out[:c.rng.IntN(n)]
	default:
		i, j := c.rng.IntN(n+1), c.rng.IntN(n+1)
		if i > j {
			i, j = j, i
		}
		out = append(out[:j], append(append([]int(nil), toks[i:j]...), out[j:]...)...)
	}
	return out
}

func (c *exportCase) text(toks []int) []byte {
	var b []byte
	for _, t := range toks {
		b = append(b, c.ix.TokenText(t)...)
	}
	return b
}

// utf8Cut is the number of tokens of toks whose text is still a prefix
// of some UTF-8 text.
func (c *exportCase) utf8Cut(toks []int) int {
	var b []byte
	for i, tok := range toks {
		b = append(b, c.ix.TokenText(tok)...)
		if !utf8Prefix(b) {
			return i
		}
	}
	return len(toks)
}

func utf8Prefix(b []byte) bool {
	for k := 0; k <= 3 && k <= len(b); k++ {
		if utf8.Valid(b[:len(b)-k]) && runePrefix(b[len(b)-k:]) {
			return true
		}
	}
	return false
}

// runePrefix: p is a proper prefix of one UTF-8 encoded rune (or empty).
func runePrefix(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	n := 0
	switch {
	case p[0] >= 0xC2 && p[0] <= 0xDF:
		n = 2
	case p[0] >= 0xE0 && p[0] <= 0xEF:
		n = 3
	case p[0] >= 0xF0 && p[0] <= 0xF4:
		n = 4
	}
	if n == 0 || len(p) >= n {
		return false
	}
	for i := 1; i < len(p); i++ {
		lo, hi := byte(0x80), byte(0xBF)
		if i == 1 {
			switch p[0] {
			case 0xE0:
				lo = 0xA0
			case 0xED:
				hi = 0x9F
			case 0xF0:
				lo = 0x90
			case 0xF4:
				hi = 0x8F
			}
		}
		if p[i] < lo || p[i] > hi {
			return false
		}
	}
	return true
}

// verdict is how an engine judges a token sequence: the index of the
// first token refused (len(toks) when none), and whether it may end.
type verdict struct {
	refused int
	end     bool
}

// repeatsKey reports that the decoder refused token refused of toks
// because it closes a key the enclosing JSON object already has: the
// decoder writes distinct keys, a grammar cannot say so (doc.go), so an
// engine may take such a text further. Only this difference is excused.
func (c *exportCase) repeatsKey(toks []int, refused int) bool {
	if refused >= len(toks) {
		return false
	}
	return closesRepeatedKey(c.text(toks[:refused+1]))
}

// closesRepeatedKey reports that text ends with the closing quote of a
// JSON key equal (decoded) to an earlier key of the same object. It reads
// backwards: in the JSON the decoder writes, a quote not preceded by an
// odd number of backslashes delimits a string.
func closesRepeatedKey(text []byte) bool {
	delim := func(i int) bool {
		n := 0
		for j := i - 1; j >= 0 && text[j] == '\\'; j-- {
			n++
		}
		return text[i] == '"' && n%2 == 0
	}
	open := func(end int) int { // the opening quote of the string closed at end
		for i := end - 1; i >= 0; i-- {
			if delim(i) {
				return i
			}
		}
		return -1
	}
	decode := func(q []byte) (string, bool) {
		var s string
		return s, json.Unmarshal(q, &s) == nil
	}
	end := len(text) - 1
	if end < 0 || !delim(end) {
		return false
	}
	start := open(end)
	if start < 0 {
		return false
	}
	key, ok := decode(text[start : end+1])
	if !ok {
		return false
	}
	depth := 0
	for i := start - 1; i >= 0; i-- {
		switch {
		case delim(i):
			o := open(i)
			if o < 0 {
				return false
			}
			if depth == 0 {
				rest := bytes.TrimLeft(text[i+1:], " ")
				if k, ok := decode(text[o : i+1]); ok && len(rest) > 0 && rest[0] == ':' && k == key {
					return true
				}
			}
			i = o
		case text[i] == '}' || text[i] == ']':
			depth++
		case text[i] == '[':
			depth--
		case text[i] == '{':
			if depth == 0 {
				return false
			}
			depth--
		}
	}
	return false
}

func (c *exportCase) decoderVerdict(t *testing.T, toks []int) verdict {
	s, err := c.ix.StartAt(c.starts)
	if err != nil {
		t.Fatal(err)
	}
	for i, tok := range toks {
		if s.Done() || !s.Mask().Has(tok) {
			return verdict{refused: i}
		}
		if err := s.Accept(tok); err != nil {
			t.Fatal(err)
		}
	}
	return verdict{refused: len(toks), end: s.Done() || s.Mask().Has(c.eog)}
}

func llamaVerdict(t *testing.T, g *llama.GBNF, toks []int, eog int) verdict {
	for i, tok := range toks {
		if !g.Allows(tok) {
			return verdict{refused: i}
		}
		g.Accept(tok)
	}
	return verdict{refused: len(toks), end: g.Allows(eog)}
}

// TestGBNFAgreesWithLlamaCpp: llama.cpp parses the GBNF of every spec in
// every format (special markers as token references), and its grammar
// engine gives the decoder's verdict on every byte of valid and mutated
// texts.
func TestGBNFAgreesWithLlamaCpp(t *testing.T) {
	n := textsPerCase(t)
	for si, file := range specFiles(t, true) {
		formats := verifyFormats(t, "json", "mistral")
		if strings.HasSuffix(file, ".routine") {
			// Routines in json only: hr_onboarding in mistral's call
			// lists is unsatisfiable to the decoder even trusting
			// results (an open problem, in the notes).
			formats = []string{"json"}
		}
		for fi, format := range formats {
			c := newCase(t, file, format, true, uint64(si*100+fi))
			gram, err := GBNF(c.spec, c.opts)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if _, err := llama.NewGBNFVocab(string(gram), c.vocab, c.special()); err != nil {
				t.Fatalf("%s: %v\n%s", c.name, err, gram)
			}
			valid, agreeInvalid, repeated := 0, 0, 0
			for k := range 2 * n {
				toks := c.walk(t)
				if k%2 == 1 {
					toks = c.mutate(toks)
				}
				want := c.decoderVerdict(t, toks)
				if k%2 == 0 && (want.refused != len(toks) || !want.end) {
					t.Fatalf("%s: the decoder refuses its own walk %q: %+v", c.name, c.text(toks), want)
				}
				g, err := llama.NewGBNFVocab(string(gram), c.vocab, c.special())
				if err != nil {
					t.Fatal(err)
				}
				// llama.cpp decodes UTF-8 leniently (an overlong form reads
				// as a code point), so the byte-by-byte comparison runs up to
				// the first byte after which no UTF-8 text continues; the
				// decoder refuses that byte (or one before it).
				cmp := toks
				if cut := c.utf8Cut(toks); cut < len(toks) {
					if want.refused > cut {
						t.Fatalf("%s: the decoder takes %q past invalid UTF-8", c.name, c.text(toks))
					}
					cmp = toks[:cut]
					want = c.decoderVerdict(t, cmp)
				}
				// llama.cpp reads a special token as its text, so where
				// the grammar allows that text (inside a string) it takes
				// the token; the decoder never does. The comparison stops
				// at a marker token the decoder refuses.
				if want.refused < len(cmp) && cmp[want.refused] > c.eog {
					cmp = cmp[:want.refused]
					want = c.decoderVerdict(t, cmp)
				}
				got := llamaVerdict(t, g, cmp, c.eog)
				g.Close()
				if got != want && got.refused > want.refused && c.repeatsKey(cmp, want.refused) {
					repeated++
					continue
				}
				if got != want {
					t.Fatalf("%s: text %q: llama.cpp %+v, decoder %+v\n%s", c.name, c.text(toks), got, want, gram)
				}
				if want.end && want.refused == len(toks) {
					valid++
				} else {
					agreeInvalid++
				}
			}
			if agreeInvalid == 0 {
				t.Errorf("%s: no mutated text left the language: the check of invalid texts did not run", c.name)
			}
			t.Logf("%s: %d rules-bytes, %d valid and %d invalid texts agree, %d repeat a key (the grammar allows, the decoder refuses)", c.name, len(gram), valid, agreeInvalid, repeated)
		}
	}
}

// langVerdicts runs /usr/bin/python3 (Debian's, with python3-lark) on the
// grammar and texts: mode "lark" parses with Lark's Earley parser, "re"
// matches with re.fullmatch.
func pyVerdicts(t *testing.T, mode string, grammar []byte, texts [][]byte) []bool {
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skipf("%s is not installed (scripts/setup.sh installs python3-lark)", py)
	}
	script := `
import sys, json, base64, re
req = json.load(sys.stdin)
g = base64.b64decode(req["grammar"]).decode("utf-8")
if req["mode"] == "lark":
    import lark
    p = lark.Lark(g, start="start", parser="earley", lexer="dynamic")
    def ok(s):
        try:
            p.parse(s); return True
        except lark.exceptions.LarkError:
            return False
else:
    r = re.compile(g)
    def ok(s):
        return r.fullmatch(s) is not None
out = []
for t in req["texts"]:
    try:
        s = base64.b64decode(t).decode("utf-8")
    except UnicodeDecodeError:
        out.append(False); continue
    out.append(ok(s))
json.dump(out, sys.stdout)
`
	var enc []string
	for _, x := range texts {
		enc = append(enc, base64.StdEncoding.EncodeToString(x))
	}
	in, _ := json.Marshal(map[string]any{"mode": mode, "grammar": base64.StdEncoding.EncodeToString(grammar), "texts": enc})
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "No module named 'lark'") {
			t.Skip("python3-lark is not installed (scripts/setup.sh installs it)")
		}
		t.Fatalf("python3 %s: %v\n%s", mode, err, stderr.String())
	}
	var vs []bool
	if err := json.Unmarshal(out, &vs); err != nil || len(vs) != len(texts) {
		t.Fatalf("python3 %s: %q: %v", mode, out, err)
	}
	return vs
}

// casesTexts are n walks and n mutations with the decoder's whole-text
// verdicts; repeats[i]: the decoder refuses text i where it repeats a key
// (repeatsKey), so an engine may accept it.
func (c *exportCase) texts(t *testing.T, n int) (texts [][]byte, want, repeats []bool) {
	for k := range 2 * n {
		toks := c.walk(t)
		if k%2 == 1 {
			toks = c.mutate(toks)
		}
		v := c.decoderVerdict(t, toks)
		texts = append(texts, c.text(toks))
		want = append(want, v.refused == len(toks) && v.end)
		repeats = append(repeats, c.repeatsKey(toks, v.refused))
	}
	return texts, want, repeats
}

// TestLarkAgreesWithLark: Lark parses every exported Lark grammar and
// gives the decoder's verdict on every text.
func TestLarkAgreesWithLark(t *testing.T) {
	n := textsPerCase(t)
	for si, file := range specFiles(t, false) {
		for fi, format := range verifyFormats(t, "hermes") {
			c := newCase(t, file, format, false, uint64(1000+si*100+fi))
			gram, err := Lark(c.spec, c.opts)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			texts, want, repeats := c.texts(t, n)
			got := pyVerdicts(t, "lark", gram, texts)
			for i := range texts {
				if got[i] && !want[i] && repeats[i] {
					continue // a grammar cannot say "distinct keys"
				}
				if got[i] != want[i] {
					t.Fatalf("%s: text %q: Lark %v, decoder %v\n%s", c.name, texts[i], got[i], want[i], gram)
				}
			}
		}
	}
}

// TestRegexAgreesWithEngines: Go regexp and Python re give the decoder's
// verdict on every text (a text that is not UTF-8 is no string: refused).
func TestRegexAgreesWithEngines(t *testing.T) {
	n := textsPerCase(t)
	checked := 0
	for si, file := range specFiles(t, false) {
		for fi, format := range verifyFormats(t, "react") {
			c := newCase(t, file, format, false, uint64(2000+si*100+fi))
			c.opts.MaxBytes = 1 << 20
			pat, err := Regex(c.spec, c.opts)
			var le *LimitError
			if errors.As(err, &le) {
				t.Logf("%s: %v", c.name, err)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if bytes.HasSuffix(pat, []byte("\n")) {
				t.Fatalf("%s: the pattern ends with a newline", c.name)
			}
			re, err := regexp.Compile(`^(?:` + string(pat) + `)$`)
			if err != nil {
				t.Fatalf("%s: Go regexp: %v", c.name, err)
			}
			texts, want, repeats := c.texts(t, n)
			py := pyVerdicts(t, "re", pat, texts)
			for i, x := range texts {
				goV := utf8.Valid(x) && re.Match(x)
				if goV && py[i] && !want[i] && repeats[i] {
					continue // a regex cannot say "distinct keys"
				}
				if goV != want[i] || py[i] != want[i] {
					t.Fatalf("%s: text %q: Go %v, Python %v, decoder %v\n%s", c.name, x, goV, py[i], want[i], pat)
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no spec's regex fits the size limit: nothing was checked")
	}
}

// TestPerTurnGBNF: the grammar of a later turn (Options.FromState) with
// captured values bound (Options.Captures) is the language of the
// session the decoder starts there (Index.StartAt): llama.cpp agrees with
// it byte by byte, in every event state of a spec that pays at most the
// budget a tool returned, and the bound limit is in the grammar.
func TestPerTurnGBNF(t *testing.T) {
	n := max(4, textsPerCase(t)/5)
	spec := loadSpec(t, "../specs/travel_booking.ltl")
	caps := ltl.Captures{}
	for name, v := range map[string]string{"budget": `{"limit": 480, "currency": "EUR"}`, "hold": `{"id": "H1", "price": 300}`} {
		x, err := decoder.ParseResult(v)
		if err != nil {
			t.Fatal(err)
		}
		caps[name] = x
	}
	f, _ := decoder.ParseFormat("json")
	paid := 0
	for q := range spec.DFA().NumStates() {
		opts := Options{Format: f, FromState: &q, Captures: caps}
		gram, err := GBNF(spec, opts)
		if errors.Is(err, decoder.ErrUnsat) || errors.Is(err, decoder.ErrNotAllowed) {
			continue // no generation starts there
		}
		if err != nil {
			t.Fatalf("state %d: %v", q, err)
		}
		_, ix, err := Language(spec, opts)
		if err != nil {
			t.Fatal(err)
		}
		c := &exportCase{name: "travel_booking/state-" + strconv.Itoa(q), spec: spec, opts: opts, ix: ix, vocab: ix.Vocab(),
			eog: 256, rng: rand.New(rand.NewPCG(uint64(q), 11)), starts: decoder.LanguageOptions{FromState: q, Captures: caps}}
		if bytes.Contains(gram, []byte("call-pay")) {
			paid++
			if !bytes.Contains(gram, []byte(`"EUR\""`)) || !bytes.Contains(gram, []byte(`"H1\""`)) {
				t.Errorf("%s: the bound currency and hold id are not literals of the grammar:\n%s", c.name, gram)
			}
		}
		for k := range 2 * n {
			toks := c.walk(t)
			if k%2 == 1 {
				toks = c.mutate(toks)
			}
			want := c.decoderVerdict(t, toks)
			cmp := toks
			if cut := c.utf8Cut(toks); cut < len(toks) {
				cmp = toks[:cut]
				want = c.decoderVerdict(t, cmp)
			}
			g, err := llama.NewGBNFVocab(string(gram), c.vocab, nil)
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.name, err, gram)
			}
			got := llamaVerdict(t, g, cmp, c.eog)
			g.Close()
			if got != want && got.refused > want.refused && c.repeatsKey(cmp, want.refused) {
				continue // a grammar cannot say "distinct keys"
			}
			if got != want {
				t.Fatalf("%s: text %q: llama.cpp %+v, decoder %+v\n%s", c.name, c.text(cmp), got, want, gram)
			}
		}
	}
	if paid == 0 {
		t.Fatal("no state's grammar allows pay under the bound budget: the binding was not exported")
	}
}

// TestClosesRepeatedKey: the excuse of verification is exactly a key that
// repeats one of its own object (decoded), not one of an enclosing or a
// sibling object.
func TestClosesRepeatedKey(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{`{"a": 1, "a"`, true},
		{`{"a": 1, "\u0061"`, true},
		{`{"a\"": 1, "a\""`, true},
		{`{"a": {"b": 1}, "b"`, false},
		{`{"a": {"a"`, false},
		{`{"a": "a", "b"`, false},
		{`{"x": [1, {"a": 2}], "a"`, false},
		{`{"x": [1, {"a": 2}], "x"`, true},
		{`Thought: "a": {"b": 1, "c"`, false},
	} {
		if got := closesRepeatedKey([]byte(c.text)); got != c.want {
			t.Errorf("closesRepeatedKey(%s) = %v, want %v", c.text, got, c.want)
		}
	}
}
