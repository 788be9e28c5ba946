package apps

import (
	"encoding/json"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Matches reports whether call c is this action: the same tool, exactly
// its parameters, and each argument equal to the action's (an `any`
// argument takes any string; a $ref is looked up in inputs, and without a
// value matches nothing).
func (a *Action) Matches(c Call, inputs map[string]any) bool {
	if c.Tool != a.Name || len(c.Args) != len(a.Params) {
		return false
	}
	for i, p := range a.Params {
		v, ok := c.Args[p]
		if !ok {
			return false
		}
		t := a.Args[i]
		switch t.Kind {
		case TextAny:
			if _, isStr := v.(string); !isStr {
				return false
			}
		case TextName:
			if s, isStr := v.(string); !isStr || s != t.Name {
				return false
			}
		case TextLiteral, TextRef:
			want, ok := concrete(t, inputs)
			if !ok {
				return false
			}
			lw, err1 := literal(want)
			lv, err2 := literal(v)
			if err1 != nil || err2 != nil || lw != lv {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// Call is the action as a concrete call, for the runtime's own actions
// (rollback) and the emulator: false when an argument is `any` or a $ref
// without a value.
func (a *Action) Call(inputs map[string]any) (Call, bool) {
	args := map[string]any{}
	for i, p := range a.Params {
		v, ok := concrete(a.Args[i], inputs)
		if !ok {
			return Call{}, false
		}
		args[p] = v
	}
	return Call{Tool: a.Name, Args: args}, true
}

// concrete is a Text's value: a literal's, a field's name, an input's.
func concrete(t *Text, inputs map[string]any) (any, bool) {
	switch t.Kind {
	case TextLiteral:
		return valueAny(t.Value), true
	case TextName:
		return t.Name, true
	case TextRef:
		v, ok := inputs[t.Ref]
		for _, p := range t.Path {
			m, isMap := v.(map[string]any)
			if !ok || !isMap {
				return nil, false
			}
			v, ok = m[p]
		}
		return v, ok
	}
	return nil, false
}

// hasAny reports whether some argument of the action is `any`.
func (a *Action) hasAny() bool {
	for _, t := range a.Args {
		if t.Kind == TextAny {
			return true
		}
	}
	return false
}

// keyOf is a call's Key as an Action with these arguments would have it.
func keyOf(c Call) string { return strings.TrimSpace(c.String()) }

// valueAny is a literal as a JSON value (numbers as json.Number, exact).
func valueAny(v ltl.Value) any {
	switch v.Kind {
	case ltl.NumberValue:
		return json.Number(v.Num.String())
	case ltl.StringValue:
		return v.Str
	case ltl.BoolValue:
		return v.Bool
	}
	return nil
}
