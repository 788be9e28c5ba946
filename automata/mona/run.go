package mona

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/specplan/specplan/ltl"
)

// Binary is the name of the MONA executable looked up on PATH.
const Binary = "mona"

// Installed reports whether the mona binary is on PATH.
func Installed() bool {
	_, err := exec.LookPath(Binary)
	return err == nil
}

// Verdict is MONA's analysis of a program's main formula.
type Verdict uint8

const (
	Valid         Verdict = iota + 1 // true under every assignment
	Satisfiable                      // true under some, false under others
	Unsatisfiable                    // true under none
)

func (v Verdict) String() string {
	switch v {
	case Valid:
		return "valid"
	case Satisfiable:
		return "satisfiable"
	case Unsatisfiable:
		return "unsatisfiable"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Example is a satisfying example or counter-example MONA printed: a string
// of Length positions and, per free variable, one character per position
// ('0', '1', or 'X' for "either").
type Example struct {
	Length int
	Bits   map[string]string
}

// Trace decodes the example into letter indices of an alphabet of n letters
// encoded by this package (letter i is the binary code of i over B0, B1, …).
// An 'X' reads as 0: MONA prints X where every choice gives an example.
func (x *Example) Trace(n int) ([]int, error) {
	if n <= 0 {
		return nil, errorf(ErrBadAlphabet, ltl.Pos{}, "empty alphabet")
	}
	trace := make([]int, x.Length)
	for j := 0; ; j++ {
		col, ok := x.Bits[bitVar(j)]
		if !ok {
			break
		}
		if len(col) != x.Length {
			return nil, errorf(ErrOutput, ltl.Pos{}, "example column %s has %d positions, want %d", bitVar(j), len(col), x.Length)
		}
		for i := range col {
			if col[i] == '1' {
				trace[i] |= 1 << j
			}
		}
	}
	for i, l := range trace {
		if l >= n {
			return nil, errorf(ErrOutput, ltl.Pos{}, "example position %d has code %d outside the alphabet of %d letters", i, l, n)
		}
	}
	return trace, nil
}

// Result is what Check read from MONA's output.
type Result struct {
	Verdict        Verdict
	Example        *Example // least satisfying example; nil when unsatisfiable
	Counterexample *Example // least counter-example; nil when valid
	Output         string   // MONA's output, verbatim
}

// run writes program to a temporary file and runs mona on it with flags,
// returning standard output and error together. The process is killed when
// ctx ends; that is reported as ErrTimeout.
func run(ctx context.Context, program string, flags ...string) (string, error) {
	path, err := exec.LookPath(Binary)
	if err != nil {
		return "", errorf(ErrNotInstalled, ltl.Pos{}, "%s not found on PATH (Debian/Ubuntu: apt-get install mona)", Binary)
	}
	if err := ctx.Err(); err != nil {
		return "", errorf(ErrTimeout, ltl.Pos{}, "not started: %v", err)
	}
	f, err := os.CreateTemp("", "specplan-*.mona")
	if err != nil {
		return "", errorf(ErrMONA, ltl.Pos{}, "temporary file: %v", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(program); err != nil {
		f.Close()
		return "", errorf(ErrMONA, ltl.Pos{}, "temporary file: %v", err)
	}
	if err := f.Close(); err != nil {
		return "", errorf(ErrMONA, ltl.Pos{}, "temporary file: %v", err)
	}
	cmd := exec.CommandContext(ctx, path, append(flags, f.Name())...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// After the kill, do not wait for pipes held open by anything mona left behind.
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return out.String(), errorf(ErrTimeout, ltl.Pos{}, "killed: %v", ctx.Err())
	}
	if err != nil {
		return out.String(), errorf(ErrMONA, ltl.Pos{}, "%v: %s", err, firstLines(out.String(), 4))
	}
	if strings.Contains(out.String(), "Execution aborted") {
		return out.String(), errorf(ErrMONA, ltl.Pos{}, "%s", firstLines(out.String(), 4))
	}
	return out.String(), nil
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " / ")
}

// Check runs MONA on a program and reads its verdict and examples.
func Check(ctx context.Context, program string) (Result, error) {
	out, err := run(ctx, program, "-q")
	if err != nil {
		return Result{Output: out}, err
	}
	return parseResult(out)
}

var exampleHeader = regexp.MustCompile(`^A (satisfying example|counter-example) of least length \((\d+)\) is:$`)

func parseResult(out string) (Result, error) {
	r := Result{Output: out}
	switch {
	case strings.Contains(out, "Formula is valid"):
		r.Verdict = Valid
	case strings.Contains(out, "Formula is unsatisfiable"):
		r.Verdict = Unsatisfiable
	case strings.Contains(out, "A satisfying example") && strings.Contains(out, "A counter-example"):
		r.Verdict = Satisfiable
	default:
		return r, errorf(ErrOutput, ltl.Pos{}, "no verdict in: %s", firstLines(out, 4))
	}
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		m := exampleHeader.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		x := &Example{Length: n, Bits: map[string]string{}}
		// Rows: NAME, the dummy column MONA prints for the initial state, then
		// the positions as one word. They end at the first `NAME = {…}` line.
		for i++; i < len(lines); i++ {
			fields := strings.Fields(lines[i])
			if len(fields) == 0 {
				continue
			}
			if len(fields) >= 2 && fields[1] == "=" {
				break
			}
			if len(fields) < 2 || len(fields) > 3 {
				return r, errorf(ErrOutput, ltl.Pos{}, "unexpected example row %q", lines[i])
			}
			col := ""
			if len(fields) == 3 {
				col = fields[2]
			}
			x.Bits[fields[0]] = col
		}
		if m[1] == "satisfying example" {
			r.Example = x
		} else {
			r.Counterexample = x
		}
	}
	return r, nil
}

// Accepts decides with MONA whether trace (letter indices into alphabet)
// satisfies f, by the validity of "the string is exactly trace ⇒ f". The empty
// trace satisfies nothing, as in ltl.Eval.
func Accepts(ctx context.Context, f ltl.Formula, alphabet []Letter, trace []int) (bool, error) {
	if len(trace) == 0 {
		// Still reject malformed input rather than answering for it.
		if _, err := Encode(f, alphabet); err != nil {
			return false, err
		}
		return false, nil
	}
	prog, err := encodeTrace(f, alphabet, trace)
	if err != nil {
		return false, err
	}
	r, err := Check(ctx, prog)
	if err != nil {
		return false, err
	}
	return r.Verdict == Valid, nil
}

// Distinguish decides with MONA whether f and g agree on every non-empty trace
// over alphabet. When they do not, it returns a shortest trace on which they
// differ (letter indices into alphabet).
func Distinguish(ctx context.Context, f, g ltl.Formula, alphabet []Letter) (equal bool, witness []int, err error) {
	prog, err := encodeEquiv(f, g, alphabet)
	if err != nil {
		return false, nil, err
	}
	r, err := Check(ctx, prog)
	if err != nil {
		return false, nil, err
	}
	if r.Verdict == Valid {
		return true, nil, nil
	}
	if r.Counterexample == nil {
		return false, nil, errorf(ErrOutput, ltl.Pos{}, "not valid but no counter-example in: %s", firstLines(r.Output, 4))
	}
	w, err := r.Counterexample.Trace(len(alphabet))
	if err != nil {
		return false, nil, err
	}
	return false, w, nil
}

// Equivalent decides with MONA whether f and g agree on every non-empty trace
// over alphabet (validity of f ⇔ g under the letter axioms).
func Equivalent(ctx context.Context, f, g ltl.Formula, alphabet []Letter) (bool, error) {
	eq, _, err := Distinguish(ctx, f, g, alphabet)
	return eq, err
}

// ChainFormula returns the sequential chain F(a1 & X F(a2 & X F(… F(ak))))
// over k step letters a1…ak, the family on which MONA's construction grows
// exponentially while the minimal DFA has k+2 states.
func ChainFormula(k int) (ltl.Formula, []Letter) {
	letters := make([]Letter, k)
	for i := range letters {
		name := "a" + strconv.Itoa(i+1)
		letters[i] = Letter{Name: name, Event: ltl.Event{Step: name}}
	}
	var f ltl.Formula
	for i := k - 1; i >= 0; i-- {
		var inner ltl.Formula = &ltl.Atom{Kind: ltl.AtomStep, Name: letters[i].Name}
		if f != nil {
			inner = &ltl.Binary{Op: ltl.OpAnd, L: inner, R: &ltl.Unary{Op: ltl.OpNext, X: f}}
		}
		f = &ltl.Unary{Op: ltl.OpEventually, X: inner}
	}
	return f, letters
}

// TimeChain encodes ChainFormula(k) and times one MONA run deciding it (the
// process start included, the encoding excluded). The chain is satisfiable;
// any other verdict is an error.
func TimeChain(ctx context.Context, k int) (time.Duration, error) {
	if k < 1 {
		return 0, errorf(ErrBadFormula, ltl.Pos{}, "chain length %d: want at least 1", k)
	}
	f, letters := ChainFormula(k)
	prog, err := Encode(f, letters)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	r, err := Check(ctx, prog)
	d := time.Since(start)
	if err != nil {
		return d, err
	}
	if r.Verdict != Satisfiable {
		return d, errorf(ErrOutput, ltl.Pos{}, "chain K=%d: MONA says %v, want satisfiable", k, r.Verdict)
	}
	return d, nil
}
