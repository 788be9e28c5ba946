package routines

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/specplan/specplan/ltl"
)

// The concrete syntax, one struct per level, so that chains are
// repetitions: only blocks, parentheses, and JSON arrays and objects make
// the parser recurse, and their nesting is bounded on the token stream
// before participle runs (routineFront.Preflight).
//
//	File    = "routine" Ident String? Item* .
//	Item    = "input" Input ("," Input)* | "tools" "from" String | "allow" "thought"
//	        | RuleLine | "end" | Step .
//	Input   = Word ":" Word .
//	Step    = Num "optional"? String? ("->" Action | If | Choice | Repeat) .
//	Action  = Name ("(" (Arg ("," Arg)*)? ")")? ("as" Word)? .
//	Arg     = "..." | (Word | String) ":" ("any" | Ref | JSON) .
//	If      = "if" Or Block ("else" "if" Or Block)* ("else" Block)? .
//	Choice  = "choice" String? Block ("or" String? Block)* .
//	Repeat  = "repeat" Block "until" Or "max" Num .
//	Block   = "{" Item* "}" .
//	Or      = And ("or" And)* .   And = Not ("and" Not)* .   Not = "not"* Prim .
//	Prim    = "(" Or ")" | Ref ("failed" | "succeeded" | CmpOp JSON | "in" "[" (JSON ("," JSON)*)? "]") .
//	JSON    = String | Num | "true" | "false" | "null" | "[" … "]" | "{" (String ":" JSON …)? "}" .
//	Name    = Ident | Dotted | `quoted` .    Word = Ident | Keyword .
//
// A step number and a number literal are one token (Num); conversion
// tells them apart. A `rule` line is one token up to the end of the line,
// handed to package ltl as text.

var reservedWords = []string{
	"routine", "input", "tools", "from", "allow", "if", "else", "choice", "or",
	"repeat", "until", "max", "optional", "as", "any", "end", "failed", "succeeded",
	"and", "not", "true", "false", "null", "contains", "starts_with", "ends_with", "matches", "in",
}

var reserved = func() map[string]bool {
	m := ltl.WordSet(reservedWords...)
	m["rule"] = true // lexed as a RuleLine, never an Ident
	return m
}()

var routineLexer = ltl.NewLexer(reservedWords, []lexer.SimpleRule{
	{Name: "Num", Pattern: `-?\d+(?:\.\d+)*\.?(?:[eE][+-]?\d+)?`},
	{Name: "Quoted", Pattern: "`[^`\n]*`"},
	{Name: "Ref", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\d+))*`},
	{Name: "Dotted", Pattern: `[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+`},
	{Name: "RuleLine", Pattern: `rule\b[^\n]*`},
}, `->|==|!=|<=|>=|\.\.\.|[<>(){}\[\],:]`)

// routineFront bounds a routine's size and the nesting of blocks,
// parentheses and brackets together.
var routineFront = &ltl.Frontend{
	Lexer: routineLexer, Noun: "routine", SizeLimit: "MaxBytes", SizeRaise: raiseBytes,
	Depth: ltl.DepthRule{
		Open: ltl.WordSet("{", "(", "["), Close: ltl.WordSet("}", ")", "]"),
		TooDeep: "nested too deeply: over MaxDepth = %d levels of blocks, parentheses and brackets" + raiseDepth,
	},
	ChainLimit: "a list of more than %d items in one place (a fixed limit): split it",
	Names:      grammarNames,
}

var grammarNames = [][2]string{
	{"GItem", "a step, `end` or a declaration"}, {"GStep", "a step"}, {"GAction", "a tool or step name"},
	{"GArg", "an argument"}, {"GJSON", "a JSON value"}, {"GOr", "a condition"}, {"GAnd", "a condition"},
	{"GNot", "a condition"}, {"GPrim", "a condition"}, {"GBlock", "a block { … }"}, {"GName", "a name"},
	{"GWord", "a name"}, {"GIf", "an if"}, {"GChoice", "a choice"}, {"GRepeat", "a repeat"}, {"GInput", "an input NAME: TYPE"}, {"GMember", "an object member"},
}

var routineSymbols = routineLexer.Symbols()

type gFile struct {
	Pos   lexer.Position
	Name  string   `parser:"\"routine\" @Ident"`
	Title *string  `parser:"@String?"`
	Items []*gItem `parser:"@@*"`
}

type gItem struct {
	Pos     lexer.Position
	Inputs  []*gInput `parser:"  \"input\" @@ (\",\" @@)*"`
	Catalog *string   `parser:"| \"tools\" \"from\" @String"`
	Allow   *string   `parser:"| \"allow\" @Ident"`
	Rule    *string   `parser:"| @RuleLine"`
	End     bool      `parser:"| @\"end\""`
	Step    *gStep    `parser:"| @@"`
}

type gInput struct {
	Pos  lexer.Position
	Name string `parser:"@(Ident | Keyword) \":\""`
	Type string `parser:"@(Ident | Keyword)"`
}

type gStep struct {
	Pos      lexer.Position
	Number   string   `parser:"@Num"`
	Optional bool     `parser:"@\"optional\"?"`
	Desc     *string  `parser:"@String?"`
	Action   *gAction `parser:"(  \"->\" @@"`
	If       *gIf     `parser:"  | @@"`
	Choice   *gChoice `parser:"  | @@"`
	Repeat   *gRepeat `parser:"  | @@ )"`
}

type gName struct {
	Pos    lexer.Position
	Name   string `parser:"  @(Ident | Dotted)"`
	Quoted string `parser:"| @Quoted"`
}

type gAction struct {
	Pos       lexer.Position
	Name      gName   `parser:"@@"`
	Call      bool    `parser:"( @\"(\""`
	Args      []*gArg `parser:"  (@@ (\",\" @@)*)? \")\" )?"`
	ResultPos lexer.Position
	Result    *gWord `parser:"(\"as\" @@)?"`
}

type gWord struct {
	Pos  lexer.Position
	Word string `parser:"@(Ident | Keyword)"`
}

type gArg struct {
	Pos  lexer.Position
	Rest bool    `parser:"  @\"...\""`
	Name *string `parser:"| (@(Ident | Keyword | String) \":\""`
	Any  bool    `parser:"   ( @\"any\""`
	Ref  *string `parser:"   | @Ref"`
	JSON *gJSON  `parser:"   | @@ ))"`
}

type gJSON struct {
	Pos     lexer.Position
	Str     *string    `parser:"  @String"`
	Num     *string    `parser:"| @Num"`
	Word    *string    `parser:"| @(\"true\" | \"false\" | \"null\")"`
	Arr     bool       `parser:"| ( @\"[\""`
	Items   []*gJSON   `parser:"    (@@ (\",\" @@)*)? \"]\" )"`
	Obj     bool       `parser:"| ( @\"{\""`
	Members []*gMember `parser:"    (@@ (\",\" @@)*)? \"}\" )"`
}

type gMember struct {
	Pos lexer.Position
	Key string `parser:"@String \":\""`
	Val *gJSON `parser:"@@"`
}

type gBlock struct {
	Pos   lexer.Position
	Items []*gItem `parser:"\"{\" @@* \"}\""`
}

type gIf struct {
	Pos   lexer.Position
	Cond  *gOr     `parser:"\"if\" @@"`
	Then  *gBlock  `parser:"@@"`
	Elifs []*gElif `parser:"@@*"`
	Else  *gElse   `parser:"@@?"`
}

type gElif struct {
	Pos  lexer.Position
	Cond *gOr    `parser:"\"else\" \"if\" @@"`
	Body *gBlock `parser:"@@"`
}

type gElse struct {
	Pos  lexer.Position
	Body *gBlock `parser:"\"else\" @@"`
}

type gChoice struct {
	Pos   lexer.Position
	Label *string   `parser:"\"choice\" @String?"`
	First *gBlock   `parser:"@@"`
	Ors   []*gOrArm `parser:"@@*"`
}

type gOrArm struct {
	Pos   lexer.Position
	Label *string `parser:"\"or\" @String?"`
	Body  *gBlock `parser:"@@"`
}

type gRepeat struct {
	Pos   lexer.Position
	Body  *gBlock `parser:"\"repeat\" @@"`
	Until *gOr    `parser:"\"until\" @@"`
	Max   string  `parser:"\"max\" @Num"`
}

type gOr struct {
	Pos  lexer.Position
	Left *gAnd   `parser:"@@"`
	Rest []*gAnd `parser:"(\"or\" @@)*"`
}

type gAnd struct {
	Pos  lexer.Position
	Left *gNot   `parser:"@@"`
	Rest []*gNot `parser:"(\"and\" @@)*"`
}

type gNot struct {
	Pos  lexer.Position
	Nots []string `parser:"@\"not\"*"`
	Prim *gPrim   `parser:"@@"`
}

type gPrim struct {
	Pos    lexer.Position
	Paren  *gOr     `parser:"  \"(\" @@ \")\""`
	Ref    string   `parser:"| @Ref"`
	Status string   `parser:"  ( @(\"failed\" | \"succeeded\")"`
	Op     string   `parser:"  | @(\"==\" | \"!=\" | \"<=\" | \">=\" | \"<\" | \">\" | \"contains\" | \"starts_with\" | \"ends_with\" | \"matches\")"`
	Val    *gJSON   `parser:"    @@"`
	In     bool     `parser:"  | @\"in\" \"[\""`
	List   []*gJSON `parser:"    (@@ (\",\" @@)*)? \"]\" )"`
}

var fileParser = participle.MustBuild[gFile](participle.Lexer(routineLexer), participle.UseLookahead(2))
