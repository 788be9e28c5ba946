package ltl

// Results are data: a call's outcome (Event.Outcome, Result, Error) is part
// of the event, result predicates (`TOOL returns (…)`, `TOOL fails`) read
// it, and captures (`let NAME = TOOL`) carry a result forward to later
// predicates (`pay(amount <= $budget.limit)`).
//
// Captures. `let NAME = TOOL` names the result of the most recent call of
// TOOL. Before an event at position i, NAME holds the Result of the last
// call of TOOL at a position < i if that call Returned; if that call
// Failed or has no outcome (Pending), NAME holds nothing: the most recent
// call has no result, and an older result is not used in its place.
// A call never sees its own result through a capture.
//
// Fail-closed. A predicate whose value cannot be read rejects the call,
// as the type rule does for arguments (CheckArgs): the path is missing,
// the value has another type than the predicate implies, a reference
// `$NAME.path` names a capture that holds nothing or a path it does not
// have, or the captured value has another type than the comparison needs
// (a number for an ordering comparison; for == and != a string, number or
// boolean of the argument's own type). Such a call satisfies neither the
// predicate nor its negation: it is outside every formula that has the
// predicate (Eval is false, automata classify it in no symbol), so
// `never(pay(amount > $budget.limit))` does not let a pay through before a
// budget is known. A call of a tool that a formula's `returns` or `fails`
// atoms speak about must have an outcome (Returned or Failed); a failed
// call's result predicates are not read.

import (
	"fmt"
	"strings"
)

// Let is one `let NAME = TOOL` declaration.
type Let struct {
	Pos  Pos
	Name string
	Tool string
}

// Captures are the values captured before an event: capture name -> the
// result (nil is a captured JSON null). A name that is absent holds
// nothing. A Captures is never modified once built: After returns a new one.
type Captures map[string]any

// After returns the captures after event e, for the given declarations:
// a call of a captured tool replaces the capture by its result, or clears
// it when the call Failed or has no outcome. c itself is not modified.
func (c Captures) After(lets []Let, e Event) Captures {
	if e.Tool == "" {
		return c
	}
	out := c
	copied := false
	for _, l := range lets {
		if l.Tool != e.Tool {
			continue
		}
		if !copied {
			out = make(Captures, len(c)+1)
			for k, v := range c {
				out[k] = v
			}
			copied = true
		}
		if e.Outcome == Returned {
			out[l.Name] = e.Result
		} else {
			delete(out, l.Name)
		}
	}
	return out
}

// Lookup returns the captured value a reference names, and whether there
// is one (a capture holding something that has the path).
func (c Captures) Lookup(r *Ref) (any, bool) {
	v, ok := c[r.Name]
	if !ok {
		return nil, false
	}
	return lookupPath(v, r.Path)
}

// LetsOf returns the captures the formulas' references use, one per name,
// in first-use order.
func LetsOf(formulas ...Formula) []Let {
	var out []Let
	seen := map[string]bool{}
	add := func(ps []Pred) {
		for _, p := range ps {
			if p.Ref != nil && !seen[p.Ref.Name] {
				seen[p.Ref.Name] = true
				out = append(out, Let{Pos: p.Ref.Pos, Name: p.Ref.Name, Tool: p.Ref.Tool})
			}
		}
	}
	for _, f := range formulas {
		WalkAtoms(f, func(a *Atom) { add(a.Preds); add(a.Result) })
	}
	return out
}

// Needs is what formulas need to read from each tool's calls: argument
// predicates, result predicates, and which tools' outcomes they speak about.
type Needs struct {
	Args     map[string][]Pred // ToolPreds
	Result   map[string][]Pred // predicates of `returns` clauses, per tool, deduplicated by String
	Observed map[string]bool   // tools some `returns` or `fails` atom names
}

// NeedsOf collects the Needs of formulas.
func NeedsOf(formulas ...Formula) Needs {
	n := Needs{Args: ToolPreds(formulas...), Result: map[string][]Pred{}, Observed: map[string]bool{}}
	seen := map[string]bool{}
	for _, f := range formulas {
		WalkAtoms(f, func(a *Atom) {
			if a.Kind != AtomTool || !a.HasOutcome() {
				return
			}
			n.Observed[a.Name] = true
			for _, p := range a.Result {
				k := a.Name + "\x00" + p.String()
				if !seen[k] {
					seen[k] = true
					n.Result[a.Name] = append(n.Result[a.Name], p)
				}
			}
		})
	}
	return n
}

// HasResults reports whether the needs read anything of the run beyond the
// calls' literal arguments: outcomes, result predicates or captures.
func (n Needs) HasResults() bool {
	if len(n.Observed) > 0 {
		return true
	}
	for _, ps := range n.Args {
		for _, p := range ps {
			if p.Ref != nil {
				return true
			}
		}
	}
	return false
}

// Check applies the fail-closed rule to one event, given the values
// captured before it: nil, or why the event is rejected.
func (n Needs) Check(e Event, caps Captures) *ArgTypeError {
	if e.Tool == "" {
		return nil
	}
	for i := range n.Args[e.Tool] {
		p := &n.Args[e.Tool][i]
		if err := p.check(e.Tool, e.Args, false, caps); err != nil {
			return err
		}
	}
	if !n.Observed[e.Tool] {
		return nil
	}
	switch e.Outcome {
	case Pending:
		return &ArgTypeError{Tool: e.Tool, NoOutcome: true}
	case Returned:
		for i := range n.Result[e.Tool] {
			p := &n.Result[e.Tool][i]
			if err := p.check(e.Tool, e.Result, true, caps); err != nil {
				return err
			}
		}
	}
	return nil
}

// check applies the fail-closed rule to one predicate on root (a call's
// arguments, or its result when inResult).
func (p *Pred) check(tool string, root any, inResult bool, caps Captures) *ArgTypeError {
	fail := func(got string) *ArgTypeError {
		return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: *p, Want: p.Value.Kind, Got: got, InResult: inResult}
	}
	var raw any
	var ok bool
	if m, isMap := root.(map[string]any); isMap && !inResult {
		raw, ok = p.argValue(m)
	} else {
		raw, ok = lookupPath(root, p.Segments())
	}
	if !ok {
		return fail("missing")
	}
	if p.Ref == nil {
		return p.checkKind(raw, fail)
	}
	rv, bound := caps.Lookup(p.Ref)
	if !bound {
		e := fail(JSONType(raw))
		e.Unbound = true
		if _, held := caps[p.Ref.Name]; held {
			e.Detail = fmt.Sprintf("the captured result of %s has no %s", p.Ref.Tool, strings.Join(p.Ref.Path, "."))
		}
		return e
	}
	if p.Cmp.IsOrder() {
		if err := p.checkKind(raw, fail); err != nil {
			return err
		}
		if isNum, err := numberOK(rv); !isNum || err != nil {
			e := fail("number")
			e.RefGot = JSONType(rv)
			return e
		}
		return nil
	}
	// == and !=: two scalars of one type.
	at, rt := JSONType(raw), JSONType(rv)
	scalar := func(t string) bool { return t == "string" || t == "number" || t == "boolean" }
	if !scalar(at) || at != rt {
		e := fail(at)
		e.RefGot = rt
		return e
	}
	if at == "number" {
		if _, err := numberOK(raw); err != nil {
			e := fail("number")
			e.Detail = err.Error()
			return e
		}
		if _, err := numberOK(rv); err != nil {
			e := fail("number")
			e.RefGot = "number"
			e.Detail = "the captured value: " + err.Error()
			return e
		}
	}
	return nil
}

// checkKind is the type rule on one literal (or ordering) predicate's value.
func (p *Pred) checkKind(raw any, fail func(string) *ArgTypeError) *ArgTypeError {
	switch p.Value.Kind {
	case NumberValue:
		isNum, err := numberOK(raw)
		if !isNum {
			return fail(JSONType(raw))
		}
		if err != nil {
			e := fail("number")
			e.Detail = err.Error()
			return e
		}
	case StringValue:
		if _, ok := raw.(string); !ok {
			return fail(JSONType(raw))
		}
	case BoolValue:
		if _, ok := raw.(bool); !ok {
			return fail(JSONType(raw))
		}
	}
	return nil
}

// eval evaluates the predicate on root (arguments, or a result when
// inResult) with the captures; ok is false where the fail-closed rule
// rejects the value (holds is then false).
func (p *Pred) eval(root any, inResult bool, caps Captures) (holds, ok bool) {
	var raw any
	var found bool
	if m, isMap := root.(map[string]any); isMap && !inResult {
		raw, found = p.argValue(m)
	} else {
		raw, found = lookupPath(root, p.Segments())
	}
	if !found {
		return false, false
	}
	if p.Ref == nil {
		return p.HoldsValue(raw), true
	}
	rv, bound := caps.Lookup(p.Ref)
	if !bound {
		return false, false
	}
	return compareValues(raw, p.Cmp, rv)
}

// compareValues compares two JSON values: ordering on numbers, == and !=
// on scalars of one type; ok is false for any other pair.
func compareValues(a any, c Cmp, b any) (holds, ok bool) {
	if x, isNum, err := NumberOf(a); isNum {
		y, isNum2, err2 := NumberOf(b)
		if err != nil || !isNum2 || err2 != nil {
			return false, false
		}
		return Pred{Cmp: c, Value: Value{Kind: NumberValue, Num: y}}.HoldsNumber(x), true
	}
	if c.IsOrder() {
		return false, false
	}
	eq := false
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return false, false
		}
		eq = x == y
	case bool:
		y, ok := b.(bool)
		if !ok {
			return false, false
		}
		eq = x == y
	default:
		return false, false
	}
	if c == CmpNe {
		return !eq, true
	}
	return eq, c == CmpEq
}

// HoldsWith evaluates the predicate on a call's arguments with the values
// captured before the call (false where the fail-closed rule rejects it).
func (p Pred) HoldsWith(args map[string]any, caps Captures) bool {
	h, _ := p.eval(args, false, caps)
	return h
}

// HoldsResult evaluates a `returns` predicate on a call's result.
func (p Pred) HoldsResult(result any, caps Captures) bool {
	h, _ := p.eval(result, true, caps)
	return h
}
