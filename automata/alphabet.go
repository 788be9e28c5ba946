package automata

import (
	"sort"

	"github.com/specplan/specplan/ltl"
)

// Symbol is one letter of the event alphabet: a non-call step kind, or a call
// of one tool together with the truth value of every argument predicate the
// specs use on that tool (a minterm). Events are exclusive, so the alphabet is
// (step kinds) + (tools × satisfiable minterms), never 2^atoms.
//
// A call symbol has two parts. The CALL part is what the model writes: the
// tool and the minterm of its argument predicates (Lits; predicates that
// compare with a captured value included). The RESULT part is what the
// environment answers, for a tool whose outcome the formulas read
// (`returns`, `fails`): Outcome Failed, or Returned with the minterm of the
// result predicates (Result). Symbols with equal Tool and Call differ only
// in their result part (Alphabet.Results lists them): the model chooses
// the call part, the environment the result part.
type Symbol struct {
	Step string // non-call step kind; empty for a call
	Tool string // tool name; empty for a step
	Lits []Lit  // for a call: one literal per argument predicate on Tool, in Alphabet order
	// Outcome is Returned or Failed for a tool in Alphabet.Observed;
	// Returned or Pending ("without result": failed or no answer) for a
	// tool a capture takes the result of; ltl.Pending (the symbol says
	// nothing of the outcome) otherwise.
	Outcome ltl.Outcome
	Result  []Lit  // for Outcome Returned: one literal per result predicate on Tool, in ResultPreds order
	Call    int    // index of the symbol's call part in Alphabet.Calls; -1 for a step
	Name    string // printable and unique within its alphabet, e.g. `refund(amount <= 100 & !(currency == "EUR"))`, `check_permission returns (allowed == true)`
}

// CallPart is one call minterm: a tool and the truth of its argument
// predicates, with the symbols (one per result minterm) that share it.
type CallPart struct {
	Tool    string
	Lits    []Lit
	Symbols []int
}

// Lit is a predicate with the truth value a symbol gives it. A call whose
// predicated argument is missing or ill-typed is in no symbol (Classify
// rejects it, ltl.CheckArgs), so Holds == false means a well-typed value
// that fails the comparison.
type Lit struct {
	Pred  ltl.Pred
	Holds bool
}

// DefaultMaxSymbols is the symbol limit NewAlphabet applies.
const DefaultMaxSymbols = 4096

// MaxLiteralsPerSymbol bounds the alphabet's size in predicate literals:
// all symbols together carry at most MaxSymbols × MaxLiteralsPerSymbol
// (each symbol of a tool has one literal per predicate on that tool), so
// raising MaxSymbols raises it too.
const MaxLiteralsPerSymbol = 256

// Alphabet is the finite event alphabet shared by the automata of one or
// several specs. Symbols are ordered: step kinds (in Steps order), then for
// each tool (in Tools order) its satisfiable minterms. Symbol indices are
// stable for a given (steps, tools, predicates) input, so two specs compiled
// over one Alphabet can be compared letter by letter.
type Alphabet struct {
	Symbols []Symbol
	Steps   []string
	Tools   []string
	// Preds lists, per tool, the distinct predicates the formulas use on it,
	// sorted by Pred.String(); Symbol.Lits follow this order.
	Preds map[string][]ltl.Pred
	// ResultPreds lists, per tool, the distinct predicates of `returns`
	// clauses, sorted by String; Symbol.Result follows this order.
	ResultPreds map[string][]ltl.Pred
	// Observed are the tools whose outcome some `returns` or `fails` atom
	// reads: their symbols carry a result part.
	Observed map[string]bool
	// Lets are the captures the formulas' references use.
	Lets []ltl.Let
	// Calls are the call parts, in symbol order.
	Calls []CallPart

	byName   map[string]int
	stepSym  map[string]int
	toolSym  map[string]map[string]int // tool -> minterm key -> symbol
	predIdx  map[string]map[string]int // tool -> Pred.String() -> index in Preds[tool]
	resIdx   map[string]map[string]int // tool -> Pred.String() -> index in ResultPreds[tool]
	symArgs  []map[string]any          // per symbol: arguments that realise its minterm
	symReal  []symRealisation          // per symbol: result and references to realise
	needs    ltl.Needs
	callKey  map[string]map[string]int // tool -> call minterm key -> index in Calls
	captured map[string]bool           // tools some capture takes the result of
	hasRefs  map[string]bool           // tools with an argument predicate on a captured value
	domains  map[string]map[string]ArgDomain
	isTool   map[string]bool
	isStepNm map[string]bool
}

// NewAlphabet builds the alphabet for the given step kinds and tools, with
// the argument predicates used by formulas (a merged alphabet for several
// specs: pass the union of their steps, tools and formulas). Only minterms
// that some concrete arguments realise become symbols. The number of
// symbols is limited to DefaultMaxSymbols (ErrSymbolLimit).
func NewAlphabet(steps, tools []string, formulas ...ltl.Formula) (*Alphabet, error) {
	return NewAlphabetLimit(steps, tools, DefaultMaxSymbols, formulas...)
}

// NewAlphabetLimit is NewAlphabet with an explicit symbol limit (<= 0 means
// DefaultMaxSymbols).
func NewAlphabetLimit(steps, tools []string, maxSymbols int, formulas ...ltl.Formula) (*Alphabet, error) {
	return NewAlphabetWith(steps, tools, AlphabetOptions{MaxSymbols: maxSymbols}, formulas...)
}

// AlphabetOptions tune NewAlphabetWith. The zero value is NewAlphabet's default.
type AlphabetOptions struct {
	// MaxSymbols bounds the number of symbols (<= 0: DefaultMaxSymbols).
	MaxSymbols int
	// Domains says, per tool and argument, which values a call can have
	// (built by the caller from the tool's schema; this package reads no
	// schema). Minterms no value of the domain realises are not symbols.
	Domains map[string]map[string]ArgDomain
}

// NewAlphabetWith is NewAlphabet with options: a symbol limit and the
// argument domains that prune impossible minterms.
func NewAlphabetWith(steps, tools []string, opts AlphabetOptions, formulas ...ltl.Formula) (*Alphabet, error) {
	maxSymbols := opts.MaxSymbols
	if maxSymbols <= 0 {
		maxSymbols = DefaultMaxSymbols
	}
	a := &Alphabet{
		domains:     opts.Domains,
		Steps:       append([]string(nil), steps...),
		Tools:       append([]string(nil), tools...),
		Preds:       map[string][]ltl.Pred{},
		ResultPreds: map[string][]ltl.Pred{},
		Observed:    map[string]bool{},
		resIdx:      map[string]map[string]int{},
		captured:    map[string]bool{},
		callKey:     map[string]map[string]int{},
		hasRefs:     map[string]bool{},
		byName:      map[string]int{},
		stepSym:     map[string]int{},
		toolSym:     map[string]map[string]int{},
		predIdx:     map[string]map[string]int{},
		isTool:      map[string]bool{},
		isStepNm:    map[string]bool{},
	}
	for _, s := range steps {
		if s == "" || a.isStepNm[s] {
			return nil, errorf(ErrUnknownAtom, ltl.Pos{}, "step kind %q is empty or declared twice", s)
		}
		a.isStepNm[s] = true
	}
	for _, t := range tools {
		if t == "" || a.isTool[t] || a.isStepNm[t] {
			return nil, errorf(ErrUnknownAtom, ltl.Pos{}, "tool %q is empty or declared twice", t)
		}
		a.isTool[t] = true
	}
	// Collect predicates per tool, deduplicated by their printed form.
	seen := map[string]map[string]bool{}
	var visit func(f ltl.Formula) error
	visit = func(f ltl.Formula) error {
		switch f := f.(type) {
		case *ltl.Atom:
			if err := a.checkAtom(f); err != nil {
				return err
			}
			if f.Kind == ltl.AtomTool {
				for _, p := range f.Preds {
					if seen[f.Name] == nil {
						seen[f.Name] = map[string]bool{}
					}
					if !seen[f.Name][p.String()] {
						seen[f.Name][p.String()] = true
						a.Preds[f.Name] = append(a.Preds[f.Name], p)
					}
				}
				if f.HasOutcome() {
					a.Observed[f.Name] = true
				}
				for _, p := range f.Result {
					k := "\x00" + p.String()
					if seen[f.Name] == nil {
						seen[f.Name] = map[string]bool{}
					}
					if !seen[f.Name][k] {
						seen[f.Name][k] = true
						a.ResultPreds[f.Name] = append(a.ResultPreds[f.Name], p)
					}
				}
			}
		case *ltl.Unary:
			if f == nil {
				return errorf(ErrBadFormula, ltl.Pos{}, "nil formula node")
			}
			return visit(f.X)
		case *ltl.Binary:
			if f == nil {
				return errorf(ErrBadFormula, ltl.Pos{}, "nil formula node")
			}
			if err := visit(f.L); err != nil {
				return err
			}
			return visit(f.R)
		case *ltl.Const, *ltl.Last:
		default:
			return errorf(ErrBadFormula, ltl.Pos{}, "unknown formula node %T", f)
		}
		return nil
	}
	for _, f := range formulas {
		if err := visit(f); err != nil {
			return nil, err
		}
	}
	letTool := map[string]ltl.Let{}
	for _, l := range ltl.LetsOf(formulas...) {
		if prev, ok := letTool[l.Name]; ok && prev.Tool != l.Tool {
			return nil, errorf(ErrBadFormula, l.Pos, "capture $%s names the result of %s here and of %s at %s: one alphabet needs one meaning per capture name", l.Name, l.Tool, prev.Tool, ltl.FormatPos(prev.Pos))
		}
		if !a.isTool[l.Tool] {
			return nil, errorf(ErrUnknownAtom, l.Pos, "capture $%s takes the result of %q, which is not in the alphabet", l.Name, l.Tool)
		}
		if _, ok := letTool[l.Name]; !ok {
			letTool[l.Name] = l
			a.Lets = append(a.Lets, l)
			a.captured[l.Tool] = true
		}
	}
	for t, ps := range a.Preds {
		for _, p := range ps {
			if p.Ref != nil {
				a.hasRefs[t] = true
			}
		}
	}
	a.needs = ltl.Needs{Args: a.Preds, Result: a.ResultPreds, Observed: a.Observed}
	// Steps first.
	for _, s := range steps {
		a.stepSym[s] = len(a.Symbols)
		a.Symbols = append(a.Symbols, Symbol{Step: s, Name: s, Call: -1})
		a.symArgs = append(a.symArgs, nil)
		a.symReal = append(a.symReal, symRealisation{})
	}
	if len(a.Symbols) > maxSymbols {
		return nil, a.symLimit(maxSymbols)
	}
	litCount := 0 // predicate literals over all symbols so far
	for _, t := range tools {
		preds := a.Preds[t]
		sort.SliceStable(preds, func(i, j int) bool { return preds[i].String() < preds[j].String() })
		a.predIdx[t] = map[string]int{}
		for i, p := range preds {
			a.predIdx[t][p.String()] = i
		}
		rpreds := a.ResultPreds[t]
		sort.SliceStable(rpreds, func(i, j int) bool { return rpreds[i].String() < rpreds[j].String() })
		a.resIdx[t] = map[string]int{}
		for i, p := range rpreds {
			a.resIdx[t][p.String()] = i
		}
		a.toolSym[t] = map[string]int{}
		room := maxSymbols - len(a.Symbols)
		// Each of t's symbols carries a literal (and a piece of its name)
		// per predicate on t: bound that product too, or 4000 thresholds
		// on one argument (4001 symbols) cost 16 million of each. The
		// bound is passed down as room, so it holds while minterms builds.
		litRoom := room
		if len(preds) > 0 {
			litRoom = (maxSymbols*MaxLiteralsPerSymbol - litCount) / len(preds)
		}
		calls, over := minterms(preds, a.domains[t], false, min(room, litRoom))
		if over && litRoom < room {
			return nil, limitError(ErrSymbolLimit, ltl.Pos{}, maxSymbols, "MaxSymbols", "--max-symbols",
				"alphabet exceeds MaxSymbols × MaxLiteralsPerSymbol = %d × %d predicate literals over its symbols: too many predicates on one tool", maxSymbols, MaxLiteralsPerSymbol)
		}
		if over {
			return nil, a.symLimit(maxSymbols)
		}
		litCount += len(calls) * len(preds)
		if calls == nil {
			// Some predicated argument has no possible value (its
			// predicates imply two types, or the domain excludes the
			// type): no call of t is well-typed, t has no symbol.
			continue
		}
		// The result part: one "outcome not read" part, or Failed and the
		// result minterms.
		results := []outcomePart{{outcome: ltl.Pending}}
		if a.captured[t] && !a.Observed[t] {
			// Whether the call returned decides whether its capture holds
			// a value: "no result" (failed or pending) and "returns".
			results = append(results, outcomePart{outcome: ltl.Returned})
		}
		if a.Observed[t] {
			results = []outcomePart{{outcome: ltl.Failed}}
			rms, over := minterms(rpreds, nil, true, room)
			if over {
				return nil, a.symLimit(maxSymbols)
			}
			for _, m := range rms {
				results = append(results, outcomePart{outcome: ltl.Returned, m: m})
			}
		}
		if len(a.Symbols)+len(calls)*len(results) > maxSymbols {
			return nil, a.symLimit(maxSymbols)
		}
		a.callKey[t] = map[string]int{}
		for _, cm := range calls {
			cp := CallPart{Tool: t, Lits: lits(preds, cm.bits)}
			ci := len(a.Calls)
			a.callKey[t][mintermKey(cm.bits)] = ci
			for _, rp := range results {
				name := t
				if len(preds) > 0 {
					name += "(" + litNames(cp.Lits) + ")"
				}
				var rl []Lit
				switch {
				case rp.outcome == ltl.Pending && len(results) > 1:
					name += " without result"
				}
				switch rp.outcome {
				case ltl.Failed:
					name += " fails"
				case ltl.Returned:
					rl = lits(rpreds, rp.m.bits)
					name += " returns"
					if len(rl) > 0 {
						name += " (" + litNames(rl) + ")"
					}
				}
				a.toolSym[t][mintermKey(cm.bits)+outcomeKey(rp)] = len(a.Symbols)
				cp.Symbols = append(cp.Symbols, len(a.Symbols))
				a.Symbols = append(a.Symbols, Symbol{Tool: t, Lits: cp.Lits, Outcome: rp.outcome, Result: rl, Call: ci, Name: name})
				a.symArgs = append(a.symArgs, cm.value)
				a.symReal = append(a.symReal, symRealisation{result: rp.m.value, refs: append(append([]refRel(nil), cm.refs...), rp.m.refs...), unrealised: cm.unrealised || rp.m.unrealised})
			}
			a.Calls = append(a.Calls, cp)
		}
	}
	for i, s := range a.Symbols {
		if _, dup := a.byName[s.Name]; dup {
			return nil, errorf(ErrUnknownAtom, ltl.Pos{}, "symbol name %q is not unique (a step and a tool share it?)", s.Name)
		}
		a.byName[s.Name] = i
	}
	return a, nil
}

func (a *Alphabet) symLimit(max int) error {
	return limitError(ErrSymbolLimit, ltl.Pos{}, max, "MaxSymbols", "--max-symbols", "alphabet exceeds MaxSymbols = %d symbols: too many tools or predicate combinations", max)
}

func (a *Alphabet) checkAtom(f *ltl.Atom) error {
	if f == nil {
		return errorf(ErrBadFormula, ltl.Pos{}, "nil atom")
	}
	switch f.Kind {
	case ltl.AtomStep:
		if !a.isStepNm[f.Name] {
			return errorf(ErrUnknownAtom, f.Pos, "step kind %q is not in the alphabet", f.Name)
		}
	case ltl.AtomTool:
		if !a.isTool[f.Name] {
			return errorf(ErrUnknownAtom, f.Pos, "tool %q is not in the alphabet", f.Name)
		}
	case ltl.AtomCall:
	default:
		return errorf(ErrUnknownAtom, f.Pos, "atom %q is unresolved", f.Name)
	}
	return nil
}

func mintermKey(bits []bool) string {
	b := make([]byte, len(bits))
	for i, x := range bits {
		if x {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
	}
	return string(b)
}

// Len is the number of symbols.
func (a *Alphabet) Len() int { return len(a.Symbols) }

// Lookup returns the index of the symbol with the given name.
func (a *Alphabet) Lookup(name string) (int, bool) {
	i, ok := a.byName[name]
	return i, ok
}

// Classify is ClassifyAt with no value captured: a call whose predicate
// refers to a captured value is rejected (ErrArgType). Use ClassifyAt
// along a trace, or DFA.Run, for specs with captures.
func (a *Alphabet) Classify(e ltl.Event) (int, error) { return a.ClassifyAt(e, nil) }

// ClassifyAt maps a concrete event to its symbol, given the values
// captured before it (ltl.Captures.After over Lets). An event whose step
// kind or tool is not in the alphabet is an ErrUnknownEvent error; an event
// that the fail-closed rule rejects (ltl.Needs.Check: a predicated
// argument or result path missing or of another type, a reference to a
// value not captured, no outcome for a tool in Observed) is an ErrArgType
// error wrapping the *ltl.ArgTypeError; a call with a value outside its
// argument's domain is an ErrArgDomain error wrapping a *DomainError.
func (a *Alphabet) ClassifyAt(e ltl.Event, caps ltl.Captures) (int, error) {
	if e.Tool == "" {
		if i, ok := a.stepSym[e.Step]; ok {
			return i, nil
		}
		return -1, errorf(ErrUnknownEvent, ltl.Pos{}, "step kind %q is not in the alphabet", e.Step)
	}
	syms, ok := a.toolSym[e.Tool]
	if !ok {
		return -1, errorf(ErrUnknownEvent, ltl.Pos{}, "tool %q is not in the alphabet", e.Tool)
	}
	preds := a.Preds[e.Tool]
	observed, refs := a.Observed[e.Tool], a.hasRefs[e.Tool]
	var te *ltl.ArgTypeError
	if observed || refs {
		te = a.needs.Check(e, caps)
	} else {
		te = ltl.CheckArgs(e.Tool, preds, e.Args)
	}
	if te != nil {
		err := errorf(ErrArgType, ltl.Pos{}, "%s", te.Error())
		err.Cause = te
		return -1, err
	}
	// The minterm key without allocating (the guard path is hot); each
	// numeric argument is read once, not once per predicate.
	var buf [64]byte
	key := buf[:0]
	var numArg string
	var num ltl.Number
	haveNum := false
	for i := range preds {
		p := &preds[i]
		var h bool
		switch {
		case p.Ref != nil:
			h = p.HoldsWith(e.Args, caps)
		case p.Value.Kind == ltl.NumberValue && p.Cmp != ltl.CmpIn && p.Path == nil:
			if !haveNum || numArg != p.Arg {
				num, _, _ = ltl.NumberOf(e.Args[p.Arg]) // well-typed: CheckArgs passed
				numArg, haveNum = p.Arg, true
			}
			h = p.HoldsNumber(num)
		default:
			h = p.Holds(e.Args)
		}
		key = appendBit(key, h)
	}
	if observed {
		switch e.Outcome {
		case ltl.Failed:
			key = append(key, 'F')
		case ltl.Returned:
			key = append(key, 'R')
			for _, p := range a.ResultPreds[e.Tool] {
				key = appendBit(key, p.HoldsResult(e.Result, caps))
			}
		}
	} else if e.Outcome == ltl.Returned && a.captured[e.Tool] {
		key = append(key, 'R')
	}
	if i, ok := syms[string(key)]; ok {
		return i, nil
	}
	// A well-typed call is in no symbol only when its value is outside
	// the argument's domain (the alphabet pruned the minterm).
	for _, p := range preds {
		if d, ok := a.domains[e.Tool][p.Arg]; ok && p.Path == nil {
			if why := d.rejects(e.Args[p.Arg]); why != "" {
				err := errorf(ErrArgDomain, ltl.Pos{}, "%s: argument %s %s", e.Tool, p.Arg, why)
				err.Cause = &DomainError{Tool: e.Tool, Arg: p.Arg, Why: why}
				return -1, err
			}
		}
	}
	// Unreachable when the candidate enumeration is complete; reported
	// rather than guessed.
	return -1, errorf(ErrUnknownEvent, ltl.Pos{}, "call of %q realises no symbol of the alphabet", e.Tool)
}

// ClassifyCall maps a call to its call part (an index in Calls) before the
// environment has answered: only the arguments are read (with the values
// captured before the call), never the outcome. Errors as ClassifyAt's,
// for the arguments.
func (a *Alphabet) ClassifyCall(e ltl.Event, caps ltl.Captures) (int, error) {
	if e.Tool == "" {
		return -1, errorf(ErrUnknownEvent, ltl.Pos{}, "a step is not a call")
	}
	keys, ok := a.callKey[e.Tool]
	if !ok {
		return -1, errorf(ErrUnknownEvent, ltl.Pos{}, "tool %q is not in the alphabet", e.Tool)
	}
	if te := (ltl.Needs{Args: a.Preds}).Check(e, caps); te != nil {
		err := errorf(ErrArgType, ltl.Pos{}, "%s", te.Error())
		err.Cause = te
		return -1, err
	}
	var key []byte
	for i := range a.Preds[e.Tool] {
		key = appendBit(key, a.Preds[e.Tool][i].HoldsWith(e.Args, caps))
	}
	if ci, ok := keys[string(key)]; ok {
		return ci, nil
	}
	for _, p := range a.Preds[e.Tool] {
		if d, ok := a.domains[e.Tool][p.Arg]; ok && p.Path == nil {
			if why := d.rejects(e.Args[p.Arg]); why != "" {
				err := errorf(ErrArgDomain, ltl.Pos{}, "%s: argument %s %s", e.Tool, p.Arg, why)
				err.Cause = &DomainError{Tool: e.Tool, Arg: p.Arg, Why: why}
				return -1, err
			}
		}
	}
	return -1, errorf(ErrUnknownEvent, ltl.Pos{}, "call of %q realises no call part of the alphabet", e.Tool)
}

// NeedsOutcome reports whether a call of tool must get its outcome
// recorded before the run goes on: some formula reads its result or
// error, or a capture takes its result.
func (a *Alphabet) NeedsOutcome(tool string) bool { return a.Observed[tool] || a.captured[tool] }

func appendBit(key []byte, h bool) []byte {
	if h {
		return append(key, '1')
	}
	return append(key, '0')
}

// HasResults reports whether the alphabet reads more of a run than the
// calls' literal arguments: outcomes (returns, fails) or captured values.
// Its symbols' truth then depends on what the environment answers.
func (a *Alphabet) HasResults() bool {
	return len(a.Observed) > 0 || len(a.Lets) > 0 || len(a.hasRefs) > 0
}

// Results returns the symbols that share sym's call part, in order: the
// result part the environment chooses (a tool whose outcome no formula
// reads has one). nil for a step or an index out of range.
func (a *Alphabet) Results(sym int) []int {
	if sym < 0 || sym >= len(a.Symbols) || a.Symbols[sym].Call < 0 {
		return nil
	}
	return a.Calls[a.Symbols[sym].Call].Symbols
}

// CaptureState follows a trace's captures: Next returns the values
// captured before the next event and records the event. The zero value is
// not usable; build it with Alphabet.Captures.
type CaptureState struct {
	lets []ltl.Let
	caps ltl.Captures
}

// Captures starts following captures for a new trace.
func (a *Alphabet) Captures() *CaptureState { return &CaptureState{lets: a.Lets} }

// Before returns the values captured before the next event.
func (c *CaptureState) Before() ltl.Captures { return c.caps }

// Record records an event (with its outcome) of the trace.
func (c *CaptureState) Record(e ltl.Event) {
	if len(c.lets) > 0 {
		c.caps = c.caps.After(c.lets, e)
	}
}

// Holds reports whether atom is true on symbol sym: a step atom on its step
// kind, `call` on every tool symbol, a tool atom on the symbols of that tool
// whose minterm makes all the atom's predicates true (for `returns`, the
// symbol's outcome is Returned and its result minterm makes the result
// predicates true; for `fails`, its outcome is Failed). A predicate the
// alphabet was not built with makes the atom false (Compile rejects such
// atoms up front).
func (a *Alphabet) Holds(atom *ltl.Atom, sym int) bool {
	if atom == nil || sym < 0 || sym >= len(a.Symbols) {
		return false
	}
	s := &a.Symbols[sym]
	switch atom.Kind {
	case ltl.AtomStep:
		return s.Tool == "" && s.Step == atom.Name
	case ltl.AtomCall:
		return s.Tool != ""
	case ltl.AtomTool:
		if s.Tool != atom.Name {
			return false
		}
		for _, p := range atom.Preds {
			i, ok := a.predIdx[s.Tool][p.String()]
			if !ok || !s.Lits[i].Holds {
				return false
			}
		}
		switch {
		case atom.Fails:
			return s.Outcome == ltl.Failed
		case atom.Returns:
			if s.Outcome != ltl.Returned {
				return false
			}
			for _, p := range atom.Result {
				i, ok := a.resIdx[s.Tool][p.String()]
				if !ok || !s.Result[i].Holds {
					return false
				}
			}
		}
		return true
	}
	return false
}

// knows reports whether every predicate of a tool atom is in the alphabet.
func (a *Alphabet) knows(atom *ltl.Atom) bool {
	if atom.Kind != ltl.AtomTool {
		return true
	}
	for _, p := range atom.Preds {
		if _, ok := a.predIdx[atom.Name][p.String()]; !ok {
			return false
		}
	}
	if atom.HasOutcome() && !a.Observed[atom.Name] && !(atom.Returns && len(atom.Result) == 0 && a.captured[atom.Name]) {
		return false
	}
	for _, p := range atom.Result {
		if _, ok := a.resIdx[atom.Name][p.String()]; !ok {
			return false
		}
	}
	return true
}

// Events turns a word of symbol indices into concrete events, one per
// symbol: a step event, or a call whose arguments realise the symbol's
// call minterm (every predicated argument present; numbers as json.Number
// with their exact text) and, for a tool in Observed, whose outcome
// realises its result part (an error "error", or a result object). A call
// of a captured tool returns a result object. A predicate on a captured
// value is realised by writing the needed value into the result of the
// most recent earlier call of the capture's tool; where there is none (or
// it failed), or a string combination has no known realisation, the event
// does not realise its symbol: callers that need it exact check the word
// (Validate). Arguments no predicate mentions are left out. Out-of-range
// indices give an event with neither step nor tool.
func (a *Alphabet) Events(word []int) []ltl.Event {
	out := make([]ltl.Event, len(word))
	for i, sym := range word {
		if sym < 0 || sym >= len(a.Symbols) {
			continue
		}
		s := a.Symbols[sym]
		if s.Tool == "" {
			out[i] = ltl.Event{Step: s.Step}
			continue
		}
		ev := ltl.Event{Tool: s.Tool}
		if len(a.symArgs[sym]) > 0 {
			ev.Args = deepCopy(a.symArgs[sym]).(map[string]any)
		}
		r := a.symReal[sym]
		switch {
		case s.Outcome == ltl.Failed:
			ev.Outcome, ev.Error = ltl.Failed, "error"
		case s.Outcome == ltl.Returned:
			res := map[string]any{}
			if r.result != nil {
				res = deepCopy(r.result).(map[string]any)
			}
			ev.Outcome, ev.Result = ltl.Returned, res
		}
		for _, rr := range r.refs {
			var x any
			var ok bool
			if rr.inResult {
				x, ok = getPath(ev.Result, rr.path)
			} else {
				x, ok = getPath(ev.Args, rr.path)
			}
			if !ok {
				continue
			}
			for j := i - 1; j >= 0; j-- {
				if out[j].Tool != rr.ref.Tool {
					continue
				}
				if out[j].Outcome == ltl.Returned {
					v := related(x, rr.rel)
					if len(rr.ref.Path) == 0 {
						out[j].Result = v
					} else if m, isMap := out[j].Result.(map[string]any); isMap {
						setPath(m, rr.ref.Path, v)
					}
				}
				break
			}
		}
		out[i] = ev
	}
	return out
}

// Same reports whether a and b have the same symbols in the same order, so
// automata over them can be combined.
func (a *Alphabet) Same(b *Alphabet) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil || len(a.Symbols) != len(b.Symbols) {
		return false
	}
	for i := range a.Symbols {
		if a.Symbols[i].Name != b.Symbols[i].Name {
			return false
		}
	}
	return true
}
