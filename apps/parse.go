package apps

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// Limits, each reported as an error naming the Options field (and the plan
// flag) that raises it.
const (
	// DefaultMaxBytes bounds an .app text (Options.MaxBytes, plan
	// --max-spec-bytes): the parser allocates kilobytes per input byte.
	DefaultMaxBytes = ltl.DefaultMaxSpecBytes
	// DefaultMaxDepth bounds the nesting of parentheses and prefix
	// operators (Options.MaxDepth, plan --max-depth).
	DefaultMaxDepth = 64
	// DefaultMaxScreens bounds screens plus overlays (Options.MaxScreens):
	// the lowered spec has a rule per screen and a result predicate per
	// screen on every action, so its alphabet grows with their product.
	DefaultMaxScreens = 256
)

// Options bound Parse. The zero value means the defaults.
type Options struct {
	MaxBytes   int // DefaultMaxBytes when 0
	MaxDepth   int // DefaultMaxDepth when 0
	MaxScreens int // DefaultMaxScreens when 0
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxScreens <= 0 {
		o.MaxScreens = DefaultMaxScreens
	}
	return o
}

// Parse parses and resolves one .app file. On failure the error is an
// ltl.ErrorList: a syntax or limit error alone, or every resolution error
// found (undeclared screens, unknown actions, wrong arguments, misplaced
// atoms), each with file:line:col. The graph checks are Check's.
func Parse(filename string, src []byte, opts Options) (*App, error) {
	opts = opts.withDefaults()
	if err := appFront.CheckSize(filename, src, opts.MaxBytes); err != nil {
		return nil, err
	}
	if !utf8.Valid(src) {
		return nil, ltl.ErrorList{{Pos: Pos{Filename: filename, Line: 1, Column: 1}, Code: ltl.ErrSyntax, Msg: "the app is not valid UTF-8"}}
	}
	src = ltl.BlankBOM(src)
	if err := appFront.Preflight(filename, src, opts.MaxDepth); err != nil {
		return nil, err
	}
	g, err := fileParser.ParseBytes(filename, src)
	if err != nil {
		return nil, appFront.SyntaxError(filename, err)
	}
	c := &conv{e: &errs{}, src: src, names: map[string]Pos{}, actions: map[string]*ActionDecl{}}
	return c.file(g, filename, opts)
}

// grammarNames turns participle's "expected <struct>" into words.
var grammarNames = slices.Concat([][2]string{
	{"GDecl", "a declaration: screen, overlay, action, goal or rule"},
	{"GTransition", "a transition: ACTION -> SCREEN"}, {"GAction", "an action such as tap(\"OK\") or back"},
	{"GTarget", "-> SCREEN"}, {"GText", "an argument: any, a string, a number, true, false, $name or a field name"},
	{"GCondPrim", "a condition such as visible(\"OK\")"}, {"GCondNot", "a condition"}, {"GCondAnd", "a condition"}, {"GCond", "a condition"},
	{"GPrimary", "an operand: a screen, an action, a condition, true, false, last or a parenthesised formula"},
}, ltl.FormulaNames, [][2]string{
	{"GAtom", "a screen, an action or a condition"},
	{"GParam", "a parameter NAME: TYPE"}, {"GString", "a string"}, {"GStart", "the start screen"},
	{"GScreen", "a screen NAME"}, {"GOverlay", "an overlay NAME shows(…)"}, {"GActionDecl", "an action NAME(params)"},
	{"GCmp", "a comparison"},
	{`token "<EOF>"`, "end of input"},
})

// conv turns the parse tree into an App, resolving names as it goes.
type conv struct {
	e       *errs
	src     []byte
	app     *App
	names   map[string]Pos // screens and overlays
	actions map[string]*ActionDecl
}

var predNames = map[string]PredKind{"visible": Visible, "checked": Checked, "text": TextOf, "count": Count}

func (c *conv) file(g *gFile, filename string, opts Options) (*App, error) {
	a := &App{Pos: g.Pos, Name: g.Name, File: filename, Source: c.src, Start: g.Start.Screen, StartPos: g.Start.Pos}
	c.app = a
	if g.Title != nil {
		a.Title = c.str(g.Pos, *g.Title)
	}
	// Declarations first, so that uses may come before them.
	count := 0
	for _, d := range g.Decls {
		switch {
		case d.Action != nil:
			c.actionDecl(d.Action)
		case d.Screen != nil, d.Overlay != nil:
			name, p := "", d.Pos
			if d.Screen != nil {
				name, p = d.Screen.Name, d.Screen.Pos
			} else {
				name, p = d.Overlay.Name, d.Overlay.Pos
			}
			if reserved[name] {
				c.e.add(p, ltl.ErrReserved, fmt.Sprintf("%q is a reserved word and cannot name a screen or overlay", name))
				continue
			}
			if count++; count == opts.MaxScreens+1 {
				c.e.add(p, ErrScreenLimit, fmt.Sprintf("more than MaxScreens = %d screens and overlays (raise it with apps.Options.MaxScreens)", opts.MaxScreens))
				return nil, c.e.result()
			}
			if q, dup := c.names[name]; dup {
				c.e.add(p, ltl.ErrDuplicate, fmt.Sprintf("screen or overlay %q already declared at %d:%d", name, q.Line, q.Column))
				continue
			}
			c.names[name] = p
		}
	}
	if _, ok := c.names[a.Start]; !ok && !reserved[a.Start] {
		c.e.add(g.Start.Pos, ltl.ErrUndeclared, fmt.Sprintf("start screen %q is not declared%s", a.Start, c.suggest(a.Start)))
	}
	for _, d := range g.Decls {
		switch {
		case d.Screen != nil:
			a.Screens = append(a.Screens, c.screen(d.Screen))
		case d.Overlay != nil:
			a.Overlays = append(a.Overlays, c.overlay(d.Overlay))
		case d.Goal != nil:
			a.Goals = append(a.Goals, c.formula(d.Goal))
		case d.Rule != nil:
			a.Rules = append(a.Rules, c.formula(d.Rule))
		}
	}
	for _, o := range a.Overlays {
		if s, ok := c.names[a.Start]; ok && o.Name == a.Start && s == o.Pos {
			c.e.add(a.StartPos, ErrCondition, fmt.Sprintf("the start must be a screen, not overlay %q", o.Name))
		}
	}
	if err := c.e.result(); err != nil {
		return nil, err
	}
	return a, nil
}

func (c *conv) str(p Pos, lit string) string {
	s, err := strconv.Unquote(lit)
	if err != nil {
		c.e.add(p, ltl.ErrSyntax, "invalid string literal "+lit)
	}
	return s
}

func (c *conv) suggest(name string) string {
	// The nearest name within distance 2; among equally near ones the
	// least, so that the message does not depend on map order. distance
	// is asked up to bd+1 so that a real tie is told from "too far".
	best, bd := "", 3
	for n := range c.names {
		d := distance(name, n, bd+1)
		if d < bd || d == bd && best != "" && n < best {
			best, bd = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the edit distance of a and b if it is below limit, else limit.
func distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit || len(ra) > 64 || len(rb) > 64 {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j-1]+cost, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(rb)], limit)
}

var jsonTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true}

func (c *conv) actionDecl(g *gActionDecl) {
	if _, ok := builtins[g.Name]; ok {
		c.e.add(g.Pos, ltl.ErrReserved, fmt.Sprintf("%q is a built-in action and cannot be declared", g.Name))
		return
	}
	if _, ok := predNames[g.Name]; ok {
		c.e.add(g.Pos, ltl.ErrReserved, fmt.Sprintf("%q is a condition predicate and cannot name an action", g.Name))
		return
	}
	if q, dup := c.actions[g.Name]; dup {
		c.e.add(g.Pos, ltl.ErrDuplicate, fmt.Sprintf("action %q already declared at %d:%d", g.Name, q.Pos.Line, q.Pos.Column))
		return
	}
	d := &ActionDecl{Pos: g.Pos, Name: g.Name}
	seen := map[string]bool{}
	for _, p := range g.Params {
		switch {
		case !jsonTypes[p.Type]:
			c.e.add(p.Pos, ErrAction, fmt.Sprintf("parameter %s has type %q: the types are string, number, integer and boolean", p.Name, p.Type))
		case seen[p.Name]:
			c.e.add(p.Pos, ltl.ErrDuplicate, fmt.Sprintf("parameter %q declared twice", p.Name))
		}
		seen[p.Name] = true
		d.Params = append(d.Params, Param{Pos: p.Pos, Name: p.Name, Type: p.Type})
	}
	c.actions[g.Name] = d
	c.app.Actions = append(c.app.Actions, d)
}

func (c *conv) screen(g *gScreen) *Screen {
	s := &Screen{Pos: g.Pos, Name: g.Name}
	if g.Label != nil {
		s.Label = c.str(g.Pos, *g.Label)
	}
	for _, l := range g.Shows {
		s.Shows = append(s.Shows, Label{Pos: l.Pos, Text: c.label(l.Pos, l.Value)})
	}
	if g.Requires != nil {
		s.Requires = c.cond(g.Requires)
	}
	for _, t := range g.Transitions {
		tr := &Transition{Pos: t.Pos, Action: c.action(t.Action, false)}
		if t.Arrow != nil {
			tr.Target, tr.TargetPos = t.Arrow.Screen, t.Arrow.Pos
		}
		if t.Ensures != nil {
			tr.Ensures = c.cond(t.Ensures)
		}
		s.Transitions = append(s.Transitions, tr)
	}
	return s
}

func (c *conv) overlay(g *gOverlay) *Overlay {
	o := &Overlay{Pos: g.Pos, Name: g.Name, Dismiss: c.action(g.Dismiss, false)}
	for _, l := range g.Shows {
		o.Shows = append(o.Shows, Label{Pos: l.Pos, Text: c.label(l.Pos, l.Value)})
	}
	return o
}

// label unquotes a label: one line of plain text (the lowering writes label
// sets as newline-separated strings, and labels reach terminals).
func (c *conv) label(p Pos, lit string) string {
	s := c.str(p, lit)
	switch {
	case s == "":
		c.e.add(p, ErrAction, "a label must not be empty")
	case strings.ContainsAny(s, "\n\r") || safetext.Needs(s):
		c.e.add(p, ErrAction, fmt.Sprintf("label %s holds a newline, a control or a bidirectional character", safetext.Escape(lit)))
	}
	return s
}

func (c *conv) text(g *gText) *Text {
	t := &Text{Pos: g.Pos}
	switch {
	case g.Any:
		t.Kind = TextAny
	case g.String != nil:
		t.Kind, t.Value = TextLiteral, ltl.Value{Kind: ltl.StringValue, Str: c.str(g.Pos, *g.String)}
	case g.Number != nil:
		n, err := ltl.ParseNumber(*g.Number)
		if err != nil {
			c.e.add(g.Pos, ltl.ErrSyntax, fmt.Sprintf("number %s: %v", *g.Number, err))
		}
		t.Kind, t.Value = TextLiteral, ltl.Value{Kind: ltl.NumberValue, Num: n}
	case g.Bool != nil:
		t.Kind, t.Value = TextLiteral, ltl.Value{Kind: ltl.BoolValue, Bool: *g.Bool == "true"}
	case g.Ref != nil:
		parts := strings.Split(strings.TrimPrefix(*g.Ref, "$"), ".")
		t.Kind, t.Ref, t.Path = TextRef, parts[0], parts[1:]
	case g.Ident != nil:
		t.Kind, t.Name = TextName, *g.Ident
	}
	return t
}

// action resolves an action and checks its arguments. In a formula
// (inFormula) `any` may stand for any argument: tap(any) is any tap.
func (c *conv) action(g *gAction, inFormula bool) *Action {
	a := &Action{Pos: g.Pos, Name: g.Name}
	var types []string
	if b, ok := builtins[g.Name]; ok {
		a.Kind, a.Params = b.kind, b.params
	} else if d, ok := c.actions[g.Name]; ok {
		a.Kind = Custom
		for _, p := range d.Params {
			a.Params = append(a.Params, p.Name)
			types = append(types, p.Type)
		}
	} else {
		c.e.add(g.Pos, ErrAction, fmt.Sprintf("unknown action %q: the built-in actions are tap, long_press, toggle, type, swipe, back and home; declare others with `action %s(param: type, …)`", g.Name, g.Name))
		return a
	}
	for _, arg := range g.Args {
		a.Args = append(a.Args, c.text(arg))
	}
	if len(a.Args) != len(a.Params) {
		c.e.add(g.Pos, ErrAction, fmt.Sprintf("%s takes %d argument%s (%s), got %d", g.Name, len(a.Params), plural(len(a.Params)), strings.Join(a.Params, ", "), len(a.Args)))
		return a
	}
	for i, t := range a.Args {
		if inFormula && t.Kind == TextAny {
			continue
		}
		param := a.Params[i]
		switch {
		case a.Kind == Custom:
			c.checkTyped(t, param, types[i])
		case param == "label":
			if t.Kind != TextLiteral || t.Value.Kind != ltl.StringValue {
				c.e.add(t.Pos, ErrAction, fmt.Sprintf("the label of %s must be a string literal, got %s", g.Name, t))
			} else {
				c.label(g.Args[i].Pos, *g.Args[i].String)
			}
		case param == "direction":
			if t.Kind != TextLiteral || t.Value.Kind != ltl.StringValue || !oneOf(t.Value.Str, Directions) {
				c.e.add(t.Pos, ErrAction, fmt.Sprintf("swipe takes a direction: one of \"up\", \"down\", \"left\", \"right\"; got %s", t))
			}
		case param == "field":
			if t.Kind != TextName {
				c.e.add(t.Pos, ErrAction, fmt.Sprintf("the field of type is a field name (an identifier, as text(field) reads it), got %s", t))
			}
		case param == "text":
			c.checkTyped(t, param, "string")
		}
	}
	return a
}

func (c *conv) checkTyped(t *Text, param, typ string) {
	switch t.Kind {
	case TextName:
		c.e.add(t.Pos, ErrAction, fmt.Sprintf("argument %s is a bare name %s: write a literal, any or $value", param, t.Name))
	case TextLiteral:
		ok := false
		switch typ {
		case "string":
			ok = t.Value.Kind == ltl.StringValue
		case "number":
			ok = t.Value.Kind == ltl.NumberValue
		case "integer":
			ok = t.Value.Kind == ltl.NumberValue && t.Value.Num.IsInt()
		case "boolean":
			ok = t.Value.Kind == ltl.BoolValue
		}
		if !ok && jsonTypes[typ] {
			article := "a"
			if typ == "integer" {
				article = "an"
			}
			c.e.add(t.Pos, ErrAction, fmt.Sprintf("argument %s is %s %s, got %s", param, article, typ, t))
		}
	}
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// cond converts a requires/ensures condition: predicates under ! & |.
func (c *conv) cond(g *gCond) *Formula {
	return &Formula{Pos: g.Pos, Text: ltl.SourceText(c.src, g.Tokens), Node: c.condOr(g)}
}

func (c *conv) condOr(g *gCond) Node {
	n := c.condAnd(g.Left)
	for _, r := range g.Rest {
		n = &Binary{Pos: r.Pos, Op: ltl.OpOr, L: n, R: c.condAnd(r.Right)}
	}
	return n
}

func (c *conv) condAnd(g *gCondAnd) Node {
	n := c.condNot(g.Left)
	for _, r := range g.Rest {
		n = &Binary{Pos: r.Pos, Op: ltl.OpAnd, L: n, R: c.condNot(r.Right)}
	}
	return n
}

func (c *conv) condNot(g *gCondNot) Node {
	var n Node
	if g.Prim.Paren != nil {
		n = c.condOr(g.Prim.Paren)
	} else {
		n = c.atom(g.Prim.Atom)
		if _, ok := n.(*PredAtom); !ok && n != nil {
			c.e.add(g.Prim.Atom.Pos, ErrCondition, fmt.Sprintf("a condition speaks of what the screen shows: visible, checked, text or count, not %s", g.Prim.Atom.Name))
		}
	}
	for i := len(g.Nots) - 1; i >= 0; i-- {
		n = &Unary{Pos: g.Pos, Op: ltl.OpNot, X: n}
	}
	return n
}

var cmps = map[string]ltl.Cmp{"==": ltl.CmpEq, "!=": ltl.CmpNe, "<": ltl.CmpLt, "<=": ltl.CmpLe, ">": ltl.CmpGt, ">=": ltl.CmpGe}

func (c *conv) formula(g *gFormula) *Formula {
	b := ltl.FormulaBuilder[gAtom, Node]{
		Atom:   c.atom,
		Const:  func(p Pos, v bool) Node { return &Const{Pos: p, Value: v} },
		Last:   func(p Pos) Node { return &Last{Pos: p} },
		Unary:  func(p Pos, op ltl.Op, x Node) Node { return &Unary{Pos: p, Op: op, X: x} },
		Binary: func(p Pos, op ltl.Op, l, r Node) Node { return &Binary{Pos: p, Op: op, L: l, R: r} },
	}
	return &Formula{Pos: g.Pos, Text: ltl.SourceText(c.src, g.Tokens), Node: b.Build(g)}
}

// atom resolves a formula atom: a predicate, an action or a screen.
func (c *conv) atom(g *gAtom) Node {
	if k, ok := predNames[g.Name]; ok {
		return c.pred(g, k)
	}
	if g.Cmp != nil {
		c.e.add(g.Cmp.Pos, ErrCondition, fmt.Sprintf("only text(field) and count(list) compare with a value, not %s", g.Name))
		return nil
	}
	_, builtin := builtins[g.Name]
	_, custom := c.actions[g.Name]
	if builtin || custom || len(g.Args) > 0 {
		return &ActionAtom{Pos: g.Pos, Action: c.action(&gAction{Pos: g.Pos, Name: g.Name, Args: g.Args}, true)}
	}
	if _, ok := c.names[g.Name]; !ok {
		c.e.add(g.Pos, ltl.ErrUndeclared, fmt.Sprintf("%q is no screen, overlay, action or condition%s", g.Name, c.suggest(g.Name)))
		return nil
	}
	return &ScreenAtom{Pos: g.Pos, Name: g.Name}
}

func (c *conv) pred(g *gAtom, k PredKind) Node {
	p := &PredAtom{Pos: g.Pos, Kind: k}
	if len(g.Args) != 1 {
		c.e.add(g.Pos, ErrCondition, fmt.Sprintf("%s takes one argument, got %d", g.Name, len(g.Args)))
		return nil
	}
	arg := g.Args[0]
	switch k {
	case Visible, Checked:
		if g.Cmp != nil {
			c.e.add(g.Cmp.Pos, ErrCondition, fmt.Sprintf("%s(label) is true or false and compares with nothing", g.Name))
		}
		if arg.String == nil {
			c.e.add(arg.Pos, ErrCondition, fmt.Sprintf("%s takes a label: a string literal", g.Name))
			return nil
		}
		p.Arg = c.label(arg.Pos, *arg.String)
		return p
	}
	if arg.Ident == nil {
		c.e.add(arg.Pos, ErrCondition, fmt.Sprintf("%s takes a %s name: an identifier", g.Name, map[PredKind]string{TextOf: "field", Count: "list"}[k]))
		return nil
	}
	p.Arg = *arg.Ident
	if g.Cmp == nil {
		c.e.add(g.Pos, ErrCondition, fmt.Sprintf("%s(%s) needs a comparison, such as %s(%s) == …", g.Name, p.Arg, g.Name, p.Arg))
		return nil
	}
	p.Cmp, p.Value = cmps[g.Cmp.Op], c.text(g.Cmp.Value)
	v := p.Value
	switch {
	case v.Kind == TextAny || v.Kind == TextName:
		c.e.add(v.Pos, ErrCondition, fmt.Sprintf("%s(%s) compares with a literal or $value, not %s", g.Name, p.Arg, v))
		return nil
	case k == Count && v.Kind == TextLiteral && (v.Value.Kind != ltl.NumberValue || !v.Value.Num.IsInt()):
		c.e.add(v.Pos, ErrCondition, fmt.Sprintf("count(%s) compares with a whole number, not %s", p.Arg, v))
		return nil
	case k == TextOf && p.Cmp.IsOrder() && v.Kind == TextLiteral && v.Value.Kind != ltl.NumberValue:
		c.e.add(v.Pos, ErrCondition, fmt.Sprintf("%s orders numbers only, not %s", p.Cmp, v))
		return nil
	}
	return p
}
