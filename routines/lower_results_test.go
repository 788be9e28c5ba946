package routines

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// TestLowerResultsMatchRuns is TestLowerMatchesRuns for what needs issue
// 9's syntax: branches decided by results (`$r.ok == true`, `$r.n > 1`,
// `$r.n in [..]`, `$r failed`, `$r succeeded`, not/and/or), arguments
// forced to captured result fields (`v: $r.n`), optional steps, choices
// and repeats over them. The reference is an interpreter of the AST that
// reads a trace with its results (a backtracking matcher: optional,
// choice and repeat are the model's choices, conditions are decided on
// the latest result of the step they name, fail-closed). For each random
// routine that Check and Lower accept, traces simulated from the routine
// (accepted by construction), mutations of them and random traces are
// judged by the reference, by ltl.Eval on the lowered spec and by the
// compiled automaton (routines.Compile, then Validate); all three must
// agree.
func TestLowerResultsMatchRuns(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	tested, accepted := 0, 0
	for iter := 0; iter < 160; iter++ {
		g := &resultGen{rng: rng}
		src := g.routine()
		r, err := Parse("gen.routine", []byte(src))
		if err != nil {
			t.Fatalf("generated routine does not parse: %v\n%s", err, src)
		}
		if Check(r, nil) != nil || CheckLowering(r, 0) != nil {
			continue // a reference not defined on every path, an unreachable arm, …
		}
		text, err := Lower(r)
		if err != nil {
			t.Fatalf("Lower after CheckLowering: %v\n%s", err, src)
		}
		ls, err := ltl.Parse("lowered.ltl", []byte(text), ltl.Options{})
		if err != nil {
			t.Fatalf("lowered spec does not parse: %v\n%s\n%s", err, src, text)
		}
		spec, err := Compile(r, map[string]any{}, nil, specplan.Options{})
		if err != nil {
			t.Fatalf("Compile: %v\n%s", err, src)
		}
		tested++
		var traces [][]ltl.Event
		for k := 0; k < 30; k++ {
			if tr := g.simulate(r.Steps); len(tr) > 0 {
				traces = append(traces, tr, g.mutate(tr))
			}
		}
		for k := 0; k < 60; k++ {
			traces = append(traces, g.randomTrace())
		}
		for _, tr := range traces {
			want := refAccepts(r.Steps, tr)
			if want {
				accepted++
			}
			if got := ltl.Eval(ls.Formula(), tr); got != want {
				t.Fatalf("trace %s: ltl.Eval on the lowered spec says %v, the routine says %v\n%s\n%s", resultTraceKey(tr), got, want, src, text)
			}
			if v := spec.Validate(tr); v.Accepted != want {
				t.Fatalf("trace %s: the compiled automaton says %v, the routine says %v (%+v)\n%s\n%s", resultTraceKey(tr), v.Accepted, want, v.Violation, src, text)
			}
		}
	}
	t.Logf("%d routines, %d accepted traces", tested, accepted)
	if tested < 100 || accepted < 1000 {
		t.Fatalf("only %d routines tested, %d traces accepted: the generator drifted", tested, accepted)
	}
}

// resultGen writes random routines whose every call has its own tool
// (t1, t2, …) and result (r1, r2, …), so that each result may be read.
type resultGen struct {
	rng   *rand.Rand
	n     int
	depth int
	tools []string
	refd  map[string]bool // tools whose call forces v: $r.n
}

func (g *resultGen) routine() string {
	var b strings.Builder
	b.WriteString("routine gen\n")
	g.refd = map[string]bool{}
	g.block(&b, "", nil, 1+g.rng.Intn(4))
	return b.String()
}

func (g *resultGen) block(b *strings.Builder, parent string, avail []string, n int) []string {
	for i := 1; i <= n; i++ {
		if i > 1 && g.rng.Intn(10) == 0 {
			b.WriteString("end\n")
			return avail
		}
		num := fmt.Sprint(i)
		if parent != "" {
			num = parent + "." + num
		} else {
			num += "."
		}
		avail = g.step(b, num, avail)
	}
	return avail
}

func (g *resultGen) cond(avail []string) string {
	r := avail[g.rng.Intn(len(avail))]
	atoms := []string{"$" + r + ".ok == true", "$" + r + ".n > 1", "$" + r + " failed", "$" + r + " succeeded", "$" + r + ".n in [0, 2]", "not ($" + r + ".ok == true)"}
	c := atoms[g.rng.Intn(len(atoms))]
	switch g.rng.Intn(4) {
	case 0:
		c += " and " + g.cond(avail)
	case 1:
		c += " or " + g.cond(avail)
	}
	return c
}

func (g *resultGen) step(b *strings.Builder, num string, avail []string) []string {
	kind := g.rng.Intn(8)
	if g.depth >= 2 || len(avail) == 0 {
		kind = g.rng.Intn(4)
	}
	opt := ""
	if g.rng.Intn(5) == 0 {
		opt = "optional "
	}
	switch kind {
	case 0:
		fmt.Fprintf(b, "%s %s-> answer\n", num, opt)
		return avail
	case 1, 2, 3:
		g.n++
		tool, res := fmt.Sprintf("t%d", g.n), fmt.Sprintf("r%d", g.n)
		g.tools = append(g.tools, tool)
		args := ""
		switch {
		case len(avail) > 0 && g.rng.Intn(2) == 0:
			args = "v: $" + avail[g.rng.Intn(len(avail))] + ".n"
			g.refd[tool] = true
		case g.rng.Intn(2) == 0:
			args = "v: 1"
			g.refd[tool] = true
		}
		fmt.Fprintf(b, "%s %s-> %s(%s) as %s\n", num, opt, tool, args, res)
		if opt == "" {
			return append(append([]string(nil), avail...), res)
		}
		return avail
	}
	g.depth++
	defer func() { g.depth-- }()
	parent := strings.TrimSuffix(num, ".")
	sub := 0
	body := func() {
		b.WriteString("{\n")
		k := g.rng.Intn(3)
		inner := avail
		for i := 0; i < k; i++ {
			sub++
			inner = g.step(b, fmt.Sprintf("%s.%d", parent, sub), inner)
		}
		b.WriteString("}")
	}
	switch kind {
	case 4, 5:
		fmt.Fprintf(b, "%s if %s ", num, g.cond(avail))
		body()
		if g.rng.Intn(2) == 0 {
			fmt.Fprintf(b, " else if %s ", g.cond(avail))
			body()
		}
		if g.rng.Intn(2) == 0 {
			b.WriteString(" else ")
			body()
		}
	case 6:
		fmt.Fprintf(b, "%s choice ", num)
		body()
		b.WriteString(" or ")
		body()
	case 7:
		fmt.Fprintf(b, "%s repeat ", num)
		body()
		fmt.Fprintf(b, " until %s max %d", g.cond(avail), 1+g.rng.Intn(3))
	}
	b.WriteByte('\n')
	return avail
}

// outcome is a random outcome of a call: a failure, or a result with
// both fields every condition reads.
func (g *resultGen) outcome(ev *ltl.Event) {
	if g.rng.Intn(4) == 0 {
		ev.Outcome, ev.Error = ltl.Failed, "boom"
		return
	}
	ev.Outcome, ev.Result = ltl.Returned, map[string]any{"ok": g.rng.Intn(2) == 0, "n": g.rng.Intn(3)}
}

// simulate walks the routine as a run would, with random choices and
// results, writing the events a compliant model writes; nil when the
// run reaches a step whose forced value does not exist (a reference to
// a failed result).
func (g *resultGen) simulate(steps []*Step) []ltl.Event {
	var tr []ltl.Event
	env := map[string]*ltl.Event{}
	ok, _ := g.simBlock(steps, &tr, env)
	if !ok {
		return nil
	}
	return tr
}

// simBlock returns (possible, ended).
func (g *resultGen) simBlock(steps []*Step, tr *[]ltl.Event, env map[string]*ltl.Event) (bool, bool) {
	for _, s := range steps {
		switch s.Kind {
		case StepEnd:
			return true, true
		case StepAct, StepCall:
			if s.Optional && g.rng.Intn(2) == 0 {
				continue
			}
			ev := ltl.Event{Step: s.Name}
			if s.Kind == StepCall {
				ev = ltl.Event{Tool: s.Name}
				for _, a := range s.Args {
					v, ok := refArg(a, env)
					if !ok {
						return false, false
					}
					ev.Args = map[string]any{a.Name: v}
				}
				g.outcome(&ev)
			}
			*tr = append(*tr, ev)
			if s.Result != "" {
				c := ev // a copy: the trace's slice may move
				env[s.Result] = &c
			}
		case StepIf:
			body := []*Step(nil)
			taken := false
			for _, arm := range s.Arms {
				if refCondEnv(arm.Cond, env) {
					body, taken = arm.Body, true
					break
				}
			}
			if !taken && s.Else != nil {
				body = s.Else.Body
			}
			if ok, ended := g.simBlock(body, tr, env); !ok || ended {
				return ok, ended
			}
		case StepChoice:
			arm := s.Arms[g.rng.Intn(len(s.Arms))]
			if ok, ended := g.simBlock(arm.Body, tr, env); !ok || ended {
				return ok, ended
			}
		case StepRepeat:
			for k := 1; k <= s.Max; k++ {
				if ok, ended := g.simBlock(s.Body, tr, env); !ok || ended {
					return ok, ended
				}
				if refCondEnv(s.Until, env) {
					break
				}
			}
		}
	}
	return true, false
}

// mutate changes one event of a trace: an argument, a result, an outcome,
// or drops it.
func (g *resultGen) mutate(tr []ltl.Event) []ltl.Event {
	out := append([]ltl.Event(nil), tr...)
	i := g.rng.Intn(len(out))
	ev := out[i]
	switch g.rng.Intn(4) {
	case 0:
		if ev.Tool != "" {
			ev.Args = map[string]any{"v": g.rng.Intn(3)}
		}
	case 1:
		if ev.Tool != "" {
			g.outcome(&ev)
		}
	case 2:
		return append(out[:i:i], out[i+1:]...)
	default:
		ev = g.randomEvent()
	}
	out[i] = ev
	return out
}

func (g *resultGen) randomEvent() ltl.Event {
	if len(g.tools) == 0 || g.rng.Intn(5) == 0 {
		return ltl.Event{Step: "answer"}
	}
	ev := ltl.Event{Tool: g.tools[g.rng.Intn(len(g.tools))]}
	if g.refd[ev.Tool] {
		ev.Args = map[string]any{"v": g.rng.Intn(3)}
	}
	g.outcome(&ev)
	return ev
}

func (g *resultGen) randomTrace() []ltl.Event {
	tr := make([]ltl.Event, 1+g.rng.Intn(6))
	for i := range tr {
		tr[i] = g.randomEvent()
	}
	return tr
}

// refArg is the value a forced argument must have, false when none does
// (a reference to a result that failed, or lacks the field).
func refArg(a *Arg, env map[string]*ltl.Event) (any, bool) {
	switch a.Kind {
	case ArgLiteral:
		var n int
		fmt.Sscan(a.Value.JSON, &n)
		return n, true
	case ArgRef:
		ev := env[a.Ref.Name]
		if ev == nil || ev.Outcome != ltl.Returned {
			return nil, false
		}
		v, ok := ev.Result.(map[string]any)[a.Ref.Path[0]]
		return v, ok
	}
	return nil, true
}

// refCondEnv decides a condition on the latest results, fail-closed.
func refCondEnv(c *Cond, env map[string]*ltl.Event) bool {
	switch c.Op {
	case CondNot:
		return !refCondEnv(c.X, env)
	case CondAnd:
		return refCondEnv(c.X, env) && refCondEnv(c.Y, env)
	case CondOr:
		return refCondEnv(c.X, env) || refCondEnv(c.Y, env)
	}
	a := c.Atom
	ev := env[a.Ref.Name]
	if ev == nil {
		return false
	}
	switch a.Pred {
	case "failed":
		return ev.Outcome == ltl.Failed
	case "succeeded":
		return ev.Outcome != ltl.Failed
	}
	if ev.Outcome != ltl.Returned {
		return false
	}
	v := ev.Result.(map[string]any)[a.Ref.Path[0]]
	switch a.Pred {
	case "==":
		return fmt.Sprint(v) == a.Value.JSON
	case ">":
		var lim int
		fmt.Sscan(a.Value.JSON, &lim)
		n, ok := v.(int)
		return ok && n > lim
	case "in":
		for _, x := range a.List {
			if fmt.Sprint(v) == x.JSON {
				return true
			}
		}
	}
	return false
}

// refAccepts says whether the trace is a run of the routine: a
// backtracking match over the AST, each call matched with its tool,
// forced arguments and (for later conditions) its result.
func refAccepts(steps []*Step, tr []ltl.Event) bool {
	return len(tr) > 0 && refMatch(steps, tr, 0, map[string]*ltl.Event{}, func(pos int, ended bool, _ map[string]*ltl.Event) bool {
		return pos == len(tr)
	})
}

type refCont func(pos int, ended bool, env map[string]*ltl.Event) bool

func withResult(env map[string]*ltl.Event, name string, ev *ltl.Event) map[string]*ltl.Event {
	out := make(map[string]*ltl.Event, len(env)+1)
	for k, v := range env {
		out[k] = v
	}
	out[name] = ev
	return out
}

func refMatch(steps []*Step, tr []ltl.Event, pos int, env map[string]*ltl.Event, k refCont) bool {
	if len(steps) == 0 {
		return k(pos, false, env)
	}
	s, rest := steps[0], steps[1:]
	next := func(pos int, ended bool, env map[string]*ltl.Event) bool {
		if ended {
			return k(pos, true, env)
		}
		return refMatch(rest, tr, pos, env, k)
	}
	switch s.Kind {
	case StepEnd:
		return k(pos, true, env)
	case StepAct, StepCall:
		if s.Optional && next(pos, false, env) {
			return true
		}
		if pos >= len(tr) {
			return false
		}
		ev := tr[pos]
		if s.Kind == StepAct {
			return ev.Tool == "" && ev.Step == s.Name && next(pos+1, false, env)
		}
		if ev.Tool != s.Name {
			return false
		}
		for _, a := range s.Args {
			want, ok := refArg(a, env)
			if !ok || fmt.Sprint(ev.Args[a.Name]) != fmt.Sprint(want) {
				return false
			}
			if _, isInt := ev.Args[a.Name].(int); !isInt {
				return false
			}
		}
		if s.Result != "" {
			env = withResult(env, s.Result, &tr[pos])
		}
		return next(pos+1, false, env)
	case StepIf:
		for _, arm := range s.Arms {
			if refCondEnv(arm.Cond, env) {
				return refMatch(arm.Body, tr, pos, env, next)
			}
		}
		if s.Else != nil {
			return refMatch(s.Else.Body, tr, pos, env, next)
		}
		return next(pos, false, env)
	case StepChoice:
		for _, arm := range s.Arms {
			if refMatch(arm.Body, tr, pos, env, next) {
				return true
			}
		}
		return false
	case StepRepeat:
		var iter func(k int, pos int, env map[string]*ltl.Event) bool
		iter = func(n int, pos int, env map[string]*ltl.Event) bool {
			return refMatch(s.Body, tr, pos, env, func(pos int, ended bool, env map[string]*ltl.Event) bool {
				if ended || n == s.Max || refCondEnv(s.Until, env) {
					return next(pos, ended, env)
				}
				return iter(n+1, pos, env)
			})
		}
		return iter(1, pos, env)
	}
	return false
}

func resultTraceKey(tr []ltl.Event) string {
	parts := make([]string, len(tr))
	for i, e := range tr {
		if e.Tool == "" {
			parts[i] = e.Step
			continue
		}
		out := fmt.Sprint(e.Result)
		if e.Outcome == ltl.Failed {
			out = "fails"
		}
		parts[i] = fmt.Sprintf("%s(%v)->%s", e.Tool, e.Args, out)
	}
	return strings.Join(parts, " ")
}
