package mona

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan/ltl"
)

var update = flag.Bool("update", false, "rewrite testdata/encode.txtar from the current encoder")

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
	path := filepath.Join("testdata", "encode.txtar")
	var b strings.Builder
	b.WriteString("Programs Encode and the Accepts/Equivalent encoders write; regenerate with go test ./automata/mona -run TestGoldenEncode -update.\n")
	got := map[string]string{}
	for _, c := range goldenCases() {
		p, err := c.prog()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got[c.name] = p
		fmt.Fprintf(&b, "-- %s.mona --\n%s", c.name, p)
	}
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := readArchive(string(data))
	for _, c := range goldenCases() {
		if want[c.name+".mona"] != got[c.name] {
			t.Errorf("%s: program differs from %s (run with -update if intended):\n%s", c.name, path, got[c.name])
		}
	}
	if !Installed() {
		return
	}
	for name, p := range want {
		if _, err := Check(context.Background(), p); err != nil {
			t.Errorf("%s: MONA rejects the golden program: %v", name, err)
		}
	}
}

// readArchive splits a txtar text into its `-- name --` sections.
func readArchive(s string) map[string]string {
	files := map[string]string{}
	cur := ""
	for _, line := range strings.SplitAfter(s, "\n") {
		t := strings.TrimRight(line, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			cur = t[3 : len(t)-3]
			files[cur] = ""
			continue
		}
		if cur != "" {
			files[cur] += line
		}
	}
	return files
}
