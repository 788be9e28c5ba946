package specplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

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
}

// Spec is a compiled spec: the parsed source, its event alphabet, the minimal
// trimmed DFA of the conjunction of its rules, and one DFA per rule (used to
// say which rule a violation breaks).
type Spec struct {
	Source   *ltl.Spec
	Alphabet *automata.Alphabet
	DFA      *automata.DFA
	Rules    []*automata.DFA // Rules[i] is the DFA of Source.Rules[i] alone
	// Schemas are the tools' JSON-schema parameters from the catalog
	// (Options.Catalog); calls are checked against them by Validate and
	// Monitor, as the decoder constrains generation by them.
	Schemas map[string]json.RawMessage
}

// ParseFile reads and parses one .ltl file, with the catalog's tools declared.
func ParseFile(path string, opts Options) (*ltl.Spec, error) {
	src, err := os.ReadFile(path)
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
	return ltl.Parse(filename, src, ltl.Options{Tools: decls, MaxDepth: opts.MaxDepth})
}

// CompileFile parses and compiles the .ltl file at path.
func CompileFile(path string, opts Options) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Compile(path, src, opts)
}

// Compile parses and compiles one spec.
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
	schemas, err := catalogSchemas(opts.Catalog)
	if err != nil {
		return nil, err
	}
	// The schemas prune the alphabet: no symbol for a minterm no allowed
	// value realises (an enum's "none of them", values below a minimum).
	alpha, err := automata.NewAlphabetWith(steps, tools, automata.AlphabetOptions{Domains: catalogDomains(schemas, formulas)}, formulas...)
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
		out[i] = &Spec{Source: s, Alphabet: alpha, DFA: whole, Rules: rules, Schemas: schemas}
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
