package graphviz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/outfile"
)

// Options bound the work handed to Graphviz.
type Options struct {
	// MaxEdges is the most edges an automaton drawn may have.
	MaxEdges int
	// Timeout is how long dot may run.
	Timeout time.Duration
}

// DefaultOptions: about 2000 edges lay out in a second or two here; the
// timeout stops the dense graphs the edge count does not foresee.
var DefaultOptions = Options{MaxEdges: 2000, Timeout: 30 * time.Second}

var (
	ErrTooLarge   = errors.New("graphviz: automaton too large to draw")
	ErrTimeout    = errors.New("graphviz: dot ran out of time")
	ErrNoGraphviz = errors.New("graphviz: dot is not installed")
)

// Edges counts the edges of d as drawn: distinct (state, next state) pairs,
// plus the arrow into the initial state.
func Edges(d *automata.DFA) int {
	n := 0
	if d.Initial >= 0 {
		n++
	}
	seen := map[int32]bool{}
	for _, row := range d.Trans {
		clear(seen)
		for _, t := range row {
			if t >= 0 && !seen[t] {
				seen[t] = true
				n++
			}
		}
	}
	return n
}

// Render draws d in format "svg" or "png".
func Render(ctx context.Context, d *automata.DFA, format string, opts Options) ([]byte, error) {
	if format != "svg" && format != "png" {
		return nil, fmt.Errorf("graphviz: unknown format %q (svg, png)", format)
	}
	if e := Edges(d); e > opts.MaxEdges {
		return nil, fmt.Errorf("%w: %d states and %d edges, over the limit of %d edges (graphviz.Options.MaxEdges)", ErrTooLarge, d.NumStates(), e, opts.MaxEdges)
	}
	var dot bytes.Buffer
	if err := automata.WriteDOT(&dot, d); err != nil {
		return nil, err
	}
	return RenderDOT(ctx, dot.Bytes(), 0, format, opts)
}

// RenderDOT draws a graph already written in dot's language (an app's
// screens, say) with edges edges, under the same limits as Render.
func RenderDOT(ctx context.Context, dot []byte, edges int, format string, opts Options) ([]byte, error) {
	if format != "svg" && format != "png" {
		return nil, fmt.Errorf("graphviz: unknown format %q (svg, png)", format)
	}
	if edges > opts.MaxEdges {
		return nil, fmt.Errorf("%w: %d edges, over the limit of %d edges (graphviz.Options.MaxEdges)", ErrTooLarge, edges, opts.MaxEdges)
	}
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, fmt.Errorf("%w: --format %s needs Graphviz's `dot`: apt-get install graphviz (or brew install graphviz), or use --format dot", ErrNoGraphviz, format)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "-T"+format)
	cmd.Stdin = bytes.NewReader(outfile.EscapeDOT(dot))
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return nil, fmt.Errorf("%w: dot -T%s stopped after %v (graphviz.Options.Timeout)", ErrTimeout, format, opts.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("dot -T%s: %v: %s", format, err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}
