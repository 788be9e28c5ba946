package routines

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// Limits, used when the Options field is 0. Each is an error naming the
// limit, the Option and the plan flag that raise it.
const (
	// DefaultMaxBytes bounds a routine's text (ltl.DefaultMaxSpecBytes).
	DefaultMaxBytes = ltl.DefaultMaxSpecBytes
	// DefaultMaxDepth bounds the nesting of blocks, parentheses and JSON
	// arrays and objects together.
	DefaultMaxDepth = 64
	// DefaultMaxRepeat bounds the `max N` of a repeat: Lower unrolls it.
	DefaultMaxRepeat = 32
)

// Options configures Parse and ParseText.
type Options struct {
	MaxBytes  int // text size; 0 means DefaultMaxBytes (--max-spec-bytes)
	MaxDepth  int // nesting; 0 means DefaultMaxDepth (--max-depth)
	MaxRepeat int // `max N`; 0 means DefaultMaxRepeat (--max-repeat)
}

func (o Options) maxBytes() int  { return pick(o.MaxBytes, DefaultMaxBytes) }
func (o Options) maxDepth() int  { return pick(o.MaxDepth, DefaultMaxDepth) }
func (o Options) maxRepeat() int { return pick(o.MaxRepeat, DefaultMaxRepeat) }

func pick(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Parse is Options{}.Parse.
func Parse(filename string, src []byte) (*Routine, error) { return Options{}.Parse(filename, src) }

// Parse reads one `.routine` file. On failure the error is an
// ltl.ErrorList: a syntax error comes alone; otherwise every error of
// numbering, placement, literals and limits is reported, positioned.
// Parse checks the routine's form only; Check checks its meaning.
func (o Options) Parse(filename string, src []byte) (*Routine, error) {
	if err := checkSize(filename, src, o.maxBytes()); err != nil {
		return nil, err
	}
	src = ltl.BlankBOM(src)
	if err := routineFront.Preflight(filename, src, o.maxDepth()); err != nil {
		return nil, err
	}
	g, err := fileParser.ParseBytes(filename, src)
	if err != nil {
		return nil, routineFront.SyntaxError(filename, err)
	}
	c := &conv{o: o, e: &errs{}}
	r := c.file(g, filename)
	if err := c.e.result(); err != nil {
		return nil, err
	}
	return r, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

const (
	raiseBytes  = " (raise it with --max-spec-bytes or routines.Options.MaxBytes)"
	raiseDepth  = " (raise it with --max-depth or routines.Options.MaxDepth)"
	raiseRepeat = " (raise it with --max-repeat or routines.Options.MaxRepeat)"
)

func checkSize(filename string, src []byte, max int) error {
	return routineFront.CheckSize(filename, src, max)
}

// conv turns the concrete syntax into the AST.
type conv struct {
	o Options
	e *errs
}

var inputTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "object": true, "array": true, "null": true, "any": true}

func (c *conv) file(g *gFile, filename string) *Routine {
	r := &Routine{Pos: g.Pos, File: filename, Name: g.Name}
	if g.Title != nil {
		r.Title = c.str(*g.Title, g.Pos)
	}
	inputAt := map[string]Pos{}
	for _, it := range g.Items {
		switch {
		case it.Inputs != nil:
			for _, in := range it.Inputs {
				if p, dup := inputAt[in.Name]; dup {
					c.e.add(in.Pos, ltl.ErrDuplicate, fmt.Sprintf("input %q already declared at %s", in.Name, shortPos(p)))
					continue
				}
				inputAt[in.Name] = in.Pos
				if !inputTypes[in.Type] {
					c.e.add(in.Pos, ErrInputType, fmt.Sprintf("input %q has type %q: use string, number, integer, boolean, object, array, null or any", in.Name, in.Type))
				}
				r.Inputs = append(r.Inputs, &Input{Pos: in.Pos, Name: in.Name, Type: in.Type})
			}
		case it.Catalog != nil:
			path := c.str(*it.Catalog, it.Pos)
			switch {
			case r.Catalog != nil:
				c.e.add(it.Pos, ltl.ErrDuplicate, fmt.Sprintf("the routine already names its catalog at %s; a routine has one `tools from`", shortPos(r.Catalog.Pos)))
			case path == "":
				c.e.add(it.Pos, ltl.ErrSyntax, "`tools from` needs a file name")
			default:
				r.Catalog = &CatalogRef{Pos: it.Pos, Path: path}
			}
		case it.Allow != nil:
			if *it.Allow != "thought" {
				c.e.add(it.Pos, ltl.ErrSyntax, fmt.Sprintf("`allow %s`: only `allow thought` is known", *it.Allow))
			}
			if r.AllowThought {
				c.e.add(it.Pos, ltl.ErrDuplicate, fmt.Sprintf("`allow thought` already given at %s", shortPos(r.ThoughtPos)))
			}
			r.AllowThought, r.ThoughtPos = true, it.Pos
		case it.Rule != nil:
			r.Rules = append(r.Rules, ruleOf(*it.Rule, it.Pos))
		}
	}
	r.Steps = c.block(g.Items, "", true)
	return r
}

// ruleOf keeps a rule line's formula and the position of its first
// character, so that ltl's errors can be placed in the routine file.
func ruleOf(line string, at Pos) *Rule {
	text := strings.TrimPrefix(line, "rule")
	lead := len(text) - len(strings.TrimLeft(text, " \t"))
	p := at
	p.Offset += 4 + lead
	p.Column += 4 + lead
	return &Rule{Pos: p, Text: strings.TrimRight(strings.TrimLeft(text, " \t"), " \t\r")}
}

// block converts the steps of one block; parent is the number of the step
// the block belongs to ("" at the top level). Sub-steps are numbered
// parent.1, parent.2, … in order across all blocks of one step, so
// counter is shared by the caller for an if's or choice's arms.
func (c *conv) block(items []*gItem, parent string, top bool) []*Step {
	n := 0
	return c.blockFrom(items, parent, top, &n)
}

func (c *conv) blockFrom(items []*gItem, parent string, top bool, n *int) []*Step {
	var out []*Step
	for _, it := range items {
		switch {
		case it.End:
			out = append(out, &Step{Pos: it.Pos, Kind: StepEnd})
		case it.Step != nil:
			*n++
			want := strconv.Itoa(*n)
			if parent != "" {
				want = parent + "." + want
			}
			out = append(out, c.step(it.Step, want))
		case !top:
			c.e.add(it.Pos, ErrPlacement, "declarations (input, tools from, allow, rule) belong at the top of the routine, not inside a block")
		}
	}
	return out
}

var numberRE = regexp.MustCompile(`^[1-9][0-9]*(?:\.[1-9][0-9]*)*\.?$`)

func (c *conv) step(g *gStep, want string) *Step {
	s := &Step{Pos: g.Pos, Optional: g.Optional}
	num := strings.TrimSuffix(g.Number, ".")
	switch {
	case !numberRE.MatchString(g.Number):
		c.e.add(g.Pos, ErrStepNumber, fmt.Sprintf("%q is not a step number: write %s", g.Number, want))
	case num != want:
		c.e.add(g.Pos, ErrStepNumber, fmt.Sprintf("step %s is out of order: expected %s here", num, want))
	}
	s.Number = want
	if g.Desc != nil {
		s.Desc = c.str(*g.Desc, g.Pos)
	}
	if g.Optional && g.Action == nil {
		c.e.add(g.Pos, ErrPlacement, "only a call or a step can be optional; an if, choice or repeat already says what may be skipped")
	}
	switch {
	case g.Action != nil:
		a := g.Action
		s.Name, s.NamePos = c.name(&a.Name), a.Name.Pos
		s.Kind = StepAct
		if a.Call {
			s.Kind = StepCall
			seen := map[string]Pos{}
			for _, ga := range a.Args {
				if ga.Rest {
					if s.Rest {
						c.e.add(ga.Pos, ltl.ErrDuplicate, "`...` given twice")
					}
					s.Rest = true
					continue
				}
				arg := c.arg(ga)
				if p, dup := seen[arg.Name]; dup {
					c.e.add(ga.Pos, ltl.ErrDuplicate, fmt.Sprintf("argument %q already given at %s", arg.Name, shortPos(p)))
					continue
				}
				seen[arg.Name] = ga.Pos
				s.Args = append(s.Args, arg)
			}
		}
		if a.Result != nil {
			if !a.Call {
				c.e.add(a.Result.Pos, ErrPlacement, fmt.Sprintf("%s is not a call and has no result to name: write %s() for a call", s.Name, s.Name))
			}
			s.Result, s.ResultPos = a.Result.Word, a.Result.Pos
		}
	case g.If != nil:
		s.Kind = StepIf
		n := 0
		s.Arms = append(s.Arms, &Arm{Pos: g.If.Pos, Cond: c.cond(g.If.Cond), Body: c.blockFrom(g.If.Then.Items, want, false, &n)})
		for _, el := range g.If.Elifs {
			s.Arms = append(s.Arms, &Arm{Pos: el.Pos, Cond: c.cond(el.Cond), Body: c.blockFrom(el.Body.Items, want, false, &n)})
		}
		if g.If.Else != nil {
			s.Else = &Arm{Pos: g.If.Else.Pos, Body: c.blockFrom(g.If.Else.Body.Items, want, false, &n)}
		}
	case g.Choice != nil:
		s.Kind = StepChoice
		n := 0
		first := &Arm{Pos: g.Choice.Pos, Body: c.blockFrom(g.Choice.First.Items, want, false, &n)}
		if g.Choice.Label != nil {
			first.Label = c.str(*g.Choice.Label, g.Choice.Pos)
		}
		s.Arms = append(s.Arms, first)
		for _, o := range g.Choice.Ors {
			arm := &Arm{Pos: o.Pos, Body: c.blockFrom(o.Body.Items, want, false, &n)}
			if o.Label != nil {
				arm.Label = c.str(*o.Label, o.Pos)
			}
			s.Arms = append(s.Arms, arm)
		}
	case g.Repeat != nil:
		s.Kind = StepRepeat
		s.Body = c.block(g.Repeat.Body.Items, want, false)
		s.Until = c.cond(g.Repeat.Until)
		max, err := strconv.Atoi(g.Repeat.Max)
		switch {
		case err != nil || max < 1:
			c.e.add(g.Repeat.Pos, ErrRepeatLimit, fmt.Sprintf("`max %s`: a repeat runs at least once, so max is a whole number from 1", g.Repeat.Max))
		case max > c.o.maxRepeat():
			c.e.add(g.Repeat.Pos, ErrRepeatLimit, fmt.Sprintf("`max %d` is over MaxRepeat = %d%s", max, c.o.maxRepeat(), raiseRepeat))
		}
		s.Max = max
	}
	return s
}

func (c *conv) name(g *gName) string {
	if g.Quoted == "" {
		return g.Name
	}
	name := strings.TrimSuffix(strings.TrimPrefix(g.Quoted, "`"), "`")
	switch {
	case name == "":
		c.e.add(g.Pos, ltl.ErrSyntax, "a quoted name must not be empty")
	case safetext.Needs(name):
		c.e.add(g.Pos, ltl.ErrSyntax, fmt.Sprintf("quoted name %s holds a control or bidirectional character", safetext.Escape(g.Quoted)))
	}
	return name
}

func (c *conv) arg(g *gArg) *Arg {
	a := &Arg{Pos: g.Pos, Name: *g.Name}
	if strings.HasPrefix(a.Name, `"`) {
		a.Name = c.str(a.Name, g.Pos)
	}
	switch {
	case g.Any:
		a.Kind = ArgAny
	case g.Ref != nil:
		a.Kind, a.Ref = ArgRef, refOf(*g.Ref, g.Pos)
	default:
		a.Kind, a.Value = ArgLiteral, c.value(g.JSON)
	}
	return a
}

// refOf splits a Ref token; its position is the token's.
func refOf(tok string, p Pos) *Ref {
	parts := strings.Split(strings.TrimPrefix(tok, "$"), ".")
	return &Ref{Pos: p, Name: parts[0], Path: parts[1:]}
}

// str decodes a string literal as JSON does; a Go-only escape such as \x41
// is an error rather than a second meaning.
func (c *conv) str(tok string, p Pos) string {
	var s string
	if err := json.Unmarshal([]byte(tok), &s); err != nil || !utf8.ValidString(tok) {
		c.e.add(p, ErrLiteral, "invalid string literal "+safetext.Escape(tok)+": strings use JSON escapes")
		return ""
	}
	return s
}

var jsonNumberRE = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$`)

func (c *conv) value(g *gJSON) *Value {
	var b strings.Builder
	c.writeJSON(&b, g)
	return &Value{Pos: g.Pos, JSON: b.String()}
}

func (c *conv) writeJSON(b *strings.Builder, g *gJSON) {
	switch {
	case g.Str != nil:
		b.WriteString(quoteJSON(c.str(*g.Str, g.Pos)))
	case g.Num != nil:
		if !jsonNumberRE.MatchString(*g.Num) {
			c.e.add(g.Pos, ErrLiteral, fmt.Sprintf("%q is not a JSON number", *g.Num))
		}
		b.WriteString(*g.Num)
	case g.Word != nil:
		b.WriteString(*g.Word)
	case g.Arr:
		b.WriteByte('[')
		for i, it := range g.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			c.writeJSON(b, it)
		}
		b.WriteByte(']')
	case g.Obj:
		b.WriteByte('{')
		seen := map[string]Pos{}
		for i, m := range g.Members {
			k := c.str(m.Key, m.Pos)
			if p, dup := seen[k]; dup {
				c.e.add(m.Pos, ErrLiteral, fmt.Sprintf("key %q already given at %s; keys must be unique", k, shortPos(p)))
			}
			seen[k] = m.Pos
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quoteJSON(k))
			b.WriteByte(':')
			c.writeJSON(b, m.Val)
		}
		b.WriteByte('}')
	}
}

// quoteJSON writes s as a JSON string, escaping controls and leaving
// <, > and & as they are.
func quoteJSON(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func (c *conv) cond(g *gOr) *Cond {
	x := c.and(g.Left)
	for _, r := range g.Rest {
		x = &Cond{Pos: x.Pos, Op: CondOr, X: x, Y: c.and(r)}
	}
	return x
}

func (c *conv) and(g *gAnd) *Cond {
	x := c.not(g.Left)
	for _, r := range g.Rest {
		x = &Cond{Pos: x.Pos, Op: CondAnd, X: x, Y: c.not(r)}
	}
	return x
}

func (c *conv) not(g *gNot) *Cond {
	x := c.prim(g.Prim)
	for range g.Nots {
		x = &Cond{Pos: g.Pos, Op: CondNot, X: x}
	}
	return x
}

func (c *conv) prim(g *gPrim) *Cond {
	if g.Paren != nil {
		return c.cond(g.Paren)
	}
	a := &Atom{Pos: g.Pos, Ref: refOf(g.Ref, g.Pos)}
	switch {
	case g.Status != "":
		a.Pred = g.Status
	case g.In:
		a.Pred = "in"
		for _, v := range g.List {
			a.List = append(a.List, c.value(v))
		}
	default:
		a.Pred = g.Op
		a.Value = c.value(g.Val)
	}
	return &Cond{Pos: g.Pos, Op: CondAtom, Atom: a}
}
