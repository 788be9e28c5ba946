package ltl

import (
	"strconv"
	"strings"
)

// Describe says in words what f requires, for violation reports read by
// people who did not write the spec. Common rule shapes get an idiomatic
// sentence ("every call must be followed immediately by an observation");
// anything else is read out operator by operator, which is exact if stiff.
// The result is a clause without a final period.
//
// A formula of many nodes is read out only in part, the rest shown as "…":
// a description is for a person, and describing a rule of n nodes costs
// about n times the length of its description.
func Describe(f Formula) string {
	ds := &describer{left: describeNodes}
	if s, ok := ds.describeShape(f); ok {
		return s
	}
	return ds.describe(f)
}

// describeNodes is how many formula nodes one description reads out.
const describeNodes = 200

// describer reads formulas out within a budget of nodes.
type describer struct{ left int }

// spent reports whether the budget is gone, and takes one node from it.
func (ds *describer) spent() bool {
	ds.left--
	return ds.left < 0
}

// describeShape recognises the shapes specs are mostly written in.
func (ds *describer) describeShape(f Formula) (string, bool) {
	if a, n, ok := matchAtMost(f); ok && n > 0 {
		return ds.noun(a) + " may happen at most " + times(n), true
	}
	if a, n, ok := matchAtLeast(f); ok && n > 1 {
		return ds.noun(a) + " must happen at least " + times(n), true
	}
	if b, ok := f.(*Binary); ok && b.Op == OpAnd {
		a1, n1, ok1 := matchAtLeast(b.L)
		a2, n2, ok2 := matchAtMost(b.R)
		if ok1 && ok2 && n1 == n2 && Equal(a1, a2) {
			return ds.noun(a1) + " must happen exactly " + times(n1), true
		}
	}
	switch f := f.(type) {
	case *Unary:
		switch f.Op {
		case OpAlways:
			switch x := f.X.(type) {
			case *Unary:
				if x.Op == OpNot {
					return ds.noun(x.X) + " must never happen", true
				}
			case *Binary:
				if x.Op == OpImplies {
					return ds.whenever(x.L, x.R), true
				}
			}
			return "at every step, " + ds.describe(f.X), true
		case OpEventually:
			return ds.noun(f.X) + " must happen at some point", true
		}
	case *Binary:
		if f.Op == OpWeakUntil {
			if n, ok := f.L.(*Unary); ok && n.Op == OpNot {
				return "no " + ds.kind(n.X) + " may happen until " + ds.noun(f.R) + " has happened", true
			}
		}
	case *Const:
		if f.Value {
			return "anything goes", true
		}
		return "no run satisfies this", true
	case *Atom:
		return "the run must start with " + ds.noun(f), true
	}
	return "", false
}

// whenever phrases G(l -> r).
func (ds *describer) whenever(l, r Formula) string {
	subject, each := ds.noun(l), ds.kind(l)
	switch r := r.(type) {
	case *Last:
		return "nothing may come after " + subject
	case *Unary:
		switch r.Op {
		case OpNext:
			if inner, ok := r.X.(*Unary); ok && inner.Op == OpEventually {
				return "every " + each + " must be followed later by " + ds.noun(inner.X)
			}
			return "every " + each + " must be followed immediately by " + ds.noun(r.X)
		case OpWeakNext:
			return "every " + each + " that is not last must be followed immediately by " + ds.noun(r.X)
		case OpEventually:
			return "every " + each + " must be followed, then or later, by " + ds.noun(r.X)
		case OpYesterday:
			if inner, ok := r.X.(*Unary); ok && inner.Op == OpOnce {
				return subject + " is allowed only after " + ds.noun(inner.X) + " has happened"
			}
			return subject + " is allowed only right after " + ds.noun(r.X)
		case OpOnce:
			return subject + " is allowed only once " + ds.noun(r.X) + " has happened"
		case OpAlways:
			if n, ok := r.X.(*Unary); ok && n.Op == OpNot {
				return "after " + subject + ", " + ds.noun(n.X) + " must never happen"
			}
		}
	}
	return "whenever " + ds.describe(l) + ", " + ds.describe(r)
}

// noun names what an event-level formula matches, with an article.
func (ds *describer) noun(f Formula) string {
	k := ds.kind(f)
	switch f := f.(type) {
	case *Atom:
		return article(k) + " " + k
	case *Binary:
		if f.Op == OpOr {
			return ds.noun(f.L) + " or " + ds.noun(f.R)
		}
		return article(k) + " " + k
	}
	return k
}

// kind names what an event-level formula matches, without an article
// ("call of refund"), for "every …" and "no …".
func (ds *describer) kind(f Formula) string {
	if ds.spent() {
		return "…"
	}
	switch f := f.(type) {
	case *Atom:
		switch f.Kind {
		case AtomCall:
			return "tool call"
		case AtomTool:
			name, _ := QuoteName(f.Name)
			out := "call of " + name
			if len(f.Preds) > 0 {
				parts := make([]string, len(f.Preds))
				for i, p := range f.Preds {
					parts[i] = p.String()
				}
				out += " with " + strings.Join(parts, " and ")
			}
			switch {
			case f.Fails:
				out += " that failed"
			case f.Returns:
				parts := make([]string, len(f.Result))
				for i, p := range f.Result {
					parts[i] = p.String()
				}
				out += " that returned " + strings.Join(parts, " and ")
			}
			return out
		default:
			name, _ := QuoteName(f.Name)
			return name
		}
	case *Binary:
		switch f.Op {
		case OpOr:
			return ds.kind(f.L) + " or " + ds.kind(f.R)
		case OpAnd:
			if past, ok := f.R.(*Unary); ok {
				switch past.Op {
				case OpYesterday:
					return ds.kind(f.L) + " right after " + ds.noun(past.X)
				case OpOnce:
					return ds.kind(f.L) + " once " + ds.noun(past.X) + " has happened"
				}
			}
			return ds.kind(f.L) + " that is also " + ds.noun(f.R)
		}
	case *Unary:
		if f.Op == OpNot {
			return "event other than " + ds.noun(f.X)
		}
	case *Const:
		if f.Value {
			return "any event"
		}
		return "no event"
	case *Last:
		return "the last event"
	}
	return "(" + ds.describe(f) + ")"
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

var opWords = map[Op]string{
	OpNext: "next", OpWeakNext: "if there is a next event, next", OpEventually: "eventually",
	OpAlways: "always", OpYesterday: "at the previous event", OpOnce: "at some earlier or current event",
	OpHistorically: "at every event so far", OpAnd: "and", OpOr: "or", OpImplies: "implies",
	OpIff: "if and only if", OpUntil: "until", OpRelease: "releases", OpWeakUntil: "unless",
	OpSince: "since",
}

// describe reads a formula out operator by operator.
func (ds *describer) describe(f Formula) string {
	if ds.spent() {
		return "…"
	}
	switch f := f.(type) {
	case *Atom, *Const:
		return "the event is " + ds.noun(f)
	case *Last:
		return "it is the last event"
	case *Unary:
		if f.Op == OpNot {
			return "not (" + ds.describe(f.X) + ")"
		}
		return opWords[f.Op] + " " + ds.describe(f.X)
	case *Binary:
		return "(" + ds.describe(f.L) + ") " + opWords[f.Op] + " (" + ds.describe(f.R) + ")"
	}
	return "?"
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

// atMost recognises the expansion of at_most(n, a): G !a for n = 0, else
// !a W (a & N at_most(n-1, a)).
func matchAtMost(f Formula) (Formula, int, bool) {
	if u, ok := f.(*Unary); ok && u.Op == OpAlways {
		if n, ok := u.X.(*Unary); ok && n.Op == OpNot {
			return n.X, 0, true
		}
		return nil, 0, false
	}
	w, ok := f.(*Binary)
	if !ok || w.Op != OpWeakUntil {
		return nil, 0, false
	}
	not, ok := w.L.(*Unary)
	if !ok || not.Op != OpNot {
		return nil, 0, false
	}
	and, ok := w.R.(*Binary)
	if !ok || and.Op != OpAnd || !Equal(and.L, not.X) {
		return nil, 0, false
	}
	next, ok := and.R.(*Unary)
	if !ok || next.Op != OpWeakNext {
		return nil, 0, false
	}
	a, n, ok := matchAtMost(next.X)
	if !ok || !Equal(a, not.X) {
		return nil, 0, false
	}
	return a, n + 1, true
}

// matchAtLeast recognises the expansion of at_least(n, a) for n >= 1:
// F a, or !a U (a & X at_least(n-1, a)).
func matchAtLeast(f Formula) (Formula, int, bool) {
	if ev, ok := f.(*Unary); ok && ev.Op == OpEventually {
		return ev.X, 1, true
	}
	u, ok := f.(*Binary)
	if !ok || u.Op != OpUntil {
		return nil, 0, false
	}
	not, ok := u.L.(*Unary)
	if !ok || not.Op != OpNot {
		return nil, 0, false
	}
	and, ok := u.R.(*Binary)
	if !ok || and.Op != OpAnd || !Equal(and.L, not.X) {
		return nil, 0, false
	}
	next, ok := and.R.(*Unary)
	if !ok || next.Op != OpNext {
		return nil, 0, false
	}
	a, n, ok := matchAtLeast(next.X)
	if !ok || !Equal(a, not.X) {
		return nil, 0, false
	}
	return a, n + 1, true
}
