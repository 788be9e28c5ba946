package routines

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// Compile turns a parsed routine into the automaton that Validate,
// Monitor, Witnesses and the decoder work on, in one call: it checks the
// inputs against the routine's `input` declarations, runs Check against
// catalog, lowers the routine with the inputs (LowerOptions.Lower) and
// compiles the lowered spec with specplan.Compile, catalog as its
// opts.Catalog (the lowered `tools from` line is never opened).
//
// Inputs become literals. A value given for an input is written into the
// lowered spec (`get_order(order_id == "A17")`), and a condition on an
// input is decided here; so one compiled Spec serves one set of inputs,
// and a new set is a new Compile (milliseconds for the bundled routines).
// Captures would have let one Spec serve every input set, but package ltl
// binds a capture only to the result of a call (`let NAME = TOOL`), never
// to a value the run starts with, and a condition on an input would then
// need every branch compiled in; inputs are known when a run starts, so
// literals are exact, and the decoder forces them as it forces any
// literal. Results are different: they arrive during the run, and the
// lowered spec reads them through `let` captures, bound without
// recompiling.
//
// Errors are an ltl.ErrorList positioned in the routine's file: every
// input missing, not declared or not of its declared type
// (ErrMissingInput, ErrInputValue, at the declaration, or the routine's
// header for one it does not declare), and every one of Check's findings
// (an unreachable step too: Lower refuses it, since a step written to
// run and never able to is a mistake in the routine). A limit of the compilation
// (opts.MaxStates, MaxSymbols, MaxSpecBytes) and anything package ltl
// rejects in the lowered text are placed at the routine step the lowered
// rule came from (the lowered text is LowerOptions{Inputs:
// inputs}.Lower(r) for reading along).
func Compile(r *Routine, inputs map[string]any, catalog []ltl.CatalogTool, opts specplan.Options) (*specplan.Spec, error) {
	if r == nil {
		return nil, errors.New("routines.Compile: nil routine")
	}
	if inputs == nil {
		inputs = map[string]any{} // nil would mean "for reading" to Lower
	}
	e := &errs{}
	checkInputs(r, inputs, e)
	if err := Check(r, catalog); err != nil {
		var list ltl.ErrorList
		if !errors.As(err, &list) {
			return nil, err
		}
		e.list = append(e.list, list...)
	}
	if err := e.result(); err != nil {
		return nil, err
	}
	text, lines, err := LowerOptions{Inputs: inputs, MaxBytes: opts.MaxSpecBytes}.lower(r)
	if err != nil {
		return nil, err
	}
	name := loweredName(r)
	if opts.MaxInputBytes > 0 && opts.MaxInputBytes < int64(len(text)) {
		// The routine's own size bounded its source and Lower bounded the
		// text by MaxSpecBytes; the input limit is for files read.
		opts.MaxInputBytes = int64(len(text))
	}
	opts.Catalog = catalog
	if opts.Catalog == nil {
		opts.Catalog = []ltl.CatalogTool{}
	}
	spec, err := specplan.Compile(name, []byte(text), opts)
	if err != nil {
		return nil, relocate(err, name, lines, r)
	}
	return spec, nil
}

// loweredName is the file name the lowered spec is compiled under; errors
// that name it are moved into the routine.
func loweredName(r *Routine) string { return r.File + " (lowered)" }

// checkInputs reports inputs missing, undeclared or of another type than
// declared.
func checkInputs(r *Routine, inputs map[string]any, e *errs) {
	declared := map[string]bool{}
	for _, in := range r.Inputs {
		declared[in.Name] = true
		v, ok := inputs[in.Name]
		if !ok {
			e.add(in.Pos, ErrMissingInput, fmt.Sprintf("input %s (%s) has no value (give it with --input %s=VALUE, or %s:=JSON)", in.Name, in.Type, in.Name, in.Name))
			continue
		}
		if got := valueType(v); !fitsType(in.Type, v, got) {
			e.add(in.Pos, ErrInputValue, fmt.Sprintf("input %s is declared %s, but its value is %s", in.Name, article(in.Type), article(got)))
		}
	}
	var extra []string
	for name := range inputs {
		if !declared[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		e.add(r.Pos, ErrInputValue, fmt.Sprintf("input %q has a value but routine %s declares no such input", name, r.Name))
	}
}

// valueType is the JSON type of a Go value as encoding/json (with or
// without UseNumber) or a caller builds it: "integer" for an integral
// number, so that it fits both integer and number.
func valueType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, ok := new(big.Int).SetString(x.String(), 10); ok {
			return "integer"
		}
		if _, err := strconv.ParseFloat(x.String(), 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return "number"
		}
		return "invalid number " + strconv.Quote(x.String())
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "non-finite number"
		}
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case float32:
		return valueType(float64(x))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "integer"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("Go %T", v)
}

func fitsType(declared string, v any, got string) bool {
	switch declared {
	case "any":
		return !strings.HasPrefix(got, "Go ") && !strings.HasPrefix(got, "invalid") && !strings.HasPrefix(got, "non-finite")
	case "number":
		return got == "number" || got == "integer"
	}
	return declared == got
}

// lineSource says where a line of the lowered text came from: a routine
// position, and for a copied `rule` line the column at which the routine's
// text starts (0: not a copy).
type lineSource struct {
	pos  Pos
	copy int
}

// relocate moves the positions of errors in the lowered text (name) to
// the routine lines they came from. Errors positioned elsewhere (in the
// catalog) keep theirs.
func relocate(err error, name string, lines []lineSource, r *Routine) error {
	at := func(p ltl.Pos) ltl.Pos {
		if p.Filename != name && p.Filename != "" {
			return p
		}
		src := lineSource{pos: r.Pos}
		if p.Line >= 1 && p.Line <= len(lines) && lines[p.Line-1].pos.Line > 0 {
			src = lines[p.Line-1]
		}
		q := src.pos
		if src.copy > 0 && p.Column >= src.copy {
			q.Column += p.Column - src.copy
			q.Offset += p.Column - src.copy
		}
		return q
	}
	var list ltl.ErrorList
	if errors.As(err, &list) {
		out := make(ltl.ErrorList, len(list))
		for i, x := range list {
			y := *x
			y.Pos = at(x.Pos)
			out[i] = &y
		}
		return out
	}
	// Other errors (a state or symbol limit) start with the lowered
	// file's position, file:line:col.
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, name+":"); ok {
		parts := strings.SplitN(rest, ":", 3)
		if len(parts) == 3 {
			line, e1 := strconv.Atoi(parts[0])
			col, e2 := strconv.Atoi(parts[1])
			if e1 == nil && e2 == nil {
				p := at(ltl.Pos{Filename: name, Line: line, Column: col})
				return &relocated{msg: ltl.FormatPos(p) + ":" + parts[2], err: err}
			}
		}
	}
	return err
}

// relocated is an error reworded with its position in the routine, still
// comparable with errors.Is/As (automata.ErrStateLimit and the like).
type relocated struct {
	msg string
	err error
}

func (e *relocated) Error() string { return e.msg }
func (e *relocated) Unwrap() error { return e.err }

// ResolveCatalog is the catalog a routine is checked and compiled with,
// found as specplan.ResolveCatalog finds a .ltl spec's: a non-nil
// opts.Catalog (a --tools flag) overrides the routine's `tools from
// "FILE"`, which is read relative to the directory of the routine's file
// (r.File) under opts' input limits, only if it is a regular file. A
// routine without `tools from` has none (nil). An error reading it is
// positioned at the routine's `tools from` line, or in the catalog itself.
func ResolveCatalog(r *Routine, opts specplan.Options) ([]ltl.CatalogTool, error) {
	if opts.Catalog != nil || r == nil || r.Catalog == nil {
		return opts.Catalog, nil
	}
	// The root package's resolution reads a .ltl `tools from` line; the
	// routine's is given to it as one, and its position moved back.
	line := "tools from " + strconv.Quote(r.Catalog.Path)
	got, err := specplan.ResolveCatalog(r.File, []byte(line), opts)
	if err != nil {
		var list ltl.ErrorList
		if errors.As(err, &list) {
			out := make(ltl.ErrorList, len(list))
			for i, x := range list {
				y := *x
				if y.Pos.Filename == r.File && y.Pos.Line == 1 {
					y.Pos = r.Catalog.Pos
				}
				out[i] = &y
			}
			return nil, out
		}
		return nil, err
	}
	return got.Catalog, nil
}

// LoadFile reads the routine at path (the text form of the Routine paper
// if path ends in .txt, else a .routine) under opts.MaxInputBytes, parses
// it with o and resolves its catalog (ResolveCatalog). It returns the
// source too, for printing errors (ltl.ErrorList.FormatFiles).
func LoadFile(path string, o Options, opts specplan.Options) (*Routine, []byte, []ltl.CatalogTool, error) {
	src, err := specplan.ReadFile(path, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	parse := o.Parse
	if strings.HasSuffix(path, ".txt") {
		parse = o.ParseText
	}
	r, err := parse(path, src)
	if err != nil {
		return nil, src, nil, err
	}
	cat, err := ResolveCatalog(r, opts)
	if err != nil {
		return r, src, nil, err
	}
	return r, src, cat, nil
}
