package apps

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Observations says which observed screens the lowered spec accepts after
// an action.
type Observations uint8

const (
	// ObserveExpected (the default): after ACTION -> T taken on S, the
	// observation is T satisfying T's requires and the transition's ensures
	// (success), S satisfying its requires (no change; not when T is S), an
	// overlay showing its labels (a popup), or the call failed. After a
	// popup, its dismiss action must return, observing T or S of the action
	// the popup interrupted. Anything else (a wrong screen, an unmet
	// post-condition, an unrecognised observation) is rejected.
	ObserveExpected Observations = iota
	// ObserveAnyScreen: an observation may be any screen satisfying its
	// requires, or any overlay showing its labels (wrong but known screens
	// are believed, as a tracker that re-plans does); ensures are not
	// enforced.
	ObserveAnyScreen
)

// LowerOptions tune Lower.
type LowerOptions struct {
	// Inputs give the values of $name references (`$name.path` reads a
	// path into the value). A reference with no value is ErrLower: .ltl has
	// no input declarations yet, so inputs are lowered as literals.
	Inputs map[string]any
	// Observations: ObserveExpected unless set.
	Observations Observations
	// Start, when set, lowers the app as if it started on that screen.
	Start string
	// ClosedWorld: an observation shows and checks no label that some
	// condition of the app mentions unless the observed screen's requires
	// or the transition's ensures mention it too. Witnesses use it, so
	// that a goal is reached by the app's actions, not by a screen that
	// happens to show it already.
	ClosedWorld bool
	// FaultFree: every action returns and observes its target (no failed
	// call, no "no change", no popup). Witnesses use it.
	FaultFree bool
	// MaxBytes bounds the lowered text (DefaultMaxLoweredBytes when 0): its
	// size grows with screens times transitions times actions, and with
	// overlays times transitions.
	MaxBytes int
}

// DefaultMaxLoweredBytes is the default LowerOptions.MaxBytes: ltl's own
// spec limit, because ltl.Parse needs kilobytes of memory per byte of
// formula. The bundled apps lower to 3–24 KB.
const DefaultMaxLoweredBytes = ltl.DefaultMaxSpecBytes

// Lower is LowerWith with the default options.
func Lower(a *App) (string, error) { return LowerOptions{}.Lower(a) }

// Lower writes the .ltl spec equivalent to the app (doc.go says what it
// assumes). Its text is for ltl.Parse and specplan.Compile; an error is an
// ltl.ErrorList positioned in the app.
func (o LowerOptions) Lower(a *App) (string, error) {
	l := &lowerer{app: a, opts: o, e: &errs{}, screens: map[string]*Screen{}, overlays: map[string]*Overlay{}}
	start := a.Start
	if o.Start != "" {
		start = o.Start
	}
	l.start = start
	for _, s := range a.Screens {
		l.screens[s.Name] = s
	}
	for _, ov := range a.Overlays {
		l.overlays[ov.Name] = ov
	}
	if l.screens[start] == nil {
		l.e.add(a.StartPos, ErrLower, fmt.Sprintf("start screen %q is not declared", start))
		return "", l.e.result()
	}
	l.collectTools()
	var b strings.Builder
	title := a.Title
	if title == "" {
		title = "lowered from " + a.Name + ".app"
	}
	fmt.Fprintf(&b, "spec %s %s\n", a.Name, strconv.Quote(title))
	var tools []string
	for _, t := range l.tools {
		q, _ := ltl.QuoteName(t)
		tools = append(tools, q)
	}
	fmt.Fprintf(&b, "tools %s\n", strings.Join(tools, ", "))
	b.WriteString("# Each action is a call; its result is the observed screen. The screen\n# believed before an event is the one the last returned call observed.\n")
	for _, s := range a.Screens {
		var acts []string
		for _, t := range s.Transitions {
			acts = append(acts, l.act(t.Action))
		}
		allowed := "false"
		if len(acts) > 0 {
			allowed = strings.Join(acts, " | ")
		}
		fmt.Fprintf(&b, "# %s: the actions of screen %s\nrule G((%s) -> (%s))\n", pos(s.Pos), s.Name, l.at(s.Name), allowed)
	}
	for _, ov := range a.Overlays {
		fmt.Fprintf(&b, "# %s: overlay %s is dismissed\nrule G((%s) -> %s)\n", pos(ov.Pos), ov.Name, l.at(ov.Name), l.act(ov.Dismiss))
	}
	l.observations(&b)
	for _, g := range a.Goals {
		fmt.Fprintf(&b, "# %s: goal %s\nrule %s\n", pos(g.Pos), oneLine(g.Text), l.node(g.Node))
	}
	for _, r := range a.Rules {
		fmt.Fprintf(&b, "# %s: rule %s\nrule %s\n", pos(r.Pos), oneLine(r.Text), l.node(r.Node))
	}
	if l.opts.FaultFree {
		for _, t := range l.tools {
			fmt.Fprintf(&b, "rule G(!(%s fails))\n", tool(t))
		}
	}
	if err := l.e.result(); err != nil {
		return "", err
	}
	if max := l.maxBytes(); b.Len() > max {
		return "", ltl.ErrorList{{Pos: a.Pos, Code: ErrLower, Msg: fmt.Sprintf("the lowered spec is over MaxBytes = %d bytes (raise it with apps.LowerOptions.MaxBytes)", max)}}
	}
	return b.String(), nil
}

func (l *lowerer) maxBytes() int {
	if l.opts.MaxBytes > 0 {
		return l.opts.MaxBytes
	}
	return DefaultMaxLoweredBytes
}

func pos(p Pos) string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) }

// oneLine keeps a formula's text on one comment line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

type lowerer struct {
	app      *App
	opts     LowerOptions
	e        *errs
	start    string
	screens  map[string]*Screen
	overlays map[string]*Overlay
	tools    []string // the action tools the app uses, built-ins first
	// mentioned are the labels visible and checked name anywhere, sorted.
	mentioned map[PredKind][]string
}

func (l *lowerer) collectTools() {
	used := map[string]bool{}
	for _, s := range l.app.Screens {
		for _, t := range s.Transitions {
			used[t.Action.Name] = true
		}
	}
	for _, o := range l.app.Overlays {
		used[o.Dismiss.Name] = true
	}
	for _, f := range append(append([]*Formula{}, l.app.Goals...), l.app.Rules...) {
		walk(f.Node, func(n Node) {
			if a, ok := n.(*ActionAtom); ok {
				used[a.Action.Name] = true
			}
		})
	}
	seen := map[PredKind]map[string]bool{Visible: {}, Checked: {}}
	l.mentioned = map[PredKind][]string{}
	for _, f := range l.app.formulas() {
		walk(f.Node, func(n Node) {
			if p, ok := n.(*PredAtom); ok && seen[p.Kind] != nil && !seen[p.Kind][p.Arg] {
				seen[p.Kind][p.Arg] = true
				l.mentioned[p.Kind] = append(l.mentioned[p.Kind], p.Arg)
			}
		})
	}
	for _, o := range l.app.Overlays {
		for _, lb := range o.Shows {
			if !seen[Visible][lb.Text] {
				seen[Visible][lb.Text] = true
				l.mentioned[Visible] = append(l.mentioned[Visible], lb.Text)
			}
		}
	}
	for _, t := range builtinOrder {
		if used[t] {
			l.tools = append(l.tools, t)
		}
	}
	for _, d := range l.app.Actions {
		if used[d.Name] {
			l.tools = append(l.tools, d.Name)
		}
	}
	if len(l.tools) == 0 {
		l.tools = []string{"back"} // a spec declares at least one tool
	}
}

func walk(n Node, f func(Node)) {
	if n == nil {
		return
	}
	f(n)
	switch x := n.(type) {
	case *Unary:
		walk(x.X, f)
	case *Binary:
		walk(x.L, f)
		walk(x.R, f)
	}
}

func tool(name string) string {
	q, _ := ltl.QuoteName(name)
	return q
}

// ret is "some action returned, observing screen name".
func (l *lowerer) ret(name string) string {
	parts := make([]string, len(l.tools))
	for i, t := range l.tools {
		parts[i] = fmt.Sprintf("%s returns (screen == %s)", tool(t), strconv.Quote(name))
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

func (l *lowerer) failAny() string {
	parts := make([]string, len(l.tools))
	for i, t := range l.tools {
		parts[i] = tool(t) + " fails"
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

// at is "the believed screen before this event is name": the last call that
// returned observed it (failed calls since then change nothing), or it is
// the start and no call has returned yet.
func (l *lowerer) at(name string) string {
	s := fmt.Sprintf("Y(%s S %s)", l.failAny(), l.ret(name))
	if name == l.start {
		s += fmt.Sprintf(" | !(Y true) | Y(H %s)", l.failAny())
	}
	return s
}

// act is the tool atom of an action; `any` arguments are unconstrained.
func (l *lowerer) act(a *Action) string {
	var preds []string
	for i, t := range a.Args {
		if v, ok := l.value(t); ok {
			preds = append(preds, a.Params[i]+" == "+v)
		}
	}
	if len(preds) == 0 {
		return tool(a.Name)
	}
	return tool(a.Name) + "(" + strings.Join(preds, ", ") + ")"
}

// value is a Text as an .ltl literal; false for any.
func (l *lowerer) value(t *Text) (string, bool) {
	switch t.Kind {
	case TextLiteral:
		return t.Value.String(), true
	case TextName:
		return strconv.Quote(t.Name), true // a field id is the field's name
	case TextRef:
		v, ok := l.opts.Inputs[t.Ref]
		for _, p := range t.Path {
			m, isMap := v.(map[string]any)
			if !ok || !isMap {
				ok = false
				break
			}
			v, ok = m[p]
		}
		if !ok {
			l.e.add(t.Pos, ErrLower, fmt.Sprintf("%s has no value: give it in LowerOptions.Inputs (the .ltl language has no inputs yet)", t))
			return "false", true
		}
		lit, err := literal(v)
		if err != nil {
			l.e.add(t.Pos, ErrLower, fmt.Sprintf("%s: %v", t, err))
			return "false", true
		}
		return lit, true
	}
	return "", false
}

// literal writes a scalar input as an .ltl literal.
func literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		n, err := ltl.ParseNumber(x.String())
		return n.String(), err
	case float64, int, int64:
		n, err := ltl.ParseNumber(fmt.Sprint(x))
		return n.String(), err
	}
	return "", fmt.Errorf("the value is a %T; a predicate compares with a string, a number or a boolean", v)
}

// labelSet is how a label is looked up in an observation's label set: the
// set is one string, each label between newlines (ResultOf).
func labelSet(label string) string { return strconv.Quote("\n" + label + "\n") }

// predOn is a condition predicate on tool t's result.
func (l *lowerer) predOn(t string, p *PredAtom) string {
	var pred string
	switch p.Kind {
	case Visible:
		pred = "shows contains " + labelSet(p.Arg)
	case Checked:
		pred = "checked contains " + labelSet(p.Arg)
	case TextOf, Count:
		root := map[PredKind]string{TextOf: "text", Count: "count"}[p.Kind]
		v, _ := l.value(p.Value)
		pred = fmt.Sprintf("%s.%s %s %s", root, p.Arg, p.Cmp, v)
	}
	return fmt.Sprintf("%s returns (%s)", tool(t), pred)
}

// condOn lowers a condition on tool t's result.
func (l *lowerer) condOn(t string, n Node) string {
	switch x := n.(type) {
	case *PredAtom:
		return l.predOn(t, x)
	case *Unary:
		return "!(" + l.condOn(t, x.X) + ")"
	case *Binary:
		return "(" + l.condOn(t, x.L) + " " + x.Op.String() + " " + l.condOn(t, x.R) + ")"
	}
	return "true"
}

// observed is "t returned, observing screen or overlay name, recognised by
// its requires (or shows), and satisfying ensures".
func (l *lowerer) observed(t, name string, ensures *Formula) string {
	parts := []string{fmt.Sprintf("%s returns (screen == %s)", tool(t), strconv.Quote(name))}
	if s := l.screens[name]; s != nil && s.Requires != nil {
		parts = append(parts, l.condOn(t, s.Requires.Node))
	}
	if o := l.overlays[name]; o != nil {
		for _, lb := range o.Shows {
			parts = append(parts, l.predOn(t, &PredAtom{Kind: Visible, Arg: lb.Text}))
		}
	}
	if ensures != nil {
		parts = append(parts, l.condOn(t, ensures.Node))
	}
	if l.opts.ClosedWorld {
		said := map[PredKind]map[string]bool{Visible: {}, Checked: {}}
		note := func(f *Formula) {
			if f != nil {
				walk(f.Node, func(n Node) {
					if p, ok := n.(*PredAtom); ok && said[p.Kind] != nil {
						said[p.Kind][p.Arg] = true
					}
				})
			}
		}
		note(ensures)
		if s := l.screens[name]; s != nil {
			note(s.Requires)
		}
		if o := l.overlays[name]; o != nil {
			for _, lb := range o.Shows {
				said[Visible][lb.Text] = true
			}
		}
		for _, k := range []PredKind{Visible, Checked} {
			for _, lb := range l.mentioned[k] {
				if !said[k][lb] {
					parts = append(parts, "!("+l.predOn(t, &PredAtom{Kind: k, Arg: lb})+")")
				}
			}
		}
	}
	return "(" + strings.Join(parts, " & ") + ")"
}

func (l *lowerer) popups(t string) []string {
	var out []string
	for _, o := range l.app.Overlays {
		out = append(out, l.observed(t, o.Name, nil))
	}
	return out
}

func (l *lowerer) observations(b *strings.Builder) {
	if l.opts.Observations == ObserveAnyScreen {
		for _, t := range l.tools {
			var alts []string
			for _, s := range l.app.Screens {
				alts = append(alts, l.observed(t, s.Name, nil))
			}
			alts = append(alts, l.popups(t)...)
			fmt.Fprintf(b, "# observations of %s: a known screen or overlay\nrule G(%s -> (%s fails | %s))\n", t, tool(t), tool(t), strings.Join(alts, " | "))
		}
		return
	}
	for _, s := range l.app.Screens {
		for _, tr := range s.Transitions {
			if l.screens[tr.Target] == nil {
				continue // Check reports it; nothing to observe
			}
			t := tr.Action.Name
			alts := []string{tool(t) + " fails", l.observed(t, tr.Target, tr.Ensures)}
			if l.opts.FaultFree {
				alts = alts[1:]
			} else {
				if tr.Target != s.Name {
					alts = append(alts, l.observed(t, s.Name, nil))
				}
				alts = append(alts, l.popups(t)...)
			}
			fmt.Fprintf(b, "# %s: %s on %s observes %s, no change, a popup, or fails\nrule G(((%s) & %s) -> (%s))\n",
				pos(tr.Pos), tr.Action, s.Name, tr.Target, l.at(s.Name), l.act(tr.Action), strings.Join(alts, " | "))
		}
	}
	for _, o := range l.app.Overlays {
		if b.Len() > l.maxBytes() {
			return // Lower reports the limit
		}
		d := o.Dismiss.Name
		fmt.Fprintf(b, "# %s: dismissing %s returns\nrule G((%s) -> !(%s fails))\n", pos(o.Pos), o.Name, l.at(o.Name), tool(d))
		for _, s := range l.app.Screens {
			for _, tr := range s.Transitions {
				if l.screens[tr.Target] == nil {
					continue
				}
				alts := []string{l.observed(d, tr.Target, tr.Ensures)}
				if tr.Target != s.Name {
					alts = append(alts, l.observed(d, s.Name, nil))
				}
				fmt.Fprintf(b, "rule G(((%s) & Y((%s) & %s)) -> (%s))\n", l.at(o.Name), l.at(s.Name), l.act(tr.Action), strings.Join(alts, " | "))
			}
		}
	}
}

// node lowers a goal or rule formula, read at each event: a screen atom is
// "this event observed it", a predicate "this event's observation
// satisfies it".
func (l *lowerer) node(n Node) string {
	switch x := n.(type) {
	case *Const:
		return strconv.FormatBool(x.Value)
	case *Last:
		return "last"
	case *ScreenAtom:
		return l.ret(x.Name)
	case *ActionAtom:
		return l.act(x.Action)
	case *PredAtom:
		parts := make([]string, len(l.tools))
		for i, t := range l.tools {
			parts[i] = l.predOn(t, x)
		}
		return "(" + strings.Join(parts, " | ") + ")"
	case *Unary:
		return x.Op.String() + "(" + l.node(x.X) + ")"
	case *Binary:
		return "(" + l.node(x.L) + " " + x.Op.String() + " " + l.node(x.R) + ")"
	}
	return "true"
}

// Observation is what a device shows: the screen it is recognised as and
// its labels, checked labels, field texts and list counts.
type Observation struct {
	Screen  string
	Shows   []string
	Checked []string
	Text    map[string]string
	Count   map[string]int
}

// ResultOf is the call result the lowered spec reads for an observation:
// {"screen": S, "shows": LABELS, "checked": LABELS, "text": {field: text},
// "count": {list: n}}, a label set written as one string with each label
// between newlines ("\nA\nB\n", sorted, no repeats), because .ltl
// predicates compare strings and have no membership test on arrays.
// Labels holding a newline are dropped: no screen's condition can name one.
func ResultOf(o Observation) map[string]any {
	text := map[string]any{}
	for k, v := range o.Text {
		text[k] = v
	}
	count := map[string]any{}
	for k, v := range o.Count {
		count[k] = json.Number(strconv.Itoa(v))
	}
	return map[string]any{"screen": o.Screen, "shows": joinLabels(o.Shows), "checked": joinLabels(o.Checked), "text": text, "count": count}
}

func joinLabels(labels []string) string {
	set := map[string]bool{}
	for _, s := range labels {
		if !strings.ContainsAny(s, "\n") {
			set[s] = true
		}
	}
	sorted := make([]string, 0, len(set))
	for s := range set {
		sorted = append(sorted, s)
	}
	sort.Strings(sorted)
	if len(sorted) == 0 {
		return "\n"
	}
	return "\n" + strings.Join(sorted, "\n") + "\n"
}
