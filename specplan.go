package specplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/schema"
)

// Options tune compilation. The zero value is the documented default.
type Options struct {
	// Catalog declares tools (and their JSON-schema parameters) in addition
	// to the spec's `tools` line: the OpenAI `tools` JSON.
	Catalog []ltl.CatalogTool
	// MaxStates bounds every automaton built, products of Check and Diff
	// included (default automata.DefaultMaxStates, 100 000); exceeding it
	// is an error that names the limit. CLI: --max-states.
	MaxStates int
	// MaxDepth bounds formula nesting (default ltl.DefaultMaxDepth, 256).
	// CLI: --max-depth.
	MaxDepth int
	// MaxSpecBytes bounds the size of a spec's text, checked before it is
	// parsed (default ltl.DefaultMaxSpecBytes, 256 KiB). CLI: --max-spec-bytes.
	MaxSpecBytes int
	// MaxSymbols bounds the event alphabet: steps plus, per tool, the
	// combinations of its predicates (default automata.DefaultMaxSymbols,
	// 4096). CLI: --max-symbols.
	MaxSymbols int
	// MaxInputBytes bounds every file read (spec, catalog; traces and prompts
	// through ltl.Options): default ltl.DefaultMaxInputBytes (8 MiB).
	MaxInputBytes int64
	// MaxLineBytes bounds one JSON Lines trace line: default
	// ltl.DefaultMaxLineBytes (1 MiB).
	MaxLineBytes int
	// MaxJSONDepth bounds JSON nesting in catalogs and traces: default
	// ltl.DefaultMaxJSONDepth (128).
	MaxJSONDepth int
}

// Input returns the ltl.Options carrying o's input limits, for the readers
// (ReadInput, ReadTrace, ParseCatalog, ParseExamples) an embedding program
// calls itself.
func (o Options) Input() ltl.Options {
	return ltl.Options{MaxDepth: o.MaxDepth, MaxInputBytes: o.MaxInputBytes, MaxLineBytes: o.MaxLineBytes, MaxJSONDepth: o.MaxJSONDepth, MaxSpecBytes: o.MaxSpecBytes}
}

// Spec is a compiled spec: the parsed source, its event alphabet, the minimal
// trimmed DFA of the conjunction of its rules, and one DFA per rule (used to
// say which rule a violation breaks).
type Spec struct {
	// The fields are unexported so that a Spec shared by many sessions
	// (Monitors, decoders) cannot be changed under them; the accessors
	// below hand out the parts, which callers must treat as read-only.
	source   *ltl.Spec
	alphabet *automata.Alphabet
	dfa      *automata.DFA
	rules    []*automata.DFA // rules[i] is the DFA of source.Rules[i] alone
	catalog  []ltl.CatalogTool
	schemas  map[string]json.RawMessage

	// copyOf[i] is the index of the first rule identical to rule i (the
	// same formula, positions aside), or -1: a copy shares its DFA and is
	// reported once, as a duplicate.
	copyOf []int
	opts   Options

	compiled map[string]*schema.Schema
	toolPos  map[string]ltl.Pos // where each compiled schema's tool is in its catalog
	// allowReasons[sym] are Monitor.Step's reasons for an allowed symbol:
	// [0] the run may not end here, [1] it may.
	allowReasons [][2]string
}

// Source is the parsed spec (rules with their positions and texts).
func (s *Spec) Source() *ltl.Spec { return s.source }

// Alphabet is the event alphabet the automata read.
func (s *Spec) Alphabet() *automata.Alphabet { return s.alphabet }

// DFA is the minimal trimmed automaton of the conjunction of the rules.
func (s *Spec) DFA() *automata.DFA { return s.dfa }

// Rules are the automata of each rule alone: Rules()[i] is the DFA of
// Source().Rules[i] (used to say which rule a violation breaks).
func (s *Spec) Rules() []*automata.DFA { return s.rules }

// Catalog is the catalog the spec was compiled with (Options.Catalog, or
// the one its `tools from` names).
func (s *Spec) Catalog() []ltl.CatalogTool { return s.catalog }

// Schemas are the tools' JSON-schema parameters from the catalog,
// verbatim, for the decoder to generate by. Validate and Monitor check
// calls against the compiled forms (ToolSchema), made once by Build.
func (s *Spec) Schemas() map[string]json.RawMessage { return s.schemas }

// ToolSchema returns the compiled parameter schema of a catalog tool, or
// nil when the tool has none (its arguments are then not checked).
func (s *Spec) ToolSchema(tool string) *schema.Schema {
	if s == nil {
		return nil
	}
	return s.compiled[tool]
}

// ParseFile reads and parses one .ltl file, with the catalog's tools
// declared: opts.Catalog if it is non-nil, else the catalog the spec names
// with `tools from "FILE"` (relative to the spec's directory), else none.
// The file is read under opts.MaxInputBytes.
func ParseFile(path string, opts Options) (*ltl.Spec, error) {
	src, opts, err := readSpec(path, opts)
	if err != nil {
		return nil, err
	}
	return Parse(path, src, opts)
}

// Parse parses one spec's source.
func Parse(filename string, src []byte, opts Options) (*ltl.Spec, error) {
	var decls []ltl.ToolDecl
	for _, t := range opts.Catalog {
		decls = append(decls, ltl.ToolDecl{Name: t.Name, Pos: t.Pos})
	}
	lo := opts.Input()
	lo.Tools = decls
	return ltl.Parse(filename, src, lo)
}

// CompileFile parses and compiles the .ltl file at path, with its catalog
// found as ParseFile finds it.
func CompileFile(path string, opts Options) (*Spec, error) {
	src, opts, err := readSpec(path, opts)
	if err != nil {
		return nil, err
	}
	return Compile(path, src, opts)
}

// readSpec reads the spec at path under the input limit and resolves its
// catalog.
func readSpec(path string, opts Options) ([]byte, Options, error) {
	src, err := ReadFile(path, opts)
	if err != nil {
		return nil, opts, err
	}
	opts, err = ResolveCatalog(path, src, opts)
	return src, opts, err
}

// ReadFile reads the file at path, refusing (ltl.ErrInputLimit) one larger
// than opts.MaxInputBytes without reading more than the limit: a device
// that never ends (/dev/zero) is an error, not an exhausted machine.
func ReadFile(path string, opts Options) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return opts.Input().ReadInput(path, f)
}

// LoadCatalog reads and parses the tool catalog at path (any shape
// ltl.ParseCatalog reads) under opts' input limits.
func LoadCatalog(path string, opts Options) ([]ltl.CatalogTool, error) {
	data, err := ReadFile(path, opts)
	if err != nil {
		return nil, err
	}
	return opts.Input().ParseCatalog(path, data)
}

// ResolveCatalog returns opts with Catalog loaded from the spec's `tools
// from "FILE"` declaration, resolved relative to the directory of filename.
// A non-nil opts.Catalog (a --tools flag) overrides the declaration, and a
// spec without one leaves opts as it is. A catalog that cannot be read is an
// error positioned at the declaration.
func ResolveCatalog(filename string, src []byte, opts Options) (Options, error) {
	if opts.Catalog != nil {
		return opts, nil
	}
	ref := ltl.FindCatalogRef(filename, src)
	if ref == nil {
		return opts, nil
	}
	path := ref.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(filename), path)
	}
	// A spec is untrusted input too: the file it names is read only when
	// it is a regular file, so that naming a FIFO cannot make the reader
	// wait forever for a writer, nor a device (/dev/stdin, /dev/tty) read
	// what was not meant as a catalog.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return opts, ltl.ErrorList{{Pos: ref.Pos, Code: ltl.ErrCatalogSyntax, Msg: fmt.Sprintf("tools from %q: not a regular file (%s)", ref.Path, fileKind(st.Mode()))}}
	}
	cat, err := LoadCatalog(path, opts)
	if err != nil {
		var list ltl.ErrorList
		if errors.As(err, &list) {
			return opts, err // positioned in the catalog itself
		}
		return opts, ltl.ErrorList{{Pos: ref.Pos, Code: ltl.ErrCatalogSyntax, Msg: fmt.Sprintf("tools from %q: %v", ref.Path, err)}}
	}
	if cat == nil {
		cat = []ltl.CatalogTool{}
	}
	opts.Catalog = cat
	return opts, nil
}

// fileKind names what a file that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// Compile parses and compiles one spec. It does no file I/O: a `tools
// from` declaration is loaded only by CompileFile (or ResolveCatalog).
func Compile(filename string, src []byte, opts Options) (*Spec, error) {
	s, err := Parse(filename, src, opts)
	if err != nil {
		return nil, err
	}
	specs, err := Build([]*ltl.Spec{s}, opts)
	if err != nil {
		return nil, err
	}
	return specs[0], nil
}

// Build compiles parsed specs over ONE shared alphabet (the union of their
// declarations and predicates), so that their automata can be compared
// symbol by symbol, as `plan diff` does.
func Build(sources []*ltl.Spec, opts Options) ([]*Spec, error) {
	var steps, tools []string
	seen := map[string]bool{}
	var formulas []ltl.Formula
	for _, s := range sources {
		for _, d := range s.Steps {
			if !seen["s:"+d.Name] {
				seen["s:"+d.Name] = true
				steps = append(steps, d.Name)
			}
		}
		for _, d := range s.Tools {
			if !seen["t:"+d.Name] {
				seen["t:"+d.Name] = true
				tools = append(tools, d.Name)
			}
		}
		for _, r := range s.Rules {
			formulas = append(formulas, r.Formula)
		}
	}
	for _, name := range steps {
		if seen["t:"+name] {
			return nil, fmt.Errorf("%q is a step kind in one spec and a tool in another; they cannot share an alphabet", name)
		}
	}
	schemas, compiled, err := catalogSchemas(opts.Catalog)
	if err != nil {
		return nil, err
	}
	// The schemas prune the alphabet: no symbol for a minterm no allowed
	// value realises (an enum's "none of them", values below a minimum).
	alpha, err := automata.NewAlphabetWith(steps, tools, automata.AlphabetOptions{MaxSymbols: opts.MaxSymbols, Domains: catalogDomains(schemas, formulas)}, formulas...)
	if err != nil {
		// The alphabet is the specs' together: name them all.
		names := make([]string, len(sources))
		for i, s := range sources {
			names[i] = fmt.Sprintf("%s: spec %s", specPos(s), s.Name)
		}
		msg := strings.Join(names, "; ")
		var ae *automata.Error
		if errors.As(err, &ae) {
			msg += ": " + ae.Msg
		} else {
			msg += ": " + err.Error()
		}
		return nil, &wrapped{msg: msg, err: err}
	}
	toolPos := map[string]ltl.Pos{}
	for _, t := range opts.Catalog {
		toolPos[t.Name] = t.Pos
	}
	aopts := automata.Options{MaxStates: opts.MaxStates}
	reasons := make([][2]string, len(alpha.Symbols))
	for i, sym := range alpha.Symbols {
		reasons[i] = [2]string{sym.Name + " is allowed", sym.Name + " is allowed; the run may end here"}
	}
	out := make([]*Spec, len(sources))
	for i, s := range sources {
		copyOf := ruleCopies(s.Rules)
		whole, err := automata.Compile(distinctConjunction(s, copyOf), alpha, aopts)
		if err != nil {
			// The conjunction of all rules has no source position of its own:
			// blame the spec, not whichever rule the formula happens to start with.
			var ae *automata.Error
			if errors.As(err, &ae) {
				return nil, &wrapped{msg: fmt.Sprintf("%s: spec %s (all rules together): %s", specPos(s), s.Name, ae.Msg), err: err}
			}
			return nil, positioned(s, err)
		}
		rules := make([]*automata.DFA, len(s.Rules))
		for j, r := range s.Rules {
			if c := copyOf[j]; c >= 0 {
				rules[j] = rules[c] // compiled once
				continue
			}
			if rules[j], err = automata.Compile(r.Formula, alpha, aopts); err != nil {
				return nil, positioned(s, err)
			}
		}
		out[i] = &Spec{source: s, alphabet: alpha, dfa: whole, rules: rules, catalog: opts.Catalog, schemas: schemas, compiled: compiled, toolPos: toolPos, allowReasons: reasons, copyOf: copyOf, opts: opts}
	}
	return out, nil
}

// ruleCopies finds identical rules: copyOf[i] is the index of the first
// rule whose formula equals rule i's (positions aside), or -1. Formulas are
// compared by a canonical serialisation in a map, so n rules cost their
// total size, not n² comparisons.
func ruleCopies(rules []*ltl.Rule) []int {
	copyOf := make([]int, len(rules))
	first := map[string]int{}
	var b strings.Builder
	for i, r := range rules {
		b.Reset()
		writeKey(&b, r.Formula)
		k := b.String()
		if j, ok := first[k]; ok {
			copyOf[i] = j
			continue
		}
		first[k] = i
		copyOf[i] = -1
	}
	return copyOf
}

// writeKey writes f in prefix form, every name and predicate quoted, so
// that two formulas have the same key exactly when they are the same tree.
func writeKey(b *strings.Builder, f ltl.Formula) {
	switch f := f.(type) {
	case *ltl.Const:
		b.WriteString(strconv.FormatBool(f.Value))
	case *ltl.Last:
		b.WriteString("last")
	case *ltl.Atom:
		fmt.Fprintf(b, "a%d%q%d", f.Kind, f.Name, len(f.Preds))
		for _, p := range f.Preds {
			b.WriteString(strconv.Quote(p.String()))
		}
		// The outcome is part of the atom: `t returns (…)`, `t fails` and
		// `t` are different atoms.
		fmt.Fprintf(b, "r%t%t%d", f.Returns, f.Fails, len(f.Result))
		for _, p := range f.Result {
			b.WriteString(strconv.Quote(p.String()))
		}
	case *ltl.Unary:
		fmt.Fprintf(b, "u%d ", f.Op)
		writeKey(b, f.X)
	case *ltl.Binary:
		fmt.Fprintf(b, "b%d ", f.Op)
		writeKey(b, f.L)
		writeKey(b, f.R)
	default:
		fmt.Fprintf(b, "?%T", f)
	}
}

// distinctConjunction is s.Formula() over the first copy of each rule only
// (a ∧ a is a), so repeating a rule does not grow the automaton's work.
func distinctConjunction(s *ltl.Spec, copyOf []int) ltl.Formula {
	var f ltl.Formula
	for i, r := range s.Rules {
		if copyOf[i] >= 0 {
			continue
		}
		if f == nil {
			f = r.Formula
		} else {
			f = &ltl.Binary{Pos: r.Pos, Op: ltl.OpAnd, L: f, R: r.Formula}
		}
	}
	if f == nil {
		return s.Formula()
	}
	return f
}

// specPos is the position of s's `spec` line, as file:line:col.
func specPos(s *ltl.Spec) string {
	p := s.Pos
	p.Filename = s.File
	return ltl.FormatPos(p)
}

// positioned prefixes a compilation error with the spec's file position, so
// that limits are reported like every other error: file:line:col: msg.
// Errors that already carry a position (the rule being compiled) keep it.
func positioned(s *ltl.Spec, err error) error {
	var ae *automata.Error
	if errors.As(err, &ae) && ae.Pos.Line > 0 {
		return err
	}
	return fmt.Errorf("%s: %w", specPos(s), err)
}

// ErrNotCompiled is returned by methods called on a nil *Spec.
var ErrNotCompiled = errors.New("specplan: spec not compiled")

// wrapped rewords an error while keeping it comparable with errors.Is/As
// (e.g. automata.ErrStateLimit).
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// catalogSchemas compiles the catalog's parameter schemas, once: every
// valid JSON Schema is accepted, whether or not the decoder can generate
// under it (that is the decoder's own question, asked where generation
// happens: see SchemaCheck). A schema that is not valid JSON Schema, or
// that refers outside itself, is an error at the tool's catalog position.
func catalogSchemas(catalog []ltl.CatalogTool) (map[string]json.RawMessage, map[string]*schema.Schema, error) {
	raw := map[string]json.RawMessage{}
	compiled := map[string]*schema.Schema{}
	var errs ltl.ErrorList
	for _, t := range catalog {
		if noSchema(t.Parameters) {
			continue
		}
		sch, err := schema.Compile(t.Parameters, schema.CompileOptions{})
		if err != nil {
			errs = append(errs, &ltl.Error{Pos: t.Pos, Code: ltl.ErrCatalogTool, Msg: fmt.Sprintf("tool %s: parameters: %v", t.Name, err)})
			continue
		}
		raw[t.Name] = withStrict(t)
		compiled[t.Name] = sch
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return raw, compiled, nil
}

// withStrict is a tool's parameters as the decoder reads them: OpenAI's
// `"strict": true` sits on the function, beside the schema, and the
// decoder honours it at the schema's root (every declared property
// written, no other), so it is carried there. Validation reads the schema
// as it is: strict mode is OpenAI's rule for generation, not JSON Schema.
func withStrict(t ltl.CatalogTool) json.RawMessage {
	entry, err := strictjson.Parse(t.Entry, strictjson.Limits{})
	if err != nil || entry.Kind() != strictjson.Object {
		return t.Parameters
	}
	fn := entry.Get("function")
	if fn == nil || fn.Kind() != strictjson.Object {
		fn = entry
	}
	st := fn.Get("strict")
	if st == nil || st.Kind() != strictjson.Bool || st.Text() != "true" {
		return t.Parameters
	}
	params, err := strictjson.Parse(t.Parameters, strictjson.Limits{})
	if err != nil || params.Kind() != strictjson.Object || params.Get("strict") != nil {
		return t.Parameters
	}
	trimmed := bytes.TrimLeft(t.Parameters, " \t\r\n")
	rest := bytes.TrimLeft(trimmed[1:], " \t\r\n")
	out := append([]byte(`{"strict": true`), ',')
	if len(rest) > 0 && rest[0] == '}' {
		out = out[:len(out)-1]
	}
	return append(out, trimmed[1:]...)
}

// SchemaCheck is an analysis of one tool's compiled parameter schema that
// CheckSchemas runs beside the contradictions schema/ finds itself; each
// Problem it returns is a finding (SchemaPointer and Keyword say where).
//
// This is where the decoder's generability analysis plugs in: whether the
// decoder can generate under a schema is its own question (schema/'s
// generation analysis, built by schemagen), asked by `plan check`, `plan
// compile` and `plan generate` through CheckSchemas(thatCheck). The guard
// path (Validate, Monitor) never depends on it: every valid schema is
// validated, whether or not it can be generated under.
type SchemaCheck func(tool string, s *schema.Schema) []schema.Problem

// CheckSchemas reports, as errors positioned at each tool's catalog entry,
// the tool schemas no call can satisfy (schema.Schema.Contradictions: a
// minimum above its maximum, an enum none of whose values fits, a required
// property that is forbidden, …) and whatever the extra checks find. Check
// includes its findings (code CheckSchemaUnsat), so `plan check
// --tools` fails on them as on an unsatisfiable spec. Tools come in catalog
// order.
func (s *Spec) CheckSchemas(extra ...SchemaCheck) []Diagnostic {
	if s == nil {
		return nil
	}
	var names []string
	for name := range s.compiled {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		pi, pj := s.toolPos[names[i]], s.toolPos[names[j]]
		if pi.Offset != pj.Offset {
			return pi.Offset < pj.Offset
		}
		return names[i] < names[j]
	})
	var out []Diagnostic
	for _, name := range names {
		sch := s.compiled[name]
		probs := sch.Contradictions()
		for _, check := range extra {
			probs = append(probs, check(name, sch)...)
		}
		for _, p := range probs {
			where := "the parameters schema"
			if p.SchemaPointer != "" {
				where = "parameters schema at " + safetext.Escape(p.SchemaPointer)
			}
			if p.Keyword != "" {
				where += " (" + p.Keyword + ")"
			}
			out = append(out, Diagnostic{Pos: s.toolPos[name], Severity: SeverityError, Code: CheckSchemaUnsat,
				Msg: fmt.Sprintf("tool %s: %s: %s", safetext.Escape(name), where, p.Msg)})
		}
	}
	return out
}

// CheckGenerable reports, as errors positioned at each tool's catalog
// entry, the tools whose parameter schema the decoder cannot generate
// under, so that `plan check` and `plan compile` refuse them before anyone
// runs `plan generate`. check decides one schema: nil means
// schema.CheckGenerable (the generation form's refusals: a keyword it
// cannot enforce, with the JSON pointer); the plan CLI passes
// decoder.CheckSchema, which adds the decoder's own limits (automaton
// size, nesting) — the root package does not link the decoder.
// Validation (Validate, Monitor) is not affected: every valid schema is
// validated. Findings have code CheckNotGenerable; tools come in catalog
// order.
func (s *Spec) CheckGenerable(check func(json.RawMessage) error) []Diagnostic {
	if s == nil {
		return nil
	}
	if check == nil {
		check = schema.CheckGenerable
	}
	var out []Diagnostic
	for _, t := range s.catalog {
		raw, ok := s.schemas[t.Name]
		if !ok {
			continue
		}
		err := check(raw)
		if err == nil {
			continue
		}
		msg := err.Error()
		if ge, ok := schema.AsError(err); ok {
			where := ge.Pointer
			if where == "" {
				where = "/"
			}
			msg = fmt.Sprintf("parameters schema at %s (%s): %s", safetext.Escape(where), ge.Keyword, ge.Msg)
		}
		out = append(out, Diagnostic{Pos: s.toolPos[t.Name], Severity: SeverityError, Code: CheckNotGenerable,
			Msg: fmt.Sprintf("tool %s: the decoder cannot generate under its %s (validation is not affected)", safetext.Escape(t.Name), safetext.Escape(msg))})
	}
	return out
}

// noSchema reports a catalog entry without parameters (absent or JSON
// null): its calls take any arguments.
func noSchema(p json.RawMessage) bool {
	return len(p) == 0 || string(p) == "null"
}

// checkArgs validates a call's arguments against its tool's schema. The
// schema was compiled by Build; this neither parses nor, for the common
// keywords, allocates.
func (s *Spec) checkArgs(e ltl.Event) error {
	if e.Tool == "" {
		return nil
	}
	sch := s.compiled[e.Tool]
	if sch == nil {
		return nil
	}
	return sch.ValidateArgs(e.Args)
}
