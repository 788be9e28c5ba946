package ltl

import (
	"fmt"
	"math"
	"strconv"
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
	Arg  string
	Pred Pred      // a predicate on Tool that implies Arg's type
	Want ValueKind // the type Pred implies
	Got  string    // "missing", or the JSON type found: string, number, boolean, null, object, array (a Go type name for other Go values)
	// Detail explains a value that has the right type but cannot be read,
	// e.g. a number beyond the exact range.
	Detail string
}

func (e *ArgTypeError) Error() string {
	at := ""
	if e.Pred.Pos.Line > 0 {
		at = " at " + FormatPos(e.Pred.Pos)
	}
	if e.Detail != "" {
		return fmt.Sprintf("%s: argument %s cannot be compared: %s (predicate %s%s)", e.Tool, e.Arg, e.Detail, e.Pred, at)
	}
	got := "a " + e.Got
	switch e.Got {
	case "missing":
		got = "missing"
	case "array", "object":
		got = "an " + e.Got
	}
	return fmt.Sprintf("%s: argument %s must be a %s, and it is %s: predicate %s%s implies that %s is a %s, and a call whose argument does not have the type its predicates imply is rejected",
		e.Tool, e.Arg, e.Want, got, e.Pred, at, e.Arg, e.Want)
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
	for _, p := range preds {
		raw, ok := args[p.Arg]
		if !ok {
			return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: p, Want: p.Value.Kind, Got: "missing"}
		}
		switch p.Value.Kind {
		case NumberValue:
			isNum, err := numberOK(raw)
			if !isNum {
				return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: p, Want: NumberValue, Got: JSONType(raw)}
			}
			if err != nil {
				return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: p, Want: NumberValue, Got: "number", Detail: err.Error()}
			}
		case StringValue:
			if _, ok := raw.(string); !ok {
				return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: p, Want: StringValue, Got: JSONType(raw)}
			}
		case BoolValue:
			if _, ok := raw.(bool); !ok {
				return &ArgTypeError{Tool: tool, Arg: p.Arg, Pred: p, Want: BoolValue, Got: JSONType(raw)}
			}
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
