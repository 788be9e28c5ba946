package apps

import (
	"reflect"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/specplan/specplan/ltl"
)

// The concrete syntax, one struct per precedence level (loose to tight) as
// in package ltl, so that binary chains are repetitions: only parentheses
// make the parser recurse, and their nesting is bounded on the token stream
// before participle runs (appFront.Preflight).
//
//	File       = "app" Ident String? "start" Ident Decl* .
//	Decl       = ActionDecl | Screen | Overlay | "goal" Iff | "rule" Iff .
//	ActionDecl = "action" Ident "(" (Param ("," Param)*)? ")" .
//	Param      = Ident ":" ("string" | "number" | "integer" | "boolean") .
//	Screen     = "screen" Ident String? ("shows" "(" String ("," String)* ")")?
//	             ("requires" Cond)? "{" Transition* "}" .
//	Transition = Action ("->" Ident)? ("ensures" Cond)? .
//	Overlay    = "overlay" Ident "shows" "(" String ("," String)* ")" "dismiss" Action .
//	Action     = Ident ("(" Text ("," Text)* ")")? .
//	Text       = "any" | String | Number | "true" | "false" | Ref | Ident .
//	Cond       = CondAnd ("|" CondAnd)* .
//	CondAnd    = CondNot ("&" CondNot)* .
//	CondNot    = "!"* CondPrim .
//	CondPrim   = "(" Cond ")" | Atom .
//	Iff .. Primary: ltl.FormulaSyntax[Atom] (<->, ->, |, &, U R W S, prefix ! X N F G Y O H;
//	             parentheses, true, false, last).
//	Atom       = Ident ("(" Text ("," Text)* ")")? (CmpOp Text)? .
//
// An Atom is resolved after parsing: a screen or overlay name, an action
// (tap("Wi-Fi"), back, a declared custom action), or a condition predicate
// (visible, checked, text(field) OP v, count(list) OP n).

var reservedWords = []string{
	"app", "start", "screen", "overlay", "action", "goal", "rule", "requires", "ensures",
	"shows", "dismiss", "any", "true", "false", "last",
	"not", "and", "or", "implies", "iff",
	"next", "weak_next", "eventually", "always", "until", "release", "weak_until",
	"yesterday", "once", "historically", "since",
	"X", "N", "F", "G", "U", "R", "W", "Y", "O", "H", "S",
}

var reserved = ltl.WordSet(reservedWords...)

var appLexer = ltl.NewLexer(reservedWords, []lexer.SimpleRule{
	{Name: "Number", Pattern: `-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`},
	{Name: "Ref", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*`},
}, `<->|->|&&|\|\||==|!=|<=|>=|[<>!&|(),{}:]`)

// appFront bounds an app's size and nesting: parentheses plus the run of
// prefix operators on the current operand; each declaration, condition and
// screen body starts afresh.
var appFront = &ltl.Frontend{
	Lexer: appLexer, Noun: "app", SizeLimit: "MaxBytes", SizeRaise: " (raise it with --max-spec-bytes or apps.Options.MaxBytes)",
	Depth: ltl.DepthRule{
		Open: ltl.WordSet("("), Close: ltl.WordSet(")"),
		Prefix:  ltl.WordSet("!", "not", "X", "next", "N", "weak_next", "F", "eventually", "G", "always", "Y", "yesterday", "O", "once", "H", "historically"),
		Reset:   ltl.WordSet("screen", "overlay", "action", "goal", "rule", "requires", "ensures", "{", "}"),
		TooDeep: "nested too deeply: over MaxDepth = %d levels of parentheses and prefix operators (raise it with --max-depth or apps.Options.MaxDepth)",
	},
	ChainLimit: "a list of more than %d items in one place (a fixed limit): split it",
	Names:      grammarNames,
	Atom:       reflect.TypeFor[gAtom](),
}

type gFile struct {
	Pos   lexer.Position
	Name  string   `parser:"\"app\" @Ident"`
	Title *string  `parser:"@String?"`
	Start *gStart  `parser:"\"start\" @@"`
	Decls []*gDecl `parser:"@@*"`
}

type gStart struct {
	Pos    lexer.Position
	Screen string `parser:"@(Ident | Keyword)"`
}

type gDecl struct {
	Pos     lexer.Position
	Action  *gActionDecl `parser:"  \"action\" @@"`
	Screen  *gScreen     `parser:"| \"screen\" @@"`
	Overlay *gOverlay    `parser:"| \"overlay\" @@"`
	Goal    *gFormula    `parser:"| \"goal\" @@"`
	Rule    *gFormula    `parser:"| \"rule\" @@"`
}

type gActionDecl struct {
	Pos    lexer.Position
	Name   string    `parser:"@Ident \"(\""`
	Params []*gParam `parser:"(@@ (\",\" @@)*)? \")\""`
}

type gParam struct {
	Pos  lexer.Position
	Name string `parser:"@Ident \":\""`
	Type string `parser:"@Ident"`
}

type gScreen struct {
	Pos         lexer.Position
	Name        string         `parser:"@(Ident | Keyword)"`
	Label       *string        `parser:"@String?"`
	Shows       []*gString     `parser:"(\"shows\" \"(\" @@ (\",\" @@)* \")\")?"`
	Requires    *gCond         `parser:"(\"requires\" @@)?"`
	Transitions []*gTransition `parser:"\"{\" @@* \"}\""`
}

type gTransition struct {
	Pos     lexer.Position
	Action  *gAction `parser:"@@"`
	Arrow   *gTarget `parser:"@@?"`
	Ensures *gCond   `parser:"(\"ensures\" @@)?"`
}

type gTarget struct {
	Pos    lexer.Position
	Screen string `parser:"\"->\" @(Ident | Keyword)"`
}

type gOverlay struct {
	Pos     lexer.Position
	Name    string     `parser:"@(Ident | Keyword) \"shows\" \"(\""`
	Shows   []*gString `parser:"@@ (\",\" @@)* \")\""`
	Dismiss *gAction   `parser:"\"dismiss\" @@"`
}

type gString struct {
	Pos   lexer.Position
	Value string `parser:"@String"`
}

type gAction struct {
	Pos  lexer.Position
	Name string   `parser:"@Ident"`
	Args []*gText `parser:"(\"(\" @@ (\",\" @@)* \")\")?"`
}

type gText struct {
	Pos    lexer.Position
	Any    bool    `parser:"  @\"any\""`
	String *string `parser:"| @String"`
	Number *string `parser:"| @Number"`
	Bool   *string `parser:"| @(\"true\" | \"false\")"`
	Ref    *string `parser:"| @Ref"`
	Ident  *string `parser:"| @Ident"`
}

type gCond struct {
	Pos    lexer.Position
	Tokens []lexer.Token
	Left   *gCondAnd   `parser:"@@"`
	Rest   []*gCondOr1 `parser:"@@*"`
}

type gCondOr1 struct {
	Pos   lexer.Position
	Op    string    `parser:"@(\"|\" | \"||\" | \"or\")"`
	Right *gCondAnd `parser:"@@"`
}

type gCondAnd struct {
	Left *gCondNot    `parser:"@@"`
	Rest []*gCondAnd1 `parser:"@@*"`
}

type gCondAnd1 struct {
	Pos   lexer.Position
	Op    string    `parser:"@(\"&\" | \"&&\" | \"and\")"`
	Right *gCondNot `parser:"@@"`
}

type gCondNot struct {
	Pos  lexer.Position
	Nots []string   `parser:"@(\"!\" | \"not\")*"`
	Prim *gCondPrim `parser:"@@"`
}

type gCondPrim struct {
	Pos   lexer.Position
	Paren *gCond `parser:"  \"(\" @@ \")\""`
	Atom  *gAtom `parser:"| @@"`
}

// gFormula is a goal or rule: ltl's formula levels over this language's
// atoms.
type gFormula = ltl.FormulaSyntax[gAtom]

// gAtom is a screen name, an action or a condition predicate; which one is
// decided by name after parsing.
type gAtom struct {
	Pos  lexer.Position
	Name string   `parser:"@Ident"`
	Args []*gText `parser:"(\"(\" @@ (\",\" @@)* \")\")?"`
	Cmp  *gCmp    `parser:"@@?"`
}

type gCmp struct {
	Pos   lexer.Position
	Op    string `parser:"@(\"==\" | \"!=\" | \"<=\" | \">=\" | \"<\" | \">\")"`
	Value *gText `parser:"@@"`
}

var fileParser = participle.MustBuild[gFile](participle.Lexer(appLexer), participle.UseLookahead(2))
