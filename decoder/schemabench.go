package decoder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	jschema "github.com/specplan/specplan/schema"
)

// SchemaBenchOptions configures BenchSchemas.
type SchemaBenchOptions struct {
	// Sample is how many schemas to take (0: all). The sample is drawn per
	// subset in proportion to its size, with at least MinPerSubset from
	// each (or all of a smaller one), so that small subsets are measured.
	Sample       int
	MinPerSubset int
	Seed         uint64
	// Walks is the number of random walks per compiled schema; walk w
	// writes freely for 40+100w bytes before it heads for the end.
	Walks int
	// MaxFileBytes bounds one corpus file (default 8 MiB).
	MaxFileBytes int
}

// SchemaBenchReport is the outcome of BenchSchemas.
type SchemaBenchReport struct {
	Dir        string                        `json:"dir"`
	Seed       uint64                        `json:"seed"`
	Total      SchemaBenchCounts             `json:"total"`
	Function   SchemaBenchCounts             `json:"function_calling"`
	Subsets    map[string]*SchemaBenchCounts `json:"subsets"`
	Refusals   map[string]int                `json:"refusals_by_keyword"`
	CompileP50 float64                       `json:"compile_p50_ms"`
	CompileP99 float64                       `json:"compile_p99_ms"`
	Invalid    []SchemaBenchFailure          `json:"invalid_walks,omitempty"`
}

// SchemaBenchCounts are the counts of one group of schemas.
type SchemaBenchCounts struct {
	Schemas  int `json:"schemas"`
	Compiled int `json:"compiled"`
	Walks    int `json:"walks"`
	WalksOK  int `json:"walks_valid"`
	// Labelled instances of the corpus judged by the validator: right
	// when its verdict matches the label.
	Instances      int `json:"instances"`
	InstancesRight int `json:"instances_judged_right"`
	// Valid instances (of compiled schemas) the automaton accepts when
	// written compactly in the decoder's spelling and key order.
	ValidInstances int `json:"valid_instances"`
	ValidAccepted  int `json:"valid_instances_accepted"`
}

// SchemaBenchFailure is a walk whose text the validator rejects.
type SchemaBenchFailure struct {
	File  string `json:"file"`
	Text  string `json:"text"`
	Error string `json:"error"`
}

// functionCalling names the corpus subsets of tool schemas.
func functionCalling(subset string) bool {
	return strings.HasPrefix(subset, "Glaiveai") || strings.HasPrefix(subset, "BFCL") || strings.HasPrefix(subset, "MCP")
}

// corpusSubset is a MaskBench file's subset: the name before "---", or
// before the trailing _N for BFCL and JME files.
func corpusSubset(name string) string {
	name = strings.TrimSuffix(name, ".json")
	if i := strings.Index(name, "---"); i >= 0 {
		return name[:i]
	}
	if i := strings.LastIndex(name, "_"); i >= 0 {
		return name[:i]
	}
	return name
}

// BenchSchemas measures schema generation on a MaskBench-style corpus (a
// directory of JSON files {"schema": ..., "tests": [{"data", "valid"}]}):
// which schemas compile for generation (CompileValue), why the others are
// refused, whether random walks through each compiled automaton validate
// under the full validator, how the validator judges the labelled
// instances, and compile times.
func BenchSchemas(dir string, opts SchemaBenchOptions) (*SchemaBenchReport, error) {
	if opts.Walks <= 0 {
		opts.Walks = 3
	}
	if opts.MinPerSubset <= 0 {
		opts.MinPerSubset = 45
	}
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = 8 << 20
	}
	// The walks draw from the stream after the sample's shuffles.
	r := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	sample, err := sampleCorpus(dir, opts, r)
	if err != nil {
		return nil, err
	}
	rep := &SchemaBenchReport{Dir: dir, Seed: opts.Seed, Subsets: map[string]*SchemaBenchCounts{}, Refusals: map[string]int{}}
	var times []float64
	for _, f := range sample {
		sub := corpusSubset(filepath.Base(f))
		cs := rep.Subsets[sub]
		if cs == nil {
			cs = &SchemaBenchCounts{}
			rep.Subsets[sub] = cs
		}
		groups := []*SchemaBenchCounts{&rep.Total, cs}
		if functionCalling(sub) {
			groups = append(groups, &rep.Function)
		}
		add := func(fn func(c *SchemaBenchCounts)) {
			for _, g := range groups {
				fn(g)
			}
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if len(raw) > opts.MaxFileBytes {
			return nil, fmt.Errorf("%s: %d bytes, more than %d (limit --max-file-bytes)", f, len(raw), opts.MaxFileBytes)
		}
		var entry struct {
			Schema json.RawMessage `json:"schema"`
			Tests  []struct {
				Data  json.RawMessage `json:"data"`
				Valid bool            `json:"valid"`
			} `json:"tests"`
		}
		if err := json.Unmarshal(raw, &entry); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		add(func(c *SchemaBenchCounts) { c.Schemas++ })
		sch, verr := compileForBench(entry.Schema)
		for _, tc := range entry.Tests {
			if sch == nil {
				break
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(tc.Data))
			if err != nil {
				continue
			}
			right := (sch.Validate(v) == nil) == tc.Valid
			add(func(c *SchemaBenchCounts) {
				c.Instances++
				if right {
					c.InstancesRight++
				}
			})
		}
		t0 := time.Now()
		a, err := CompileValue(entry.Schema)
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
		if err != nil {
			rep.Refusals[refusalKey(err)]++
			continue
		}
		add(func(c *SchemaBenchCounts) { c.Compiled++ })
		for _, tc := range entry.Tests {
			if !tc.Valid {
				continue
			}
			text, ok := canonicalText(tc.Data, entry.Schema)
			if !ok {
				continue
			}
			acc := a.Accepts(text)
			add(func(c *SchemaBenchCounts) {
				c.ValidInstances++
				if acc {
					c.ValidAccepted++
				}
			})
		}
		for w := 0; w < opts.Walks; w++ {
			text := a.Walk(r, 40+100*w)
			var verr2 error
			if sch == nil {
				verr2 = fmt.Errorf("the validator cannot compile the schema: %v", verr)
			} else if v, err := jsonschema.UnmarshalJSON(strings.NewReader(text)); err != nil {
				verr2 = err
			} else {
				verr2 = sch.Validate(v)
			}
			ok := verr2 == nil
			add(func(c *SchemaBenchCounts) {
				c.Walks++
				if ok {
					c.WalksOK++
				}
			})
			if !ok && len(rep.Invalid) < 50 {
				rep.Invalid = append(rep.Invalid, SchemaBenchFailure{File: filepath.Base(f), Text: text, Error: verr2.Error()})
			}
		}
	}
	sort.Float64s(times)
	if len(times) > 0 {
		rep.CompileP50 = times[len(times)/2]
		rep.CompileP99 = times[min(len(times)-1, len(times)*99/100)]
	}
	return rep, nil
}

// SchemaBenchSample is the sample BenchSchemas measures (the same files
// in the same order for the same directory and options), for a caller
// that measures more on it (internal/schemabench's generation with a
// model).
func SchemaBenchSample(dir string, opts SchemaBenchOptions) ([]string, error) {
	if opts.MinPerSubset <= 0 {
		opts.MinPerSubset = 45
	}
	return sampleCorpus(dir, opts, rand.New(rand.NewPCG(opts.Seed, 0x5eed)))
}

func sampleCorpus(dir string, opts SchemaBenchOptions, r *rand.Rand) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.json files (want the data directory of guidance-ai/jsonschemabench's maskbench)", dir)
	}
	sort.Strings(files)
	bySubset := map[string][]string{}
	var subsets []string
	for _, f := range files {
		s := corpusSubset(filepath.Base(f))
		if _, ok := bySubset[s]; !ok {
			subsets = append(subsets, s)
		}
		bySubset[s] = append(bySubset[s], f)
	}
	var sample []string
	for _, s := range subsets {
		fs := bySubset[s]
		r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		k := len(fs)
		if opts.Sample > 0 && opts.Sample < len(files) {
			k = max(opts.MinPerSubset, (opts.Sample*len(fs)+len(files)-1)/len(files))
			k = min(k, len(fs))
		}
		sample = append(sample, fs[:k]...)
	}
	return sample, nil
}

// compileForBench is the project's one validator (package schema), the
// one the guard uses, so the bench judges generated values as Validate does.
func compileForBench(raw json.RawMessage) (*jschema.Schema, error) {
	return jschema.Compile(raw, jschema.CompileOptions{})
}

// refusalKey groups a refusal by its code and keyword.
func refusalKey(err error) string {
	msg := err.Error()
	// The normaliser's messages read "schema POINTER: KEYWORD: ...".
	if i := strings.Index(msg, "schema /"); i >= 0 {
		rest := msg[i+len("schema "):]
		parts := strings.SplitN(rest, ": ", 3)
		if len(parts) == 3 && !strings.Contains(parts[1], " ") {
			return parts[1]
		}
		if strings.Contains(rest, "MaxSchemaDepth") {
			return "limit:MaxSchemaDepth"
		}
		if strings.Contains(rest, "validator rejects") {
			return "invalid schema"
		}
		if strings.Contains(rest, "no value satisfies") {
			return "unsatisfiable"
		}
		if strings.Contains(rest, "Options.MaxGens") {
			return "limit:MaxGens"
		}
	}
	for _, lim := range []string{"maxProgNodes", "maxItemsUnrolled", "maxExcluded", "maxCount", "MaxSchemaDepth"} {
		if strings.Contains(msg, lim) {
			return "limit:" + lim
		}
	}
	if strings.Contains(msg, "no value satisfies") {
		return "unsatisfiable"
	}
	return msg
}

// canonicalText spells a JSON instance as the decoder writes values:
// ", " and ": " separators, object keys in the order the schema declares
// them at the top level (then the instance's own order), strings with
// one-letter escapes only. ok is false when the instance cannot be
// spelled so (a \u escape would be needed, a number is out of the
// decoder's 15-digit form, or a nested object's keys would need an order
// the top level does not give).
func canonicalText(data, schema json.RawMessage) (string, bool) {
	var order []string
	if props, ok := topProperties(schema); ok {
		order = props
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var sb strings.Builder
	ok := writeCanonical(&sb, dec, order, 0)
	return sb.String(), ok
}

func topProperties(schema json.RawMessage) ([]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(schema))
	var m map[string]json.RawMessage
	if dec.Decode(&m) != nil {
		return nil, false
	}
	raw, ok := m["properties"]
	if !ok {
		return nil, false
	}
	keys, _, err := orderedKeys(raw)
	return keys, err == nil
}

func orderedKeys(raw json.RawMessage) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("not an object")
	}
	var keys []string
	m := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		m[k] = v
	}
	return keys, m, nil
}

func writeCanonical(sb *strings.Builder, dec *json.Decoder, order []string, depth int) bool {
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return false
	}
	t := bytes.TrimSpace(v)
	switch {
	case len(t) > 0 && t[0] == '{':
		keys, m, err := orderedKeys(t)
		if err != nil {
			return false
		}
		if depth == 0 && order != nil {
			sorted := slices.Clone(keys)
			pos := func(k string) int {
				if i := slices.Index(order, k); i >= 0 {
					return i
				}
				return len(order)
			}
			sort.SliceStable(sorted, func(i, j int) bool { return pos(sorted[i]) < pos(sorted[j]) })
			keys = sorted
		}
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			if !spellable(modeJSON, k) {
				return false
			}
			sb.WriteString(quoteJSON(k))
			sb.WriteString(": ")
			if !writeCanonical(sb, json.NewDecoder(bytes.NewReader(m[k])), nil, depth+1) {
				return false
			}
		}
		sb.WriteByte('}')
	case len(t) > 0 && t[0] == '[':
		var items []json.RawMessage
		if json.Unmarshal(t, &items) != nil {
			return false
		}
		sb.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				sb.WriteString(", ")
			}
			if !writeCanonical(sb, json.NewDecoder(bytes.NewReader(it)), nil, depth+1) {
				return false
			}
		}
		sb.WriteByte(']')
	case len(t) > 0 && t[0] == '"':
		var s string
		if json.Unmarshal(t, &s) != nil || !spellable(modeJSON, s) {
			return false
		}
		sb.WriteString(quoteJSON(s))
	default:
		sb.Write(t)
	}
	return true
}
