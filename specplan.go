package specplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// Options tune compilation. The zero value is the documented default.
type Options struct {
	// Catalog declares tools (and their JSON-schema parameters) in addition
	// to the spec's `tools` line: the OpenAI `tools` JSON.
	Catalog []ltl.CatalogTool
	// MaxStates bounds every automaton built (default 100 000); exceeding it
	// is an error that names the limit.
	MaxStates int
	// MaxDepth bounds formula nesting (default: ltl's).
	MaxDepth int
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
	return ltl.Options{MaxDepth: o.MaxDepth, MaxInputBytes: o.MaxInputBytes, MaxLineBytes: o.MaxLineBytes, MaxJSONDepth: o.MaxJSONDepth}
}

// Spec is a compiled spec: the parsed source, its event alphabet, the minimal
// trimmed DFA of the conjunction of its rules, and one DFA per rule (used to
// say which rule a violation breaks).
type Spec struct {
	Source   *ltl.Spec
	Alphabet *automata.Alphabet
	DFA      *automata.DFA
	Rules    []*automata.DFA // Rules[i] is the DFA of Source.Rules[i] alone
	// Catalog is the catalog the spec was compiled with (Options.Catalog,
	// or the one its `tools from` names).
	Catalog []ltl.CatalogTool
	// Schemas are the tools' JSON-schema parameters from the catalog
	// (Options.Catalog); calls are checked against them by Validate and
	// Monitor, as the decoder constrains generation by them.
	Schemas map[string]json.RawMessage
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
	alpha, err := automata.NewAlphabet(steps, tools, formulas...)
	if err != nil {
		return nil, err
	}
	schemas, err := catalogSchemas(opts.Catalog)
	if err != nil {
		return nil, err
	}
	aopts := automata.Options{MaxStates: opts.MaxStates}
	out := make([]*Spec, len(sources))
	for i, s := range sources {
		whole, err := automata.Compile(s.Formula(), alpha, aopts)
		if err != nil {
			// The conjunction of all rules has no source position of its own:
			// blame the spec, not whichever rule the formula happens to start with.
			var ae *automata.Error
			if errors.As(err, &ae) {
				return nil, &wrapped{msg: fmt.Sprintf("%s:%d:%d: spec %s (all rules together): %s", s.File, s.Pos.Line, s.Pos.Column, s.Name, ae.Msg), err: err}
			}
			return nil, positioned(s, err)
		}
		rules := make([]*automata.DFA, len(s.Rules))
		for j, r := range s.Rules {
			if rules[j], err = automata.Compile(r.Formula, alpha, aopts); err != nil {
				return nil, positioned(s, err)
			}
		}
		out[i] = &Spec{Source: s, Alphabet: alpha, DFA: whole, Rules: rules, Catalog: opts.Catalog, Schemas: schemas}
	}
	return out, nil
}

// positioned prefixes a compilation error with the spec's file position, so
// that limits are reported like every other error: file:line:col: msg.
// Errors that already carry a position (the rule being compiled) keep it.
func positioned(s *ltl.Spec, err error) error {
	var ae *automata.Error
	if errors.As(err, &ae) && ae.Pos.Line > 0 {
		return err
	}
	return fmt.Errorf("%s:%d:%d: %w", s.File, s.Pos.Line, s.Pos.Column, err)
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

// catalogSchemas collects the catalog's parameter schemas, refusing (with
// the tool's catalog position) any the decoder could not enforce.
func catalogSchemas(catalog []ltl.CatalogTool) (map[string]json.RawMessage, error) {
	schemas := map[string]json.RawMessage{}
	var errs ltl.ErrorList
	for _, t := range catalog {
		if len(t.Parameters) == 0 {
			continue
		}
		if err := decoder.CheckSchema(t.Parameters); err != nil {
			errs = append(errs, &ltl.Error{Pos: t.Pos, Code: ltl.ErrCatalogTool, Msg: fmt.Sprintf("tool %s: %v", t.Name, err)})
			continue
		}
		schemas[t.Name] = t.Parameters
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return schemas, nil
}

// checkArgs validates a call's arguments against its tool's schema.
func (s *Spec) checkArgs(e ltl.Event) error {
	schema, ok := s.Schemas[e.Tool]
	if !ok || e.Tool == "" {
		return nil
	}
	return decoder.ValidateArgs(schema, e.Args)
}
