package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// FaultKind is a fault the emulator injects.
type FaultKind string

const (
	// FaultNoChange: the action does nothing.
	FaultNoChange FaultKind = "nochange"
	// FaultWrongScreen: the action lands on Fault.Screen instead of its
	// target.
	FaultWrongScreen FaultKind = "wrong_screen"
	// FaultPopup: a popup showing Fault.Shows covers the screen; the
	// action completes when it is dismissed with Fault.Dismiss.
	FaultPopup FaultKind = "popup"
)

// Fault is one injected fault: at the Step-th action the device performs
// (counting from 1, the runtime's own rollback actions included).
type Fault struct {
	Step    int
	Kind    FaultKind
	Screen  string   // wrong_screen
	Shows   []string // popup
	Dismiss string   // popup: the action that dismisses it, as an .app file writes it (back, tap("OK"))
}

// ScreenView is what an emulated screen shows at the start.
type ScreenView struct {
	Shows   []string
	Checked []string
	Text    map[string]string
	Count   map[string]int
}

// Env is a parsed emulator environment (EMU.json): what each screen shows
// and the faults to inject. It is immutable; NewEmulator starts a device
// on it.
type Env struct {
	App    *App
	File   string
	Views  map[string]ScreenView
	Faults []Fault // by step
}

// EnvLimits bound what ReadEnv accepts.
type EnvLimits struct {
	// MaxBytes bounds the file (DefaultMaxEnvBytes when 0; plan run
	// --max-env-bytes).
	MaxBytes int
}

// DefaultMaxEnvBytes is the default EnvLimits.MaxBytes.
const DefaultMaxEnvBytes = 1 << 20

// maxEnvDepth is deep enough for the format (object, screen, view, text)
// and bounds the strict parser's recursion.
const maxEnvDepth = 8

// ReadEnv reads an emulator environment for app:
//
//	{"screens": {"Home": {"shows": ["Network & internet", …], "checked": […],
//	                      "text": {"search": ""}, "count": {"cart": 0}}, …},
//	 "faults": [{"step": 3, "kind": "nochange"},
//	            {"step": 5, "kind": "wrong_screen", "screen": "Devices"},
//	            {"step": 6, "kind": "popup", "shows": ["Allow?"], "dismiss": "back"}]}
//
// JSON is strict (internal/strictjson: exact keys, a repeated key is an
// error) and every key is one of the format's. A screen the app does not
// declare, an unknown fault kind, a wrong_screen to an unknown screen, a
// step given twice, a dismiss that is no overlay's dismiss action, and a
// field or list starting at two values on two screens (a text and a count
// are one value across screens) are ErrEnv errors positioned file:line:col.
// A screen not listed shows its signature labels (Signature) and nothing
// else. Errors are an ltl.ErrorList.
func ReadEnv(file string, data []byte, app *App, lim EnvLimits) (*Env, error) {
	max := lim.MaxBytes
	if max <= 0 {
		max = DefaultMaxEnvBytes
	}
	r := &envReader{file: file, src: data, e: &errs{}}
	if len(data) > max {
		r.e.add(r.pos(0), ltl.ErrInputLimit, fmt.Sprintf("the environment is %d bytes, over the limit of %d (raise it with --max-env-bytes, apps.EnvLimits.MaxBytes)", len(data), max))
		return nil, r.e.result()
	}
	root, err := strictjson.Parse(data, strictjson.Limits{MaxDepth: maxEnvDepth})
	if err != nil {
		var se *strictjson.Error
		off := 0
		if errors.As(err, &se) {
			off = se.Offset
		}
		msg := err.Error()
		if se != nil {
			msg = se.Msg
		}
		r.e.add(r.pos(off), ErrEnv, "not strict JSON: "+msg)
		return nil, r.e.result()
	}
	env := &Env{App: app, File: file, Views: map[string]ScreenView{}}
	r.keys(root, "the environment", "screens", "faults")
	if v := root.Get("screens"); v != nil && r.kind(v, strictjson.Object, "screens") {
		r.screens(env, v)
	}
	if v := root.Get("faults"); v != nil && r.kind(v, strictjson.Array, "faults") {
		r.faults(env, v)
	}
	if err := r.e.result(); err != nil {
		return nil, err
	}
	return env, nil
}

type envReader struct {
	file string
	src  []byte
	e    *errs
	// firstText, firstCount: where each field and list got its value
	firstText   map[string]struct{ val, where string }
	appOverlays []*Overlay
	firstCount  map[string]struct {
		val   int
		where string
	}
}

func (r *envReader) pos(off int) Pos {
	line, col := 1, 1
	for i := 0; i < off && i < len(r.src); {
		if r.src[i] == '\n' {
			line, col = line+1, 1
			i++
			continue
		}
		_, n := utf8.DecodeRune(r.src[i:])
		i += n
		col++
	}
	return Pos{Filename: r.file, Offset: off, Line: line, Column: col}
}

func (r *envReader) errAt(v *strictjson.Value, format string, a ...any) {
	r.e.add(r.pos(v.Offset()), ErrEnv, fmt.Sprintf(format, a...))
}

func (r *envReader) kind(v *strictjson.Value, k strictjson.Kind, what string) bool {
	if v.Kind() != k {
		r.errAt(v, "%s must be a JSON %s, not a %s", what, k, v.Kind())
		return false
	}
	return true
}

// keys reports every member of obj whose key is not one of known.
func (r *envReader) keys(obj *strictjson.Value, what string, known ...string) bool {
	if !r.kind(obj, strictjson.Object, what) {
		return false
	}
	ok := true
	for i := 0; i < obj.Len(); i++ {
		k, _ := obj.Member(i)
		if !slices.Contains(known, k.Text()) {
			r.errAt(k, "unknown key %s in %s (the keys are %s)", strconv.Quote(k.Text()), what, quoteAll(known))
			ok = false
		}
	}
	return ok
}

func quoteAll(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(x)
	}
	return s
}

func (r *envReader) strings(v *strictjson.Value, what string) []string {
	if !r.kind(v, strictjson.Array, what) {
		return nil
	}
	var out []string
	for i := 0; i < v.Len(); i++ {
		x := v.Elem(i)
		if r.kind(x, strictjson.String, what+" element") {
			out = append(out, x.Text())
		}
	}
	return out
}

func (r *envReader) screens(env *Env, v *strictjson.Value) {
	r.firstText = map[string]struct{ val, where string }{}
	r.firstCount = map[string]struct {
		val   int
		where string
	}{}
	for i := 0; i < v.Len(); i++ {
		k, sv := v.Member(i)
		name := k.Text()
		if env.App.Screen(name) == nil {
			r.errAt(k, "screen %s is not declared by app %s", strconv.Quote(name), env.App.Name)
			continue
		}
		what := "screen " + name
		if !r.keys(sv, what, "shows", "checked", "text", "count") {
			continue
		}
		var view ScreenView
		if x := sv.Get("shows"); x != nil {
			view.Shows = r.strings(x, what+" shows")
		}
		if x := sv.Get("checked"); x != nil {
			view.Checked = r.strings(x, what+" checked")
		}
		if x := sv.Get("text"); x != nil && r.kind(x, strictjson.Object, what+" text") {
			view.Text = map[string]string{}
			for j := 0; j < x.Len(); j++ {
				fk, fv := x.Member(j)
				if !r.kind(fv, strictjson.String, what+" text "+fk.Text()) {
					continue
				}
				view.Text[fk.Text()] = fv.Text()
				if f, ok := r.firstText[fk.Text()]; ok && f.val != fv.Text() {
					r.errAt(fv, "text(%s) starts as %s on %s but as %s here: a field's text is one value across screens", fk.Text(), strconv.Quote(f.val), f.where, strconv.Quote(fv.Text()))
				} else if !ok {
					r.firstText[fk.Text()] = struct{ val, where string }{fv.Text(), name}
				}
			}
		}
		if x := sv.Get("count"); x != nil && r.kind(x, strictjson.Object, what+" count") {
			view.Count = map[string]int{}
			for j := 0; j < x.Len(); j++ {
				ck, cv := x.Member(j)
				n, ok := r.int(cv, what+" count "+ck.Text(), 0)
				if !ok {
					continue
				}
				view.Count[ck.Text()] = n
				if f, seen := r.firstCount[ck.Text()]; seen && f.val != n {
					r.errAt(cv, "count(%s) starts at %d on %s but at %d here: a list's count is one value across screens", ck.Text(), f.val, f.where, n)
				} else if !seen {
					r.firstCount[ck.Text()] = struct {
						val   int
						where string
					}{n, name}
				}
			}
		}
		env.Views[name] = view
	}
}

// int reads a non-negative integer of at most 9 digits, at least min.
func (r *envReader) int(v *strictjson.Value, what string, min int) (int, bool) {
	if v.Kind() != strictjson.Number || !v.IsInteger() || len(v.Text()) > 9 {
		r.errAt(v, "%s must be an integer of at most 9 digits", what)
		return 0, false
	}
	n, err := strconv.Atoi(v.Text())
	if err != nil || n < min {
		r.errAt(v, "%s must be an integer, at least %d", what, min)
		return 0, false
	}
	return n, true
}

func (r *envReader) dismissals() []string {
	out := []string{}
	for _, o := range r.appOverlays {
		out = append(out, o.Dismiss.Key())
	}
	return out
}

func (r *envReader) faults(env *Env, v *strictjson.Value) {
	r.appOverlays = env.App.Overlays
	steps := map[int]bool{}
	for i := 0; i < v.Len(); i++ {
		fv := v.Elem(i)
		what := "fault " + strconv.Itoa(i+1)
		if !r.keys(fv, what, "step", "kind", "screen", "shows", "dismiss") {
			continue
		}
		var f Fault
		sv := fv.Get("step")
		kv := fv.Get("kind")
		if sv == nil || kv == nil {
			r.errAt(fv, "%s needs a \"step\" and a \"kind\"", what)
			continue
		}
		n, ok := r.int(sv, what+" step", 1)
		if !ok {
			continue
		}
		if steps[n] {
			r.errAt(sv, "two faults at step %d: one action has one fault", n)
			continue
		}
		steps[n] = true
		f.Step = n
		if !r.kind(kv, strictjson.String, what+" kind") {
			continue
		}
		f.Kind = FaultKind(kv.Text())
		allowed := map[FaultKind][]string{FaultNoChange: {}, FaultWrongScreen: {"screen"}, FaultPopup: {"shows", "dismiss"}}
		need, known := allowed[f.Kind]
		if !known {
			r.errAt(kv, "unknown fault kind %s (the kinds are \"nochange\", \"wrong_screen\", \"popup\")", strconv.Quote(kv.Text()))
			continue
		}
		bad := false
		for _, key := range []string{"screen", "shows", "dismiss"} {
			x := fv.Get(key)
			switch {
			case x == nil && slices.Contains(need, key):
				r.errAt(fv, "a %s fault needs %s", f.Kind, strconv.Quote(key))
				bad = true
			case x != nil && !slices.Contains(need, key):
				r.errAt(x, "a %s fault has no %s", f.Kind, strconv.Quote(key))
				bad = true
			}
		}
		if bad {
			continue
		}
		switch f.Kind {
		case FaultWrongScreen:
			x := fv.Get("screen")
			if !r.kind(x, strictjson.String, what+" screen") {
				continue
			}
			if env.App.Screen(x.Text()) == nil {
				r.errAt(x, "screen %s is not declared by app %s", strconv.Quote(x.Text()), env.App.Name)
				continue
			}
			f.Screen = x.Text()
		case FaultPopup:
			f.Shows = r.strings(fv.Get("shows"), what+" shows")
			x := fv.Get("dismiss")
			if !r.kind(x, strictjson.String, what+" dismiss") {
				continue
			}
			if d := r.dismissals(); !slices.Contains(d, x.Text()) && x.Text() != "back" && x.Text() != "home" {
				r.errAt(x, "dismiss %s is no overlay's dismiss action of app %s (back, home or one of: %s)", strconv.Quote(x.Text()), env.App.Name, quoteAll(d))
				continue
			}
			f.Dismiss = x.Text()
		}
		env.Faults = append(env.Faults, f)
	}
	sort.Slice(env.Faults, func(i, j int) bool { return env.Faults[i].Step < env.Faults[j].Step })
}

// Emulator is a deterministic device for an Env: it moves along the app's
// own transitions, shows what the Env says each screen shows (updated by
// the transitions' ensures, type's text and toggle's switch), and injects
// the Env's faults. It implements Device.
type Emulator struct {
	env     *Env
	cur     string
	step    int
	shows   map[string][]string
	checked map[string][]string
	text    map[string]string // one value per field, across screens
	count   map[string]int
	// popup over the screen, and where the interrupted action lands once
	// it is dismissed
	popup   *Fault
	landing string
}

// NewEmulator starts a device on the app's start screen.
func (env *Env) NewEmulator() *Emulator {
	m := &Emulator{env: env, cur: env.App.Start, shows: map[string][]string{}, checked: map[string][]string{}, text: map[string]string{}, count: map[string]int{}}
	for _, s := range env.App.Screens {
		v, ok := env.Views[s.Name]
		if !ok {
			sig, _ := env.App.Signature(s.Name)
			v = ScreenView{Shows: sig.Labels}
		}
		m.shows[s.Name] = slices.Clone(v.Shows)
		m.checked[s.Name] = slices.Clone(v.Checked)
		for k, t := range v.Text {
			if _, set := m.text[k]; !set {
				m.text[k] = t
			}
		}
		for k, n := range v.Count {
			if _, set := m.count[k]; !set {
				m.count[k] = n
			}
		}
	}
	return m
}

// Current is the screen the emulator is on (for tests: the runtime never
// reads it, it recognises what Screen shows).
func (m *Emulator) Current() string { return m.cur }

// Screen shows the current screen, or the popup over it.
func (m *Emulator) Screen(ctx context.Context) (Observation, error) {
	if err := ctx.Err(); err != nil {
		return Observation{}, err
	}
	if m.popup != nil {
		return Observation{Shows: slices.Clone(m.popup.Shows)}, nil
	}
	o := Observation{Shows: slices.Clone(m.shows[m.cur]), Checked: slices.Clone(m.checked[m.cur])}
	if v, ok := m.env.Views[m.cur]; ok {
		for k := range v.Text {
			if o.Text == nil {
				o.Text = map[string]string{}
			}
			o.Text[k] = m.text[k]
		}
		for k := range v.Count {
			if o.Count == nil {
				o.Count = map[string]int{}
			}
			o.Count[k] = m.count[k]
		}
	}
	return o, nil
}

// Do performs c on the current screen: its transition there, unless the
// step has a fault or the target's requires does not hold (then nothing
// happens). Under a popup only its dismiss action does anything.
// An action the current screen does not have is an error: the device
// cannot perform it.
func (m *Emulator) Do(ctx context.Context, c Call) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.step++
	if m.popup != nil {
		if keyOf(c) == m.popup.Dismiss {
			m.popup, m.cur = nil, m.landing
		}
		return nil
	}
	s := m.env.App.Screen(m.cur)
	var tr *Transition
	for _, t := range s.Transitions {
		if t.Action.Matches(c, nil) && m.env.App.Screen(t.Target) != nil {
			tr = t
			break
		}
	}
	if tr == nil {
		return fmt.Errorf("screen %s has no %s", m.cur, c)
	}
	var f *Fault
	for i := range m.env.Faults {
		if m.env.Faults[i].Step == m.step {
			f = &m.env.Faults[i]
		}
	}
	if f != nil && f.Kind == FaultNoChange {
		return nil
	}
	if f != nil && f.Kind == FaultWrongScreen {
		m.cur = f.Screen
		return nil
	}
	m.apply(tr, c)
	if !m.enterable(tr.Target) {
		// The app does not open a screen whose requires does not hold
		// (a checkout with an empty cart): the action does nothing.
		return nil
	}
	if f != nil && f.Kind == FaultPopup {
		m.popup, m.landing = f, tr.Target
		return nil
	}
	m.cur = tr.Target
	return nil
}

// enterable: the screen's requires holds on what it would show.
func (m *Emulator) enterable(screen string) bool {
	s := m.env.App.Screen(screen)
	if s.Requires == nil {
		return true
	}
	saved := m.cur
	m.cur = screen
	o, _ := m.Screen(context.Background())
	m.cur = saved
	return Holds(s.Requires.Node, o, nil)
}

// apply makes the target show what the transition promises: its ensures
// (labels shown or checked, texts, counts), type's text, toggle's switch
// when no ensures speaks of it.
func (m *Emulator) apply(tr *Transition, c Call) {
	t := tr.Target
	switch tr.Action.Kind {
	case Type:
		f, _ := c.Args["field"].(string)
		x, _ := c.Args["text"].(string)
		m.text[f] = x
	case Toggle:
		lb, _ := c.Args["label"].(string)
		if tr.Ensures == nil || !mentionsChecked(tr.Ensures.Node, lb) {
			m.checked[t] = flip(m.checked[t], lb)
		}
	}
	if tr.Ensures != nil {
		m.ensure(t, tr.Ensures.Node, true)
	}
}

func mentionsChecked(n Node, label string) bool {
	found := false
	walk(n, func(x Node) {
		if p, ok := x.(*PredAtom); ok && p.Kind == Checked && p.Arg == label {
			found = true
		}
	})
	return found
}

func flip(set []string, l string) []string {
	if i := slices.Index(set, l); i >= 0 {
		return slices.Delete(slices.Clone(set), i, i+1)
	}
	return append(slices.Clone(set), l)
}

func setLabel(set []string, l string, on bool) []string {
	has := slices.Contains(set, l)
	switch {
	case on && !has:
		return append(slices.Clone(set), l)
	case !on && has:
		return flip(set, l)
	}
	return set
}

// ensure makes a condition hold (truth true) or fail on screen t; for a
// disjunction the first side is made to hold.
func (m *Emulator) ensure(t string, n Node, truth bool) {
	switch x := n.(type) {
	case *Unary:
		if x.Op == ltl.OpNot {
			m.ensure(t, x.X, !truth)
		}
	case *Binary:
		if (x.Op == ltl.OpAnd) == truth {
			m.ensure(t, x.L, truth)
			m.ensure(t, x.R, truth)
		} else {
			m.ensure(t, x.L, truth)
		}
	case *PredAtom:
		switch x.Kind {
		case Visible:
			m.shows[t] = setLabel(m.shows[t], x.Arg, truth)
		case Checked:
			m.checked[t] = setLabel(m.checked[t], x.Arg, truth)
		case TextOf:
			if v, ok := concrete(x.Value, nil); ok && truth && x.Cmp == ltl.CmpEq {
				if s, isStr := v.(string); isStr {
					m.text[x.Arg] = s
				}
			}
		case Count:
			v, ok := concrete(x.Value, nil)
			n, isNum, err := ltl.NumberOf(v)
			if !ok || !isNum || err != nil || !truth {
				return
			}
			want, err := strconv.Atoi(n.String())
			if err != nil {
				return
			}
			cur := m.count[x.Arg]
			switch x.Cmp {
			case ltl.CmpEq:
				cur = want
			case ltl.CmpGe:
				cur = max(cur, want)
			case ltl.CmpGt:
				cur = max(cur, want+1)
			case ltl.CmpLe:
				cur = min(cur, want)
			case ltl.CmpLt:
				cur = min(cur, want-1)
			}
			m.count[x.Arg] = cur
		}
	}
}
