package export

import (
	"fmt"
	"strings"
)

// solve turns the rules into one expression without references: rules
// that are not recursive are inlined, and each recursive group (a state
// loop, an array's items) is right-linear, so it is solved by eliminating
// its rules one by one (R = A R | B is A* B). The result can be much
// larger than the grammar; maxBytes bounds it.
func (g *grammar) solve(maxBytes int) (expr, error) {
	n := len(g.rules)
	refs := make([][]int, n)
	for i, r := range g.rules {
		walkExpr(r.body, func(x expr) {
			if v, ok := x.(eRef); ok {
				refs[i] = append(refs[i], v.rule)
			}
		})
	}
	sccs := tarjan(n, refs)
	solved := make([]expr, n)
	for _, comp := range sccs {
		in := map[int]bool{}
		for _, i := range comp {
			in[i] = true
		}
		subst := func(x expr) expr {
			return mapExpr(x, func(y expr) expr {
				if v, ok := y.(eRef); ok && !in[v.rule] {
					return solved[v.rule]
				}
				return y
			})
		}
		recursive := len(comp) > 1 || slicesContains(refs[comp[0]], comp[0])
		if !recursive {
			solved[comp[0]] = subst(g.rules[comp[0]].body)
			if err := capSize(solved[comp[0]], maxBytes); err != nil {
				return nil, err
			}
			continue
		}
		type eq struct {
			coef map[int]expr
			base expr
		}
		eqs := map[int]*eq{}
		for _, i := range comp {
			terms, err := linearize(subst(g.rules[i].body), in)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", g.rules[i].name, err)
			}
			e := &eq{coef: map[int]expr{}}
			for _, t := range terms {
				if t.to < 0 {
					e.base = rAlt(e.base, t.pre)
				} else {
					e.coef[t.to] = rAlt(e.coef[t.to], t.pre)
				}
			}
			eqs[i] = e
		}
		// Eliminate the rule with the fewest paths through it first (its
		// users times its successors): the usual order that keeps state
		// elimination small.
		remaining := map[int]bool{}
		for _, i := range comp {
			remaining[i] = true
		}
		var order []int
		for len(remaining) > 0 {
			k, best := -1, 0
			for _, i := range comp {
				if !remaining[i] {
					continue
				}
				users := 0
				for _, j := range comp {
					if j != i && remaining[j] && eqs[j].coef[i] != nil {
						users++
					}
				}
				score := users * (len(eqs[i].coef) + 1)
				if k < 0 || score < best {
					k, best = i, score
				}
			}
			delete(remaining, k)
			order = append(order, k)
			ek := eqs[k]
			if self, ok := ek.coef[k]; ok {
				star := eRep{x: self, min: 0, max: -1}
				delete(ek.coef, k)
				for j, c := range ek.coef {
					ek.coef[j] = seq(star, c)
				}
				if ek.base != nil {
					ek.base = seq(star, ek.base)
				}
			}
			for _, i := range comp {
				if !remaining[i] {
					continue
				}
				ei := eqs[i]
				c, ok := ei.coef[k]
				if !ok {
					continue
				}
				delete(ei.coef, k)
				for j, ckj := range ek.coef {
					ei.coef[j] = rAlt(ei.coef[j], seq(c, ckj))
					if err := capSize(ei.coef[j], maxBytes); err != nil {
						return nil, err
					}
				}
				if ek.base != nil {
					ei.base = rAlt(ei.base, seq(c, ek.base))
					if err := capSize(ei.base, maxBytes); err != nil {
						return nil, err
					}
				}
			}
		}
		comp = order
		// Back-substitution: the last rule eliminated depends on none.
		for idx := len(comp) - 1; idx >= 0; idx-- {
			k := comp[idx]
			x := eqs[k].base
			for j, c := range eqs[k].coef {
				x = rAlt(x, seq(c, solved[j]))
			}
			if x == nil {
				return nil, errUnsupported("a recursive rule without a way out")
			}
			if err := capSize(x, maxBytes); err != nil {
				return nil, err
			}
			solved[k] = x
		}
	}
	return solved[0], nil
}

func slicesContains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// rAlt is a | b without the deep comparisons of alt (the expressions of
// an elimination share subtrees), nil meaning no text.
func rAlt(a, b expr) expr {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	var xs []expr
	for _, x := range []expr{a, b} {
		if v, ok := x.(eAlt); ok {
			xs = append(xs, v.xs...)
		} else {
			xs = append(xs, x)
		}
	}
	return eAlt{xs}
}

type term struct {
	pre expr
	to  int // -1: the base (no rule of the group follows)
}

// linearize writes x as a sum of prefix · rule-of-the-group and base
// terms; a reference to the group anywhere but at the end is refused.
func linearize(x expr, in map[int]bool) ([]term, error) {
	has := func(y expr) bool {
		found := false
		walkExpr(y, func(z expr) {
			if v, ok := z.(eRef); ok && in[v.rule] {
				found = true
			}
		})
		return found
	}
	switch v := x.(type) {
	case eRef:
		if in[v.rule] {
			return []term{{eEmpty{}, v.rule}}, nil
		}
	case eAlt:
		var out []term
		for _, y := range v.xs {
			ts, err := linearize(y, in)
			if err != nil {
				return nil, err
			}
			out = append(out, ts...)
		}
		return out, nil
	case eSeq:
		last := v.xs[len(v.xs)-1]
		head := v.xs[:len(v.xs)-1]
		for _, y := range head {
			if has(y) {
				return nil, errUnsupported("recursion that is not at the end of a rule")
			}
		}
		ts, err := linearize(last, in)
		if err != nil {
			return nil, err
		}
		pre := seq(head...)
		for i := range ts {
			ts[i].pre = seq(pre, ts[i].pre)
		}
		return ts, nil
	case eRep:
		if has(v) {
			return nil, errUnsupported("recursion inside a repetition")
		}
	}
	return []term{{x, -1}}, nil
}

// tarjan returns the strongly connected components, each after every
// component it reaches.
func tarjan(n int, adj [][]int) [][]int {
	index := make([]int, n)
	low := make([]int, n)
	on := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		for _, w := range adj[v] {
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			var comp []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				comp = append(comp, w)
				if w == v {
					break
				}
			}
			// Eliminate in rule order (stable output).
			sortInts(comp)
			out = append(out, comp)
		}
	}
	for v := range n {
		if index[v] < 0 {
			visit(v)
		}
	}
	return out
}

func sortInts(xs []int) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// capSize fails when x would print longer than max bytes (counted
// through shared subtrees, stopping at max).
func capSize(x expr, max int) error {
	n := 0
	var count func(y expr) bool
	count = func(y expr) bool {
		switch v := y.(type) {
		case eLit:
			n += len(v.s)
		case eClass:
			n += 2 + 4*len(v.r)
		case eSeq:
			for _, z := range v.xs {
				if !count(z) {
					return false
				}
			}
		case eAlt:
			n += 4 + len(v.xs)
			for _, z := range v.xs {
				if !count(z) {
					return false
				}
			}
		case eRep:
			n += 5
			if !count(v.x) {
				return false
			}
		default:
			n++
		}
		return n <= max
	}
	if !count(x) {
		return &LimitError{What: fmt.Sprintf("the regex takes more than %d bytes", max), Option: "Options.MaxBytes", Flag: "--max-export-bytes"}
	}
	return nil
}

// printRegex spells x in the common subset of Python re, RE2 and
// ECMAScript.
func printRegex(x expr, max int) (string, error) {
	if err := capSize(x, max); err != nil {
		return "", err
	}
	var sb strings.Builder
	var p func(y expr, ctx int) error
	p = func(y expr, ctx int) error {
		switch v := y.(type) {
		case eLit:
			s := regexLit(v.s)
			if ctx >= 3 && len([]rune(v.s)) > 1 {
				s = "(?:" + s + ")"
			}
			sb.WriteString(s)
		case eClass:
			sb.WriteString(printClass(v, regexEscape, true))
		case eEmpty:
			if ctx >= 3 {
				sb.WriteString("(?:)")
			}
		case eToken:
			return errUnsupported("a regex cannot match a special token")
		case eRef:
			return fmt.Errorf("export: unsolved rule reference")
		case eSeq:
			if ctx > 2 {
				sb.WriteString("(?:")
			}
			for _, z := range v.xs {
				if err := p(z, 2); err != nil {
					return err
				}
			}
			if ctx > 2 {
				sb.WriteString(")")
			}
		case eAlt:
			if ctx > 0 {
				sb.WriteString("(?:")
			}
			for i, z := range v.xs {
				if i > 0 {
					sb.WriteByte('|')
				}
				if err := p(z, 1); err != nil {
					return err
				}
			}
			if ctx > 0 {
				sb.WriteString(")")
			}
		case eRep:
			if err := p(v.x, 3); err != nil {
				return err
			}
			sb.WriteString(braceRep("", v.min, v.max))
		}
		if sb.Len() > max {
			return &LimitError{What: fmt.Sprintf("the regex takes more than %d bytes", max), Option: "Options.MaxBytes", Flag: "--max-export-bytes"}
		}
		return nil
	}
	if err := p(x, 0); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// regexLit escapes the syntax characters ECMAScript's u mode allows to be
// escaped (the others are written as they are).
func regexLit(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`^$\.*+?()[]{}|`, r) {
			sb.WriteByte('\\')
			sb.WriteRune(r)
			continue
		}
		if e, ok := regexEscape(r); ok {
			sb.WriteString(e)
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
