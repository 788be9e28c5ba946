package automata

import (
	"encoding/json"
	"math/big"
	"sort"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// ArgDomain is what is known about one argument's values from outside the
// formulas, typically a tool's JSON schema read by the caller (this package
// reads no schema). The zero value knows nothing: every value is possible.
// A domain must over-approximate what the schema allows, never less: the
// alphabet drops minterms no value of the domain realises, and a value the
// schema allows must keep its symbol.
type ArgDomain struct {
	// Absent: the argument can never be present (a schema with
	// additionalProperties false that does not list it).
	Absent bool
	// Kinds, when non-nil, are the only kinds a value may have; an empty
	// non-nil list allows none (e.g. a schema type of only object or null).
	Kinds []ltl.ValueKind
	// Integer: numbers are integers (schema type "integer").
	Integer bool
	// Finite: the argument's scalar values are exactly Values (enum or
	// const); values of other JSON types are allowed only through Kinds.
	Finite bool
	Values []ltl.Value
	// Min and Max bound numbers (nil: unbounded), exclusive when the flag is
	// set. Bounds of magnitude beyond 1e±ltl.MaxLiteralExponent are ignored.
	Min, Max                   *ltl.Number
	MinExclusive, MaxExclusive bool
}

// DomainError is a call whose argument value its domain excludes.
type DomainError struct {
	Tool, Arg string
	Why       string // e.g. `is "GBP", not one of the values the schema allows ("EUR", "USD")`
}

func (e *DomainError) Error() string { return e.Tool + ": argument " + e.Arg + " " + e.Why }

func (d ArgDomain) allowsKind(k ltl.ValueKind) bool {
	if d.Absent {
		return false
	}
	if d.Kinds == nil {
		return true
	}
	for _, x := range d.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func usableBound(n *ltl.Number) bool {
	return n != nil && n.Exponent() <= ltl.MaxLiteralExponent && n.Exponent() >= -ltl.MaxLiteralExponent
}

// admitsNumber reports whether n is within the numeric constraints (not
// Finite, which admits checks).
func (d ArgDomain) admitsNumber(n ltl.Number) bool {
	if d.Integer && !n.IsInt() {
		return false
	}
	if usableBound(d.Min) {
		if c := n.Cmp(*d.Min); c < 0 || (c == 0 && d.MinExclusive) {
			return false
		}
	}
	if usableBound(d.Max) {
		if c := n.Cmp(*d.Max); c > 0 || (c == 0 && d.MaxExclusive) {
			return false
		}
	}
	return true
}

// admits reports whether a scalar value v is possible.
func (d ArgDomain) admits(v ltl.Value) bool {
	if !d.allowsKind(v.Kind) {
		return false
	}
	if v.Kind == ltl.NumberValue && !d.admitsNumber(v.Num) {
		return false
	}
	if d.Finite {
		for _, x := range d.Values {
			if x == v {
				return true
			}
		}
		return false
	}
	return true
}

// rejects says why a raw argument value (as in ltl.Event.Args) is outside
// the domain, or "" if it is inside (or not a scalar this type judges).
func (d ArgDomain) rejects(raw any) string {
	if d.Absent {
		return "is not allowed by the tool's schema (not among its properties, and additionalProperties is false)"
	}
	var v ltl.Value
	switch x := raw.(type) {
	case string:
		v = ltl.Value{Kind: ltl.StringValue, Str: x}
	case bool:
		v = ltl.Value{Kind: ltl.BoolValue, Bool: x}
	default:
		n, ok, err := ltl.NumberOf(raw)
		if !ok || err != nil {
			return ""
		}
		v = ltl.Value{Kind: ltl.NumberValue, Num: n}
	}
	if d.admits(v) {
		return ""
	}
	if !d.allowsKind(v.Kind) {
		return "is a " + v.Kind.String() + ", a type the tool's schema does not allow"
	}
	if d.Finite {
		var vals []string
		for _, x := range d.Values {
			vals = append(vals, x.String())
		}
		return "is " + v.String() + ", not one of the values the tool's schema allows (" + strings.Join(vals, ", ") + ")"
	}
	return "is " + v.String() + ", outside the range the tool's schema allows (" + d.rangeString() + ")"
}

func (d ArgDomain) rangeString() string {
	var parts []string
	if d.Integer {
		parts = append(parts, "an integer")
	}
	if usableBound(d.Min) {
		op := ">="
		if d.MinExclusive {
			op = ">"
		}
		parts = append(parts, op+" "+d.Min.String())
	}
	if usableBound(d.Max) {
		op := "<="
		if d.MaxExclusive {
			op = "<"
		}
		parts = append(parts, op+" "+d.Max.String())
	}
	return strings.Join(parts, ", ")
}

// candidates returns values of one argument, one in every region the
// predicates' constants cut the domain into, so that every truth assignment
// some possible value realises is realised by a candidate. preds are the
// predicates on this argument; predicates that imply two types leave no
// candidate. Numbers: each constant, one value strictly inside each gap
// between consecutive constants and one beyond each end, each clipped to
// the domain's bounds (and integers if it says so); strings: each constant
// and one fresh string; booleans: both. A Finite domain gives its values.
// Numbers come as json.Number with their exact text.
func candidates(preds []ltl.Pred, d ArgDomain) []any {
	if len(preds) == 0 {
		return nil
	}
	if _, _, conflict := ltl.TypeConflict(preds); conflict {
		return nil
	}
	kind := preds[0].Value.Kind
	if !d.allowsKind(kind) {
		return nil
	}
	var out []any
	if d.Finite {
		var vals []ltl.Value
		for _, v := range d.Values {
			if v.Kind == kind && d.admits(v) {
				vals = append(vals, v)
			}
		}
		sort.SliceStable(vals, func(i, j int) bool { return lessValue(vals[i], vals[j]) })
		for _, v := range vals {
			out = append(out, rawValue(v))
		}
		return out
	}
	switch kind {
	case ltl.NumberValue:
		for _, n := range numberCandidates(preds, d) {
			out = append(out, json.Number(n.String()))
		}
	case ltl.StringValue:
		var strs []string
		inUse := map[string]bool{}
		for _, p := range preds {
			if !inUse[p.Value.Str] {
				inUse[p.Value.Str] = true
				strs = append(strs, p.Value.Str)
			}
		}
		sort.Strings(strs)
		fresh := "x"
		for inUse[fresh] {
			fresh += "x"
		}
		for _, s := range strs {
			out = append(out, s)
		}
		out = append(out, fresh)
	case ltl.BoolValue:
		out = append(out, false, true)
	}
	return out
}

func lessValue(a, b ltl.Value) bool {
	switch a.Kind {
	case ltl.NumberValue:
		return a.Num.Cmp(b.Num) < 0
	case ltl.StringValue:
		return a.Str < b.Str
	}
	return !a.Bool && b.Bool
}

func rawValue(v ltl.Value) any {
	switch v.Kind {
	case ltl.NumberValue:
		return json.Number(v.Num.String())
	case ltl.StringValue:
		return v.Str
	}
	return v.Bool
}

// end is one end of an interval of numbers; set == false is unbounded.
type end struct {
	set  bool
	v    *big.Rat
	open bool
}

// numberCandidates computes the numeric candidates with exact rationals.
// Every number involved is a literal or a usable bound, of exponent at most
// ltl.MaxLiteralExponent, so the arithmetic stays small.
func numberCandidates(preds []ltl.Pred, d ArgDomain) []ltl.Number {
	var consts []ltl.Number
	maxFrac := int64(0)
	for _, p := range preds {
		consts = append(consts, p.Value.Num)
		maxFrac = max(maxFrac, p.Value.Num.FracDigits())
	}
	sort.Slice(consts, func(i, j int) bool { return consts[i].Cmp(consts[j]) < 0 })
	u := consts[:0:0]
	for i, c := range consts {
		if i == 0 || c != consts[i-1] {
			u = append(u, c)
		}
	}
	var lo, hi end
	if usableBound(d.Min) {
		lo = end{set: true, v: d.Min.Rat(), open: d.MinExclusive}
		maxFrac = max(maxFrac, d.Min.FracDigits())
	}
	if usableBound(d.Max) {
		hi = end{set: true, v: d.Max.Rat(), open: d.MaxExclusive}
		maxFrac = max(maxFrac, d.Max.FracDigits())
	}
	var out []ltl.Number
	add := func(a, b end) {
		a, b = tighterLo(a, lo), tighterHi(b, hi)
		r, ok := pick(a, b, d.Integer)
		if !ok {
			return
		}
		if n, ok := ltl.RatNumber(r, int(maxFrac)+1); ok && d.admitsNumber(n) {
			out = append(out, n)
		}
	}
	prev := end{}
	for _, c := range u {
		r := c.Rat()
		add(prev, end{set: true, v: r, open: true})
		add(end{set: true, v: r}, end{set: true, v: r})
		prev = end{set: true, v: r, open: true}
	}
	add(prev, end{})
	return out
}

func tighterLo(a, b end) end { return tighter(a, b, +1) }
func tighterHi(a, b end) end { return tighter(a, b, -1) }

// tighter is the bound of a and b that cuts more: the greater value for a
// lower bound (dir +1), the smaller for an upper one (dir -1); at the same
// value an open end cuts more than a closed one.
func tighter(a, b end, dir int) end {
	switch {
	case !a.set:
		return b
	case !b.set:
		return a
	}
	switch c := a.v.Cmp(b.v) * dir; {
	case c > 0:
		return a
	case c < 0:
		return b
	}
	return end{set: true, v: a.v, open: a.open || b.open}
}

var (
	ratOne  = big.NewRat(1, 1)
	ratHalf = big.NewRat(1, 2)
)

func floorRat(r *big.Rat) *big.Rat {
	q := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: floor for a positive divisor
	return new(big.Rat).SetInt(q)
}

func ceilRat(r *big.Rat) *big.Rat {
	f := floorRat(r)
	if f.Cmp(r) == 0 {
		return f
	}
	return f.Add(f, ratOne)
}

// pick returns a number in the interval (a, b), preferring round values
// near the ends the constants give (c-1 below a constant c, c+1 above it,
// midpoints between two), or false if the interval (of integers, when
// integer is set) is empty.
func pick(a, b end, integer bool) (*big.Rat, bool) {
	if integer {
		var lo, hi *big.Rat
		if a.set {
			if lo = ceilRat(a.v); a.open && lo.Cmp(a.v) == 0 {
				lo = new(big.Rat).Add(lo, ratOne)
			}
		}
		if b.set {
			if hi = floorRat(b.v); b.open && hi.Cmp(b.v) == 0 {
				hi = new(big.Rat).Sub(hi, ratOne)
			}
		}
		switch {
		case lo != nil && hi != nil:
			if lo.Cmp(hi) > 0 {
				return nil, false
			}
			m := new(big.Rat).Add(lo, hi)
			return floorRat(m.Mul(m, ratHalf)), true
		case lo != nil:
			return lo, true
		case hi != nil:
			return hi, true
		}
		return new(big.Rat), true
	}
	switch {
	case a.set && b.set:
		c := a.v.Cmp(b.v)
		if c > 0 || (c == 0 && (a.open || b.open)) {
			return nil, false
		}
		if !a.open {
			return a.v, true
		}
		if !b.open {
			return b.v, true
		}
		m := new(big.Rat).Add(a.v, b.v)
		return m.Mul(m, ratHalf), true
	case a.set:
		if !a.open {
			return a.v, true
		}
		return new(big.Rat).Add(floorRat(a.v), ratOne), true
	case b.set:
		if !b.open {
			return b.v, true
		}
		return new(big.Rat).Sub(ceilRat(b.v), ratOne), true
	}
	return new(big.Rat), true
}
