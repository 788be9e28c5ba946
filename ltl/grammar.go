package ltl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/specplan/specplan/internal/safetext"
)

// The concrete syntax, one struct per precedence level (loose to tight), so
// the grammar has no left recursion and binary chains are repetitions rather
// than recursion: only parentheses and pattern calls make the parser recurse,
// and their nesting is bounded on the token stream before participle runs
// (ltlFront.Preflight).
//
//	File     = "spec" Ident String? Decl* .
//	Decl     = ("steps" | "tools") Name ("," Name)* | "tools" "from" String
//	         | "let" Ident "=" Name | "rule" Iff .
//	Name     = Ident | Dotted | Quoted .
//	Iff      = Implies (("<->" | "iff") Implies)* .              (left-nested)
//	Implies  = Or (("->" | "implies") Or)* .                      (right-nested)
//	Or       = And (("|" | "||" | "or") And)* .                   (left-nested)
//	And      = Temporal (("&" | "&&" | "and") Temporal)* .        (left-nested)
//	Temporal = Unary (("U"|"until"|"R"|"release"|"W"|"weak_until"|"S"|"since") Unary)* . (right-nested)
//	Unary    = PrefixOp* Primary .
//	PrefixOp = "!" | "not" | "X" | "next" | "N" | "weak_next" | "F" | "eventually"
//	         | "G" | "always" | "Y" | "yesterday" | "O" | "once" | "H" | "historically" .
//	Primary  = "(" Iff ")" | Pattern | Const | Atom .
//	Pattern  = PatternName "(" Arg ("," Arg)* ")" .
//	Arg      = Number | Iff .
//	Const    = "true" | "false" | "last" .
//	Atom     = (Ident | Dotted | Quoted | "call") ("(" Pred ("," Pred)* ")")?
//	           ("returns" "(" Pred ("," Pred)* ")" | "fails")? .
//	Pred     = (Ident | Keyword | Dotted) PredOp (Value | Ref | "[" Value ("," Value)* "]") .
//	PredOp   = "==" | "!=" | "<=" | ">=" | "<" | ">"
//	         | "contains" | "starts_with" | "ends_with" | "matches" | "in" .
//	Value    = Number | String | "true" | "false" .
//	Ref      = "$" Ident ("." Ident)* .                           (one token)
//
// let, returns, fails and the word operators of predicates are not
// reserved: they have their meaning only where the grammar expects them, so
// a tool may still be called fails or in. A predicate's path `to.iban`
// lexes as one Dotted token and is split at the dots.
//
// Names. A step or tool name is an identifier ([A-Za-z_][A-Za-z0-9_]*), a
// dotted identifier (ancient_empires.get_religion_info, as BFCL names its
// functions), or any other name between backticks (`read-file`, as MCP
// servers name tools; `next`, which unquoted is a reserved word). A quoted
// name holds no backtick, no newline and nothing safetext would escape
// (controls, bidirectional overrides); QuoteName writes a name in the form
// that parses back to it.

// reservedWords are the words that cannot name a step or a tool. They lex as
// Keyword tokens, so an Ident token is never one of them.
var reservedWords = []string{
	"spec", "steps", "tools", "rule",
	"true", "false", "last", "call",
	"not", "and", "or", "implies", "iff",
	"next", "weak_next", "eventually", "always", "until", "release", "weak_until",
	"yesterday", "once", "historically", "since",
	"X", "N", "F", "G", "U", "R", "W", "Y", "O", "H", "S",
	"never", "before", "responds", "precedes", "at_most", "at_least", "exactly",
}

var reserved = WordSet(reservedWords...)

var ltlLexer = NewLexer(reservedWords, []lexer.SimpleRule{
	{Name: "Number", Pattern: `-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`},
	{Name: "Quoted", Pattern: "`[^`\n]*`"},
	{Name: "Ref", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*`},
	// Before Keyword, so that a dotted name starting with a reserved word
	// (next.page) is one name.
	{Name: "Dotted", Pattern: `[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+`},
}, `<->|->|&&|\|\||==|!=|<=|>=|[<>!&|(),=\[\]]`)

// ltlFront bounds a spec's size and nesting. Depth counts open
// parentheses plus the run of prefix operators applied to the current
// operand; a binary operator or a comma ends the run, and a declaration
// starts afresh.
var ltlFront = &Frontend{
	Lexer: ltlLexer, Noun: "spec", SizeLimit: "MaxSpecBytes", SizeRaise: raiseSpecBytes,
	Depth: DepthRule{
		Open: WordSet("("), Close: WordSet(")"), Prefix: keySet(prefixOps),
		Reset:   WordSet("rule", "steps", "tools", "spec"),
		RunEnd:  keySet(binaryOps, ","),
		TooDeep: "formula nested too deeply: over MaxDepth = %d levels of parentheses and prefix operators" + raiseDepth,
	},
	ChainLimit: "a chain of more than %d operands or declarations in one rule or line" + fixedLimit + ": split it",
	Names:      grammarNames,
	LexHint:    quotingHint,
}

// keySet is WordSet of m's keys and the extra words.
func keySet[V any](m map[string]V, extra ...string) map[string]bool {
	s := WordSet(extra...)
	for k := range m {
		s[k] = true
	}
	return s
}

type gFile struct {
	Pos   lexer.Position
	Name  string   `parser:"\"spec\" @Ident"`
	Title *string  `parser:"@String?"`
	Decls []*gDecl `parser:"@@*"`
}

type gDecl struct {
	Pos     lexer.Position
	Steps   []*gName  `parser:"\"steps\" @@ (\",\" @@)*"`
	Catalog *gCatalog `parser:"| \"tools\" (@@"`
	Tools   []*gName  `parser:"  | @@ (\",\" @@)*)"`
	Let     *gLet     `parser:"| \"let\" @@"`
	Rule    *gIff     `parser:"| \"rule\" @@"`
}

// gLet is `let NAME = TOOL`: NAME is the result of the most recent call of TOOL.
type gLet struct {
	Pos  lexer.Position
	Name string `parser:"@Ident \"=\""`
	Tool *gName `parser:"@@"`
}

// gCatalog is `tools from "FILE"`: the spec names its tool catalog. "from"
// is not reserved, so `tools from, x` still declares a tool called from.
type gCatalog struct {
	Pos  lexer.Position
	Path string `parser:"\"from\" @String"`
}

type gName struct {
	Pos    lexer.Position
	Name   string `parser:"  @(Ident | Dotted | Keyword)"`
	Quoted string `parser:"| @Quoted"`
}

type gIff struct {
	Pos    lexer.Position
	Tokens []lexer.Token
	Left   *gImplies  `parser:"@@"`
	Rest   []*gIffOpd `parser:"@@*"`
}

type gIffOpd struct {
	Pos   lexer.Position
	Op    string    `parser:"@(\"<->\" | \"iff\")"`
	Right *gImplies `parser:"@@"`
}

type gImplies struct {
	Left *gOr      `parser:"@@"`
	Rest []*gOrOpd `parser:"@@*"`
}

type gOrOpd struct {
	Pos   lexer.Position
	Op    string `parser:"@(\"->\" | \"implies\")"`
	Right *gOr   `parser:"@@"`
}

type gOr struct {
	Left *gAnd      `parser:"@@"`
	Rest []*gAndOpd `parser:"@@*"`
}

type gAndOpd struct {
	Pos   lexer.Position
	Op    string `parser:"@(\"|\" | \"||\" | \"or\")"`
	Right *gAnd  `parser:"@@"`
}

type gAnd struct {
	Left *gTemporal      `parser:"@@"`
	Rest []*gTemporalOpd `parser:"@@*"`
}

type gTemporalOpd struct {
	Pos   lexer.Position
	Op    string     `parser:"@(\"&\" | \"&&\" | \"and\")"`
	Right *gTemporal `parser:"@@"`
}

type gTemporal struct {
	Left *gUnary      `parser:"@@"`
	Rest []*gUnaryOpd `parser:"@@*"`
}

type gUnaryOpd struct {
	Pos   lexer.Position
	Op    string  `parser:"@(\"U\" | \"until\" | \"R\" | \"release\" | \"W\" | \"weak_until\" | \"S\" | \"since\")"`
	Right *gUnary `parser:"@@"`
}

type gUnary struct {
	Ops     []*gPrefix `parser:"@@*"`
	Primary *gPrimary  `parser:"@@"`
}

type gPrefix struct {
	Pos lexer.Position
	Op  string `parser:"@(\"!\" | \"not\" | \"X\" | \"next\" | \"N\" | \"weak_next\" | \"F\" | \"eventually\" | \"G\" | \"always\" | \"Y\" | \"yesterday\" | \"O\" | \"once\" | \"H\" | \"historically\")"`
}

type gPrimary struct {
	Pos     lexer.Position
	Paren   *gIff     `parser:"\"(\" @@ \")\""`
	Pattern *gPattern `parser:"| @@"`
	Const   *string   `parser:"| @(\"true\" | \"false\" | \"last\")"`
	Atom    *gAtom    `parser:"| @@"`
}

type gPattern struct {
	Pos  lexer.Position
	Name string  `parser:"@(\"never\" | \"before\" | \"responds\" | \"precedes\" | \"at_most\" | \"at_least\" | \"exactly\")"`
	Args []*gArg `parser:"\"(\" @@ (\",\" @@)* \")\""`
}

type gArg struct {
	Pos     lexer.Position
	Number  *string `parser:"@Number"`
	Formula *gIff   `parser:"| @@"`
}

type gAtom struct {
	Pos     lexer.Position
	Name    string    `parser:"(  @(Ident | Dotted | \"call\")"`
	Quoted  string    `parser:"| @Quoted )"`
	Preds   []*gPred  `parser:"(\"(\" @@ (\",\" @@)* \")\")?"`
	Outcome *gOutcome `parser:"@@?"`
}

// gOutcome is the atom's `returns (…)` clause or `fails`.
type gOutcome struct {
	Pos     lexer.Position
	Returns []*gPred `parser:"  \"returns\" \"(\" @@ (\",\" @@)* \")\""`
	Fails   bool     `parser:"| @\"fails\""`
}

type gPred struct {
	Pos     lexer.Position
	Arg     string    `parser:"@(Ident | Keyword | Dotted)"`
	Cmp     string    `parser:"@(\"==\" | \"!=\" | \"<=\" | \">=\" | \"<\" | \">\" | \"contains\" | \"starts_with\" | \"ends_with\" | \"matches\" | \"in\")"`
	Operand *gOperand `parser:"@@"`
}

type gOperand struct {
	Pos   lexer.Position
	Value *gValue   `parser:"  @@"`
	Ref   *gRef     `parser:"| @@"`
	Set   []*gValue `parser:"| \"[\" @@ (\",\" @@)* \"]\""`
}

type gRef struct {
	Pos  lexer.Position
	Text string `parser:"@Ref"`
}

type gValue struct {
	Pos    lexer.Position
	Number *string `parser:"@Number"`
	String *string `parser:"| @String"`
	Bool   *string `parser:"| @(\"true\" | \"false\")"`
}

var (
	fileParser    = participle.MustBuild[gFile](participle.Lexer(ltlLexer), participle.UseLookahead(2))
	formulaParser = participle.MustBuild[gIff](participle.Lexer(ltlLexer), participle.UseLookahead(2))
)

var (
	identRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	dottedRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$`)
)

// QuoteName writes a step or tool name as a spec spells it: bare when it is
// an identifier that is not reserved, or a dotted identifier; between
// backticks otherwise. ok is false for a name no spec can spell (empty, or
// holding a backtick, a newline, a control or a bidirectional character).
func QuoteName(name string) (s string, ok bool) {
	switch {
	case identRE.MatchString(name) && !reserved[name], dottedRE.MatchString(name):
		return name, true
	case name == "" || strings.ContainsAny(name, "`\n") || safetext.Needs(name):
		return strconv.Quote(name), false
	}
	return "`" + name + "`", true
}

// quotedName returns the name between a Quoted token's backticks, or why
// it cannot be one.
func quotedName(tok string) (string, string) {
	name := strings.TrimSuffix(strings.TrimPrefix(tok, "`"), "`")
	switch {
	case name == "":
		return "", "a quoted name must not be empty"
	case safetext.Needs(name):
		return "", fmt.Sprintf("quoted name %s holds a control or bidirectional character", safetext.Escape(tok))
	}
	return name, ""
}
