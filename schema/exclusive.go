package schema

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// validators checks single values against subschemas of the document with
// the full validator: enum and const values, propertyNames on declared
// names, and oneOf alternatives are decided exactly, not approximated.
type validators struct {
	c *jsonschema.Compiler
	m map[string]*jsonschema.Schema
}

const docURL = "mem:///specplan-tool-schema.json"

type refuseLoader struct{}

func (refuseLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("specplan never fetches schemas (%s)", u)
}

func newValidators(doc any) (*validators, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(refuseLoader{})
	if err := c.AddResource(docURL, doc); err != nil {
		return nil, invalid("", "", err.Error())
	}
	s, err := c.Compile(docURL)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), docURL, "")
		if strings.Contains(msg, "never fetches") {
			return nil, &Error{Code: CodeRemoteRef, Keyword: "$ref", Msg: msg}
		}
		var ve *jsonschema.ValidationError
		var sve *jsonschema.SchemaValidationError
		if errors.As(err, &sve) {
			errors.As(sve.Err, &ve)
		}
		if ve != nil || errors.As(err, &ve) {
			if ptr, kw, m, ok := firstLeaf(ve); ok {
				return nil, invalid(ptr, kw, "the validator rejects the schema: "+m)
			}
		}
		return nil, invalid("", "", "the validator rejects the schema: "+msg)
	}
	return &validators{c: c, m: map[string]*jsonschema.Schema{"": s}}, nil
}

// firstLeaf is the first innermost error of a metaschema validation: the
// pointer into the schema, the keyword there, and the message (read from
// the validator's indented error tree, deepest line first).
func firstLeaf(ve *jsonschema.ValidationError) (ptr, kw, msg string, ok bool) {
	best, depth := "", -1
	for _, line := range strings.Split(ve.Error(), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if !strings.HasPrefix(trimmed, "- at '") {
			continue
		}
		if d := len(line) - len(trimmed); d > depth {
			best, depth = trimmed, d
		}
	}
	rest, found := strings.CutPrefix(best, "- at '")
	if !found {
		return "", "", "", false
	}
	loc, m, found := strings.Cut(rest, "': ")
	if !found {
		return "", "", "", false
	}
	ptr = loc
	if i := strings.LastIndex(ptr, "/"); i >= 0 {
		kw = unescapePtr(ptr[i+1:])
		ptr = ptr[:i]
	}
	return ptr, kw, m, true
}

func (v *validators) valid(ptr string, val any) (bool, error) {
	s, ok := v.m[ptr]
	if !ok {
		var err error
		s, err = v.c.Compile(docURL + "#" + (&url.URL{Fragment: ptr}).EscapedFragment())
		if err != nil {
			return false, invalid(ptr, "", "the validator cannot compile this subschema: "+strings.ReplaceAll(err.Error(), docURL, ""))
		}
		v.m[ptr] = s
	}
	return s.Validate(val) == nil, nil
}

// exclusive makes the nodes of oneOf alternative i fail every other
// alternative. The rule: an enum alternative drops the values another
// alternative accepts (decided by the validator); otherwise, for each
// other alternative, the node must differ from it by type (types they
// share are removed from the node), by const/enum (the other's scalar
// values are excluded), by a discriminating property (a required property
// whose enum values differ), by a property the other requires (the node
// then never writes it), or by disjoint bounds, lengths or item counts.
// When none applies the schema is refused at the oneOf.
func (n *normalizer) exclusive(nodes []*Node, g group, i int) ([]*Node, error) {
	var out []*Node
	for _, nd := range nodes {
		keep := true
		for j, ch := range g.choices {
			if j == i || !keep {
				continue
			}
			if nd.HasEnum {
				var kept []any
				for _, v := range nd.Enum {
					ok, err := n.v.valid(ch.ptrs[0], v)
					if err != nil {
						return nil, err
					}
					if !ok {
						kept = append(kept, v)
					}
				}
				nd.Enum = kept
				keep = len(kept) > 0
				continue
			}
			gj, err := n.gen(ch.ptrs)
			if err != nil {
				return nil, err
			}
			if n.building[gj] {
				return nil, unsupported(g.owner, "oneOf", "alternative %d refers back to this oneOf; exclusivity cannot be decided", j)
			}
			for _, nj := range gj.Alts {
				if subsumes(nj, nd) {
					// Every value of nd matches alternative j too, so none
					// satisfies the oneOf through i: nd is dropped.
					keep = false
					break
				}
				if !disjoin(nd, nj) {
					return nil, unsupported(g.owner, "oneOf", "alternatives %d and %d can both match one value; exclusivity is enforced only where alternatives differ by type, const/enum, a discriminating or required property, or disjoint bounds", i, j)
				}
			}
			keep = keep && nd.Types != 0
		}
		if keep {
			out = append(out, nd)
		}
	}
	return out, nil
}

func enumsOf(g *Gen) ([]any, bool) {
	if g == nil || len(g.Alts) == 0 {
		return nil, false
	}
	var vals []any
	for _, a := range g.Alts {
		if !a.HasEnum {
			return nil, false
		}
		vals = append(vals, a.Enum...)
	}
	return vals, true
}

func propOf(nd *Node, name string) (Prop, bool) {
	for _, p := range nd.Props {
		if p.Name == name {
			return p, true
		}
	}
	return Prop{}, false
}

func disjointValues(a, b []any) bool {
	for _, x := range a {
		for _, y := range b {
			if jsonEqual(x, y) {
				return false
			}
		}
	}
	return true
}

// disjoin restricts nd so that none of its values is a value of nj, and
// reports whether it could.
func disjoin(nd, nj *Node) bool {
	common := nd.Types & nj.Types
	if common == 0 {
		return true
	}
	if nj.HasEnum {
		var over []any
		for _, v := range nj.Enum {
			if valueTypes(v)&nd.Types != 0 {
				if !scalar(v) {
					goto general
				}
				over = append(over, v)
			}
		}
		nd.NotValues = append(nd.NotValues, over...)
		return true
	}
general:
	if common&TObject != 0 && objectsDisjoint(nd, nj) {
		common &^= TObject
	}
	if common&TNumber != 0 && intervalsDisjoint(nd.Bounds, nj.Bounds) {
		common &^= TNumber
	}
	if common&TString != 0 && (nd.MaxLength >= 0 && nd.MaxLength < nj.MinLength || nj.MaxLength >= 0 && nj.MaxLength < nd.MinLength) {
		common &^= TString
	}
	if common&TArray != 0 && (nd.MaxItems >= 0 && nd.MaxItems < nj.MinItems || nj.MaxItems >= 0 && nj.MaxItems < nd.MinItems) {
		common &^= TArray
	}
	nd.Types &^= common
	return nd.Types != 0
}

func objectsDisjoint(nd, nj *Node) bool {
	// A discriminator: a property nd always writes whose values nj never
	// accepts there.
	for _, p := range nd.Props {
		if !p.Required {
			continue
		}
		q, ok := propOf(nj, p.Name)
		if !ok {
			continue
		}
		vi, ok1 := enumsOf(p.Value)
		vj, ok2 := enumsOf(q.Value)
		if ok1 && ok2 && disjointValues(vi, vj) {
			return true
		}
	}
	// A property nd always writes that nj forbids.
	if nj.Closed {
		for _, p := range nd.Props {
			if _, ok := propOf(nj, p.Name); p.Required && !ok {
				return true
			}
		}
	}
	// A property nj requires: nd leaves it out.
	for _, q := range nj.Props {
		if !q.Required {
			continue
		}
		if p, ok := propOf(nd, q.Name); ok && p.Required {
			continue
		}
		dropProp(nd, q.Name)
		return true
	}
	return false
}

func dropProp(nd *Node, name string) {
	nd.Props = slices.DeleteFunc(slices.Clone(nd.Props), func(p Prop) bool { return p.Name == name })
	if nd.Extra != nil {
		ex := *nd.Extra
		ex.Exclude = append(slices.Clone(ex.Exclude), name)
		nd.Extra = &ex
	}
}

func intervalsDisjoint(a, b Interval) bool {
	below := func(x, y Interval) bool { // x entirely below y
		if x.Hi == nil || y.Lo == nil {
			return false
		}
		c := x.Hi.Cmp(y.Lo)
		return c < 0 || c == 0 && (x.HiOpen || y.LoOpen)
	}
	return below(a, b) || below(b, a)
}

func cloneNode(nd *Node) *Node {
	c := *nd
	c.Props = slices.Clone(nd.Props)
	c.NotValues = slices.Clone(nd.NotValues)
	c.Patterns = slices.Clone(nd.Patterns)
	c.Formats = slices.Clone(nd.Formats)
	if nd.Extra != nil {
		ex := *nd.Extra
		c.Extra = &ex
	}
	return &c
}

func consistent(nd *Node) bool {
	if nd.Types&TString != 0 && nd.MaxLength >= 0 && nd.MinLength > nd.MaxLength {
		nd.Types &^= TString
	}
	if nd.Types&TArray != 0 && nd.MaxItems >= 0 && nd.MinItems > nd.MaxItems {
		nd.Types &^= TArray
	}
	if nd.Types&TObject != 0 && nd.MaxProps >= 0 && nd.MinProps > nd.MaxProps {
		nd.Types &^= TObject
	}
	if nd.Types&TNumber != 0 && emptyInterval(nd.Bounds) {
		nd.Types &^= TNumber
	}
	return nd.Types != 0
}

// negate restricts nd so that its values fail the schema at ptr: the
// schema is a conjunction of its keywords (and those of its $ref and
// allOf members), so forcing one keyword to fail suffices. ok false:
// no keyword is one whose failure can be forced; nd nil: nothing is left.
func (n *normalizer) negate(nd *Node, ptr string) (*Node, bool, error) {
	var cands []*object
	var candPtrs []string
	queue := []string{ptr}
	seen := map[string]bool{}
	for len(queue) > 0 && len(cands) < 32 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		v, _ := resolvePtr(n.root, p)
		switch x := v.(type) {
		case bool:
			if x && p == ptr {
				return nil, true, nil
			}
			if !x {
				return nd, true, nil
			}
		case *object:
			cands = append(cands, x)
			candPtrs = append(candPtrs, p)
			if r, ok := x.m["$ref"].(string); ok {
				t, err := n.refTarget(p, r)
				if err != nil {
					return nil, false, err
				}
				queue = append(queue, t)
			}
			if a, ok := x.m["allOf"].([]any); ok {
				for i := range a {
					queue = append(queue, fmt.Sprintf("%s/allOf/%d", p, i))
				}
			}
		}
	}
	if len(cands) == 1 && !hasAssertion(cands[0]) {
		return nil, true, nil // not {} (or only annotations): nothing is valid
	}
	// impossible counts the assertion keywords that no value of nd can
	// fail (nd's values always satisfy them): when every keyword of a
	// single negated schema is so, nothing is left.
	impossible, assertions := 0, 0
	for ci, c := range cands {
		for _, kw := range c.keys {
			cp := cloneNode(nd)
			applied := true
			if hasAssertion(&object{keys: []string{kw}, m: map[string]any{kw: c.m[kw]}}) {
				assertions++
			}
			switch kw {
			case "type":
				t, err := typesOf(c.m[kw], ptr)
				if err != nil {
					return nil, false, err
				}
				cp.Types &^= t
			case "const", "enum":
				vals := []any{plain(c.m[kw])}
				if kw == "enum" {
					a, _ := plain(c.m[kw]).([]any)
					vals = a
				}
				for _, v := range vals {
					if valueTypes(v)&cp.Types == 0 {
						continue
					}
					if !scalar(v) {
						applied = false
						break
					}
					cp.NotValues = append(cp.NotValues, v)
				}
			case "anyOf", "oneOf":
				// not(A or B) is not A and not B (for oneOf a subset of
				// its negation, hence sound).
				alts, _ := c.m[kw].([]any)
				var ok bool
				var err error
				for i := range alts {
					if cp, ok, err = n.negate(cp, fmt.Sprintf("%s/%s/%d", candPtrs[ci], kw, i)); err != nil {
						return nil, false, err
					}
					if !ok || cp == nil {
						applied = false
						break
					}
				}
				if cp == nil {
					cp = cloneNode(nd)
				}
			case "properties":
				// not {properties: {p: S}}: p is written and fails S.
				props, _ := c.m[kw].(*object)
				applied = false
				for _, name := range props.keys {
					i := slices.IndexFunc(cp.Props, func(p Prop) bool { return p.Name == name })
					if i < 0 || cp.Types&TObject == 0 {
						continue
					}
					g, err := n.gen(append(slices.Clone(cp.Props[i].Value.set), "!"+candPtrs[ci]+"/properties/"+escapePtr(name)))
					if err != nil {
						return nil, false, err
					}
					if len(g.Alts) == 0 && !n.building[g] {
						continue
					}
					cp.Types &= TObject
					cp.Props[i] = Prop{Name: name, Value: g, Required: true}
					applied = true
					break
				}
			case "required":
				applied = false
				r, _ := c.m[kw].([]any)
				for _, e := range r {
					s, _ := e.(string)
					if p, ok := propOf(cp, s); ok && p.Required {
						continue
					}
					cp.Types &= TObject
					dropProp(cp, s)
					applied = true
					break
				}
				if !applied && nd.Types == TObject {
					impossible++ // every object of nd has every name
				}
			case "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
				v, _, err := nonNegInt(c, kw, ptr)
				if err != nil {
					return nil, false, err
				}
				if v == 0 && strings.HasPrefix(kw, "min") {
					applied = false // every value satisfies a zero minimum
					break
				}
				switch kw {
				case "minLength":
					cp.Types &= TString
					if cp.MaxLength < 0 || v-1 < cp.MaxLength {
						cp.MaxLength = v - 1
					}
				case "maxLength":
					cp.Types &= TString
					cp.MinLength = max(cp.MinLength, v+1)
				case "minItems":
					cp.Types &= TArray
					if cp.MaxItems < 0 || v-1 < cp.MaxItems {
						cp.MaxItems = v - 1
					}
				case "maxItems":
					cp.Types &= TArray
					cp.MinItems = max(cp.MinItems, v+1)
				case "minProperties":
					cp.Types &= TObject
					if cp.MaxProps < 0 || v-1 < cp.MaxProps {
						cp.MaxProps = v - 1
					}
				case "maxProperties":
					cp.Types &= TObject
					cp.MinProps = max(cp.MinProps, v+1)
				}

			case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
				x, ok := c.m[kw].(interface{ String() string })
				if !ok {
					applied = false
					break
				}
				r, ok2 := ratOfString(x.String())
				if !ok2 {
					applied = false
					break
				}
				flag := func(k string) bool { b, _ := c.m[k].(bool); return b }
				cp.Types &= TNumber
				switch kw {
				case "minimum":
					cp.Bounds = intersectHi(cp.Bounds, r, !flag("exclusiveMinimum"))
				case "exclusiveMinimum":
					cp.Bounds = intersectHi(cp.Bounds, r, false)
				case "maximum":
					cp.Bounds = intersectLo(cp.Bounds, r, !flag("exclusiveMaximum"))
				case "exclusiveMaximum":
					cp.Bounds = intersectLo(cp.Bounds, r, false)
				}
			default:
				applied = false
			}
			if applied && consistent(cp) {
				return cp, true, nil
			}
			if applied && (kw == "type" || strings.HasPrefix(kw, "min") || strings.HasPrefix(kw, "max") || strings.HasPrefix(kw, "exclusive")) {
				impossible++ // forcing it to fail leaves no value
			}
		}
	}
	if len(cands) == 1 && assertions > 0 && impossible == assertions {
		return nil, true, nil
	}
	return nd, false, nil
}

// checkDepth finds the least nesting a value of g needs and refuses a
// schema that needs more than maxDepth, or has no value at all.
func checkDepth(root *Gen, maxDepth int) error {
	var gens []*Gen
	seen := map[*Gen]bool{}
	var visit func(g *Gen)
	visit = func(g *Gen) {
		if g == nil || seen[g] {
			return
		}
		seen[g] = true
		gens = append(gens, g)
		for _, nd := range g.Alts {
			for _, p := range nd.Prefix {
				visit(p)
			}
			visit(nd.Rest)
			visit(nd.Contains)
			for _, p := range nd.Props {
				visit(p.Value)
			}
			if nd.Extra != nil {
				visit(nd.Extra.Value)
			}
		}
	}
	visit(root)
	const inf = math.MaxInt32
	md := map[*Gen]int{}
	for _, g := range gens {
		md[g] = inf
	}
	get := func(g *Gen) int {
		if g == nil {
			return inf
		}
		return md[g]
	}
	nodeDepth := func(nd *Node) int {
		if nd.HasEnum || nd.Types&(TNull|TBool|TNumber|TString) != 0 {
			return 0
		}
		best := inf
		if nd.Types&TArray != 0 {
			need := 0
			for i := 0; i < nd.MinItems && need < inf; i++ {
				if i < len(nd.Prefix) {
					need = max(need, get(nd.Prefix[i]))
				} else {
					need = max(need, get(nd.Rest))
				}
			}
			if nd.Contains != nil {
				need = max(need, get(nd.Contains))
			}
			if need < inf {
				best = min(best, need+1)
			}
		}
		if nd.Types&TObject != 0 {
			need, nreq := 0, 0
			for _, p := range nd.Props {
				if p.Required {
					nreq++
					need = max(need, get(p.Value))
				}
			}
			if nd.MinProps > nreq {
				opt := inf
				for _, p := range nd.Props {
					if !p.Required {
						opt = min(opt, get(p.Value))
					}
				}
				if nd.Extra != nil {
					opt = min(opt, get(nd.Extra.Value))
				}
				need = max(need, opt)
			}
			if need < inf {
				best = min(best, need+1)
			}
		}
		return best
	}
	for changed, rounds := true, 0; changed && rounds <= len(gens)+1; rounds++ {
		changed = false
		for _, g := range gens {
			v := inf
			for _, nd := range g.Alts {
				v = min(v, nodeDepth(nd))
			}
			if v < md[g] {
				md[g] = v
				changed = true
			}
		}
	}
	switch d := md[root]; {
	case d == inf:
		return &Error{Code: CodeUnsatisfiable, Pointer: root.Ptr, Msg: "no value satisfies the schema within the generation rules"}
	case d > maxDepth:
		return limitErr(root.Ptr, "", "values must nest %d deep, more than %d (limit Options.MaxDepth)", d, maxDepth)
	}
	return nil
}

// hasAssertion reports whether a schema object has any keyword that
// constrains values (an object without one accepts everything).
func hasAssertion(o *object) bool {
	for _, k := range o.keys {
		switch k {
		case "title", "description", "default", "examples", "$comment", "$schema", "$id", "$anchor",
			"$defs", "definitions", "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding":
		default:
			return true
		}
	}
	return false
}

// subsumes reports that every value of nd is a value of nj, for the one
// shape where that is plain: nj only requires names (any values, any
// types, open), and nd is objects only, requiring each of them.
func subsumes(nj, nd *Node) bool {
	if nj.Types != TAll || nj.HasEnum || len(nj.NotValues) > 0 || nj.MinProps > 0 || nj.MaxProps >= 0 || nj.Closed || nd.Types != TObject || nd.HasEnum {
		return false
	}
	if nj.MinLength > 0 || nj.MaxLength >= 0 || len(nj.Patterns) > 0 || len(nj.Formats) > 0 || nj.Bounds.Lo != nil || nj.Bounds.Hi != nil ||
		nj.MinItems > 0 || nj.MaxItems >= 0 || len(nj.Prefix) > 0 || !nj.Rest.Any() || nj.Contains != nil || nj.UniqueEnum != nil {
		return false
	}
	for _, q := range nj.Props {
		if !q.Value.Any() {
			return false
		}
		if !q.Required {
			continue
		}
		if p, ok := propOf(nd, q.Name); !ok || !p.Required {
			return false
		}
	}
	return true
}
