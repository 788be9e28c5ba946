package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"

	"github.com/specplan/specplan/apps"
	"github.com/specplan/specplan/apps/modelturn"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
)

// appRunFlags are plan run's and plan eval's flags for .app specs.
type appRunFlags struct {
	MaxRecoveries int  `name:"max-recoveries" default:"3" help:"With an .app: recoveries per run (apps.RunOptions.MaxRecoveries); a fail or no-change after the last one ends the run as unrecoverable. 0: none."`
	MaxSteps      int  `name:"max-steps" default:"40" help:"With an .app: device actions per run, rollback included (apps.RunOptions.MaxSteps)."`
	MaxEnvBytes   int  `name:"max-env-bytes" default:"1048576" help:"With an .app: limit on the emulator environment EMU.json (apps.EnvLimits.MaxBytes)."`
	NoRollback    bool `name:"no-rollback" help:"With an .app: do not roll back after a fail or no-change; go on from the observed screen."`
}

// appSetup is an app ready to run: its goal automaton, environments, the
// model and the chooser.
type appSetup struct {
	app     *apps.App
	goal    *apps.Goal
	envs    []*apps.Env
	names   []string
	model   *llama.Model
	chooser func(unconstrained bool) (*modelturn.Chooser, error)
}

// perTurn is each model turn's budget: --max-tokens spread over
// --max-steps actions, so that every action a run may take, the
// recoveries' included, has its turn's budget; 0 is modelturn's default.
func (f *agentFlags) perTurn(a *appRunFlags) int {
	if f.MaxTokens > 0 {
		return max(1, f.MaxTokens/max(1, a.MaxSteps))
	}
	return 0
}

func (f *agentFlags) setupApp(e *env, a *appRunFlags, dirOK bool) (*appSetup, error) {
	if err := f.check(); err != nil {
		return nil, inputErr(err)
	}
	switch {
	case a.MaxSteps < 1:
		return nil, inputErr(fmt.Errorf("--max-steps must be at least 1, got %d", a.MaxSteps))
	case a.MaxRecoveries < 0:
		return nil, inputErr(fmt.Errorf("--max-recoveries must be at least 0, got %d", a.MaxRecoveries))
	case a.MaxEnvBytes < 1:
		return nil, inputErr(fmt.Errorf("--max-env-bytes must be at least 1, got %d", a.MaxEnvBytes))
	}
	var format decoder.Format
	if f.Format != "" {
		ff, err := decoder.ParseFormat(f.Format)
		if err != nil {
			return nil, inputErr(err)
		}
		format = ff
	}
	app, opts, err := f.loadApp(f.Spec)
	if err != nil {
		return nil, inputErr(err)
	}
	goal, err := apps.CompileGoal(app, apps.LowerOptions{}, opts)
	if err != nil {
		return nil, inputErr(err)
	}
	if goal.Spec().DFA().IsEmpty() {
		return nil, &exitError{code: exitViolated, err: fmt.Errorf("%s: no run of the app satisfies its goal and rules (plan check says why)", f.Spec)}
	}
	s := &appSetup{app: app, goal: goal}
	paths := []string{f.Env}
	if st, err := os.Stat(f.Env); err == nil && st.IsDir() {
		if !dirOK {
			return nil, inputErr(fmt.Errorf("--env %s is a directory: plan run takes one EMU.json (plan eval takes a directory of them)", safetext.Escape(f.Env)))
		}
		ms, _ := filepath.Glob(filepath.Join(f.Env, "*.json"))
		sort.Strings(ms)
		if len(ms) == 0 {
			return nil, inputErr(fmt.Errorf("--env %s holds no .json environment", safetext.Escape(f.Env)))
		}
		paths = ms
	}
	for _, p := range paths {
		data, name, err := readInput("--env", p, opts)
		if err != nil {
			return nil, inputErr(err)
		}
		env, err := apps.ReadEnv(name, data, app, apps.EnvLimits{MaxBytes: a.MaxEnvBytes})
		if err != nil {
			return nil, inputErr(err)
		}
		s.envs, s.names = append(s.envs, env), append(s.names, name)
	}
	tmpl, err := templateFlag(f.Template, f.MaxTemplateBytes)
	if err != nil {
		return nil, inputErr(err)
	}
	if s.model, err = f.load(e.stderr, f.CtxSize); err != nil {
		return nil, inputErr(err)
	}
	if randomWeights(s.model) {
		outfile.Fprintf(e.stderr, "plan: %s has random weights (the default tiny model when --model is not given): its actions are noise, and only the constraint keeps them on the screen; give --model for a real model\n", s.model.Path())
	}
	s.chooser = func(unconstrained bool) (*modelturn.Chooser, error) {
		return modelturn.New(app, s.model, modelturn.Options{
			Unconstrained: unconstrained, Format: format, Template: tmpl, MaxTokens: f.perTurn(a),
			Sampler: decoder.SamplerOptions{Temperature: f.Temperature, TopK: f.TopK, TopP: f.TopP}, Spec: opts,
		})
	}
	return s, nil
}

func (a *appRunFlags) runOptions() apps.RunOptions {
	rec := a.MaxRecoveries
	if rec == 0 {
		rec = -1 // none: the library reads 0 as its default
	}
	return apps.RunOptions{Rollback: !a.NoRollback, MaxRecoveries: rec, MaxSteps: a.MaxSteps}
}

// appRunReport is plan run --json for an app.
type appRunReport struct {
	Spec       string         `json:"spec"`
	Env        string         `json:"env"`
	Model      string         `json:"model"`
	Seed       int64          `json:"seed"`
	End        string         `json:"end"`
	Screen     string         `json:"screen"`
	Steps      int            `json:"steps"`
	Recoveries int            `json:"recoveries"`
	Report     string         `json:"report,omitempty"`
	Trace      []appTraceLine `json:"trace"`
	Turns      int            `json:"turns"`
	Tokens     int            `json:"tokens"`
}

type appTraceLine struct {
	Step     int               `json:"step"`
	Tool     string            `json:"tool"`
	Args     map[string]any    `json:"args"`
	Result   *apps.Observation `json:"result,omitempty"`
	Error    string            `json:"error,omitempty"`
	Screen   string            `json:"screen"`
	Expected string            `json:"expected"`
	Outcome  apps.Outcome      `json:"outcome"`
	Rollback bool              `json:"rollback"`
	Why      string            `json:"why,omitempty"`
}

// runApp is `plan run --spec APP.app --env EMU.json`: one run of the app
// runtime (apps.Goal.Run) on the emulator, the model's turns on llama.cpp
// constrained to the tracker's allowed moves.
func (c *RunCmd) runApp(e *env) error {
	s, err := c.setupApp(e, &c.appRunFlags, false)
	if err != nil {
		return err
	}
	defer s.model.Close()
	ch, err := s.chooser(false)
	if err != nil {
		return inputErr(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := s.goal.Run(ctx, s.envs[0].NewEmulator(), ch.NewRun(c.Seed), c.runOptions())
	if ctx.Err() != nil {
		fmt.Fprintf(e.stderr, "\nplan: interrupted after %d actions\n", res.Steps)
		return &exitError{code: exitInterrupted}
	}
	if err != nil {
		return inputErr(err)
	}
	if c.TraceOut != "" {
		f, err := outfile.Create(c.TraceOut, outfile.Options{})
		if err != nil {
			return inputErr(err)
		}
		if err := apps.WriteTrace(f, res); err != nil {
			f.Abort()
			return inputErr(err)
		}
		if err := f.Commit(); err != nil {
			return inputErr(err)
		}
	}
	turns, tokens, _ := ch.Stats()
	if c.JSON {
		rep := appRunReport{Spec: c.Spec, Env: s.names[0], Model: s.model.Path(), Seed: c.Seed, End: string(res.End), Screen: res.Screen,
			Steps: res.Steps, Recoveries: res.Recoveries, Report: res.Report, Turns: turns, Tokens: tokens, Trace: []appTraceLine{}}
		for _, l := range res.Trace {
			rep.Trace = append(rep.Trace, appTraceLine{Step: l.Step, Tool: l.Call.Tool, Args: l.Call.Args, Result: l.Result, Error: l.Error,
				Screen: l.Screen, Expected: l.Expected, Outcome: l.Outcome, Rollback: l.Rollback, Why: l.Why})
		}
		if err := writeJSONL(e.stdout, rep); err != nil {
			return err
		}
	} else {
		for _, l := range res.Trace {
			by := ""
			if l.Rollback {
				by = "  (rollback)"
			}
			seen := "could not be done: " + l.Error
			if l.Result != nil {
				seen = "observed " + orUnrecognised(l.Result.Screen)
			}
			outfile.Fprintf(e.stdout, "%3d  %s on %s -> %s: %s, %s%s\n", l.Step, l.Call, orUnrecognised(l.Screen), orUnrecognised(l.Expected), seen, l.Outcome, by)
		}
		outfile.Fprintf(e.stdout, "end: %s on %s after %d actions, %d recoveries (%d model turns, %d tokens)\n", res.End, orUnrecognised(res.Screen), res.Steps, res.Recoveries, turns, tokens)
		if res.Report != "" {
			outfile.Fprintf(e.stdout, "%s\n", res.Report)
		}
	}
	if res.End != apps.EndGoal {
		return &exitError{code: exitViolated}
	}
	return nil
}

func orUnrecognised(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// validateApp is `plan validate APP.app TRACE...`: each trace read as an
// app trace (apps.ReadTrace) and re-checked (apps.Goal.ValidateTrace).
func (c *ValidateCmd) validateApp(e *env) error {
	if len(c.Traces) == 0 {
		return inputErr(fmt.Errorf("nothing to validate: give app trace files (plan run --trace-out writes them)"))
	}
	a, opts, err := c.loadApp(c.Spec)
	if err != nil {
		return inputErr(err)
	}
	goal, err := apps.CompileGoal(a, apps.LowerOptions{}, opts)
	if err != nil {
		return inputErr(err)
	}
	unreadable, failed := 0, 0
	for _, path := range c.Traces {
		src, name, err := readInput("trace", path, opts)
		var tr *apps.Trace
		if err == nil {
			tr, err = apps.ReadTrace(name, src, apps.TraceLimits{MaxBytes: opts.MaxInputBytes, MaxLineBytes: opts.MaxLineBytes})
		}
		if err != nil {
			unreadable++
			printError(e.stderr, err)
			if c.JSON {
				if err := writeJSONL(e.stdout, traceReport{Trace: name, Error: err.Error()}); err != nil {
					return err
				}
			}
			continue
		}
		v := goal.ValidateTrace(tr)
		if !v.Accepted {
			failed++
		}
		if c.JSON {
			rep := appValidateReport{Trace: name, Accepted: v.Accepted}
			if !v.Accepted {
				rep.Line, rep.At, rep.Reason = v.Line, v.Pos.String(), v.Reason
			}
			if err := writeJSONL(e.stdout, rep); err != nil {
				return err
			}
			continue
		}
		if v.Accepted {
			outfile.Fprintf(e.stdout, "ok    %s\n", name)
			continue
		}
		outfile.Fprintf(e.stdout, "FAIL  %s:%d:%d: %s\n", name, v.Pos.Line, v.Pos.Column, v.Reason)
	}
	switch {
	case unreadable > 0:
		return &exitError{code: exitInput}
	case failed > 0:
		return &exitError{code: exitViolated}
	}
	return nil
}

type appValidateReport struct {
	Trace    string `json:"trace"`
	Accepted bool   `json:"accepted"`
	Line     int    `json:"line,omitempty"`
	At       string `json:"at,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Error    string `json:"error,omitempty"`
}
