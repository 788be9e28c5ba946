package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// roundTrip compiles src, prints it with -f ltl's writer, parses that back
// and asserts that both accept the same traces (specplan.Diff).
func roundTrip(t *testing.T, name string, src []byte, opts specplan.Options) string {
	t.Helper()
	spec, err := specplan.Compile(name, src, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out bytes.Buffer
	writeExpanded(&out, spec)
	back, err := specplan.Parse(name+".expanded", out.Bytes(), opts)
	if err != nil {
		t.Fatalf("%s: -f ltl output does not parse back: %v\n%s", name, err, out.String())
	}
	d, err := specplan.Diff(spec.Source(), back, opts)
	if err != nil {
		t.Fatalf("%s: diff: %v", name, err)
	}
	if !d.Equivalent {
		t.Errorf("%s: -f ltl output accepts different traces (e.g. %v):\n%s", name, d.Trace, out.String())
	}
	return out.String()
}

// Every bundled spec, with its catalog where it has one.
func TestLTLFormatParsesBackForBundledSpecs(t *testing.T) {
	specs, _ := filepath.Glob("../../specs/*.ltl")
	if len(specs) == 0 {
		t.Fatal("no bundled specs")
	}
	for _, path := range specs {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var opts specplan.Options
		if cat, err := os.ReadFile(strings.TrimSuffix(path, ".ltl") + ".tools.json"); err == nil {
			if opts.Catalog, err = ltl.ParseCatalog(path, cat); err != nil {
				t.Fatal(err)
			}
		}
		roundTrip(t, filepath.Base(path), src, opts)
	}
}

// A rule over several lines (with a comment inside it, and control
// characters in a comment and a string) comes back as the same automaton,
// and every line of its source is commented out.
func TestLTLFormatParsesBackForMultiLineRules(t *testing.T) {
	src := "spec m \"title with \\\"quotes\\\" and \\u202e\"\n" +
		"steps a, b, c\n" +
		"tools t\n" +
		"rule at_most(2,\n" +
		"    a)   # the first line\n" +
		"rule responds(\n" +
		"  a,   // a comment \x1b[31m inside the rule\n" +
		"  b\n" +
		")\n" +
		"rule G(t(x == \"v\\x1b\\n\") ->\n\tF c)\n" +
		"rule before(b, c)\n"
	out := roundTrip(t, "multi\nline.ltl", []byte(src), specplan.Options{})
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "inside the rule") && !strings.HasPrefix(line, "#") {
			t.Errorf("a source line of a rule is not commented out: %q\n%s", line, out)
		}
		if strings.ContainsAny(line, "\x1b\r") {
			t.Errorf("control character in -f ltl output: %q", line)
		}
	}
}
