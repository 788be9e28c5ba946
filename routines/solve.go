package routines

import (
	"regexp"
	"strings"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// lit is one atom known true (pos) or false on a path.
type lit struct {
	atom *Atom
	pos  bool
}

// flatten turns facts into the atoms they decide: a true conjunction
// decides each conjunct, a false disjunction each disjunct false; what is
// left (a true disjunction, a false conjunction) decides nothing here.
func flatten(fs []fact) []lit {
	var out []lit
	var rec func(c *Cond, truth bool)
	rec = func(c *Cond, truth bool) {
		switch {
		case c.Op == CondAtom:
			out = append(out, lit{c.Atom, truth})
		case c.Op == CondNot:
			rec(c.X, !truth)
		case c.Op == CondAnd && truth, c.Op == CondOr && !truth:
			rec(c.X, truth)
			rec(c.Y, truth)
		}
	}
	for _, f := range fs {
		rec(f.cond, f.truth)
	}
	return out
}

// unsat reports that the facts cannot all hold. It is sound, not complete:
// it answers true only for contradictions it can prove, so an arm is never
// reported unreachable wrongly. A false predicate may be false because the
// value is missing or of another type (fail-closed), so a negated ordering
// says nothing unless a true one already makes the value a number.
func unsat(fs []fact) bool {
	groups := map[string][]lit{}
	var keys []string
	for _, l := range flatten(fs) {
		k := l.atom.Ref.String()
		if l.atom.Pred == "failed" || l.atom.Pred == "succeeded" {
			k = "$" + l.atom.Ref.Name + " status"
		}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], l)
	}
	for _, k := range keys {
		if groupUnsat(groups[k]) {
			return true
		}
	}
	return false
}

type bound struct {
	n      ltl.Number
	strict bool
	set    bool
}

func groupUnsat(ls []lit) bool {
	seen := map[string]bool{}
	var cands []string // nil: no finite candidate set yet
	finite := false
	var excluded []string
	var lo, hi bound
	numeric := false
	var negBounds []lit
	var strPreds []lit
	intersect := func(vals []string) {
		if !finite {
			cands, finite = append([]string{}, vals...), true
			return
		}
		in := make(map[string]bool, len(vals))
		for _, v := range vals {
			in[v] = true
		}
		var keep []string
		for _, c := range cands {
			if in[c] {
				keep = append(keep, c)
			}
		}
		cands = keep
	}
	for _, l := range ls {
		a := l.atom
		key := a.String()
		if prev, ok := seen[key]; ok && prev != l.pos {
			return true
		}
		seen[key] = l.pos
		switch a.Pred {
		case "failed", "succeeded":
			failed := (a.Pred == "failed") == l.pos
			k := "$status"
			if prev, ok := seen[k]; ok && prev != failed {
				return true
			}
			seen[k] = failed
		case "==":
			if l.pos {
				intersect([]string{a.Value.JSON})
			} else {
				excluded = append(excluded, a.Value.JSON)
			}
		case "!=":
			if l.pos {
				excluded = append(excluded, a.Value.JSON)
			} else {
				intersect([]string{a.Value.JSON})
			}
		case "in":
			vals := make([]string, len(a.List))
			for i, v := range a.List {
				vals[i] = v.JSON
			}
			if l.pos {
				intersect(vals)
			} else {
				excluded = append(excluded, vals...)
			}
		case "<", "<=", ">", ">=":
			n, ok := numberOf(a.Value)
			if !ok {
				continue
			}
			if !l.pos {
				negBounds = append(negBounds, l)
				continue
			}
			numeric = true
			applyBound(&lo, &hi, a.Pred, n)
		default:
			strPreds = append(strPreds, l)
		}
	}
	if numeric {
		for _, l := range negBounds {
			n, _ := numberOf(l.atom.Value)
			applyBound(&lo, &hi, negate(l.atom.Pred), n)
		}
		if lo.set && hi.set {
			if c := lo.n.Cmp(hi.n); c > 0 || c == 0 && (lo.strict || hi.strict) {
				return true
			}
		}
	}
	if !finite {
		return false
	}
	out := make(map[string]bool, len(excluded))
	for _, x := range excluded {
		out[x] = true
	}
	for _, c := range cands {
		if out[c] {
			continue
		}
		if numeric && !inBounds(c, lo, hi) {
			continue
		}
		if !stringPredsHold(c, strPreds) {
			continue
		}
		return false
	}
	return true
}

func numberOf(v *Value) (ltl.Number, bool) {
	n, err := ltl.ParseNumber(v.JSON)
	return n, err == nil
}

func negate(op string) string {
	return map[string]string{"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
}

func applyBound(lo, hi *bound, op string, n ltl.Number) {
	switch op {
	case ">", ">=":
		strict := op == ">"
		if c := n.Cmp(lo.n); !lo.set || c > 0 || c == 0 && strict {
			*lo = bound{n, strict, true}
		}
	case "<", "<=":
		strict := op == "<"
		if c := n.Cmp(hi.n); !hi.set || c < 0 || c == 0 && strict {
			*hi = bound{n, strict, true}
		}
	}
}

func inBounds(js string, lo, hi bound) bool {
	n, err := ltl.ParseNumber(js)
	if err != nil {
		return false
	}
	if lo.set {
		if c := n.Cmp(lo.n); c < 0 || c == 0 && lo.strict {
			return false
		}
	}
	if hi.set {
		if c := n.Cmp(hi.n); c > 0 || c == 0 && hi.strict {
			return false
		}
	}
	return true
}

// stringPredsHold evaluates the string predicates on a candidate value;
// one it cannot evaluate counts as holding.
func stringPredsHold(js string, preds []lit) bool {
	v, err := strictjson.ParseString(js, strictjson.Limits{})
	for _, l := range preds {
		p, perr := strictjson.ParseString(l.atom.Value.JSON, strictjson.Limits{})
		if perr != nil || p.Kind() != strictjson.String {
			continue
		}
		if err != nil || v.Kind() != strictjson.String {
			if l.pos {
				return false // a string predicate is false on a non-string
			}
			continue
		}
		s, q := v.Text(), p.Text()
		var holds bool
		switch l.atom.Pred {
		case "contains":
			holds = strings.Contains(s, q)
		case "starts_with":
			holds = strings.HasPrefix(s, q)
		case "ends_with":
			holds = strings.HasSuffix(s, q)
		case "matches":
			re, err := regexp.Compile(q)
			if err != nil {
				continue
			}
			holds = re.MatchString(s)
		}
		if holds != l.pos {
			return false
		}
	}
	return true
}
