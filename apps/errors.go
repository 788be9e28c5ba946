package apps

import (
	"sort"
	"strconv"

	"github.com/specplan/specplan/ltl"
)

// Codes of this package's errors. They are ltl.Code values (from 2000 on,
// clear of ltl's own and of package routines' 1000s), so an ltl.ErrorList
// carries them and tests compare them; ltl's codes are reused where the
// meaning is the same (ltl.ErrSyntax, ErrSpecSize, ErrDepthLimit,
// ErrDuplicate, ErrUndeclared, ErrReserved).
const (
	ErrUnreachable     ltl.Code = 2000 + iota // a screen no path from the start screen reaches
	ErrGoalUnreachable                        // a reachable screen from which no run satisfies the goal and rules
	ErrNoTarget                               // a transition without `-> SCREEN`, or to a name that is no screen
	ErrDuplicateAction                        // one action twice on one screen
	ErrUnshownLabel                           // a label in a condition that no screen shows
	ErrAction                                 // an action with the wrong arguments, or a custom action never declared
	ErrCondition                              // a condition or formula atom used where it has no meaning
	ErrLower                                  // the app cannot be lowered as written (an input with no value, a size limit)
	ErrScreenLimit                            // more screens and overlays than Options.MaxScreens
	ErrEnv                                    // an emulator environment (EMU.json) that is not JSON of its shape, or names what the app lacks
	ErrTrace                                  // an app trace line that is not of its shape, or whose app fields disagree with the replay
)

var codeNames = map[ltl.Code]string{
	ErrUnreachable:     "unreachable",
	ErrGoalUnreachable: "goal-unreachable",
	ErrNoTarget:        "no-target",
	ErrDuplicateAction: "duplicate-action",
	ErrUnshownLabel:    "unshown-label",
	ErrAction:          "action",
	ErrCondition:       "condition",
	ErrLower:           "lower",
	ErrScreenLimit:     "screen-limit",
	ErrEnv:             "env",
	ErrTrace:           "trace",
}

// CodeName names c: this package's codes by their names here, others as
// ltl.Code.String does.
func CodeName(c ltl.Code) string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	if c >= 2000 {
		return "Code(" + strconv.Itoa(int(c)) + ")"
	}
	return c.String()
}

type errs struct{ list ltl.ErrorList }

func (e *errs) add(p Pos, c ltl.Code, msg string) {
	e.list = append(e.list, &ltl.Error{Pos: p, Code: c, Msg: msg})
}

// result sorts by offset (stably), drops exact repeats and returns nil when
// there is nothing to report.
func (e *errs) result() error {
	if len(e.list) == 0 {
		return nil
	}
	sort.SliceStable(e.list, func(i, j int) bool { return e.list[i].Pos.Offset < e.list[j].Pos.Offset })
	out := e.list[:0]
	for i, x := range e.list {
		if i > 0 {
			p := out[len(out)-1]
			if p.Pos == x.Pos && p.Code == x.Code && p.Msg == x.Msg {
				continue
			}
		}
		out = append(out, x)
	}
	return out
}
