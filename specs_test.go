package specplan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/routines"
	"github.com/specplan/specplan/schema"
)

// TestBundledSpecs compiles every spec in specs/ and validates its traces:
// specs/testdata/NAME/accept/*.jsonl must be accepted and reject/*.jsonl
// rejected, each rejected trace with a violation that names a position.
// Every accepted trace is also checked with the independent evaluator.
func TestBundledSpecs(t *testing.T) {
	paths, err := filepath.Glob("specs/*.ltl")
	if err != nil || len(paths) < 4 {
		t.Fatalf("expected at least 4 bundled specs, got %v (%v)", paths, err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".ltl")
		t.Run(name, func(t *testing.T) {
			spec, err := specplan.CompileFile(path, catalogFor(t, path))
			if err != nil {
				t.Fatal(err)
			}
			diags, err := spec.Check()
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diags {
				t.Errorf("bundled spec has a finding: %v", d)
			}
			for _, want := range []bool{true, false} {
				dir := "reject"
				if want {
					dir = "accept"
				}
				traces, _ := filepath.Glob(filepath.Join("specs/testdata", name, dir, "*.jsonl"))
				if len(traces) == 0 {
					t.Fatalf("no %s traces for %s", dir, name)
				}
				for _, tp := range traces {
					events := readTrace(t, tp, spec.Source())
					v := spec.Validate(events)
					if v.Accepted != want {
						t.Errorf("%s: accepted=%v, want %v (%+v)", tp, v.Accepted, want, v.Violation)
					}
					if got := ltl.Eval(spec.Source().Formula(), events); got != want {
						t.Errorf("%s: ltl.Eval=%v, want %v", tp, got, want)
					}
					if !want && (v.Violation == nil || v.Violation.Reason == "" || v.Violation.Position < 0 || v.Violation.Position > len(events)) {
						t.Errorf("%s: rejected without a usable violation: %+v", tp, v.Violation)
					}
				}
			}
		})
	}
}

func catalogFor(t *testing.T, specPath string) specplan.Options {
	t.Helper()
	cat := strings.TrimSuffix(specPath, ".ltl") + ".tools.json"
	data, err := os.ReadFile(cat)
	if os.IsNotExist(err) {
		return specplan.Options{}
	}
	if err != nil {
		t.Fatal(err)
	}
	tools, err := ltl.ParseCatalog(cat, data)
	if err != nil {
		t.Fatal(err)
	}
	return specplan.Options{Catalog: tools}
}

func readTrace(t *testing.T, path string, s *ltl.Spec) []ltl.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, err := ltl.ReadTrace(path, f, s)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// TestBundledRoutineTraces validates the traces of every routine in
// specs/routines, compiled with routines.Compile and the inputs in
// specs/routines/testdata/NAME/inputs.json: accept/*.jsonl accepted (by
// Validate and by ltl.Eval) and reject/*.jsonl rejected with a usable
// violation. Each routine has at least two scripted environments
// (NAME.VARIANT.env.json, the format `plan run --env` reads), every one
// the environment of an accepted trace accept/VARIANT[_…].jsonl: each
// call of that trace is answered by the environment's first entry whose
// `when` its arguments match, with exactly the trace's result or error,
// and every result the environment gives fits the tool's outputSchema.
// The accepted traces of a routine take at least two different paths
// (tool sequences), so both branches of each routine are exercised.
func TestBundledRoutineTraces(t *testing.T) {
	paths, err := filepath.Glob("specs/routines/*.routine")
	if err != nil || len(paths) < 3 {
		t.Fatalf("expected at least 3 bundled routines, got %v (%v)", paths, err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".routine")
		t.Run(name, func(t *testing.T) {
			r, _, cat, err := routines.LoadFile(path, routines.Options{}, specplan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join("specs/routines/testdata", name)
			var inputs map[string]any
			readJSONFile(t, filepath.Join(dir, "inputs.json"), &inputs)
			spec, err := routines.Compile(r, inputs, cat, specplan.Options{})
			if err != nil {
				t.Fatal(err)
			}
			envPaths, _ := filepath.Glob(filepath.Join("specs/routines", name+".*.env.json"))
			if len(envPaths) < 2 {
				t.Fatalf("%s has %d scripted environments, want at least 2", name, len(envPaths))
			}
			envs := map[string]scriptedEnv{}
			for _, p := range envPaths {
				variant := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), name+"."), ".env.json")
				envs[variant] = readScriptedEnv(t, p, spec)
			}
			used := map[string]bool{}
			paths := map[string]bool{}
			for _, want := range []bool{true, false} {
				sub := "reject"
				if want {
					sub = "accept"
				}
				traces, _ := filepath.Glob(filepath.Join(dir, sub, "*.jsonl"))
				if len(traces) == 0 {
					t.Fatalf("no %s traces for %s", sub, name)
				}
				for _, tp := range traces {
					events := readTrace(t, tp, spec.Source())
					v := spec.Validate(events)
					if v.Accepted != want {
						t.Errorf("%s: accepted=%v, want %v (%+v)", tp, v.Accepted, want, v.Violation)
					}
					if got := ltl.Eval(spec.Source().Formula(), events); got != want {
						t.Errorf("%s: ltl.Eval=%v, want %v", tp, got, want)
					}
					if !want {
						if v.Violation == nil || v.Violation.Reason == "" || v.Violation.Position < 0 || v.Violation.Position > len(events) {
							t.Errorf("%s: rejected without a usable violation: %+v", tp, v.Violation)
						}
						continue
					}
					base := strings.TrimSuffix(filepath.Base(tp), ".jsonl")
					variant := ""
					for v := range envs {
						if (base == v || strings.HasPrefix(base, v+"_")) && len(v) > len(variant) {
							variant = v
						}
					}
					if variant == "" {
						t.Errorf("%s: no environment %s.VARIANT.env.json for it (the trace is named VARIANT or VARIANT_…)", tp, name)
						continue
					}
					used[variant] = true
					envs[variant].replay(t, tp, events)
					var seq []string
					for _, ev := range events {
						seq = append(seq, ev.Tool+ev.Step)
					}
					paths[strings.Join(seq, " ")] = true
				}
			}
			for v := range envs {
				if !used[v] {
					t.Errorf("environment %s.%s.env.json is the environment of no accepted trace", name, v)
				}
			}
			if len(paths) < 2 {
				t.Errorf("the accepted traces of %s take %d path, want both branches", name, len(paths))
			}
		})
	}
}

// envEntry is one answer of a scripted environment: the call's result or
// its error, for calls whose arguments match When (nil: every call).
type envEntry struct {
	When   map[string]any
	Result any
	Error  *string
}

type scriptedEnv map[string][]envEntry

// readScriptedEnv reads an environment strictly: {"tools": {TOOL:
// [{"when": {…}, "result": …} | {"when": {…}, "error": "…"}, …]}}, no
// other keys, each entry with exactly one of result and error, every tool
// one the spec declares, every result valid under the tool's outputSchema.
func readScriptedEnv(t *testing.T, path string, spec *specplan.Spec) scriptedEnv {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := strictjson.Parse(data, strictjson.Limits{MaxDepth: 64})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	onlyKeys := func(v *strictjson.Value, what string, keys ...string) {
		if v.Kind() != strictjson.Object {
			t.Fatalf("%s: %s is not an object", path, what)
		}
		for i := range v.Len() {
			k, _ := v.Member(i)
			if !slices.Contains(keys, k.Text()) {
				t.Fatalf("%s: %s has the key %q (only %v)", path, what, k.Text(), keys)
			}
		}
	}
	onlyKeys(v, "the environment", "tools")
	tools := v.Get("tools")
	if tools == nil || tools.Kind() != strictjson.Object {
		t.Fatalf("%s: no \"tools\" object", path)
	}
	declared := map[string]bool{}
	for _, d := range spec.Source().Tools {
		declared[d.Name] = true
	}
	env := scriptedEnv{}
	for i := range tools.Len() {
		k, list := tools.Member(i)
		tool := k.Text()
		if !declared[tool] {
			t.Errorf("%s: tool %q is not one of the routine's", path, tool)
		}
		if list.Kind() != strictjson.Array || list.Len() == 0 {
			t.Fatalf("%s: %s: want a non-empty array of entries", path, tool)
		}
		var out *schema.Schema
		for _, ct := range spec.Catalog() {
			if ct.Name == tool {
				if raw := outputSchemaOf(t, ct.Entry); raw != nil {
					if out, err = schema.Compile(raw, schema.CompileOptions{}); err != nil {
						t.Fatalf("%s: outputSchema: %v", tool, err)
					}
				}
			}
		}
		for j := range list.Len() {
			e := list.Elem(j)
			what := fmt.Sprintf("%s entry %d", tool, j+1)
			onlyKeys(e, what, "when", "result", "error")
			var entry envEntry
			if w := e.Get("when"); w != nil {
				if w.Kind() != strictjson.Object {
					t.Fatalf("%s: %s: when is not an object", path, what)
				}
				entry.When = w.Map()
			}
			res, errv := e.Get("result"), e.Get("error")
			switch {
			case (res == nil) == (errv == nil):
				t.Fatalf("%s: %s: give exactly one of result and error", path, what)
			case errv != nil:
				if errv.Kind() != strictjson.String {
					t.Fatalf("%s: %s: error is not a string", path, what)
				}
				s := errv.Text()
				entry.Error = &s
			default:
				entry.Result = res.Any()
				if out != nil {
					if err := out.Validate(entry.Result); err != nil {
						t.Errorf("%s: %s: the result does not fit %s's outputSchema: %v", path, what, tool, err)
					}
				}
			}
			env[tool] = append(env[tool], entry)
		}
	}
	return env
}

func outputSchemaOf(t *testing.T, entry []byte) []byte {
	if len(entry) == 0 {
		return nil
	}
	v, err := strictjson.Parse(entry, strictjson.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if fn := v.Get("function"); fn != nil {
		v = fn
	}
	if o := v.Get("outputSchema"); o != nil {
		return o.Raw(entry)
	}
	return nil
}

// replay checks that env answers each call of the trace as it records.
func (env scriptedEnv) replay(t *testing.T, tp string, events []ltl.Event) {
	t.Helper()
	canon := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for i, ev := range events {
		if ev.Tool == "" {
			continue
		}
		var answer *envEntry
		for j := range env[ev.Tool] {
			e := &env[ev.Tool][j]
			match := true
			for k, want := range e.When {
				if got, ok := ev.Args[k]; !ok || canon(got) != canon(want) {
					match = false
					break
				}
			}
			if match {
				answer = e
				break
			}
		}
		switch {
		case answer == nil:
			t.Errorf("%s: event %d: the environment does not answer %s(%s)", tp, i+1, ev.Tool, canon(ev.Args))
		case answer.Error != nil:
			if ev.Outcome != ltl.Failed || ev.Error != *answer.Error {
				t.Errorf("%s: event %d: the environment fails %s with %q, the trace records %v %q", tp, i+1, ev.Tool, *answer.Error, ev.Outcome, ev.Error)
			}
		default:
			if ev.Outcome != ltl.Returned || canon(ev.Result) != canon(answer.Result) {
				t.Errorf("%s: event %d: the environment returns %s for %s, the trace records %v %s", tp, i+1, canon(answer.Result), ev.Tool, ev.Outcome, canon(ev.Result))
			}
		}
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
