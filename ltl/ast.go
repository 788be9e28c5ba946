package ltl

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Pos is a source position (file, byte offset, 1-based line and column).
type Pos = lexer.Position

// Spec is one parsed and checked .ltl file.
type Spec struct {
	Pos   Pos
	Name  string // identifier after `spec`
	Title string // optional quoted title after the name
	Steps []Decl // non-call step kinds, in declaration order
	Tools []Decl // tool names, in declaration order (spec file, then catalog)
	Rules []*Rule
	// Lets are the `let NAME = TOOL` declarations, in source order.
	Lets   []Let
	File   string // file name used in positions
	Source []byte // the source text, for error carets and rule text
	// Catalog is the spec's `tools from "FILE"`, nil without one.
	Catalog *CatalogRef
}

// Decl is one declared step kind or tool name.
type Decl struct {
	Pos  Pos
	Name string
}

// Rule is one `rule` line. Rules of a spec are conjoined.
type Rule struct {
	Pos     Pos
	Text    string  // the rule's source text, as written (sugar not expanded)
	Formula Formula // sugar already expanded; atoms resolved
}

// Formula is a node of the LTLf syntax tree. The concrete types are *Const,
// *Last, *Atom, *Unary and *Binary. Every node carries the position of the
// source text it came from (for sugar, the position of the pattern call).
type Formula interface {
	Position() Pos
	// String prints the formula in the symbolic concrete syntax, fully
	// parenthesised where precedence requires; the output parses back to an
	// equal formula.
	String() string
	formula()
}

// Op is a logical or temporal operator.
type Op uint8

const (
	OpNot          Op = iota + 1 // !  not
	OpAnd                        // &  and
	OpOr                         // |  or
	OpImplies                    // -> implies
	OpIff                        // <-> iff
	OpNext                       // X  next (strong: a next position must exist)
	OpWeakNext                   // N  weak_next (true at the last position)
	OpEventually                 // F  eventually
	OpAlways                     // G  always
	OpUntil                      // U  until (strong)
	OpRelease                    // R  release
	OpWeakUntil                  // W  weak_until
	OpYesterday                  // Y  yesterday (strong: false at position 0)
	OpOnce                       // O  once
	OpHistorically               // H  historically
	OpSince                      // S  since (strong)
)

var opSymbols = [...]string{
	OpNot: "!", OpAnd: "&", OpOr: "|", OpImplies: "->", OpIff: "<->",
	OpNext: "X", OpWeakNext: "N", OpEventually: "F", OpAlways: "G",
	OpUntil: "U", OpRelease: "R", OpWeakUntil: "W",
	OpYesterday: "Y", OpOnce: "O", OpHistorically: "H", OpSince: "S",
}

// String returns the operator's symbolic form.
func (o Op) String() string {
	if int(o) < len(opSymbols) && opSymbols[o] != "" {
		return opSymbols[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// IsPast reports whether o is a past-time operator.
func (o Op) IsPast() bool {
	return o == OpYesterday || o == OpOnce || o == OpHistorically || o == OpSince
}

// IsTemporal reports whether o is a (future or past) temporal operator.
func (o Op) IsTemporal() bool { return o >= OpNext }

// Const is `true` or `false`.
type Const struct {
	Pos   Pos
	Value bool
}

// Last is `last`: true exactly at the final position of the trace.
type Last struct {
	Pos Pos
}

// AtomKind says what an atom names.
type AtomKind uint8

const (
	AtomUnresolved AtomKind = iota // parsed, not yet checked against declarations
	AtomStep                       // a non-call step kind
	AtomTool                       // a call of one tool (optionally with predicates)
	AtomCall                       // `call`: a call of any tool
)

// Atom is a proposition about the event at the current position.
//
// A tool atom may also speak about the call's outcome, what the environment
// answered: `check_permission returns (allowed == true)` holds at a call
// whose result satisfies every predicate of Result (paths into the result),
// `hold_seat fails` at a call that got an error. Both need the call's
// arguments to satisfy Preds as well.
type Atom struct {
	Pos   Pos
	Kind  AtomKind
	Name  string // step or tool name; "call" for AtomCall
	Preds []Pred // only for AtomTool; all must hold (conjunction)
	// Returns: the atom has a `returns (…)` clause; Result are its
	// predicates, on the call's result.
	Returns bool
	Result  []Pred
	// Fails: the atom is `TOOL fails`.
	Fails bool
}

// HasOutcome reports whether the atom speaks about the call's result or error.
func (a *Atom) HasOutcome() bool { return a.Returns || a.Fails }

// Unary is a prefix operator applied to X.
type Unary struct {
	Pos Pos
	Op  Op // OpNot, OpNext, OpWeakNext, OpEventually, OpAlways, OpYesterday, OpOnce, OpHistorically
	X   Formula
}

// Binary is an infix operator.
type Binary struct {
	Pos  Pos
	Op   Op // OpAnd, OpOr, OpImplies, OpIff, OpUntil, OpRelease, OpWeakUntil, OpSince
	L, R Formula
}

func (*Const) formula()  {}
func (*Last) formula()   {}
func (*Atom) formula()   {}
func (*Unary) formula()  {}
func (*Binary) formula() {}

func (f *Const) Position() Pos  { return f.Pos }
func (f *Last) Position() Pos   { return f.Pos }
func (f *Atom) Position() Pos   { return f.Pos }
func (f *Unary) Position() Pos  { return f.Pos }
func (f *Binary) Position() Pos { return f.Pos }

// Cmp is a comparison in an argument predicate.
type Cmp uint8

const (
	CmpEq         Cmp = iota + 1 // ==
	CmpNe                        // !=
	CmpLt                        // <
	CmpLe                        // <=
	CmpGt                        // >
	CmpGe                        // >=
	CmpContains                  // contains (strings)
	CmpStartsWith                // starts_with (strings)
	CmpEndsWith                  // ends_with (strings)
	CmpMatches                   // matches (strings, an RE2 regular expression, unanchored)
	CmpIn                        // in [v, …] (set membership)
)

var cmpSymbols = [...]string{CmpEq: "==", CmpNe: "!=", CmpLt: "<", CmpLe: "<=", CmpGt: ">", CmpGe: ">=",
	CmpContains: "contains", CmpStartsWith: "starts_with", CmpEndsWith: "ends_with", CmpMatches: "matches", CmpIn: "in"}

func (c Cmp) String() string {
	if int(c) < len(cmpSymbols) && cmpSymbols[c] != "" {
		return cmpSymbols[c]
	}
	return "Cmp(" + strconv.Itoa(int(c)) + ")"
}

// IsOrder reports whether c is <, <=, > or >= (numbers only).
func (c Cmp) IsOrder() bool { return c >= CmpLt && c <= CmpGe }

// IsString reports whether c is a string predicate: contains, starts_with,
// ends_with or matches.
func (c Cmp) IsString() bool { return c >= CmpContains && c <= CmpMatches }

// ValueKind is the type of a literal in a predicate.
type ValueKind uint8

const (
	NumberValue ValueKind = iota + 1
	StringValue
	BoolValue
)

// Value is a literal in a predicate. Numbers are exact decimals (Number):
// `amount > 9007199254740992` tells 9007199254740993 apart.
type Value struct {
	Kind ValueKind
	Num  Number
	Str  string
	Bool bool
}

func (v Value) String() string {
	switch v.Kind {
	case NumberValue:
		return v.Num.String()
	case StringValue:
		return strconv.Quote(v.Str)
	case BoolValue:
		return strconv.FormatBool(v.Bool)
	}
	return "?"
}

// Pred is a predicate on a call's argument (or, in a `returns` clause, on
// its result) at a path: `amount <= 100`, `to.iban == "DE…"`,
// `path starts_with "/tmp/"`, `card.kind in ["visa", "mastercard"]`,
// `amount <= $budget.limit`. Ordering comparisons apply to numbers only;
// string predicates to strings; == and != to strings, numbers and booleans.
//
// The type a predicate implies (the fail-closed rule, CheckArgs) is
// Value.Kind: the literal's kind, the set's kind for `in`, string for string
// predicates, number for an ordering comparison with a captured value, and
// 0 for == or != with a captured value (the captured value's own type,
// known only along the run).
type Pred struct {
	Pos Pos
	// Arg is the path as written ("amount", "to.iban"); Path its segments.
	// A Pred built by hand with Path nil has the one-segment path Arg.
	Arg   string
	Path  []string
	Cmp   Cmp
	Value Value   // the literal; for CmpIn the first element of Set
	Set   []Value // CmpIn only: the values, all of one kind
	// Ref, when set, replaces Value: the predicate compares with a captured
	// value (`$budget.limit`), and its truth depends on the run.
	Ref *Ref
	// Re is Value.Str compiled (CmpMatches only).
	Re *regexp.Regexp
}

// Ref is a reference `$NAME.path` to a captured value: the result of the
// most recent call of Tool (declared `let NAME = TOOL`), at Path.
type Ref struct {
	Pos  Pos
	Name string
	Tool string
	Path []string // empty: the whole result
}

func (r *Ref) String() string {
	if len(r.Path) == 0 {
		return "$" + r.Name
	}
	return "$" + r.Name + "." + strings.Join(r.Path, ".")
}

// Segments returns the predicate's path.
func (p *Pred) Segments() []string {
	if p.Path == nil {
		return []string{p.Arg}
	}
	return p.Path
}

// String prints the predicate as written in a spec, e.g. `amount <= 100`.
// Two predicates with equal String are the same proposition (within one
// spec: a capture name means one tool there).
func (p Pred) String() string {
	var b strings.Builder
	b.WriteString(p.Arg)
	b.WriteByte(' ')
	b.WriteString(p.Cmp.String())
	b.WriteByte(' ')
	switch {
	case p.Ref != nil:
		b.WriteString(p.Ref.String())
	case p.Cmp == CmpIn:
		b.WriteByte('[')
		for i, v := range p.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(']')
	default:
		b.WriteString(p.Value.String())
	}
	return b.String()
}

// lookupPath follows path through JSON objects.
func lookupPath(v any, path []string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// argValue finds the predicate's path in a call's arguments.
func (p *Pred) argValue(args map[string]any) (any, bool) {
	if p.Path == nil || len(p.Path) == 1 && p.Path[0] == p.Arg {
		v, ok := args[p.Arg]
		return v, ok
	}
	if args == nil {
		return nil, false
	}
	return lookupPath(args, p.Path)
}

// Holds evaluates the predicate on a call's arguments, comparing numbers
// exactly (NumberOf reads every Go number type and json.Number). A missing
// argument, or one of a different type than the literal, makes it false;
// such a call never reaches a predicate in Eval or the automata, which
// reject it first (CheckArgs: a predicate implies its argument's type).
// A predicate with a Ref is false here: HoldsWith knows the captures.
func (p Pred) Holds(args map[string]any) bool {
	if p.Ref != nil {
		return false
	}
	raw, ok := p.argValue(args)
	if !ok {
		return false
	}
	return p.HoldsValue(raw)
}

// HoldsValue evaluates a literal predicate on the value found at its path.
func (p Pred) HoldsValue(raw any) bool {
	if p.Cmp == CmpIn {
		for _, v := range p.Set {
			if (Pred{Cmp: CmpEq, Value: v}).HoldsValue(raw) {
				return true
			}
		}
		return false
	}
	switch p.Value.Kind {
	case NumberValue:
		x, ok, err := NumberOf(raw)
		if !ok || err != nil {
			return false
		}
		return p.HoldsNumber(x)
	case StringValue:
		s, ok := raw.(string)
		if !ok {
			return false
		}
		switch p.Cmp {
		case CmpEq:
			return s == p.Value.Str
		case CmpNe:
			return s != p.Value.Str
		case CmpContains:
			return strings.Contains(s, p.Value.Str)
		case CmpStartsWith:
			return strings.HasPrefix(s, p.Value.Str)
		case CmpEndsWith:
			return strings.HasSuffix(s, p.Value.Str)
		case CmpMatches:
			re := p.Re
			if re == nil {
				var err error
				if re, err = regexp.Compile(p.Value.Str); err != nil {
					return false
				}
			}
			return re.MatchString(s)
		}
	case BoolValue:
		b, ok := raw.(bool)
		if !ok {
			return false
		}
		switch p.Cmp {
		case CmpEq:
			return b == p.Value.Bool
		case CmpNe:
			return b != p.Value.Bool
		}
	}
	return false
}

// HoldsNumber evaluates a numeric predicate on the number x (false for a
// predicate whose literal is not a number).
func (p Pred) HoldsNumber(x Number) bool {
	if p.Value.Kind != NumberValue {
		return false
	}
	c := x.Cmp(p.Value.Num)
	switch p.Cmp {
	case CmpEq:
		return c == 0
	case CmpNe:
		return c != 0
	case CmpLt:
		return c < 0
	case CmpLe:
		return c <= 0
	case CmpGt:
		return c > 0
	case CmpGe:
		return c >= 0
	}
	return false
}

// Holds reports whether the atom is true of event e, with no value
// captured (predicates with a Ref are false): HoldsWith knows the captures.
func (a *Atom) Holds(e Event) bool { return a.HoldsWith(e, nil) }

// HoldsWith reports whether the atom is true of event e, given the values
// captured before e. It does not apply the fail-closed rule (Eval and the
// automata reject such events first): an unbound reference, a missing path
// or a type mismatch simply makes a predicate false.
func (a *Atom) HoldsWith(e Event, caps Captures) bool {
	switch a.Kind {
	case AtomStep:
		return e.Tool == "" && e.Step == a.Name
	case AtomCall:
		return e.Tool != ""
	case AtomTool:
		if e.Tool != a.Name {
			return false
		}
		for i := range a.Preds {
			if h, _ := a.Preds[i].eval(e.Args, false, caps); !h {
				return false
			}
		}
		switch {
		case a.Fails:
			return e.Outcome == Failed
		case a.Returns:
			if e.Outcome != Returned {
				return false
			}
			for i := range a.Result {
				if h, _ := a.Result[i].eval(e.Result, true, caps); !h {
					return false
				}
			}
		}
		return true
	}
	return false
}

// String forms (concrete syntax, symbolic operators).

func (f *Const) String() string {
	if f.Value {
		return "true"
	}
	return "false"
}

func (f *Last) String() string { return "last" }

func (f *Atom) String() string {
	name := f.Name
	if f.Kind != AtomCall {
		name, _ = QuoteName(f.Name)
	}
	if len(f.Preds) > 0 {
		name += "(" + predList(f.Preds) + ")"
	}
	switch {
	case f.Fails:
		name += " fails"
	case f.Returns:
		name += " returns (" + predList(f.Result) + ")"
	}
	return name
}

func predList(ps []Pred) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

// precedence levels, loose to tight; used to parenthesise minimally.
func prec(f Formula) int {
	switch f := f.(type) {
	case *Binary:
		switch f.Op {
		case OpIff:
			return 1
		case OpImplies:
			return 2
		case OpOr:
			return 3
		case OpAnd:
			return 4
		default: // U R W S
			return 5
		}
	case *Unary:
		return 6
	}
	return 7
}

func (f *Unary) String() string { return formulaString(f) }

func (f *Binary) String() string { return formulaString(f) }

// formulaString prints f into one buffer: concatenating each operand's
// String would copy a long chain's text once per operator.
func formulaString(f Formula) string {
	var b strings.Builder
	writeFormula(&b, f)
	return b.String()
}

func writeFormula(b *strings.Builder, f Formula) {
	paren := func(g Formula, yes bool) {
		if yes {
			b.WriteByte('(')
		}
		writeFormula(b, g)
		if yes {
			b.WriteByte(')')
		}
	}
	switch f := f.(type) {
	case *Unary:
		inner := prec(f.X) < 6
		switch {
		case f.Op == OpNot:
			b.WriteByte('!')
		case inner:
			b.WriteString(f.Op.String())
		default:
			b.WriteString(f.Op.String())
			b.WriteByte(' ')
		}
		paren(f.X, inner)
	case *Binary:
		p := prec(f)
		// Right-associative levels (->, U R W S) need parentheses on a left
		// operand of the same level; left-flattened levels (& | <->) on the right.
		rightAssoc := p == 2 || p == 5
		paren(f.L, prec(f.L) < p || (rightAssoc && prec(f.L) == p))
		b.WriteByte(' ')
		b.WriteString(f.Op.String())
		b.WriteByte(' ')
		paren(f.R, prec(f.R) < p || (!rightAssoc && prec(f.R) == p))
	default:
		b.WriteString(f.String())
	}
}
