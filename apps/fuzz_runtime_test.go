package apps

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/specplan/specplan"
)

// FuzzReadEnv: any input is an environment or an error list, never a
// panic; an environment drives an emulator through every action of the
// app without a panic.
func FuzzReadEnv(f *testing.F) {
	for _, name := range bundled {
		ms, _ := filepath.Glob(filepath.Join("..", "specs", "apps", name, "*.json"))
		for _, m := range ms {
			src, _ := os.ReadFile(m)
			f.Add(src)
		}
	}
	a := loadApp(f, "settings")
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ReadEnv("EMU.json", data, a, EnvLimits{MaxBytes: 1 << 16})
		if err != nil {
			if env != nil {
				t.Fatal("an environment with an error")
			}
			return
		}
		m := env.NewEmulator()
		ctx := context.Background()
		for _, s := range a.Screens {
			for _, tr := range s.Transitions {
				if c, ok := tr.Action.Call(nil); ok {
					_ = m.Do(ctx, c)
					o, _ := m.Screen(ctx)
					a.Recognize(o, nil)
				}
			}
		}
	})
}

// FuzzReadTrace: any input is a trace or an error list, never a panic; a
// trace is validated without a panic, and accepted only if it ends at the
// goal.
func FuzzReadTrace(f *testing.F) {
	for _, name := range bundled {
		for _, kind := range []string{"accepted", "rejected"} {
			ms, _ := filepath.Glob(filepath.Join("..", "specs", "apps", name, "traces", kind, "*.jsonl"))
			for _, m := range ms {
				src, _ := os.ReadFile(m)
				f.Add(src)
			}
		}
	}
	a := loadApp(f, "settings")
	g, err := CompileGoal(a, LowerOptions{}, specplan.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ReadTrace("t.jsonl", data, TraceLimits{MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		if v := g.ValidateTrace(tr); v.Accepted && tr.End != EndGoal {
			t.Fatalf("accepted a trace that ends %q", tr.End)
		}
	})
}
