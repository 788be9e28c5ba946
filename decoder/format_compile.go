package decoder

import (
	"slices"
	"sort"
	"strings"

	"github.com/specplan/specplan/automata"
)

// progInfo says what one prog of an Index writes: an event of symbol sym
// (-1: the close of a call list) in message mode in, leaving mode out.
type progInfo struct {
	sym     int32
	kind    eventKind
	in, out msgMode
	pre     string // text before the event's own text (separator, list open)
	post    string // text after it (a Single list's close)
}

// markerBase is the first of the bytes that stand for special-token
// markers inside the byte automaton. Bytes 0xF8..0xFF never occur in UTF-8,
// so no leaf accepts them, and walkMask keeps every ordinary token that
// contains one out of the mask: only the marker's special token can write
// its byte.
const markerBase = 0xF8

// maxMarkers is how many special markers one format may use.
const maxMarkers = 0x100 - markerBase

// setMarkers records which of the format's special markers the vocabulary
// has as special tokens (opts.Markers), each standing for one reserved byte.
func (ix *Index) setMarkers(markers map[string]int) error {
	d := ix.format.d
	for _, m := range d.Special {
		tok, ok := markers[m]
		if !ok {
			continue
		}
		if tok < 0 || tok >= ix.vocab.Size() {
			return newErr(CodeVocab, "marker %q: token %d is outside the vocabulary", m, tok)
		}
		if !ix.vocab.Special[tok] || len(ix.vocab.Pieces[tok]) != 0 {
			return newErr(CodeVocab, "marker %q: token %d is not a special token (with an empty piece)", m, tok)
		}
		if ix.isEOG[tok] {
			return newErr(CodeVocab, "marker %q: token %d ends generation", m, tok)
		}
		if len(ix.markerText) >= maxMarkers {
			return newErr(CodeLimit, "more than %d special markers", maxMarkers)
		}
		ix.markerText = append(ix.markerText, m)
		ix.markerTok = append(ix.markerTok, tok)
	}
	for m := range markers {
		if !slices.Contains(d.Special, m) {
			return newErr(CodeVocab, "marker %q is not a special marker of the %s format", m, ix.format)
		}
	}
	return nil
}

// lit spells text in prog b, each special marker the vocabulary has as a
// token as its reserved byte.
func (ix *Index) lit(b *builder, text string, next int32) int32 {
	parts := ix.splitMarkers(text)
	for i := len(parts) - 1; i >= 0; i-- {
		if k := parts[i].marker; k >= 0 {
			c := byte(markerBase + k)
			next = b.add(nnode{kind: nByte, lo: c, hi: c, next: next})
		} else {
			next = b.lit(parts[i].text, next)
		}
	}
	return next
}

type textPart struct {
	text   string
	marker int // index into ix.markerText, or -1
}

// splitMarkers cuts text at the markers in use, leftmost first.
func (ix *Index) splitMarkers(text string) []textPart {
	var out []textPart
	for text != "" {
		at, k := -1, -1
		for i, m := range ix.markerText {
			if j := strings.Index(text, m); j >= 0 && (at < 0 || j < at) {
				at, k = j, i
			}
		}
		if at < 0 {
			out = append(out, textPart{text: text, marker: -1})
			break
		}
		if at > 0 {
			out = append(out, textPart{text: text[:at], marker: -1})
		}
		out = append(out, textPart{marker: k})
		text = text[at+len(ix.markerText[k]):]
	}
	return out
}

// tokenBytes are the bytes token tok drives the byte automaton with: its
// piece, or a marker's reserved byte.
func (ix *Index) tokenBytes(tok int) []byte {
	if k := slices.Index(ix.markerTok, tok); k >= 0 {
		return []byte{byte(markerBase + k)}
	}
	return ix.vocab.Pieces[tok]
}

// TokenText is the text token tok writes in this Index's format: its piece,
// or for a special marker token (IndexOptions.Markers) the marker's text,
// which its empty piece does not show. Generation transcripts use it so
// that Format.Parse reads what the model wrote.
func (ix *Index) TokenText(tok int) []byte {
	if k := slices.Index(ix.markerTok, tok); k >= 0 {
		return []byte(ix.markerText[k])
	}
	if tok < 0 || tok >= len(ix.vocab.Pieces) {
		return nil
	}
	return ix.vocab.Pieces[tok]
}

// byteText is the text a byte of the automaton stands for.
func (ix *Index) byteText(b byte) string {
	if b >= markerBase && int(b-markerBase) < len(ix.markerText) {
		return ix.markerText[b-markerBase]
	}
	return string([]byte{b})
}

// compileProgs builds the progs of every symbol in every message mode the
// format has. With one mode (the line formats), prog i is symbol i's.
func (ix *Index) compileProgs(schemas map[string]*schema) error {
	f := ix.format
	nsym := len(ix.syms)
	ix.progs = make([]*prog, nsym)
	ix.pinfo = make([]progInfo, nsym)
	ix.pweight = make([]int, nsym)
	for i, sym := range ix.syms {
		ix.pweight[i] = -1
		ix.pinfo[i] = progInfo{sym: int32(i), kind: ix.kindOf(sym)}
		if ix.env[i] {
			continue
		}
		if hasRef(sym.Lits) {
			// Written only under a binding of the captured values it
			// compares with (bind.go); unwritable in the analysis, which
			// takes the environment's values as adversarial.
			ix.refSyms = append(ix.refSyms, i)
			if _, err := ix.compileVariants(i, sym, nil, true); err != nil {
				return err
			}
			continue
		}
		if _, err := ix.compileVariants(i, sym, schemas, true); err != nil {
			return err
		}
	}
	if f.d.ListOpen != "" && !f.flat() {
		pre, out, _ := f.before(evClose, mList)
		b := newBuilder()
		p, err := b.finish(ix.lit(b, pre, b.accept()))
		if err != nil {
			return err
		}
		ix.progs = append(ix.progs, p)
		ix.pinfo = append(ix.pinfo, progInfo{sym: -1, kind: evClose, in: mList, out: out, pre: pre})
		ix.pweight = append(ix.pweight, int(p.minDist[p.start]))
	}
	return nil
}

func (ix *Index) kindOf(sym automata.Symbol) eventKind {
	switch {
	case sym.Tool != "":
		return evCall
	case ix.format.isThink(sym.Step):
		return evThink
	}
	return evStep
}

// compileVariants builds the progs of symbol i (written with sym's
// literals) in every message mode the format has and returns their ids.
// With base set, the first variant is prog i (the symbol's own); otherwise
// (a bound symbol) every variant is a new prog. With schemas nil (a symbol
// that compares with captured values, before binding) only the variants'
// modes are recorded and no prog is built.
func (ix *Index) compileVariants(i int, sym automata.Symbol, schemas map[string]*schema, base bool) ([]int32, error) {
	f := ix.format
	type variant struct {
		pre, post string
		in, out   msgMode
	}
	k := ix.kindOf(sym)
	var vs []variant
	for m := msgMode(0); int(m) < f.modes(); m++ {
		pre, out, ok := f.before(k, m)
		if ok {
			vs = append(vs, variant{pre: pre, post: f.after(k, out), in: m, out: f.norm(out)})
		}
	}
	var pids []int32
	// Variants with the same texts share one prog.
	built := map[[2]string]*prog{}
	for j, v := range vs {
		key := [2]string{v.pre, v.post}
		p, ok := built[key]
		if !ok && schemas != nil {
			var err error
			if p, err = ix.compileEvent(sym, k, schemas[sym.Tool], v.pre, v.post); err != nil {
				return nil, err
			}
			built[key] = p
		}
		pid := i // the first variant is the one that starts a message (mBegin)
		if j > 0 || !base {
			pid = len(ix.progs)
			ix.progs = append(ix.progs, nil)
			ix.pinfo = append(ix.pinfo, progInfo{})
			ix.pweight = append(ix.pweight, -1)
		}
		ix.pinfo[pid] = progInfo{sym: int32(i), kind: k, in: v.in, out: v.out, pre: v.pre, post: v.post}
		if p != nil && p.start >= 0 && p.minDist[p.start] >= 0 {
			ix.progs[pid] = p
			ix.pweight[pid] = int(p.minDist[p.start])
		}
		pids = append(pids, int32(pid))
	}
	return pids, nil
}

// compileEvent builds the NFA of one symbol's event text written after pre
// and followed by post (nil: the symbol cannot be written, e.g. its
// predicates contradict the schema).
func (ix *Index) compileEvent(sym automata.Symbol, k eventKind, s *schema, pre, post string) (*prog, error) {
	f := ix.format
	b := newBuilder()
	acc := b.accept()
	switch k {
	case evStep:
		if err := f.checkStepName(sym.Step); err != nil {
			return nil, err
		}
		text := b.leafNode(&strLeaf{mode: modeLine, maxLen: -1}, b.lit("\n", ix.lit(b, post, acc)))
		return b.finish(ix.lit(b, pre, b.lit(StepLabel(sym.Step)+": ", text)))
	case evThink:
		t := f.d.Think
		text := b.leafNode(newBlockLeaf(strings.TrimSpace(t.Close)), ix.lit(b, t.Close, acc))
		return b.finish(ix.lit(b, pre+t.open(), text))
	}
	if err := f.checkToolName(sym.Tool); err != nil {
		return nil, err
	}
	callPre, suf := f.callFrame(sym.Tool)
	end := ix.lit(b, suf+post, acc)
	idAfterArgs := f.d.ID.Key != "" && f.d.Args != ArgsBracket
	if idAfterArgs {
		end = ix.idNode(b, end)
	}
	c := &compiler{b: b, syn: f.syntax(), f: f}
	args, err := c.args(s, sym.Lits, end)
	if err != nil {
		return nil, wrapTool(sym.Tool, err)
	}
	if args < 0 {
		return nil, nil
	}
	if f.d.ID.Key != "" && !idAfterArgs {
		args = ix.idNode(b, args)
	}
	return b.finish(ix.lit(b, pre+callPre, args))
}

// idNode spells the text before an id, an id of the format's IDRule, and
// the text after it (idAround), then next.
func (ix *Index) idNode(b *builder, next int32) int32 {
	r := ix.format.d.ID
	before, after := ix.format.idAround()
	next = ix.lit(b, after, next)
	alpha := []byte(r.Alphabet)
	sort.Slice(alpha, func(i, j int) bool { return alpha[i] < alpha[j] })
	alpha = slices.Compact(alpha)
	for range r.Len {
		// One byte of the alphabet: a split over its runs of consecutive bytes.
		var outs []int32
		for i := 0; i < len(alpha); {
			j := i
			for j+1 < len(alpha) && alpha[j+1] == alpha[j]+1 {
				j++
			}
			outs = append(outs, b.add(nnode{kind: nByte, lo: alpha[i], hi: alpha[j], next: next}))
			i = j + 1
		}
		next = b.split(outs...)
	}
	return ix.lit(b, before, next)
}

// fixedTexts are the literal texts a prog starts and ends with, without the
// markers its special tokens write (checkVocab spells them).
func (ix *Index) fixedTexts(pid int) []string {
	pi := ix.pinfo[pid]
	f := ix.format
	var lits []string
	switch pi.kind {
	case evClose:
		lits = []string{pi.pre}
	case evStep:
		lits = []string{pi.pre + StepLabel(ix.syms[pi.sym].Step) + ": ", "\n" + pi.post}
	case evThink:
		lits = []string{pi.pre + f.d.Think.open(), f.d.Think.Close}
	case evCall:
		pre, suf := f.callFrame(ix.syms[pi.sym].Tool)
		if f.d.ID.Key != "" {
			before, after := f.idAround()
			if f.d.Args == ArgsBracket {
				lits = []string{pi.pre + pre + before, after, suf + pi.post}
			} else {
				lits = []string{pi.pre + pre, suf + pi.post, before, after}
			}
			break
		}
		lits = []string{pi.pre + pre, suf + pi.post}
	}
	var out []string
	for _, l := range lits {
		for _, p := range ix.splitMarkers(l) {
			if p.marker < 0 && p.text != "" {
				out = append(out, p.text)
			}
		}
	}
	return out
}

// tokenTexter is a constraint that knows the text of tokens whose piece
// does not show it (special marker tokens).
type tokenTexter interface{ TokenText(tok int) []byte }

// TokenText is Index.TokenText of the session's Index.
func (s *Session) TokenText(tok int) []byte { return s.ix.TokenText(tok) }

// MarkerTokens finds, for each special marker of format f, the special
// token b's vocabulary has for it: the marker's text tokenized with special
// tokens parsed must give exactly one token, and that token must be special
// (an empty piece). Markers the vocabulary spells as plain text are left
// out; they are then written as text. Pass the result as
// IndexOptions.Markers.
func MarkerTokens(b Backend, f Format) (map[string]int, error) {
	if !f.Valid() {
		return nil, newErr(CodeFormat, "no call format given")
	}
	v := b.Vocab()
	out := map[string]int{}
	for _, m := range f.d.Special {
		toks, err := b.Tokenize(m, false, true)
		if err != nil {
			return nil, err
		}
		if len(toks) == 1 && toks[0] >= 0 && toks[0] < v.Size() && v.Special[toks[0]] && len(v.Pieces[toks[0]]) == 0 && !v.IsEOG(toks[0]) {
			out[m] = toks[0]
		}
	}
	return out, nil
}
