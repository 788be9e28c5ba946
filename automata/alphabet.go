package automata

import (
	"sort"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Symbol is one letter of the event alphabet: a non-call step kind, or a call
// of one tool together with the truth value of every argument predicate the
// specs use on that tool (a minterm). Events are exclusive, so the alphabet is
// (step kinds) + (tools × satisfiable minterms), never 2^atoms.
type Symbol struct {
	Step string // non-call step kind; empty for a call
	Tool string // tool name; empty for a step
	Lits []Lit  // for a call: one literal per predicate on Tool, in Alphabet order
	Name string // printable and unique within its alphabet, e.g. `refund(amount <= 100 & !(currency == "EUR"))`
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

	byName   map[string]int
	stepSym  map[string]int
	toolSym  map[string]map[string]int // tool -> minterm key -> symbol
	predIdx  map[string]map[string]int // tool -> Pred.String() -> index in Preds[tool]
	symArgs  []map[string]any          // per symbol: arguments that realise its minterm
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
		domains:  opts.Domains,
		Steps:    append([]string(nil), steps...),
		Tools:    append([]string(nil), tools...),
		Preds:    map[string][]ltl.Pred{},
		byName:   map[string]int{},
		stepSym:  map[string]int{},
		toolSym:  map[string]map[string]int{},
		predIdx:  map[string]map[string]int{},
		isTool:   map[string]bool{},
		isStepNm: map[string]bool{},
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
	// Steps first.
	for _, s := range steps {
		a.stepSym[s] = len(a.Symbols)
		a.Symbols = append(a.Symbols, Symbol{Step: s, Name: s})
		a.symArgs = append(a.symArgs, nil)
	}
	if len(a.Symbols) > maxSymbols {
		return nil, a.symLimit(maxSymbols)
	}
	lits := 0
	for _, t := range tools {
		preds := a.Preds[t]
		sort.SliceStable(preds, func(i, j int) bool { return preds[i].String() < preds[j].String() })
		a.predIdx[t] = map[string]int{}
		for i, p := range preds {
			a.predIdx[t][p.String()] = i
		}
		a.toolSym[t] = map[string]int{}
		if len(preds) == 0 {
			a.toolSym[t][""] = len(a.Symbols)
			a.Symbols = append(a.Symbols, Symbol{Tool: t, Name: t})
			a.symArgs = append(a.symArgs, nil)
			if len(a.Symbols) > maxSymbols {
				return nil, a.symLimit(maxSymbols)
			}
			continue
		}
		args := argRealisations(preds, a.domains[t])
		total := len(a.Symbols)
		prod := 1
		for _, ar := range args {
			prod *= len(ar.assign)
			if total+prod > maxSymbols {
				return nil, a.symLimit(maxSymbols)
			}
		}
		// Each of t's symbols carries a literal (and a piece of its name)
		// per predicate on t: bound the product too, or 4000 thresholds on
		// one argument, 4001 symbols, cost 16 million of each.
		if lits += prod * len(preds); lits > maxSymbols*MaxLiteralsPerSymbol {
			return nil, limitError(ErrSymbolLimit, ltl.Pos{}, maxSymbols, "MaxSymbols", "--max-symbols",
				"alphabet exceeds MaxSymbols × MaxLiteralsPerSymbol = %d × %d predicate literals over its symbols: too many predicates on one tool", maxSymbols, MaxLiteralsPerSymbol)
		}
		if prod == 0 {
			// Some predicated argument has no possible value (its
			// predicates imply two types, or the domain excludes the
			// type): no call of t is well-typed, t has no symbol.
			continue
		}
		// Product over arguments, first argument varying slowest.
		idx := make([]int, len(args))
		for {
			bits := make([]bool, len(preds))
			vals := map[string]any{}
			for k, ar := range args {
				as := ar.assign[idx[k]]
				for j, pi := range ar.preds {
					bits[pi] = as.bits[j]
				}
				vals[ar.arg] = as.value
			}
			lits := make([]Lit, len(preds))
			parts := make([]string, len(preds))
			for i, p := range preds {
				lits[i] = Lit{Pred: p, Holds: bits[i]}
				if bits[i] {
					parts[i] = p.String()
				} else {
					parts[i] = "!(" + p.String() + ")"
				}
			}
			a.toolSym[t][mintermKey(bits)] = len(a.Symbols)
			a.Symbols = append(a.Symbols, Symbol{Tool: t, Lits: lits, Name: t + "(" + strings.Join(parts, " & ") + ")"})
			a.symArgs = append(a.symArgs, vals)
			k := len(idx) - 1
			for k >= 0 {
				idx[k]++
				if idx[k] < len(args[k].assign) {
					break
				}
				idx[k] = 0
				k--
			}
			if k < 0 {
				break
			}
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

// argAssign is one realisable truth assignment of the predicates on one
// argument, with a value producing it.
type argAssign struct {
	bits  []bool
	value any
}

type argReal struct {
	arg    string
	preds  []int // indices into the tool's predicate list
	assign []argAssign
}

// argRealisations groups a tool's predicates by argument and enumerates, per
// argument, the truth assignments some well-typed value of the argument's
// domain realises (candidates.go: one value in every region the constants
// cut the domain into). The argument is always present: a call without it
// is rejected by the fail-closed rule, not a symbol.
func argRealisations(preds []ltl.Pred, domains map[string]ArgDomain) []argReal {
	var out []argReal
	byArg := map[string]int{}
	for i, p := range preds {
		k, ok := byArg[p.Arg]
		if !ok {
			k = len(out)
			byArg[p.Arg] = k
			out = append(out, argReal{arg: p.Arg})
		}
		out[k].preds = append(out[k].preds, i)
	}
	for k := range out {
		ar := &out[k]
		var own []ltl.Pred
		for _, pi := range ar.preds {
			own = append(own, preds[pi])
		}
		seenKey := map[string]bool{}
		var rest []argAssign
		for _, c := range candidates(own, domains[ar.arg]) {
			args := map[string]any{ar.arg: c}
			bits := make([]bool, len(own))
			allFalse := true
			for j, p := range own {
				bits[j] = p.Holds(args)
				allFalse = allFalse && !bits[j]
			}
			key := mintermKey(bits)
			if seenKey[key] {
				continue
			}
			seenKey[key] = true
			as := argAssign{bits: bits, value: c}
			// The all-false assignment comes first, so symbol order puts
			// "no predicate holds" before the others, as it reads.
			if allFalse {
				ar.assign = append(ar.assign, as)
			} else {
				rest = append(rest, as)
			}
		}
		ar.assign = append(ar.assign, rest...)
	}
	return out
}

// Len is the number of symbols.
func (a *Alphabet) Len() int { return len(a.Symbols) }

// Lookup returns the index of the symbol with the given name.
func (a *Alphabet) Lookup(name string) (int, bool) {
	i, ok := a.byName[name]
	return i, ok
}

// Classify maps a concrete event to its symbol. An event whose step kind or
// tool is not in the alphabet is an ErrUnknownEvent error; a call that the
// fail-closed rule rejects (a predicated argument missing or of another
// type, ltl.CheckArgs) is an ErrArgType error wrapping the
// *ltl.ArgTypeError; a call with a value outside its argument's domain is
// an ErrArgDomain error wrapping a *DomainError.
func (a *Alphabet) Classify(e ltl.Event) (int, error) {
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
	if te := ltl.CheckArgs(e.Tool, preds, e.Args); te != nil {
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
	for _, p := range preds {
		var h bool
		if p.Value.Kind == ltl.NumberValue {
			if !haveNum || numArg != p.Arg {
				num, _, _ = ltl.NumberOf(e.Args[p.Arg]) // well-typed: CheckArgs passed
				numArg, haveNum = p.Arg, true
			}
			h = p.HoldsNumber(num)
		} else {
			h = p.Holds(e.Args)
		}
		if h {
			key = append(key, '1')
		} else {
			key = append(key, '0')
		}
	}
	if i, ok := syms[string(key)]; ok {
		return i, nil
	}
	// A well-typed call is in no symbol only when its value is outside
	// the argument's domain (the alphabet pruned the minterm).
	for _, p := range preds {
		if d, ok := a.domains[e.Tool][p.Arg]; ok {
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

// Holds reports whether atom is true on symbol sym: a step atom on its step
// kind, `call` on every tool symbol, a tool atom on the symbols of that tool
// whose minterm makes all the atom's predicates true. A predicate the
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
	return true
}

// Events turns a word of symbol indices into concrete events, one per
// symbol: a step event, or a call whose arguments realise the symbol's
// minterm (every predicated argument present; numbers as json.Number with
// their exact text). Arguments no predicate mentions are left out.
// Out-of-range indices give an event with neither step nor tool.
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
			ev.Args = make(map[string]any, len(a.symArgs[sym]))
			for k, v := range a.symArgs[sym] {
				ev.Args[k] = v
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
