package mona

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// StateKind is MONA's classification of a DFA state.
type StateKind uint8

const (
	Reject   StateKind = iota + 1 // the string read so far is not a model
	Accept                        // the string read so far is a model
	DontCare                      // the string encodes no assignment (e.g. the empty string)
)

// DFA is the automaton MONA printed for a program (`mona -q -n -w`). Its
// letters are bit vectors over Vars; MONA's initial state reads one dummy
// letter before the string's first position (its M2L-Str encoding), which
// Run takes care of.
type DFA struct {
	Vars    []string    // free variables, in the column order of the patterns
	Initial int         // initial state
	Kinds   []StateKind // per state
	trans   [][]edge    // per state, in MONA's order
	letters int         // alphabet size the program was encoded for
}

type edge struct {
	pattern string // one of '0', '1', 'X' per variable
	to      int
}

// NumStates is the number of states, MONA's two bookkeeping states included.
func (d *DFA) NumStates() int { return len(d.Kinds) }

// BuildDFA encodes f (see Encode) and returns the automaton MONA computes
// for it. Run it on letter traces with (*DFA).Accepts.
func BuildDFA(ctx context.Context, f ltl.Formula, alphabet []Letter) (*DFA, error) {
	prog, err := Encode(f, alphabet)
	if err != nil {
		return nil, err
	}
	out, err := run(ctx, prog, "-q", "-n", "-w")
	if err != nil {
		return nil, err
	}
	d, err := ParseDFA(out)
	if err != nil {
		return nil, err
	}
	d.letters = len(alphabet)
	return d, nil
}

var (
	dfaVarsRe  = regexp.MustCompile(`(?m)^DFA for formula with free variables:(.*)$`)
	dfaInitRe  = regexp.MustCompile(`(?m)^Initial state: (\d+)\s*$`)
	dfaKindRe  = regexp.MustCompile(`(?m)^(Accepting|Rejecting|Don't-care) states:(.*)$`)
	dfaCountRe = regexp.MustCompile(`(?m)^Automaton has (\d+) states?`)
	dfaEdgeRe  = regexp.MustCompile(`(?m)^State (\d+): ([01X]*) -> state (\d+)\s*$`)
)

// ParseDFA reads the automaton from the output of `mona -w`.
func ParseDFA(out string) (*DFA, error) {
	bad := func(format string, args ...any) (*DFA, error) {
		return nil, errorf(ErrOutput, ltl.Pos{}, format, args...)
	}
	m := dfaVarsRe.FindStringSubmatch(out)
	if m == nil {
		return bad("no automaton in: %s", firstLines(out, 4))
	}
	d := &DFA{Vars: strings.Fields(m[1])}
	m = dfaCountRe.FindStringSubmatch(out)
	if m == nil {
		return bad("no state count in the automaton")
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return bad("bad state count %q", m[1])
	}
	d.Kinds = make([]StateKind, n)
	d.trans = make([][]edge, n)
	m = dfaInitRe.FindStringSubmatch(out)
	if m == nil {
		return bad("no initial state in the automaton")
	}
	if d.Initial, err = strconv.Atoi(m[1]); err != nil || d.Initial >= n {
		return bad("bad initial state %q", m[1])
	}
	for _, km := range dfaKindRe.FindAllStringSubmatch(out, -1) {
		kind := map[string]StateKind{"Accepting": Accept, "Rejecting": Reject, "Don't-care": DontCare}[km[1]]
		for _, s := range strings.Fields(km[2]) {
			q, err := strconv.Atoi(s)
			if err != nil || q < 0 || q >= n {
				return bad("bad state %q in %s states", s, km[1])
			}
			d.Kinds[q] = kind
		}
	}
	for q, k := range d.Kinds {
		if k == 0 {
			return bad("state %d is neither accepting, rejecting nor don't-care", q)
		}
	}
	for _, em := range dfaEdgeRe.FindAllStringSubmatch(out, -1) {
		from, err1 := strconv.Atoi(em[1])
		to, err2 := strconv.Atoi(em[3])
		if err1 != nil || err2 != nil || from >= n || to >= n {
			return bad("bad transition %q", em[0])
		}
		if len(em[2]) != len(d.Vars) {
			return bad("transition %q has %d bits for %d variables", em[0], len(em[2]), len(d.Vars))
		}
		d.trans[from] = append(d.trans[from], edge{pattern: em[2], to: to})
	}
	return d, nil
}

// step follows the transition of q on the letter given as one bit per Var.
func (d *DFA) step(q int, letter []byte) (int, bool) {
	for _, e := range d.trans[q] {
		ok := true
		for i := range letter {
			if c := e.pattern[i]; c != 'X' && c != letter[i] {
				ok = false
				break
			}
		}
		if ok {
			return e.to, true
		}
	}
	return 0, false
}

// Accepts runs the automaton on a trace of letter indices (as encoded by
// this package: bit j of the index is variable B<j>). The empty trace is
// rejected, as in ltl.Eval. A trace ending in a don't-care state, or a letter
// without a transition, is an ErrOutput error: it means the automaton was not
// built for this encoding.
func (d *DFA) Accepts(trace []int) (bool, error) {
	if len(trace) == 0 {
		return false, nil
	}
	letter := make([]byte, len(d.Vars))
	// MONA's dummy first letter: every variable reads 0 there.
	for i := range letter {
		letter[i] = '0'
	}
	q, ok := d.step(d.Initial, letter)
	if !ok {
		return false, errorf(ErrOutput, ltl.Pos{}, "no transition from the initial state")
	}
	for pos, l := range trace {
		if l < 0 || (d.letters > 0 && l >= d.letters) {
			return false, errorf(ErrBadTrace, ltl.Pos{}, "trace position %d: letter %d outside the alphabet of %d letters", pos, l, d.letters)
		}
		for i, v := range d.Vars {
			letter[i] = '0'
			if strings.HasPrefix(v, "B") {
				if j, err := strconv.Atoi(v[1:]); err == nil && l>>j&1 == 1 {
					letter[i] = '1'
				}
			}
		}
		if q, ok = d.step(q, letter); !ok {
			return false, errorf(ErrOutput, ltl.Pos{}, "no transition on letter %d at position %d", l, pos)
		}
	}
	switch d.Kinds[q] {
	case Accept:
		return true, nil
	case Reject:
		return false, nil
	}
	return false, errorf(ErrOutput, ltl.Pos{}, "trace ends in don't-care state %d", q)
}
