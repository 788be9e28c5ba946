package apps

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Pos is a source position (file, offset, line, column), as in package ltl.
type Pos = ltl.Pos

// App is one parsed `.app` file. Every node carries its position.
type App struct {
	Pos      Pos
	Name     string
	Title    string
	Start    string
	StartPos Pos
	Actions  []*ActionDecl // custom actions, in source order
	Screens  []*Screen
	Overlays []*Overlay
	Goals    []*Formula // conjoined; none means "any run"
	Rules    []*Formula // conjoined with the goals
	File     string
	Source   []byte
}

// ActionDecl is `action NAME(param: type, …)`: a custom action whose
// arguments follow the JSON schema Schema returns.
type ActionDecl struct {
	Pos    Pos
	Name   string
	Params []Param
}

// Param is one parameter of a custom action; Type is a JSON-schema type:
// string, number, integer or boolean.
type Param struct {
	Pos  Pos
	Name string
	Type string
}

// Schema is the action's parameters as a JSON schema: an object with one
// required property per parameter and no other.
func (d *ActionDecl) Schema() json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i, p := range d.Params {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(p.Name) + `:{"type":` + strconv.Quote(p.Type) + `}`)
	}
	b.WriteString(`},"required":[`)
	for i, p := range d.Params {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(p.Name))
	}
	b.WriteString(`],"additionalProperties":false}`)
	return json.RawMessage(b.String())
}

// Screen is `screen NAME "label"? shows(…)? requires COND? { transitions }`.
type Screen struct {
	Pos         Pos
	Name        string
	Label       string
	Shows       []Label  // labels declared with shows(…), besides those of its actions and requires
	Requires    *Formula // nil without a requires clause
	Transitions []*Transition
}

// Transition is `ACTION -> TARGET ensures COND`. Target is "" when the
// transition has no arrow (Check reports it).
type Transition struct {
	Pos       Pos
	Action    *Action
	Target    string
	TargetPos Pos
	Ensures   *Formula // nil without an ensures clause
}

// Overlay is `overlay NAME shows("…", …) dismiss ACTION`: a popup that may
// appear over any screen, recognised by the labels it shows, and the action
// that gets rid of it.
type Overlay struct {
	Pos     Pos
	Name    string
	Shows   []Label
	Dismiss *Action
}

// Label is a string with its position.
type Label struct {
	Pos  Pos
	Text string
}

// ActionKind says which action an Action is.
type ActionKind uint8

const (
	Tap       ActionKind = iota + 1 // tap(label)
	LongPress                       // long_press(label)
	Toggle                          // toggle(label): tap on a switch
	Type                            // type(field, text)
	Swipe                           // swipe(direction)
	Back                            // back
	Home                            // home
	Custom                          // a declared `action`
)

// builtins are the built-in actions with their parameter names, which are
// the argument names of the lowered tool calls.
var builtins = map[string]struct {
	kind   ActionKind
	params []string
}{
	"tap":        {Tap, []string{"label"}},
	"long_press": {LongPress, []string{"label"}},
	"toggle":     {Toggle, []string{"label"}},
	"type":       {Type, []string{"field", "text"}},
	"swipe":      {Swipe, []string{"direction"}},
	"back":       {Back, nil},
	"home":       {Home, nil},
}

// builtinOrder is the order built-in tools are declared in lowered specs.
var builtinOrder = []string{"tap", "long_press", "toggle", "type", "swipe", "back", "home"}

// Directions are the values swipe accepts.
var Directions = []string{"up", "down", "left", "right"}

// Action is one action: a built-in or a custom one, with its arguments
// (Params are their names, in order).
type Action struct {
	Pos    Pos
	Name   string
	Kind   ActionKind
	Params []string
	Args   []*Text
}

// Key identifies an action by name and arguments, positions aside: two
// transitions of one screen with one Key are duplicates.
func (a *Action) Key() string {
	var b strings.Builder
	b.WriteString(a.Name)
	if len(a.Args) > 0 {
		b.WriteByte('(')
		for i, t := range a.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(t.String())
		}
		b.WriteByte(')')
	}
	return b.String()
}

// String is the action as an .app file writes it.
func (a *Action) String() string { return a.Key() }

// TextKind says what a Text is.
type TextKind uint8

const (
	TextAny     TextKind = iota + 1 // any: free
	TextLiteral                     // a string, number or boolean
	TextRef                         // $name.path: an input or an earlier result
	TextName                        // an identifier: a field or list id
)

// Text is an argument: `any`, a literal, a `$value` or an identifier.
type Text struct {
	Pos   Pos
	Kind  TextKind
	Value ltl.Value // TextLiteral
	Ref   string    // TextRef: the name after $
	Path  []string  // TextRef: the path after the name
	Name  string    // TextName
}

func (t *Text) String() string {
	switch t.Kind {
	case TextAny:
		return "any"
	case TextLiteral:
		return t.Value.String()
	case TextRef:
		return "$" + strings.Join(append([]string{t.Ref}, t.Path...), ".")
	case TextName:
		return t.Name
	}
	return "?"
}

// Formula is a goal, a rule or a condition, with its source text.
type Formula struct {
	Pos  Pos
	Text string
	Node Node
}

// Node is a node of a formula: *Const, *Last, *Unary, *Binary, *ScreenAtom,
// *ActionAtom or *PredAtom. Conditions (requires, ensures) hold only
// PredAtoms under ! & |.
type Node interface{ Position() Pos }

// Const is true or false.
type Const struct {
	Pos   Pos
	Value bool
}

// Last is `last`.
type Last struct{ Pos Pos }

// Unary is a prefix operator (ltl.OpNot, OpNext, …).
type Unary struct {
	Pos Pos
	Op  ltl.Op
	X   Node
}

// Binary is an infix operator.
type Binary struct {
	Pos  Pos
	Op   ltl.Op
	L, R Node
}

// ScreenAtom holds at an event whose observed screen is Name (a screen or
// an overlay).
type ScreenAtom struct {
	Pos  Pos
	Name string
}

// ActionAtom holds at an event that is Action.
type ActionAtom struct {
	Pos    Pos
	Action *Action
}

// PredKind is the kind of a condition predicate.
type PredKind uint8

const (
	Visible PredKind = iota + 1 // visible(label)
	Checked                     // checked(label)
	TextOf                      // text(field) OP value
	Count                       // count(list) OP n
)

// PredAtom is a condition predicate over what the observed screen shows.
type PredAtom struct {
	Pos   Pos
	Kind  PredKind
	Arg   string // the label (Visible, Checked), the field or list id
	Cmp   ltl.Cmp
	Value *Text // TextOf, Count
}

func (n *Const) Position() Pos      { return n.Pos }
func (n *Last) Position() Pos       { return n.Pos }
func (n *Unary) Position() Pos      { return n.Pos }
func (n *Binary) Position() Pos     { return n.Pos }
func (n *ScreenAtom) Position() Pos { return n.Pos }
func (n *ActionAtom) Position() Pos { return n.Pos }
func (n *PredAtom) Position() Pos   { return n.Pos }

// Screen returns the screen called name, or nil.
func (a *App) Screen(name string) *Screen {
	for _, s := range a.Screens {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// formulas are every formula of the app: requires, ensures, goals, rules,
// in source order of their kind.
func (a *App) formulas() []*Formula {
	var out []*Formula
	for _, s := range a.Screens {
		if s.Requires != nil {
			out = append(out, s.Requires)
		}
		for _, t := range s.Transitions {
			if t.Ensures != nil {
				out = append(out, t.Ensures)
			}
		}
	}
	out = append(out, a.Goals...)
	return append(out, a.Rules...)
}
