package ltl

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// endless is a reader that never ends, like /dev/zero: a reader without a
// limit would grow until the machine runs out of memory.
type endless struct {
	b    byte
	read int64
}

func (r *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b
	}
	r.read += int64(len(p))
	return len(p), nil
}

func limitErr(t *testing.T, err error, option, flag string) {
	t.Helper()
	var l ErrorList
	if !errors.As(err, &l) || len(l) != 1 || l[0].Code != ErrInputLimit {
		t.Fatalf("want one ErrInputLimit, got %v", err)
	}
	if !strings.Contains(l[0].Msg, option) || !strings.Contains(l[0].Msg, flag) {
		t.Fatalf("limit error %q must name %s and %s", l[0].Msg, option, flag)
	}
}

func TestReadInputEndless(t *testing.T) {
	r := &endless{}
	_, err := Options{MaxInputBytes: 1 << 20}.ReadInput("zero", r)
	limitErr(t, err, "MaxInputBytes", "--max-input-bytes")
	if r.read > 2<<20 {
		t.Fatalf("read %d bytes for a limit of 1 MiB", r.read)
	}
	data, err := Options{MaxInputBytes: 5}.ReadInput("f", strings.NewReader("12345"))
	if err != nil || string(data) != "12345" {
		t.Fatalf("an input of exactly the limit: %q %v", data, err)
	}
}

func TestReadTraceEndless(t *testing.T) {
	// No newline ever: the line limit stops it.
	r := &endless{}
	_, err := Options{MaxLineBytes: 1000}.ReadTrace("zero", r, nil)
	limitErr(t, err, "MaxLineBytes", "--max-line-bytes")
	if r.read > 1<<20 {
		t.Fatalf("read %d bytes for a line limit of 1000", r.read)
	}
	// Endless blank lines: the input limit stops it.
	r = &endless{b: '\n'}
	_, err = Options{MaxInputBytes: 1 << 20}.ReadTrace("newlines", r, nil)
	limitErr(t, err, "MaxInputBytes", "--max-input-bytes")
	if r.read > 2<<20 {
		t.Fatalf("read %d bytes for an input limit of 1 MiB", r.read)
	}
	// A line of exactly the limit is accepted.
	line := `{"step":"a","text":"` + strings.Repeat("x", 80) + `"}`
	if _, err := (Options{MaxLineBytes: len(line)}).ReadTrace("t", strings.NewReader(line+"\n"), nil); err != nil {
		t.Fatalf("a line of exactly the limit: %v", err)
	}
	_, err = Options{MaxLineBytes: len(line) - 1}.ReadTrace("t", strings.NewReader(line+"\n"), nil)
	limitErr(t, err, "MaxLineBytes", "--max-line-bytes")
}

func TestJSONDepthLimit(t *testing.T) {
	deep := `{"tool":"t","args":{"a":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "}}\n"
	if _, err := (Options{MaxJSONDepth: 22}).ReadTrace("t", strings.NewReader(deep), nil); err != nil {
		t.Fatal(err)
	}
	_, err := Options{MaxJSONDepth: 21}.ReadTrace("t", strings.NewReader(deep), nil)
	limitErr(t, err, "MaxJSONDepth", "--max-json-depth")
	cat := `[{"name":"t","parameters":` + strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200) + "}]"
	_, err = ParseCatalog("c.json", []byte(cat))
	limitErr(t, err, "MaxJSONDepth", "--max-json-depth")
	_, err = Options{MaxInputBytes: 10}.ParseCatalog("c.json", []byte(cat))
	limitErr(t, err, "MaxInputBytes", "--max-input-bytes")
}

// TestCatalogLinear: positioning every tool of a catalog was quadratic (10k
// tools took 23 s); 4× the tools must take about 4× as long, on one line
// (the worst case for column counting) and one tool per line.
func TestCatalogLinear(t *testing.T) {
	gen := func(n int, sep string) []byte {
		var b strings.Builder
		b.WriteString("[")
		for i := range n {
			if i > 0 {
				b.WriteString("," + sep)
			}
			fmt.Fprintf(&b, `{"type":"function","function":{"name":"tool_%d","description":"é","parameters":{"type":"object"}}}`, i)
		}
		b.WriteString("]")
		return []byte(b.String())
	}
	for _, sep := range []string{"", "\n"} {
		small, big := gen(4000, sep), gen(16000, sep)
		if tools, err := ParseCatalog("c.json", big); err != nil || len(tools) != 16000 {
			t.Fatalf("%d tools, %v", len(tools), err)
		}
		ratio := best(func() { _, _ = ParseCatalog("c.json", big) }) / best(func() { _, _ = ParseCatalog("c.json", small) })
		if ratio > 4*3 {
			t.Errorf("sep %q: 4× the tools took %.1f× as long", sep, ratio)
		}
	}
}

func best(f func()) float64 {
	// CPU time of the process, not wall time: the machine running the tests
	// may be shared, and a starved run must not look quadratic. The kernel
	// may count CPU time in ticks, so f runs often enough to take 20 ms.
	b := time.Duration(1 << 62)
	for range 5 {
		n := 0
		t0 := cpuTime()
		for n == 0 || cpuTime()-t0 < 20*time.Millisecond {
			f()
			n++
		}
		b = min(b, (cpuTime()-t0)/time.Duration(n))
	}
	return float64(max(b, 1))
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCatalogRef(t *testing.T) {
	src := []byte("spec s\n# tools from \"no.json\"\ntools from \"refund.tools.json\"\ntools from, x\nrule F from\n")
	ref := FindCatalogRef("s.ltl", src)
	if ref == nil || ref.Path != "refund.tools.json" || ref.Pos.Line != 3 || ref.Pos.Column != 1 {
		t.Fatalf("FindCatalogRef = %+v", ref)
	}
	s, err := Parse("s.ltl", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Catalog == nil || *s.Catalog != *ref {
		t.Fatalf("Parse recorded %+v, FindCatalogRef %+v", s.Catalog, ref)
	}
	// `from` stays usable as a tool name.
	if got := declNames(s.Tools); strings.Join(got, ",") != "from,x" {
		t.Fatalf("tools %v", got)
	}
	_, err = Parse("s.ltl", []byte("spec s\ntools from \"a.json\"\ntools from \"b.json\"\ntools t\nrule F t\n"), Options{})
	var l ErrorList
	if !errors.As(err, &l) || len(l) != 1 || l[0].Code != ErrDuplicate || l[0].Pos.Line != 3 {
		t.Fatalf("two catalogs: %v", err)
	}
	if FindCatalogRef("s.ltl", []byte("spec s tools t rule F t")) != nil {
		t.Fatal("a spec without `tools from` has no catalog")
	}
}

func TestParseInputLimit(t *testing.T) {
	src := []byte("spec s steps a rule F a")
	if _, err := (Options{MaxInputBytes: int64(len(src))}).ReadInput("s", strings.NewReader(string(src))); err != nil {
		t.Fatal(err)
	}
	_, err := Parse("s.ltl", src, Options{MaxInputBytes: int64(len(src) - 1)})
	limitErr(t, err, "MaxInputBytes", "--max-input-bytes")
	if _, err := Parse("s.ltl", src, Options{MaxInputBytes: int64(len(src))}); err != nil {
		t.Fatal(err)
	}
}
