package apps

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Outcome is the judgement of one action: what the observation after it
// says about it.
type Outcome string

const (
	// Success: the expected screen, its requires and the transition's
	// ensures hold.
	Success Outcome = "success"
	// NoChange: the device shows what it showed before the action (the
	// same screen, the same content), though the action was to change it:
	// it did nothing, or the screen did not update yet.
	NoChange Outcome = "nochange"
	// Fail: anything else: another screen (known or not), an unmet
	// post-condition, a popup, an action the device could not perform.
	Fail Outcome = "fail"
)

// Recognition is how an observation was recognised.
type Recognition struct {
	// Screen is the one screen or overlay the observation matches; "" when
	// it matches none or several (Candidates).
	Screen string
	// Candidates are the screens and overlays it matches, sorted: one when
	// recognised, several when ambiguous, none when unknown.
	Candidates []string
}

// Known reports whether exactly one screen or overlay matched.
func (r Recognition) Known() bool { return r.Screen != "" }

// Why says in words why the observation was not recognised ("" when it was).
func (r Recognition) Why() string {
	switch {
	case r.Known():
		return ""
	case len(r.Candidates) == 0:
		return "the observation matches no screen or overlay of the app"
	}
	return "the observation matches several screens (" + strings.Join(r.Candidates, ", ") + "): it is ambiguous, and the runtime does not guess"
}

// Signature is what identifies a screen or overlay on a device: the labels
// it must show (a screen's title label and the labels of its tap,
// long_press and toggle actions; an overlay's shows) and its requires
// predicate. A screen's declared shows(…) are not in it: they are labels
// that come and go ("Sent").
type Signature struct {
	Labels   []string
	Requires *Formula
}

// Signature of a screen or overlay, by name; false for an unknown name.
func (a *App) Signature(name string) (Signature, bool) {
	if s := a.Screen(name); s != nil {
		set := map[string]bool{}
		if s.Label != "" {
			set[s.Label] = true
		}
		for _, t := range s.Transitions {
			switch t.Action.Kind {
			case Tap, LongPress, Toggle:
				if lb := t.Action.Args[0]; lb.Kind == TextLiteral && lb.Value.Kind == ltl.StringValue {
					set[lb.Value.Str] = true
				}
			}
		}
		return Signature{Labels: sortedKeys(set), Requires: s.Requires}, true
	}
	if o := a.Overlay(name); o != nil {
		set := map[string]bool{}
		for _, l := range o.Shows {
			set[l.Text] = true
		}
		return Signature{Labels: sortedKeys(set)}, true
	}
	return Signature{}, false
}

// Overlay returns the overlay called name, or nil.
func (a *App) Overlay(name string) *Overlay {
	for _, o := range a.Overlays {
		if o.Name == name {
			return o
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Recognize finds the screens and overlays whose signature the observation
// satisfies: every signature label shown and the requires predicate true.
// A candidate whose signature labels are a strict subset of another
// candidate's is dropped: the other explains more of what is shown (a
// "Connected devices" list that shows "Pair new device" is not the
// pairing screen titled "Pair new device"). Exactly one left is a
// recognition; none or several are reported as such
// (Recognition.Why), never resolved by a guess. The observation's own
// Screen field is not read.
func (a *App) Recognize(o Observation, inputs map[string]any) Recognition {
	o = a.Complete(o)
	shown := map[string]bool{}
	for _, l := range o.Shows {
		shown[l] = true
	}
	var cands []string
	try := func(name string) {
		sig, _ := a.Signature(name)
		for _, l := range sig.Labels {
			if !shown[l] {
				return
			}
		}
		if sig.Requires != nil && !Holds(sig.Requires.Node, o, inputs) {
			return
		}
		cands = append(cands, name)
	}
	for _, s := range a.Screens {
		try(s.Name)
	}
	for _, ov := range a.Overlays {
		try(ov.Name)
	}
	cands = mostSpecific(a, cands)
	sort.Strings(cands)
	r := Recognition{Candidates: cands}
	if len(cands) == 1 {
		r.Screen = cands[0]
	}
	return r
}

// Holds evaluates a condition (PredAtoms under ! & |) on an observation.
// A text or count the observation lacks makes its predicate false, as the
// lowered spec's fail-closed rule does.
func Holds(n Node, o Observation, inputs map[string]any) bool {
	switch x := n.(type) {
	case *Const:
		return x.Value
	case *Unary:
		if x.Op == ltl.OpNot {
			return !Holds(x.X, o, inputs)
		}
	case *Binary:
		switch x.Op {
		case ltl.OpAnd:
			return Holds(x.L, o, inputs) && Holds(x.R, o, inputs)
		case ltl.OpOr:
			return Holds(x.L, o, inputs) || Holds(x.R, o, inputs)
		}
	case *PredAtom:
		switch x.Kind {
		case Visible:
			return slices.Contains(o.Shows, x.Arg)
		case Checked:
			return slices.Contains(o.Checked, x.Arg)
		case TextOf:
			got, ok := o.Text[x.Arg]
			want, ok2 := concrete(x.Value, inputs)
			ws, isStr := want.(string)
			if !ok || !ok2 || !isStr {
				return false
			}
			return cmpOrder(x.Cmp, strings.Compare(got, ws))
		case Count:
			got, ok := o.Count[x.Arg]
			want, ok2 := concrete(x.Value, inputs)
			if !ok || !ok2 {
				return false
			}
			wn, isNum, err := ltl.NumberOf(want)
			if !isNum || err != nil {
				return false
			}
			return cmpOrder(x.Cmp, ltl.IntNumber(int64(got)).Cmp(wn))
		}
	}
	return false
}

func cmpOrder(c ltl.Cmp, d int) bool {
	switch c {
	case ltl.CmpEq:
		return d == 0
	case ltl.CmpNe:
		return d != 0
	case ltl.CmpLt:
		return d < 0
	case ltl.CmpLe:
		return d <= 0
	case ltl.CmpGt:
		return d > 0
	case ltl.CmpGe:
		return d >= 0
	}
	return false
}

// Verdict is the judgement of one action.
type Verdict struct {
	Outcome     Outcome
	Recognition Recognition // of the observation after the action
	Why         string      // for NoChange and Fail: what differed
}

// Judge judges an action taken on a screen, expected to lead to expected
// with post-condition ensures (nil: none): before is the observation the
// action was taken on, after the one that followed it (nil: the device
// could not perform the action, whose error is doErr).
func (a *App) Judge(expected string, ensures *Formula, before Observation, after *Observation, doErr error, inputs map[string]any) Verdict {
	if after == nil {
		why := "the device could not perform the action"
		if doErr != nil {
			why += ": " + doErr.Error()
		}
		return Verdict{Outcome: Fail, Why: why}
	}
	r := a.Recognize(*after, inputs)
	v := Verdict{Recognition: r}
	done := a.Complete(*after)
	after, before = &done, a.Complete(before)
	switch {
	case !r.Known():
		v.Outcome, v.Why = Fail, r.Why()
	case r.Screen == expected && (ensures == nil || Holds(ensures.Node, *after, inputs)):
		v.Outcome = Success
	case sameObservation(before, *after):
		v.Outcome, v.Why = NoChange, fmt.Sprintf("the device still shows %s as before the action", r.Screen)
	case r.Screen == expected:
		v.Outcome, v.Why = Fail, fmt.Sprintf("%s is shown but its post-condition %s does not hold", r.Screen, oneLine(ensures.Text))
	case a.Overlay(r.Screen) != nil:
		v.Outcome, v.Why = Fail, fmt.Sprintf("popup %s appeared instead of %s", r.Screen, orNone(expected))
	case expected == "":
		v.Outcome, v.Why = Fail, fmt.Sprintf("%s is shown after an action the believed screen does not have", r.Screen)
	default:
		v.Outcome, v.Why = Fail, fmt.Sprintf("%s is shown, not the expected %s", r.Screen, expected)
	}
	return v
}

// sameObservation compares what two observations show (Screen aside).
func sameObservation(x, y Observation) bool {
	return joinLabels(x.Shows) == joinLabels(y.Shows) && joinLabels(x.Checked) == joinLabels(y.Checked) &&
		mapsEqual(x.Text, y.Text) && mapsEqual(x.Count, y.Count)
}

func mapsEqual[V comparable](x, y map[string]V) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if w, ok := y[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// mostSpecific drops the candidates whose signature labels another
// candidate's strictly contain.
func mostSpecific(a *App, cands []string) []string {
	sigs := make([]map[string]bool, len(cands))
	for i, c := range cands {
		sig, _ := a.Signature(c)
		sigs[i] = map[string]bool{}
		for _, l := range sig.Labels {
			sigs[i][l] = true
		}
	}
	var out []string
	for i, c := range cands {
		dominated := false
		for j := range cands {
			if i != j && len(sigs[j]) > len(sigs[i]) && subset(sigs[i], sigs[j]) {
				dominated = true
				break
			}
		}
		if !dominated {
			out = append(out, c)
		}
	}
	return out
}

func subset(x, y map[string]bool) bool {
	for k := range x {
		if !y[k] {
			return false
		}
	}
	return true
}

// Complete fills in what the app's conditions read and the observation
// does not show: the text of a field is "" and the count of a list 0 when
// the screen does not show them. The lowered spec reads every condition's
// path on every result (its fail-closed rule rejects a result without
// it), and the judge must read the same observation the spec does.
func (a *App) Complete(o Observation) Observation {
	texts, counts := a.mentionedPaths()
	if len(texts)+len(counts) == 0 {
		return o
	}
	t := make(map[string]string, len(o.Text)+len(texts))
	for k, v := range o.Text {
		t[k] = v
	}
	c := make(map[string]int, len(o.Count)+len(counts))
	for k, v := range o.Count {
		c[k] = v
	}
	for _, f := range texts {
		if _, ok := t[f]; !ok {
			t[f] = ""
		}
	}
	for _, l := range counts {
		if _, ok := c[l]; !ok {
			c[l] = 0
		}
	}
	o.Text, o.Count = t, c
	return o
}

func (a *App) mentionedPaths() (texts, counts []string) {
	seen := map[string]bool{}
	for _, f := range a.formulas() {
		walk(f.Node, func(n Node) {
			p, ok := n.(*PredAtom)
			if !ok || (p.Kind != TextOf && p.Kind != Count) {
				return
			}
			key := fmt.Sprint(p.Kind, p.Arg)
			if seen[key] {
				return
			}
			seen[key] = true
			if p.Kind == TextOf {
				texts = append(texts, p.Arg)
			} else {
				counts = append(counts, p.Arg)
			}
		})
	}
	return texts, counts
}

func orNone(s string) string {
	if s == "" {
		return "any screen the believed one leads to"
	}
	return s
}
