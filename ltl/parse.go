package ltl

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Limits. Each is reported as an error that names the limit and what
// raises it: an Options field (of this package and of specplan, with the
// plan flag of the same name), or nothing for a fixed limit.
const (
	// DefaultMaxDepth is the nesting limit used when Options.MaxDepth is 0.
	DefaultMaxDepth = 256
	// DefaultMaxSpecBytes is the size limit on a spec's text used when
	// Options.MaxSpecBytes is 0. It is checked before the text is lexed:
	// the parser allocates a few kilobytes per byte of input as it goes
	// (about 450 MB of peak memory and 5 s for a 1 MB formula), so a large
	// file is refused rather than parsed. Written specs are a few kilobytes.
	DefaultMaxSpecBytes = 256 << 10
	// MaxPatternCount is the largest n accepted by at_most, at_least and exactly.
	MaxPatternCount = 64
	// MaxFormulaSize is the largest number of nodes all rules of a spec may
	// have together after pattern expansion: nested counting patterns
	// multiply sizes, and a few bytes of input must not become gigabytes.
	MaxFormulaSize = 1 << 20
)

// ToolDecl is a tool declared outside the spec text, e.g. from a catalog file.
type ToolDecl struct {
	Name string
	Pos  Pos
}

// Options configures Parse.
type Options struct {
	// Tools are declared in addition to the spec's `tools` lines. A name the
	// spec already declares as a tool is accepted once (the catalog merely
	// describes it).
	Tools []ToolDecl
	// MaxDepth bounds the nesting of parentheses and operators; 0 means
	// DefaultMaxDepth.
	MaxDepth int
	// MaxSpecBytes bounds the size of the spec text; 0 means
	// DefaultMaxSpecBytes.
	MaxSpecBytes int
	// MaxInputBytes bounds one input (a spec, trace, catalog or prompt) as
	// the readers (ReadInput, ReadTrace, ParseCatalog, ParseExamples) take
	// it; 0 means DefaultMaxInputBytes.
	MaxInputBytes int64
	// MaxLineBytes bounds one line of a JSON Lines trace; 0 means
	// DefaultMaxLineBytes.
	MaxLineBytes int
	// MaxJSONDepth bounds the nesting of arrays and objects in JSON input;
	// 0 means DefaultMaxJSONDepth.
	MaxJSONDepth int
}

// Flags and Options fields that raise limits, for the messages.
const (
	raiseDepth     = " (raise it with --max-depth or Options.MaxDepth)"
	raiseSpecBytes = " (raise it with --max-spec-bytes or Options.MaxSpecBytes)"
	fixedLimit     = " (a fixed limit)"
)

// Parse parses, expands and checks one .ltl file. On success every atom is
// resolved (no AtomUnresolved remains), every rule has its Text, and the spec
// declares at least one step or tool. On failure the error is an ErrorList
// holding every error found (a syntax error stops parsing, so it comes alone).
func Parse(filename string, src []byte, opts Options) (*Spec, error) {
	// The spec's own limit first: it is the smaller one by default, and the
	// one its author can raise without raising every other input's.
	if err := checkSize(filename, src, opts.MaxSpecBytes); err != nil {
		return nil, err
	}
	if err := opts.checkSize(filename, src); err != nil {
		return nil, err // MaxInputBytes: a spec handed over as bytes is bounded too
	}
	maxDepth := opts.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	src = BlankBOM(src)
	if err := ltlFront.Preflight(filename, src, maxDepth); err != nil {
		return nil, err
	}
	g, err := fileParser.ParseBytes(filename, src)
	if err != nil {
		return nil, ltlFront.SyntaxError(filename, err)
	}
	e := &errs{}
	s := &Spec{Pos: g.Pos, Name: g.Name, File: filename, Source: src}
	if g.Title != nil {
		t, err := strconv.Unquote(*g.Title)
		if err != nil {
			e.add(g.Pos, ErrSyntax, "invalid string literal "+*g.Title)
		}
		s.Title = t
	}
	stepAt := map[string]Pos{}
	toolAt := map[string]Pos{}
	declare := func(n *gName, tool bool) {
		what := "step"
		mine, other := stepAt, toolAt
		if tool {
			what = "tool"
			mine, other = toolAt, stepAt
		}
		quoted := n.Name == ""
		if quoted {
			name, bad := quotedName(n.Quoted)
			if bad != "" {
				e.add(n.Pos, ErrSyntax, bad)
				return
			}
			n = &gName{Pos: n.Pos, Name: name}
		}
		switch {
		case reserved[n.Name] && !quoted:
			e.add(n.Pos, ErrReserved, fmt.Sprintf("%q is a reserved word and cannot name a %s unquoted: write `%s`", n.Name, what, n.Name))
			return
		case hasPos(mine, n.Name):
			e.add(n.Pos, ErrDuplicate, fmt.Sprintf("%s %q already declared at %s", what, n.Name, shortPos(mine[n.Name])))
			return
		case hasPos(other, n.Name):
			e.add(n.Pos, ErrDuplicate, fmt.Sprintf("%q is declared as both a step and a tool (first at %s)", n.Name, shortPos(other[n.Name])))
			return
		}
		mine[n.Name] = n.Pos
		if tool {
			s.Tools = append(s.Tools, Decl{Pos: n.Pos, Name: n.Name})
		} else {
			s.Steps = append(s.Steps, Decl{Pos: n.Pos, Name: n.Name})
		}
	}
	for _, d := range g.Decls {
		if d.Catalog != nil {
			catalogDecl(s, d.Catalog, d.Pos, e)
		}
		for _, n := range d.Steps {
			declare(n, false)
		}
		for _, n := range d.Tools {
			declare(n, true)
		}
	}
	for _, t := range opts.Tools {
		if hasPos(toolAt, t.Name) {
			continue
		}
		q, ok := QuoteName(t.Name)
		if !ok {
			e.add(t.Pos, ErrCatalogTool, fmt.Sprintf("tool name %s cannot be written in a spec, even quoted: it is empty or holds a backtick, a newline, a control or a bidirectional character", q))
			continue
		}
		// A catalog's names are declared as if quoted: a tool called
		// `next` is usable as `next` with backticks.
		declare(&gName{Pos: t.Pos, Quoted: "`" + t.Name + "`"}, true)
	}
	if len(s.Steps) == 0 && len(s.Tools) == 0 && !hasCode(e.list, ErrReserved, ErrDuplicate, ErrCatalogTool) {
		e.add(g.Pos, ErrNoAlphabet, fmt.Sprintf("spec %q declares no step and no tool: declare at least one with `steps` or `tools`", g.Name))
	}
	c := newConv(e, declNames(s.Steps), declNames(s.Tools))
	for _, d := range g.Decls {
		if d.Let != nil {
			c.declareLet(s, d.Let)
		}
	}
	for _, d := range g.Decls {
		if d.Rule == nil {
			continue
		}
		f := c.rule(d.Rule)
		s.Rules = append(s.Rules, &Rule{Pos: d.Rule.Pos, Text: SourceText(src, d.Rule.Tokens), Formula: f})
	}
	if err := e.result(); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseFormula parses a single formula against the given declarations, with
// the same expansion and checks as a rule of Parse.
// Its text is limited to DefaultMaxSpecBytes.
func ParseFormula(filename string, src []byte, steps, tools []string) (Formula, error) {
	if err := checkSize(filename, src, 0); err != nil {
		return nil, err
	}
	return parseFormula(filename, src, steps, tools, DefaultMaxDepth)
}

func parseFormula(filename string, src []byte, steps, tools []string, maxDepth int, lets ...Let) (Formula, error) {
	if err := ltlFront.Preflight(filename, src, maxDepth); err != nil {
		return nil, err
	}
	g, err := formulaParser.ParseBytes(filename, src)
	if err != nil {
		return nil, ltlFront.SyntaxError(filename, err)
	}
	e := &errs{}
	c := newConv(e, steps, tools)
	for _, l := range lets {
		if c.lets == nil {
			c.lets = map[string]Let{}
		}
		c.lets[l.Name] = l
	}
	f := c.rule(g)
	if err := e.result(); err != nil {
		return nil, err
	}
	return f, nil
}

func hasPos(m map[string]Pos, k string) bool { _, ok := m[k]; return ok }

func hasCode(l ErrorList, codes ...Code) bool {
	for _, e := range l {
		for _, c := range codes {
			if e.Code == c {
				return true
			}
		}
	}
	return false
}

func shortPos(p Pos) string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) }

func declNames(ds []Decl) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

// checkSize refuses a spec text over maxBytes (0: DefaultMaxSpecBytes),
// positioned at the first byte past the limit.
func checkSize(filename string, src []byte, maxBytes int) error {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxSpecBytes
	}
	return ltlFront.CheckSize(filename, src, maxBytes)
}

// quotingHint adds to a lexical error inside a name such as read-file or
// v1/search how to write that name: between backticks.
func quotingHint(src []byte, err error) error {
	l, ok := err.(ErrorList)
	if !ok || len(l) != 1 {
		return err
	}
	off := l[0].Pos.Offset
	if off <= 0 || off >= len(src) || !isNameByte(src[off-1]) || isNameByte(src[off]) {
		return err
	}
	start, end := off, off
	for start > 0 && (isNameByte(src[start-1]) || src[start-1] == '.') {
		start--
	}
	for end < len(src) && (isNameByte(src[end]) || strings.IndexByte(".-/:@+", src[end]) >= 0) {
		end++
	}
	if end > off+1 && isNameByte(src[end-1]) {
		name := string(src[start:end])
		if q, ok := QuoteName(name); ok && q != name && end-start <= 200 {
			l[0].Msg += fmt.Sprintf("; a name with other characters than letters, digits, _ and dots is written between backticks: %s", q)
		}
	}
	return l
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// grammarNames turns participle's "expected <struct>" into words.
var grammarNames = slices.Concat([][2]string{
	{"GPrimary", "an operand: a name, true, false, last, a pattern or a parenthesised formula"},
}, FormulaNames, [][2]string{
	{"GArg", "a formula or a count"},
	{"GPred", "a predicate such as amount <= 100"}, {"GValue", "a number, string, true or false"},
	{"GName", "a name"}, {"GDecl", "steps, tools, let or rule"}, {"GLet", "a capture: let NAME = TOOL"}, {"GRef", "a captured value $NAME.path"}, {"GOperand", "a value: a number, string, true or false, a list [v, …] or a captured $NAME.path"}, {"GPattern", "a pattern"}, {"GAtom", "a name"},
	{`token "<EOF>"`, "end of input"},
})

var binaryOps = map[string]Op{
	"<->": OpIff, "iff": OpIff,
	"->": OpImplies, "implies": OpImplies,
	"|": OpOr, "||": OpOr, "or": OpOr,
	"&": OpAnd, "&&": OpAnd, "and": OpAnd,
	"U": OpUntil, "until": OpUntil, "R": OpRelease, "release": OpRelease,
	"W": OpWeakUntil, "weak_until": OpWeakUntil, "S": OpSince, "since": OpSince,
}

var prefixOps = map[string]Op{
	"!": OpNot, "not": OpNot, "X": OpNext, "next": OpNext, "N": OpWeakNext, "weak_next": OpWeakNext,
	"F": OpEventually, "eventually": OpEventually, "G": OpAlways, "always": OpAlways,
	"Y": OpYesterday, "yesterday": OpYesterday, "O": OpOnce, "once": OpOnce,
	"H": OpHistorically, "historically": OpHistorically,
}

var cmps = map[string]Cmp{"==": CmpEq, "!=": CmpNe, "<": CmpLt, "<=": CmpLe, ">": CmpGt, ">=": CmpGe,
	"contains": CmpContains, "starts_with": CmpStartsWith, "ends_with": CmpEndsWith, "matches": CmpMatches, "in": CmpIn}

// conv turns the parse tree into the AST: it resolves atoms, expands
// pattern sugar and checks predicates as it goes; checkPast runs on the result.
type conv struct {
	e            *errs
	steps, tools map[string]bool
	sugg         suggester
	lets         map[string]Let
	budget       int // nodes left under MaxFormulaSize
	sizeReported bool
	build        FormulaBuilder[gTerm, Formula]
}

func newConv(e *errs, steps, tools []string) *conv {
	c := &conv{e: e, steps: map[string]bool{}, tools: map[string]bool{}, budget: MaxFormulaSize}
	for _, s := range steps {
		c.steps[s] = true
	}
	for _, t := range tools {
		c.tools[t] = true
	}
	c.sugg.names = append(append([]string(nil), steps...), tools...)
	c.build = FormulaBuilder[gTerm, Formula]{
		Atom:   c.term,
		Const:  func(pos Pos, v bool) Formula { return &Const{Pos: pos, Value: v} },
		Last:   func(pos Pos) Formula { return &Last{Pos: pos} },
		Unary:  un,
		Binary: bin,
	}
	return c
}

// errTooBig aborts the conversion of one rule when expansion exceeds MaxFormulaSize.
type errTooBig struct{}

func (c *conv) rule(g *gFormula) (f Formula) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(errTooBig); !ok {
				panic(r)
			}
			if !c.sizeReported { // once the budget is gone every later rule would repeat this
				c.e.add(g.Pos, ErrSizeLimit, fmt.Sprintf("formula too large after pattern expansion: over MaxFormulaSize = %d nodes for all rules together%s", MaxFormulaSize, fixedLimit))
			}
			c.sizeReported = true
			f = &Const{Pos: g.Pos, Value: true}
		}
	}()
	f = c.iff(g)
	n := Size(f)
	if n > c.budget {
		panic(errTooBig{})
	}
	c.budget -= n
	c.checkPast(f)
	return f
}

func (c *conv) iff(g *gFormula) Formula { return c.build.Build(g) }

// term converts a pattern or an atom.
func (c *conv) term(g *gTerm) Formula {
	if g.Pattern != nil {
		return c.pattern(g.Pattern)
	}
	return c.atom(g.Atom)
}

// declareLet checks one `let NAME = TOOL` and records it in s and c.
func (c *conv) declareLet(s *Spec, g *gLet) {
	name := g.Tool.Name
	if name == "" {
		n, bad := quotedName(g.Tool.Quoted)
		if bad != "" {
			c.e.add(g.Tool.Pos, ErrSyntax, bad)
			return
		}
		name = n
	}
	if c.lets == nil {
		c.lets = map[string]Let{}
	}
	switch {
	case reserved[g.Name]:
		c.e.add(g.Pos, ErrReserved, fmt.Sprintf("%q is a reserved word and cannot name a capture", g.Name))
		return
	case !c.tools[name]:
		c.e.add(g.Tool.Pos, ErrCapture, fmt.Sprintf("let %s = %s: %q is not a declared tool (a capture names the result of a tool call)%s", g.Name, name, name, c.sugg.suggest(name)))
		return
	}
	if prev, dup := c.lets[g.Name]; dup {
		c.e.add(g.Pos, ErrCapture, fmt.Sprintf("capture %q already declared at %s", g.Name, shortPos(prev.Pos)))
		return
	}
	l := Let{Pos: g.Pos, Name: g.Name, Tool: name}
	c.lets[g.Name] = l
	s.Lets = append(s.Lets, l)
}

func (c *conv) atom(g *gAtom) Formula {
	a := &Atom{Pos: g.Pos, Name: g.Name}
	if g.Name == "" { // `quoted`: never the keyword call
		name, bad := quotedName(g.Quoted)
		if bad != "" {
			c.e.add(g.Pos, ErrSyntax, bad)
			return a
		}
		a.Name = name
	}
	for _, p := range g.Preds {
		if pr, ok := c.pred(p); ok {
			a.Preds = append(a.Preds, pr)
		}
	}
	if o := g.Outcome; o != nil {
		a.Fails = o.Fails
		a.Returns = !o.Fails
		for _, p := range o.Returns {
			if pr, ok := c.pred(p); ok {
				a.Result = append(a.Result, pr)
			}
		}
	}
	switch {
	case g.Name == "call":
		a.Kind = AtomCall
		if len(g.Preds) > 0 {
			c.e.add(g.Preds[0].Pos, ErrPredicate, "`call` takes no predicates: it stands for a call of any tool; name the tool instead")
		}
		if g.Outcome != nil {
			c.e.add(g.Outcome.Pos, ErrPredicate, "`call` takes no returns or fails: name the tool whose outcome the rule reads")
		}
	case c.steps[a.Name]:
		a.Kind = AtomStep
		if len(g.Preds) > 0 {
			c.e.add(g.Preds[0].Pos, ErrPredicate, fmt.Sprintf("%q is a step, and predicates apply only to tool calls", a.Name))
		}
		if g.Outcome != nil {
			c.e.add(g.Outcome.Pos, ErrPredicate, fmt.Sprintf("%q is a step, and returns/fails apply only to tool calls", a.Name))
		}
	case c.tools[a.Name]:
		a.Kind = AtomTool
	default:
		c.e.add(g.Pos, ErrUndeclared, fmt.Sprintf("%q is not a declared step or tool%s", a.Name, c.sugg.suggest(a.Name)))
	}
	return a
}

func (c *conv) pred(g *gPred) (Pred, bool) {
	p := Pred{Pos: g.Pos, Arg: g.Arg, Cmp: cmps[g.Cmp]}
	o := g.Operand
	if strings.Contains(g.Arg, ".") {
		p.Path = strings.Split(g.Arg, ".")
	}
	switch {
	case o.Ref != nil:
		return c.refPred(g, p)
	case o.Set != nil:
		if p.Cmp != CmpIn {
			c.e.add(o.Set[0].Pos, ErrPredicate, fmt.Sprintf("a list of values goes with in, not %s: write %s in [...]", g.Cmp, g.Arg))
			return p, false
		}
		for _, gv := range o.Set {
			v, ok := c.value(gv)
			if !ok {
				return p, false
			}
			if len(p.Set) > 0 && v.Kind != p.Set[0].Kind {
				c.e.add(gv.Pos, ErrPredicate, fmt.Sprintf("the values of in are all of one type: %s is %s, and %s is %s", p.Set[0], kindArticle(p.Set[0].Kind), v, kindArticle(v.Kind)))
				return p, false
			}
			p.Set = append(p.Set, v)
		}
		p.Value = p.Set[0]
		return p, true
	}
	v, ok := c.value(o.Value)
	if !ok {
		return p, false
	}
	p.Value = v
	switch {
	case p.Cmp == CmpIn:
		c.e.add(o.Value.Pos, ErrPredicate, fmt.Sprintf("in takes a list of values: write %s in [%s]", g.Arg, v))
		return p, false
	case p.Cmp.IsString():
		if v.Kind != StringValue {
			c.e.add(o.Value.Pos, ErrPredicate, fmt.Sprintf("%s applies to strings, and %s is %s; give a string literal", p.Cmp, v, kindArticle(v.Kind)))
			return p, false
		}
		if p.Cmp == CmpMatches {
			re, err := regexp.Compile(v.Str)
			if err != nil {
				c.e.add(o.Value.Pos, ErrRegex, fmt.Sprintf("matches needs an RE2 regular expression: %v", err))
				return p, false
			}
			p.Re = re
		}
	case v.Kind != NumberValue && p.Cmp.IsOrder():
		c.e.add(g.Pos, ErrPredicate, fmt.Sprintf("ordering comparison %s applies to numbers only, and %s is %s; use == or !=", p.Cmp, v, kindArticle(v.Kind)))
		return p, false
	}
	return p, true
}

// refPred resolves a predicate comparing with `$NAME.path`.
func (c *conv) refPred(g *gPred, p Pred) (Pred, bool) {
	r := g.Operand.Ref
	segs := strings.Split(strings.TrimPrefix(r.Text, "$"), ".")
	l, ok := c.lets[segs[0]]
	if !ok {
		c.e.add(r.Pos, ErrCapture, fmt.Sprintf("$%s is not a declared capture: declare it with `let %s = TOOL`%s", segs[0], segs[0], c.letSuggest(segs[0])))
		return p, false
	}
	if p.Cmp != CmpEq && p.Cmp != CmpNe && !p.Cmp.IsOrder() {
		c.e.add(g.Pos, ErrPredicate, fmt.Sprintf("a captured value can be compared with ==, !=, <, <=, > or >=, not with %s (which needs a literal)", p.Cmp))
		return p, false
	}
	p.Ref = &Ref{Pos: r.Pos, Name: l.Name, Tool: l.Tool, Path: segs[1:]}
	if p.Cmp.IsOrder() {
		p.Value = Value{Kind: NumberValue}
	}
	return p, true
}

func (c *conv) letSuggest(name string) string {
	best := ""
	for n := range c.lets {
		if d := editDistanceWithin([]rune(name), []rune(n), 2); d >= 0 && d <= 2 && (best == "" || n < best) {
			best = n
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean $%s?)", best)
}

func kindArticle(k ValueKind) string {
	if k == BoolValue {
		return "a boolean"
	}
	return "a " + k.String()
}

// value reads one literal.
func (c *conv) value(v *gValue) (Value, bool) {
	switch {
	case v.Number != nil:
		x, err := ParseNumber(*v.Number)
		if err == nil && (x.Exponent() > MaxLiteralExponent || x.Exponent() < -MaxLiteralExponent) {
			err = fmt.Errorf("its magnitude is beyond 1e±%d, the range in which specplan keeps predicate literals exact", MaxLiteralExponent)
		}
		if err != nil {
			c.e.add(v.Pos, ErrSyntax, fmt.Sprintf("number %s cannot be used: %v", truncate(*v.Number, 40), err))
			return Value{}, false
		}
		return Value{Kind: NumberValue, Num: x}, true
	case v.String != nil:
		s, err := strconv.Unquote(*v.String)
		if err != nil {
			c.e.add(v.Pos, ErrSyntax, "invalid string literal "+*v.String)
			return Value{}, false
		}
		return Value{Kind: StringValue, Str: s}, true
	}
	return Value{Kind: BoolValue, Bool: *v.Bool == "true"}, true
}

var patternArity = map[string]int{
	"never": 1, "before": 2, "responds": 2, "precedes": 2, "at_most": 2, "at_least": 2, "exactly": 2,
}

func (c *conv) pattern(g *gPattern) Formula {
	pos := g.Pos
	fallback := &Const{Pos: pos, Value: true}
	counted := strings.HasPrefix(g.Name, "at_") || g.Name == "exactly"
	if want := patternArity[g.Name]; len(g.Args) != want {
		sig := "(a, b)"
		switch {
		case g.Name == "never":
			sig = "(a)"
		case counted:
			sig = "(n, a)"
		}
		c.e.add(pos, ErrPattern, fmt.Sprintf("%s%s takes %d argument%s, got %d", g.Name, sig, want, plural(want), len(g.Args)))
		return fallback
	}
	n := 0
	var args []Formula
	ok := true
	for i, a := range g.Args {
		if counted && i == 0 {
			if a.Number == nil {
				c.e.add(a.Pos, ErrPattern, fmt.Sprintf("%s expects a count as argument 1", g.Name))
				ok = false
				continue
			}
			var cerr bool
			n, cerr = c.count(a)
			ok = ok && cerr
			continue
		}
		if a.Number != nil {
			c.e.add(a.Pos, ErrPattern, fmt.Sprintf("%s expects a formula as argument %d, got the number %s", g.Name, i+1, *a.Number))
			ok = false
			continue
		}
		args = append(args, c.iff(a.Formula))
	}
	if !ok {
		return fallback
	}
	if counted {
		// at_most and at_least repeat their argument about 2n times.
		if (2*n+2)*(Size(args[0])+4) > c.budget {
			panic(errTooBig{})
		}
	}
	a := args[0]
	cp := func() Formula { return clone(a) }
	switch g.Name {
	case "never":
		return un(pos, OpAlways, un(pos, OpNot, a))
	case "before":
		return bin(pos, OpWeakUntil, un(pos, OpNot, args[1]), a)
	case "responds":
		return un(pos, OpAlways, bin(pos, OpImplies, a, un(pos, OpNext, un(pos, OpEventually, args[1]))))
	case "precedes":
		return un(pos, OpAlways, bin(pos, OpImplies, args[1], un(pos, OpYesterday, un(pos, OpOnce, a))))
	case "at_most":
		return atMost(pos, n, cp)
	case "at_least":
		return atLeast(pos, n, cp)
	default: // exactly
		if n == 0 {
			return atMost(pos, 0, cp)
		}
		return bin(pos, OpAnd, atLeast(pos, n, cp), atMost(pos, n, cp))
	}
}

func (c *conv) count(a *gArg) (int, bool) {
	s := *a.Number
	for _, r := range s {
		if r < '0' || r > '9' {
			c.e.add(a.Pos, ErrBadCount, fmt.Sprintf("count %s must be a non-negative integer", s))
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > MaxPatternCount {
		c.e.add(a.Pos, ErrCountLimit, fmt.Sprintf("count %s exceeds MaxPatternCount = %d%s", s, MaxPatternCount, fixedLimit))
		return 0, false
	}
	return n, true
}

// atMost(n, a): n=0 is G !a; otherwise !a W (a & N atMost(n-1, a)).
func atMost(pos Pos, n int, a func() Formula) Formula {
	f := un(pos, OpAlways, un(pos, OpNot, a()))
	for k := 1; k <= n; k++ {
		f = bin(pos, OpWeakUntil, un(pos, OpNot, a()), bin(pos, OpAnd, a(), un(pos, OpWeakNext, f)))
	}
	return f
}

// atLeast(n, a): n=0 is true, n=1 is F a, otherwise
// !a U (a & X atLeast(n-1, a)): the first a is followed by n-1 more.
// That equals F(a & X atLeast(n-1, a)) — if any a has n-1 after it, so
// does the first — but progresses without piling up one disjunct per a
// seen, which made exactly(32, x) & exactly(32, y) take seconds.
func atLeast(pos Pos, n int, a func() Formula) Formula {
	if n == 0 {
		return &Const{Pos: pos, Value: true}
	}
	f := un(pos, OpEventually, a())
	for k := 2; k <= n; k++ {
		f = bin(pos, OpUntil, un(pos, OpNot, a()), bin(pos, OpAnd, a(), un(pos, OpNext, f)))
	}
	return f
}

func un(pos Pos, op Op, x Formula) Formula { return &Unary{Pos: pos, Op: op, X: x} }

func bin(pos Pos, op Op, l, r Formula) Formula { return &Binary{Pos: pos, Op: op, L: l, R: r} }

// clone copies a tree so that expanded sugar never shares nodes.
func clone(f Formula) Formula {
	switch f := f.(type) {
	case *Const:
		c := *f
		return &c
	case *Last:
		c := *f
		return &c
	case *Atom:
		c := *f
		c.Preds = append([]Pred(nil), f.Preds...)
		c.Result = append([]Pred(nil), f.Result...)
		return &c
	case *Unary:
		return &Unary{Pos: f.Pos, Op: f.Op, X: clone(f.X)}
	case *Binary:
		return &Binary{Pos: f.Pos, Op: f.Op, L: clone(f.L), R: clone(f.R)}
	}
	return f
}

// checkPast reports past operators over future formulas. The automaton
// construction keeps one state bit per past subformula, updated from the
// current event and the previous bits; that only works when the past
// subformula's value at a position is determined by the prefix read so far.
// It reports the innermost offending past operator and returns whether f
// contains a future operator.
func (c *conv) checkPast(f Formula) (future, reported bool) {
	switch f := f.(type) {
	case *Last:
		return true, false
	case *Unary:
		fut, rep := c.checkPast(f.X)
		if f.Op.IsPast() && fut && !rep {
			c.reportPast(f, f.X)
			rep = true
		}
		return fut || (f.Op.IsTemporal() && !f.Op.IsPast()), rep
	case *Binary:
		fl, rl := c.checkPast(f.L)
		fr, rr := c.checkPast(f.R)
		fut, rep := fl || fr, rl || rr
		if f.Op.IsPast() && fut && !rep {
			sub := f.L
			if !fl {
				sub = f.R
			}
			c.reportPast(f, sub)
			rep = true
		}
		return fut || (f.Op.IsTemporal() && !f.Op.IsPast()), rep
	}
	return false, false
}

func (c *conv) reportPast(f Formula, sub Formula) {
	op := "?"
	switch f := f.(type) {
	case *Unary:
		op = f.Op.String()
	case *Binary:
		op = f.Op.String()
	}
	c.e.add(f.Position(), ErrPastOverFuture, fmt.Sprintf("past operators may only contain past formulas and atoms: %s is applied to a formula using %s", op, firstFuture(sub)))
}

// firstFuture names the first future operator (or `last`) in f, pre-order.
func firstFuture(f Formula) string {
	switch f := f.(type) {
	case *Last:
		return "last"
	case *Unary:
		if f.Op.IsTemporal() && !f.Op.IsPast() {
			return f.Op.String()
		}
		return firstFuture(f.X)
	case *Binary:
		if f.Op.IsTemporal() && !f.Op.IsPast() {
			return f.Op.String()
		}
		if s := firstFuture(f.L); s != "" {
			return s
		}
		return firstFuture(f.R)
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
