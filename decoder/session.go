package decoder

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// ErrorCode classifies the errors of the constraint side of the decoder.
type ErrorCode int

const (
	CodeBudget     ErrorCode = iota + 1 // no valid output fits the token budget
	CodeVocab                           // the vocabulary cannot spell what the spec needs
	CodeSchema                          // a tool schema is invalid or unsupported
	CodeFormat                          // a name cannot be written in the call format
	CodeLimit                           // a hard limit was exceeded (the message names it)
	CodeNotAllowed                      // a token or event the constraint does not allow
	CodeOrder                           // a method called out of order (e.g. Accept after Done)
	CodeParse                           // Format.Parse: text is not in the format
	CodeUnsat                           // no output at all satisfies the spec with these tools
	CodeInternal                        // a broken invariant (a bug)
)

var codeNames = map[ErrorCode]string{CodeBudget: "budget", CodeVocab: "vocabulary", CodeSchema: "schema",
	CodeFormat: "format", CodeLimit: "limit", CodeNotAllowed: "not allowed", CodeOrder: "call order",
	CodeParse: "parse", CodeUnsat: "unsatisfiable", CodeInternal: "internal"}

func (c ErrorCode) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// ConstraintError is the error type of sessions, indexes and Format.Parse.
// Compare with errors.Is against the Err* values (which match on Code).
type ConstraintError struct {
	Code ErrorCode
	Msg  string
}

func (e *ConstraintError) Error() string { return "decoder: " + e.Code.String() + ": " + e.Msg }

// Is matches a sentinel with the same code (a sentinel has no message).
func (e *ConstraintError) Is(target error) bool {
	t, ok := target.(*ConstraintError)
	return ok && t.Code == e.Code && t.Msg == ""
}

// Sentinels for errors.Is.
var (
	ErrBudget     = &ConstraintError{Code: CodeBudget}
	ErrSpell      = &ConstraintError{Code: CodeVocab}
	ErrSchema     = &ConstraintError{Code: CodeSchema}
	ErrFormat     = &ConstraintError{Code: CodeFormat}
	ErrLimit      = &ConstraintError{Code: CodeLimit}
	ErrNotAllowed = &ConstraintError{Code: CodeNotAllowed}
	ErrCallOrder  = &ConstraintError{Code: CodeOrder}
	ErrParse      = &ConstraintError{Code: CodeParse}
	ErrUnsat      = &ConstraintError{Code: CodeUnsat}
)

func newErr(c ErrorCode, format string, a ...any) error {
	return &ConstraintError{Code: c, Msg: fmt.Sprintf(format, a...)}
}

func limitErr(format string, a ...any) error { return newErr(CodeLimit, format, a...) }

// DefaultEnvSteps are the step kinds the environment writes, not the model.
var DefaultEnvSteps = []string{"observation"}

// DefaultMaskCacheBytes is the mask cache cap when none is given (64 MiB:
// about 4000 masks at a 128K vocabulary).
const DefaultMaskCacheBytes = 64 << 20

// SessionOptions configures an Index and its sessions.
type SessionOptions struct {
	Format Format
	// Tools maps a tool name to the JSON schema of its parameters (the
	// `parameters` of an OpenAI tool). A tool without an entry takes an
	// object of any keys with free values.
	Tools map[string]json.RawMessage
	// EnvSteps are the step kinds the environment writes (nil: DefaultEnvSteps).
	EnvSteps []string
	// MaskCacheBytes caps the mask cache (0: DefaultMaskCacheBytes).
	MaskCacheBytes int
	// MaxTokens, if positive, is the session's token budget: NewSession
	// fails with ErrBudget when no valid output fits in it.
	MaxTokens int
}

// Index is the compiled, shared part of a constraint: the event automaton's
// analysis, one NFA per symbol, the lazily built byte automaton and the mask
// cache. Many Sessions may use one Index from different goroutines: the byte
// automaton is guarded by one mutex (held for a whole mask computation, so
// the trie walk runs without per-edge locking) and the mask cache by its own
// mutex, so cached lookups never wait for a computation in progress on a
// state that is already cached.
type Index struct {
	mu     sync.Mutex
	ea     EventAutomaton
	format Format
	syms   []automata.Symbol
	env    []bool
	progs  []*prog
	weight []int
	info   map[int]*evInfo
	vocab  *Vocab
	trie   *Trie
	states []*bstate
	ids    map[string]uint32
	cache  *maskCache

	byteComplete bool
	missingByte  int
	initial      uint32

	computations atomic.Int64
}

// Stats are counters of an Index, for tests and benchmarks.
type Stats struct {
	States           int   // byte-level states built
	MaskComputations int64 // trie walks done
	CacheHits        int64
	CacheMisses      int64
	CacheEvictions   int64
	CacheBytes       int
}

// Stats reports the Index's counters.
func (ix *Index) Stats() Stats {
	ix.mu.Lock()
	n := len(ix.states)
	ix.mu.Unlock()
	ix.cache.mu.Lock()
	defer ix.cache.mu.Unlock()
	return Stats{States: n, MaskComputations: ix.computations.Load(), CacheHits: ix.cache.hits,
		CacheMisses: ix.cache.misses, CacheEvictions: ix.cache.evicted, CacheBytes: ix.cache.used}
}

// NewIndex compiles the constraint for ea under opts. It fails when a name
// cannot be written in the format, a schema is invalid or too deep, no
// output satisfies the spec, or the vocabulary cannot spell a required
// literal.
func NewIndex(ea EventAutomaton, vocab *Vocab, trie *Trie, opts SessionOptions) (*Index, error) {
	if _, ok := formatNames[opts.Format]; !ok {
		return nil, newErr(CodeFormat, "no call format given (SessionOptions.Format)")
	}
	env := opts.EnvSteps
	if env == nil {
		env = DefaultEnvSteps
	}
	cacheB := opts.MaskCacheBytes
	if cacheB <= 0 {
		cacheB = DefaultMaskCacheBytes
	}
	ix := &Index{ea: ea, format: opts.Format, syms: ea.Symbols(), vocab: vocab, trie: trie,
		ids: map[string]uint32{}, cache: newMaskCache(cacheB), missingByte: -1}
	ix.env = envSet(ix.syms, env)
	for _, e := range opts.EnvSteps {
		if !slices.ContainsFunc(ix.syms, func(s automata.Symbol) bool { return s.Tool == "" && s.Step == e }) {
			return nil, newErr(CodeFormat, "environment step %q is not a step kind of the alphabet", e)
		}
	}
	schemas := map[string]*schema{}
	for name, raw := range opts.Tools {
		if !slices.ContainsFunc(ix.syms, func(s automata.Symbol) bool { return s.Tool == name }) {
			return nil, newErr(CodeSchema, "tool %q has a schema but is not in the event alphabet", name)
		}
		s, err := parseSchema(raw, name, 0)
		if err != nil {
			return nil, wrapTool(name, err)
		}
		schemas[name] = s
	}
	ix.progs = make([]*prog, len(ix.syms))
	ix.weight = make([]int, len(ix.syms))
	for i, sym := range ix.syms {
		ix.weight[i] = -1
		if ix.env[i] {
			continue
		}
		p, err := ix.compileSymbol(sym, schemas[sym.Tool])
		if err != nil {
			return nil, err
		}
		if p != nil && p.start >= 0 && p.minDist[p.start] >= 0 {
			ix.progs[i] = p
			ix.weight[i] = int(p.minDist[p.start])
		}
	}
	info, err := analyze(ea, ix.env, ix.weight)
	if err != nil {
		return nil, err
	}
	ix.info = info
	if info[ea.Initial()].cost < 0 {
		return nil, newErr(CodeUnsat, "no output satisfies the spec in the %s format with these tool schemas", ix.format)
	}
	if err := ix.checkVocab(); err != nil {
		return nil, err
	}
	ix.initial = ix.boundary(int32(ea.Initial()))
	return ix, nil
}

func wrapTool(tool string, err error) error {
	if ce, ok := err.(*ConstraintError); ok {
		return &ConstraintError{Code: ce.Code, Msg: "tool " + tool + ": " + ce.Msg}
	}
	return newErr(CodeSchema, "tool %s: %v", tool, err)
}

// compileSymbol builds the NFA of one symbol's event text (nil: the symbol
// cannot be written, e.g. its predicates contradict the schema).
func (ix *Index) compileSymbol(sym automata.Symbol, s *schema) (*prog, error) {
	b := newBuilder()
	acc := b.accept()
	if sym.Tool == "" {
		if err := ix.format.checkStepName(sym.Step); err != nil {
			return nil, err
		}
		text := b.leafNode(&strLeaf{mode: modeLine, maxLen: -1}, b.lit("\n", acc))
		return b.finish(b.lit(StepLabel(sym.Step)+": ", text))
	}
	if err := ix.format.checkToolName(sym.Tool); err != nil {
		return nil, err
	}
	pre, suf := ix.format.callFrame(sym.Tool)
	c := &compiler{b: b, syn: ix.format.syntax(), f: ix.format}
	args, err := c.args(s, sym.Lits, b.lit(suf, acc))
	if err != nil {
		return nil, wrapTool(sym.Tool, err)
	}
	if args < 0 {
		return nil, nil
	}
	return b.finish(b.lit(pre, args))
}

// literal is the fixed text that starts a symbol's event.
func (ix *Index) literal(sym automata.Symbol) string {
	if sym.Tool == "" {
		return StepLabel(sym.Step) + ": "
	}
	pre, _ := ix.format.callFrame(sym.Tool)
	return pre
}

// checkVocab records whether every byte that valid UTF-8 text can contain is
// a token of its own (then byte counts bound token counts, which the budget
// relies on), and otherwise checks that each required literal can be
// spelled by the vocabulary's tokens.
func (ix *Index) checkVocab() error {
	var single [256]bool
	for _, p := range ix.vocab.Pieces {
		if len(p) == 1 {
			single[p[0]] = true
		}
	}
	ix.byteComplete = true
	for b := 0; b < 256; b++ {
		if b == 0xC0 || b == 0xC1 || b >= 0xF5 {
			continue
		}
		if !single[b] {
			ix.byteComplete = false
			ix.missingByte = b
			break
		}
	}
	if ix.byteComplete {
		return nil
	}
	for i, sym := range ix.syms {
		if ix.progs[i] == nil {
			continue
		}
		lit := ix.literal(sym)
		if !spellableBy(ix.vocab, lit) {
			return newErr(CodeVocab, "the vocabulary cannot spell %q (needed by %s)", lit, sym.Name)
		}
	}
	return nil
}

// spellableBy reports whether lit can be written as a sequence of tokens,
// the last of which may run past its end.
func spellableBy(v *Vocab, lit string) bool {
	reach := make([]bool, len(lit)+1)
	reach[0] = true
	for i := 0; i < len(lit); i++ {
		if !reach[i] {
			continue
		}
		for _, p := range v.Pieces {
			if len(p) == 0 {
				continue
			}
			rest := lit[i:]
			switch {
			case len(p) <= len(rest) && rest[:len(p)] == string(p):
				reach[i+len(p)] = true
			case len(p) > len(rest) && string(p[:len(rest)]) == rest:
				reach[len(lit)] = true
			}
		}
	}
	return reach[len(lit)]
}

// intern returns the id of st, adding it if new. Called with ix.mu held.
func (ix *Index) intern(st *bstate) uint32 {
	key := stateKey(st.q, st.kind, st.bound, st.cfgs)
	if id, ok := ix.ids[key]; ok {
		return id
	}
	id := uint32(len(ix.states))
	ix.states = append(ix.states, st)
	ix.ids[key] = id
	return id
}

// boundary is the state at the start of an event in event state q.
func (ix *Index) boundary(q int32) uint32 {
	in := ix.info[int(q)]
	var start []config
	for _, s := range in.model {
		p := ix.progs[s]
		start = append(start, enter(p, s, p.start))
	}
	st := &bstate{q: q, bound: true, cost: in.cost, eog: in.eog, eogCost: in.eogCost, done: in.done}
	if len(start) > 0 {
		st.cfgs = closure(ix.progs, start)
	}
	return ix.intern(st)
}

// next is the state after byte b, -1 if b is not allowed. Called with ix.mu held.
func (ix *Index) next(id uint32, b byte) int32 {
	st := ix.states[id]
	if st.trans == nil {
		st.trans = make([]int32, 256)
		st.completes = make([]int32, 256)
	}
	if t := st.trans[b]; t != 0 {
		if t < 0 {
			return -1
		}
		return t - 1
	}
	t, sym := ix.compute(st, b)
	st = ix.states[id] // (the slice may have grown; the pointer is stable)
	if t < 0 {
		st.trans[b] = -1
	} else {
		st.trans[b] = t + 1
	}
	st.completes[b] = sym
	return t
}

func (ix *Index) compute(st *bstate, b byte) (int32, int32) {
	if len(st.cfgs) == 0 {
		return -1, -1
	}
	cfgs, acc := stepConfigs(ix.progs, st.cfgs, b)
	if acc >= 0 {
		q := ix.ea.Step(int(st.q), int(acc))
		if in := ix.info[q]; q < 0 || in == nil || in.cost < 0 {
			return -1, -1
		}
		return int32(ix.boundary(int32(q))), acc
	}
	if len(cfgs) == 0 {
		return -1, -1
	}
	best := int32(-1)
	for _, c := range cfgs {
		r := c.remaining(ix.progs[c.sym])
		q := ix.ea.Step(int(st.q), int(c.sym))
		in := ix.info[q]
		if r < 0 || q < 0 || in == nil || in.cost < 0 {
			continue
		}
		if v := int32(r) + in.cost; best < 0 || v < best {
			best = v
		}
	}
	if best < 0 {
		return -1, -1
	}
	return int32(ix.intern(&bstate{q: st.q, cfgs: cfgs, cost: best})), -1
}

const noBudget = 0xFFFFFFFF

// mask returns the mask of state id under budget (-1: none), from the cache
// or computed.
func (ix *Index) mask(id uint32, budget int) *Mask {
	key := uint64(id)<<32 | noBudget
	m := ix.cache.get(key)
	if m == nil {
		m = ix.cache.put(key, ix.computeMask(id, -1))
	}
	if budget < 0 || int32(min(budget, 1<<30)) >= m.maxCost {
		return m
	}
	key = uint64(id)<<32 | uint64(uint32(budget))
	if bm := ix.cache.get(key); bm != nil {
		return bm
	}
	return ix.cache.put(key, ix.computeMask(id, budget))
}

// computeMask walks the trie from state id: a token is allowed when every
// byte of it is allowed and, under a budget, the budget still covers the
// token plus the shortest completion after it.
func (ix *Index) computeMask(id uint32, budget int) *Mask {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.computations.Add(1)
	m := newMask(ix.vocab.Size())
	st := ix.states[id]
	// EOG at a turn end (not at acceptance) hands over to the environment,
	// and the run still needs tokens after its step: the budget must cover
	// those too, or a later turn would start below its minimum.
	if st.eog && (budget < 0 || int(st.eogCost) <= budget) {
		for _, e := range ix.vocab.EOG {
			if e >= 0 && e < m.n {
				m.set(e)
				m.maxCost = st.eogCost
			}
		}
	}
	if len(st.cfgs) == 0 {
		return m
	}
	Walk(ix.trie, id, func(s uint32, b byte) (uint32, bool) {
		// Fast path: a cached transition, without the call.
		if tr := ix.states[s].trans; tr != nil {
			if t := tr[b]; t > 0 {
				return uint32(t - 1), true
			} else if t < 0 {
				return 0, false
			}
		}
		t := ix.next(s, b)
		return uint32(t), t >= 0
	}, func(tok int, end uint32) {
		c := 1 + ix.states[end].cost
		if budget >= 0 && int(c) > budget {
			return
		}
		m.set(tok)
		m.maxCost = max(m.maxCost, c)
	})
	return m
}

// NewSession compiles a fresh Index and starts a session on it. Use
// NewIndex and Index.NewSession to share the compiled part.
func NewSession(ea EventAutomaton, vocab *Vocab, trie *Trie, opts SessionOptions) (*Session, error) {
	ix, err := NewIndex(ea, vocab, trie, opts)
	if err != nil {
		return nil, err
	}
	s := ix.NewSession()
	if opts.MaxTokens > 0 {
		if err := s.CheckBudget(opts.MaxTokens); err != nil {
			return nil, err
		}
		s.SetBudget(opts.MaxTokens)
	}
	return s, nil
}

// Session is one generation under an Index: the current byte state, the
// text and events so far, the budget. A Session is not safe for concurrent
// use; its Index is.
type Session struct {
	ix      *Index
	cur     uint32
	curSt   *bstate // ix.states[cur]; its fields other than trans are immutable
	ended   bool
	text    []byte
	evStart int
	events  []ltl.Event
	budget  int
	mask    *Mask
}

// NewSession starts a session at the event automaton's initial state.
func (ix *Index) NewSession() *Session {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return &Session{ix: ix, cur: ix.initial, curSt: ix.states[ix.initial], budget: -1}
}

func (s *Session) st() *bstate { return s.curSt }

// Mask is the set of tokens allowed now (under the budget, if one is set).
// After Done it is empty.
func (s *Session) Mask() *Mask {
	if s.mask == nil {
		if s.ended {
			s.mask = newMask(s.ix.vocab.Size())
		} else {
			s.mask = s.ix.mask(s.cur, s.budget)
		}
	}
	return s.mask
}

// ApplyMask sets the logits of disallowed tokens to -Inf.
func (s *Session) ApplyMask(logits []float32) { s.Mask().Apply(logits) }

// Forced reports the only allowed token when exactly one is allowed.
func (s *Session) Forced() (int, bool) {
	m := s.Mask()
	if m.Count() != 1 {
		return 0, false
	}
	return m.First(), true
}

// SetBudget sets how many more tokens may be generated; a negative value
// removes the budget. Accept counts it down.
func (s *Session) SetBudget(tokensLeft int) {
	if tokensLeft < 0 {
		tokensLeft = -1
	}
	if tokensLeft != s.budget {
		s.budget = tokensLeft
		s.mask = nil
	}
}

// MinTokens is the fewest tokens (an upper bound when the vocabulary has
// every byte as a token) that end the turn acceptably from here.
func (s *Session) MinTokens() int {
	if s.ended {
		return 0
	}
	return int(s.st().cost)
}

// CheckBudget fails with ErrBudget when no valid output fits in n tokens
// from the current state, or when the vocabulary lacks the single-byte
// tokens the budget computation relies on.
func (s *Session) CheckBudget(n int) error {
	if !s.ix.byteComplete {
		return newErr(CodeVocab, "a token budget needs every byte as a token; byte 0x%02X has none", s.ix.missingByte)
	}
	if need := s.MinTokens(); need > n {
		return newErr(CodeBudget, "budget of %d tokens is below the minimum of %d tokens for a valid output", n, need)
	}
	return nil
}

// Done reports that the model can produce nothing more in this turn: an
// end-of-generation token was accepted, or only the environment can move
// (call Observe to go on).
func (s *Session) Done() bool { return s.ended || s.st().done }

// Accept advances past token tok. It fails, changing nothing, when tok is
// not in Mask or the session is Done.
func (s *Session) Accept(tok int) error {
	if s.Done() {
		return newErr(CodeOrder, "Accept(%d) after Done", tok)
	}
	if !s.Mask().Has(tok) {
		return newErr(CodeNotAllowed, "token %d (%q) is not allowed here", tok, s.piece(tok))
	}
	s.mask = nil
	if s.budget > 0 {
		s.budget--
	}
	if s.ix.vocab.IsEOG(tok) {
		s.ended = true
		return nil
	}
	ix := s.ix
	ix.mu.Lock()
	type done struct {
		end int
	}
	var completed []done
	cur := s.cur
	for _, b := range ix.vocab.Pieces[tok] {
		t := ix.next(cur, b)
		if t < 0 {
			ix.mu.Unlock()
			return newErr(CodeInternal, "token %d allowed by the mask but byte %q is not", tok, b)
		}
		if ix.states[cur].completes[b] >= 0 {
			completed = append(completed, done{end: len(s.text) + 1})
		}
		s.text = append(s.text, b)
		cur = uint32(t)
	}
	s.cur, s.curSt = cur, ix.states[cur]
	ix.mu.Unlock()
	for _, d := range completed {
		evs, err := ix.format.Parse(s.text[s.evStart:d.end])
		if err != nil || len(evs) != 1 {
			return newErr(CodeInternal, "event text %q does not parse back: %v", s.text[s.evStart:d.end], err)
		}
		s.events = append(s.events, evs[0])
		s.evStart = d.end
	}
	return nil
}

func (s *Session) piece(tok int) string {
	if tok < 0 || tok >= len(s.ix.vocab.Pieces) {
		return ""
	}
	return string(s.ix.vocab.Pieces[tok])
}

// Observe records an event written by the environment (e.g. an observation)
// at an event boundary and moves the event automaton past it, so that
// generation can resume. It fails when the session is inside an event or
// when the event would make the spec unsatisfiable.
func (s *Session) Observe(ev ltl.Event) error {
	st := s.st()
	if !st.bound {
		return newErr(CodeOrder, "Observe inside an event (after %q)", s.text[s.evStart:])
	}
	sym := symbolOf(s.ix.syms, ev)
	if sym < 0 {
		return newErr(CodeNotAllowed, "event %q is not in the alphabet", ev.Name())
	}
	q := s.ix.ea.Step(int(st.q), sym)
	s.ix.mu.Lock()
	in := s.ix.info[q]
	if q < 0 || in == nil || in.cost < 0 {
		s.ix.mu.Unlock()
		return newErr(CodeNotAllowed, "event %s here leaves the spec unsatisfiable", s.ix.syms[sym].Name)
	}
	s.cur = s.ix.boundary(int32(q))
	s.curSt = s.ix.states[s.cur]
	s.ix.mu.Unlock()
	s.events = append(s.events, ev)
	s.ended = false
	s.mask = nil
	return nil
}

// Events are the events completed so far: parsed from the accepted text
// (by Format.Parse) and those given to Observe, in order.
func (s *Session) Events() []ltl.Event { return slices.Clone(s.events) }

// Text is the text accepted so far.
func (s *Session) Text() []byte { return slices.Clone(s.text) }

// State is the current event-automaton state.
func (s *Session) State() int { return int(s.st().q) }

// Index is the compiled part this session runs on.
func (s *Session) Index() *Index { return s.ix }

// Complete reports whether the events so far form a complete run the spec
// accepts: the session is at an event boundary in an accepting event state.
func (s *Session) Complete() bool {
	st := s.st()
	return st.bound && len(s.events) > 0 && s.ix.ea.Accepting(int(st.q))
}

// AwaitingEnvironment reports whether the model's turn is over and the spec
// needs an environment step (an observation) before the run can go on or end.
func (s *Session) AwaitingEnvironment() bool {
	return s.Done() && !s.Complete()
}
