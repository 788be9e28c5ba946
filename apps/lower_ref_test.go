package apps

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// refAccepts is the machine part of the lowering, ObserveExpected, written
// as a direct simulation (doc.go's rules, one by one): the lowered spec
// must accept exactly the traces this does.
func refAccepts(a *App, trace []ltl.Event) bool {
	screens := map[string]*Screen{}
	for _, s := range a.Screens {
		screens[s.Name] = s
	}
	overlays := map[string]*Overlay{}
	for _, o := range a.Overlays {
		overlays[o.Name] = o
	}
	believed := a.Start
	var popupFrom *Transition // the transition a popup interrupted
	var popupOn string
	for _, e := range trace {
		if e.Outcome == ltl.Pending {
			return false
		}
		res, _ := e.Result.(map[string]any)
		obs, _ := res["screen"].(string)
		recognised := func(name string) bool {
			if s := screens[name]; s != nil {
				return s.Requires == nil || holds(s.Requires.Node, res)
			}
			if o := overlays[name]; o != nil {
				for _, l := range o.Shows {
					if !holds(&PredAtom{Kind: Visible, Arg: l.Text}, res) {
						return false
					}
				}
				return true
			}
			return false
		}
		if o := overlays[believed]; o != nil {
			if !matches(o.Dismiss, e) || e.Outcome != ltl.Returned {
				return false
			}
			tr := popupFrom
			okT := obs == tr.Target && recognised(obs) && (tr.Ensures == nil || holds(tr.Ensures.Node, res))
			okS := tr.Target != popupOn && obs == popupOn && recognised(obs)
			if !okT && !okS {
				return false
			}
			believed = obs
			continue
		}
		var tr *Transition
		for _, t := range screens[believed].Transitions {
			if matches(t.Action, e) {
				tr = t
			}
		}
		if tr == nil {
			return false
		}
		if e.Outcome == ltl.Failed {
			continue
		}
		switch {
		case obs == tr.Target && recognised(obs) && (tr.Ensures == nil || holds(tr.Ensures.Node, res)):
		case obs == believed && tr.Target != believed && recognised(obs):
		case overlays[obs] != nil && recognised(obs):
			popupFrom, popupOn = tr, believed
		default:
			return false
		}
		believed = obs
	}
	return true
}

// holds evaluates a condition on a result as ResultOf writes it.
func holds(n Node, res map[string]any) bool {
	switch x := n.(type) {
	case *Unary:
		return !holds(x.X, res)
	case *Binary:
		if x.Op == ltl.OpAnd {
			return holds(x.L, res) && holds(x.R, res)
		}
		return holds(x.L, res) || holds(x.R, res)
	case *PredAtom:
		switch x.Kind {
		case Visible, Checked:
			set, _ := res[map[PredKind]string{Visible: "shows", Checked: "checked"}[x.Kind]].(string)
			return strings.Contains(set, "\n"+x.Arg+"\n")
		case TextOf:
			m, _ := res["text"].(map[string]any)
			return m[x.Arg] == x.Value.Value.Str // the bundled apps compare texts with ==
		case Count:
			m, _ := res["count"].(map[string]any)
			v, _ := m[x.Arg].(int)
			want, _ := x.Value.Value.Num.Rat().Float64()
			got := float64(v)
			switch x.Cmp {
			case ltl.CmpGe:
				return got >= want
			case ltl.CmpEq:
				return got == want
			}
		}
	}
	panic("unexpected condition node")
}

// TestLowerMatchesReference: on random traces over each bundled app (its
// goals and rules left out: they are conjoined as written), the lowered
// spec's automaton accepts exactly what the direct simulation accepts.
func TestLowerMatchesReference(t *testing.T) {
	for _, f := range []string{"settings", "shopping", "messaging"} {
		a := parseFile(t, "../specs/"+f+".app")
		machine := *a
		machine.Goals, machine.Rules = nil, nil
		spec, err := Compile(&machine, LowerOptions{}, specplan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, m := range shownBy(a) {
			for l := range m {
				labels = append(labels, l)
			}
		}
		labels = append(labels, "Sent", "Order placed")
		var names []string
		for _, s := range a.Screens {
			names = append(names, s.Name)
		}
		for _, o := range a.Overlays {
			names = append(names, o.Name)
		}
		rng := rand.New(rand.NewSource(1))
		accepted := 0
		const n = 3000
		for i := 0; i < n; i++ {
			trace := randomTrace(rng, &machine, names, labels)
			want := refAccepts(&machine, trace)
			if got := spec.Validate(trace).Accepted; got != want {
				t.Fatalf("%s: lowered spec accepts = %v, reference = %v, on\n%v", f, got, want, trace)
			}
			if want {
				accepted++
			}
		}
		// Both verdicts must be exercised, or the comparison says little.
		if accepted < n/20 || accepted > n-n/20 {
			t.Errorf("%s: %d of %d random traces accepted: the generator does not exercise both verdicts", f, accepted, n)
		}
	}
}

// randomTrace walks the app, mostly by its own transitions, with
// observations that are mostly what the model expects and sometimes not.
func randomTrace(rng *rand.Rand, a *App, names, labels []string) []ltl.Event {
	screens := map[string]*Screen{}
	for _, s := range a.Screens {
		screens[s.Name] = s
	}
	var all []*Transition
	for _, s := range a.Screens {
		all = append(all, s.Transitions...)
	}
	for _, o := range a.Overlays {
		all = append(all, &Transition{Action: o.Dismiss, Target: a.Start})
	}
	believed := a.Start
	var trace []ltl.Event
	for k := rng.Intn(6) + 1; k > 0; k-- {
		var tr *Transition
		if s := screens[believed]; s != nil && len(s.Transitions) > 0 && rng.Intn(8) > 0 {
			tr = s.Transitions[rng.Intn(len(s.Transitions))]
		} else {
			tr = all[rng.Intn(len(all))]
		}
		e := ltl.Event{Tool: tr.Action.Name, Args: map[string]any{}, Outcome: ltl.Returned}
		for i, arg := range tr.Action.Args {
			switch arg.Kind {
			case TextLiteral:
				if arg.Value.Kind == ltl.StringValue {
					e.Args[tr.Action.Params[i]] = arg.Value.Str
				} else {
					e.Args[tr.Action.Params[i]] = arg.Value.Num.String()
				}
			case TextName:
				e.Args[tr.Action.Params[i]] = arg.Name
			}
		}
		obs := tr.Target
		if rng.Intn(4) == 0 {
			obs = names[rng.Intn(len(names))]
		}
		o := Observation{Screen: obs, Text: map[string]string{"message": "On my way", "search": "x"}, Count: map[string]int{"cart": rng.Intn(2)}}
		for _, l := range labels {
			if rng.Intn(3) > 0 {
				o.Shows = append(o.Shows, l)
			}
			if rng.Intn(2) == 0 {
				o.Checked = append(o.Checked, l)
			}
		}
		e.Result = ResultOf(o)
		if rng.Intn(12) == 0 {
			e.Outcome, e.Result, e.Error = ltl.Failed, nil, "device error"
		}
		// ResultOf writes counts as json.Number; the reference reads ints.
		if m, ok := e.Result.(map[string]any); ok {
			m["count"] = map[string]any{"cart": o.Count["cart"]}
		}
		trace = append(trace, e)
		if e.Outcome == ltl.Returned {
			believed = obs
		}
	}
	return trace
}
