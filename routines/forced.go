package routines

import (
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// ForcedArgs checks runs against the routine directly, apart from the
// compiled spec (an independent check of what Compile enforces, for
// audits and seeded tests): every argument a step forces (a literal or a reference
// `$name.path` to an input or an earlier result) equals, in the call, the
// value it names, the result being that of the most recent call of the
// step's tool (a failed call leaves nothing to reference). A call of a
// tool several steps call passes when one of them matches. It returns the
// number of forced arguments checked and whether every call passed.
func ForcedArgs(r *Routine, inputs map[string]any) func([]ltl.Event) (int, bool) {
	byTool := map[string][]*Step{}
	resultTool := map[string]string{}
	var walk func([]*Step)
	walk = func(steps []*Step) {
		for _, s := range steps {
			if s.Kind == StepCall {
				byTool[s.Name] = append(byTool[s.Name], s)
				if s.Result != "" {
					resultTool[s.Result] = s.Name
				}
			}
			for _, a := range s.Arms {
				walk(a.Body)
			}
			if s.Else != nil {
				walk(s.Else.Body)
			}
			walk(s.Body)
		}
	}
	walk(r.Steps)
	return func(events []ltl.Event) (int, bool) {
		last := map[string]any{} // tool -> its most recent result
		checked, ok := 0, true
		for _, ev := range events {
			if !ev.IsCall() {
				continue
			}
			steps := byTool[ev.Tool]
			best, pass := 0, len(steps) == 0
			for _, s := range steps {
				n, good := 0, true
				for _, a := range s.Args {
					var want any
					switch a.Kind {
					case ArgLiteral:
						v, err := strictjson.ParseString(a.Value.JSON, strictjson.Limits{})
						if err != nil {
							good = false
							continue
						}
						want = v.Any()
					case ArgRef:
						var have bool
						if tool, isResult := resultTool[a.Ref.Name]; isResult {
							want, have = last[tool]
						} else {
							want, have = inputs[a.Ref.Name]
						}
						if want, have = atPath(want, a.Ref.Path, have); !have {
							good = false
							n++
							continue
						}
					default:
						continue
					}
					n++
					got, present := ev.Args[a.Name]
					if !present || !sameJSON(got, want) {
						good = false
					}
				}
				if good && !pass {
					pass, best = true, n
				} else if !pass && n > best {
					best = n
				}
			}
			checked += best
			ok = ok && pass
			switch ev.Outcome {
			case ltl.Returned:
				last[ev.Tool] = ev.Result
			case ltl.Failed:
				delete(last, ev.Tool)
			}
		}
		return checked, ok
	}
}

func atPath(v any, path []string, ok bool) (any, bool) {
	for _, k := range path {
		m, isObj := v.(map[string]any)
		if !ok || !isObj {
			return nil, false
		}
		v, ok = m[k]
	}
	return v, ok
}

// sameJSON compares decoded JSON values, numbers exactly as decimals.
func sameJSON(a, b any) bool {
	if na, isNum, err := ltl.NumberOf(a); isNum {
		nb, isNumB, errB := ltl.NumberOf(b)
		return err == nil && errB == nil && isNumB && na.Cmp(nb) == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameJSON(v, w) {
				return false
			}
		}
		return true
	}
	return false
}
