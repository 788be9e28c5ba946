package export

import (
	"slices"
	"strings"
)

// The grammar as data between the decoder's language and the printers:
// rules of expressions over code points, the format's special tokens and
// references to rules.

type expr interface{ isExpr() }

type (
	eLit   struct{ s string } // UTF-8 text, not empty
	eClass struct{ r []cpRange }
	eToken struct{ marker int } // Language.Markers index
	eRef   struct{ rule int }
	eSeq   struct{ xs []expr }
	eAlt   struct{ xs []expr }
	eRep   struct {
		x        expr
		min, max int // max < 0: unbounded
	}
	eEmpty struct{}
)

func (eLit) isExpr()   {}
func (eClass) isExpr() {}
func (eToken) isExpr() {}
func (eRef) isExpr()   {}
func (eSeq) isExpr()   {}
func (eAlt) isExpr()   {}
func (eRep) isExpr()   {}
func (eEmpty) isExpr() {}

type rule struct {
	name string // words joined by '-' (GBNF) — Lark prints them with '_'
	body expr
	note string // a comment: what the rule stands for
	// internal: a helper rule (a value's inner state, a join inside an
	// event text) that may be written in place where it is used once.
	internal bool
}

type grammar struct {
	rules   []rule // rules[0] is the start
	markers []marker
}

type marker struct {
	text  string
	token int // -1: no token id given
	name  string
}

// seq builds a sequence, flattening nested ones, dropping empties and
// merging adjacent literals.
func seq(xs ...expr) expr {
	var out []expr
	var add func(x expr)
	add = func(x expr) {
		switch v := x.(type) {
		case eEmpty:
		case eSeq:
			for _, y := range v.xs {
				add(y)
			}
		case eLit:
			if n := len(out); n > 0 {
				if l, ok := out[n-1].(eLit); ok {
					out[n-1] = eLit{l.s + v.s}
					return
				}
			}
			out = append(out, v)
		default:
			out = append(out, x)
		}
	}
	for _, x := range xs {
		add(x)
	}
	switch len(out) {
	case 0:
		return eEmpty{}
	case 1:
		return out[0]
	}
	return eSeq{out}
}

// alt builds an alternative, flattening nested ones and dropping repeats.
// An empty alternative is kept as eEmpty.
func alt(xs ...expr) expr {
	var out []expr
	var add func(x expr)
	add = func(x expr) {
		if a, ok := x.(eAlt); ok {
			for _, y := range a.xs {
				add(y)
			}
			return
		}
		for _, y := range out {
			if exprEqual(x, y) {
				return
			}
		}
		out = append(out, x)
	}
	for _, x := range xs {
		add(x)
	}
	switch len(out) {
	case 0:
		return nil // no text at all
	case 1:
		return out[0]
	}
	return eAlt{out}
}

func exprEqual(a, b expr) bool {
	switch x := a.(type) {
	case eLit:
		y, ok := b.(eLit)
		return ok && x.s == y.s
	case eClass:
		y, ok := b.(eClass)
		return ok && slices.Equal(x.r, y.r)
	case eToken:
		y, ok := b.(eToken)
		return ok && x == y
	case eRef:
		y, ok := b.(eRef)
		return ok && x == y
	case eEmpty:
		_, ok := b.(eEmpty)
		return ok
	case eSeq:
		y, ok := b.(eSeq)
		return ok && slices.EqualFunc(x.xs, y.xs, exprEqual)
	case eAlt:
		y, ok := b.(eAlt)
		return ok && slices.EqualFunc(x.xs, y.xs, exprEqual)
	case eRep:
		y, ok := b.(eRep)
		return ok && x.min == y.min && x.max == y.max && exprEqual(x.x, y.x)
	}
	return false
}

// optional is x? without an empty alternative inside x.
func optional(x expr) expr {
	if _, ok := x.(eEmpty); ok {
		return x
	}
	return eRep{x: x, min: 0, max: 1}
}

// liftEmpty turns an alternative with an empty branch into (rest)?.
func liftEmpty(x expr) expr {
	a, ok := x.(eAlt)
	if !ok {
		return x
	}
	var rest []expr
	empty := false
	for _, y := range a.xs {
		if _, ok := y.(eEmpty); ok {
			empty = true
			continue
		}
		rest = append(rest, y)
	}
	if !empty {
		return x
	}
	return optional(alt(rest...))
}

// ruleName makes a name of lower-case words joined by '-' from s.
func ruleName(s string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && sb.Len() > 0 {
				sb.WriteByte('-')
			}
			dash = false
			sb.WriteRune(r)
			continue
		}
		dash = true
	}
	out := sb.String()
	if len(out) > 40 {
		out = strings.TrimRight(out[:40], "-")
	}
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "r-" + out
	}
	return out
}
