package ltl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// The test alphabet: steps p and q, tool t (with a predicate on x) and tool u.
var (
	testSteps  = []string{"p", "q"}
	testTools  = []string{"t", "u"}
	testEvents = []Event{
		{Step: "p"}, {Step: "q"},
		{Tool: "t", Args: map[string]any{"x": 0.0}},
		{Tool: "t", Args: map[string]any{"x": 2.0}},
		{Tool: "u"},
	}
)

// allTraces returns every trace over events of length 1..maxLen.
func allTraces(events []Event, maxLen int) [][]Event {
	var out [][]Event
	layer := [][]Event{{}}
	for n := 1; n <= maxLen; n++ {
		var next [][]Event
		for _, tr := range layer {
			for _, e := range events {
				t := append(append([]Event(nil), tr...), e)
				next = append(next, t)
			}
		}
		out = append(out, next...)
		layer = next
	}
	return out
}

// gen builds random formulas over the test alphabet. With past set, it
// generates only past and boolean operators (the operand of a past operator).
type gen struct{ r *rand.Rand }

func (g gen) atom() Formula {
	switch g.r.Intn(9) {
	case 0:
		return &Atom{Kind: AtomStep, Name: "p"}
	case 1:
		return &Atom{Kind: AtomStep, Name: "q"}
	case 2:
		return &Atom{Kind: AtomCall, Name: "call"}
	case 3:
		return &Atom{Kind: AtomTool, Name: "t"}
	case 4:
		return &Atom{Kind: AtomTool, Name: "t", Preds: []Pred{{Arg: "x", Cmp: CmpLe, Value: Value{Kind: NumberValue, Num: IntNumber(1)}}}}
	case 5:
		return &Atom{Kind: AtomTool, Name: "u"}
	case 6:
		return &Const{Value: g.r.Intn(2) == 0}
	}
	return &Atom{Kind: AtomStep, Name: "p"}
}

var (
	genUnary       = []Op{OpNot, OpNext, OpWeakNext, OpEventually, OpAlways, OpYesterday, OpOnce, OpHistorically}
	genBinary      = []Op{OpAnd, OpOr, OpImplies, OpIff, OpUntil, OpRelease, OpWeakUntil, OpSince}
	genPastUnary   = []Op{OpNot, OpYesterday, OpOnce, OpHistorically}
	genPastBinary  = []Op{OpAnd, OpOr, OpImplies, OpIff, OpSince}
	genFutureOnlyU = map[Op]bool{OpNext: true, OpWeakNext: true, OpEventually: true, OpAlways: true}
)

func (g gen) formula(depth int, past bool) Formula {
	if depth == 0 || g.r.Intn(8) == 0 {
		if !past && g.r.Intn(12) == 0 {
			return &Last{}
		}
		return g.atom()
	}
	us, bs := genUnary, genBinary
	if past {
		us, bs = genPastUnary, genPastBinary
	}
	if g.r.Intn(2) == 0 {
		op := us[g.r.Intn(len(us))]
		return &Unary{Op: op, X: g.formula(depth-1, past || op.IsPast())}
	}
	op := bs[g.r.Intn(len(bs))]
	p := past || op.IsPast()
	return &Binary{Op: op, L: g.formula(depth-1, p), R: g.formula(depth-1, p)}
}

func TestNNFAndSimplifyPreserveEval(t *testing.T) {
	traces := allTraces(testEvents, 4)
	g := gen{rand.New(rand.NewSource(1))}
	for i := 0; i < 300; i++ {
		f := g.formula(5, false)
		n, s, sn := NNF(f), Simplify(f), Simplify(NNF(f))
		if !isNNF(n, false) {
			t.Fatalf("NNF(%s) = %s is not in negation normal form", f, n)
		}
		for _, tr := range traces {
			want := Eval(f, tr)
			if Eval(n, tr) != want || Eval(s, tr) != want || Eval(sn, tr) != want {
				t.Fatalf("formula %s on %s: Eval=%v NNF %s=%v Simplify %s=%v",
					f, eventsString(tr), want, n, Eval(n, tr), s, Eval(s, tr))
			}
		}
	}
}

// isNNF: no -> or <->, and ! only in front of atoms, last and past operators.
func isNNF(f Formula, underPast bool) bool {
	switch f := f.(type) {
	case *Unary:
		if f.Op == OpNot {
			switch x := f.X.(type) {
			case *Atom, *Last:
				return true
			case *Unary:
				return x.Op.IsPast() && isNNF(x, true)
			case *Binary:
				return x.Op.IsPast() && isNNF(x, true)
			}
			return false
		}
		return isNNF(f.X, underPast)
	case *Binary:
		if f.Op == OpImplies || f.Op == OpIff {
			return false
		}
		return isNNF(f.L, underPast) && isNNF(f.R, underPast)
	}
	return true
}

func TestSimplifyCases(t *testing.T) {
	cases := []struct{ in, want string }{
		{"p & true", "p"},
		{"p & false", "false"},
		{"p | true", "true"},
		{"false | p", "p"},
		{"!!p", "p"},
		{"!true", "false"},
		{"true -> p", "p"},
		{"p -> false", "!p"},
		{"p <-> false", "!p"},
		{"p <-> true", "p"},
		{"X false", "false"},
		{"X true", "X true"},
		{"N true", "true"},
		{"F true", "true"},
		{"G false", "false"},
		{"F F p", "F p"},
		{"G G p", "G p"},
		{"true U p", "F p"},
		{"p U false", "false"},
		{"false R p", "G p"},
		{"p W false", "G p"},
		{"true W p", "true"},
		{"true S p", "O p"},
		{"Y false", "false"},
		{"Y true", "Y true"},
		{"p & p", "p"},
		{"G(p | false) & (q | q)", "G p & q"},
	}
	for _, c := range cases {
		f := mustFormula(t, c.in)
		if got := Simplify(f).String(); got != c.want {
			t.Errorf("Simplify(%s) = %s, want %s", c.in, got, c.want)
		}
		if f.String() != mustFormula(t, c.in).String() {
			t.Errorf("Simplify modified its input %s", c.in)
		}
	}
}

func TestNNFCases(t *testing.T) {
	cases := []struct{ in, want string }{
		{"!X p", "N !p"},
		{"!N p", "X !p"},
		{"!F p", "G !p"},
		{"!G p", "F !p"},
		{"!(p U q)", "!p R !q"},
		{"!(p R q)", "!p U !q"},
		{"!(p W q)", "!q U (!p & !q)"},
		{"!(p -> q)", "p & !q"},
		{"p -> q", "!p | q"},
		{"!(p & !q)", "!p | q"},
		{"!O !p", "!O !p"},
		{"!(p S !(q | p))", "!(p S (!q & !p))"},
		{"!last", "!last"},
		{"!true", "false"},
		{"p <-> q", "p & q | !p & !q"},
	}
	for _, c := range cases {
		if got := NNF(mustFormula(t, c.in)).String(); got != c.want {
			t.Errorf("NNF(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func mustFormula(t testing.TB, src string) Formula {
	t.Helper()
	f, err := ParseFormula("f", []byte(src), testSteps, testTools)
	if err != nil {
		t.Fatalf("ParseFormula(%q): %v", src, err)
	}
	return f
}

// TestRoundTrip: String() of random (past-safe) formulas parses back to an
// equal tree whose String is the same.
func TestRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewSource(2))}
	for i := 0; i < 500; i++ {
		f := g.formula(5, false)
		s := f.String()
		back, err := ParseFormula("f", []byte(s), testSteps, testTools)
		if err != nil {
			t.Fatalf("%s does not reparse: %v", s, err)
		}
		if !Equal(f, back) || back.String() != s {
			t.Fatalf("round trip changed %s into %s", s, back)
		}
	}
}

func TestWordsEqualSymbols(t *testing.T) {
	words := mustFormula(t, "not p and q or p implies q iff always eventually next weak_next p until q release p weak_until yesterday once historically q since p")
	syms := mustFormula(t, "!p & q | p -> q <-> G F X N p U q R p W Y O H q S p")
	if !Equal(words, syms) {
		t.Fatalf("words %s != symbols %s", words, syms)
	}
	if got := mustFormula(t, "p && q || p").String(); got != "p & q | p" {
		t.Fatalf("&& || parsed as %s", got)
	}
}

func TestPrecedence(t *testing.T) {
	// Each input and its fully parenthesised reading must be Equal.
	cases := [][2]string{
		{"p <-> q -> p | q & p U q", "p <-> (q -> (p | (q & (p U q))))"},
		{"p -> q -> p", "p -> (q -> p)"},
		{"p U q R p", "p U (q R p)"},
		{"p & q & p", "(p & q) & p"},
		{"p <-> q <-> p", "(p <-> q) <-> p"},
		{"!p U q", "(!p) U q"},
		{"X p & q", "(X p) & q"},
		{"G p -> F q", "(G p) -> (F q)"},
	}
	for _, c := range cases {
		if a, b := mustFormula(t, c[0]), mustFormula(t, c[1]); !Equal(a, b) {
			t.Errorf("%s parsed as %s, want %s", c[0], a, b)
		}
	}
}

// trace builds a trace from space-separated step names (steps a, b, c).
func trace(s string) []Event {
	var out []Event
	for _, f := range strings.Fields(s) {
		out = append(out, Event{Step: f})
	}
	return out
}

func TestSugarSemantics(t *testing.T) {
	steps := []string{"a", "b", "c"}
	cases := []struct {
		f     string
		trace string
		want  bool
	}{
		{"never(a)", "b c b", true},
		{"never(a)", "b a", false},
		{"before(a, b)", "a b", true},
		{"before(a, b)", "c a b", true},
		{"before(a, b)", "b a", false},
		{"before(a, b)", "c c", true},
		{"responds(a, b)", "a b", true},
		{"responds(a, b)", "a a b", true},
		{"responds(a, b)", "a c b a", false},
		{"responds(a, b)", "b c", true},
		{"responds(a, b)", "a", false},
		{"precedes(a, b)", "a b b", true},
		{"precedes(a, b)", "c", true},
		{"precedes(a, b)", "b a", false},
		{"precedes(a, b)", "a c b", true},
		{"precedes(a, b)", "c b", false},
	}
	for _, c := range cases {
		f, err := ParseFormula("f", []byte(c.f), steps, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := Eval(f, trace(c.trace)); got != c.want {
			t.Errorf("%s (= %s) on %q = %v, want %v", c.f, f, c.trace, got, c.want)
		}
	}
}

// TestCountingPatterns checks at_most/at_least/exactly against counting, on
// every trace over {a, b} up to length 6, with an argument that is itself a
// formula (a | c) to exercise copying.
func TestCountingPatterns(t *testing.T) {
	steps := []string{"a", "b", "c"}
	traces := allTraces([]Event{{Step: "a"}, {Step: "b"}, {Step: "c"}}, 6)
	for n := 0; n <= 3; n++ {
		most, _ := ParseFormula("f", []byte(fmt.Sprintf("at_most(%d, a | c)", n)), steps, nil)
		least, _ := ParseFormula("f", []byte(fmt.Sprintf("at_least(%d, a | c)", n)), steps, nil)
		exact, err := ParseFormula("f", []byte(fmt.Sprintf("exactly(%d, a | c)", n)), steps, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range traces {
			k := 0
			for _, e := range tr {
				if e.Step != "b" {
					k++
				}
			}
			if Eval(most, tr) != (k <= n) || Eval(least, tr) != (k >= n) || Eval(exact, tr) != (k == n) {
				t.Fatalf("n=%d trace %s (count %d): at_most=%v at_least=%v exactly=%v",
					n, eventsString(tr), k, Eval(most, tr), Eval(least, tr), Eval(exact, tr))
			}
		}
	}
}

func TestDepthLimitNoStackOverflow(t *testing.T) {
	for _, src := range []string{
		// As deep as DefaultMaxSpecBytes allows.
		strings.Repeat("(", 100_000) + "p" + strings.Repeat(")", 100_000),
		strings.Repeat("!", 200_000) + "p",
		strings.Repeat("never(", 30_000) + "p" + strings.Repeat(")", 30_000),
		strings.Repeat("X (", 200) + "p" + strings.Repeat(")", 200),
	} {
		_, err := ParseFormula("f", []byte(src), testSteps, testTools)
		var l ErrorList
		if !errors.As(err, &l) || len(l) != 1 || l[0].Code != ErrDepthLimit {
			t.Fatalf("deep input %.20q...: got %v, want one ErrDepthLimit", src, err)
		}
	}
	// A long flat chain is not nesting: it parses.
	flat := "p" + strings.Repeat(" & q", 5000)
	if f := mustFormula(t, flat); Size(f) != 10001 {
		t.Fatalf("flat chain size %d", Size(f))
	}
}

func TestMaxDepthOption(t *testing.T) {
	spec := func(n int) []byte {
		return []byte("spec s steps p rule " + strings.Repeat("(", n) + "p" + strings.Repeat(")", n))
	}
	if _, err := Parse("s", spec(10), Options{MaxDepth: 10}); err != nil {
		t.Fatalf("depth 10 with limit 10: %v", err)
	}
	_, err := Parse("s", spec(11), Options{MaxDepth: 10})
	var l ErrorList
	if !errors.As(err, &l) || l[0].Code != ErrDepthLimit || !strings.Contains(l[0].Msg, "MaxDepth = 10") || !strings.Contains(l[0].Msg, "--max-depth") {
		t.Fatalf("depth 11 with limit 10: %v", err)
	}
}

func TestParseResolvesEveryAtom(t *testing.T) {
	s, err := Parse("s", []byte(`spec s steps p tools t rule G(p -> X call) & F t(x == 1) & responds(p, t)`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]AtomKind{}
	n := 0
	WalkAtoms(s.Formula(), func(a *Atom) {
		n++
		kinds[a.Name] = a.Kind
	})
	want := map[string]AtomKind{"p": AtomStep, "call": AtomCall, "t": AtomTool}
	if fmt.Sprint(kinds) != fmt.Sprint(want) || n != 5 {
		t.Fatalf("atoms %v (%d), want %v (5)", kinds, n, want)
	}
}

func TestSpecFormulaAndHelpers(t *testing.T) {
	s, err := Parse("s", []byte("spec s steps p, q rule F p rule G q"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Formula().String(); got != "F p & G q" {
		t.Fatalf("Formula() = %s", got)
	}
	empty, err := Parse("s", []byte("spec s steps p"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := empty.Formula().String(); got != "true" {
		t.Fatalf("Formula() of no rules = %s", got)
	}
	if Size(mustFormula(t, "p U !q")) != 4 {
		t.Fatal("Size(p U !q) != 4")
	}
	for src, want := range map[string]bool{"O p & H q": false, "Y p S q": false, "p & last": true, "O p -> N q": true, "p W q": true} {
		if HasFuture(mustFormula(t, src)) != want {
			t.Errorf("HasFuture(%s) != %v", src, want)
		}
	}
}

func TestCatalogToolsMergeWithSpec(t *testing.T) {
	tools := []ToolDecl{{Name: "search"}, {Name: "lookup"}}
	s, err := Parse("s", []byte("spec s tools search rule F lookup"), Options{Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	if got := declNames(s.Tools); fmt.Sprint(got) != "[search lookup]" {
		t.Fatalf("tools = %v", got)
	}
}

func TestErrorCodesAreDistinctAndNamed(t *testing.T) {
	seen := map[string]bool{}
	for c := ErrSyntax; c <= ErrCatalogTool; c++ {
		s := c.String()
		if strings.HasPrefix(s, "Code(") || seen[s] {
			t.Errorf("code %d has name %q", c, s)
		}
		seen[s] = true
	}
}

func TestReadTracePositions(t *testing.T) {
	s, err := Parse("s", []byte("spec s steps p tools t rule F p"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := "{\"step\":\"p\"}\n\n  {\"tool\":\"x\"}\n{bad\n"
	_, err = ReadTrace("tr.jsonl", strings.NewReader(src), s)
	var l ErrorList
	if !errors.As(err, &l) || len(l) != 2 {
		t.Fatalf("got %v", err)
	}
	if l[0].Code != ErrTraceUndeclared || l[0].Pos.Line != 3 || l[0].Pos.Column != 3 {
		t.Errorf("first error %v (%s)", l[0], l[0].Code)
	}
	if l[1].Code != ErrTraceSyntax || l[1].Pos.Line != 4 || l[1].Pos.Column != 2 {
		t.Errorf("second error %v (%s)", l[1], l[1].Code)
	}
	evs, err := ReadTrace("tr.jsonl", strings.NewReader(`{"tool":"t","args":{"n":3}}`), s)
	if err != nil || len(evs) != 1 {
		t.Fatalf("%v %v", evs, err)
	}
	if n, ok := evs[0].Args["n"].(json.Number); !ok || n != "3" {
		t.Fatalf("number decoded as %T %v, want json.Number 3", evs[0].Args["n"], evs[0].Args["n"])
	}
	if evs, err := ReadTrace("tr.jsonl", strings.NewReader(`{"tool":"anything"}`), nil); err != nil || evs[0].Tool != "anything" {
		t.Fatalf("nil spec must accept any name: %v", err)
	}
}

func TestFormatCaret(t *testing.T) {
	src := []byte("spec s\nsteps p\nrule\tF(pp)\n")
	_, err := Parse("s.ltl", src, Options{})
	var l ErrorList
	if !errors.As(err, &l) {
		t.Fatal(err)
	}
	want := "s.ltl:3:8: \"pp\" is not a declared step or tool (did you mean \"p\"?)\nrule\tF(pp)\n    \t  ^\n"
	if got := l.Format(src); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func BenchmarkParse(b *testing.B) {
	src := []byte(`spec react steps thought, answer, observation tools search, lookup
rule G(thought -> X(call | answer)) rule G(call -> X observation) rule F answer
rule at_most(5, search) rule responds(search, observation) rule precedes(search, lookup)`)
	for i := 0; i < b.N; i++ {
		if _, err := Parse("b", src, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadTraceFuzzFindings pins the two bugs FuzzReadTrace found: `"args":{}`
// must read as no arguments (nil, as its omitempty re-encoding reads back), and
// an error's byte Offset must count bytes, not runes, before its column.
func TestReadTraceFuzzFindings(t *testing.T) {
	evs, err := ReadTrace("tr.jsonl", strings.NewReader(`{"tool":"t","args":{}}`), nil)
	if err != nil || len(evs) != 1 || evs[0].Args != nil {
		t.Fatalf("empty args: %#v %v", evs, err)
	}
	src := "{}\n{\"é0"
	_, err = ReadTrace("tr.jsonl", strings.NewReader(src), nil)
	var l ErrorList
	if !errors.As(err, &l) || len(l) != 2 {
		t.Fatalf("got %v", err)
	}
	if p := l[1].Pos; p.Line != 2 || p.Column != 5 || p.Offset != len(src) {
		t.Fatalf("truncated line with é: got %d:%d offset %d, want 2:5 offset %d", p.Line, p.Column, p.Offset, len(src))
	}
}
