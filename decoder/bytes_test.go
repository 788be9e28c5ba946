package decoder

import (
	"math/big"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// leafWalk checks a leaf's contract on random walks: every state it returns
// is live, minRem is 0 exactly at final states, and some byte always brings
// minRem down by one (so the budget's shortest completion exists).
func leafWalk(t *testing.T, l leaf, r *rand.Rand, alphabet string, walks int, accept func(string) error) int {
	t.Helper()
	finals := 0
	for range walks {
		ls, text := l.init(), ""
		for steps := 0; ; steps++ {
			rem := l.minRem(ls)
			if rem < 0 {
				t.Fatalf("dead state after %q", text)
			}
			if (rem == 0) != l.final(ls) {
				t.Fatalf("after %q: minRem %d but final %v", text, rem, l.final(ls))
			}
			if l.final(ls) && (r.IntN(4) == 0 || steps > 40) {
				if err := accept(text); err != nil {
					t.Fatalf("final %q: %v", text, err)
				}
				finals++
				break
			}
			var next []byte
			down := false
			for i := 0; i < len(alphabet); i++ {
				if s, ok := l.step(ls, alphabet[i]); ok {
					next = append(next, alphabet[i])
					if l.minRem(s) == rem-1 {
						down = true
					}
				}
			}
			if rem > 0 && !down {
				t.Fatalf("after %q (minRem %d): no byte brings it closer", text, rem)
			}
			if len(next) == 0 {
				if !l.final(ls) {
					t.Fatalf("stuck after %q", text)
				}
				if err := accept(text); err != nil {
					t.Fatalf("final %q: %v", text, err)
				}
				finals++
				break
			}
			// Prefer the shortest completion sometimes, so walks end.
			b := next[r.IntN(len(next))]
			if steps > 20 {
				for _, c := range next {
					if s, _ := l.step(ls, c); l.minRem(s) == rem-1 {
						b = c
						break
					}
				}
			}
			ls, _ = l.step(ls, b)
			text += string([]byte{b})
		}
	}
	return finals
}

func TestNumberLeaf(t *testing.T) {
	le := func(v float64) ltl.Pred { return numPred("x", ltl.CmpLe, v) }
	cases := []struct {
		name    string
		integer bool
		preds   []ltl.Pred
		holds   []bool
		bounds  []interval
	}{
		{"le0.1", false, []ltl.Pred{le(0.1)}, []bool{true}, nil},
		{"gt99.5", false, []ltl.Pred{le(99.5)}, []bool{false}, nil},
		{"eq3int", true, []ltl.Pred{numPred("x", ltl.CmpEq, 3)}, []bool{true}, nil},
		{"ne0", false, []ltl.Pred{numPred("x", ltl.CmpNe, 0)}, []bool{true}, nil},
		{"lt-0.001", false, []ltl.Pred{numPred("x", ltl.CmpLt, -0.001)}, []bool{true}, nil},
		{"ge1e20", false, []ltl.Pred{numPred("x", ltl.CmpGe, 1e14)}, []bool{true}, nil},
		{"band", true, []ltl.Pred{numPred("x", ltl.CmpGt, 10), numPred("x", ltl.CmpLt, 13)}, []bool{true, true}, nil},
		{"odd-const", false, []ltl.Pred{le(0.30000000000000004)}, []bool{true}, []interval{{lo: ratOf(0.3)}}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		ivs := fullLine
		if c.bounds != nil {
			ivs = c.bounds
		}
		for i, p := range c.preds {
			ivs = intersect(ivs, predIntervals(p, c.holds[i]))
		}
		l := newNumLeaf(c.integer, ivs)
		n := leafWalk(t, l, r, "-0123456789.", 80, func(s string) error {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return err
			}
			if c.integer && v != float64(int64(v)) {
				return strconv.ErrSyntax
			}
			for i, p := range c.preds {
				if p.Holds(map[string]any{"x": v}) != c.holds[i] {
					return &ConstraintError{Code: CodeInternal, Msg: p.String() + " is " + strconv.FormatBool(!c.holds[i])}
				}
			}
			return nil
		})
		if n == 0 {
			t.Errorf("%s: no number completed", c.name)
		}
	}
	// An empty set: the leaf cannot even start.
	empty := newNumLeaf(false, intersect([]interval{{lo: ratOf(5)}}, []interval{{hi: ratOf(3)}}))
	if empty.minRem("") != -1 {
		t.Errorf("empty set: minRem = %d", empty.minRem(""))
	}
	// The shortest completions are exact.
	for _, c := range []struct {
		lo, hi float64
		prefix string
		want   int
	}{{12.5, 13, "12", 2}, {0.001, 0.002, "0", 4}, {100, 1e9, "", 3}, {-5, 5, "-", 1}, {-5, -4.5, "", 2}, {-5, -4.5, "-4", 2}} {
		l := newNumLeaf(false, []interval{{lo: ratOf(c.lo), hi: ratOf(c.hi), hiOpen: true}})
		if got := l.minRem(c.prefix); got != c.want {
			t.Errorf("%v <= x < %v after %q: minRem %d, want %d", c.lo, c.hi, c.prefix, got, c.want)
		}
	}
}

func TestStringLeaf(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	alpha := "ab\"\\nu/\xc3\xa9\xe2\x82\xac \x01"
	for _, c := range []struct {
		name string
		l    *strLeaf
		ok   func(string) bool
	}{
		{"in", &strLeaf{mode: modeJSON, in: []string{"ab", "a\"b", "é€", "a"}, maxLen: -1},
			func(s string) bool { return s == "ab" || s == "a\"b" || s == "é€" || s == "a" }},
		{"notin-len", &strLeaf{mode: modeJSON, notIn: []string{"a", "ab"}, minLen: 1, maxLen: 3},
			func(s string) bool { n := len([]rune(s)); return s != "a" && s != "ab" && n >= 1 && n <= 3 }},
		{"ident", &strLeaf{mode: modeIdent, notIn: pythonKeywords, maxLen: -1},
			func(s string) bool { return isIdent(s) }},
	} {
		a := alpha
		if c.l.mode == modeIdent {
			a = "abnu_0N"
		}
		leafWalk(t, c.l, r, a, 300, func(text string) error {
			s := text
			if c.l.mode == modeJSON {
				if err := jsonUnquote(text, &s); err != nil {
					return err
				}
			}
			if !c.ok(s) {
				return &ConstraintError{Code: CodeInternal, Msg: "value " + strconv.Quote(s) + " violates " + c.name}
			}
			return nil
		})
	}
}

func TestRegexLeaf(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, c := range []struct{ pattern, alpha string }{
		{"^[a-c]{2,3}-[0-9]+$", "abcd-019\\"},
		{"b+c", "abc\\n"},
		{"^A.*Z$", "AZa\xc3\xa9\\"},
		{"é+$", "e\xc3\xa9\xa8x"},
		{"^(x|yz)*$", "xyz"},
	} {
		l, err := newRegexLeaf(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(c.pattern)
		n := leafWalk(t, l, r, c.alpha+"\"", 200, func(text string) error {
			var s string
			if err := jsonUnquote(text, &s); err != nil {
				return err
			}
			if !re.MatchString(s) {
				return &ConstraintError{Code: CodeInternal, Msg: strconv.Quote(s) + " does not match " + c.pattern}
			}
			return nil
		})
		if n == 0 {
			t.Errorf("%s: nothing completed", c.pattern)
		}
	}
	if _, err := newRegexLeaf(`\bx`); err == nil {
		t.Error("word boundary accepted")
	}
}

// ratOf is the exact decimal value of a float64 at its shortest form.
func ratOf(f float64) *big.Rat {
	r, _ := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	return r
}
