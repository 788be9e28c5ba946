package apps

import (
	"errors"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// FuzzParse: Parse never panics or hangs; a failure is an ltl.ErrorList of
// typed, positioned errors; an app that parses lowers to a spec ltl.Parse
// reads back (or to ErrLower), and Check says something or nothing
// without panicking. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("app a start Home\nscreen Home { tap(\"A\") -> Home }\ngoal F Home\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		a, err := Parse("f.app", src, Options{})
		if err != nil {
			var l ltl.ErrorList
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			for _, e := range l {
				if e.Code == 0 || e.Msg == "" || e.Pos.Line < 1 || e.Pos.Offset > len(src)+3 {
					t.Fatalf("bad error %+v", e)
				}
			}
			_ = l.Format(src)
			return
		}
		text, err := LowerOptions{Inputs: map[string]any{}}.Lower(a)
		if err != nil {
			var l ltl.ErrorList
			if !errors.As(err, &l) || l[0].Code != ErrLower {
				t.Fatalf("Lower: %v", err)
			}
			return
		}
		if _, err := ltl.Parse("lowered.ltl", []byte(text), ltl.Options{MaxSpecBytes: len(text) + 1, MaxInputBytes: int64(len(text) + 1)}); err != nil {
			t.Fatalf("the lowered text does not parse: %v\n%s", err, text)
		}
		if len(src) < 1500 {
			_ = Check(a, specplan.Options{MaxStates: 5000, MaxSymbols: 512})
		}
	})
}
