package routines

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/specplan/specplan/ltl"
)

// checkFailure asserts the error contract: a non-empty ltl.ErrorList of
// coded errors with messages, positioned inside src, that Format renders.
func checkFailure(t *testing.T, src []byte, err error) {
	t.Helper()
	var l ltl.ErrorList
	if !errors.As(err, &l) || len(l) == 0 {
		t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
	}
	for _, e := range l {
		if e.Code == 0 || e.Msg == "" {
			t.Fatalf("error without code or message: %+v", e)
		}
		if e.Pos.Line < 1 || e.Pos.Offset < 0 || e.Pos.Offset > len(src) {
			t.Fatalf("error outside the input: %+v", e)
		}
	}
	_ = l.Format(src)
}

// lowered asserts that a lowered spec has only the lines Lower writes:
// no text from the routine (descriptions, names, literals) can start a
// declaration of its own.
func lowered(t *testing.T, text string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		ok := line == ""
		for _, p := range []string{"# ", "spec ", "steps ", "tools ", "let ", "rule "} {
			ok = ok || strings.HasPrefix(line, p)
		}
		if !ok {
			t.Fatalf("lowered spec has a line Lower does not write: %q", line)
		}
	}
}

// after runs what follows a successful parse: the round trip, Check
// without a catalog and Lower, none of which may panic or break their
// error contract.
func after(t *testing.T, src []byte, r *Routine) {
	roundTrip(t, "fuzz", Options{}, r)
	if err := Check(r, nil); err != nil {
		var l ltl.ErrorList
		if !errors.As(err, &l) || len(l) == 0 {
			t.Fatalf("Check error is not an ErrorList: %v", err)
		}
		return
	}
	text, err := LowerOptions{MaxBytes: 1 << 16}.Lower(r)
	if err != nil {
		var l ltl.ErrorList
		if !errors.As(err, &l) || len(l) == 0 {
			t.Fatalf("Lower error is not an ErrorList: %v", err)
		}
		return
	}
	lowered(t, text)
}

// FuzzParse: Parse never panics and fails only with a positioned
// ErrorList; a routine it accepts prints to text that parses back to the
// same AST, and Check and Lower keep their contracts on it.
func FuzzParse(f *testing.F) {
	f.Add([]byte("routine r\n1. \"a\" -> t(x: $y.z, w: any, ...) as y\n2. if $y.k == 1 { 2.1 -> answer end }\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := Parse("fuzz.routine", src)
		if err != nil {
			checkFailure(t, src, err)
			return
		}
		after(t, src, r)
	})
}

// FuzzParseText: the same for the Routine paper's text form; what it
// imports prints as a .routine that parses to the same AST.
func FuzzParseText(f *testing.F) {
	f.Add([]byte("Step 1. A: go; input: x = 1; output: r; uses t\nStep 2. B: decide\nBranch 2-1 Step 1. C: If $r failed, stop\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := ParseText("fuzz.txt", src)
		if err != nil {
			if utf8.Valid(src) {
				checkFailure(t, src, err)
			}
			return
		}
		after(t, src, r)
	})
}
