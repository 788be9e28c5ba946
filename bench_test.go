package specplan_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/automata/mona"
	"github.com/specplan/specplan/ltl"
)

// monaGiveUp: once one MONA run of a family passes this, larger members of
// the family are skipped (they only take longer; MONA grows exponentially).
const monaGiveUp = 30 * time.Second

// BenchmarkCompile compares specplan's LTLf→minimal DFA with MONA building
// its DFA for the same formula over the same letters, in the same run:
// the chain family F(a1 & X F(a2 & X F(…))) for K = 2…40, and the bundled
// specs. Each pair of sub-benchmarks is `…/specplan` and `…/mona`;
// scripts/bench-compile.sh turns the output into the README's table.
// MONA's time includes starting its process (about 3 ms here).
func BenchmarkCompile(b *testing.B) {
	haveMONA := mona.Installed()
	monaTooSlow := 0
	for _, k := range []int{2, 5, 10, 12, 14, 16, 20, 30, 40} {
		f, letters := mona.ChainFormula(k)
		steps := make([]string, len(letters))
		for i, l := range letters {
			steps[i] = l.Name
		}
		b.Run("chain/K="+strconv.Itoa(k)+"/specplan", func(b *testing.B) {
			alpha, err := automata.NewAlphabet(steps, nil, f)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				d, err := automata.Compile(f, alpha, automata.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if d.NumStates() != k+1 {
					b.Fatalf("chain K=%d: %d states, want %d", k, d.NumStates(), k+1)
				}
			}
		})
		b.Run("chain/K="+strconv.Itoa(k)+"/mona", func(b *testing.B) {
			switch {
			case !haveMONA:
				b.Skip("mona not installed (apt-get install mona)")
			case monaTooSlow > 0:
				b.Skipf("MONA already took over %v at K=%d", monaGiveUp, monaTooSlow)
			}
			for b.Loop() {
				start := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), 2*monaGiveUp)
				_, err := mona.BuildDFA(ctx, f, letters)
				timedOut := ctx.Err() != nil
				cancel()
				if timedOut {
					monaTooSlow = k
					b.Skipf("MONA did not finish within %v", 2*monaGiveUp)
				}
				if err != nil {
					b.Fatal(err)
				}
				if time.Since(start) > monaGiveUp {
					monaTooSlow = k
					b.Skipf("one MONA run took %v", time.Since(start))
				}
			}
		})
	}
	// Routines: N numbered steps, each a tool called at most once, in order
	// (each needs the previous one earlier), and the last one must happen —
	// the shape of an enterprise Routine.
	for _, n := range []int{5, 10, 20, 30} {
		var rules []string
		var tools []string
		for i := 1; i <= n; i++ {
			tools = append(tools, "t"+strconv.Itoa(i))
			rules = append(rules, "rule at_most(1, t"+strconv.Itoa(i)+")")
			if i > 1 {
				rules = append(rules, "rule precedes(t"+strconv.Itoa(i-1)+", t"+strconv.Itoa(i)+")")
			}
		}
		rules = append(rules, "rule F t"+strconv.Itoa(n))
		src := "spec routine\ntools " + strings.Join(tools, ", ") + "\n" + strings.Join(rules, "\n") + "\n"
		benchSpec(b, "routine/N="+strconv.Itoa(n), src, haveMONA)
	}
	paths, _ := filepath.Glob("specs/*.ltl")
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		benchSpec(b, "spec="+strings.TrimSuffix(filepath.Base(path), ".ltl"), string(src), haveMONA)
	}
}

// benchSpec times compiling one spec (the whole spec and each rule, as
// specplan.Build does) against MONA building the DFA of its formula over
// the same letters.
func benchSpec(b *testing.B, name, text string, haveMONA bool) {
	src, err := specplan.Parse(name+".ltl", []byte(text), specplan.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run(name+"/specplan", func(b *testing.B) {
		for b.Loop() {
			if _, err := specplan.Build([]*ltl.Spec{src}, specplan.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(name+"/mona", func(b *testing.B) {
		if !haveMONA {
			b.Skip("mona not installed (apt-get install mona)")
		}
		spec, err := specplan.Build([]*ltl.Spec{src}, specplan.Options{})
		if err != nil {
			b.Fatal(err)
		}
		alpha := spec[0].Alphabet()
		letters := make([]mona.Letter, len(alpha.Symbols))
		for i, ev := range alpha.Events(seq(len(alpha.Symbols))) {
			letters[i] = mona.Letter{Name: "l" + strconv.Itoa(i), Event: ev}
		}
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*monaGiveUp)
			_, err := mona.BuildDFA(ctx, src.Formula(), letters)
			timedOut := ctx.Err() != nil
			cancel()
			if timedOut {
				b.Skipf("MONA did not finish within %v", 2*monaGiveUp)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// refundMonitorTrace is one accepted run of specs/refund.ltl whose calls
// all match specs/refund.tools.json, with numbers as a JSON reader gives
// them (json.Number) and as Go code writes them (float64, int).
var refundMonitorTrace = []ltl.Event{
	{Tool: "get_order", Args: map[string]any{"order_id": "A17"}},
	{Step: "observation"},
	{Tool: "check_permission", Args: map[string]any{"role": "agent"}},
	{Step: "observation"},
	{Tool: "refund", Args: map[string]any{"order_id": "A17", "amount": 40.0, "currency": "EUR"}},
	{Step: "observation"},
	{Tool: "notify_customer", Args: map[string]any{"message": "done"}},
	{Step: "observation"},
	{Tool: "get_order", Args: map[string]any{"order_id": "B2"}},
	{Step: "observation"},
	{Step: "answer"},
}

// refundMonitor compiles the bundled refund spec with its tool catalog,
// so that every call is checked against its schema as well as the rules.
func refundMonitor(tb testing.TB) *specplan.Monitor {
	tb.Helper()
	data, err := os.ReadFile("specs/refund.tools.json")
	if err != nil {
		tb.Fatal(err)
	}
	tools, err := ltl.ParseCatalog("specs/refund.tools.json", data)
	if err != nil {
		tb.Fatal(err)
	}
	spec, err := specplan.CompileFile("specs/refund.ltl", specplan.Options{Catalog: tools})
	if err != nil {
		tb.Fatal(err)
	}
	if spec.ToolSchema("refund") == nil {
		tb.Fatal("the refund tool has no compiled schema: arguments would not be checked")
	}
	return spec.NewMonitor()
}

// BenchmarkMonitorStep is the guardrail's cost per tool call on the
// bundled refund spec and catalog: classify the event (evaluate the spec's
// argument predicates), validate the arguments against the tool's schema,
// and take one transition. Run with -benchmem: at most 4 allocations per
// call is the target (TestMonitorStepAllocations holds it).
func BenchmarkMonitorStep(b *testing.B) {
	m := refundMonitor(b)
	trace := refundMonitorTrace
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == len(trace) {
			m.Reset()
			i = 0
		}
		if d := m.Step(trace[i]); !d.Allow {
			b.Fatal(d.Reason)
		}
		i++
	}
}

// TestMonitorStepAllocations holds the benchmark's allocation target as a
// test: allocations per call are deterministic, unlike time. Each run is
// one whole accepted session, schemas checked, so the average per Step
// includes the session's event log growing and the Reset.
func TestMonitorStepAllocations(t *testing.T) {
	m := refundMonitor(t)
	trace := refundMonitorTrace
	perRun := testing.AllocsPerRun(200, func() {
		m.Reset()
		for _, e := range trace {
			if d := m.Step(e); !d.Allow {
				t.Fatal(d.Reason)
			}
		}
	})
	if perStep := perRun / float64(len(trace)); perStep > 4 {
		t.Errorf("Monitor.Step allocates %.2f times per call on the refund spec, want at most 4", perStep)
	}
}
