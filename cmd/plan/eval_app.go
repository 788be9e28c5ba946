package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/specplan/specplan/apps"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
)

// The app modes of plan eval: the same seeds, environments (faults) and
// prompt in each.
const (
	appModeRollback      = "rollback"      // constrained to the tracker's allowed moves, rolling back on fail and no-change
	appModeNoRollback    = "no-rollback"   // constrained, going on from the observed screen
	appModeUnconstrained = "unconstrained" // no mask: the app only in the prompt
)

var appModes = []string{appModeRollback, appModeNoRollback, appModeUnconstrained}

// appEvalMode is one mode's numbers.
type appEvalMode struct {
	Mode string `json:"mode"`
	Runs int    `json:"runs"`
	// Goal: runs that reached the goal (task success).
	Goal     int     `json:"goal"`
	GoalRate float64 `json:"goal_rate"`
	// Faulted: runs with at least one action judged fail or nochange;
	// Recovered: those that still reached the goal (recovery rate).
	Faulted      int     `json:"faulted"`
	Recovered    int     `json:"recovered"`
	RecoveryRate float64 `json:"recovery_rate"`
	// OffScreen: the model's actions that were no action of the screen
	// the tracker believed current (0 in the constrained modes).
	OffScreen int    `json:"off_screen_actions"`
	Actions   int    `json:"actions"`
	Steps     int    `json:"steps"`
	Tokens    int    `json:"tokens"`
	Errors    int    `json:"errors"`
	FirstErr  string `json:"first_error,omitempty"`
}

type appEvalReport struct {
	Spec  string        `json:"spec"`
	Envs  []string      `json:"envs"`
	Model string        `json:"model"`
	Runs  int           `json:"runs"`
	Seed  int64         `json:"seed"`
	Modes []appEvalMode `json:"modes"`
}

// evalApp is `plan eval --spec APP.app --env EMU.json|DIR`: --runs seeded
// runs per mode, run i on environment i mod the number of environments
// (a directory's *.json, sorted), with seed --seed+i, in every mode.
func (c *EvalCmd) evalApp(e *env) error {
	if c.Runs < 1 {
		return inputErr(fmt.Errorf("--runs must be at least 1, got %d", c.Runs))
	}
	modes := appModes
	if c.Modes != "constrained,unconstrained" { // not the default
		modes = nil
		for _, m := range strings.Split(c.Modes, ",") {
			m = strings.TrimSpace(m)
			known := false
			for _, k := range appModes {
				known = known || k == m
			}
			if !known {
				return inputErr(fmt.Errorf("--modes: unknown app mode %q (the app modes: %s)", safetext.Escape(m), strings.Join(appModes, ", ")))
			}
			modes = append(modes, m)
		}
	}
	s, err := c.setupApp(e, &c.appRunFlags, true)
	if err != nil {
		return err
	}
	defer s.model.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep := appEvalReport{Spec: c.Spec, Envs: s.names, Model: s.model.Path(), Runs: c.Runs, Seed: c.Seed}
	for _, m := range modes {
		ch, err := s.chooser(m == appModeUnconstrained)
		if err != nil {
			return inputErr(err)
		}
		opts := c.runOptions()
		opts.Rollback = m != appModeNoRollback
		mr := appEvalMode{Mode: m, Runs: c.Runs}
		for i := range c.Runs {
			env := s.envs[i%len(s.envs)]
			res, err := s.goal.Run(ctx, env.NewEmulator(), ch.NewRun(c.Seed+int64(i)), opts)
			if ctx.Err() != nil {
				fmt.Fprintf(e.stderr, "\nplan: interrupted in mode %s after %d runs\n", m, i)
				return &exitError{code: exitInterrupted}
			}
			if err != nil {
				mr.Errors++
				if mr.FirstErr == "" {
					mr.FirstErr = fmt.Sprintf("seed %d: %v", c.Seed+int64(i), err)
				}
				if !errors.Is(err, context.Canceled) {
					continue
				}
			}
			if res.End == apps.EndGoal {
				mr.Goal++
			}
			if res.Faults > 0 {
				mr.Faulted++
				if res.End == apps.EndGoal {
					mr.Recovered++
				}
			}
			mr.Steps += res.Steps
			replay := s.goal.NewTracker()
			for _, l := range res.Trace {
				if !l.Rollback {
					mr.Actions++
					if _, ok := replay.Lookup(l.Call); !ok {
						mr.OffScreen++
					}
				}
				var rec apps.Recognition
				if l.Result != nil {
					rec = s.app.Recognize(*l.Result, nil)
				}
				replay.Record(l.Call, l.Result, rec, nil)
			}
		}
		_, mr.Tokens, _ = ch.Stats()
		mr.GoalRate = float64(mr.Goal) / float64(c.Runs)
		if mr.Faulted > 0 {
			mr.RecoveryRate = float64(mr.Recovered) / float64(mr.Faulted)
		}
		rep.Modes = append(rep.Modes, mr)
	}
	if c.JSON {
		return writeJSONL(e.stdout, rep)
	}
	outfile.Fprintf(e.stdout, "%s with %s, %d runs per mode, seeds %d..%d, model %s\n", c.Spec, strings.Join(s.names, ", "), c.Runs, c.Seed, c.Seed+int64(c.Runs)-1, s.model.Path())
	fmt.Fprintf(e.stdout, "%-14s %12s %14s %11s %7s %7s\n", "mode", "success", "recovery", "off-screen", "steps", "errors")
	for _, mr := range rep.Modes {
		fmt.Fprintf(e.stdout, "%-14s %12s %14s %11s %7d %7d\n", mr.Mode,
			fmt.Sprintf("%d/%d %.0f%%", mr.Goal, mr.Runs, 100*mr.GoalRate),
			fmt.Sprintf("%d/%d %.0f%%", mr.Recovered, mr.Faulted, 100*mr.RecoveryRate),
			fmt.Sprintf("%d/%d", mr.OffScreen, mr.Actions), mr.Steps, mr.Errors)
	}
	return nil
}
