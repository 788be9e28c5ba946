package decoder

import (
	"bytes"
	"encoding/json"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
	jschema "github.com/specplan/specplan/schema"
)

// MaxSchemaDepth bounds the nesting of objects and arrays in a tool schema.
const MaxSchemaDepth = 8

// freeDepth is how deep objects and arrays nest inside a value the schema
// leaves open (no schema for the tool, or a property without a type).
const freeDepth = 2

// maxItemsUnrolled bounds minItems/maxItems, which are unrolled in the NFA.
const maxItemsUnrolled = 64

// maxCount bounds the minProperties/maxProperties the object builder
// counts up to (its states are property index x count).
const maxCount = 64

// schema is a tool's parameters schema in generation form (package
// schema's Gen): the decoder enforces every keyword of it, and refuses
// the tool when the normaliser refuses a keyword.
type schema struct {
	g *jschema.Gen
}

// genOptions are the normaliser's options for the decoder's limits.
var genOptions = jschema.Options{MaxDepth: MaxSchemaDepth}

// parseSchema normalises a tool's parameters schema for generation.
func parseSchema(raw json.RawMessage, path string, depth int) (*schema, error) {
	if t := bytes.TrimSpace(raw); len(t) == 0 || string(t) == "null" {
		t = []byte("{}")
		raw = t
	}
	g, err := jschema.NormalizeForGeneration(raw, genOptions)
	if err != nil {
		return nil, schemaErr(err)
	}
	if !slices.ContainsFunc(g.Alts, func(nd *jschema.Node) bool { return nd.Types&jschema.TObject != 0 }) {
		return nil, newErr(CodeSchema, "parameters must be of type object")
	}
	return &schema{g: g}, nil
}

// schemaErr turns a normaliser refusal into the decoder's error codes.
func schemaErr(err error) error {
	if e, ok := jschema.AsError(err); ok && e.Code == jschema.CodeLimit {
		return &ConstraintError{Code: CodeLimit, Msg: strings.ReplaceAll(e.Error(), "Options.MaxDepth", "MaxSchemaDepth"), Cause: err}
	} else if ok && e.Code == jschema.CodeUnsatisfiable {
		return &ConstraintError{Code: CodeUnsat, Msg: "no output satisfies the schema: " + e.Error(), Cause: err}
	}
	return &ConstraintError{Code: CodeSchema, Msg: err.Error(), Cause: err}
}

// predIntervals is the set of numbers on which p has truth value holds.
func predIntervals(p ltl.Pred, holds bool) []interval {
	c := p.Value.Num.Rat()
	var yes, no []interval
	switch p.Cmp {
	case ltl.CmpEq:
		yes, no = []interval{{lo: c, hi: c}}, []interval{{hi: c, hiOpen: true}, {lo: c, loOpen: true}}
	case ltl.CmpNe:
		no, yes = []interval{{lo: c, hi: c}}, []interval{{hi: c, hiOpen: true}, {lo: c, loOpen: true}}
	case ltl.CmpLt:
		yes, no = []interval{{hi: c, hiOpen: true}}, []interval{{lo: c}}
	case ltl.CmpLe:
		yes, no = []interval{{hi: c}}, []interval{{lo: c, loOpen: true}}
	case ltl.CmpGt:
		yes, no = []interval{{lo: c, loOpen: true}}, []interval{{hi: c}}
	case ltl.CmpGe:
		yes, no = []interval{{lo: c}}, []interval{{hi: c, hiOpen: true}}
	}
	if holds {
		return yes
	}
	return no
}

// setIntervals is the set of numbers on which an `in` predicate over
// numbers has truth value holds: its points, or everything else.
func setIntervals(p ltl.Pred, holds bool) []interval {
	if holds {
		var out []interval
		for _, v := range p.Set {
			c := v.Num.Rat()
			out = append(out, interval{lo: c, hi: c})
		}
		return out
	}
	out := []interval{{}}
	for _, v := range p.Set {
		c := v.Num.Rat()
		out = intersect(out, []interval{{hi: c, hiOpen: true}, {lo: c, loOpen: true}})
	}
	return out
}

// ownAndDeeper splits the lits on one value (each names the value by its
// first path segment) into those on the value itself and those on a
// property below it, the latter grouped by that property with the first
// segment dropped (the form object takes).
func ownAndDeeper(lits []automata.Lit) (own []automata.Lit, deeper map[string][]automata.Lit) {
	for _, l := range lits {
		segs := l.Pred.Segments()
		if len(segs) <= 1 {
			own = append(own, l)
			continue
		}
		rest := segs[1:]
		p := l.Pred
		p.Arg = strings.Join(rest, ".")
		p.Path = nil
		if len(rest) > 1 {
			p.Path = slices.Clone(rest)
		}
		if deeper == nil {
			deeper = map[string][]automata.Lit{}
		}
		deeper[rest[0]] = append(deeper[rest[0]], automata.Lit{Pred: p, Holds: l.Holds})
	}
	return own, deeper
}

// stringPattern is the RE2 pattern (Go syntax, unanchored) that matches
// exactly the strings on which the string predicate p holds.
func stringPattern(p ltl.Pred) string {
	v := regexp.QuoteMeta(p.Value.Str)
	switch p.Cmp {
	case ltl.CmpStartsWith:
		return `^` + v
	case ltl.CmpEndsWith:
		return v + `$`
	case ltl.CmpMatches:
		return p.Value.Str
	}
	return v
}

// compiler builds the NFA of one symbol's arguments.
type compiler struct {
	b   *builder
	syn valueSyntax
	f   Format
	cut bool // some object or array was left out at MaxSchemaDepth
	// vmemo shares the NFA of a value among the places that continue the
	// same way (both separators of an optional property, say), which keeps
	// nested schemas from growing by a factor per level.
	vmemo map[vkey]int32
}

type vkey struct {
	g     *jschema.Gen
	depth int
	next  int32
}

// typeAllowed reports whether a value of JSON type t can give every lit its
// truth value when the lits of t's own kind are handled by the caller:
// a lit of another kind is false on every value of t.
func typeAllowed(lits []automata.Lit, kind ltl.ValueKind) bool {
	// Fail-closed (ltl.CheckArgs): every predicate, true or false, implies
	// its argument's type; a value of another type is in no symbol.
	for _, l := range lits {
		if l.Pred.Value.Kind != kind {
			return false
		}
	}
	return true
}

// value builds the NFA of one value of g whose lits (predicates on this
// value) must take the given truth values; -1 if no value qualifies.
// depth counts the objects and arrays around the value; past
// MaxSchemaDepth no object or array is written (recursive schemas are
// unrolled that deep), and c.cut records that something was left out.
func (c *compiler) value(g *jschema.Gen, lits []automata.Lit, depth int, next int32) (int32, error) {
	if g == nil {
		return -1, nil
	}
	if g.Any() {
		return c.litFree(lits, min(freeDepth, MaxSchemaDepth-depth), next), c.b.err
	}
	k := vkey{g, depth, next}
	if len(lits) == 0 {
		if pc, ok := c.vmemo[k]; ok {
			return pc, nil
		}
	}
	var outs []int32
	for _, nd := range g.Alts {
		pc, err := c.node(nd, lits, depth, next)
		if err != nil {
			return -1, err
		}
		outs = append(outs, pc)
	}
	pc := c.b.split(outs...)
	if len(lits) == 0 {
		if c.vmemo == nil {
			c.vmemo = map[vkey]int32{}
		}
		c.vmemo[k] = pc
	}
	return pc, c.b.err
}

// litTyped reports whether v has the type l's predicate implies.
func litTyped(l automata.Lit, v any) bool {
	return ltl.CheckArgs("", []ltl.Pred{l.Pred}, map[string]any{l.Pred.Arg: v}) == nil
}

// litFree is a free value (nested up to d) under predicates: typed by
// them when there are any.
func (c *compiler) litFree(lits []automata.Lit, d int, next int32) int32 {
	if len(lits) == 0 {
		return c.freeValue(d, next)
	}
	if _, deeper := ownAndDeeper(lits); deeper != nil {
		pc, _ := c.node(schemalessFor(deeper), lits, MaxSchemaDepth-1, next)
		return pc
	}
	nd := &jschema.Node{Types: jschema.TNull | jschema.TBool | jschema.TNumber | jschema.TString, MaxLength: -1, MaxItems: -1, MaxProps: -1}
	pc, _ := c.node(nd, lits, MaxSchemaDepth, next)
	return pc
}

// litsHold reports whether v gives every lit its truth value and has the
// type each lit's predicate implies (fail-closed: a value of another type
// is in no symbol, whatever the predicate's truth value).
func litsHold(lits []automata.Lit, v any) bool {
	for _, l := range lits {
		if l.Pred.Holds(map[string]any{l.Pred.Arg: v}) != l.Holds || !litTyped(l, v) {
			return false
		}
	}
	return true
}

func excluded(nd *jschema.Node, v any) bool {
	return slices.ContainsFunc(nd.NotValues, func(x any) bool { return jsonEqual(x, v) })
}

func toIntervals(iv jschema.Interval) []interval {
	return []interval{{lo: iv.Lo, hi: iv.Hi, loOpen: iv.LoOpen, hiOpen: iv.HiOpen}}
}

func (c *compiler) node(nd *jschema.Node, lits []automata.Lit, depth int, next int32) (int32, error) {
	own, deeper := ownAndDeeper(lits)
	if nd.HasEnum {
		var outs []int32
		for _, v := range nd.Enum {
			if !excluded(nd, v) && litsHold(lits, v) {
				outs = append(outs, c.b.lit(renderValue(v, c.syn), next))
			}
		}
		return c.b.split(outs...), c.b.err
	}
	var outs []int32
	t := nd.Types
	add := func(pc int32) { outs = append(outs, pc) }
	if deeper != nil {
		// A predicate below this value makes it an object that has the
		// property (fail-closed): no scalar, no array qualifies.
		if t&jschema.TObject == 0 || len(own) > 0 {
			return -1, nil
		}
		if depth >= MaxSchemaDepth {
			c.cut = true
			return -1, nil
		}
		return c.object(nd, jsonFrame, deeper, depth+1, next)
	}
	if t&jschema.TString != 0 {
		pc, err := c.stringValue(nd, lits, modeJSON, nil, next)
		if err != nil {
			return -1, err
		}
		add(pc)
	}
	if t&jschema.TNumber != 0 && typeAllowed(lits, ltl.NumberValue) {
		ivs := toIntervals(nd.Bounds)
		for _, l := range lits {
			switch {
			case l.Pred.Value.Kind != ltl.NumberValue:
			case l.Pred.Cmp == ltl.CmpIn:
				ivs = intersect(ivs, setIntervals(l.Pred, l.Holds))
			default:
				ivs = intersect(ivs, predIntervals(l.Pred, l.Holds))
			}
		}
		for _, v := range nd.NotValues {
			if n, ok := v.(json.Number); ok {
				if r, ok := new(big.Rat).SetString(n.String()); ok {
					ivs = intersect(ivs, []interval{{hi: r, hiOpen: true}, {lo: r, loOpen: true}})
				}
			}
		}
		if len(ivs) > 0 {
			add(c.b.leafNode(c.numLeaf(t&jschema.TFrac == 0, ivs), next))
		}
	}
	for _, sc := range []struct {
		t Types
		v []any
	}{{jschema.TBool, []any{true, false}}, {jschema.TNull, []any{nil}}} {
		if t&sc.t == 0 {
			continue
		}
		for _, v := range sc.v {
			if !excluded(nd, v) && litsHold(lits, v) {
				add(c.b.lit(renderValue(v, c.syn), next))
			}
		}
	}
	if t&jschema.TObject != 0 && typeAllowed(lits, 0) {
		if depth >= MaxSchemaDepth {
			c.cut = true
		} else {
			pc, err := c.object(nd, jsonFrame, nil, depth+1, next)
			if err != nil {
				return -1, err
			}
			add(pc)
		}
	}
	if t&jschema.TArray != 0 && typeAllowed(lits, 0) {
		if depth >= MaxSchemaDepth {
			c.cut = true
		} else {
			pc, err := c.array(nd, depth+1, next)
			if err != nil {
				return -1, err
			}
			add(pc)
		}
	}
	return c.b.split(outs...), c.b.err
}

// Types is the normaliser's type set.
type Types = jschema.Types

// stringLeaf builds the leaf of a string of nd under predicates and
// excluded spellings; nil when no string qualifies.
func (c *compiler) stringLeaf(nd *jschema.Node, lits []automata.Lit, mode strMode, exclude []string) (leaf, error) {
	if !typeAllowed(lits, ltl.StringValue) {
		return nil, nil
	}
	l := &strLeaf{mode: mode, minLen: nd.MinLength, maxLen: nd.MaxLength, notIn: slices.Clone(exclude)}
	for _, v := range nd.NotValues {
		if s, ok := v.(string); ok && !slices.Contains(l.notIn, s) {
			l.notIn = append(l.notIn, s)
		}
	}
	patterns := slices.Clone(nd.Patterns)
	var avoid []string // patterns the value must not match
	for _, lt := range lits {
		if lt.Pred.Value.Kind != ltl.StringValue {
			continue
		}
		switch {
		case lt.Pred.Cmp.IsString() && lt.Holds:
			patterns = append(patterns, stringPattern(lt.Pred))
			continue
		case lt.Pred.Cmp.IsString():
			avoid = append(avoid, stringPattern(lt.Pred))
			continue
		case lt.Pred.Cmp == ltl.CmpIn && lt.Holds:
			var set []string
			for _, v := range lt.Pred.Set {
				if l.in == nil || slices.Contains(l.in, v.Str) {
					set = append(set, v.Str)
				}
			}
			l.in = append([]string{}, set...)
			continue
		case lt.Pred.Cmp == ltl.CmpIn:
			for _, v := range lt.Pred.Set {
				if !slices.Contains(l.notIn, v.Str) {
					l.notIn = append(l.notIn, v.Str)
				}
			}
			continue
		}
		v := lt.Pred.Value.Str
		eq := (lt.Pred.Cmp == ltl.CmpEq) == lt.Holds
		if eq {
			if l.in == nil {
				l.in = []string{v}
			} else if !slices.Contains(l.in, v) {
				l.in = []string{}
			}
		} else if !slices.Contains(l.notIn, v) {
			l.notIn = append(l.notIn, v)
		}
	}
	for _, f := range nd.Formats {
		p, ok := jschema.FormatPattern(f)
		if !ok {
			return nil, newErr(CodeSchema, "format %q has no pattern", f)
		}
		patterns = append(patterns, p)
	}
	if l.in != nil {
		l.in = slices.DeleteFunc(l.in, func(v string) bool {
			n := len([]rune(v))
			if slices.Contains(l.notIn, v) || !spellable(mode, v) || n < l.minLen || l.maxLen >= 0 && n > l.maxLen {
				return true
			}
			for _, p := range patterns {
				if re, err := regexp.Compile(p); err != nil || !re.MatchString(v) {
					return true
				}
			}
			for _, p := range avoid {
				if re, err := regexp.Compile(p); err != nil || re.MatchString(v) {
					return true
				}
			}
			return false
		})
		l.notIn = nil
		if len(l.in) == 0 {
			return nil, nil
		}
		return l, nil
	}
	if len(l.notIn) > maxExcluded {
		return nil, newErr(CodeLimit, "more than %d excluded string values for one argument (limit maxExcluded)", maxExcluded)
	}
	if len(patterns) == 0 && len(avoid) == 0 {
		if l.minRem(l.init()) < 0 {
			return nil, nil
		}
		return l, nil
	}
	if mode != modeJSON {
		return nil, nil // patterns are enforced on JSON strings only: write none
	}
	parts := []leaf{}
	for _, p := range patterns {
		rl, err := newRegexLeaf(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, rl)
	}
	for _, p := range avoid {
		rl, err := newRegexLeaf(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, newRegexAvoidLeaf(rl))
	}
	var lf leaf
	switch {
	case len(avoid) > 0:
		if l.minLen > 0 || l.maxLen >= 0 || len(l.notIn) > 0 {
			parts = append(parts, l)
		}
		if len(parts) == 1 {
			lf = parts[0]
		} else {
			lf = newAndLeaf(parts...)
		}
	case len(parts) == 1 && l.minLen == 0 && l.maxLen < 0 && len(l.notIn) == 0:
		lf = parts[0]
	case len(parts) == 1 && l.minLen == 0 && l.maxLen < 0:
		lf = newRegexNotLeaf(parts[0].(*regexLeaf), l.notIn)
	default:
		if l.minLen > 0 || l.maxLen >= 0 || len(l.notIn) > 0 {
			parts = append(parts, l)
		}
		lf = newAndLeaf(parts...)
	}
	if lf.minRem(lf.init()) < 0 {
		return nil, nil
	}
	return lf, nil
}

func (c *compiler) stringValue(nd *jschema.Node, lits []automata.Lit, mode strMode, exclude []string, next int32) (int32, error) {
	lf, err := c.stringLeaf(nd, lits, mode, exclude)
	if err != nil || lf == nil {
		return -1, err
	}
	return c.b.leafNode(lf, next), nil
}

// keyText spells a property name as an object key (or keyword argument).
func keyText(name string, fr objFrame) string {
	if fr.identKeys {
		return name
	}
	return quoteJSON(name)
}

func quoteJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

// object builds an object of nd: its declared properties in schema order,
// each optional one present or not (any subsequence), required ones
// always, then the keys beyond them that nd.Extra allows (at most one,
// or any number when their values are free), the count kept within
// minProperties/maxProperties. argLits holds the predicates on top-level
// arguments (nil below the top).
func (c *compiler) object(nd *jschema.Node, fr objFrame, argLits map[string][]automata.Lit, depth int, next int32) (int32, error) {
	for name := range argLits {
		if !slices.ContainsFunc(nd.Props, func(p jschema.Prop) bool { return p.Name == name }) {
			// A predicated argument must be present (fail-closed rule),
			// and only declared properties carry predicates.
			return -1, nil
		}
	}
	minP, maxP := nd.MinProps, nd.MaxProps
	if minP > maxCount || maxP > maxCount {
		return -1, newErr(CodeLimit, "minProperties/maxProperties above %d (limit maxCount)", maxCount)
	}
	counted := minP > 0 || maxP >= 0
	capN := 1
	if counted {
		capN = max(minP, maxP+1)
	}
	countOK := func(n int) bool { return n >= minP && (maxP < 0 || n <= maxP) }
	bump := func(n int) int { return min(n+1, capN) }
	end := c.b.lit(fr.close, next)

	// Keys beyond the declared ones.
	var extraKey leaf
	var extraVal *jschema.Gen
	many := false
	if ex := nd.Extra; ex != nil {
		exclude := slices.Clone(ex.Exclude)
		for name := range argLits {
			exclude = append(exclude, name) // a predicated argument is never an extra key
		}
		mode := modeJSON
		if fr.identKeys {
			mode = modeIdent
			exclude = append(exclude, pythonKeywords...)
		}
		sort.Strings(exclude)
		exclude = slices.Compact(exclude)
		if len(exclude) <= maxExcluded {
			kn := &jschema.Node{Types: jschema.TString, MinLength: ex.KeyMinLength, MaxLength: ex.KeyMaxLength, Patterns: ex.KeyPatterns}
			if ex.KeyEnum != nil {
				for _, k := range ex.KeyEnum {
					kn.Enum = append(kn.Enum, k)
				}
			}
			var err error
			if ex.KeyEnum != nil {
				var ks []string
				for _, k := range ex.KeyEnum {
					if !slices.Contains(exclude, k) && spellable(mode, k) {
						ks = append(ks, k)
					}
				}
				if len(ks) > 0 {
					extraKey = &strLeaf{mode: mode, in: ks, maxLen: -1}
				}
			} else if extraKey, err = c.stringLeaf(kn, nil, mode, exclude); err != nil {
				return -1, err
			}
			extraVal = ex.Value
			many = ex.Many && !counted
		}
	}
	var tail func(n int) int32
	if extraKey != nil && many {
		// The extra keys must be distinct (the strict checker refuses a
		// repeated key): a membersLeaf remembers them; the NFA loop
		// below, which cannot, is kept as its relaxed form for export.
		vd := min(freeDepth, MaxSchemaDepth-depth+1)
		rAny := c.b.placeholder()
		rPair := c.b.leafNode(extraKey, c.b.lit(fr.sep, c.relaxedFreeValue(vd, rAny)))
		c.b.fill(rAny, end, c.b.lit(", ", rPair))
		rNone := c.b.split(end, rPair)
		members := func(lead bool, relaxed int32) int32 {
			l := newMembersLeaf(false, vd, c.numLeaf(false, fullLine), c.syn)
			l.key, l.quoted, l.sep, l.lead = extraKey, !fr.identKeys, fr.sep, lead
			return c.b.relaxedLeafNode(l, relaxed, end)
		}
		tailAny, tailNone := members(true, rAny), members(false, rNone)
		tail = func(n int) int32 {
			if n > 0 {
				return tailAny
			}
			return tailNone
		}
	} else {
		memo := map[int]int32{}
		tail = func(n int) int32 {
			if pc, ok := memo[n]; ok {
				return pc
			}
			pc := int32(-1)
			if countOK(n) {
				pc = end
			}
			if extraKey != nil && (maxP < 0 || n+1 <= maxP) && countOK(bump(n)) {
				val, err := c.value(extraVal, nil, depth, end)
				if err == nil && val >= 0 {
					sep := ""
					if n > 0 {
						sep = ", "
					}
					pc = c.b.split(pc, c.b.lit(sep, c.b.leafNode(extraKey, c.b.lit(fr.sep, val))))
				} else if err != nil && c.b.err == nil {
					c.b.err = err
				}
			}
			memo[n] = pc
			return pc
		}
	}
	return c.properties(nd.Props, fr, argLits, depth, capN, tail)
}

// properties builds the declared properties from index i on with n
// written so far (n saturates at capN), then tail(n).
func (c *compiler) properties(props []jschema.Prop, fr objFrame, argLits map[string][]automata.Lit, depth, capN int, tail func(n int) int32) (int32, error) {
	type key struct{ i, n int }
	memo := map[key]int32{}
	var build func(i, n int) (int32, error)
	build = func(i, n int) (int32, error) {
		if i == len(props) {
			return tail(n), c.b.err
		}
		if pc, ok := memo[key{i, n}]; ok {
			return pc, nil
		}
		p := props[i]
		lits := argLits[p.Name]
		// A predicated argument is always present (fail-closed rule).
		required := p.Required || len(lits) > 0
		if fr.identKeys && (!isIdent(p.Name) || slices.Contains(pythonKeywords, p.Name)) {
			return -1, newErr(CodeFormat, "argument %q is not a Python identifier (pythonic format)", p.Name)
		}
		rest, err := build(i+1, min(n+1, capN))
		if err != nil {
			return -1, err
		}
		present := int32(-1)
		if rest >= 0 {
			val, err := c.value(p.Value, lits, depth, rest)
			if err != nil {
				return -1, err
			}
			if val >= 0 {
				sep := ""
				if n > 0 {
					sep = ", "
				}
				present = c.b.lit(sep+keyText(p.Name, fr)+fr.sep, val)
			}
		}
		absent := int32(-1)
		if !required {
			if absent, err = build(i+1, n); err != nil {
				return -1, err
			}
		}
		pc := c.b.split(present, absent)
		memo[key{i, n}] = pc
		return pc, nil
	}
	first, err := build(0, 0)
	if err != nil || first < 0 {
		return -1, err
	}
	return c.b.lit(fr.open, first), c.b.err
}

// relaxedFreeObject is an object of any keys and free values, nested up
// to d, keys possibly repeated: the relaxed form (for export) of what
// freeValue's membersLeaf writes.
func (c *compiler) relaxedFreeObject(d int, next int32) int32 {
	if d <= 0 {
		return -1
	}
	tail := c.b.placeholder()
	key := c.b.leafNode(&strLeaf{mode: modeJSON, maxLen: -1}, c.b.lit(": ", c.relaxedFreeValue(d-1, tail)))
	c.b.fill(tail, c.b.lit("}", next), c.b.lit(", ", key))
	return c.b.lit("{", c.b.split(c.b.lit("}", next), key))
}

func (c *compiler) relaxedFreeArray(d int, next int32) int32 {
	if d <= 0 {
		return -1
	}
	tail := c.b.placeholder()
	item := c.relaxedFreeValue(d-1, tail)
	c.b.fill(tail, c.b.lit("]", next), c.b.lit(", ", item))
	return c.b.lit("[", c.b.split(c.b.lit("]", next), item))
}

// numLeaf is the number leaf of the compiler's format: numbers as tojson
// prints them where the format asks (FormatSpec.TojsonNumbers).
func (c *compiler) numLeaf(integer bool, ivs []interval) *numLeaf {
	if c.f.Valid() && c.f.d.TojsonNumbers {
		return newPyNumLeaf(integer, ivs)
	}
	return newNumLeaf(integer, ivs)
}

// relaxedFreeValue is any scalar, or an object or array nested up to d,
// keys possibly repeated (see relaxedFreeObject).
func (c *compiler) relaxedFreeValue(d int, next int32) int32 {
	return c.b.split(
		c.b.leafNode(&strLeaf{mode: modeJSON, maxLen: -1}, next),
		c.b.leafNode(c.numLeaf(false, fullLine), next),
		c.b.lit(c.syn.trueLit(), next),
		c.b.lit(c.syn.falseLit(), next),
		c.b.lit(c.syn.nullLit(), next),
		c.relaxedFreeObject(d, next),
		c.relaxedFreeArray(d, next),
	)
}

// freeValue is any scalar, or an object or array nested up to d, the keys
// of each object distinct: one membersLeaf (objects need its memory).
// Without objects (d <= 0) the plain NFA is the same language.
func (c *compiler) freeValue(d int, next int32) int32 {
	if d <= 0 {
		return c.relaxedFreeValue(d, next)
	}
	return c.b.relaxedLeafNode(newMembersLeaf(true, d, c.numLeaf(false, fullLine), c.syn), c.relaxedFreeValue(d, next), next)
}

// array builds an array of nd: Prefix items, then Rest items, between
// minItems and maxItems, and (with Contains) at least one item that is
// also of Contains.
func (c *compiler) array(nd *jschema.Node, depth int, next int32) (int32, error) {
	if nd.MinItems > maxItemsUnrolled || len(nd.Prefix) > maxItemsUnrolled {
		return -1, newErr(CodeLimit, "minItems/prefixItems above %d (limit maxItemsUnrolled)", maxItemsUnrolled)
	}
	maxItems := nd.MaxItems
	if maxItems > maxItemsUnrolled {
		// Unrolling stops at the limit: longer arrays are not written.
		maxItems = maxItemsUnrolled
	}
	if nd.UniqueEnum != nil {
		return c.uniqueArray(nd, maxItems, next)
	}
	item := func(k int, contains bool, next int32) (int32, error) {
		if contains {
			return c.value(nd.Contains, nil, depth, next)
		}
		if k < len(nd.Prefix) {
			return c.value(nd.Prefix[k], nil, depth, next)
		}
		return c.value(nd.Rest, nil, depth, next)
	}
	needC := nd.Contains != nil
	closeArr := c.b.lit("]", next)
	loops := map[bool]int32{}
	type key struct {
		k   int
		sat bool
	}
	memo := map[key]int32{}
	var build func(k int, sat bool) (int32, error)
	build = func(k int, sat bool) (int32, error) {
		if pc, ok := memo[key{k, sat}]; ok {
			return pc, nil
		}
		done := sat || !needC
		closeHere := int32(-1)
		if done && k >= nd.MinItems {
			closeHere = closeArr
		}
		if maxItems >= 0 && k >= maxItems {
			memo[key{k, sat}] = closeHere
			return closeHere, nil
		}
		if maxItems < 0 && k >= max(nd.MinItems, 1, len(nd.Prefix)) {
			if pc, ok := loops[sat]; ok {
				return pc, nil
			}
			loop := c.b.placeholder()
			loops[sat] = loop
			memo[key{k, sat}] = loop
			var outs []int32
			it, err := item(k, false, loop)
			if err != nil {
				return -1, err
			}
			if it >= 0 {
				outs = append(outs, c.b.lit(", ", it))
			}
			if !done {
				then, err := build(k+1, true)
				if err != nil {
					return -1, err
				}
				if then >= 0 {
					ci, err := item(k, true, then)
					if err != nil {
						return -1, err
					}
					if ci >= 0 {
						outs = append(outs, c.b.lit(", ", ci))
					}
				}
			}
			c.b.fill(loop, append([]int32{closeHere}, outs...)...)
			return loop, nil
		}
		sep := ""
		if k > 0 {
			sep = ", "
		}
		var outs []int32
		rest, err := build(k+1, sat)
		if err != nil {
			return -1, err
		}
		if rest >= 0 {
			it, err := item(k, false, rest)
			if err != nil {
				return -1, err
			}
			if it >= 0 {
				outs = append(outs, c.b.lit(sep, it))
			}
		}
		if !done {
			then, err := build(k+1, true)
			if err != nil {
				return -1, err
			}
			if then >= 0 {
				ci, err := item(k, true, then)
				if err != nil {
					return -1, err
				}
				if ci >= 0 {
					outs = append(outs, c.b.lit(sep, ci))
				}
			}
		}
		pc := c.b.split(append([]int32{closeHere}, outs...)...)
		memo[key{k, sat}] = pc
		return pc, nil
	}
	first, err := build(0, false)
	if err != nil || first < 0 {
		return -1, err
	}
	return c.b.lit("[", first), c.b.err
}

// uniqueArray writes a subsequence of nd.UniqueEnum (distinct items by
// construction) of length between minItems and maxItems.
func (c *compiler) uniqueArray(nd *jschema.Node, maxItems int, next int32) (int32, error) {
	vals := nd.UniqueEnum
	closeArr := c.b.lit("]", next)
	type key struct{ i, k int }
	memo := map[key]int32{}
	var build func(i, k int) int32
	build = func(i, k int) int32 {
		if pc, ok := memo[key{i, k}]; ok {
			return pc
		}
		pc := int32(-1)
		if i == len(vals) {
			if k >= nd.MinItems {
				pc = closeArr
			}
		} else {
			take := int32(-1)
			if maxItems < 0 || k < maxItems {
				if rest := build(i+1, k+1); rest >= 0 {
					sep := ""
					if k > 0 {
						sep = ", "
					}
					take = c.b.lit(sep+renderValue(vals[i], c.syn), rest)
				}
			}
			pc = c.b.split(take, build(i+1, k))
		}
		memo[key{i, k}] = pc
		return pc
	}
	first := build(0, 0)
	if first < 0 {
		return -1, c.b.err
	}
	return c.b.lit("[", first), c.b.err
}

// schemaless is the generation form of a tool without a schema: its
// predicated arguments as optional scalars (in predicate order), then any
// other keys with free values.
// schemalessFor is schemaless over the predicated keys of byArg, where a
// key with predicates below it holds an object of those keys in turn.
func schemalessFor(byArg map[string][]automata.Lit) *jschema.Node {
	keys := slices.Sorted(maps.Keys(byArg))
	nd := schemaless(keys)
	for i, k := range keys {
		if _, deeper := ownAndDeeper(byArg[k]); deeper != nil {
			nd.Props[i].Value = &jschema.Gen{Alts: []*jschema.Node{schemalessFor(deeper)}}
		}
	}
	return nd
}

func schemaless(order []string) *jschema.Node {
	nd := &jschema.Node{Types: jschema.TObject, MaxLength: -1, MaxItems: -1, MaxProps: -1}
	for _, a := range order {
		g := &jschema.Gen{Alts: []*jschema.Node{{Types: jschema.TNull | jschema.TBool | jschema.TNumber | jschema.TString, MaxLength: -1, MaxItems: -1, MaxProps: -1}}}
		nd.Props = append(nd.Props, jschema.Prop{Name: a, Value: g})
	}
	any := jschema.AnyGen()
	nd.Extra = &jschema.Extra{KeyMaxLength: -1, Exclude: slices.Clone(order), Value: any, Many: true}
	return nd
}

// args builds a call's arguments: by the tool's schema if it has one (the
// alternatives of its root that are objects), else schemaless.
func (c *compiler) args(s *schema, lits []automata.Lit, next int32) (int32, error) {
	byArg := map[string][]automata.Lit{}
	var order []string
	for _, l := range lits {
		name := l.Pred.Segments()[0]
		if _, ok := byArg[name]; !ok {
			order = append(order, name)
		}
		byArg[name] = append(byArg[name], l)
	}
	fr := c.f.argFrame()
	if s == nil {
		if fr.identKeys && len(order)+len(pythonKeywords) > maxExcluded {
			return -1, newErr(CodeLimit, "more than %d predicated arguments on one schemaless tool (limit maxExcluded)", maxExcluded-len(pythonKeywords))
		}
		if len(order) > maxExcluded {
			return -1, newErr(CodeLimit, "more than %d predicated arguments on one schemaless tool (limit maxExcluded)", maxExcluded)
		}
		nd := schemaless(order)
		for i, k := range order {
			if _, deeper := ownAndDeeper(byArg[k]); deeper != nil {
				nd.Props[i].Value = &jschema.Gen{Alts: []*jschema.Node{schemalessFor(deeper)}}
			}
		}
		return c.object(nd, fr, byArg, 1, next)
	}
	var outs []int32
	for _, nd := range s.g.Alts {
		if nd.Types&jschema.TObject == 0 {
			continue
		}
		if nd.HasEnum {
			// An enum of argument objects: each written as a literal.
			for _, v := range nd.Enum {
				m, ok := v.(map[string]any)
				if !ok || fr.identKeys || !litsHoldArgs(lits, m) {
					continue
				}
				outs = append(outs, c.b.lit(renderValue(m, c.syn), next))
			}
			continue
		}
		pc, err := c.object(nd, fr, byArg, 1, next)
		if err != nil {
			return -1, err
		}
		outs = append(outs, pc)
	}
	return c.b.split(outs...), c.b.err
}

func litsHoldArgs(lits []automata.Lit, args map[string]any) bool {
	for _, l := range lits {
		if l.Pred.Holds(args) != l.Holds {
			return false
		}
	}
	return true
}

// renderValue spells a literal value (from an enum or const) canonically.
func renderValue(v any, syn valueSyntax) string {
	switch x := v.(type) {
	case nil:
		return syn.nullLit()
	case bool:
		if x {
			return syn.trueLit()
		}
		return syn.falseLit()
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return quoteJSON(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = renderValue(e, syn)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = quoteJSON(k) + ": " + renderValue(x[k], syn)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return syn.nullLit()
}

// jsonType is the JSON Schema type name of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

func isIntegral(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	r, ok := new(big.Rat).SetString(n.String())
	return ok && r.IsInt()
}

func ratOfNumber(n json.Number) (*big.Rat, bool) { return new(big.Rat).SetString(n.String()) }
