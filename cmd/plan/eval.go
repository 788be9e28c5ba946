package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/specplan/specplan/agent"
	"github.com/specplan/specplan/internal/outfile"
	"github.com/specplan/specplan/internal/safetext"
)

// EvalCmd is `plan eval --spec S --env E --runs N --seed S`: N seeded runs
// of the agent per mode, and the fraction of them the independent checker
// accepts.
type EvalCmd struct {
	agentFlags
	appRunFlags
	Runs  int    `name:"runs" default:"100" help:"Runs per mode, with seeds --seed, --seed+1, …"`
	Modes string `name:"modes" default:"constrained,unconstrained" placeholder:"M,M" help:"Modes to run, comma-separated: constrained, unconstrained, and the app modes for .app specs."`
	JSON  bool   `name:"json" help:"Print one JSON object."`
}

// evalModes are the modes plan eval runs, by name: each turns the run's
// options into the mode's. Every mode sees the same prompt (the spec's
// text as the plan in the system message), format, tools and seeds.
// eval_app.go adds the app modes.
var evalModes = map[string]func(rn *runnable, o agent.Options) agent.Options{
	"constrained":   func(_ *runnable, o agent.Options) agent.Options { return o },
	"unconstrained": func(_ *runnable, o agent.Options) agent.Options { o.Unconstrained = true; return o },
}

// evalModeOrder lists the modes for help texts: the two above, then the
// others in the order they were added.
var evalModeOrder = []string{"constrained", "unconstrained"}

type evalReport struct {
	Spec  string           `json:"spec"`
	Env   string           `json:"env"`
	Model string           `json:"model"`
	Runs  int              `json:"runs"`
	Seed  int64            `json:"seed"`
	Modes []evalModeReport `json:"modes"`
}

type evalModeReport struct {
	Mode     string  `json:"mode"`
	Runs     int     `json:"runs"`
	Accepted int     `json:"accepted"`
	Fraction float64 `json:"accepted_fraction"`
	// ForcedEqual (routines): runs whose calls checked at least one forced
	// parameter and found every one equal to the value it references.
	ForcedEqual    *int     `json:"forced_equal,omitempty"`
	ForcedFraction *float64 `json:"forced_equal_fraction,omitempty"`
	Errors         int      `json:"errors"`
	FirstError     string   `json:"first_error,omitempty"`
	Tokens         int      `json:"tokens"`
}

func (c *EvalCmd) Run(e *env) error {
	if isApp(c.Spec) {
		return c.evalApp(e)
	}
	if c.Runs < 1 {
		return inputErr(fmt.Errorf("--runs must be at least 1, got %d", c.Runs))
	}
	var modes []string
	for _, m := range strings.Split(c.Modes, ",") {
		m = strings.TrimSpace(m)
		if _, ok := evalModes[m]; !ok {
			return inputErr(fmt.Errorf("--modes: unknown mode %q (known: %s)", safetext.Escape(m), strings.Join(evalModeOrder, ", ")))
		}
		modes = append(modes, m)
	}
	// The plan goes into the system message in every mode: the
	// unconstrained model is told what the constrained one is held to.
	rn, script, model, a, err := c.setup(e, agent.Options{}, true)
	if err != nil {
		return err
	}
	defer model.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := a.Prepare(c.Prompt); err != nil {
		return runErr(err, model)
	}
	rep := evalReport{Spec: c.Spec, Env: c.Env, Model: model.Path(), Runs: c.Runs, Seed: c.Seed}
	failed := false
	for _, m := range modes {
		o := a.Options()
		am := a.With(evalModes[m](rn, o))
		mr := evalModeReport{Mode: m, Runs: c.Runs}
		forcedEqual := 0
		for i := range c.Runs {
			res, err := am.WithSeed(c.Seed+int64(i)).Run(ctx, script, c.Prompt)
			if ctx.Err() != nil {
				fmt.Fprintf(e.stderr, "\nplan: interrupted in mode %s after %d runs\n", m, i)
				return &exitError{code: exitInterrupted}
			}
			if res != nil {
				mr.Tokens += res.Tokens
			}
			if err != nil {
				mr.Errors++
				if mr.FirstError == "" {
					mr.FirstError = fmt.Sprintf("seed %d: %v", c.Seed+int64(i), err)
				}
				continue
			}
			if res.Accepted {
				mr.Accepted++
			}
			if rn.forced != nil {
				if n, ok := rn.forced(res.Events); n > 0 && ok {
					forcedEqual++
				}
			}
		}
		mr.Fraction = float64(mr.Accepted) / float64(c.Runs)
		if rn.forced != nil {
			f := float64(forcedEqual) / float64(c.Runs)
			mr.ForcedEqual, mr.ForcedFraction = &forcedEqual, &f
		}
		if m == "constrained" && (mr.Accepted < c.Runs || (rn.forced != nil && forcedEqual < c.Runs)) {
			failed = true
		}
		rep.Modes = append(rep.Modes, mr)
	}
	if c.JSON {
		if err := writeJSONL(e.stdout, rep); err != nil {
			return err
		}
	} else {
		outfile.Fprintf(e.stdout, "%s with %s, %d runs per mode, seeds %d..%d, model %s\n", c.Spec, c.Env, c.Runs, c.Seed, c.Seed+int64(c.Runs)-1, model.Path())
		fmt.Fprintf(e.stdout, "%-16s %10s %9s %14s %7s %9s\n", "mode", "accepted", "fraction", "forced-equal", "errors", "tokens")
		for _, mr := range rep.Modes {
			forced := "-"
			if mr.ForcedEqual != nil {
				forced = fmt.Sprintf("%d (%.1f%%)", *mr.ForcedEqual, 100**mr.ForcedFraction)
			}
			fmt.Fprintf(e.stdout, "%-16s %10s %8.1f%% %14s %7d %9d\n", mr.Mode, fmt.Sprintf("%d/%d", mr.Accepted, mr.Runs), 100*mr.Fraction, forced, mr.Errors, mr.Tokens)
		}
		for _, mr := range rep.Modes {
			if mr.FirstError != "" {
				outfile.Fprintf(e.stdout, "%s: first error: %s\n", mr.Mode, mr.FirstError)
			}
		}
	}
	if failed {
		return &exitError{code: exitViolated, err: errors.New("the constrained mode did not accept every run (or a forced parameter differed from its value)")}
	}
	return nil
}
