package agent_test

import (
	"context"
	"errors"
	"testing"

	"github.com/specplan/specplan/agent"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// rollback performs back after a failed pay, as an app's runtime would.
func rollback(always bool) func(context.Context, ltl.Event) ([]ltl.Event, error) {
	return func(_ context.Context, call ltl.Event) ([]ltl.Event, error) {
		if call.Tool == "pay" && (always || call.Outcome == ltl.Failed) {
			return []ltl.Event{{Tool: "back", Args: map[string]any{}, Outcome: ltl.Returned, Result: map[string]any{"undone": "pay"}}}, nil
		}
		return nil, nil
	}
}

// TestAfterCallRuntimeEvents: after a failed pay the runtime's back is
// recorded (Session.Perform), shown to the model, in the trace with
// Source "runtime", and in the events the independent checker accepts.
func TestAfterCallRuntimeEvents(t *testing.T) {
	declined := agent.ToolsFunc(func(context.Context, string, map[string]any) (any, error) { return nil, errors.New("card declined") })
	a, err := agent.New(compile(t, "testdata/rollback.ltl"), tiny(t), agent.Options{AfterCall: rollback(false)})
	if err != nil {
		t.Fatal(err)
	}
	for seed := range int64(2) {
		res, err := a.WithSeed(seed).Run(context.Background(), declined, "")
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !res.Accepted || len(res.Events) < 3 {
			t.Fatalf("seed %d: rejected (%s): %v", seed, res.Violation, res.Events)
		}
		if ev := res.Events[1]; ev.Tool != "back" || ev.Outcome != ltl.Returned {
			t.Errorf("seed %d: event 2 is %v, want the runtime's back", seed, ev)
		}
		runtime := 0
		for _, e := range res.Trace {
			if e.Source == "runtime" {
				runtime++
				if e.Event.Tool != "back" || e.Text == "" {
					t.Errorf("seed %d: runtime entry %+v", seed, e)
				}
			}
		}
		if runtime != 1 {
			t.Errorf("seed %d: %d runtime trace entries, want 1", seed, runtime)
		}
	}
}

// TestAfterCallForbidden: a runtime event the spec does not allow (back
// after a pay that went through) ends the run with CodeNotAllowed.
func TestAfterCallForbidden(t *testing.T) {
	paid := agent.ToolsFunc(func(context.Context, string, map[string]any) (any, error) { return map[string]any{"ok": true}, nil })
	a, err := agent.New(compile(t, "testdata/rollback.ltl"), tiny(t), agent.Options{AfterCall: rollback(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Run(context.Background(), paid, "")
	if !errors.Is(err, decoder.ErrNotAllowed) {
		t.Fatalf("Run with a forbidden runtime event: %v, want CodeNotAllowed", err)
	}
}
