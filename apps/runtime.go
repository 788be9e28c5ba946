package apps

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Chooser makes the agent's next action: one model turn (package
// apps/modelturn runs it on llama.cpp under the tracker's allowed moves).
type Chooser interface {
	Choose(ctx context.Context, t Turn) (Call, error)
}

// ChooserFunc is a function as a Chooser.
type ChooserFunc func(ctx context.Context, t Turn) (Call, error)

// Choose calls f.
func (f ChooserFunc) Choose(ctx context.Context, t Turn) (Call, error) { return f(ctx, t) }

// Turn is what a Chooser decides on: the believed screen, what the device
// shows, the moves the screen has (Available) and those that keep the goal
// reachable (Allowed, bound when the turn starts: a constrained chooser
// emits only these), and the run so far.
type Turn struct {
	App         *App
	Step        int // the action's step number, from 1
	Screen      string
	Observation Observation
	Available   []Move
	Allowed     []Move
	Trace       []TraceLine
}

// RunOptions configure Run.
type RunOptions struct {
	// Rollback: on Fail or NoChange, roll back to the last verified screen
	// before the next turn. Without it the agent goes on from the screen
	// it observes (which the tracker believes either way).
	Rollback bool
	// MaxRecoveries bounds the recoveries of a run (DefaultMaxRecoveries
	// when 0; plan run --max-recoveries): a Fail or NoChange after the
	// last one ends the run as unrecoverable. Negative: none.
	MaxRecoveries int
	// MaxSteps bounds the device actions of a run, the runtime's own
	// rollback actions included (DefaultMaxSteps when 0; --max-steps).
	MaxSteps int
	// Inputs are the $ref values.
	Inputs map[string]any
}

// Defaults of RunOptions.
const (
	DefaultMaxRecoveries = 3
	DefaultMaxSteps      = 40
)

// End is how a run ended.
type End string

const (
	EndGoal          End = "goal"
	EndUnrecoverable End = "unrecoverable"
)

// TraceLine is one action of a run: the call, what the device showed
// after it (Result; nil when the device could not perform it, Error then
// says why), and the app's fields: the step, the believed screen before
// it, the screen it was expected to lead to, the judgement, and whether
// the runtime performed it to roll back.
type TraceLine struct {
	Step     int
	Call     Call
	Result   *Observation
	Error    string
	Screen   string
	Expected string
	Outcome  Outcome
	Rollback bool
	Why      string // for NoChange and Fail (not in the trace file)
}

// Recovery is one recovery of a run.
type Recovery struct {
	Step    int    // the step whose Fail or NoChange started it
	From    string // where the device was observed ("" unrecognised)
	To      string // the last verified screen it rolled back to
	Actions []string
	Reached bool
}

// Result is a whole run.
type Result struct {
	End        End
	Screen     string // the believed screen at the end
	Steps      int
	Recoveries int
	Trace      []TraceLine
	Tried      []Recovery
	// Report says, for an unrecoverable run, where it was, what it tried
	// and why it gave up.
	Report string
	// Faults counts the steps judged Fail or NoChange.
	Faults int
}

// Run drives one run of the app on dev: each turn the chooser picks an
// action (constrained choosers: one of the tracker's allowed moves), the
// device performs it, the observation after it is recognised and judged
// (Success, NoChange, Fail) and recorded, and on Fail or NoChange with
// Rollback the runtime navigates from where the device actually is back
// to the last verified screen along the app's own actions (back first),
// performing and recording those actions itself. The run ends when the
// goal automaton accepts (EndGoal) or, with an explicit report, when no
// allowed move is left, the goal became unreachable, an observation
// matches no screen or several, the recoveries or the steps are spent
// (EndUnrecoverable). The error is for the chooser's and the device's
// failures that are not an action's outcome (a cancelled ctx, a model that
// cannot be run); the trace so far is returned with it.
func (g *Goal) Run(ctx context.Context, dev Device, ch Chooser, opts RunOptions) (*Result, error) {
	maxRec, maxSteps := opts.MaxRecoveries, opts.MaxSteps
	if maxRec == 0 {
		maxRec = DefaultMaxRecoveries
	}
	if maxRec < 0 {
		maxRec = 0
	}
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}
	r := &runner{g: g, dev: dev, opts: opts, t: g.NewTracker(), res: &Result{}, maxSteps: maxSteps}
	obs, err := dev.Screen(ctx)
	if err != nil {
		return r.res, fmt.Errorf("apps: reading the device's first screen: %w", err)
	}
	r.obs = obs
	rec := g.app.Recognize(obs, opts.Inputs)
	r.t.Believe(obs, rec)
	if !rec.Known() {
		return r.giveUp("at the start", rec.Why()), nil
	}
	start := g.app.Start
	if g.opts.Start != "" {
		start = g.opts.Start
	}
	if rec.Screen != start {
		return r.giveUp("at the start", fmt.Sprintf("the device shows %s, not the start screen %s the goal automaton starts from", rec.Screen, start)), nil
	}
	r.verified = rec.Screen
	for {
		switch {
		case r.t.Reached():
			r.res.End, r.res.Screen = EndGoal, r.t.Screen()
			return r.res, nil
		case r.res.Steps >= maxSteps:
			return r.giveUp("on "+r.where(), fmt.Sprintf("the step limit of %d actions is spent (raise it with --max-steps, apps.RunOptions.MaxSteps)", maxSteps)), nil
		case r.t.Screen() == "":
			return r.giveUp("after step "+fmt.Sprint(r.res.Steps), "the last observation was not recognised: "+r.lastWhy), nil
		case r.t.Dead():
			return r.giveUp("on "+r.where(), "no continuation of the run can satisfy the goal and rules any more"), nil
		}
		allowed := r.t.Allowed()
		if len(allowed) == 0 {
			return r.giveUp("on "+r.where(), "the screen has no action that keeps the goal reachable"), nil
		}
		turn := Turn{App: g.app, Step: r.res.Steps + 1, Screen: r.t.Screen(), Observation: r.obs, Available: r.t.Available(), Allowed: allowed, Trace: r.res.Trace}
		c, err := ch.Choose(ctx, turn)
		if errors.Is(err, ErrNoMove) {
			return r.giveUp("on "+r.where(), "the agent chose no action ("+err.Error()+")"), nil
		}
		if err != nil {
			return r.res, fmt.Errorf("apps: step %d: the agent's turn: %w", turn.Step, err)
		}
		m, known := r.t.Lookup(c)
		line, err := r.perform(ctx, c, m, known, false)
		if err != nil {
			return r.res, err
		}
		if line.Outcome == Success {
			r.verified = r.t.Screen()
			r.pending = nil
			continue
		}
		r.res.Faults++
		if !opts.Rollback {
			continue
		}
		if r.res.Recoveries >= maxRec {
			return r.giveUp("on "+r.where(), fmt.Sprintf("step %d was judged %s (%s) after all %d recoveries were spent (raise them with --max-recoveries, apps.RunOptions.MaxRecoveries)", line.Step, line.Outcome, line.Why, maxRec)), nil
		}
		r.res.Recoveries++
		if err := r.recover(ctx, line.Step); err != nil {
			return r.res, err
		}
	}
}

type runner struct {
	g        *Goal
	dev      Device
	opts     RunOptions
	t        *Tracker
	res      *Result
	obs      Observation
	verified string
	pending  *Move // the move a popup interrupted
	lastWhy  string
	maxSteps int
}

func (r *runner) where() string {
	if s := r.t.Screen(); s != "" {
		return s
	}
	return "an unrecognised screen"
}

// perform does one action on the device, judges and records it.
func (r *runner) perform(ctx context.Context, c Call, m Move, known, rollback bool) (TraceLine, error) {
	line := TraceLine{Step: r.res.Steps + 1, Call: c, Screen: r.t.Screen(), Rollback: rollback}
	expected, ensures := "", (*Formula)(nil)
	if known {
		expected, ensures = m.Target, m.Ensures
		if m.Transition == nil && r.pending != nil {
			// An overlay's dismiss: the interrupted move lands.
			expected, ensures = r.pending.Target, r.pending.Ensures
		}
	}
	line.Expected = expected
	before := r.obs
	doErr := r.dev.Do(ctx, c)
	if ctx.Err() != nil {
		return line, ctx.Err()
	}
	var after *Observation
	if doErr == nil {
		o, err := r.dev.Screen(ctx)
		if err != nil {
			return line, fmt.Errorf("apps: step %d: reading the device's screen: %w", line.Step, err)
		}
		after = &o
	}
	v := r.g.app.Judge(expected, ensures, before, after, doErr, r.opts.Inputs)
	if known && expected == "" && after != nil && v.Recognition.Known() && m.Transition == nil {
		// A dismiss with nothing interrupted: any known screen is fine.
		v.Outcome, v.Why = Success, ""
	}
	r.t.Record(c, after, v.Recognition, doErr)
	if after != nil {
		o := *after
		o.Screen = v.Recognition.Screen
		line.Result = &o
		r.obs = *after
	} else if doErr != nil {
		line.Error = doErr.Error()
	}
	line.Outcome, line.Why = v.Outcome, v.Why
	switch {
	case v.Outcome == Success:
		r.pending = nil
	case v.Recognition.Known() && r.g.app.Overlay(v.Recognition.Screen) != nil && known && m.Transition != nil:
		// A popup interrupted m: dismissing it completes m.
		mm := m
		r.pending = &mm
	}
	if !v.Recognition.Known() && after != nil {
		r.lastWhy = v.Recognition.Why()
	}
	r.res.Steps++
	r.res.Trace = append(r.res.Trace, line)
	return line, nil
}

// recover navigates from the observed screen back to the last verified
// one: a popup is dismissed first (landing where the interrupted action
// goes verifies that screen), then the shortest path of the app's own
// actions without `any` arguments (back first) that keeps the goal
// reachable, re-planned from each observation until it arrives, the steps
// run out or no path is left.
func (r *runner) recover(ctx context.Context, step int) error {
	rec := Recovery{Step: step, From: r.t.Screen(), To: r.verified}
	defer func() { r.res.Tried = append(r.res.Tried, rec) }()
	for tries := 0; tries <= 2*len(r.g.app.Screens)+2 && r.res.Steps < r.maxSteps; tries++ {
		cur := r.t.Screen()
		if cur == "" || r.t.Dead() {
			return nil
		}
		if cur == r.verified {
			rec.Reached = true
			return nil
		}
		var m Move
		if r.g.app.Overlay(cur) != nil {
			for _, x := range r.t.Available() {
				m = x
			}
		} else {
			path := r.path(cur, r.verified)
			if len(path) == 0 {
				return nil
			}
			m = path[0]
		}
		c, ok := m.Action.Call(r.opts.Inputs)
		if !ok || !r.t.live(m) && m.Transition != nil {
			return nil
		}
		rec.Actions = append(rec.Actions, c.String())
		interrupted := r.pending != nil
		line, err := r.perform(ctx, c, m, true, true)
		if err != nil {
			return err
		}
		if line.Outcome == Success && m.Transition == nil && interrupted {
			// The popup is gone and the interrupted action landed: that
			// screen is verified now.
			r.verified = r.t.Screen()
		}
	}
	return nil
}

// path is the shortest list of moves from one screen to another along the
// app's transitions that the runtime can perform (no `any` argument), back
// and home moves tried first at each screen.
func (r *runner) path(from, to string) []Move {
	type node struct {
		screen string
		prev   int
		move   Move
	}
	nodes := []node{{screen: from, prev: -1}}
	seen := map[string]bool{from: true}
	for i := 0; i < len(nodes); i++ {
		cur := nodes[i]
		if cur.screen == to {
			var out []Move
			for j := i; nodes[j].prev >= 0; j = nodes[j].prev {
				out = append([]Move{nodes[j].move}, out...)
			}
			return out
		}
		s := r.g.app.Screen(cur.screen)
		if s == nil {
			continue
		}
		var ordered []*Transition
		for _, t := range s.Transitions {
			if t.Action.Kind == Back || t.Action.Kind == Home {
				ordered = append(ordered, t)
			}
		}
		for _, t := range s.Transitions {
			if t.Action.Kind != Back && t.Action.Kind != Home {
				ordered = append(ordered, t)
			}
		}
		for _, t := range ordered {
			if seen[t.Target] || r.g.app.Screen(t.Target) == nil || t.Action.hasAny() {
				continue
			}
			if _, ok := t.Action.Call(r.opts.Inputs); !ok {
				continue
			}
			seen[t.Target] = true
			nodes = append(nodes, node{screen: t.Target, prev: i, move: Move{From: cur.screen, Action: t.Action, Target: t.Target, Ensures: t.Ensures, Transition: t}})
		}
	}
	return nil
}

// giveUp ends the run as unrecoverable with its report.
func (r *runner) giveUp(where, why string) *Result {
	r.res.End, r.res.Screen = EndUnrecoverable, r.t.Screen()
	var b strings.Builder
	fmt.Fprintf(&b, "unrecoverable %s after %d actions: %s", where, r.res.Steps, why)
	if len(r.res.Tried) > 0 {
		b.WriteString("; recoveries tried:")
		for _, t := range r.res.Tried {
			acts := "nothing to undo"
			if len(t.Actions) > 0 {
				acts = strings.Join(t.Actions, ", ")
			}
			state := "reached"
			if !t.Reached {
				state = "did not reach"
			}
			from := t.From
			if from == "" {
				from = "an unrecognised screen"
			}
			fmt.Fprintf(&b, " [step %d: from %s to %s by %s, %s it]", t.Step, from, t.To, acts, state)
		}
	}
	r.res.Report = b.String()
	return r.res
}

// ErrNoMove is what a chooser returns when it has no move to offer.
var ErrNoMove = errors.New("apps: no move to choose")
