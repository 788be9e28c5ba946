package apps

import (
	"context"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// TestReadEnvErrors: each bad environment is an ErrEnv (or a limit) at the
// line and column of what is wrong.
func TestReadEnvErrors(t *testing.T) {
	a := loadApp(t, "settings")
	for _, c := range []struct {
		name, src string
		code      ltl.Code
		line, col int
		msg       string
	}{
		{"unknown screen", "{\"screens\": {\n  \"Nowhere\": {}}}", ErrEnv, 2, 3, `screen "Nowhere" is not declared`},
		{"unknown fault kind", "{\"faults\": [\n {\"step\": 1, \"kind\": \"crash\"}]}", ErrEnv, 2, 22, `unknown fault kind "crash"`},
		{"wrong_screen to nowhere", `{"faults": [{"step": 1, "kind": "wrong_screen", "screen": "Mars"}]}`, ErrEnv, 1, 59, `screen "Mars" is not declared`},
		{"duplicate key", `{"screens": {}, "screens": {}}`, ErrEnv, 1, 17, "duplicate key"},
		{"unknown key", `{"screen": {}}`, ErrEnv, 1, 2, `unknown key "screen"`},
		{"case variant", `{"Faults": []}`, ErrEnv, 1, 2, `unknown key "Faults"`},
		{"two faults at one step", `{"faults": [{"step": 2, "kind": "nochange"}, {"step": 2, "kind": "nochange"}]}`, ErrEnv, 1, 55, "two faults at step 2"},
		{"popup without dismiss", `{"faults": [{"step": 2, "kind": "popup", "shows": ["Allow?"]}]}`, ErrEnv, 1, 13, `needs "dismiss"`},
		{"nochange with a screen", `{"faults": [{"step": 2, "kind": "nochange", "screen": "Home"}]}`, ErrEnv, 1, 55, `has no "screen"`},
		{"bad dismiss", `{"faults": [{"step": 2, "kind": "popup", "shows": ["A"], "dismiss": "tap(\"OK\")"}]}`, ErrEnv, 1, 69, "no overlay's dismiss action"},
		{"step zero", `{"faults": [{"step": 0, "kind": "nochange"}]}`, ErrEnv, 1, 22, "at least 1"},
		{"count twice", `{"screens": {"Home": {"count": {"cart": 1}}, "Network": {"count": {"cart": 2}}}}`, ErrEnv, 1, 76, "one value across screens"},
		{"not JSON", `{"screens": [}`, ErrEnv, 1, 14, "not strict JSON"},
	} {
		_, err := ReadEnv("EMU.json", []byte(c.src), a, EnvLimits{})
		list, ok := err.(ltl.ErrorList)
		if !ok || len(list) == 0 {
			t.Errorf("%s: %v, want an ErrorList", c.name, err)
			continue
		}
		e := list[0]
		if e.Code != c.code || e.Pos.Line != c.line || e.Pos.Column != c.col || !strings.Contains(e.Msg, c.msg) || e.Pos.Filename != "EMU.json" {
			t.Errorf("%s: %s [%s], want %d:%d %q [%s]", c.name, e, CodeName(e.Code), c.line, c.col, c.msg, CodeName(c.code))
		}
	}
	_, err := ReadEnv("EMU.json", []byte(`{"screens": {}}`), a, EnvLimits{MaxBytes: 4})
	if list, ok := err.(ltl.ErrorList); !ok || list[0].Code != ltl.ErrInputLimit || !strings.Contains(list[0].Msg, "--max-env-bytes") || !strings.Contains(list[0].Msg, "EnvLimits.MaxBytes") {
		t.Errorf("size limit: %v", err)
	}
}

// TestEmulatorFaults: the fault list does what it says, step by
// step, and the emulator moves along the app's transitions otherwise.
func TestEmulatorFaults(t *testing.T) {
	a := loadApp(t, "settings")
	env := loadEnv(t, a, "settings", "mixed")
	m := env.NewEmulator()
	ctx := context.Background()
	do := func(c Call) {
		t.Helper()
		if err := m.Do(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tap := func(l string) Call { return Call{Tool: "tap", Args: map[string]any{"label": l}} }
	back := Call{Tool: "back", Args: map[string]any{}}
	do(tap("Network & internet")) // 1
	do(back)                      // 2
	if m.Current() != "Home" {
		t.Fatalf("after tap, back: %s", m.Current())
	}
	do(tap("Network & internet")) // 3: nochange
	if m.Current() != "Home" {
		t.Fatalf("step 3 (nochange): %s", m.Current())
	}
	do(tap("Network & internet")) // 4
	do(tap("Internet"))           // 5: wrong_screen Devices
	if m.Current() != "Devices" {
		t.Fatalf("step 5 (wrong_screen): %s", m.Current())
	}
	do(back) // 6: popup, then the action completes on dismiss
	o, _ := m.Screen(ctx)
	if r := a.Recognize(o, nil); r.Screen != "Permission" {
		t.Fatalf("step 6 (popup): %+v", r)
	}
	do(back) // 7: dismiss
	o, _ = m.Screen(ctx)
	if r := a.Recognize(o, nil); r.Screen != "Home" {
		t.Fatalf("after the dismiss: %+v", r)
	}
	if err := m.Do(ctx, tap("Internet")); err == nil || !strings.Contains(err.Error(), `screen Home has no tap("Internet")`) {
		t.Fatalf("an action the screen lacks: %v", err)
	}
	do(tap("Network & internet"))
	do(tap("Internet"))
	do(Call{Tool: "toggle", Args: map[string]any{"label": "Wi-Fi"}})
	o, _ = m.Screen(ctx)
	if !Holds(&PredAtom{Kind: Checked, Arg: "Wi-Fi"}, o, nil) {
		t.Fatalf("toggle's ensures: %+v", o)
	}
}

// TestRecognize: a screen is recognised by its signature; none or several
// matching are reported, and a more specific signature wins over one it
// contains.
func TestRecognize(t *testing.T) {
	a := loadApp(t, "settings")
	for _, c := range []struct {
		shows []string
		want  string
		cands int
	}{
		{[]string{"Settings list", "Network & internet", "Connected devices"}, "Home", 1},
		{[]string{"Connected devices", "Pair new device"}, "Devices", 1}, // Pairing's signature is inside Devices'
		{[]string{"Pair new device"}, "Pairing", 1},
		{[]string{"Network settings"}, "", 0},                    // Network requires visible("Internet")
		{[]string{"Nothing at all"}, "", 0},                      // unknown
		{[]string{"Wi-Fi", "Allow?"}, "", 2},                     // Internet and the popup: ambiguous
		{[]string{"Network settings", "Internet"}, "Network", 1}, // requires holds
	} {
		r := a.Recognize(Observation{Shows: c.shows}, nil)
		if r.Screen != c.want || len(r.Candidates) != c.cands {
			t.Errorf("%v: %+v, want %q with %d candidates", c.shows, r, c.want, c.cands)
		}
		if !r.Known() && r.Why() == "" {
			t.Errorf("%v: unrecognised without a reason", c.shows)
		}
	}
}

// TestJudge: Success, NoChange and Fail as the doc defines them.
func TestJudge(t *testing.T) {
	a := loadApp(t, "settings")
	home := Observation{Shows: []string{"Settings list", "Network & internet", "Connected devices"}}
	network := Observation{Shows: []string{"Network settings", "Internet"}}
	devices := Observation{Shows: []string{"Connected devices", "Pair new device"}}
	off := Observation{Shows: []string{"Internet", "Wi-Fi"}}
	on := Observation{Shows: []string{"Internet", "Wi-Fi"}, Checked: []string{"Wi-Fi"}}
	ens := a.Screen("Internet").Transitions[0].Ensures
	for _, c := range []struct {
		name          string
		expected      string
		ensures       *Formula
		before, after Observation
		nilAfter      bool
		want          Outcome
	}{
		{"success", "Network", nil, home, network, false, Success},
		{"no change", "Network", nil, home, home, false, NoChange},
		{"wrong screen", "Network", nil, home, devices, false, Fail},
		{"could not", "Network", nil, home, Observation{}, true, Fail},
		{"ensures met", "Internet", ens, off, on, false, Success},
		{"ensures unmet, nothing changed", "Internet", ens, off, off, false, NoChange},
		{"ensures unmet after a change", "Internet", ens, on, off, false, Fail},
		{"popup", "Network", nil, home, Observation{Shows: []string{"Allow?"}}, false, Fail},
		{"unrecognised", "Network", nil, home, Observation{Shows: []string{"?"}}, false, Fail},
	} {
		after := &c.after
		if c.nilAfter {
			after = nil
		}
		if v := a.Judge(c.expected, c.ensures, c.before, after, nil, nil); v.Outcome != c.want || (v.Outcome != Success && v.Why == "") {
			t.Errorf("%s: %+v, want %s", c.name, v, c.want)
		}
	}
}

// TestAllowedIntersectsGoal: the tracker offers the FSM's transitions
// less those that make the goal unreachable: on messaging's Chat, tap
// Send (the rule wants a message typed before) is available but not
// allowed until type has happened.
func TestAllowedIntersectsGoal(t *testing.T) {
	a := loadApp(t, "messaging")
	g, err := CompileGoal(a, LowerOptions{}, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := loadEnv(t, a, "messaging", "clean")
	m := env.NewEmulator()
	tr := g.NewTracker()
	ctx := context.Background()
	step := func(c Call) {
		if err := m.Do(ctx, c); err != nil {
			t.Fatal(err)
		}
		o, _ := m.Screen(ctx)
		tr.Record(c, &o, a.Recognize(o, nil), nil)
	}
	keys := func(ms []Move) string {
		var s []string
		for _, x := range ms {
			s = append(s, x.Key())
		}
		return strings.Join(s, " ")
	}
	step(Call{Tool: "tap", Args: map[string]any{"label": "Alice"}})
	if tr.Screen() != "Chat" {
		t.Fatalf("believed %s", tr.Screen())
	}
	send := `tap("Send")`
	if av, al := keys(tr.Available()), keys(tr.Allowed()); !strings.Contains(av, send) || strings.Contains(al, send) {
		t.Fatalf("before typing: available %s, allowed %s", av, al)
	}
	step(Call{Tool: "type", Args: map[string]any{"field": "message", "text": "On my way"}})
	if al := keys(tr.Allowed()); !strings.Contains(al, send) {
		t.Fatalf("after typing: allowed %s", al)
	}
	step(Call{Tool: "tap", Args: map[string]any{"label": "Send"}})
	if !tr.Reached() {
		t.Fatalf("the goal is not reached after sending")
	}
}

// TestRollbackAndGiveUp: after a wrong screen the runtime navigates from
// where the device is back to the last verified screen, recording its own
// actions; with no recoveries left it stops with a report saying where,
// what was tried and why.
func TestRollbackAndGiveUp(t *testing.T) {
	a := loadApp(t, "settings")
	g, err := CompileGoal(a, LowerOptions{}, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := loadEnv(t, a, "settings", "wrong_screen")
	path := []Call{
		{Tool: "tap", Args: map[string]any{"label": "Network & internet"}},
		{Tool: "tap", Args: map[string]any{"label": "Internet"}},
		{Tool: "toggle", Args: map[string]any{"label": "Wi-Fi"}},
	}
	// A chooser that walks the shortest path from where it believes it is.
	walk := ChooserFunc(func(ctx context.Context, t Turn) (Call, error) {
		next := map[string]Call{"Home": path[0], "Network": path[1], "Internet": path[2]}
		for _, m := range t.Allowed {
			if m.Action.Matches(next[t.Screen], nil) {
				return next[t.Screen], nil
			}
		}
		return Call{}, ErrNoMove
	})
	res, err := g.Run(context.Background(), env.NewEmulator(), walk, RunOptions{Rollback: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.End != EndGoal || res.Recoveries != 1 || len(res.Trace) != 5 {
		t.Fatalf("%+v", res)
	}
	if l := res.Trace[1]; !l.Rollback || l.Call.Tool != "back" || l.Screen != "Devices" || l.Expected != "Home" || l.Outcome != Success {
		t.Fatalf("the rollback step: %+v", l)
	}
	res, err = g.Run(context.Background(), env.NewEmulator(), walk, RunOptions{Rollback: true, MaxRecoveries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.End != EndUnrecoverable || !strings.Contains(res.Report, "unrecoverable on Devices after 1 actions") || !strings.Contains(res.Report, "recoveries were spent") || !strings.Contains(res.Report, "--max-recoveries") {
		t.Fatalf("%+v", res)
	}
}
