package apps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

func parseFile(t *testing.T, path string) *App {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(filepath.Base(path), src, Options{})
	if err != nil {
		t.Fatalf("%s:\n%s", path, err.(ltl.ErrorList).Format(src))
	}
	return a
}

// Every bundled app lowers to a spec ltl.Parse reads back and specplan
// compiles to a non-empty automaton, in both observation modes.
func TestLowerParsesAndCompiles(t *testing.T) {
	files, _ := filepath.Glob("../specs/*.app")
	if len(files) < 3 {
		t.Fatalf("want at least 3 bundled apps, found %v", files)
	}
	for _, f := range files {
		a := parseFile(t, f)
		for _, lo := range []LowerOptions{{}, {Observations: ObserveAnyScreen}, {ClosedWorld: true, FaultFree: true}} {
			text, err := lo.Lower(a)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if _, err := ltl.Parse("lowered.ltl", []byte(text), ltl.Options{MaxSpecBytes: len(text) + 1, MaxInputBytes: int64(len(text) + 1)}); err != nil {
				t.Fatalf("%s %+v: the lowered text does not parse: %v", f, lo, err)
			}
			spec, err := Compile(a, lo, specplan.Options{})
			if err != nil {
				t.Fatalf("%s %+v: %v", f, lo, err)
			}
			if spec.DFA().IsEmpty() {
				t.Errorf("%s %+v: the lowered spec accepts nothing", f, lo)
			}
		}
	}
}

// ev is an action event of the settings app with its observation.
func ev(tool string, args map[string]any, screen string, shows, checked []string) ltl.Event {
	if args == nil {
		args = map[string]any{}
	}
	return ltl.Event{Tool: tool, Args: args, Outcome: ltl.Returned, Result: ResultOf(Observation{Screen: screen, Shows: shows, Checked: checked})}
}

func tap(label, screen string, shows, checked []string) ltl.Event {
	return ev("tap", map[string]any{"label": label}, screen, shows, checked)
}

func settings(t *testing.T, lo LowerOptions) (*App, *specplan.Spec) {
	a := parseFile(t, "../specs/settings.app")
	spec, err := Compile(a, lo, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a, spec
}

// The shortest witnesses reach the goal by the app's own transitions:
// every action is one of the believed screen's, and the last observation
// is Internet with Wi-Fi checked. The default (ObserveExpected) spec
// accepts each of them.
func TestWitnessesReachTheGoal(t *testing.T) {
	a, spec := settings(t, LowerOptions{})
	ws, err := Witnesses(a, 5, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) == 0 {
		t.Fatal("no witness")
	}
	var first []string
	for _, e := range ws[0] {
		first = append(first, e.Tool+" "+labelOf(e))
	}
	if got, want := strings.Join(first, ", "), "tap Network & internet, tap Internet, toggle Wi-Fi"; got != want {
		t.Errorf("shortest witness = %s, want %s", got, want)
	}
	screens := map[string]*Screen{}
	for _, s := range a.Screens {
		screens[s.Name] = s
	}
	for i, w := range ws {
		if v := spec.Validate(w); !v.Accepted {
			t.Errorf("witness %d rejected by the lowered spec: %+v", i, v.Violation)
		}
		believed := a.Start
		for j, e := range w {
			found := false
			for _, tr := range screens[believed].Transitions {
				if matches(tr.Action, e) {
					found = true
				}
			}
			if !found {
				t.Errorf("witness %d event %d: %s is no action of the believed screen %s", i, j, e.Tool, believed)
			}
			believed = e.Result.(map[string]any)["screen"].(string)
		}
		reached := false
		for _, e := range w {
			r := e.Result.(map[string]any)
			reached = reached || r["screen"] == "Internet" && strings.Contains(r["checked"].(string), "\nWi-Fi\n")
		}
		if !reached {
			t.Errorf("witness %d never observes the goal: %v", i, w)
		}
	}
}

func labelOf(e ltl.Event) string {
	if l, ok := e.Args["label"].(string); ok {
		return l
	}
	return ""
}

var (
	netShows = []string{"Internet", "Mobile network"}
	wifiOn   = []string{"Wi-Fi"}
)

// What the lowered spec accepts and rejects, each case named by why.
func TestLoweredSemantics(t *testing.T) {
	_, expected := settings(t, LowerOptions{})
	_, anyScreen := settings(t, LowerOptions{Observations: ObserveAnyScreen})
	toNetwork := tap("Network & internet", "Network", netShows, nil)
	toInternet := tap("Internet", "Internet", nil, nil)
	toggleOn := ev("toggle", map[string]any{"label": "Wi-Fi"}, "Internet", nil, wifiOn)
	failed := ltl.Event{Tool: "tap", Args: map[string]any{"label": "Network & internet"}, Outcome: ltl.Failed, Error: "device busy"}
	cases := []struct {
		name      string
		trace     []ltl.Event
		want, any bool
	}{
		{"the witness path", []ltl.Event{toNetwork, toInternet, toggleOn}, true, true},
		{"an action not on the believed screen", []ltl.Event{tap("Internet", "Internet", nil, nil), toggleOn}, false, false},
		{"no change, then the action again", []ltl.Event{tap("Network & internet", "Home", nil, nil), toNetwork, toInternet, toggleOn}, true, true},
		{"a failed call changes nothing", []ltl.Event{failed, toNetwork, toInternet, toggleOn}, true, true},
		{"a popup dismissed back to the target", []ltl.Event{tap("Network & internet", "Permission", []string{"Allow?"}, nil), ev("back", nil, "Network", netShows, nil), toInternet, toggleOn}, true, true},
		{"a popup dismissed to another screen", []ltl.Event{tap("Network & internet", "Permission", []string{"Allow?"}, nil), ev("back", nil, "Devices", nil, nil), tap("Pair new device", "Pairing", nil, nil)}, false, false},
		{"a wrong but known screen", []ltl.Event{tap("Network & internet", "Devices", nil, nil), ev("back", nil, "Home", nil, nil), toNetwork, toInternet, toggleOn}, false, true},
		{"a screen not recognised by its requires", []ltl.Event{tap("Network & internet", "Network", nil, nil), toInternet, toggleOn}, false, false},
		{"an unknown screen", []ltl.Event{tap("Network & internet", "Bluetooth", nil, nil)}, false, false},
		{"an unmet post-condition", []ltl.Event{toNetwork, toInternet, ev("toggle", map[string]any{"label": "Wi-Fi"}, "Internet", nil, nil), toggleOn}, false, true},
		{"the goal not reached", []ltl.Event{toNetwork, toInternet}, false, false},
		{"a call without outcome", []ltl.Event{{Tool: "tap", Args: map[string]any{"label": "Network & internet"}}, toNetwork, toInternet, toggleOn}, false, false},
	}
	for _, c := range cases {
		if got := expected.Validate(c.trace).Accepted; got != c.want {
			t.Errorf("%s: ObserveExpected accepted = %v, want %v", c.name, got, c.want)
		}
		if got := anyScreen.Validate(c.trace).Accepted; got != c.any {
			t.Errorf("%s: ObserveAnyScreen accepted = %v, want %v", c.name, got, c.any)
		}
		// The automaton and the reference evaluator agree.
		if got := ltl.Eval(expected.Source().Formula(), c.trace); got != c.want {
			t.Errorf("%s: ltl.Eval = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestLowerInputs(t *testing.T) {
	src := []byte(`app m start Chat
screen Chat { type(message, $msg.text) -> Chat }
goal F type(message, any)`)
	a, err := Parse("m.app", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lower(a); err == nil || err.(ltl.ErrorList)[0].Code != ErrLower {
		t.Fatalf("a reference with no input: got %v, want ErrLower", err)
	}
	text, err := LowerOptions{Inputs: map[string]any{"msg": map[string]any{"text": "hi"}}}.Lower(a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, `type(field == "message", text == "hi")`) {
		t.Errorf("the input is not lowered as a literal:\n%s", text)
	}
}
