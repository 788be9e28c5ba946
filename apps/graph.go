package apps

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// Graph is the app as a drawing: its screens, the goal screens marked, and
// the transitions a witness takes marked.
type Graph struct {
	App *App
	// Goal are the screens on which the goal is reached: those observed by
	// a transition from a live, not accepting state into an accepting one
	// of the lowered spec's automaton.
	Goal map[string]bool
	// Path marks transitions: Path[screen][i] for screen's i-th transition.
	Path map[string]map[int]bool
}

// NewGraph marks the goal screens of d (the automaton of the lowered app,
// Compile) and the transitions of witness (a trace of it; nil for none).
func NewGraph(a *App, d *automata.DFA, witness []ltl.Event) *Graph {
	g := &Graph{App: a, Goal: map[string]bool{}, Path: map[string]map[int]bool{}}
	if d != nil && !d.IsEmpty() {
		dist := d.Distances()
		for q, row := range d.Trans {
			if dist[q] < 0 || d.Accepting[q] {
				continue
			}
			for sym, t := range row {
				if t >= 0 && d.Accepting[t] {
					if s, ok := observedScreen(d.Alphabet.Symbols[sym]); ok {
						g.Goal[s] = true
					}
				}
			}
		}
	}
	screens := map[string]*Screen{}
	for _, s := range a.Screens {
		screens[s.Name] = s
	}
	believed := a.Start
	for _, ev := range witness {
		s := screens[believed]
		if s == nil {
			break
		}
		for i, t := range s.Transitions {
			if matches(t.Action, ev) {
				if g.Path[s.Name] == nil {
					g.Path[s.Name] = map[int]bool{}
				}
				g.Path[s.Name][i] = true
				break
			}
		}
		if ev.Outcome == ltl.Returned {
			if m, ok := ev.Result.(map[string]any); ok {
				if name, ok := m["screen"].(string); ok {
					believed = name
				}
			}
		}
	}
	return g
}

// matches reports whether ev is a call of action a (literal arguments equal).
func matches(a *Action, ev ltl.Event) bool {
	if ev.Tool != a.Name {
		return false
	}
	for i, t := range a.Args {
		if t.Kind != TextLiteral && t.Kind != TextName {
			continue
		}
		v, ok := ev.Args[a.Params[i]]
		if !ok {
			return false
		}
		want := t.Name
		if t.Kind == TextLiteral {
			want = t.Value.String()
			if t.Value.Kind == ltl.StringValue {
				want = t.Value.Str
			}
		}
		if fmt.Sprint(v) != want {
			return false
		}
	}
	return true
}

// Edges is the number of edges drawn, for Graphviz's limit.
func (g *Graph) Edges() int {
	n := 1
	for _, s := range g.App.Screens {
		n += len(s.Transitions)
	}
	return n
}

func dotQuote(s string) string { return strconv.Quote(s) }

// WriteDOT draws the graph in Graphviz's language: screens as boxes (goal
// screens doubled and filled), overlays dashed, witness edges bold.
// Labels are strconv-quoted; outfile.EscapeDOT makes them terminal-safe.
func (g *Graph) WriteDOT(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=LR;\n  node [shape=box];\n  __start [shape=point];\n  __start -> %s;\n", dotQuote(g.App.Name), dotQuote(g.App.Start))
	for _, s := range g.App.Screens {
		label := s.Name
		if s.Label != "" {
			label += "\n" + s.Label
		}
		attrs := "label=" + dotQuote(label)
		if g.Goal[s.Name] {
			attrs += ", peripheries=2, style=filled, fillcolor=palegreen"
		}
		fmt.Fprintf(&b, "  %s [%s];\n", dotQuote(s.Name), attrs)
	}
	for _, o := range g.App.Overlays {
		fmt.Fprintf(&b, "  %s [label=%s, style=dashed];\n", dotQuote(o.Name), dotQuote(o.Name+"\noverlay, dismiss "+o.Dismiss.String()))
	}
	for _, s := range g.App.Screens {
		for i, t := range s.Transitions {
			if t.Target == "" {
				continue
			}
			attrs := "label=" + dotQuote(edgeLabel(t))
			if g.Path[s.Name][i] {
				attrs += ", penwidth=3, color=blue"
			}
			fmt.Fprintf(&b, "  %s -> %s [%s];\n", dotQuote(s.Name), dotQuote(t.Target), attrs)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func edgeLabel(t *Transition) string {
	l := t.Action.String()
	if t.Ensures != nil {
		l += "\nensures " + t.Ensures.Text
	}
	return l
}

// WriteMermaid draws the graph as a Mermaid flowchart: goal screens in
// double circles, witness edges thick (==>).
func (g *Graph) WriteMermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	id := map[string]string{}
	for i, s := range g.App.Screens {
		id[s.Name] = "s" + strconv.Itoa(i)
		open, close := "[", "]"
		if g.Goal[s.Name] {
			open, close = "(((", ")))"
		}
		fmt.Fprintf(&b, "  %s%s%s%s\n", id[s.Name], open, mermaidText(s.Name), close)
	}
	for i, o := range g.App.Overlays {
		fmt.Fprintf(&b, "  o%d>%s]\n", i, mermaidText(o.Name+" (overlay)"))
	}
	fmt.Fprintf(&b, "  start((start)) --> %s\n", id[g.App.Start])
	for _, s := range g.App.Screens {
		for i, t := range s.Transitions {
			to, ok := id[t.Target]
			if !ok {
				continue
			}
			arrow := "-->"
			if g.Path[s.Name][i] {
				arrow = "==>"
			}
			fmt.Fprintf(&b, "  %s %s|%s| %s\n", id[s.Name], arrow, mermaidText(edgeLabel(t)), to)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText quotes s for a Mermaid label: in double quotes, with quotes
// and the characters Mermaid reads as markup written as entity codes.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "\n", "<br>", "|", "#124;", "<", "#lt;", ">", "#gt;", "#", "#35;")
	return `"` + r.Replace(s) + `"`
}
