package export

import "fmt"

// simplify inlines rules that write nothing and turns alternatives with
// an empty branch into optionals.
func (g *grammar) simplify() {
	for changed := true; changed; {
		changed = false
		empty := map[int]bool{}
		for i, r := range g.rules {
			if _, ok := r.body.(eEmpty); ok && i != 0 {
				empty[i] = true
			}
		}
		if len(empty) == 0 {
			break
		}
		for i := range g.rules {
			nb := mapExpr(g.rules[i].body, func(x expr) expr {
				if r, ok := x.(eRef); ok && empty[r.rule] {
					changed = true
					return eEmpty{}
				}
				return x
			})
			g.rules[i].body = nb
		}
		if !changed {
			break
		}
	}
	g.inlineOnce()
	for i := range g.rules {
		g.rules[i].body = mapExpr(mapExpr(g.rules[i].body, liftEmpty), counted)
	}
	g.prune()
}

// counted writes nested optionals of one thing, (a (a (a)?)?)?, as
// a{0,3}: llama.cpp's grammar is never given x? x? chains to guess
// between, and a reader sees the count.
func counted(x expr) expr {
	if a, k, ok := chain(x); ok && k >= 2 {
		return eRep{x: a, min: 0, max: k}
	}
	return x
}

// chain recognizes a? as (a, 1), (a a{0,k})? and (a b)? with b a chain
// of a as (a, k+1).
func chain(x expr) (expr, int, bool) {
	r, ok := x.(eRep)
	if !ok || r.min != 0 || r.max < 1 {
		return nil, 0, false
	}
	if r.max > 1 {
		return r.x, r.max, true
	}
	s, ok := r.x.(eSeq)
	if !ok || len(s.xs) != 2 {
		return r.x, 1, true
	}
	a, k, ok := chain(s.xs[1])
	if ok && exprEqual(a, s.xs[0]) {
		return a, k + 1, true
	}
	return r.x, 1, true
}

// inlineOnce writes internal rules used exactly once (and not by
// themselves) where they are used: one pass, each body rebuilt once.
func (g *grammar) inlineOnce() {
	n := len(g.rules)
	uses := make([]int, n)
	for i, r := range g.rules {
		walkExpr(r.body, func(x expr) {
			if v, ok := x.(eRef); ok && v.rule != i {
				uses[v.rule]++
			} else if ok {
				uses[v.rule] += 2 // self-recursive: stays a rule
			}
		})
	}
	once := func(i int) bool { return i != 0 && g.rules[i].internal && uses[i] == 1 }
	done := make([]expr, n)
	visiting := make([]bool, n)
	var body func(i int) expr
	body = func(i int) expr {
		if done[i] != nil {
			return done[i]
		}
		visiting[i] = true
		b := mapExpr(g.rules[i].body, func(x expr) expr {
			if v, ok := x.(eRef); ok && once(v.rule) && !visiting[v.rule] {
				return body(v.rule)
			}
			return x
		})
		visiting[i] = false
		done[i] = b
		return b
	}
	for i := range g.rules {
		if !once(i) {
			g.rules[i].body = body(i)
		}
	}
}

// prune drops rules no longer referenced from the start, keeping order.
func (g *grammar) prune() {
	reach := make([]bool, len(g.rules))
	var visit func(i int)
	visit = func(i int) {
		if reach[i] {
			return
		}
		reach[i] = true
		walkExpr(g.rules[i].body, func(x expr) {
			if r, ok := x.(eRef); ok {
				visit(r.rule)
			}
		})
	}
	visit(0)
	newID := make([]int, len(g.rules))
	var out []rule
	for i, r := range g.rules {
		if reach[i] {
			newID[i] = len(out)
			out = append(out, r)
		}
	}
	for i := range out {
		out[i].body = mapExpr(out[i].body, func(x expr) expr {
			if r, ok := x.(eRef); ok {
				return eRef{newID[r.rule]}
			}
			return x
		})
	}
	g.rules = out
}

// mapExpr rebuilds x bottom-up with f applied to every node.
func mapExpr(x expr, f func(expr) expr) expr {
	switch v := x.(type) {
	case eSeq:
		xs := make([]expr, len(v.xs))
		for i, y := range v.xs {
			xs[i] = mapExpr(y, f)
		}
		return f(seq(xs...))
	case eAlt:
		xs := make([]expr, len(v.xs))
		for i, y := range v.xs {
			xs[i] = mapExpr(y, f)
		}
		return f(alt(xs...))
	case eRep:
		return f(eRep{x: mapExpr(v.x, f), min: v.min, max: v.max})
	}
	return f(x)
}

func walkExpr(x expr, f func(expr)) {
	f(x)
	switch v := x.(type) {
	case eSeq:
		for _, y := range v.xs {
			walkExpr(y, f)
		}
	case eAlt:
		for _, y := range v.xs {
			walkExpr(y, f)
		}
	case eRep:
		walkExpr(v.x, f)
	}
}

// check refuses what llama.cpp's grammar engine must not get: left
// recursion (a rule that can reach itself before writing a character) and
// a repetition of something that can be empty.
func (g *grammar) check() error {
	n := len(g.rules)
	nullable := make([]bool, n)
	var null func(x expr) bool
	null = func(x expr) bool {
		switch v := x.(type) {
		case eEmpty:
			return true
		case eRef:
			return nullable[v.rule]
		case eSeq:
			for _, y := range v.xs {
				if !null(y) {
					return false
				}
			}
			return true
		case eAlt:
			for _, y := range v.xs {
				if null(y) {
					return true
				}
			}
			return false
		case eRep:
			return v.min == 0 || null(v.x)
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		for i, r := range g.rules {
			if !nullable[i] && null(r.body) {
				nullable[i], changed = true, true
			}
		}
	}
	left := make([][]int, n)
	var lead func(x expr, out *[]int)
	lead = func(x expr, out *[]int) {
		switch v := x.(type) {
		case eRef:
			*out = append(*out, v.rule)
		case eSeq:
			for _, y := range v.xs {
				lead(y, out)
				if !null(y) {
					return
				}
			}
		case eAlt:
			for _, y := range v.xs {
				lead(y, out)
			}
		case eRep:
			lead(v.x, out)
		}
	}
	var bad error
	for i, r := range g.rules {
		lead(r.body, &left[i])
		walkExpr(r.body, func(x expr) {
			if v, ok := x.(eRep); ok && null(v.x) && bad == nil {
				bad = errUnsupported(fmt.Sprintf("rule %s repeats something that can be empty", r.name))
			}
		})
	}
	if bad != nil {
		return bad
	}
	// A cycle in the leftmost-reference graph is left recursion.
	color := make([]uint8, n)
	var dfs func(i int) bool
	dfs = func(i int) bool {
		color[i] = 1
		for _, j := range left[i] {
			if color[j] == 1 || (color[j] == 0 && dfs(j)) {
				bad = errUnsupported(fmt.Sprintf("rule %s is left-recursive", g.rules[j].name))
				return true
			}
		}
		color[i] = 2
		return false
	}
	for i := range g.rules {
		if color[i] == 0 && dfs(i) {
			return bad
		}
	}
	return nil
}
