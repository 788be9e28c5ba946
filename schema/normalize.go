package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// NormalizeForGeneration turns a JSON schema document into its generation
// form, or refuses it with an *Error naming the keyword and JSON pointer.
func NormalizeForGeneration(raw json.RawMessage, opts Options) (*Gen, error) {
	opts = opts.withDefaults()
	root, err := parseDoc(raw, opts.MaxBytes, opts.MaxJSONDepth)
	if err != nil {
		return nil, err
	}
	if o, ok := root.(*object); ok && o.m["strict"] == true {
		// OpenAI's strict mode, when a catalog puts its flag in the schema.
		opts.Strict = true
	}
	n := &normalizer{opts: opts, root: root, memo: map[string]*Gen{}}
	if err := n.prepare(); err != nil {
		return nil, err
	}
	g, err := n.gen([]string{""})
	if err != nil {
		return nil, err
	}
	if err := checkDepth(g, opts.MaxDepth); err != nil {
		return nil, err
	}
	return g, nil
}

type normalizer struct {
	opts     Options
	root     any
	memo     map[string]*Gen
	building map[*Gen]bool
	rootID   string
	nestedID map[string]bool // pointers of subschemas with their own $id
	anchors  map[string]string
	v        *validators
	work     int
}

// prepare validates the document as a schema (the validator's own
// metaschema check) and indexes anchors and nested $id.
func (n *normalizer) prepare() error {
	n.building = map[*Gen]bool{}
	n.nestedID = map[string]bool{}
	n.anchors = map[string]string{}
	if o, ok := n.root.(*object); ok {
		if id, ok := o.m["$id"].(string); ok {
			n.rootID = strings.TrimSuffix(id, "#")
		}
	}
	var walk func(v any, ptr string, parentKey string)
	walk = func(v any, ptr string, parentKey string) {
		switch x := v.(type) {
		case *object:
			schemaMap := parentKey == "properties" || parentKey == "patternProperties" || parentKey == "$defs" ||
				parentKey == "definitions" || parentKey == "dependentSchemas" || parentKey == "dependencies"
			if !schemaMap {
				if id, ok := x.m["$id"].(string); ok && ptr != "" {
					if strings.HasPrefix(id, "#") {
						n.anchors[id[1:]] = ptr
					} else {
						n.nestedID[ptr] = true
					}
				}
				if a, ok := x.m["$anchor"].(string); ok {
					n.anchors[a] = ptr
				}
			}
			for _, k := range x.keys {
				pk := k
				if schemaMap {
					pk = ""
				}
				walk(x.m[k], ptr+"/"+escapePtr(k), pk)
			}
		case []any:
			for i, e := range x {
				walk(e, ptr+"/"+strconv.Itoa(i), "")
			}
		}
	}
	walk(n.root, "", "")
	// References first, so that a remote or dangling one is reported at
	// its own pointer.
	var refErr error
	var refs func(v any, ptr string)
	refs = func(v any, ptr string) {
		if refErr != nil {
			return
		}
		switch x := v.(type) {
		case *object:
			if r, ok := x.m["$ref"].(string); ok {
				if _, err := n.refTarget(ptr, r); err != nil {
					refErr = err
					return
				}
			}
			for _, k := range x.keys {
				refs(x.m[k], ptr+"/"+escapePtr(k))
			}
		case []any:
			for i, e := range x {
				refs(e, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	refs(n.root, "")
	if refErr != nil {
		return refErr
	}
	v, err := newValidators(plain(n.root))
	if err != nil {
		return err
	}
	n.v = v
	return nil
}

// refTarget resolves a $ref found at ptr to a pointer into the document.
func (n *normalizer) refTarget(ptr, ref string) (string, error) {
	for p := range n.nestedID {
		if ptr == p || strings.HasPrefix(ptr, p+"/") {
			return "", unsupported(p, "$id", "a subschema with its own $id changes how $ref resolves below it; only references within one resource are supported")
		}
	}
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		if n.rootID != "" && strings.HasPrefix(ref, n.rootID) {
			frag, _ = strings.CutPrefix(strings.TrimPrefix(ref, n.rootID), "#")
		} else {
			return "", &Error{Code: CodeRemoteRef, Pointer: ptr, Keyword: "$ref", Msg: fmt.Sprintf("%q is not a reference within this document (specplan never fetches schemas)", ref)}
		}
	}
	frag, err := url.PathUnescape(frag)
	if err != nil {
		return "", invalid(ptr, "$ref", fmt.Sprintf("%q: %v", ref, err))
	}
	if frag != "" && frag[0] != '/' {
		t, ok := n.anchors[frag]
		if !ok {
			return "", invalid(ptr, "$ref", fmt.Sprintf("%q: no such anchor", ref))
		}
		return t, nil
	}
	if _, ok := resolvePtr(n.root, frag); !ok {
		return "", invalid(ptr, "$ref", fmt.Sprintf("%q points nowhere in the document", ref))
	}
	return frag, nil
}

func setKey(ptrs []string) (string, []string) {
	s := slices.Clone(ptrs)
	sort.Strings(s)
	s = slices.Compact(s)
	var sb strings.Builder
	for _, p := range s {
		sb.WriteByte(0)
		sb.WriteString(p)
	}
	return sb.String(), s
}

// gen is the Gen of the conjunction of the schemas at ptrs, memoised so
// that recursive schemas give a cyclic graph.
func (n *normalizer) gen(ptrs []string) (*Gen, error) {
	key, set := setKey(ptrs)
	if g, ok := n.memo[key]; ok {
		return g, nil
	}
	if len(n.memo) >= n.opts.MaxGens {
		p := ""
		if len(set) > 0 {
			p = set[0]
		}
		return nil, limitErr(p, "", "more than %d distinct subschema combinations (limit Options.MaxGens)", n.opts.MaxGens)
	}
	g := &Gen{set: set}
	if len(ptrs) > 0 {
		g.Ptr = ptrs[0]
	}
	n.memo[key] = g
	n.building[g] = true
	defer delete(n.building, g)
	if len(set) == 0 {
		g.Alts = []*Node{anyNode("")}
		g.any = true
		return g, nil
	}
	st := &state{ptrs: slices.Clone(ptrs), chosen: map[string]int{}, parent: map[string]string{}, doneNeg: map[string]bool{}}
	alts, err := n.branch(st)
	if err != nil {
		return nil, err
	}
	g.Alts = alts
	g.settle()
	return g, nil
}

func anyNode(ptr string) *Node {
	any := &Gen{Ptr: ptr, any: true}
	nd := &Node{Ptr: ptr, Types: TAll, MaxLength: -1, MaxItems: -1, MaxProps: -1, Rest: any,
		Extra: &Extra{KeyMaxLength: -1, Value: any, Many: true}}
	any.Alts = []*Node{nd}
	return nd
}

// state is one branch of the distribution of disjunctions.
type state struct {
	ptrs    []string
	doneNeg map[string]bool // negations rewritten as their double negation
	chosen  map[string]int
	parent  map[string]string // in-place parent of a subschema (for unevaluated*)
	mods    mods
}

type mods struct {
	required, absent []string
	negs             []neg
}

type neg struct {
	ptr  string
	soft bool // from if/else: the branch is dropped when not(if) cannot be enforced
}

func (st *state) clone() *state {
	c := &state{ptrs: slices.Clone(st.ptrs), chosen: map[string]int{}, parent: map[string]string{}, doneNeg: map[string]bool{}, mods: mods{
		required: slices.Clone(st.mods.required), absent: slices.Clone(st.mods.absent), negs: slices.Clone(st.mods.negs)}}
	for k, v := range st.chosen {
		c.chosen[k] = v
	}
	for k, v := range st.doneNeg {
		c.doneNeg[k] = v
	}
	for k, v := range st.parent {
		c.parent[k] = v
	}
	return c
}

type part struct {
	ptr string
	o   *object
}

type choice struct {
	ptrs []string
	mods mods
}

type group struct {
	id      string
	owner   string
	keyword string
	choices []choice
	one     bool // oneOf
}

// flatten collects the schema objects of a conjunction ($ref and allOf
// inline) and the disjunctions still to be distributed. ok is false when
// some member is the false schema.
func (n *normalizer) flatten(st *state) (parts []part, groups []group, negs []neg, ok bool, err error) {
	seen := map[string]bool{}
	queue := slices.Clone(st.ptrs)
	add := func(child, parent string) {
		if _, ok := st.parent[child]; !ok {
			st.parent[child] = parent
		}
		queue = append(queue, child)
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		if q, isNeg := strings.CutPrefix(p, "!"); isNeg {
			negs = append(negs, neg{ptr: q})
			continue
		}
		v, found := resolvePtr(n.root, p)
		if !found {
			return nil, nil, nil, false, invalid(p, "", "no schema at this pointer")
		}
		switch x := v.(type) {
		case bool:
			if !x {
				return nil, nil, nil, false, nil
			}
			continue
		case *object:
			parts = append(parts, part{p, x})
			for _, kw := range []string{"$dynamicRef", "$recursiveRef"} {
				if _, has := x.m[kw]; has {
					return nil, nil, nil, false, unsupported(p, kw, "dynamic references are not supported for generation")
				}
			}
			if r, has := x.m["$ref"]; has {
				s, isStr := r.(string)
				if !isStr {
					return nil, nil, nil, false, invalid(p, "$ref", "must be a string")
				}
				t, err := n.refTarget(p, s)
				if err != nil {
					return nil, nil, nil, false, err
				}
				if t == p || inSubtree(st, p, t) {
					// The validator treats a reference back into the same
					// instance's own schema as a cycle error.
					return nil, nil, nil, false, unsupported(p, "$ref", "%q refers back to an enclosing schema without descending into a value (a reference cycle)", s)
				}
				add(t, p)
			}
			if a, has := x.m["allOf"].([]any); has {
				for i := range a {
					add(fmt.Sprintf("%s/allOf/%d", p, i), p)
				}
			}
			for _, kw := range []string{"anyOf", "oneOf"} {
				a, has := x.m[kw].([]any)
				if !has {
					continue
				}
				g := group{id: p + "/" + kw, owner: p, keyword: kw, one: kw == "oneOf"}
				for i := range a {
					g.choices = append(g.choices, choice{ptrs: []string{fmt.Sprintf("%s/%s/%d", p, kw, i)}})
				}
				groups = append(groups, g)
			}
			if _, has := x.m["if"]; has {
				g := group{id: p + "/if", owner: p, keyword: "if"}
				yes := choice{ptrs: []string{p + "/if"}}
				if _, t := x.m["then"]; t {
					yes.ptrs = append(yes.ptrs, p+"/then")
				}
				no := choice{mods: mods{negs: []neg{{ptr: p + "/if", soft: true}}}}
				if _, e := x.m["else"]; e {
					no.ptrs = append(no.ptrs, p+"/else")
				}
				g.choices = []choice{yes, no}
				groups = append(groups, g)
			}
			for _, kw := range []string{"dependentRequired", "dependentSchemas", "dependencies"} {
				d, has := x.m[kw].(*object)
				if !has {
					continue
				}
				for _, k := range d.keys {
					g := group{id: p + "/" + kw + "/" + escapePtr(k), owner: p, keyword: kw}
					present := choice{mods: mods{required: []string{k}}}
					switch dv := d.m[k].(type) {
					case []any:
						for _, e := range dv {
							s, isStr := e.(string)
							if !isStr {
								return nil, nil, nil, false, invalid(p, kw, "dependency lists hold strings")
							}
							present.mods.required = append(present.mods.required, s)
						}
					default:
						present.ptrs = []string{p + "/" + kw + "/" + escapePtr(k)}
					}
					g.choices = []choice{{mods: mods{absent: []string{k}}}, present}
					groups = append(groups, g)
				}
			}
			if _, has := x.m["not"]; has {
				negs = append(negs, neg{ptr: p + "/not"})
			}
		default:
			return nil, nil, nil, false, invalid(p, "", "a schema must be an object or a boolean")
		}
	}
	return parts, groups, negs, true, nil
}

func (n *normalizer) branch(st *state) ([]*Node, error) {
	n.work++
	if n.work > n.opts.MaxAlternatives*n.opts.MaxGens {
		return nil, limitErr(st.ptrs[0], "anyOf", "too many combinations of alternatives (limit Options.MaxAlternatives)")
	}
	parts, groups, negs, ok, err := n.flatten(st)
	if err != nil || !ok {
		return nil, err
	}
	for _, g := range groups {
		if _, done := st.chosen[g.id]; done {
			continue
		}
		var out []*Node
		for i, ch := range g.choices {
			st2 := st.clone()
			st2.chosen[g.id] = i
			for _, p := range ch.ptrs {
				if _, ok := st2.parent[p]; !ok {
					st2.parent[p] = g.owner
				}
			}
			st2.ptrs = append(st2.ptrs, ch.ptrs...)
			st2.mods.required = append(st2.mods.required, ch.mods.required...)
			st2.mods.absent = append(st2.mods.absent, ch.mods.absent...)
			st2.mods.negs = append(st2.mods.negs, ch.mods.negs...)
			nodes, err := n.branch(st2)
			if err != nil {
				return nil, err
			}
			if g.one {
				if nodes, err = n.exclusive(nodes, g, i); err != nil {
					return nil, err
				}
			}
			out = append(out, nodes...)
			if len(out) > n.opts.MaxAlternatives {
				return nil, limitErr(g.owner, g.keyword, "more than %d alternatives after distributing anyOf/oneOf/if/dependencies (limit Options.MaxAlternatives)", n.opts.MaxAlternatives)
			}
		}
		return out, nil
	}
	// not {not X} is X: conjoin X and branch again.
	for _, ng := range append(negs, st.mods.negs...) {
		if st.doneNeg[ng.ptr] {
			continue
		}
		if o, ok := n.resolveObj(ng.ptr); ok && onlyKeyword(o, "not") {
			st2 := st.clone()
			st2.doneNeg[ng.ptr] = true
			// Annotations under not do not count as evaluated: X is a
			// barrier for unevaluated*, but still linked for cycles.
			x := ng.ptr + "/not"
			st2.ptrs = append(st2.ptrs, x)
			if _, ok := st2.parent[x]; !ok {
				st2.parent[x] = strings.TrimSuffix(ng.ptr, "/not")
			}
			st2.doneNeg["barrier:"+x] = true
			return n.branch(st2)
		}
	}
	nd, err := n.merge(parts, st)
	if err != nil || nd == nil {
		return nil, err
	}
	for _, ng := range append(negs, st.mods.negs...) {
		if st.doneNeg[ng.ptr] {
			continue
		}
		var ok bool
		if nd, ok, err = n.negate(nd, ng.ptr); err != nil {
			return nil, err
		}
		if !ok {
			if ng.soft {
				return nil, nil
			}
			return nil, unsupported(strings.TrimSuffix(ng.ptr, "/not"), "not", "the negated schema has no keyword whose failure the generator can enforce (type, const, enum, required, length, bounds, item or property counts)")
		}
		if nd == nil {
			return nil, nil
		}
	}
	return []*Node{nd}, nil
}

func ratOf(x json.Number) (*big.Rat, bool) {
	return new(big.Rat).SetString(x.String())
}

func typesOf(v any, ptr string) (Types, error) {
	one := func(s string) (Types, error) {
		switch s {
		case "null":
			return TNull, nil
		case "boolean":
			return TBool, nil
		case "integer":
			return TInt, nil
		case "number":
			return TNumber, nil
		case "string":
			return TString, nil
		case "array":
			return TArray, nil
		case "object":
			return TObject, nil
		}
		return 0, invalid(ptr, "type", fmt.Sprintf("unknown type %q", s))
	}
	switch x := v.(type) {
	case string:
		return one(x)
	case []any:
		var t Types
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return 0, invalid(ptr, "type", "type lists hold strings")
			}
			u, err := one(s)
			if err != nil {
				return 0, err
			}
			t |= u
		}
		return t, nil
	}
	return 0, invalid(ptr, "type", "must be a string or a list of strings")
}

// valueTypes is the type of a plain JSON value.
func valueTypes(v any) Types {
	switch x := v.(type) {
	case nil:
		return TNull
	case bool:
		return TBool
	case json.Number:
		if r, ok := ratOf(x); ok && r.IsInt() {
			return TInt
		}
		return TFrac
	case string:
		return TString
	case []any:
		return TArray
	}
	return TObject
}

func scalar(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return false
	}
	return true
}

func nonNegInt(o *object, kw, ptr string) (int, bool, error) {
	v, ok := o.m[kw]
	if !ok {
		return 0, false, nil
	}
	num, isNum := v.(json.Number)
	if !isNum {
		return 0, false, invalid(ptr, kw, "must be a non-negative integer")
	}
	r, ok := ratOf(num)
	if !ok || !r.IsInt() || r.Sign() < 0 {
		return 0, false, invalid(ptr, kw, "must be a non-negative integer")
	}
	if !r.Num().IsInt64() || r.Num().Int64() > 1<<30 {
		return 1 << 30, true, nil
	}
	return int(r.Num().Int64()), true, nil
}

// merge builds the node of one conjunction with no disjunction left.
// nil: no value satisfies it.
func (n *normalizer) merge(parts []part, st *state) (*Node, error) {
	ptr := ""
	if len(parts) > 0 {
		ptr = parts[0].ptr
	} else if len(st.ptrs) > 0 {
		ptr = st.ptrs[0]
	}
	nd := &Node{Ptr: ptr, Types: TAll, MaxLength: -1, MaxItems: -1, MaxProps: -1}
	var enumSets [][]any
	for _, pt := range parts {
		o, p := pt.o, pt.ptr
		if v, ok := o.m["type"]; ok {
			t, err := typesOf(v, p)
			if err != nil {
				return nil, err
			}
			nd.Types &= t
		}
		if v, ok := o.m["const"]; ok {
			enumSets = append(enumSets, []any{plain(v)})
		}
		if v, ok := o.m["enum"]; ok {
			a, isArr := v.([]any)
			if !isArr {
				return nil, invalid(p, "enum", "must be an array")
			}
			enumSets = append(enumSets, plain(a).([]any))
		}
	}
	if len(enumSets) > 0 {
		return n.enumNode(nd, enumSets[0], parts, st)
	}
	if nd.Types == 0 {
		return nil, nil
	}
	if err := n.mergeScalars(nd, parts); err != nil || nd.Types == 0 {
		return nil, err
	}
	if nd.Types&TArray != 0 {
		ok, err := n.mergeArray(nd, parts, st)
		if err != nil {
			return nil, err
		}
		if !ok {
			nd.Types &^= TArray
		}
	}
	if nd.Types&TObject != 0 {
		ok, err := n.mergeObject(nd, parts, st)
		if err != nil {
			return nil, err
		}
		if !ok {
			nd.Types &^= TObject
		}
	}
	if nd.Types == 0 {
		return nil, nil
	}
	return nd, nil
}

// enumNode keeps the values of an enum (or const) that the validator
// accepts under every member of the conjunction and the branch's
// modifications: exact, whatever other keywords are present.
func (n *normalizer) enumNode(nd *Node, vals []any, parts []part, st *state) (*Node, error) {
	nd.HasEnum = true
	var kept []any
	for _, v := range vals {
		ok := true
		for _, pt := range parts {
			good, err := n.v.valid(pt.ptr, v)
			if err != nil {
				return nil, err
			}
			if !good {
				ok = false
				break
			}
		}
		if m, isObj := v.(map[string]any); ok && isObj {
			for _, r := range st.mods.required {
				if _, has := m[r]; !has {
					ok = false
				}
			}
			for _, a := range st.mods.absent {
				if _, has := m[a]; has {
					ok = false
				}
			}
		}
		for _, ng := range st.mods.negs {
			if !ok {
				break
			}
			good, err := n.v.valid(ng.ptr, v)
			if err != nil {
				return nil, err
			}
			ok = !good
		}
		if ok && n.opts.Strict {
			ok = n.strictValue(parts, v)
		}
		if ok && !slices.ContainsFunc(kept, func(k any) bool { return jsonEqual(k, v) }) {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	nd.Enum = kept
	nd.Types = 0
	for _, v := range kept {
		nd.Types |= valueTypes(v)
	}
	return nd, nil
}

// strictValue: under strict mode an enum object value must hold exactly
// the declared properties of the parts that declare any.
func (n *normalizer) strictValue(parts []part, v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return true
	}
	for _, pt := range parts {
		props, ok := pt.o.m["properties"].(*object)
		if !ok {
			continue
		}
		if len(props.keys) != len(m) {
			return false
		}
		for _, k := range props.keys {
			if _, has := m[k]; !has {
				return false
			}
		}
	}
	return true
}

func (n *normalizer) mergeScalars(nd *Node, parts []part) error {
	for _, pt := range parts {
		o, p := pt.o, pt.ptr
		if v, ok, err := nonNegInt(o, "minLength", p); err != nil {
			return err
		} else if ok {
			nd.MinLength = max(nd.MinLength, v)
		}
		if v, ok, err := nonNegInt(o, "maxLength", p); err != nil {
			return err
		} else if ok && (nd.MaxLength < 0 || v < nd.MaxLength) {
			nd.MaxLength = v
		}
		if v, ok := o.m["pattern"]; ok {
			s, isStr := v.(string)
			if !isStr {
				return invalid(p, "pattern", "must be a string")
			}
			if _, err := regexp.Compile(s); err != nil {
				return invalid(p, "pattern", err.Error())
			}
			if !slices.Contains(nd.Patterns, s) {
				nd.Patterns = append(nd.Patterns, s)
			}
		}
		if v, ok := o.m["format"]; ok {
			s, _ := v.(string)
			if _, has := formatPatterns[s]; has {
				if nd.Types&TString != 0 && !slices.Contains(nd.Formats, s) {
					nd.Formats = append(nd.Formats, s)
				}
			} else if assertedFormats[s] && nd.Types&TString != 0 {
				return unsupported(p, "format", "format %q has no regular language for generation", s)
			}
		}
		num := func(kw string) (*big.Rat, bool, bool, error) {
			v, ok := o.m[kw]
			if !ok {
				return nil, false, false, nil
			}
			if b, isB := v.(bool); isB {
				return nil, b, true, nil
			}
			x, isNum := v.(json.Number)
			if !isNum {
				return nil, false, false, invalid(p, kw, "must be a number")
			}
			r, ok := ratOf(x)
			if !ok {
				return nil, false, false, invalid(p, kw, "must be a number")
			}
			return r, false, true, nil
		}
		mn, _, _, err := num("minimum")
		if err != nil {
			return err
		}
		mx, _, _, err := num("maximum")
		if err != nil {
			return err
		}
		emn, emnFlag, _, err := num("exclusiveMinimum")
		if err != nil {
			return err
		}
		emx, emxFlag, _, err := num("exclusiveMaximum")
		if err != nil {
			return err
		}
		if mn != nil {
			nd.Bounds = intersectLo(nd.Bounds, mn, emnFlag)
		}
		if emn != nil {
			nd.Bounds = intersectLo(nd.Bounds, emn, true)
		}
		if mx != nil {
			nd.Bounds = intersectHi(nd.Bounds, mx, emxFlag)
		}
		if emx != nil {
			nd.Bounds = intersectHi(nd.Bounds, emx, true)
		}
		m, _, present, err := num("multipleOf")
		if err != nil {
			return err
		}
		if present {
			if m == nil || m.Sign() <= 0 {
				return invalid(p, "multipleOf", "must be a positive number")
			}
			inv := new(big.Rat).Inv(m)
			if inv.IsInt() {
				// Every integer is a multiple of 1/k: write integers only.
				nd.Types &^= TFrac
			} else if nd.Types&TNumber != 0 {
				return unsupported(p, "multipleOf", "multipleOf %s is enforced only when 1/multipleOf is an integer (then integers are written)", m.RatString())
			}
		}
	}
	if nd.Types&TNumber != 0 && emptyInterval(nd.Bounds) {
		nd.Types &^= TNumber
	}
	if nd.Types&TString != 0 && nd.MaxLength >= 0 && nd.MinLength > nd.MaxLength {
		nd.Types &^= TString
	}
	return nil
}

func intersectLo(iv Interval, lo *big.Rat, open bool) Interval {
	if iv.Lo == nil || lo.Cmp(iv.Lo) > 0 || lo.Cmp(iv.Lo) == 0 && open {
		iv.Lo, iv.LoOpen = lo, open
	}
	return iv
}

func intersectHi(iv Interval, hi *big.Rat, open bool) Interval {
	if iv.Hi == nil || hi.Cmp(iv.Hi) < 0 || hi.Cmp(iv.Hi) == 0 && open {
		iv.Hi, iv.HiOpen = hi, open
	}
	return iv
}

func emptyInterval(iv Interval) bool {
	if iv.Lo == nil || iv.Hi == nil {
		return false
	}
	c := iv.Lo.Cmp(iv.Hi)
	return c > 0 || c == 0 && (iv.LoOpen || iv.HiOpen)
}

// inSubtree reports whether part q is p or reached from p in place.
func inSubtree(st *state, q, p string) bool { return reaches(st, q, p, false) }

// evaluatedBy reports whether annotations of part q reach p (in place,
// not through a negation).
func evaluatedBy(st *state, q, p string) bool { return reaches(st, q, p, true) }

func reaches(st *state, q, p string, annotations bool) bool {
	for i := 0; i < 1000; i++ {
		if q == p {
			return true
		}
		if annotations && st.doneNeg["barrier:"+q] {
			return false
		}
		par, ok := st.parent[q]
		if !ok {
			return false
		}
		q = par
	}
	return false
}

func (n *normalizer) mergeArray(nd *Node, parts []part, st *state) (bool, error) {
	type arr struct {
		prefix  []string
		rest    string // "" when the part does not constrain further items
		hasRest bool
	}
	as := make([]arr, len(parts))
	var containsPtr string
	for i, pt := range parts {
		o, p := pt.o, pt.ptr
		a := &as[i]
		if v, ok := o.m["prefixItems"].([]any); ok {
			for j := range v {
				a.prefix = append(a.prefix, fmt.Sprintf("%s/prefixItems/%d", p, j))
			}
			if _, ok := o.m["items"]; ok {
				a.rest, a.hasRest = p+"/items", true
			}
		} else if v, ok := o.m["items"]; ok {
			if arrItems, isArr := v.([]any); isArr {
				for j := range arrItems {
					a.prefix = append(a.prefix, fmt.Sprintf("%s/items/%d", p, j))
				}
				if _, ok := o.m["additionalItems"]; ok {
					a.rest, a.hasRest = p+"/additionalItems", true
				}
			} else {
				a.rest, a.hasRest = p+"/items", true
			}
		}
		if v, ok, err := nonNegInt(o, "minItems", p); err != nil {
			return false, err
		} else if ok {
			nd.MinItems = max(nd.MinItems, v)
		}
		if v, ok, err := nonNegInt(o, "maxItems", p); err != nil {
			return false, err
		} else if ok && (nd.MaxItems < 0 || v < nd.MaxItems) {
			nd.MaxItems = v
		}
		if _, ok := o.m["contains"]; ok {
			minC := 1
			if v, ok, err := nonNegInt(o, "minContains", p); err != nil {
				return false, err
			} else if ok {
				minC = v
			}
			if _, ok := o.m["maxContains"]; ok {
				return false, unsupported(p, "maxContains", "an upper bound on matching items is not enforced")
			}
			if minC > 1 {
				return false, unsupported(p, "minContains", "minContains above 1 is not enforced")
			}
			if minC == 1 {
				if containsPtr != "" {
					return false, unsupported(p, "contains", "more than one contains in one conjunction is not enforced")
				}
				containsPtr = p + "/contains"
			}
		}
	}
	for _, pt := range parts {
		if _, ok := pt.o.m["unevaluatedItems"]; !ok {
			continue
		}
		sub, covered := 0, false
		for j, q := range parts {
			if evaluatedBy(st, q.ptr, pt.ptr) {
				sub = max(sub, len(as[j].prefix))
				covered = covered || as[j].hasRest
			}
		}
		if !covered {
			// Items past the subtree's prefix are unevaluated there.
			as = append(as, arr{prefix: make([]string, sub), rest: pt.ptr + "/unevaluatedItems", hasRest: true})
		}
	}
	long := 0
	for _, a := range as {
		long = max(long, len(a.prefix))
	}
	for i := 0; i < long; i++ {
		var ptrs []string
		for _, a := range as {
			if i < len(a.prefix) {
				if a.prefix[i] != "" {
					ptrs = append(ptrs, a.prefix[i])
				}
			} else if a.hasRest {
				ptrs = append(ptrs, a.rest)
			}
		}
		g, err := n.gen(ptrs)
		if err != nil {
			return false, err
		}
		nd.Prefix = append(nd.Prefix, g)
	}
	var rest []string
	for _, a := range as {
		if a.hasRest {
			rest = append(rest, a.rest)
		}
	}
	g, err := n.gen(rest)
	if err != nil {
		return false, err
	}
	nd.Rest = g
	if containsPtr != "" {
		c, err := n.gen(append(rest, containsPtr))
		if err != nil {
			return false, err
		}
		nd.Contains = c
		if len(nd.Prefix) > 0 {
			return false, unsupported(containsPtr, "contains", "contains together with prefixItems is not enforced")
		}
	}
	for _, pt := range parts {
		if u, ok := pt.o.m["uniqueItems"].(bool); ok && u {
			if vals, ok := uniqueEnum(nd); ok {
				// Items from a finite set of scalars: written as a
				// subsequence of the set, distinct by construction.
				nd.UniqueEnum = vals
				if nd.MaxItems < 0 || nd.MaxItems > len(vals) {
					nd.MaxItems = len(vals)
				}
				continue
			}
			if nd.MinItems > 1 {
				return false, unsupported(pt.ptr, "uniqueItems", "uniqueItems with minItems above 1 is not enforced (unique arrays are written with at most one item)")
			}
			if nd.MaxItems < 0 || nd.MaxItems > 1 {
				nd.MaxItems = 1
			}
		}
	}
	if nd.MaxItems >= 0 && nd.MinItems > nd.MaxItems {
		return false, nil
	}
	return true, nil
}

func (n *normalizer) mergeObject(nd *Node, parts []part, st *state) (bool, error) {
	var names []string
	addName := func(s string) {
		if !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	var pats []pat
	required := map[string]bool{}
	for i, pt := range parts {
		o, p := pt.o, pt.ptr
		if props, ok := o.m["properties"].(*object); ok {
			for _, k := range props.keys {
				addName(k)
			}
		}
		if pp, ok := o.m["patternProperties"].(*object); ok {
			for _, k := range pp.keys {
				re, err := regexp.Compile(k)
				if err != nil {
					return false, invalid(p, "patternProperties", err.Error())
				}
				pats = append(pats, pat{i, k, re})
			}
		}
		if r, ok := o.m["required"].([]any); ok {
			for _, e := range r {
				s, isStr := e.(string)
				if !isStr {
					return false, invalid(p, "required", "must list strings")
				}
				required[s] = true
			}
		}
		if v, ok, err := nonNegInt(o, "minProperties", p); err != nil {
			return false, err
		} else if ok {
			nd.MinProps = max(nd.MinProps, v)
		}
		if v, ok, err := nonNegInt(o, "maxProperties", p); err != nil {
			return false, err
		} else if ok && (nd.MaxProps < 0 || v < nd.MaxProps) {
			nd.MaxProps = v
		}
	}
	for _, pt := range parts {
		if r, ok := pt.o.m["required"].([]any); ok {
			for _, e := range r {
				addName(e.(string))
			}
		}
		if pt.o.m["additionalProperties"] == false {
			if pp, ok := pt.o.m["patternProperties"].(*object); !ok || len(pp.keys) == 0 {
				nd.Closed = true
			}
		}
	}
	for _, r := range st.mods.required {
		required[r] = true
		addName(r)
	}
	absent := map[string]bool{}
	for _, a := range st.mods.absent {
		absent[a] = true
		addName(a)
	}
	// unevaluated: a part U with unevaluatedProperties sees the keys its
	// in-place subtree evaluates.
	type uneval struct {
		part    int
		covered bool // the subtree has additionalProperties: every key is evaluated
	}
	var unevals []uneval
	for i, pt := range parts {
		if _, ok := pt.o.m["unevaluatedProperties"]; ok {
			u := uneval{part: i}
			for _, q := range parts {
				if evaluatedBy(st, q.ptr, pt.ptr) {
					if _, has := q.o.m["additionalProperties"]; has {
						u.covered = true
					}
				}
			}
			unevals = append(unevals, u)
		}
	}
	evaluatedIn := func(name string, u uneval) bool {
		if u.covered {
			return true
		}
		for j, q := range parts {
			if !evaluatedBy(st, q.ptr, parts[u.part].ptr) {
				continue
			}
			if props, ok := q.o.m["properties"].(*object); ok {
				if _, has := props.m[name]; has {
					return true
				}
			}
			for _, pp := range pats {
				if pp.part == j && pp.re.MatchString(name) {
					return true
				}
			}
		}
		return false
	}
	boolAt := func(ptr string) (bool, bool) {
		v, _ := resolvePtr(n.root, ptr)
		b, ok := v.(bool)
		return b, ok
	}
	for _, name := range names {
		var ptrs []string
		forbidden := false
		for i, pt := range parts {
			p := pt.ptr
			matched := false
			if props, ok := pt.o.m["properties"].(*object); ok {
				if _, has := props.m[name]; has {
					ptrs = append(ptrs, p+"/properties/"+escapePtr(name))
					matched = true
				}
			}
			for _, pp := range pats {
				if pp.part == i && pp.re.MatchString(name) {
					ptrs = append(ptrs, p+"/patternProperties/"+escapePtr(pp.src))
					matched = true
				}
			}
			if !matched {
				if _, has := pt.o.m["additionalProperties"]; has {
					ptrs = append(ptrs, p+"/additionalProperties")
				}
			}
			if _, has := pt.o.m["propertyNames"]; has {
				ok, err := n.v.valid(p+"/propertyNames", name)
				if err != nil {
					return false, err
				}
				forbidden = forbidden || !ok
			}
		}
		for _, u := range unevals {
			if !evaluatedIn(name, u) {
				ptrs = append(ptrs, parts[u.part].ptr+"/unevaluatedProperties")
			}
		}
		for _, q := range ptrs {
			if b, ok := boolAt(q); ok && !b {
				forbidden = true
			}
		}
		if forbidden || absent[name] {
			if required[name] {
				return false, nil
			}
			continue
		}
		g, err := n.gen(ptrs)
		if err != nil {
			return false, err
		}
		if len(g.Alts) == 0 && !n.building[g] {
			if required[name] {
				return false, nil
			}
			continue
		}
		nd.Props = append(nd.Props, Prop{Name: name, Value: g, Required: required[name] || n.opts.Strict})
	}
	if n.opts.Strict {
		nd.Extra = nil
	} else {
		// Keys beyond the declared ones are unevaluated for a part U
		// unless U's subtree has additionalProperties or the one pattern.
		var unevalPtrs []string
		for _, u := range unevals {
			covered := u.covered || len(pats) == 1 && evaluatedBy(st, parts[pats[0].part].ptr, parts[u.part].ptr)
			if !covered {
				unevalPtrs = append(unevalPtrs, parts[u.part].ptr+"/unevaluatedProperties")
			}
		}
		ex, err := n.extraKeys(nd, parts, names, pats, unevalPtrs)
		if err != nil {
			return false, err
		}
		nd.Extra = ex
	}
	nreq := 0
	for _, p := range nd.Props {
		if p.Required {
			nreq++
		}
	}
	if nd.MaxProps >= 0 && (nreq > nd.MaxProps || nd.MinProps > nd.MaxProps) {
		return false, nil
	}
	if nd.Extra == nil && nd.MinProps > len(nd.Props) {
		return false, nil
	}
	return true, nil
}

// pat is one patternProperties entry of the part at index part.
type pat struct {
	part int
	src  string
	re   *regexp.Regexp
}

// extraKeys decides which keys beyond the declared ones may be written:
// with no patternProperties, any key (not a declared one) whose value is
// of every additionalProperties; with exactly one pattern, keys matching it;
// otherwise none (writing none is always allowed).
func (n *normalizer) extraKeys(nd *Node, parts []part, names []string, pats []pat, unevalPtrs []string) (*Extra, error) {
	npats := len(pats)
	if npats > 1 {
		return nil, nil
	}
	if npats == 0 && len(names) > 0 && !slices.ContainsFunc(parts, func(pt part) bool {
		v, has := pt.o.m["additionalProperties"]
		o, isObj := v.(*object)
		return has && isObj && hasAssertion(o)
	}) && len(unevalPtrs) == 0 {
		// Declared properties and no schema for others: the generator
		// writes the declared ones only (a model should not invent
		// arguments), which is a subset of what the schema allows.
		return nil, nil
	}
	ex := &Extra{KeyMaxLength: -1, Exclude: slices.Clone(names)}
	var vals []string
	owner, src := -1, ""
	if npats == 1 {
		owner, src = pats[0].part, pats[0].src
		ex.KeyPatterns = append(ex.KeyPatterns, src)
		vals = append(vals, parts[owner].ptr+"/patternProperties/"+escapePtr(src))
	}
	for i, pt := range parts {
		if i == owner {
			continue
		}
		if _, has := pt.o.m["additionalProperties"]; has {
			vals = append(vals, pt.ptr+"/additionalProperties")
		}
	}
	vals = append(vals, unevalPtrs...)
	for _, q := range vals {
		if v, _ := resolvePtr(n.root, q); v == false {
			return nil, nil
		}
	}
	for _, pt := range parts {
		if _, has := pt.o.m["propertyNames"]; !has {
			continue
		}
		pg, err := n.gen([]string{pt.ptr + "/propertyNames"})
		if err != nil {
			return nil, err
		}
		if pg.Any() {
			continue
		}
		if len(pg.Alts) != 1 || pg.Alts[0].Types&TString == 0 {
			return nil, nil
		}
		k := pg.Alts[0]
		if k.HasEnum {
			var keys []string
			for _, v := range k.Enum {
				if s, ok := v.(string); ok {
					keys = append(keys, s)
				}
			}
			if ex.KeyEnum != nil {
				keys = slices.DeleteFunc(keys, func(s string) bool { return !slices.Contains(ex.KeyEnum, s) })
			}
			ex.KeyEnum = keys
			if ex.KeyEnum == nil {
				ex.KeyEnum = []string{}
			}
			continue
		}
		ex.KeyPatterns = append(ex.KeyPatterns, k.Patterns...)
		for _, f := range k.Formats {
			fp, _ := FormatPattern(f)
			ex.KeyPatterns = append(ex.KeyPatterns, fp)
		}
		ex.KeyMinLength = max(ex.KeyMinLength, k.MinLength)
		if k.MaxLength >= 0 && (ex.KeyMaxLength < 0 || k.MaxLength < ex.KeyMaxLength) {
			ex.KeyMaxLength = k.MaxLength
		}
		for _, v := range k.NotValues {
			if s, ok := v.(string); ok {
				ex.Exclude = append(ex.Exclude, s)
			}
		}
	}
	g, err := n.gen(vals)
	if err != nil {
		return nil, err
	}
	if len(g.Alts) == 0 && !n.building[g] {
		return nil, nil
	}
	ex.Value = g
	ex.Many = g.Any() && nd.MinProps == 0 && nd.MaxProps < 0
	return ex, nil
}

func ratOfString(s string) (*big.Rat, bool) { return new(big.Rat).SetString(s) }

// uniqueEnum returns the values of an array's items when every item is one
// of a finite set of scalars (and no prefix or contains applies).
func uniqueEnum(nd *Node) ([]any, bool) {
	if len(nd.Prefix) > 0 || nd.Contains != nil || nd.Rest == nil || len(nd.Rest.Alts) == 0 {
		return nil, false
	}
	var vals []any
	for _, a := range nd.Rest.Alts {
		if !a.HasEnum {
			return nil, false
		}
		for _, v := range a.Enum {
			if !scalar(v) {
				return nil, false
			}
			if slices.ContainsFunc(a.NotValues, func(x any) bool { return jsonEqual(x, v) }) ||
				slices.ContainsFunc(vals, func(x any) bool { return jsonEqual(x, v) }) {
				continue
			}
			vals = append(vals, v)
		}
	}
	return vals, len(vals) <= 64
}

func (n *normalizer) resolveObj(ptr string) (*object, bool) {
	v, _ := resolvePtr(n.root, ptr)
	o, ok := v.(*object)
	return o, ok
}

// onlyKeyword reports whether kw is the only assertion keyword of o.
func onlyKeyword(o *object, kw string) bool {
	if _, ok := o.m[kw]; !ok {
		return false
	}
	for _, k := range o.keys {
		if k != kw && hasAssertion(&object{keys: []string{k}, m: map[string]any{k: o.m[k]}}) {
			return false
		}
	}
	return true
}
