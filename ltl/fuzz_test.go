package ltl

import (
	"errors"
	"testing"
)

// FuzzParse: Parse never panics, fails only with an ErrorList, and when it
// succeeds every rule's String() reparses to an equal formula.
func FuzzParse(f *testing.F) {
	f.Add([]byte("spec s steps a, b tools t rule G(a -> X F b) rule t(x <= -1.5, y == \"q\")"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz.ltl", src, Options{})
		if err != nil {
			var l ErrorList
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
			}
			for _, e := range l {
				if e.Code == 0 || e.Msg == "" {
					t.Fatalf("error without code or message: %+v", e)
				}
			}
			_ = l.Format(src)
			return
		}
		steps, tools := declNames(s.Steps), declNames(s.Tools)
		for _, r := range s.Rules {
			text := r.Formula.String()
			// Expanded sugar may nest deeper than the source did.
			back, err := parseFormula("rt", []byte(text), steps, tools, 1<<20)
			if err != nil {
				t.Fatalf("rule %q printed as %q does not reparse: %v", r.Text, text, err)
			}
			if !Equal(back, r.Formula) || back.String() != text {
				t.Fatalf("rule %q: %q reparsed as %q", r.Text, text, back)
			}
			WalkAtoms(r.Formula, func(a *Atom) {
				if a.Kind == AtomUnresolved {
					t.Fatalf("unresolved atom %s in %q", a.Name, r.Text)
				}
			})
		}
	})
}
