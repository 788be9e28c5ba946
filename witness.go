package specplan

import (
	"errors"
	"fmt"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/schema"
)

// Witnesses returns the k shortest traces the spec accepts (shortest
// first, then by symbol order, as automata.Witnesses), as concrete events
// that pass Validate: each call carries the predicated arguments that
// realise its symbol and, where the catalog gives the tool's schema, every
// required argument, filled with a value the schema accepts
// (schema.Example). A predicated value the schema rejects (a fresh string
// against a pattern) is replaced by one that keeps every predicate's truth
// value. When no such arguments are found the result is an error that
// names the trace, the event and why; never a trace that would not
// validate.
//
// Results. A call of a tool whose outcome the spec reads carries an
// outcome realising its symbol's result part: an error, or a result object
// with the fields its result predicates need, completed and repaired
// under the tool's MCP outputSchema when the catalog has one. A call of a
// captured tool returns a result, and a comparison with a captured value
// is realised by writing the needed value into that earlier result (for
// ==, one both the parameter's and the result field's schemas accept). The automaton over-approximates such specs
// (it cannot see whether a capture holds a value: a word may compare with
// one before any is captured), so for them Witnesses skips the words no
// concrete trace realises and returns the k shortest that validate, out
// of at most 8k+16 candidate words: possibly fewer than k.
func (s *Spec) Witnesses(k int) ([][]ltl.Event, error) {
	if s == nil || s.dfa == nil {
		return nil, ErrNotCompiled
	}
	results := s.alphabet.HasResults()
	words := automata.Witnesses(s.dfa, k)
	if results {
		words = automata.Witnesses(s.dfa, 8*k+16)
	}
	var out [][]ltl.Event
	for n, word := range words {
		if len(out) == k {
			break
		}
		trace := s.alphabet.Events(word)
		if results {
			s.realiseTyped(trace, word)
		}
		skip := false
		for i := range trace {
			if err := s.fillArgs(&trace[i], s.alphabet.Symbols[word[i]]); err != nil {
				if results {
					skip = true
					break
				}
				return nil, fmt.Errorf("witness %d, event %d (%s): %w", n+1, i, s.alphabet.Symbols[word[i]].Name, err)
			}
		}
		if skip {
			continue
		}
		if results && !s.fillResults(trace) {
			continue
		}
		if v := s.Validate(trace); !v.Accepted {
			if results {
				continue
			}
			return nil, fmt.Errorf("witness %d does not validate: %s", n+1, v.Violation.Reason)
		}
		out = append(out, trace)
	}
	if len(out) == 0 && len(words) > 0 {
		// The automaton has words, but none could be written with values
		// that validate: say so rather than print nothing, which reads as
		// "no run satisfies the spec".
		return nil, fmt.Errorf("%w: the %d shortest accepted words compare with captured values or schemas that the filled-in results and arguments do not realise", ErrNoConcreteWitness, len(words))
	}
	return out, nil
}

// realiseTyped rewrites the values automata.Alphabet.Events chose without
// the catalog's schemas where those schemas reject them, keeping every
// predicate's truth value: a result field its output schema constrains (a
// fresh string against an enum: `!(status == "delivered")` must become
// one of the other statuses), and an argument that must equal a captured
// value (`amount == $order.total`), which gets a value both the
// parameter's schema and the captured field's output schema accept,
// written into the argument and into the earlier result alike. Where no
// such value is found the trace is left as it is, and the checks after
// it skip the word.
func (s *Spec) realiseTyped(trace []ltl.Event, word []int) {
	for i := range trace {
		ev := &trace[i]
		sym := s.alphabet.Symbols[word[i]]
		if ev.Tool == "" {
			continue
		}
		if ev.Outcome == ltl.Returned {
			s.realiseResultFields(ev, sym)
		}
		raw, ok := s.schemas[ev.Tool]
		if !ok {
			continue
		}
		for _, l := range sym.Lits {
			p := l.Pred
			if p.Ref == nil || !l.Holds || p.Cmp != ltl.CmpEq || len(p.Segments()) != 1 {
				continue
			}
			j := i - 1
			for j >= 0 && trace[j].Tool != p.Ref.Tool {
				j--
			}
			if j < 0 || trace[j].Outcome != ltl.Returned {
				continue
			}
			res, isMap := trace[j].Result.(map[string]any)
			if !isMap || len(p.Ref.Path) == 0 {
				continue
			}
			out := s.outputSchema(p.Ref.Tool)
			var field *schema.Schema
			if out != nil && len(p.Ref.Path) == 1 {
				if fs := readSchemaTree(out).Get("properties").Get(p.Ref.Path[0]); fs != nil {
					field, _ = schema.Compile(fs.Raw(out), schema.CompileOptions{})
				}
			}
			arg := p.Segments()[0]
			keep := func(v any) bool {
				args := map[string]any{arg: v}
				for _, o := range sym.Lits {
					if o.Pred.Ref == nil && len(o.Pred.Segments()) == 1 && o.Pred.Segments()[0] == arg && o.Pred.Holds(args) != o.Holds {
						return false
					}
				}
				return field == nil || field.Validate(v) == nil
			}
			if cur, set := ev.Args[arg]; set && keep(cur) && s.argAccepts(raw, arg, cur) {
				continue
			}
			v, err := schema.PropertyExample(raw, arg, keep)
			if err != nil {
				continue
			}
			if ev.Args == nil {
				ev.Args = map[string]any{}
			}
			ev.Args[arg] = v
			setResultPath(res, p.Ref.Path, v)
		}
	}
}

// argAccepts reports whether the property schema of arg accepts v.
func (s *Spec) argAccepts(raw []byte, arg string, v any) bool {
	prop := readSchemaTree(raw).Get("properties").Get(arg)
	if prop == nil {
		return true
	}
	sch, err := schema.Compile(prop.Raw(raw), schema.CompileOptions{})
	return err == nil && sch.Validate(v) == nil
}

// realiseResultFields replaces a result field that its tool's output
// schema rejects with one it accepts that keeps the truth of the symbol's
// result predicates on that field.
func (s *Spec) realiseResultFields(ev *ltl.Event, sym automata.Symbol) {
	out := s.outputSchema(ev.Tool)
	res, isMap := ev.Result.(map[string]any)
	if out == nil || !isMap {
		return
	}
	props := readSchemaTree(out).Get("properties")
	for field, cur := range res {
		fs := props.Get(field)
		if fs == nil {
			continue
		}
		sch, err := schema.Compile(fs.Raw(out), schema.CompileOptions{})
		if err != nil || sch.Validate(cur) == nil {
			continue
		}
		keep := func(v any) bool {
			r := map[string]any{field: v}
			for _, l := range sym.Result {
				if l.Pred.Ref == nil && len(l.Pred.Segments()) == 1 && l.Pred.Segments()[0] == field && l.Pred.HoldsResult(r, nil) != l.Holds {
					return false
				}
			}
			return true
		}
		if v, err := schema.PropertyExample(out, field, keep); err == nil {
			res[field] = v
		}
	}
}

func setResultPath(m map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	m[path[len(path)-1]] = v
}

// ErrNoConcreteWitness is returned by Witnesses when the automaton accepts
// words but none of those it tried could be written as a trace that
// validates (see Witnesses on results and captures).
var ErrNoConcreteWitness = errors.New("no concrete witness found")

// fillArgs completes a call's arguments under its tool's schema.
func (s *Spec) fillArgs(ev *ltl.Event, sym automata.Symbol) error {
	raw, ok := s.schemas[ev.Tool]
	if !ok || ev.Tool == "" {
		return nil
	}
	if ev.Args == nil {
		ev.Args = map[string]any{}
	}
	var required []string
	if req := readSchemaTree(raw).Get("required"); req != nil && req.Kind() == strictjson.Array {
		for i := range req.Len() {
			if r := req.Elem(i); r.Kind() == strictjson.String {
				required = append(required, r.Text())
			}
		}
	}
	if len(required) > 0 {
		whole, err := schema.Example(raw, nil)
		if err != nil {
			return err
		}
		obj, _ := whole.(map[string]any)
		for _, name := range required {
			if _, set := ev.Args[name]; !set {
				if v, ok := obj[name]; ok {
					ev.Args[name] = v
				}
			}
		}
	}
	err := s.checkArgs(*ev)
	if err == nil {
		return nil
	}
	// A predicated value the schema rejects: find one the schema accepts
	// that gives every predicate on that argument the same truth value.
	byArg := map[string][]automata.Lit{}
	for _, l := range sym.Lits {
		if l.Pred.Ref != nil || len(l.Pred.Segments()) > 1 {
			continue // realised along the trace, or inside an object: not repaired here
		}
		byArg[l.Pred.Arg] = append(byArg[l.Pred.Arg], l)
	}
	for arg, lits := range byArg {
		keep := func(v any) bool {
			args := map[string]any{arg: v}
			for _, l := range lits {
				if l.Pred.Holds(args) != l.Holds {
					return false
				}
			}
			return true
		}
		v, perr := schema.PropertyExample(raw, arg, keep)
		if perr != nil {
			continue
		}
		ev.Args[arg] = v
		if err = s.checkArgs(*ev); err == nil {
			return nil
		}
	}
	return fmt.Errorf("no arguments found that satisfy both the tool's schema and the symbol's predicates: %v", err)
}

// fillResults completes each returned result under its tool's MCP
// outputSchema, if the catalog entry has one: fields the symbol does not
// need come from schema.Example. It reports false when a result does not
// validate against its schema (the trace is then not used).
func (s *Spec) fillResults(trace []ltl.Event) bool {
	for i := range trace {
		ev := &trace[i]
		if ev.Tool == "" || ev.Outcome != ltl.Returned {
			continue
		}
		raw := s.outputSchema(ev.Tool)
		if raw == nil {
			continue
		}
		sch, err := schema.Compile(raw, schema.CompileOptions{})
		if err != nil {
			return false
		}
		if ex, err := schema.Example(raw, nil); err == nil {
			if exm, ok := ex.(map[string]any); ok {
				res, ok := ev.Result.(map[string]any)
				if !ok && ev.Result == nil {
					res, ok = map[string]any{}, true
				}
				if ok {
					for k, v := range exm {
						if _, set := res[k]; !set {
							res[k] = v
						}
					}
					ev.Result = res
				}
			}
		}
		if sch.Validate(ev.Result) != nil {
			return false
		}
	}
	return true
}

// outputSchema is the MCP outputSchema of tool's catalog entry, or nil.
func (s *Spec) outputSchema(tool string) []byte {
	for _, t := range s.catalog {
		if t.Name != tool || len(t.Entry) == 0 {
			continue
		}
		v, err := strictjson.Parse(t.Entry, strictjson.Limits{})
		if err != nil {
			return nil
		}
		if fn := v.Get("function"); fn != nil {
			v = fn
		}
		if o := v.Get("outputSchema"); o != nil {
			return o.Raw(t.Entry)
		}
		return nil
	}
	return nil
}
