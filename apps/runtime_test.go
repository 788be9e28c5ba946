package apps

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/specplan/specplan"
)

func loadApp(t testing.TB, name string) *App {
	t.Helper()
	path := filepath.Join("..", "specs", name+".app")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse(path, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func loadEnv(t testing.TB, a *App, app, env string) *Env {
	t.Helper()
	path := filepath.Join("..", "specs", "apps", app, env+".json")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ReadEnv(path, src, a, EnvLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var bundled = []string{"settings", "shopping", "messaging"}
var scenarios = []string{"clean", "nochange", "wrong_screen", "popup", "mixed"}

// randomChooser picks uniformly among the allowed moves, as a constrained
// model with noise for weights does; `any` texts are "x".
func randomChooser(rng *rand.Rand) Chooser {
	return ChooserFunc(func(ctx context.Context, t Turn) (Call, error) {
		m := t.Allowed[rng.Intn(len(t.Allowed))]
		c, ok := m.Action.Call(nil)
		if !ok {
			args := map[string]any{}
			for i, p := range m.Action.Params {
				if v, ok := concrete(m.Action.Args[i], nil); ok {
					args[p] = v
				} else {
					args[p] = "x"
				}
			}
			c = Call{Tool: m.Action.Name, Args: args}
		}
		return c, nil
	})
}

// TestRunEndsAtGoalOrReports: seeded runs over every scenario of every
// bundled app end at the goal or with an unrecoverable report; every
// action is one of the screen the tracker believed; a trace written and
// read back is the same and validates exactly when it reached the goal.
func TestRunEndsAtGoalOrReports(t *testing.T) {
	for _, name := range bundled {
		a := loadApp(t, name)
		g, err := CompileGoal(a, LowerOptions{}, specplan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		goals := 0
		for _, sc := range scenarios {
			env := loadEnv(t, a, name, sc)
			for seed := int64(1); seed <= 20; seed++ {
				for _, rollback := range []bool{true, false} {
					res, err := g.Run(context.Background(), env.NewEmulator(), randomChooser(rand.New(rand.NewSource(seed))), RunOptions{Rollback: rollback})
					if err != nil {
						t.Fatalf("%s/%s seed %d: %v", name, sc, seed, err)
					}
					if res.End == EndGoal {
						goals++
					} else if res.End != EndUnrecoverable || res.Report == "" {
						t.Fatalf("%s/%s seed %d: end %q, report %q", name, sc, seed, res.End, res.Report)
					}
					replay := g.NewTracker()
					for _, l := range res.Trace {
						if replay.Screen() != l.Screen {
							t.Fatalf("%s/%s seed %d step %d: believed %q, line says %q", name, sc, seed, l.Step, replay.Screen(), l.Screen)
						}
						if _, ok := replay.Lookup(l.Call); !ok {
							t.Fatalf("%s/%s seed %d step %d: %s is no action of %s", name, sc, seed, l.Step, l.Call, l.Screen)
						}
						rec := a.Recognize(derefObs(l.Result), nil)
						replay.Record(l.Call, l.Result, rec, nil)
					}
					var buf bytes.Buffer
					if err := WriteTrace(&buf, res); err != nil {
						t.Fatal(err)
					}
					tr, err := ReadTrace("run.jsonl", buf.Bytes(), TraceLimits{})
					if err != nil {
						t.Fatalf("%s/%s seed %d: reading the trace back: %v\n%s", name, sc, seed, err, buf.String())
					}
					if !reflect.DeepEqual(stripWhy(tr.Lines), stripWhy(res.Trace)) && len(res.Trace) > 0 {
						t.Fatalf("%s/%s seed %d: the trace reads back differently", name, sc, seed)
					}
					v := g.ValidateTrace(tr)
					if v.Accepted != (res.End == EndGoal) {
						t.Fatalf("%s/%s seed %d rollback %v: end %s but validate says %+v\n%s", name, sc, seed, rollback, res.End, v, buf.String())
					}
					if res.End == EndUnrecoverable && !strings.Contains(v.Reason, "unrecoverable") {
						t.Fatalf("%s/%s seed %d: rejected for %q", name, sc, seed, v.Reason)
					}
				}
			}
		}
		if goals == 0 {
			t.Errorf("%s: no run reached the goal", name)
		}
	}
}

func derefObs(o *Observation) Observation {
	if o == nil {
		return Observation{}
	}
	return *o
}

func stripWhy(ls []TraceLine) []TraceLine {
	out := make([]TraceLine, len(ls))
	for i, l := range ls {
		l.Why = ""
		if l.Result != nil {
			o := *l.Result
			if o.Shows == nil {
				o.Shows = []string{}
			}
			if o.Checked == nil {
				o.Checked = []string{}
			}
			if o.Text == nil {
				o.Text = map[string]string{}
			}
			if o.Count == nil {
				o.Count = map[string]int{}
			}
			l.Result = &o
		}
		if l.Call.Args == nil {
			l.Call.Args = map[string]any{}
		}
		out[i] = l
	}
	return out
}
