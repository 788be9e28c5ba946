package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// suiteDir holds the files of the official JSON-Schema-Test-Suite
// (third_party/README.md says which commit): every test of drafts 4, 6,
// 7, 2019-09 and 2020-12, and the optional format, bignum and
// float-overflow tests.
const suiteDir = "testdata/JSON-Schema-Test-Suite/tests"

var suiteDrafts = []struct {
	dir   string
	draft Draft
}{
	{"draft4", Draft4}, {"draft6", Draft6}, {"draft7", Draft7},
	{"draft2019-09", Draft2019_09}, {"draft2020-12", Draft2020_12},
}

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

// remoteHost is where the suite serves the documents its remote-reference
// tests load. specplan never fetches, so a test whose schema refers there
// and is refused with ErrRemoteRef is skipped, and counted; nothing else is.
const remoteHost = "http://localhost:1234"

// TestJSONSchemaTestSuite runs the official suite per draft and fails on
// any result other than the suite's. For each case it also checks that
// the allocation-free fast path never calls an invalid instance valid (nor
// a valid one invalid), and that the same instance with its numbers as Go
// int64/float64 (where they are exact) gets the same verdict.
func TestJSONSchemaTestSuite(t *testing.T) {
	for _, d := range suiteDrafts {
		t.Run(d.dir, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(suiteDir, d.dir, "*.json"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no suite files for %s: %v", d.dir, err)
			}
			opt, _ := filepath.Glob(filepath.Join(suiteDir, d.dir, "optional", "*.json"))
			format, _ := filepath.Glob(filepath.Join(suiteDir, d.dir, "optional", "format", "*.json"))
			var c suiteCount
			for _, f := range files {
				runSuiteFile(t, f, d.draft, &c.required)
			}
			for _, f := range append(opt, format...) {
				runSuiteFile(t, f, d.draft, &c.optional)
			}
			t.Logf("%s: required %d/%d passed (%d skipped: remote refs; %d format cases expected invalid: format asserted), optional+format %d/%d passed (%d skipped), fast path decided %d of %d",
				d.dir, c.required.pass, c.required.total, c.required.skipped, c.required.inverted, c.optional.pass, c.optional.total, c.optional.skipped,
				c.required.fast+c.optional.fast, c.required.total+c.optional.total)
		})
	}
}

type suiteCount struct{ required, optional tally }

type tally struct{ total, pass, skipped, inverted, fast int }

// assertedByDesign names the suite's cases that expect format to be only an
// annotation: this package asserts it, as its contract says.
func assertedByDesign(file, test string) bool {
	return strings.HasSuffix(file, "/format.json") && strings.HasSuffix(test, "string is only an annotation by default")
}

func runSuiteFile(t *testing.T, file string, draft Draft, c *tally) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var groups []suiteGroup
	if err := json.Unmarshal(src, &groups); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	name := strings.TrimPrefix(file, suiteDir+"/")
	for _, g := range groups {
		s, err := Compile(g.Schema, CompileOptions{DefaultDraft: draft})
		if err != nil {
			var se *CompileError
			if errors.As(err, &se) && se.Code == ErrRemoteRef && bytes.Contains(g.Schema, []byte(remoteHost)) {
				c.total += len(g.Tests)
				c.skipped += len(g.Tests)
				continue
			}
			t.Errorf("%s: %q: Compile: %v", name, g.Description, err)
			c.total += len(g.Tests)
			continue
		}
		for _, tc := range g.Tests {
			c.total++
			if assertedByDesign(name, tc.Description) {
				// This package asserts format in every draft (the suite's
				// optional format tests); these cases say that 2020-12
				// treats it as an annotation by default. We expect the
				// opposite verdict, and check it.
				tc.Valid = false
				c.inverted++
			}
			data := decodeNumbers(t, tc.Data)
			err := s.Validate(data)
			if (err == nil) != tc.Valid {
				t.Errorf("%s: %q / %q: valid=%v, want %v (%v)", name, g.Description, tc.Description, err == nil, tc.Valid, err)
				continue
			}
			ok := true
			if s.fast != nil && s.wellFormed(data, 0) {
				switch v := s.fast.check(data, 0); {
				case v == vUnknown:
				case (v == vValid) != tc.Valid:
					t.Errorf("%s: %q / %q: fast path says %v, want valid=%v", name, g.Description, tc.Description, v == vValid, tc.Valid)
					ok = false
				default:
					c.fast++
				}
			}
			if goData, exact := goNumbers(data); exact {
				if gerr := s.Validate(goData); (gerr == nil) != tc.Valid {
					t.Errorf("%s: %q / %q: with Go numbers valid=%v, want %v (%v)", name, g.Description, tc.Description, gerr == nil, tc.Valid, gerr)
					ok = false
				}
			}
			if ok {
				c.pass++
			}
		}
	}
}

func decodeNumbers(t *testing.T, raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// goNumbers replaces every json.Number by the int64 or float64 that
// denotes the same value exactly (to the validator: the same decimal);
// exact is false if some number has no such Go form.
func goNumbers(v any) (any, bool) {
	switch v := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, false
		}
		a, _ := parseDecimal(string(v), 1000)
		bt := strconv.FormatFloat(f, 'g', -1, 64)
		b, _ := parseDecimal(bt, 1000)
		return f, compareDecimal(a, b) == 0
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			var ok bool
			if out[i], ok = goNumbers(x); !ok {
				return nil, false
			}
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(v))
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var ok bool
			if out[k], ok = goNumbers(v[k]); !ok {
				return nil, false
			}
		}
		return out, true
	}
	return v, true
}
