package ltl

import (
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// linearRatio fails t unless run(10·n) takes less than maxRatio times as
// long as run(n), each timed as the best of three runs in this process. A
// linear path gives about 10, a quadratic one about 100: the bound of 30
// leaves room for noise and fixed costs and still catches n².
func linearRatio(t *testing.T, n int, run func(n int)) {
	t.Helper()
	const maxRatio = 30
	// Small and large runs alternate, each side keeps its best time, and
	// a noisy attempt (the machine is shared) is retried: a quadratic path
	// fails every attempt.
	run(n) // warm up
	var small, large time.Duration
	var r float64
	for attempt := 0; attempt < 3; attempt++ {
		small, large = 0, 0
		for i := 0; i < 3; i++ {
			for _, m := range []struct {
				n   int
				out *time.Duration
			}{{n, &small}, {10 * n, &large}} {
				start := time.Now()
				run(m.n)
				if d := time.Since(start); *m.out == 0 || d < *m.out {
					*m.out = d
				}
			}
		}
		if r = float64(large) / float64(max(small, time.Microsecond)); r <= maxRatio {
			return
		}
	}
	t.Fatalf("input ×10 took ×%.0f (%v for n=%d, %v for n=%d): not linear", r, small, n, large, 10*n)
}

// TestFormatLinear: printing n errors of one file, one per line, must not
// re-split the file per error (40k bad trace lines took 58 s). The readers
// stop at MaxErrors, so the list is built here: FormatFiles serves every
// error list, not only a reader's.
func TestFormatLinear(t *testing.T) {
	linearRatio(t, 2000, func(n int) {
		src := strings.Repeat("{\"tool\": 1}\n", n)
		l := make(ErrorList, n)
		for i := range l {
			l[i] = &Error{Pos: Pos{Filename: "t.jsonl", Line: i + 1, Column: 10, Offset: 12*i + 9}, Code: ErrTraceSyntax, Msg: "field \"tool\" must be a string"}
		}
		if out := l.FormatFiles(map[string][]byte{"t.jsonl": []byte(src)}); strings.Count(out, "^") != n {
			t.Fatalf("want %d carets", n)
		}
	})
}

// TestFormatLongLineLinear: many errors on one long line must not print the
// whole line once per error.
func TestFormatLongLineLinear(t *testing.T) {
	linearRatio(t, 300, func(n int) {
		var b strings.Builder
		b.WriteString("spec s tools t rule t")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, " & u%d", i)
		}
		src := []byte(b.String())
		_, err := Parse("s.ltl", src, Options{})
		var l ErrorList
		if !errors.As(err, &l) || len(l) != n {
			t.Fatalf("want %d errors, got %v", n, err)
		}
		out := l.Format(src)
		if len(out) > n*(4*quoteContext+200) {
			t.Fatalf("%d bytes of output for %d errors: the line is quoted whole", len(out), n)
		}
	})
}

// TestSuggestLinear: "did you mean" over many declared names, for many
// misspellings, is bounded (20k names took 45 s).
func TestSuggestLinear(t *testing.T) {
	linearRatio(t, 200, func(n int) {
		var b strings.Builder
		b.WriteString("spec s\ntools ")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "tool_number_%d", i)
		}
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "\nrule F toolnumber_%d", i)
		}
		_, err := Parse("s.ltl", []byte(b.String()), Options{})
		var l ErrorList
		if !errors.As(err, &l) || len(l) != n {
			t.Fatalf("want %d errors, got %v", n, err)
		}
	})
}

// TestTraceUndeclaredLinear: each event's name is looked up, not searched
// for among all declarations.
func TestTraceUndeclaredLinear(t *testing.T) {
	linearRatio(t, 500, func(n int) {
		var b strings.Builder
		b.WriteString("spec s\ntools ")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "t%d", i)
		}
		s, err := Parse("s.ltl", []byte(b.String()), Options{})
		if err != nil {
			t.Fatal(err)
		}
		var tr strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&tr, "{\"tool\":\"t%d\"}\n", n-1-i)
		}
		if evs, err := ReadTrace("t.jsonl", strings.NewReader(tr.String()), s); err != nil || len(evs) != n {
			t.Fatalf("%d events, %v", len(evs), err)
		}
	})
}

func TestSuggest(t *testing.T) {
	s := &suggester{names: []string{"refund", "lookup", "notify_customer", "a"}}
	for _, c := range []struct{ name, want string }{
		{"refnd", "refund"},
		{"lokup", "lookup"},
		{"notify_customr", "notify_customer"},
		{"b", "a"},
		{"xyzzy", ""},
		{"refundxxxx", ""}, // 4 edits: past the limit of 3
	} {
		want := ""
		if c.want != "" {
			want = fmt.Sprintf(" (did you mean %q?)", c.want)
		}
		if got := s.suggest(c.name); got != want {
			t.Errorf("suggest(%q) = %q, want %q", c.name, got, want)
		}
	}
}

// TestEditDistanceWithin checks the banded distance against the full table.
func TestEditDistanceWithin(t *testing.T) {
	full := func(a, b []rune) int {
		prev := make([]int, len(b)+1)
		for j := range prev {
			prev[j] = j
		}
		for i := 1; i <= len(a); i++ {
			cur := make([]int, len(b)+1)
			cur[0] = i
			for j := 1; j <= len(b); j++ {
				cost := 1
				if a[i-1] == b[j-1] {
					cost = 0
				}
				cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			}
			prev = cur
		}
		return prev[len(b)]
	}
	rng := rand.New(rand.NewSource(1))
	word := func() []rune {
		r := make([]rune, rng.Intn(9))
		for i := range r {
			r[i] = rune('a' + rng.Intn(3))
		}
		return r
	}
	for i := 0; i < 20000; i++ {
		a, b, k := word(), word(), rng.Intn(5)
		want := min(full(a, b), k+1)
		if got := editDistanceWithin(a, b, k); got != want {
			t.Fatalf("editDistanceWithin(%q, %q, %d) = %d, want %d", string(a), string(b), k, got, want)
		}
	}
}

// TestHostileFileNames: a file name can hold a newline, a terminal escape,
// a C1 control or a bidirectional override; none reaches the output as
// itself, and the caret still lines up under the column.
func TestHostileFileNames(t *testing.T) {
	for _, name := range []string{
		"evil\x1b]0;PWNED\x07\nok    fake.ltl",
		"c1\u009b31m.ltl",
		"bidi\u202eltl.exe",
		"iso\u2066x\u2069.ltl",
		"bad\xff.ltl",
	} {
		src := []byte("spec s\ntools t\nrule t(a == \"\x1b\") & uu\n")
		_, err := Parse(name, src, Options{})
		var l ErrorList
		if !errors.As(err, &l) {
			t.Fatalf("%q: %v", name, err)
		}
		for _, out := range []string{l.Error(), l.Format(src), l.FormatFiles(map[string][]byte{name: src})} {
			for _, r := range out {
				if r != '\n' && (r < 0x20 || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069) {
					t.Fatalf("%q: output keeps %U:\n%q", name, r, out)
				}
			}
			if !strings.Contains(out, "\\") {
				t.Fatalf("%q: escaping is not visible in %q", name, out)
			}
		}
		out := l.Format(src)
		lines := strings.Split(out, "\n")
		if len(lines) != 4 {
			t.Fatalf("%q: want 3 lines, got %q", name, out)
		}
		// The escaped ESC is 4 columns wide: the caret still sits under uu.
		if got, want := strings.Index(lines[2], "^"), strings.Index(lines[1], "uu"); got != want {
			t.Fatalf("%q: caret at %d, want %d:\n%s", name, got, want, out)
		}
	}
}

func TestQuoteName(t *testing.T) {
	for _, c := range []struct {
		name, want string
		ok         bool
	}{
		{"refund", "refund", true},
		{"ancient_empires.get_religion_info", "ancient_empires.get_religion_info", true},
		{"next.page", "next.page", true},
		{"read-file", "`read-file`", true},
		{"next", "`next`", true},
		{"my tool", "`my tool`", true},
		{"a.", "`a.`", true},
		{"", `""`, false},
		{"back`tick", "\"back`tick\"", false},
		{"esc\x1b[31m", `"esc\x1b[31m"`, false},
		{"bidi\u202e", `"bidi\u202e"`, false},
		{"two\nlines", `"two\nlines"`, false},
	} {
		got, ok := QuoteName(c.name)
		if got != c.want || ok != c.ok {
			t.Errorf("QuoteName(%q) = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// TestNamesRoundTrip: a formula over names of every kind prints (String)
// to text that parses back to the same formula.
func TestNamesRoundTrip(t *testing.T) {
	tools := []string{"ancient_empires.get_religion_info", "read-file", "next", "my tool", "next.page"}
	src := "G(`read-file`(path == \"a\") -> X ancient_empires.get_religion_info) & F `my tool` & !`next` W next.page & F `once` | call"
	declared := []string{"thought", "once"}
	f, err := ParseFormula("f", []byte(src), declared, tools)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseFormula("back", []byte(f.String()), declared, tools)
	if err != nil {
		t.Fatalf("%s does not parse back: %v", f, err)
	}
	if !Equal(f, back) {
		t.Fatalf("round trip changed %s into %s", f, back)
	}
	var kinds []AtomKind
	WalkAtoms(f, func(a *Atom) { kinds = append(kinds, a.Kind) })
	want := []AtomKind{AtomTool, AtomTool, AtomTool, AtomTool, AtomTool, AtomStep, AtomCall}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("atom kinds %v, want %v", kinds, want)
	}
	if d := Describe(f); !strings.Contains(d, "call of `read-file` with") {
		t.Errorf("Describe does not quote the name as a spec writes it: %s", d)
	}
}

// TestDescribeLinear: describing a violated rule must not copy its
// description once per node (a 20k-term rule took 7 s).
func TestDescribeLinear(t *testing.T) {
	linearRatio(t, 2000, func(n int) {
		var f Formula = &Atom{Kind: AtomStep, Name: "a"}
		for i := 0; i < n; i++ {
			f = &Binary{Op: OpOr, L: f, R: &Unary{Op: OpNext, X: &Atom{Kind: AtomStep, Name: "b"}}}
		}
		if d := Describe(&Unary{Op: OpAlways, X: f}); !strings.Contains(d, "…") {
			t.Fatalf("a rule of %d nodes described in full", 3*n)
		}
	})
}

// TestStringLinear: printing a long chain writes it once (concatenating
// each operand's String copied it once per operator).
func TestStringLinear(t *testing.T) {
	linearRatio(t, 2000, func(n int) {
		var f Formula = &Atom{Kind: AtomStep, Name: "a"}
		for i := 0; i < n; i++ {
			f = &Binary{Op: OpOr, L: f, R: &Unary{Op: OpNext, X: &Atom{Kind: AtomStep, Name: "b"}}}
		}
		if s := f.String(); len(s) != 1+6*n {
			t.Fatalf("%d bytes for %d terms", len(s), n)
		}
	})
}
