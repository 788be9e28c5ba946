// Package schemabench measures schema/ on a corpus of real-world schemas
// with labelled instances, in the layout of MaskBench
// (github.com/guidance-ai/jsonschemabench, maskbench/data): one JSON file
// per schema, {"description", "schema", "tests": [{"description",
// "valid", "data"}]}, the file name's prefix before "---" or "_<n>.json"
// naming its subset (Github_easy, Glaiveai2K, BFCL, MCPspec, …).
//
// The corpus has no licence, so it is never committed: a user fetches it
// and points Run (or `plan bench schemas DIR`) at its data directory.
// Run reports how many schemas compile, how many valid instances are
// accepted and invalid ones rejected, every disagreement with its reason,
// and compile time percentiles. A seeded sample makes runs reproducible.
package schemabench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/schema"
)

// Options select what Run measures. The zero value runs every file.
type Options struct {
	// Sample, when positive, runs a seeded random sample of that many files.
	Sample int
	// Seed seeds the sample (the same seed and corpus give the same sample).
	Seed uint64
	// MaxFileBytes bounds one corpus file (default 32 MiB).
	MaxFileBytes int64
}

// Report is what Run measured.
type Report struct {
	Files          int // corpus files read
	Unreadable     int // files that are not a corpus entry (listed in Disagreements)
	Schemas        int
	Compiled       int
	CompileErrors  map[string]int // by schema.Code name
	Valid          int            // instances labelled valid, of compiled schemas
	ValidAccepted  int
	Invalid        int // instances labelled invalid, of compiled schemas
	InvalidRefused int
	Unjudged       int // instances of schemas that did not compile
	Subsets        map[string]*Subset
	Disagreements  []Disagreement
	CompileP50     time.Duration
	CompileP99     time.Duration
	CompileMax     time.Duration
	CompileMaxFile string // the file that took CompileMax
}

// Subset is one subset's share of a Report.
type Subset struct {
	Schemas, Compiled, Valid, ValidAccepted, Invalid, InvalidRefused int
}

// Disagreement is a schema that did not compile, or an instance judged
// otherwise than its label.
type Disagreement struct {
	File   string
	Test   string // "" for a compile error
	Want   bool   // the label (valid or not)
	Reason string
}

func (d Disagreement) String() string {
	if d.Test == "" {
		return fmt.Sprintf("%s: %s", d.File, d.Reason)
	}
	want := "invalid"
	if d.Want {
		want = "valid"
	}
	return fmt.Sprintf("%s: %q (labelled %s): %s", d.File, d.Test, want, d.Reason)
}

type entry struct {
	Schema json.RawMessage `json:"schema"`
	Tests  []struct {
		Description string          `json:"description"`
		Valid       *bool           `json:"valid"`
		Data        json.RawMessage `json:"data"`
	} `json:"tests"`
}

// Run measures the corpus in dir (its *.json files).
func Run(dir string, opts Options) (*Report, error) {
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 32 << 20
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.json corpus files", safetext.Escape(dir))
	}
	sort.Strings(files)
	if opts.Sample > 0 && opts.Sample < len(files) {
		r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
		r.Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
		files = files[:opts.Sample]
		sort.Strings(files)
	}
	rep := &Report{CompileErrors: map[string]int{}, Subsets: map[string]*Subset{}}
	var times []time.Duration
	for _, f := range files {
		rep.Files++
		name := filepath.Base(f)
		e, err := readEntry(f, opts.MaxFileBytes)
		if err != nil {
			rep.Unreadable++
			rep.Disagreements = append(rep.Disagreements, Disagreement{File: name, Reason: "unreadable: " + err.Error()})
			continue
		}
		sub := rep.Subsets[SubsetOf(name)]
		if sub == nil {
			sub = &Subset{}
			rep.Subsets[SubsetOf(name)] = sub
		}
		rep.Schemas++
		sub.Schemas++
		start := time.Now()
		s, err := schema.Compile(e.Schema, schema.CompileOptions{})
		took := time.Since(start)
		times = append(times, took)
		if took > rep.CompileMax {
			rep.CompileMax, rep.CompileMaxFile = took, name
		}
		if err != nil {
			code := "other"
			var se *schema.CompileError
			if errors.As(err, &se) {
				code = se.Code.String()
			}
			rep.CompileErrors[code]++
			rep.Unjudged += len(e.Tests)
			rep.Disagreements = append(rep.Disagreements, Disagreement{File: name, Reason: "compile: " + err.Error()})
			continue
		}
		rep.Compiled++
		sub.Compiled++
		for _, tc := range e.Tests {
			if tc.Valid == nil {
				continue
			}
			v, err := decode(tc.Data)
			if err != nil {
				rep.Disagreements = append(rep.Disagreements, Disagreement{File: name, Test: tc.Description, Want: *tc.Valid, Reason: "instance unreadable: " + err.Error()})
				continue
			}
			verr := s.Validate(v)
			if *tc.Valid {
				rep.Valid++
				sub.Valid++
				if verr == nil {
					rep.ValidAccepted++
					sub.ValidAccepted++
				} else {
					rep.Disagreements = append(rep.Disagreements, Disagreement{File: name, Test: tc.Description, Want: true, Reason: "refused: " + verr.Error()})
				}
			} else {
				rep.Invalid++
				sub.Invalid++
				if verr != nil {
					rep.InvalidRefused++
					sub.InvalidRefused++
				} else {
					rep.Disagreements = append(rep.Disagreements, Disagreement{File: name, Test: tc.Description, Want: false, Reason: "accepted"})
				}
			}
		}
	}
	if len(times) > 0 {
		slices.Sort(times)
		rep.CompileP50 = times[len(times)/2]
		rep.CompileP99 = times[min(len(times)-1, len(times)*99/100)]
	}
	return rep, nil
}

// SubsetOf names the subset of a MaskBench file: "Github_easy---x.json"
// is Github_easy, "BFCL_java_3.json" is BFCL_java.
func SubsetOf(file string) string {
	base := strings.TrimSuffix(file, ".json")
	if i := strings.Index(base, "---"); i >= 0 {
		return base[:i]
	}
	if i := strings.LastIndexByte(base, '_'); i >= 0 && strings.Trim(base[i+1:], "0123456789") == "" {
		return base[:i]
	}
	return base
}

func readEntry(path string, limit int64) (*entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes (Options.MaxFileBytes)", limit)
	}
	var e entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	if len(e.Schema) == 0 {
		return nil, errors.New(`no "schema"`)
	}
	return &e, nil
}

// decode reads an instance as the guard path receives arguments: numbers
// as json.Number.
func decode(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// WriteTable prints the report as Markdown: totals, per subset, compile
// errors by code and compile time percentiles.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	pct := func(a, n int) string {
		if n == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(n))
	}
	fmt.Fprintf(&b, "| subset | schemas | compiled | valid accepted | invalid rejected |\n|---|---:|---:|---:|---:|\n")
	names := make([]string, 0, len(r.Subsets))
	for n := range r.Subsets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := r.Subsets[n]
		fmt.Fprintf(&b, "| %s | %d | %d | %d/%d | %d/%d |\n", safetext.Escape(n), s.Schemas, s.Compiled, s.ValidAccepted, s.Valid, s.InvalidRefused, s.Invalid)
	}
	fmt.Fprintf(&b, "| **all** | %d | %d (%s) | %d/%d (%s) | %d/%d (%s) |\n", r.Schemas, r.Compiled, pct(r.Compiled, r.Schemas),
		r.ValidAccepted, r.Valid, pct(r.ValidAccepted, r.Valid), r.InvalidRefused, r.Invalid, pct(r.InvalidRefused, r.Invalid))
	codes := make([]string, 0, len(r.CompileErrors))
	for c := range r.CompileErrors {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	if len(codes) > 0 {
		b.WriteString("\nCompile errors:")
		for _, c := range codes {
			fmt.Fprintf(&b, " %s %d;", c, r.CompileErrors[c])
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\nCompile time: p50 %v, p99 %v, max %v (%s; %d schemas). Instances of schemas that did not compile: %d.\n",
		r.CompileP50.Round(time.Microsecond), r.CompileP99.Round(time.Microsecond), r.CompileMax.Round(time.Microsecond), safetext.Escape(r.CompileMaxFile), r.Schemas, r.Unjudged)
	_, err := io.WriteString(w, b.String())
	return err
}
