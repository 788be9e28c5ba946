package mona

import (
	"context"
	"path/filepath"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/specplan/specplan/internal/goldentest"
	"github.com/specplan/specplan/ltl"
)

// goldenCases are programs whose text is pinned in testdata/encode.txtar:
// one per operator family, over testAlphabet (4 letters: no WF axiom needed)
// or a 3-letter alphabet (WF axiom excludes the fourth code).
func goldenCases() []struct {
	name string
	prog func() (string, error)
} {
	three := testAlphabet[:3]
	return []struct {
		name string
		prog func() (string, error)
	}{
		{"future", func() (string, error) {
			return Encode(bin(ltl.OpAnd, un(ltl.OpNext, step("thought")), un(ltl.OpWeakNext, last())), testAlphabet)
		}},
		{"until-release-weak", func() (string, error) {
			return Encode(bin(ltl.OpOr, bin(ltl.OpUntil, step("thought"), callAtom()),
				bin(ltl.OpOr, bin(ltl.OpRelease, step("thought"), callAtom()), bin(ltl.OpWeakUntil, step("thought"), callAtom()))), testAlphabet)
		}},
		{"past", func() (string, error) {
			return Encode(un(ltl.OpAlways, bin(ltl.OpImplies, tool("refund", amountLE(100)),
				bin(ltl.OpAnd, un(ltl.OpYesterday, un(ltl.OpOnce, tool("search"))), bin(ltl.OpSince, un(ltl.OpHistorically, un(ltl.OpNot, step("answer"))), tool("search"))))), three)
		}},
		{"accepts-trace", func() (string, error) {
			return encodeTrace(un(ltl.OpEventually, callAtom()), three, []int{0, 2})
		}},
		{"equivalence", func() (string, error) {
			return encodeEquiv(un(ltl.OpEventually, callAtom()), bin(ltl.OpUntil, cnst(true), callAtom()), three)
		}},
	}
}

// The encoder's output is pinned, and every pinned program is one MONA
// accepts (when mona is installed).
func TestGoldenEncode(t *testing.T) {
	var got []txtar.File
	for _, c := range goldenCases() {
		p, err := c.prog()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got = append(got, txtar.File{Name: c.name + ".mona", Data: []byte(p)})
	}
	want := goldentest.Archive(t, filepath.Join("testdata", "encode.txtar"),
		"Programs Encode and the Accepts/Equivalent encoders write; regenerate with go test ./automata/mona -run TestGoldenEncode -update.\n", got)
	if !Installed() {
		return
	}
	for _, f := range want.Files {
		if _, err := Check(context.Background(), string(f.Data)); err != nil {
			t.Errorf("%s: MONA rejects the golden program: %v", f.Name, err)
		}
	}
}
