package ltl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The fail-closed rule: a predicate implies the type of its argument.
// `amount > 100` says amount is a number, `currency == "EUR"` that currency
// is a string, `urgent == true` that urgent is a boolean. A call whose
// argument is missing, or of another type than a predicate on that tool
// implies, is rejected outright: it satisfies no formula that has the
// predicate, and its negation neither (with or without a tool catalog).
// Otherwise `never(refund(amount > 1000))` would let
// refund(amount: "5000") through, since the predicate is false on a string.

// String names the kind as JSON does: number, string, boolean.
func (k ValueKind) String() string {
	switch k {
	case NumberValue:
		return "number"
	case StringValue:
		return "string"
	case BoolValue:
		return "boolean"
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// ArgTypeError is a call rejected by the fail-closed rule.
type ArgTypeError struct {
	Tool string
	Arg  string    // the predicate's path, as written
	Pred Pred      // a predicate on Tool that implies Arg's type
	Want ValueKind // the type Pred implies (0: a scalar of the captured value's type)
	Got  string    // "missing", or the JSON type found: string, number, boolean, null, object, array (a Go type name for other Go values)
	// Detail explains a value that has the right type but cannot be read,
	// e.g. a number beyond the exact range.
	Detail string
	// InResult: Arg is a path in the call's result (a `returns` predicate).
	InResult bool
	// Unbound: Pred's reference names a capture that holds nothing (no
	// call of its tool yet, or the most recent one failed or has no
	// result), or a path the captured value lacks (Detail says which).
	Unbound bool
	// RefGot is the JSON type of the captured value when it does not fit
	// the comparison ("" otherwise).
	RefGot string
	// NoOutcome: the call has neither a result nor an error, and the
	// formulas' `returns`/`fails` atoms on Tool need one.
	NoOutcome bool
}

func (e *ArgTypeError) Error() string {
	if e.NoOutcome {
		return fmt.Sprintf("%s: the call has no result and no error, and the spec's returns/fails predicates on %s need one: a call whose outcome they cannot read is rejected", e.Tool, e.Tool)
	}
	at := ""
	if e.Pred.Pos.Line > 0 {
		at = " at " + FormatPos(e.Pred.Pos)
	}
	what := "argument " + e.Arg
	if e.InResult {
		what = "result field " + e.Arg
	}
	if e.Pred.Ref != nil {
		ref := e.Pred.Ref
		switch {
		case e.Unbound && e.Detail != "":
			return fmt.Sprintf("%s: reference %s in predicate %s%s cannot be read: %s; a call whose predicate refers to a value not captured is rejected", e.Tool, ref, e.Pred, at, e.Detail)
		case e.Unbound:
			return fmt.Sprintf("%s: reference %s in predicate %s%s holds no value: no call of %s has returned a result since the last one that failed or had none (let %s = %s); a call whose predicate refers to a value not captured is rejected", e.Tool, ref, e.Pred, at, ref.Tool, ref.Name, ref.Tool)
		case e.RefGot != "":
			return fmt.Sprintf("%s: %s (%s) cannot be compared with %s (%s) in predicate %s%s: %s; a call whose values do not fit its predicate is rejected", e.Tool, what, jsonArticle(e.Got), ref, jsonArticle(e.RefGot), e.Pred, at, refNeeds(e.Pred.Cmp))
		}
	}
	if e.Detail != "" {
		return fmt.Sprintf("%s: %s cannot be compared: %s (predicate %s%s)", e.Tool, what, e.Detail, e.Pred, at)
	}
	got := jsonArticle(e.Got)
	if e.Got == "missing" {
		got = "missing"
	}
	want := e.Want.String()
	if e.Want == 0 {
		want = "string, number or boolean"
	}
	return fmt.Sprintf("%s: %s must be a %s, and it is %s: predicate %s%s implies that %s is a %s, and a call whose %s does not have the type its predicates imply is rejected",
		e.Tool, what, want, got, e.Pred, at, e.Arg, want, strings.SplitN(what, " ", 2)[0])
}

func jsonArticle(t string) string {
	switch t {
	case "array", "object":
		return "an " + t
	}
	return "a " + t
}

func refNeeds(c Cmp) string {
	if c.IsOrder() {
		return c.String() + " compares two numbers"
	}
	return c.String() + " compares two strings, two numbers or two booleans"
}

// JSONType names the JSON type of a decoded argument value, as the fail-closed
// rule reports it; numbers are every Go number type and json.Number.
func JSONType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	if _, ok, _ := NumberOf(v); ok {
		return "number"
	}
	return fmt.Sprintf("Go value of type %T", v)
}

// CheckArgs applies the fail-closed rule to a call of tool with args, for
// the predicates preds that formulas use on that tool: every predicate's
// argument must be present, of the predicate's type, and readable (a number
// within the exact range). The first failure, in preds order, is returned.
func CheckArgs(tool string, preds []Pred, args map[string]any) *ArgTypeError {
	for i := range preds {
		p := &preds[i]
		raw, ok := p.argValue(args)
		if !ok {
			return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: *p, Want: p.Value.Kind, Got: "missing"}
		}
		if err := p.checkKind(raw, func(got string) *ArgTypeError {
			return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: *p, Want: p.Value.Kind, Got: got}
		}); err != nil {
			return err
		}
	}
	return nil
}

// ToolPreds collects, per tool, the distinct predicates (by String) that
// formulas use on it, in first-use order.
func ToolPreds(formulas ...Formula) map[string][]Pred {
	out := map[string][]Pred{}
	seen := map[string]bool{}
	for _, f := range formulas {
		WalkAtoms(f, func(a *Atom) {
			if a.Kind != AtomTool {
				return
			}
			for _, p := range a.Preds {
				k := a.Name + "\x00" + p.String()
				if !seen[k] {
					seen[k] = true
					out[a.Name] = append(out[a.Name], p)
				}
			}
		})
	}
	return out
}

// TypeConflict reports predicates on one tool that imply two types for one
// argument (`amount > 5` and `amount == "x"`): no call of the tool can then
// satisfy the rule, so every call of it is rejected. It returns the two
// predicates, the first in preds order that conflict.
func TypeConflict(preds []Pred) (Pred, Pred, bool) {
	first := map[string]Pred{}
	for _, p := range preds {
		if p.Value.Kind == 0 {
			continue // == or != with a captured value: any scalar
		}
		if q, ok := first[p.Arg]; ok && q.Value.Kind != p.Value.Kind {
			return q, p, true
		} else if !ok {
			first[p.Arg] = p
		}
	}
	return Pred{}, Pred{}, false
}

// numberOK is NumberOf without building the Number where the type alone
// decides (integers, finite floats): the guard path stays allocation-free.
func numberOK(v any) (bool, error) {
	switch x := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return true, fmt.Errorf("%v is not a JSON number", x)
		}
		return true, nil
	case float32:
		return numberOK(float64(x))
	}
	_, ok, err := NumberOf(v)
	return ok, err
}
