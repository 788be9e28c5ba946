package apps

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/specplan/specplan/ltl"
)

// Call is one concrete action as the agent emits it and a device performs
// it: the tool name of the action (tap, toggle, type, swipe, back, home or
// a custom action) and its arguments by parameter name (tap: label; type:
// field, text; swipe: direction; back and home: none).
type Call struct {
	Tool string
	Args map[string]any
}

// Event is the call as an ltl event, without its outcome.
func (c Call) Event() ltl.Event { return ltl.Event{Tool: c.Tool, Args: c.Args} }

// String is the call as an .app file writes an action: tap("Wi-Fi"),
// type(search, "x"), back. Arguments are written in the action's parameter
// order; a custom action's in name order.
func (c Call) String() string {
	names := paramsOf(c.Tool, c.Args)
	if len(names) == 0 {
		return c.Tool
	}
	parts := make([]string, len(names))
	for i, n := range names {
		v := c.Args[n]
		if c.Tool == "type" && n == "field" {
			if s, ok := v.(string); ok {
				parts[i] = s
				continue
			}
		}
		parts[i] = valueText(v)
	}
	return c.Tool + "(" + strings.Join(parts, ", ") + ")"
}

func paramsOf(tool string, args map[string]any) []string {
	if b, ok := builtins[tool]; ok {
		return b.params
	}
	names := make([]string, 0, len(args))
	for n := range args {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func valueText(v any) string {
	if lit, err := literal(v); err == nil {
		return lit
	}
	return fmt.Sprint(v)
}

// Device is where the agent's actions happen: the emulator (Emulator) in
// tests and seeded runs, a real phone through a driver (see the adb sketch
// in this package's examples) in production.
//
// Screen reports what the device shows now: its labels, checked labels,
// field texts and list counts. The Screen field of the Observation is
// ignored: the runtime recognises the screen from what it shows
// (Recognize), so a driver never has to know the app's screen names.
// Do performs one action; an error means the device could not perform it
// (the label is not there, the connection dropped) and is the call's
// outcome `fails`, never a crash of the run.
type Device interface {
	Screen(ctx context.Context) (Observation, error)
	Do(ctx context.Context, c Call) error
}

// Settled wraps a device so that Do waits d after each action before the
// next Screen: real apps animate, load and redraw, and an observation taken
// too early shows the old screen (a false "no change"). The wait ends early
// when ctx is cancelled (and Do then returns ctx's error).
func Settled(d Device, wait time.Duration) Device { return settled{d, wait} }

type settled struct {
	Device
	wait time.Duration
}

func (s settled) Do(ctx context.Context, c Call) error {
	if err := s.Device.Do(ctx, c); err != nil {
		return err
	}
	if s.wait <= 0 {
		return nil
	}
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
