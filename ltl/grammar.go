package ltl

import (
	"fmt"
	"reflect"
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
//	Primary  = "(" Iff ")" | Const | Pattern | Atom .
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
	Atom:       reflect.TypeFor[gTerm](),
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
	Rule    *gFormula `parser:"| \"rule\" @@"`
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

// FormulaSyntax is the concrete syntax of one formula whose atoms are the
// production A: the levels Iff to Unary of the grammar above, and
//
//	Primary = "(" Iff ")" | Const | A .
//
// Package ltl's own formulas are FormulaSyntax[gTerm] (a pattern or an
// atom). A language built on these formulas (package apps: screens,
// actions and conditions as atoms) puts FormulaSyntax[its atom] in its own
// grammar, declares a Frontend with Atom set to that type and the words of
// FormulaNames, and converts what participle parsed with a
// FormulaBuilder. The production's Tokens are the formula's text
// (SourceText).
type FormulaSyntax[A any] = gIff[A]

// The levels, loose to tight. Their names are the grammar's: participle's
// messages spell them (GIff, GPrimary) and FormulaNames puts them in words.
type gIff[A any] struct {
	Pos    lexer.Position
	Tokens []lexer.Token
	Left   *gImplies[A]  `parser:"@@"`
	Rest   []*gIffOpd[A] `parser:"@@*"`
}

type gIffOpd[A any] struct {
	Pos   lexer.Position
	Op    string       `parser:"@(\"<->\" | \"iff\")"`
	Right *gImplies[A] `parser:"@@"`
}

type gImplies[A any] struct {
	Left *gOr[A]      `parser:"@@"`
	Rest []*gOrOpd[A] `parser:"@@*"`
}

type gOrOpd[A any] struct {
	Pos   lexer.Position
	Op    string  `parser:"@(\"->\" | \"implies\")"`
	Right *gOr[A] `parser:"@@"`
}

type gOr[A any] struct {
	Left *gAnd[A]      `parser:"@@"`
	Rest []*gAndOpd[A] `parser:"@@*"`
}

type gAndOpd[A any] struct {
	Pos   lexer.Position
	Op    string   `parser:"@(\"|\" | \"||\" | \"or\")"`
	Right *gAnd[A] `parser:"@@"`
}

type gAnd[A any] struct {
	Left *gTemporal[A]      `parser:"@@"`
	Rest []*gTemporalOpd[A] `parser:"@@*"`
}

type gTemporalOpd[A any] struct {
	Pos   lexer.Position
	Op    string        `parser:"@(\"&\" | \"&&\" | \"and\")"`
	Right *gTemporal[A] `parser:"@@"`
}

type gTemporal[A any] struct {
	Left *gUnary[A]      `parser:"@@"`
	Rest []*gUnaryOpd[A] `parser:"@@*"`
}

type gUnaryOpd[A any] struct {
	Pos   lexer.Position
	Op    string     `parser:"@(\"U\" | \"until\" | \"R\" | \"release\" | \"W\" | \"weak_until\" | \"S\" | \"since\")"`
	Right *gUnary[A] `parser:"@@"`
}

type gUnary[A any] struct {
	Ops     []*gPrefix   `parser:"@@*"`
	Primary *gPrimary[A] `parser:"@@"`
}

type gPrefix struct {
	Pos lexer.Position
	Op  string `parser:"@(\"!\" | \"not\" | \"X\" | \"next\" | \"N\" | \"weak_next\" | \"F\" | \"eventually\" | \"G\" | \"always\" | \"Y\" | \"yesterday\" | \"O\" | \"once\" | \"H\" | \"historically\")"`
}

type gPrimary[A any] struct {
	Pos   lexer.Position
	Paren *gIff[A] `parser:"\"(\" @@ \")\""`
	Const *string  `parser:"| @(\"true\" | \"false\" | \"last\")"`
	Atom  *A       `parser:"| @@"`
}

// FormulaNames are the words for the formula levels in participle's
// messages, for a Frontend's Names (after the language's own words for
// GPrimary, which name its atoms).
var FormulaNames = [][2]string{
	{"GIff", "a formula"}, {"GImplies", "a formula"}, {"GOr", "a formula"}, {"GAnd", "a formula"},
	{"GTemporal", "a formula"}, {"GUnary", "a formula"},
}

// gFormula is a formula of a spec; gTerm is its atom production. Pattern
// names are reserved words and atom names never are, so which one a token
// starts is plain.
type (
	gFormula = FormulaSyntax[gTerm]
	gTerm    struct {
		Pattern *gPattern `parser:"  @@"`
		Atom    *gAtom    `parser:"| @@"`
	}
)

type gPattern struct {
	Pos  lexer.Position
	Name string  `parser:"@(\"never\" | \"before\" | \"responds\" | \"precedes\" | \"at_most\" | \"at_least\" | \"exactly\")"`
	Args []*gArg `parser:"\"(\" @@ (\",\" @@)* \")\""`
}

type gArg struct {
	Pos     lexer.Position
	Number  *string   `parser:"@Number"`
	Formula *gFormula `parser:"| @@"`
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
	formulaParser = participle.MustBuild[gFormula](participle.Lexer(ltlLexer), participle.UseLookahead(2))
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

// FormulaBuilder turns a FormulaSyntax[A] into a language's formula nodes
// N, with the operator levels' associativity (-> and the temporal binary
// operators nest to the right, the others to the left) and positions (a
// binary node at its operator, a prefix one at its operator, a constant at
// its token). Atom converts one atom; it may report errors and return a
// placeholder. Chains are loops: Build recurses only into parentheses,
// whose nesting the Frontend's Preflight bounds.
type FormulaBuilder[A, N any] struct {
	Atom   func(a *A) N
	Const  func(pos Pos, value bool) N
	Last   func(pos Pos) N
	Unary  func(pos Pos, op Op, x N) N
	Binary func(pos Pos, op Op, l, r N) N
}

// Build converts one formula.
func (b *FormulaBuilder[A, N]) Build(g *FormulaSyntax[A]) N {
	return chain(b.Binary, false, b.implies(g.Left), g.Rest, func(r *gIffOpd[A]) (Pos, Op, N) { return r.Pos, OpIff, b.implies(r.Right) })
}

func (b *FormulaBuilder[A, N]) implies(g *gImplies[A]) N {
	return chain(b.Binary, true, b.or(g.Left), g.Rest, func(r *gOrOpd[A]) (Pos, Op, N) { return r.Pos, OpImplies, b.or(r.Right) })
}

func (b *FormulaBuilder[A, N]) or(g *gOr[A]) N {
	return chain(b.Binary, false, b.and(g.Left), g.Rest, func(r *gAndOpd[A]) (Pos, Op, N) { return r.Pos, OpOr, b.and(r.Right) })
}

func (b *FormulaBuilder[A, N]) and(g *gAnd[A]) N {
	return chain(b.Binary, false, b.temporal(g.Left), g.Rest, func(r *gTemporalOpd[A]) (Pos, Op, N) { return r.Pos, OpAnd, b.temporal(r.Right) })
}

func (b *FormulaBuilder[A, N]) temporal(g *gTemporal[A]) N {
	return chain(b.Binary, true, b.unary(g.Left), g.Rest, func(r *gUnaryOpd[A]) (Pos, Op, N) { return r.Pos, binaryOps[r.Op], b.unary(r.Right) })
}

// chain folds one level's operands, converted left to right, into binary
// nodes: left-nested (a | b | c is (a | b) | c), or right-nested when right
// (a -> b -> c is a -> (b -> c)).
func chain[O, N any](bin func(Pos, Op, N, N) N, right bool, first N, rest []O, operand func(O) (Pos, Op, N)) N {
	if !right {
		n := first
		for _, r := range rest {
			pos, op, x := operand(r)
			n = bin(pos, op, n, x)
		}
		return n
	}
	type link struct {
		pos Pos
		op  Op
		x   N
	}
	links := make([]link, len(rest))
	for i, r := range rest {
		links[i].pos, links[i].op, links[i].x = operand(r)
	}
	if len(links) == 0 {
		return first
	}
	n := links[len(links)-1].x
	for i := len(links) - 1; i > 0; i-- {
		n = bin(links[i].pos, links[i].op, links[i-1].x, n)
	}
	return bin(links[0].pos, links[0].op, first, n)
}

func (b *FormulaBuilder[A, N]) unary(g *gUnary[A]) N {
	n := b.primary(g.Primary)
	for i := len(g.Ops) - 1; i >= 0; i-- {
		n = b.Unary(g.Ops[i].Pos, prefixOps[g.Ops[i].Op], n)
	}
	return n
}

func (b *FormulaBuilder[A, N]) primary(g *gPrimary[A]) N {
	switch {
	case g.Paren != nil:
		return b.Build(g.Paren)
	case g.Const == nil:
		return b.Atom(g.Atom)
	case *g.Const == "last":
		return b.Last(g.Pos)
	}
	return b.Const(g.Pos, *g.Const == "true")
}
