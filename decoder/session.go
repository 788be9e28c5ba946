package decoder

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

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
	CodeContext                         // the run does not fit the backend's context (a *ContextError says what)
	CodeSampler                         // SamplerOptions out of range (NaN, ±Inf, negative)
)

var codeNames = map[ErrorCode]string{CodeBudget: "budget", CodeVocab: "vocabulary", CodeSchema: "schema",
	CodeFormat: "format", CodeLimit: "limit", CodeNotAllowed: "not allowed", CodeOrder: "call order",
	CodeParse: "parse", CodeUnsat: "unsatisfiable", CodeInternal: "internal",
	CodeContext: "context", CodeSampler: "sampler"}

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
	// Cause is the error behind it, when another package found it (a
	// *schema.Error for a schema the generation form refuses).
	Cause error
}

func (e *ConstraintError) Error() string { return "decoder: " + e.Code.String() + ": " + e.Msg }

// Unwrap returns the cause, so errors.As finds a *schema.Error.
func (e *ConstraintError) Unwrap() error { return e.Cause }

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
	ErrContext    = &ConstraintError{Code: CodeContext}
	ErrSampler    = &ConstraintError{Code: CodeSampler}
)

func newErr(c ErrorCode, format string, a ...any) error {
	return &ConstraintError{Code: c, Msg: fmt.Sprintf(format, a...)}
}

func limitErr(format string, a ...any) error { return newErr(CodeLimit, format, a...) }

// atLine puts a line number in front of a parse error, keeping the inner
// error's code and message without its "decoder: parse:" prefix, so that a
// message says it once.
func atLine(line int, err error) error {
	if ce, ok := err.(*ConstraintError); ok {
		return &ConstraintError{Code: ce.Code, Msg: fmt.Sprintf("line %d: %s", line, ce.Msg)}
	}
	return newErr(CodeParse, "line %d: %v", line, err)
}

// DefaultEnvSteps are the step kinds the environment writes, not the model.
var DefaultEnvSteps = []string{"observation"}

// DefaultMaskCacheBytes is the mask cache cap when none is given (64 MiB:
// about 4000 masks at a 128K vocabulary).
const DefaultMaskCacheBytes = 64 << 20

// IndexOptions configure an Index: what all its sessions share.
type IndexOptions struct {
	Format Format
	// Tools maps a tool name to the JSON schema of its parameters (the
	// `parameters` of an OpenAI tool). A tool without an entry takes an
	// object of any keys with free values.
	Tools map[string]json.RawMessage
	// EnvSteps are the step kinds the environment writes (nil: DefaultEnvSteps).
	EnvSteps []string
	// MaskCacheBytes caps the mask cache (0: DefaultMaskCacheBytes).
	MaskCacheBytes int
	// Markers maps special markers of the format (FormatSpec.Special) to
	// the vocabulary's special token for each (see MarkerTokens). A marker
	// in the map is written only as that token; one not in it is written
	// as text.
	Markers map[string]int
	// MaxStates caps the byte states the Index keeps (0: DefaultMaxStates).
	// Every distinct prefix of a number or string written adds a state, so
	// a long-lived Index would otherwise grow without bound; at the cap the
	// byte automaton starts a new generation (see Index).
	MaxStates int
	// TrustBindings: count calls whose arguments compare with captured
	// values (bound calls) as writable in the analysis, assuming the
	// environment answers values that make them so; Observe and Perform
	// then refuse a result that leaves a bound call unwritable (see
	// trust.go). Without it such calls never count as a way to finish.
	TrustBindings bool
}

// SessionOptions configure one Session of an Index.
type SessionOptions struct {
	// MaxTokens, if positive, is the session's token budget: starting the
	// session fails with ErrBudget when no valid output fits in it.
	MaxTokens int
	// ToolChoice restricts the calls of every model turn (the zero value:
	// "auto", any tool the spec allows); see ToolChoice and SetToolChoice.
	ToolChoice ToolChoice
}

// DefaultMaxStates is the byte-state cap when none is given (a few hundred
// MB at most with fully built transition tables).
const DefaultMaxStates = 1 << 18

// Index is the compiled, shared part of a constraint: the event automaton's
// analysis, one NFA per symbol, the lazily built byte automaton and the mask
// cache. Many Sessions may use one Index from different goroutines: the byte
// automaton is guarded by one mutex (held for a whole mask computation, so
// the trie walk runs without per-edge locking) and the mask cache by its own
// mutex, so cached lookups never wait for a computation in progress on a
// state that is already cached.
//
// The byte automaton is a cache too: when it holds MaxStates states, its
// state table, the leaves' memos and the mask cache are dropped and a new
// generation starts. A state keeps its content (event state and threads),
// so a session re-interns its current state by content on its next call
// and continues unchanged; only the ids change. The cap can be passed only
// by a single mask computation that alone needs more states than the cap.
type Index struct {
	mu         sync.Mutex
	ea         EventAutomaton
	format     Format
	syms       []automata.Symbol
	env        []bool
	progs      []*prog         // by prog id: symbol i's first way of being written is prog i
	pinfo      []progInfo      // by prog id
	edges      []progEdge      // by prog id, for the analyses of tool choices
	choices    []*choiceInfo   // analyses of SessionOptions.ToolChoice values; guarded by mu
	pweight    []int           // by prog id: fewest bytes of its text (-1: cannot be written)
	nmodes     int             // message modes of the format
	info       map[int]*evInfo // by infoKey(event state, mode)
	markerText []string        // special markers written as tokens, by reserved byte - markerBase
	markerTok  []int
	vocab      *Vocab
	trie       *Trie
	states     []*bstate
	ids        map[string]uint32
	cache      *maskCache
	isEOG      []bool // per token id

	maxStates   int
	gen         atomic.Uint64 // generation of states/ids; written with mu held
	generations int           // generations started after the first (guarded by mu)

	byteComplete bool
	missingByte  int
	initial      uint32

	computations atomic.Int64

	// Results and bindings (bind.go). alpha is the spec's alphabet (nil
	// when the event automaton does not give it); results is ea when it
	// splits calls into the model's and the environment's part.
	alpha    *automata.Alphabet
	results  *resultAutomaton
	schemas  map[string]*schema
	refSyms  []int              // model symbols whose literals compare with captured values
	trust    bool               // IndexOptions.TrustBindings (trust.go)
	binds    []*binding         // by binding id; 0 is the empty binding; guarded by mu
	bindIDs  map[string]uint32  // binding content -> id; guarded by mu
	symProgs map[string][]int32 // (symbol, bound literals) -> its progs; guarded by mu
}

// Stats are counters of an Index, for tests and benchmarks.
type Stats struct {
	States           int   // byte-level states in the current generation
	Generations      int   // times the byte automaton hit MaxStates and restarted
	MaskComputations int64 // trie walks done
	CacheHits        int64
	CacheMisses      int64
	CacheEvictions   int64
	CacheBytes       int
	// StateBytes estimates the memory of the byte states (the struct, its
	// threads and, once built, its transition tables); with CacheBytes it
	// is the Index's memory beyond the compiled symbols.
	StateBytes int
}

// Stats reports the Index's counters.
func (ix *Index) Stats() Stats {
	ix.mu.Lock()
	n, g, sb := len(ix.states), ix.generations, ix.stateBytes()
	ix.mu.Unlock()
	ix.cache.mu.Lock()
	defer ix.cache.mu.Unlock()
	return Stats{States: n, Generations: g, MaskComputations: ix.computations.Load(), CacheHits: ix.cache.hits,
		CacheMisses: ix.cache.misses, CacheEvictions: ix.cache.evicted, CacheBytes: ix.cache.used, StateBytes: sb}
}

// stateBytes estimates the memory of the byte states. Called with ix.mu held.
func (ix *Index) stateBytes() int {
	n := 0
	for _, s := range ix.states {
		n += int(unsafe.Sizeof(*s)) + 8
		n += len(s.cfgs) * int(unsafe.Sizeof(config{}))
		for _, c := range s.cfgs {
			n += len(c.ls)
		}
		n += (len(s.trans) + len(s.completes)) * 4
	}
	// The intern map holds one key per state (about as long as its threads).
	n += len(ix.ids) * 48
	return n
}

// Vocab is the vocabulary the Index was compiled for.
func (ix *Index) Vocab() *Vocab { return ix.vocab }

// EnvSteps are the step kinds the environment writes (IndexOptions.EnvSteps
// or DefaultEnvSteps), in the alphabet's order.
func (ix *Index) EnvSteps() []string {
	var out []string
	for i, sym := range ix.syms {
		if ix.env[i] && sym.Tool == "" { // (a call's result part is the environment's too, not a step)
			out = append(out, sym.Step)
		}
	}
	return out
}

// NewIndex compiles the constraint for ea under opts. It fails when a name
// cannot be written in the format, a schema is invalid or too deep, no
// output satisfies the spec, or the vocabulary cannot spell a required
// literal.
func NewIndex(ea EventAutomaton, vocab *Vocab, trie *Trie, opts IndexOptions) (*Index, error) {
	if !opts.Format.Valid() {
		return nil, newErr(CodeFormat, "no call format given (IndexOptions.Format)")
	}
	env := opts.EnvSteps
	if env == nil {
		env = DefaultEnvSteps
	}
	cacheB := opts.MaskCacheBytes
	if cacheB <= 0 {
		cacheB = DefaultMaskCacheBytes
	}
	maxStates := opts.MaxStates
	if maxStates <= 0 {
		maxStates = DefaultMaxStates
	}
	ea, alpha, err := newResultAutomaton(ea)
	if err != nil {
		return nil, err
	}
	if ra, ok := ea.(*resultAutomaton); ok {
		ra.trust = opts.TrustBindings
	}
	if trie.VocabSize() != vocab.Size() {
		return nil, newErr(CodeVocab, "the trie was built for %d tokens but the vocabulary has %d", trie.VocabSize(), vocab.Size())
	}
	ix := &Index{ea: ea, format: opts.Format, syms: ea.Symbols(), vocab: vocab, trie: trie,
		ids: map[string]uint32{}, cache: newMaskCache(cacheB), missingByte: -1, maxStates: maxStates,
		isEOG: make([]bool, vocab.Size()), nmodes: opts.Format.modes()}
	for _, e := range vocab.EOG {
		if e >= 0 && e < len(ix.isEOG) {
			ix.isEOG[e] = true
		}
	}
	ix.env = envSet(ix.syms, env)
	ix.alpha = alpha
	if ra, ok := ea.(*resultAutomaton); ok {
		ix.results = ra
		for i, r := range ra.result {
			ix.env[i] = ix.env[i] || r
		}
	}
	ix.binds = []*binding{{}}
	ix.bindIDs = map[string]uint32{}
	ix.symProgs = map[string][]int32{}
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
	if err := ix.setMarkers(opts.Markers); err != nil {
		return nil, err
	}
	ix.schemas = schemas
	ix.trust = opts.TrustBindings
	if err := ix.compileProgs(schemas); err != nil {
		return nil, err
	}
	edges := make([]progEdge, len(ix.progs))
	for pid, pi := range ix.pinfo {
		edges[pid] = progEdge{sym: pi.sym, call: pi.kind == evCall, in: pi.in, out: pi.out, weight: ix.pweight[pid]}
		edges[pid].explore = pi.sym >= 0 && slices.Contains(ix.refSyms, int(pi.sym))
		edges[pid].trusted = ix.trustedWeight(pid, edges[pid].explore, opts.TrustBindings)
		if ix.progs[pid] == nil {
			edges[pid].weight = -1
		}
	}
	ix.edges = edges
	info, err := analyze(ea, ix.env, edges, ix.nmodes, ix.format.canEnd, restriction{})
	if err != nil {
		return nil, err
	}
	ix.info = info
	if in := ix.infoAt(ea.Initial(), mBegin, 0); in == nil || in.cost < 0 {
		return nil, newErr(CodeUnsat, "no output satisfies the spec in the %s format with these tool schemas", ix.format)
	}
	if err := ix.checkVocab(); err != nil {
		return nil, err
	}
	ix.initial = ix.boundary(int32(ea.Initial()), mBegin, 0, 0)
	return ix, nil
}

func wrapTool(tool string, err error) error {
	if ce, ok := err.(*ConstraintError); ok {
		return &ConstraintError{Code: ce.Code, Msg: "tool " + tool + ": " + ce.Msg}
	}
	return newErr(CodeSchema, "tool %s: %v", tool, err)
}

// infoAt is the analysis of event state q in message mode m under turn
// restriction tk (0: none; see turnKey) (nil: not reachable).
func (ix *Index) infoAt(q int, m msgMode, tk turnKey) *evInfo {
	if q < 0 {
		return nil
	}
	k := q*ix.nmodes + int(m)
	if tk == 0 {
		return ix.info[k]
	}
	c := ix.choices[tk.choice()-1]
	if c.required {
		k = 2*k + int(tk&1)
	}
	return c.info[k]
}

// checkVocab records whether every byte that valid UTF-8 text can contain is
// a token of its own (then byte counts bound token counts, which the budget
// relies on), and otherwise checks that each required literal (a label or
// call prefix, the call frame's suffix, the newline that ends every event)
// can be spelled by the vocabulary's tokens.
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
	for pid, p := range ix.progs {
		if p == nil {
			continue
		}
		for _, lit := range ix.fixedTexts(pid) {
			if !spellableBy(ix.vocab, lit) {
				name := "the close of the call list"
				if s := ix.pinfo[pid].sym; s >= 0 {
					name = ix.syms[s].Name
				}
				return newErr(CodeVocab, "the vocabulary cannot spell %q (needed by %s)", lit, name)
			}
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
	key := stateKey(st.q, st.kind, st.bound, st.bind, st.cfgs)
	if id, ok := ix.ids[key]; ok {
		return id
	}
	id := uint32(len(ix.states))
	ix.states = append(ix.states, st)
	ix.ids[key] = id
	return id
}

// boundary is the state at the start of an event in event state q and
// message mode m (kept in the state's kind).
func (ix *Index) boundary(q int32, m msgMode, tk turnKey, bind uint32) uint32 {
	in := ix.infoAt(int(q), m, tk)
	var start []config
	for _, s := range in.model {
		p := ix.progs[s]
		start = append(start, enter(p, s, p.start))
	}
	st := &bstate{q: q, kind: uint8(m) | uint8(tk)<<3, bound: true, bind: bind, cost: in.cost, eog: in.eog, eogCost: in.eogCost, done: in.done}
	if bind != 0 {
		const inf = 1 << 30
		if st.cost < 0 {
			st.cost = inf // no way to finish but, perhaps, a bound call
		}
		start = ix.boundStarts(st, start)
		if st.cost >= inf {
			st.cost = -1
		}
	}
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
	tk := turnKey(st.kind >> 3)
	if acc >= 0 {
		q, m := ix.after(int(st.q), acc)
		tk2 := ix.afterTurn(tk, acc)
		if in := ix.infoAt(q, m, tk2); in == nil || in.cost < 0 {
			return -1, -1
		}
		return int32(ix.boundary(int32(q), m, tk2, st.bind)), acc
	}
	if len(cfgs) == 0 {
		return -1, -1
	}
	best := int32(-1)
	for _, c := range cfgs {
		r := c.remaining(ix.progs[c.sym])
		q, m := ix.after(int(st.q), c.sym)
		in := ix.infoAt(q, m, ix.afterTurn(tk, c.sym))
		if r < 0 || in == nil || in.cost < 0 {
			continue
		}
		if v := int32(r) + in.cost; best < 0 || v < best {
			best = v
		}
	}
	if best < 0 {
		return -1, -1
	}
	return int32(ix.intern(&bstate{q: st.q, kind: uint8(tk) << 3, bind: st.bind, cfgs: cfgs, cost: best})), -1
}

// after is the event state and message mode once prog pid's text is
// written in event state q (q is -1 when the spec forbids its event).
func (ix *Index) after(q int, pid int32) (int, msgMode) {
	pi := ix.pinfo[pid]
	if pi.sym >= 0 {
		q = ix.ea.Step(q, int(pi.sym))
	}
	return q, pi.out
}

const noBudget = 0xFFFFFFFF

// room starts a new generation of the byte automaton when adding n states
// would pass MaxStates. Called with ix.mu held.
func (ix *Index) room(n int) {
	if len(ix.states) > 1 && len(ix.states)+n > ix.maxStates {
		ix.newGeneration()
	}
}

// memoLeaf is a leaf that memoizes per leaf state (a number's prefixes):
// its memo is dropped with the byte automaton's generation.
type memoLeaf interface{ resetMemo() }

// newGeneration drops the byte automaton (states, ids, leaf memos, masks)
// and starts afresh from the initial state. Sessions re-intern their state
// by content (reintern). Called with ix.mu held.
func (ix *Index) newGeneration() {
	ix.states = nil
	ix.ids = map[string]uint32{}
	ix.generations++
	g := ix.gen.Add(1)
	for _, p := range ix.progs {
		if p == nil {
			continue
		}
		for i := range p.nodes {
			if l, ok := p.nodes[i].leaf.(memoLeaf); ok {
				l.resetMemo()
			}
		}
	}
	ix.cache.clear(g)
	ix.initial = ix.boundary(int32(ix.ea.Initial()), mBegin, 0, 0)
}

// reintern returns the id in the current generation of a state with st's
// content (st may come from a dropped generation: its transition table,
// whose ids are stale, is not copied). Called with ix.mu held.
func (ix *Index) reintern(st *bstate) uint32 {
	ix.room(1)
	c := *st
	c.trans, c.completes = nil, nil
	return ix.intern(&c)
}

// mask returns the mask of state id of the current generation under
// budget (-1: none), from the cache or computed.
func (ix *Index) mask(id uint32, budget int) *Mask {
	ix.mu.Lock()
	g, st := ix.gen.Load(), ix.states[id]
	ix.mu.Unlock()
	return ix.maskAt(g, id, st, budget)
}

// maskAt returns the mask of state st (id in generation gen) under budget.
func (ix *Index) maskAt(gen uint64, id uint32, st *bstate, budget int) *Mask {
	key := cacheKey{gen: gen, id: id, budget: noBudget}
	m := ix.cache.get(key)
	if m == nil {
		m, gen, id = ix.computeMask(gen, id, st, -1)
		m = ix.cache.put(cacheKey{gen: gen, id: id, budget: noBudget}, m)
	}
	if budget < 0 || int32(min(budget, 1<<30)) >= m.maxCost {
		return m
	}
	key = cacheKey{gen: gen, id: id, budget: uint32(budget)}
	if bm := ix.cache.get(key); bm != nil {
		return bm
	}
	bm, gen, id := ix.computeMask(gen, id, st, budget)
	return ix.cache.put(cacheKey{gen: gen, id: id, budget: uint32(budget)}, bm)
}

// computeMask computes the mask of state st (id in generation gen) and
// returns it with the generation and id it was computed in: when the walk
// would pass MaxStates, a new generation starts and the walk is redone in it
// (then without a cap, so that it always ends).
func (ix *Index) computeMask(gen uint64, id uint32, st *bstate, budget int) (*Mask, uint64, uint32) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.computations.Add(1)
	if ix.gen.Load() != gen {
		id = ix.reintern(st)
	}
	m, overflow := ix.walkMask(id, budget, true)
	if overflow {
		ix.newGeneration()
		id = ix.reintern(st)
		m, _ = ix.walkMask(id, budget, false)
	}
	return m, ix.gen.Load(), id
}

// walkMask walks the trie from state id: a token is allowed when every
// byte of it is allowed and, under a budget, the budget still covers the
// token plus the shortest completion after it. With capped set it stops,
// reporting overflow, before it would pass MaxStates. Called with ix.mu held.
func (ix *Index) walkMask(id uint32, budget int, capped bool) (m *Mask, overflow bool) {
	m = newMask(ix.vocab.Size())
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
		return m, false
	}
	markers := len(ix.markerTok) > 0
	Walk(ix.trie, id, func(s uint32, b byte) (uint32, bool) {
		// A marker's byte is written only by its special token (below).
		if markers && b >= markerBase {
			return 0, false
		}
		// Fast path: a cached transition, without the call.
		if tr := ix.states[s].trans; tr != nil {
			if t := tr[b]; t > 0 {
				return uint32(t - 1), true
			} else if t < 0 {
				return 0, false
			}
		}
		if overflow || capped && len(ix.states) >= ix.maxStates {
			overflow = true
			return 0, false
		}
		t := ix.next(s, b)
		return uint32(t), t >= 0
	}, func(tok int, end uint32) {
		// An EOG token is allowed only by the EOG rule above, at an event
		// boundary, even when its piece has text ("</s>" added but not
		// special): as text it would end the session mid-event.
		if ix.isEOG[tok] {
			return
		}
		c := 1 + ix.states[end].cost
		if budget >= 0 && int(c) > budget {
			return
		}
		m.set(tok)
		m.maxCost = max(m.maxCost, c)
	})
	for k, tok := range ix.markerTok {
		if overflow {
			break
		}
		t := ix.next(id, byte(markerBase+k))
		if t < 0 {
			continue
		}
		if c := 1 + ix.states[t].cost; budget < 0 || int(c) <= budget {
			m.set(tok)
			m.maxCost = max(m.maxCost, c)
		}
	}
	return m, overflow
}

// NewSession compiles a fresh Index and starts a session on it. Use
// NewIndex and Index.Start (or Index.NewSession) to share the compiled part.
func NewSession(ea EventAutomaton, vocab *Vocab, trie *Trie, iopts IndexOptions, opts SessionOptions) (*Session, error) {
	ix, err := NewIndex(ea, vocab, trie, iopts)
	if err != nil {
		return nil, err
	}
	return ix.Start(opts)
}

// Start begins a session under opts: with MaxTokens it fails with
// ErrBudget when no valid output fits in the budget, and otherwise starts
// with that budget set.
func (ix *Index) Start(opts SessionOptions) (*Session, error) {
	s := ix.NewSession()
	if err := s.SetToolChoice(opts.ToolChoice); err != nil {
		return nil, err
	}
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
	ids     []string // per event: the id the model wrote for its call ("" if none)
	midTurn bool     // a token of the current model turn was accepted
	budget  int
	mask    *Mask
	gen     uint64       // the byte automaton's generation that cur belongs to
	caps    ltl.Captures // values captured by the events so far (their outcomes given)
}

// NewSession starts a session at the event automaton's initial state,
// without a budget (Start with SessionOptions{}).
func (ix *Index) NewSession() *Session {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return &Session{ix: ix, cur: ix.initial, curSt: ix.states[ix.initial], budget: -1, gen: ix.gen.Load()}
}

// sync re-interns the current state when the Index started a new
// generation of its byte automaton since the session last used it.
func (s *Session) sync() {
	ix := s.ix
	if s.gen == ix.gen.Load() {
		return
	}
	ix.mu.Lock()
	s.cur = ix.reintern(s.curSt)
	s.gen = ix.gen.Load()
	ix.mu.Unlock()
}

func (s *Session) st() *bstate { return s.curSt }

// Mask is the set of tokens allowed now (under the budget, if one is set).
// After Done it is empty.
func (s *Session) Mask() *Mask {
	if s.mask == nil {
		if s.ended {
			s.mask = newMask(s.ix.vocab.Size())
		} else {
			s.sync()
			s.mask = s.ix.maskAt(s.gen, s.cur, s.curSt, s.budget)
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
// every byte as a token) that finish the whole run acceptably from here:
// this turn and, where the environment must move, every later turn of the
// model, with the environment's choices taken as the worst (each EOG that
// ends a turn or the run counts as a token).
func (s *Session) MinTokens() int {
	if s.ended {
		return 0
	}
	return int(s.st().cost)
}

// MinTokensAfter is MinTokens as it would be after accepting tok, without
// accepting it: 0 for an EOG token, -1 for a token the mask does not allow
// (budget aside). A sampler or a search can use it to prefer tokens that
// leave the least to write.
func (s *Session) MinTokensAfter(tok int) int {
	if s.Done() || tok < 0 || tok >= s.ix.vocab.Size() {
		return -1
	}
	if s.ix.vocab.IsEOG(tok) {
		if s.st().eog {
			return 0
		}
		return -1
	}
	s.sync()
	ix := s.ix
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.room(len(ix.vocab.Pieces[tok]) + 1)
	if s.gen != ix.gen.Load() {
		s.cur = ix.reintern(s.curSt)
		s.gen = ix.gen.Load()
		s.mask = nil
	}
	piece := ix.tokenBytes(tok)
	if len(piece) == 0 {
		return -1
	}
	cur := s.cur
	for _, b := range piece {
		t := ix.next(cur, b)
		if t < 0 {
			return -1
		}
		cur = uint32(t)
	}
	return int(ix.states[cur].cost)
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
	s.midTurn = true
	if s.budget > 0 {
		s.budget--
	}
	if s.ix.vocab.IsEOG(tok) {
		s.ended = true
		return nil
	}
	ix := s.ix
	ix.mu.Lock()
	ix.room(len(ix.vocab.Pieces[tok]) + 1)
	if s.gen != ix.gen.Load() {
		s.cur = ix.reintern(s.curSt)
		s.gen = ix.gen.Load()
	}
	type done struct {
		end int
		pi  progInfo // read under the lock: bindings append progs
	}
	var completed []done
	cur := s.cur
	for _, b := range ix.tokenBytes(tok) {
		t := ix.next(cur, b)
		if t < 0 {
			ix.mu.Unlock()
			return newErr(CodeInternal, "token %d allowed by the mask but byte %q is not", tok, b)
		}
		s.text = append(s.text, ix.byteText(b)...)
		if pid := ix.states[cur].completes[b]; pid >= 0 {
			completed = append(completed, done{end: len(s.text), pi: ix.pinfo[pid]})
		}
		cur = uint32(t)
	}
	s.cur, s.curSt = cur, ix.states[cur]
	ix.mu.Unlock()
	for _, d := range completed {
		pi := d.pi
		calls, _, err := ix.format.parseEvent(s.text[s.evStart:d.end], pi.in)
		want := 1
		if pi.sym < 0 {
			want = 0 // the close of a call list is no event
		}
		if err != nil || len(calls) != want {
			return newErr(CodeInternal, "event text %q does not parse back: %v", s.text[s.evStart:d.end], err)
		}
		for _, c := range calls {
			s.events = append(s.events, c.Event)
			s.ids = append(s.ids, c.ID)
		}
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

// Observe records what the environment wrote and moves the event
// automaton past it, so that generation can resume. It accepts exactly,
// while the session AwaitingEnvironment (the model's turn is over: Done,
// and the run is not Complete):
//   - an environment step (IndexOptions.EnvSteps; never a tool call or a
//     step the model writes, which must go through the mask so that the
//     schema and the budget hold) that leaves the spec satisfiable;
//   - where the last call's outcome matters to the spec (PendingCall), its
//     outcome: an environment step carrying Outcome, Result and Error (the
//     trace form: an observation after the call carries the call's
//     outcome), or, for a spec without such a step, ResultEvent(tool, …).
//     The outcome goes onto the call; the call's symbol is then the one
//     ltl.Eval reads (ClassifyAt with the values captured before it), and
//     the values the spec captures change for the next turn (bindings).
//     A result the spec's type rule rejects (a result path a predicate
//     reads missing or of another type) is CodeNotAllowed: no run with it
//     is accepted.
//
// Otherwise it fails, changing nothing: CodeNotAllowed for an event that
// is not an environment step or that leaves the spec unsatisfiable,
// CodeOrder when the model's turn is not over, the run is already
// complete, or an outcome is missing or has no call to answer.
func (s *Session) Observe(ev ltl.Event) error {
	st := s.st()
	ix := s.ix
	if ev.Outcome == ltl.Pending {
		// The checks of the event itself come first, so that a model
		// event is refused as such whenever it is given.
		sym := symbolOf(ix.syms, ev)
		if sym < 0 {
			return newErr(CodeNotAllowed, "event %q is not in the alphabet", ev.Name())
		}
		if !ix.env[sym] || ev.Tool != "" {
			return newErr(CodeNotAllowed, "event %s is not an environment step (IndexOptions.EnvSteps): the model writes it", ix.syms[sym].Name)
		}
		if q := ix.ea.Step(int(st.q), sym); q < 0 && !s.pending() {
			return newErr(CodeNotAllowed, "event %s here leaves the spec unsatisfiable", ix.syms[sym].Name)
		}
	}
	if !st.bound {
		return newErr(CodeOrder, "Observe inside an event (after %q)", s.text[s.evStart:])
	}
	if !s.Done() {
		return newErr(CodeOrder, "Observe before the model's turn is over (no EOG accepted, and the model may still write)")
	}
	if ix.ea.Accepting(int(st.q)) {
		return newErr(CodeOrder, "Observe after the run is complete (the spec accepts here; the budget covered no more)")
	}
	q := int(st.q)
	caps := s.caps
	pendingCall := s.pending()
	if pendingCall && ev.Outcome == ltl.Pending {
		return newErr(CodeOrder, "the call of %s awaits its outcome: give it on the event (Outcome, Result, Error) or as ResultEvent", s.events[len(s.events)-1].Tool)
	}
	events, err := attachOutcome(s.events, ev)
	if err != nil {
		return err
	}
	if pendingCall {
		call := events[len(s.events)-1]
		r, err := ix.alpha.ClassifyAt(call, caps)
		if err != nil {
			return newErr(CodeNotAllowed, "the outcome of %s is rejected by the spec: %v", call.Tool, err)
		}
		if q = ix.ea.Step(q, r); q < 0 {
			if ix.trust {
				return newErr(CodeNotAllowed, "the outcome %s of %s leaves the spec no way to acceptance; IndexOptions.TrustBindings refuses such a result", ix.syms[r].Name, call.Tool)
			}
			return newErr(CodeInternal, "the outcome %s of a call the analysis allowed leaves no way to acceptance", ix.syms[r].Name)
		}
		caps = caps.After(ix.alpha.Lets, call)
	}
	if ev.Tool == "" {
		step := ev
		step.Outcome, step.Result, step.Error = ltl.Pending, nil, ""
		sym := symbolOf(ix.syms, step)
		if sym < 0 {
			return newErr(CodeNotAllowed, "event %q is not in the alphabet", ev.Name())
		}
		if !ix.env[sym] {
			return newErr(CodeNotAllowed, "event %s is not an environment step (IndexOptions.EnvSteps): the model writes it", ix.syms[sym].Name)
		}
		if q = ix.ea.Step(q, sym); q < 0 {
			return newErr(CodeNotAllowed, "event %s here leaves the spec unsatisfiable", ix.syms[sym].Name)
		}
	}
	if err := s.nextTurn(q, caps, "event "+ev.Name()); err != nil {
		return err
	}
	if ev.Tool == "" {
		s.ids = append(s.ids, "")
	}
	s.events = events
	return nil
}

// nextTurn moves the session to event state q with captures caps at the
// start of a new model turn (nothing called in it yet), as Observe and
// Perform do after the environment's or the runtime's move; what names
// that move in the error when the model would have no way to acceptance.
// It changes nothing when it fails.
func (s *Session) nextTurn(q int, caps ltl.Captures, what string) error {
	ix := s.ix
	st := s.st()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	tk := turnKey(st.kind>>3) &^ 1 // a new turn: nothing called in it yet
	in := ix.infoAt(q, mBegin, tk)
	if in == nil || in.cost < 0 {
		return newErr(CodeNotAllowed, "%s here leaves the spec unsatisfiable", what)
	}
	bind, err := ix.bindingFor(caps)
	if err != nil {
		return err
	}
	if err := ix.checkTrusted(caps); err != nil {
		return err
	}
	ix.room(1)
	s.cur = ix.boundary(int32(q), mBegin, tk, bind)
	s.curSt = ix.states[s.cur]
	s.gen = ix.gen.Load()
	s.caps = caps
	s.midTurn = false
	s.evStart = len(s.text)
	s.ended = false
	s.mask = nil
	return nil
}

func (s *Session) pending() bool {
	if s.ix.results == nil {
		return false
	}
	_, _, ok := s.ix.results.pendingOf(int(s.st().q))
	return ok
}

// PendingCall is the call whose outcome the session waits for (the spec
// reads it, or captures its result): Observe must give it next. False
// when no call waits.
func (s *Session) PendingCall() (ltl.Event, bool) {
	if s.ix.results == nil || len(s.events) == 0 {
		return ltl.Event{}, false
	}
	if _, _, ok := s.ix.results.pendingOf(int(s.st().q)); !ok {
		return ltl.Event{}, false
	}
	return s.events[len(s.events)-1], true
}

// Captures are the values captured so far (`let` declarations): what the
// current turn's bound constraints compare with.
func (s *Session) Captures() ltl.Captures { return s.caps }

// Events are the events completed so far: parsed from the accepted text
// (by Format.Parse) and those given to Observe, in order.
func (s *Session) Events() []ltl.Event { return slices.Clone(s.events) }

// Calls are Events with the id the model wrote for each call (formats
// whose IDRule has a Key; "" otherwise and for every other event).
func (s *Session) Calls() []Call {
	out := make([]Call, len(s.events))
	for i, e := range s.events {
		out[i] = Call{Event: e, ID: s.ids[i]}
	}
	return out
}

// Text is the text accepted so far.
func (s *Session) Text() []byte { return slices.Clone(s.text) }

// State is the current event-automaton state.
func (s *Session) State() int { return int(s.st().q) }

// Index is the compiled part this session runs on.
func (s *Session) Index() *Index { return s.ix }

// Complete reports whether the events so far form a complete run the spec
// accepts: the session is at an event boundary in an accepting event state.
// The empty run counts when the event automaton accepts it.
func (s *Session) Complete() bool {
	st := s.st()
	return st.bound && s.ix.ea.Accepting(int(st.q))
}

// AwaitingEnvironment reports whether the model's turn is over and the spec
// needs an environment step (an observation) before the run can go on or end.
func (s *Session) AwaitingEnvironment() bool {
	return s.Done() && !s.Complete()
}
