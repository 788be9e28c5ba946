package routines

import "github.com/specplan/specplan/ltl"

// Pos is a source position: file, byte offset, line and rune column.
type Pos = ltl.Pos

// Routine is one parsed `.routine` file (or an import of the Routine
// paper's text form). Every node carries the position it was read at.
type Routine struct {
	Pos     Pos
	File    string
	Name    string
	Title   string
	Inputs  []*Input
	Catalog *CatalogRef // `tools from "FILE"`, nil if absent
	// AllowThought is `allow thought`: thought steps may come between
	// any two events of the routine (and before the first, after the last).
	AllowThought bool
	ThoughtPos   Pos
	Steps        []*Step
	Rules        []*Rule
}

// Input is `input NAME: TYPE`; TYPE is a JSON Schema type name or any.
type Input struct {
	Pos  Pos
	Name string
	Type string
}

// CatalogRef is the routine's `tools from "FILE"`, relative to the routine
// file. The package never opens it.
type CatalogRef struct {
	Pos  Pos
	Path string
}

// Rule is a `rule FORMULA` line: an LTL rule conjoined with the routine,
// kept as text (Check parses it with ltl.ParseFormula).
type Rule struct {
	Pos  Pos // of the formula's first character
	Text string
}

// StepKind says what a step does.
type StepKind uint8

const (
	StepCall   StepKind = iota + 1 // a call of a tool: `-> tool(args) as name`
	StepAct                        // a step that is not a call: `-> answer`
	StepIf                         // `if COND { } else if COND { } else { }`
	StepChoice                     // `choice { } or { }`: the model picks an arm
	StepRepeat                     // `repeat { } until COND max N`
	StepEnd                        // `end`: the routine is over on this path
)

var kindNames = [...]string{StepCall: "call", StepAct: "step", StepIf: "if", StepChoice: "choice", StepRepeat: "repeat", StepEnd: "end"}

func (k StepKind) String() string {
	if int(k) < len(kindNames) && k > 0 {
		return kindNames[k]
	}
	return "StepKind(?)"
}

// Step is one numbered step (or an unnumbered `end`).
type Step struct {
	Pos      Pos
	Number   string // "3.1", without a trailing dot; "" for end
	Desc     string
	Optional bool
	Kind     StepKind
	// Name is the tool of a call or the step of an act (answer, …).
	Name      string
	NamePos   Pos
	Args      []*Arg
	Rest      bool // `...`: arguments not named are free within the schema
	Result    string
	ResultPos Pos
	// Arms are an if's conditions in order (else if included) or a
	// choice's alternatives; Else is the if's else arm, nil if absent.
	Arms []*Arm
	Else *Arm
	// Body, Until and Max are a repeat's.
	Body  []*Step
	Until *Cond
	Max   int
}

// Arm is one arm of an if (Cond set) or of a choice (Label optional).
type Arm struct {
	Pos   Pos
	Cond  *Cond
	Label string
	Body  []*Step
}

// ArgKind says how an argument's value is given.
type ArgKind uint8

const (
	ArgLiteral ArgKind = iota + 1 // a JSON value
	ArgAny                        // `any`: free within the parameter's schema
	ArgRef                        // `$name.path`: an input or an earlier result
)

// Arg is `name: value` in a call.
type Arg struct {
	Pos   Pos
	Name  string
	Kind  ArgKind
	Value *Value // ArgLiteral
	Ref   *Ref   // ArgRef
}

// Value is a JSON literal, kept as compact canonical JSON (members in the
// order written, numbers exactly as written).
type Value struct {
	Pos  Pos
	JSON string
}

// Ref is `$name` or `$name.a.b`: an input, or the result of an earlier step.
type Ref struct {
	Pos  Pos
	Name string
	Path []string
}

// CondOp is the operator of a condition node.
type CondOp uint8

const (
	CondAtom CondOp = iota + 1
	CondNot
	CondAnd
	CondOr
)

// Cond is a branch or loop condition: atoms combined with not, and, or.
type Cond struct {
	Pos  Pos
	Op   CondOp
	X, Y *Cond // Not: X; And, Or: X and Y
	Atom *Atom
}

// Atom is one check on a value: `$ref OP literal`, `$ref in [...]`,
// `$ref failed` or `$ref succeeded`.
type Atom struct {
	Pos   Pos
	Ref   *Ref
	Pred  string // == != < <= > >= contains starts_with ends_with matches in failed succeeded
	Value *Value // for comparisons
	List  []*Value
}
