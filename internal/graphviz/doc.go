// Package graphviz draws automata as SVG or PNG with Graphviz's dot.
//
// Contract: Render refuses an automaton with more than Options.MaxEdges
// edges (ErrTooLarge) before starting dot, since dot's layout time grows
// much faster than the graph (a 513-state automaton kept it busy for over
// a minute); an edge is a (state, next state) pair, as drawn. dot runs
// under Options.Timeout and is killed when it is over (ErrTimeout). Either
// error names the limit; the CLI adds its flag (--max-render-edges,
// --render-timeout). Without dot on PATH, Render says how to install it
// (ErrNoGraphviz). Labels reach dot escaped (outfile.EscapeDOT), so the
// drawing shows `\x1b` where a spec's string held a control character.
package graphviz
