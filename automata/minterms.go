package automata

import (
	"encoding/json"
	"math/big"
	"regexp/syntax"
	"sort"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// minterm is one realisable (or, for string predicates, possibly
// realisable) truth assignment of a list of predicates, with values that
// realise it.
type minterm struct {
	bits  []bool
	value map[string]any // arguments (or a result object) realising the literal predicates
	refs  []refRel       // relations to captured values the minterm needs
	// unrealised: no candidate value was found for some string predicate
	// combination; the minterm is kept because string predicates cannot
	// all be decided here (regular expressions), so the alphabet stays
	// complete: Classify finds a symbol for every well-typed event.
	unrealised bool
}

// refRel says how a value at Path (in the arguments or the result) must
// relate to the captured value Ref for the minterm to hold.
type refRel struct {
	path     []string
	inResult bool
	ref      *ltl.Ref
	rel      relation
}

type relation uint8

const (
	relLess relation = iota + 1 // value < captured
	relEqual
	relGreater
	relOther // != (strings, booleans or numbers)
)

// symRealisation is what Events needs, beyond arguments, to produce an
// event of a symbol: a result, and relations to captured values.
type symRealisation struct {
	result     map[string]any
	refs       []refRel
	unrealised bool
}

type outcomePart struct {
	outcome ltl.Outcome
	m       minterm
}

func outcomeKey(o outcomePart) string {
	switch o.outcome {
	case ltl.Failed:
		return "F"
	case ltl.Returned:
		return "R" + mintermKey(o.m.bits)
	}
	return ""
}

func lits(preds []ltl.Pred, bits []bool) []Lit {
	if len(preds) == 0 {
		return nil
	}
	out := make([]Lit, len(preds))
	for i, p := range preds {
		out[i] = Lit{Pred: p, Holds: bits[i]}
	}
	return out
}

func litNames(ls []Lit) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		if l.Holds {
			parts[i] = l.Pred.String()
		} else {
			parts[i] = "!(" + l.Pred.String() + ")"
		}
	}
	return strings.Join(parts, " & ")
}

// group is the predicates minterms enumerates together: the literal
// predicates on one path, or the predicates comparing one path with one
// captured value.
type group struct {
	path  []string
	arg   string // the path as written, for domains
	ref   *ltl.Ref
	preds []int
}

type groupAssign struct {
	bits       []bool
	value      any
	set        bool // value is meaningful
	rel        relation
	unrealised bool
}

// minterms enumerates the truth assignments of preds (all on one tool's
// arguments, or all on its result when inResult) that a well-typed value
// realises: per group, then the product over groups, first group varying
// slowest. No predicates: one empty minterm. nil: no well-typed value
// exists (predicates implying two types for one path, or a domain that
// excludes the type).
//
// limit bounds the number of minterms (and of string combinations one group
// may keep): over it, tooMany is set and nothing is built.
func minterms(preds []ltl.Pred, domains map[string]ArgDomain, inResult bool, limit int) (out []minterm, tooMany bool) {
	if len(preds) == 0 {
		return []minterm{{}}, false
	}
	if _, _, conflict := ltl.TypeConflict(preds); conflict {
		return nil, false
	}
	var groups []group
	byKey := map[string]int{}
	for i := range preds {
		p := &preds[i]
		k := p.Arg
		if p.Ref != nil {
			k += "\x00" + p.Ref.String()
		}
		gi, ok := byKey[k]
		if !ok {
			gi = len(groups)
			byKey[k] = gi
			groups = append(groups, group{path: p.Segments(), arg: p.Arg, ref: p.Ref})
		}
		groups[gi].preds = append(groups[gi].preds, i)
	}
	assigns := make([][]groupAssign, len(groups))
	for gi, g := range groups {
		var d ArgDomain
		if !inResult && len(g.path) == 1 {
			d = domains[g.arg]
		}
		own := make([]ltl.Pred, len(g.preds))
		for j, pi := range g.preds {
			own[j] = preds[pi]
		}
		if g.ref != nil {
			assigns[gi] = refAssigns(own)
		} else {
			var over bool
			if assigns[gi], over = literalAssigns(own, d, limit); over {
				return nil, true
			}
		}
		if len(assigns[gi]) == 0 {
			return nil, false
		}
	}
	prod := 1
	for _, as := range assigns {
		prod *= len(as)
		if prod > limit {
			return nil, true
		}
	}
	idx := make([]int, len(groups))
	for {
		m := minterm{bits: make([]bool, len(preds)), value: map[string]any{}}
		for gi, g := range groups {
			as := assigns[gi][idx[gi]]
			for j, pi := range g.preds {
				m.bits[pi] = as.bits[j]
			}
			m.unrealised = m.unrealised || as.unrealised
			if g.ref != nil {
				m.refs = append(m.refs, refRel{path: g.path, inResult: inResult, ref: g.ref, rel: as.rel})
				continue
			}
			if as.set {
				setPath(m.value, g.path, as.value)
			}
		}
		// A path only references compare gets a value of the right type.
		for _, g := range groups {
			if g.ref == nil {
				continue
			}
			if _, ok := getPath(m.value, g.path); !ok {
				var v any = "x"
				for _, pi := range g.preds {
					if preds[pi].Cmp.IsOrder() {
						v = json.Number("1")
					}
				}
				setPath(m.value, g.path, v)
			}
		}
		out = append(out, m)
		k := len(idx) - 1
		for k >= 0 {
			idx[k]++
			if idx[k] < len(assigns[k]) {
				break
			}
			idx[k] = 0
			k--
		}
		if k < 0 {
			break
		}
	}
	return out, false
}

// refAssigns: the truth assignments of predicates comparing one value with
// one captured value, by the relation between the two (both are free: the
// captured value is whatever an earlier call returned).
func refAssigns(own []ltl.Pred) []groupAssign {
	rels := []relation{relEqual, relOther}
	for _, p := range own {
		if p.Cmp.IsOrder() {
			rels = []relation{relLess, relEqual, relGreater}
		}
	}
	var out []groupAssign
	seen := map[string]bool{}
	for _, r := range rels {
		bits := make([]bool, len(own))
		for j, p := range own {
			bits[j] = relHolds(p.Cmp, r)
		}
		if k := mintermKey(bits); !seen[k] {
			seen[k] = true
			out = append(out, groupAssign{bits: bits, rel: r})
		}
	}
	return out
}

func relHolds(c ltl.Cmp, r relation) bool {
	switch c {
	case ltl.CmpEq:
		return r == relEqual
	case ltl.CmpNe:
		return r != relEqual
	case ltl.CmpLt:
		return r == relLess
	case ltl.CmpLe:
		return r == relLess || r == relEqual
	case ltl.CmpGt:
		return r == relGreater
	case ltl.CmpGe:
		return r == relGreater || r == relEqual
	}
	return false
}

// literalAssigns: the truth assignments of the literal predicates on one
// path that candidate values realise (candidates: one value per region
// the constants cut the domain into; `in` counts as its values). With a
// string predicate (contains, starts_with, ends_with, matches) candidates
// are searched among the constants, their affixes and concatenations and
// samples of the regular expressions, and every combination no candidate
// realises is kept too, unrealised (unless the domain is finite, where the
// candidates are all its values).
func literalAssigns(own []ltl.Pred, d ArgDomain, limit int) (_ []groupAssign, tooMany bool) {
	var base []ltl.Pred
	stringOps := false
	for _, p := range own {
		switch {
		case p.Cmp == ltl.CmpIn:
			for _, v := range p.Set {
				base = append(base, ltl.Pred{Arg: p.Arg, Cmp: ltl.CmpEq, Value: v})
			}
		case p.Cmp.IsString():
			stringOps = true
			base = append(base, ltl.Pred{Arg: p.Arg, Cmp: ltl.CmpEq, Value: p.Value})
		default:
			base = append(base, p)
		}
	}
	cands := candidates(base, d)
	if len(cands) == 0 {
		return nil, false
	}
	if stringOps && !d.Finite {
		if len(own) >= 31 || 1<<len(own) > limit {
			return nil, true // every combination is kept: 2^k of them
		}
		cands = append(cands, stringCandidates(own)...)
	}
	var first, rest []groupAssign
	seen := map[string]bool{}
	for _, c := range cands {
		bits := make([]bool, len(own))
		allFalse := true
		for j, p := range own {
			bits[j] = p.HoldsValue(c)
			allFalse = allFalse && !bits[j]
		}
		k := mintermKey(bits)
		if seen[k] {
			continue
		}
		seen[k] = true
		as := groupAssign{bits: bits, value: c, set: true}
		// The all-false assignment comes first, so symbol order puts
		// "no predicate holds" before the others, as it reads.
		if allFalse {
			first = append(first, as)
		} else {
			rest = append(rest, as)
		}
	}
	out := append(first, rest...)
	if stringOps && !d.Finite {
		for n := 0; n < 1<<len(own); n++ {
			bits := make([]bool, len(own))
			for j := range bits {
				bits[j] = n&(1<<j) != 0
			}
			if k := mintermKey(bits); !seen[k] {
				seen[k] = true
				out = append(out, groupAssign{bits: bits, value: "x", set: true, unrealised: true})
			}
		}
	}
	return out, false
}

// stringCandidates are strings that tend to realise combinations of
// string predicates: each constant and regular-expression sample, with a
// prefix and suffix, and each ordered pair concatenated.
func stringCandidates(own []ltl.Pred) []any {
	var atoms []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			atoms = append(atoms, s)
		}
	}
	add("")
	for _, p := range own {
		switch {
		case p.Cmp == ltl.CmpMatches:
			if re, err := syntax.Parse(p.Value.Str, syntax.Perl); err == nil {
				add(sampleRegexp(re.Simplify(), 0))
			}
		case p.Cmp == ltl.CmpIn:
			for _, v := range p.Set {
				if v.Kind == ltl.StringValue {
					add(v.Str)
				}
			}
		case p.Value.Kind == ltl.StringValue:
			add(p.Value.Str)
		}
	}
	sort.Strings(atoms)
	var out []any
	for _, a := range atoms {
		out = append(out, a, "q"+a, a+"q", "q"+a+"q")
	}
	if len(atoms) <= 16 {
		for _, a := range atoms {
			for _, b := range atoms {
				out = append(out, a+b)
			}
		}
	}
	return out
}

// sampleRegexp returns a short string the expression matches (best
// effort: anchors and word boundaries are ignored).
func sampleRegexp(re *syntax.Regexp, depth int) string {
	if depth > 50 {
		return ""
	}
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCharClass:
		if len(re.Rune) > 0 {
			return string(re.Rune[0])
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "a"
	case syntax.OpCapture:
		return sampleRegexp(re.Sub[0], depth+1)
	case syntax.OpPlus:
		return sampleRegexp(re.Sub[0], depth+1)
	case syntax.OpRepeat:
		var b strings.Builder
		for i := 0; i < re.Min && i < 64; i++ {
			b.WriteString(sampleRegexp(re.Sub[0], depth+1))
		}
		return b.String()
	case syntax.OpConcat:
		var b strings.Builder
		for _, s := range re.Sub {
			b.WriteString(sampleRegexp(s, depth+1))
		}
		return b.String()
	case syntax.OpAlternate:
		return sampleRegexp(re.Sub[0], depth+1)
	}
	return ""
}

func setPath(m map[string]any, path []string, v any) {
	for i, k := range path {
		if i == len(path)-1 {
			m[k] = v
			return
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			if _, taken := m[k]; taken {
				return // a scalar already realises a predicate on the shorter path
			}
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
}

func getPath(v any, path []string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// deepCopy copies JSON objects and arrays, so realisations are never shared.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// related returns a captured value that has relation r to x.
func related(x any, r relation) any {
	switch r {
	case relEqual:
		return x
	case relLess, relGreater, relOther:
		if n, ok, err := ltl.NumberOf(x); ok && err == nil {
			if rat := n.Rat(); rat != nil {
				one := big.NewRat(1, 1)
				if r == relGreater {
					rat.Sub(rat, one)
				} else {
					rat.Add(rat, one)
				}
				if m, ok := ltl.RatNumber(rat, int(max(0, n.FracDigits()))); ok {
					return json.Number(m.String())
				}
			}
			return x
		}
		switch v := x.(type) {
		case string:
			return v + "_"
		case bool:
			return !v
		}
	}
	return x
}
