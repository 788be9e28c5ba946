package routines

import "strings"

// fn is a formula of the lowered spec, printed with the fewest
// parentheses ltl's precedence allows (| looser than &, S, prefix
// operators, atoms), except that S is parenthesised inside & and |, for
// the reader.
//
// Formulas are shared (a step's At appears in each successor's), so a
// formula is a DAG whose printed size can be exponential in its node
// count: size is the printed size, computed once and saturating, and is
// checked before anything is printed.
type fn struct {
	op   byte // 'a' atom, 't' true, 'f' false, '!', 'Y', 'H', 'O', '&', '|', 'S'
	text string
	kids []*fn
	size int
}

const sizeCap = 1 << 40

func mk(op byte, text string, kids ...*fn) *fn {
	f := &fn{op: op, text: text, kids: kids, size: len(text) + 5}
	for _, k := range kids {
		f.size = min(f.size+k.size+4, sizeCap)
	}
	return f
}

var (
	fTrue  = mk('t', "")
	fFalse = mk('f', "")
)

func atom(text string) *fn { return mk('a', text) }

func fNot(x *fn) *fn {
	switch x.op {
	case 't':
		return fFalse
	case 'f':
		return fTrue
	case '!':
		return x.kids[0]
	}
	return mk('!', "", x)
}

func fPrefix(op byte, x *fn) *fn { return mk(op, "", x) }

func fSince(x, y *fn) *fn { return mk('S', "", x, y) }

func fAnd(xs ...*fn) *fn { return fList('&', fTrue, fFalse, xs) }
func fOr(xs ...*fn) *fn  { return fList('|', fFalse, fTrue, xs) }

// fList flattens and folds constants: unit is dropped, zero absorbs, a
// repeated operand (the same node, or an atom of the same text) is kept
// once.
func fList(op byte, unit, zero *fn, xs []*fn) *fn {
	var kids []*fn
	seen := map[*fn]bool{}
	atoms := map[string]bool{}
	add := func(k *fn) {
		switch {
		case seen[k]:
		case k.op == 'a' && atoms[k.text]:
		default:
			seen[k] = true
			if k.op == 'a' {
				atoms[k.text] = true
			}
			kids = append(kids, k)
		}
	}
	for _, x := range xs {
		switch {
		case x.op == unit.op:
			continue
		case x.op == zero.op:
			return zero
		case x.op == op:
			for _, k := range x.kids {
				add(k)
			}
		default:
			add(x)
		}
	}
	switch len(kids) {
	case 0:
		return unit
	case 1:
		return kids[0]
	}
	return mk(op, "", kids...)
}

func (f *fn) prec() int {
	switch f.op {
	case '|':
		return 1
	case '&':
		return 2
	case 'S':
		return 3
	case '!', 'Y', 'H', 'O':
		return 4
	}
	return 5
}

func (f *fn) String() string {
	var b strings.Builder
	f.write(&b, 0)
	return b.String()
}

func (f *fn) write(b *strings.Builder, min int) {
	if f.prec() < min {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch f.op {
	case 't':
		b.WriteString("true")
	case 'f':
		b.WriteString("false")
	case 'a':
		b.WriteString(f.text)
	case '!', 'Y', 'H', 'O':
		b.WriteByte(f.op)
		x := f.kids[0]
		if x.prec() >= 4 && f.op != '!' {
			b.WriteByte(' ')
		}
		x.write(b, 4)
	case '&', '|':
		sep, kidMin := " & ", 4
		if f.op == '|' {
			sep, kidMin = " | ", 2
		}
		for i, k := range f.kids {
			if i > 0 {
				b.WriteString(sep)
			}
			m := kidMin
			if f.op == '|' && k.op == 'S' {
				m = 4
			}
			if f.op == '&' && k.op != 'S' {
				m = 3
			}
			k.write(b, m)
		}
	case 'S':
		f.kids[0].write(b, 4)
		b.WriteString(" S ")
		f.kids[1].write(b, 4)
	}
}
