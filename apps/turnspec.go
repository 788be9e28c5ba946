package apps

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Tools are the tool names the app's actions use (built-ins first, then
// custom actions, in declaration order): the tools of its lowered spec and
// of every turn spec.
func (a *App) Tools() []string {
	l := &lowerer{app: a, e: &errs{}}
	l.collectTools()
	return l.tools
}

// ToolSchemas are the JSON schemas of the app's tools' parameters: tap,
// long_press and toggle take a label, type a field and a text, swipe a
// direction (one of Directions), back and home nothing; a custom action
// its declared schema. Every parameter is required, no other allowed.
func (a *App) ToolSchemas() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, t := range a.Tools() {
		switch t {
		case "tap", "long_press", "toggle":
			out[t] = json.RawMessage(`{"type":"object","properties":{"label":{"type":"string","maxLength":64}},"required":["label"],"additionalProperties":false}`)
		case "type":
			out[t] = json.RawMessage(`{"type":"object","properties":{"field":{"type":"string","maxLength":64},"text":{"type":"string","maxLength":64}},"required":["field","text"],"additionalProperties":false}`)
		case "swipe":
			out[t] = json.RawMessage(`{"type":"object","properties":{"direction":{"enum":["up","down","left","right"]}},"required":["direction"],"additionalProperties":false}`)
		case "back", "home":
			out[t] = json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
		default:
			for _, d := range a.Actions {
				if d.Name == t {
					out[t] = d.Schema()
				}
			}
		}
	}
	return out
}

// TurnSpec is the .ltl spec of one constrained model turn: exactly one
// call, one of moves (each action as the lowering writes it: literal
// arguments fixed, `any` ones free under the tool's schema). With no
// moves it is the unconstrained turn's format: one call of any of the
// app's tools. The decoder compiles it with ToolSchemas; its mask then
// admits exactly the moves.
func (a *App) TurnSpec(moves []Move, inputs map[string]any) (string, error) {
	l := &lowerer{app: a, opts: LowerOptions{Inputs: inputs}, e: &errs{}}
	l.collectTools()
	var b strings.Builder
	fmt.Fprintf(&b, "spec %s_turn \"one action of %s\"\n", a.Name, a.Name)
	var tools []string
	for _, t := range l.tools {
		tools = append(tools, tool(t))
	}
	fmt.Fprintf(&b, "tools %s\n", strings.Join(tools, ", "))
	var alts []string
	if len(moves) == 0 {
		alts = tools
	}
	for _, m := range moves {
		alts = append(alts, l.act(m.Action))
	}
	fmt.Fprintf(&b, "rule (%s) & last\n", strings.Join(alts, " | "))
	if err := l.e.result(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Describe is the app in words for a model's prompt: its screens, each
// with its actions and where they lead, its popups and its goal.
func (a *App) Describe() string {
	var b strings.Builder
	title := a.Title
	if title == "" {
		title = a.Name
	}
	fmt.Fprintf(&b, "App %s (%s). It starts on screen %s.\n", a.Name, title, a.Start)
	for _, s := range a.Screens {
		fmt.Fprintf(&b, "Screen %s:", s.Name)
		for i, t := range s.Transitions {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s %s -> %s", sep, t.Action, t.Target)
		}
		b.WriteString("\n")
	}
	for _, o := range a.Overlays {
		fmt.Fprintf(&b, "Popup %s may appear; dismiss it with %s.\n", o.Name, o.Dismiss)
	}
	for _, g := range a.Goals {
		fmt.Fprintf(&b, "Goal: %s\n", oneLine(g.Text))
	}
	for _, r := range a.Rules {
		fmt.Fprintf(&b, "Rule: %s\n", oneLine(r.Text))
	}
	return b.String()
}
