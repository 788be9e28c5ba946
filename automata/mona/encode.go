package mona

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Letter is one letter of the alphabet the encoding ranges over. Event is a
// representative event: an atom holds on the letter iff ltl.Atom.Holds holds
// on Event, so the letter stands for every event the atoms cannot tell apart.
// Name is only printed (in comments of the program and in messages).
type Letter struct {
	Name  string
	Event ltl.Event
}

// bitVar names the second-order variable holding bit j of the letter code.
func bitVar(j int) string { return "B" + strconv.Itoa(j) }

// encoder translates formulas over one alphabet into MONA formulas. Atoms
// become predicates A<i> declared once each; letters are predicates L<i>
// over the binary code in B0..B<bits-1>.
type encoder struct {
	letters  []Letter
	bits     int
	atomIdx  map[string]int
	atomDefs []string
	fresh    int
	nodes    int
}

func newEncoder(alphabet []Letter) (*encoder, error) {
	if len(alphabet) == 0 {
		return nil, errorf(ErrBadAlphabet, ltl.Pos{}, "empty alphabet")
	}
	if len(alphabet) > MaxLetters {
		e := errorf(ErrBadAlphabet, ltl.Pos{}, "alphabet of %d letters exceeds MaxLetters (%d, a fixed limit)", len(alphabet), MaxLetters)
		e.Limit = MaxLetters
		return nil, e
	}
	// One bit at least, so that every program declares a free variable and
	// the DFA's letters are never empty bit vectors.
	b := max(1, bits.Len(uint(len(alphabet)-1)))
	return &encoder{letters: alphabet, bits: b, atomIdx: map[string]int{}}, nil
}

// letterAt is the MONA formula "position p carries letter i".
func (e *encoder) letterAt(i int, p string) string {
	return "L" + strconv.Itoa(i) + "(" + p + ")"
}

// atom returns the index of the predicate A<i> for a, declaring it on first use.
func (e *encoder) atom(a *ltl.Atom) (int, error) {
	if a.Kind != ltl.AtomStep && a.Kind != ltl.AtomTool && a.Kind != ltl.AtomCall {
		return 0, errorf(ErrBadFormula, a.Pos, "unresolved atom %q", a.Name)
	}
	key := strconv.Itoa(int(a.Kind)) + ":" + a.String()
	i, ok := e.atomIdx[key]
	if !ok {
		var holds []string
		for li, l := range e.letters {
			if a.Holds(l.Event) {
				holds = append(holds, e.letterAt(li, "p"))
			}
		}
		body := "false"
		if len(holds) > 0 {
			body = strings.Join(holds, " | ")
		}
		i = len(e.atomDefs)
		e.atomIdx[key] = i
		e.atomDefs = append(e.atomDefs, fmt.Sprintf("pred A%d(var1 p) = %s; # %s", i, body, comment(a.String())))
	}
	return i, nil
}

func (e *encoder) newVar() string {
	e.fresh++
	return "v" + strconv.Itoa(e.fresh)
}

// formula returns the MONA formula saying that f holds at position x (a
// first-order term: "0" or a variable name). Every compound is fully
// parenthesised, so MONA's precedences never matter.
func (e *encoder) formula(f ltl.Formula, x string) (string, error) {
	e.nodes++
	if e.nodes > MaxNodes {
		err := errorf(ErrSizeLimit, ltl.Pos{}, "formula exceeds MaxNodes (%d nodes, a fixed limit)", MaxNodes)
		err.Limit = MaxNodes
		return "", err
	}
	switch f := f.(type) {
	case nil:
		return "", errorf(ErrBadFormula, ltl.Pos{}, "nil formula")
	case *ltl.Const:
		if f == nil {
			return "", errorf(ErrBadFormula, ltl.Pos{}, "nil formula")
		}
		if f.Value {
			return "true", nil
		}
		return "false", nil
	case *ltl.Last:
		if f == nil {
			return "", errorf(ErrBadFormula, ltl.Pos{}, "nil formula")
		}
		return "(" + x + " = max($))", nil
	case *ltl.Atom:
		if f == nil {
			return "", errorf(ErrBadFormula, ltl.Pos{}, "nil formula")
		}
		i, err := e.atom(f)
		if err != nil {
			return "", err
		}
		return "A" + strconv.Itoa(i) + "(" + x + ")", nil
	case *ltl.Unary:
		if f == nil {
			return "", errorf(ErrBadFormula, ltl.Pos{}, "nil formula")
		}
		if f.X == nil {
			return "", errorf(ErrBadFormula, f.Pos, "%v without an operand", f.Op)
		}
		if f.Op == ltl.OpNot {
			s, err := e.formula(f.X, x)
			if err != nil {
				return "", err
			}
			return "~" + s, nil
		}
		y := e.newVar()
		s, err := e.formula(f.X, y)
		if err != nil {
			return "", err
		}
		switch f.Op {
		case ltl.OpNext: // a successor exists and satisfies X
			return fmt.Sprintf("(ex1 %s: (%s = %s + 1 & %s))", y, y, x, s), nil
		case ltl.OpWeakNext: // x is last, or the successor satisfies X
			return fmt.Sprintf("(%s = max($) | (ex1 %s: (%s = %s + 1 & %s)))", x, y, y, x, s), nil
		case ltl.OpEventually:
			return fmt.Sprintf("(ex1 %s: (%s <= %s & %s))", y, x, y, s), nil
		case ltl.OpAlways:
			return fmt.Sprintf("(all1 %s: (%s <= %s => %s))", y, x, y, s), nil
		case ltl.OpYesterday: // a predecessor exists and satisfies X
			return fmt.Sprintf("(ex1 %s: (%s = %s + 1 & %s))", y, x, y, s), nil
		case ltl.OpOnce:
			return fmt.Sprintf("(ex1 %s: (%s <= %s & %s))", y, y, x, s), nil
		case ltl.OpHistorically:
			return fmt.Sprintf("(all1 %s: (%s <= %s => %s))", y, y, x, s), nil
		}
		return "", errorf(ErrBadFormula, f.Pos, "unknown unary operator %v", f.Op)
	case *ltl.Binary:
		if f == nil {
			return "", errorf(ErrBadFormula, ltl.Pos{}, "nil formula")
		}
		if f.L == nil || f.R == nil {
			return "", errorf(ErrBadFormula, f.Pos, "%v without an operand", f.Op)
		}
		switch f.Op {
		case ltl.OpAnd, ltl.OpOr, ltl.OpImplies, ltl.OpIff:
			l, err := e.formula(f.L, x)
			if err != nil {
				return "", err
			}
			r, err := e.formula(f.R, x)
			if err != nil {
				return "", err
			}
			op := map[ltl.Op]string{ltl.OpAnd: "&", ltl.OpOr: "|", ltl.OpImplies: "=>", ltl.OpIff: "<=>"}[f.Op]
			return "(" + l + " " + op + " " + r + ")", nil
		case ltl.OpUntil, ltl.OpRelease, ltl.OpWeakUntil, ltl.OpSince:
		default:
			return "", errorf(ErrBadFormula, f.Pos, "unknown binary operator %v", f.Op)
		}
		// y is the witness / probe position, z ranges between x and y.
		y, z := e.newVar(), e.newVar()
		var l, r string
		var err error
		switch f.Op {
		case ltl.OpUntil, ltl.OpSince: // L at the z's, R at y
			if l, err = e.formula(f.L, z); err != nil {
				return "", err
			}
			r, err = e.formula(f.R, y)
		case ltl.OpRelease: // R at y, L at z
			if l, err = e.formula(f.L, z); err != nil {
				return "", err
			}
			r, err = e.formula(f.R, y)
		case ltl.OpWeakUntil: // L at y, R at z
			if l, err = e.formula(f.L, y); err != nil {
				return "", err
			}
			r, err = e.formula(f.R, z)
		}
		if err != nil {
			return "", err
		}
		switch f.Op {
		case ltl.OpUntil: // some y >= x has R, and L holds on [x, y)
			return fmt.Sprintf("(ex1 %s: (%s <= %s & %s & (all1 %s: ((%s <= %s & %s < %s) => %s))))",
				y, x, y, r, z, x, z, z, y, l), nil
		case ltl.OpRelease: // every y >= x has R, unless L held somewhere in [x, y)
			return fmt.Sprintf("(all1 %s: (%s <= %s => (%s | (ex1 %s: (%s <= %s & %s < %s & %s)))))",
				y, x, y, r, z, x, z, z, y, l), nil
		case ltl.OpWeakUntil: // wherever L fails at y >= x, R held somewhere in [x, y]
			return fmt.Sprintf("(all1 %s: ((%s <= %s & ~%s) => (ex1 %s: (%s <= %s & %s <= %s & %s))))",
				y, x, y, l, z, x, z, z, y, r), nil
		default: // OpSince: some y <= x has R, and L holds on (y, x]
			return fmt.Sprintf("(ex1 %s: (%s <= %s & %s & (all1 %s: ((%s < %s & %s <= %s) => %s))))",
				y, y, x, r, z, y, z, z, x, l), nil
		}
	}
	return "", errorf(ErrBadFormula, ltl.Pos{}, "unknown formula node %T", f)
}

// comment makes s safe inside a MONA `#` line comment.
func comment(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}

// wellFormed is the name of the predicate saying that every position
// carries a valid letter code. Exclusivity is free with a binary code: a
// position has exactly one code, so at most one letter.
const wellFormed = "WF"

// program assembles a complete M2L-Str program: declarations, letter and
// atom predicates, and main as the formula to decide.
func (e *encoder) program(header []string, main string) string {
	var b strings.Builder
	b.WriteString("# Generated by specplan automata/mona: LTLf over finite traces, first-order encoding.\n")
	for _, h := range header {
		b.WriteString("# " + comment(h) + "\n")
	}
	b.WriteString("m2l-str;\n")
	vars := make([]string, e.bits)
	for j := range vars {
		vars[j] = bitVar(j)
	}
	b.WriteString("var2 " + strings.Join(vars, ", ") + ";\n")
	b.WriteString("# letters: binary code over " + strings.Join(vars, ", ") + "\n")
	for i, l := range e.letters {
		lits := make([]string, e.bits)
		for j := range lits {
			op := "notin"
			if i>>j&1 == 1 {
				op = "in"
			}
			lits[j] = "p " + op + " " + bitVar(j)
		}
		fmt.Fprintf(&b, "pred L%d(var1 p) = %s; # %s\n", i, strings.Join(lits, " & "), comment(l.Name))
	}
	if len(e.letters) < 1<<e.bits {
		all := make([]string, len(e.letters))
		for i := range all {
			all[i] = e.letterAt(i, "p")
		}
		fmt.Fprintf(&b, "pred %s = all1 p: (%s);\n", wellFormed, strings.Join(all, " | "))
	} else {
		fmt.Fprintf(&b, "pred %s = true; # every code is a letter\n", wellFormed)
	}
	if len(e.atomDefs) > 0 {
		b.WriteString("# atoms: the letters on which each holds\n")
		for _, d := range e.atomDefs {
			b.WriteString(d + "\n")
		}
	}
	b.WriteString(main + ";\n")
	return b.String()
}

// nonEmpty holds on non-empty strings only ($ is the set of all positions).
const nonEmpty = "0 in $"

// Encode translates f into a MONA program whose models are exactly the
// non-empty traces over alphabet that satisfy f at position 0: the program is
// satisfiable iff f is, and the automaton `mona -w` prints for it accepts
// exactly the letter codes of those traces (see BuildDFA).
func Encode(f ltl.Formula, alphabet []Letter) (string, error) {
	e, err := newEncoder(alphabet)
	if err != nil {
		return "", err
	}
	body, err := e.formula(f, "0")
	if err != nil {
		return "", err
	}
	return e.program([]string{"formula: " + f.String(), "models: non-empty traces satisfying the formula"},
		nonEmpty+" & "+wellFormed+" & "+body), nil
}

// encodeTrace builds the program "trace => f", valid iff trace satisfies f.
func encodeTrace(f ltl.Formula, alphabet []Letter, trace []int) (string, error) {
	if len(trace) == 0 {
		return "", errorf(ErrBadTrace, ltl.Pos{}, "empty trace")
	}
	if len(trace) > MaxTraceLen {
		e := errorf(ErrBadTrace, ltl.Pos{}, "trace of %d positions exceeds MaxTraceLen (%d, a fixed limit)", len(trace), MaxTraceLen)
		e.Limit = MaxTraceLen
		return "", e
	}
	e, err := newEncoder(alphabet)
	if err != nil {
		return "", err
	}
	for i, l := range trace {
		if l < 0 || l >= len(alphabet) {
			return "", errorf(ErrBadTrace, ltl.Pos{}, "trace position %d: letter %d outside the alphabet of %d letters", i, l, len(alphabet))
		}
	}
	body, err := e.formula(f, "0")
	if err != nil {
		return "", err
	}
	pins := make([]string, 0, len(trace)+1)
	pins = append(pins, "max($) = "+strconv.Itoa(len(trace)-1))
	names := make([]string, len(trace))
	for i, l := range trace {
		pins = append(pins, e.letterAt(l, strconv.Itoa(i)))
		names[i] = alphabet[l].Name
	}
	return e.program([]string{"formula: " + f.String(), "valid iff the trace satisfies the formula",
		"trace: " + strings.Join(names, " ")},
		"("+strings.Join(pins, " & ")+") => "+body), nil
}

// encodeEquiv builds the program valid iff f and g agree on every non-empty trace.
func encodeEquiv(f, g ltl.Formula, alphabet []Letter) (string, error) {
	e, err := newEncoder(alphabet)
	if err != nil {
		return "", err
	}
	bf, err := e.formula(f, "0")
	if err != nil {
		return "", err
	}
	bg, err := e.formula(g, "0")
	if err != nil {
		return "", err
	}
	return e.program([]string{"f: " + f.String(), "g: " + g.String(), "valid iff f and g agree on every non-empty trace"},
		"("+nonEmpty+" & "+wellFormed+") => ("+bf+" <=> "+bg+")"), nil
}
