package apps

import (
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// Check reports, as an ltl.ErrorList positioned in the app (nil when
// clean):
//   - ErrNoTarget: a transition without `-> SCREEN`, or whose target is no
//     screen (an overlay is not a target: it appears by itself);
//   - ErrDuplicateAction: an action twice on one screen (Action.Key);
//   - ErrUnreachable: a screen no path of transitions from the start
//     screen reaches;
//   - ErrUnshownLabel: a label in an ensures, a goal or a rule that no
//     screen shows. A screen shows the labels of its own actions (tap,
//     long_press, toggle), the labels its requires mentions (that is how
//     it is recognised) and those it declares with shows(…) (labels that
//     come and go, such as "Sent"); an overlay shows its shows(…) labels. An
//     ensures must name a label its target screen shows; a goal or rule,
//     one some screen or overlay shows. Labels in requires are never
//     reported: they define what the screen shows;
//   - ErrGoalUnreachable: a reachable screen from which no run satisfies
//     the goals and rules, judged on the automaton of the lowered spec
//     (ObserveExpected): a screen is live when some live transition of the
//     trimmed DFA observes it, the start screen when the DFA accepts
//     anything. A spec no run satisfies is reported at its first goal.
//
// The graph checks cost the app's size; the goal check compiles the
// lowered spec once (opts bound it, as for any spec) and runs only when the
// other checks find nothing (a missing target has nothing to lower).
func Check(a *App, opts specplan.Options) error {
	e := &errs{}
	screens := map[string]*Screen{}
	for _, s := range a.Screens {
		screens[s.Name] = s
	}
	overlays := map[string]*Overlay{}
	for _, o := range a.Overlays {
		overlays[o.Name] = o
	}
	// Targets and duplicates.
	for _, s := range a.Screens {
		first := map[string]*Transition{}
		for _, t := range s.Transitions {
			switch {
			case t.Target == "":
				e.add(t.Pos, ErrNoTarget, fmt.Sprintf("%s on %s has no target: write %s -> SCREEN", t.Action, s.Name, t.Action))
			case overlays[t.Target] != nil:
				e.add(t.TargetPos, ErrNoTarget, fmt.Sprintf("%s is an overlay, not a screen: an overlay appears by itself over any screen", t.Target))
			case screens[t.Target] == nil:
				c := &conv{names: map[string]Pos{}}
				for n := range screens {
					c.names[n] = Pos{}
				}
				e.add(t.TargetPos, ErrNoTarget, fmt.Sprintf("target %q of %s is no screen%s", t.Target, t.Action, c.suggest(t.Target)))
			}
			k := t.Action.Key()
			if f, dup := first[k]; dup {
				e.add(t.Pos, ErrDuplicateAction, fmt.Sprintf("%s is already an action of %s at %d:%d", k, s.Name, f.Pos.Line, f.Pos.Column))
				continue
			}
			first[k] = t
		}
	}
	// Reachability from the start screen.
	reached := map[string]bool{}
	if screens[a.Start] != nil {
		queue := []string{a.Start}
		reached[a.Start] = true
		for len(queue) > 0 {
			s := screens[queue[0]]
			queue = queue[1:]
			for _, t := range s.Transitions {
				if screens[t.Target] != nil && !reached[t.Target] {
					reached[t.Target] = true
					queue = append(queue, t.Target)
				}
			}
		}
	}
	for _, s := range a.Screens {
		if !reached[s.Name] {
			e.add(s.Pos, ErrUnreachable, fmt.Sprintf("screen %s is unreachable: no path of actions from the start screen %s leads to it", s.Name, a.Start))
		}
	}
	checkLabels(a, e, screens)
	if len(e.list) == 0 {
		if err := checkGoal(a, e, reached, opts); err != nil {
			return err
		}
	}
	return e.result()
}

// shownBy returns the labels each screen and overlay shows.
func shownBy(a *App) map[string]map[string]bool {
	shows := map[string]map[string]bool{}
	for _, s := range a.Screens {
		m := map[string]bool{}
		for _, t := range s.Transitions {
			for i, p := range t.Action.Params {
				if p == "label" && t.Action.Args[i].Kind == TextLiteral {
					m[t.Action.Args[i].Value.Str] = true
				}
			}
		}
		for _, l := range s.Shows {
			m[l.Text] = true
		}
		if s.Requires != nil {
			walk(s.Requires.Node, func(n Node) {
				if p, ok := n.(*PredAtom); ok && (p.Kind == Visible || p.Kind == Checked) {
					m[p.Arg] = true
				}
			})
		}
		shows[s.Name] = m
	}
	for _, o := range a.Overlays {
		m := map[string]bool{}
		for _, l := range o.Shows {
			m[l.Text] = true
		}
		shows[o.Name] = m
	}
	return shows
}

func checkLabels(a *App, e *errs, screens map[string]*Screen) {
	shows := shownBy(a)
	any := map[string]bool{}
	for _, m := range shows {
		for l := range m {
			any[l] = true
		}
	}
	labels := func(f *Formula, ok func(string) bool, where string) {
		if f == nil {
			return
		}
		walk(f.Node, func(n Node) {
			if p, isPred := n.(*PredAtom); isPred && (p.Kind == Visible || p.Kind == Checked) && !ok(p.Arg) {
				e.add(p.Pos, ErrUnshownLabel, fmt.Sprintf("label %q is shown by no %s", p.Arg, where))
			}
		})
	}
	for _, s := range a.Screens {
		for _, t := range s.Transitions {
			if screens[t.Target] == nil {
				continue
			}
			target := t.Target
			labels(t.Ensures, func(l string) bool { return shows[target][l] }, "action, requires or shows(…) of the target screen "+target)
		}
	}
	for _, f := range append(append([]*Formula{}, a.Goals...), a.Rules...) {
		labels(f, func(l string) bool { return any[l] }, "screen or overlay")
	}
}

// checkGoal compiles the lowered spec and finds the reachable screens no
// accepted run observes.
func checkGoal(a *App, e *errs, reached map[string]bool, opts specplan.Options) error {
	if len(a.Goals) == 0 && len(a.Rules) == 0 {
		return nil
	}
	spec, err := Compile(a, LowerOptions{}, opts)
	if err != nil {
		return err
	}
	d := spec.DFA()
	if d.IsEmpty() {
		p := a.Pos
		if len(a.Goals) > 0 {
			p = a.Goals[0].Pos
		} else {
			p = a.Rules[0].Pos
		}
		e.add(p, ErrGoalUnreachable, "no run of the app satisfies the goals and rules, from any screen")
		return nil
	}
	live := liveScreens(d)
	live[a.Start] = true
	for _, s := range a.Screens {
		if reached[s.Name] && !live[s.Name] {
			e.add(s.Pos, ErrGoalUnreachable, fmt.Sprintf("the goal cannot be reached from screen %s: no run that gets there satisfies the goals and rules", s.Name))
		}
	}
	return nil
}

// liveScreens are the screens some live transition of the trimmed DFA
// observes, from a state reachable from the initial one.
func liveScreens(d *automata.DFA) map[string]bool {
	dist := d.Distances()
	out := map[string]bool{}
	seen := make([]bool, d.NumStates())
	queue := []int{d.Initial}
	seen[d.Initial] = true
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for sym, t := range d.Trans[q] {
			if t < 0 || dist[t] < 0 {
				continue
			}
			if s, ok := observedScreen(d.Alphabet.Symbols[sym]); ok {
				out[s] = true
			}
			if !seen[t] {
				seen[t] = true
				queue = append(queue, int(t))
			}
		}
	}
	return out
}

// observedScreen is the screen a symbol's result part says was observed.
func observedScreen(sym automata.Symbol) (string, bool) {
	if sym.Outcome != ltl.Returned {
		return "", false
	}
	for _, l := range sym.Result {
		p := l.Pred
		onScreen := len(p.Path) == 1 && p.Path[0] == "screen" || p.Path == nil && p.Arg == "screen"
		if l.Holds && p.Cmp == ltl.CmpEq && onScreen && p.Ref == nil && p.Value.Kind == ltl.StringValue {
			return l.Pred.Value.Str, true
		}
	}
	return "", false
}

// Compile lowers the app and compiles the lowered spec: the automaton
// Validate, Monitor and Witnesses work on. Errors in the lowered text
// (which Lower's tests say do not occur) are positioned in it.
func Compile(a *App, lo LowerOptions, opts specplan.Options) (*specplan.Spec, error) {
	text, err := lo.Lower(a)
	if err != nil {
		return nil, err
	}
	name := a.File + ".ltl"
	if opts.MaxSpecBytes < len(text) {
		opts.MaxSpecBytes = len(text) // the app's own limit bounded its source; the lowering is linear in it times the screens
	}
	if opts.MaxInputBytes < int64(len(text)) {
		opts.MaxInputBytes = int64(len(text))
	}
	return specplan.Compile(name, []byte(text), opts)
}

// Witnesses are the k shortest traces of the lowered spec under
// ClosedWorld observations: action sequences that reach the goal by the
// app's own transitions, each action with the observation it expects.
func Witnesses(a *App, k int, opts specplan.Options) ([][]ltl.Event, error) {
	spec, err := Compile(a, LowerOptions{ClosedWorld: true, FaultFree: true}, opts)
	if err != nil {
		return nil, err
	}
	return spec.Witnesses(k)
}
