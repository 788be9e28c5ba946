package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/agent"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/routines"
)

// seededRuns is how many seeded runs TestSeededRuns makes per routine
// (spread over its environments): SPECPLAN_ROUTINE_RUNS, default 100 (a
// campaign of thousands: SPECPLAN_ROUTINE_RUNS=5000).
func seededRuns(t *testing.T) int {
	n := 100
	if s := os.Getenv("SPECPLAN_ROUTINE_RUNS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			t.Fatalf("SPECPLAN_ROUTINE_RUNS=%q: want a positive number of runs", s)
		}
		n = v
	}
	return n
}

// seededCase is one spec with one scripted environment.
type seededCase struct {
	name   string
	runs   int
	seed0  int64
	spec   func(t *testing.T) (*specplan.Spec, *runnable)
	env    string
	prompt string
}

// TestSeededRuns: on the real llama.cpp backend with the default tiny
// model (random weights: the constraint alone makes the runs valid), every
// one of SPECPLAN_ROUTINE_RUNS seeded agent runs per routine (over its
// scripted environments; routines run with decoder.IndexOptions.TrustBindings,
// which the agent turns on for them) and per result-reading .ltl policy is
// accepted by the independent checker (each model turn parsed on its own,
// ltl.Eval on the events with their results), and in every routine run
// every forced parameter equals the value it references (checked against
// the routine itself, apart from the lowering). It logs the time taken.
func TestSeededRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("seeded runs: not in -short")
	}
	path, err := tinymodel.EnsureDefault()
	if err != nil {
		t.Fatal(err)
	}
	model, err := llama.Load(path, llama.Options{ContextSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	runs := seededRuns(t)
	var cases []seededCase
	routineFiles, _ := filepath.Glob("../../specs/routines/*.routine")
	for _, rf := range routineFiles {
		name := strings.TrimSuffix(filepath.Base(rf), ".routine")
		envs, _ := filepath.Glob(filepath.Join(filepath.Dir(rf), name+".*.env.json"))
		// The routine's runs are spread over its environments, each with
		// seeds of its own.
		per := (runs + len(envs) - 1) / max(1, len(envs))
		for k, env := range envs {
			rf := rf
			cases = append(cases, seededCase{name: name + "/" + filepath.Base(env), runs: per, seed0: int64(k * per), env: env, spec: func(t *testing.T) (*specplan.Spec, *runnable) {
				return compileRoutine(t, rf, filepath.Join(filepath.Dir(rf), "testdata", name, "inputs.json"))
			}})
		}
	}
	if len(cases) == 0 {
		t.Fatal("no routine with an environment under specs/routines")
	}
	for _, p := range []string{"hr_accounts", "travel_booking", "coding_agent"} {
		p := p
		// The .ltl policies, beyond the routines, get a fifth of
		// the runs (coding_agent's free paths and patterns make its masks
		// the slowest to compute).
		cases = append(cases, seededCase{name: p, runs: max(1, runs/5), env: "testdata/agent/" + p + ".env.json", spec: func(t *testing.T) (*specplan.Spec, *runnable) {
			s, err := specplan.CompileFile("../../specs/"+p+".ltl", specplan.Options{Catalog: loadCatalog(t, "../../specs/"+p+".tools.json")})
			if err != nil {
				t.Fatal(err)
			}
			return s, &runnable{spec: s}
		}})
	}
	start := time.Now()
	total := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, rn := c.spec(t)
			data, err := os.ReadFile(c.env)
			if err != nil {
				t.Fatal(err)
			}
			script, err := agent.ReadScript(c.env, data, agent.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			a, err := agent.New(spec, model, agent.Options{CallTimeout: 10 * time.Second})
			if err == nil {
				err = a.Prepare("")
			}
			if err != nil {
				t.Fatal(err)
			}
			forcedChecked := 0
			for seed := c.seed0; seed < c.seed0+int64(c.runs); seed++ {
				res, err := a.WithSeed(seed).Run(context.Background(), script, "")
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				total++
				if !res.Accepted {
					evs, _ := json.Marshal(res.Events)
					t.Fatalf("seed %d: the independent checker rejects the run: %s\n%s", seed, res.Violation, evs)
				}
				if rn.forced != nil {
					n, ok := rn.forced(res.Events)
					if !ok {
						evs, _ := json.Marshal(res.Events)
						t.Fatalf("seed %d: a forced parameter differs from the value it references: %s", seed, evs)
					}
					forcedChecked += n
				}
			}
			if rn.forced != nil && forcedChecked == 0 {
				t.Errorf("no forced parameter was checked in %d runs", c.runs)
			}
		})
	}
	t.Logf("%d seeded runs in %s", total, time.Since(start).Round(time.Millisecond))
}

// compileRoutine compiles a routine with the inputs in inputsFile, and
// its forced-parameter check.
func compileRoutine(t *testing.T, path, inputsFile string) (*specplan.Spec, *runnable) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := routines.Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := routines.ResolveCatalog(r, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var inputs map[string]any
	data, err := os.ReadFile(inputsFile)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.UseNumber()
	if err := d.Decode(&inputs); err != nil {
		t.Fatal(err)
	}
	spec, err := routines.Compile(r, inputs, cat, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return spec, &runnable{spec: spec, plan: string(src), forced: routines.ForcedArgs(r, inputs)}
}

func loadCatalog(t *testing.T, path string) []ltl.CatalogTool {
	t.Helper()
	cat, err := specplan.LoadCatalog(path, specplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
