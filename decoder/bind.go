package decoder

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// A binding is the set of progs a turn may write beyond the Index's own:
// the symbols whose literals compare with captured values
// (`amount <= $budget.limit`), each compiled with the values captured when
// the turn started (`amount <= 480`). Bindings are interned by content (the
// bound literals of every such symbol), so a turn that starts with the same
// values reuses the progs, the byte states and their cached masks; only
// the value automata of the bound symbols are compiled, never the spec.
type binding struct {
	progs []int32 // prog ids, every message-mode variant of every bound symbol
}

// maxBoundProgs bounds the progs all bindings of one Index compile.
const maxBoundProgs = 1 << 14

func hasRef(lits []automata.Lit) bool {
	for _, l := range lits {
		if l.Pred.Ref != nil {
			return true
		}
	}
	return false
}

// boundValue is the literal a captured value stands for in predicate p:
// false when the fail-closed rule rejects every call (the value is not
// captured, or is not a scalar p can compare with: ordering needs a
// number, == and != a string, number or boolean).
func boundValue(p ltl.Pred, caps ltl.Captures) (ltl.Value, bool) {
	v, ok := caps.Lookup(p.Ref)
	if !ok {
		return ltl.Value{}, false
	}
	if n, isNum, err := ltl.NumberOf(v); isNum {
		if err != nil {
			return ltl.Value{}, false
		}
		return ltl.Value{Kind: ltl.NumberValue, Num: n}, true
	}
	if p.Cmp.IsOrder() {
		return ltl.Value{}, false
	}
	switch x := v.(type) {
	case string:
		return ltl.Value{Kind: ltl.StringValue, Str: x}, true
	case bool:
		return ltl.Value{Kind: ltl.BoolValue, Bool: x}, true
	}
	return ltl.Value{}, false
}

// bindLits replaces every reference in lits by the captured value: false
// when some reference is not bound (then no call of the symbol is valid:
// fail-closed, never free).
func bindLits(lits []automata.Lit, caps ltl.Captures) ([]automata.Lit, bool) {
	out := make([]automata.Lit, len(lits))
	for i, l := range lits {
		out[i] = l
		if l.Pred.Ref == nil {
			continue
		}
		v, ok := boundValue(l.Pred, caps)
		if !ok {
			return nil, false
		}
		out[i].Pred.Ref = nil
		out[i].Pred.Value = v
	}
	return out, true
}

func litsKey(sym int, lits []automata.Lit) string {
	var sb strings.Builder
	sb.WriteString(strconv.Itoa(sym))
	for _, l := range lits {
		sb.WriteByte('|')
		if !l.Holds {
			sb.WriteByte('!')
		}
		sb.WriteString(l.Pred.String())
	}
	return sb.String()
}

// bindingFor is the binding of the turn that starts with captures caps
// (0 when no symbol compares with a captured value, or none is bound).
// Called with ix.mu held.
func (ix *Index) bindingFor(caps ltl.Captures) (uint32, error) {
	if len(ix.refSyms) == 0 {
		return 0, nil
	}
	var pids []int32
	for _, i := range ix.refSyms {
		lits, ok := bindLits(ix.syms[i].Lits, caps)
		if !ok {
			continue
		}
		k := litsKey(i, lits)
		ps, done := ix.symProgs[k]
		if !done {
			if len(ix.progs) >= len(ix.syms)+maxBoundProgs {
				return 0, limitErr("more than %d progs compiled for bindings of captured values (limit maxBoundProgs)", maxBoundProgs)
			}
			sym := ix.syms[i]
			sym.Lits = lits
			var err error
			if ps, err = ix.compileVariants(i, sym, ix.schemas, false); err != nil {
				return 0, err
			}
			ix.symProgs[k] = ps
		}
		for _, p := range ps {
			if ix.progs[p] != nil {
				pids = append(pids, p)
			}
		}
	}
	if len(pids) == 0 {
		return 0, nil
	}
	key := fmt.Sprint(pids)
	if id, ok := ix.bindIDs[key]; ok {
		return id, nil
	}
	id := uint32(len(ix.binds))
	ix.binds = append(ix.binds, &binding{progs: pids})
	ix.bindIDs[key] = id
	return id, nil
}

// boundStarts adds to a boundary state the start threads of the bound
// progs that may be written there (in its message mode, leading to an
// event state that can still finish), and lowers its cost accordingly.
// After a bound event the run goes on under the Index's own analysis,
// where symbols that compare with captured values count as unwritable
// (the environment may answer values that make them so): the cost stays
// an upper bound and every state still has a way to finish. Called with
// ix.mu held.
func (ix *Index) boundStarts(st *bstate, start []config) []config {
	m := msgMode(st.kind & 7)
	tk := turnKey(st.kind >> 3)
	end := st.cost // where the model cannot write (done), the cost of ending here
	added := false
	for _, pid := range ix.binds[st.bind].progs {
		p := ix.progs[pid]
		if ix.pinfo[pid].in != m || p == nil || ix.pweight[pid] < 0 {
			continue
		}
		if tk != 0 && !ix.choices[tk.choice()-1].callable(ix.syms[ix.pinfo[pid].sym].Tool) {
			continue
		}
		q, m2 := ix.after(int(st.q), pid)
		in := ix.infoAt(q, m2, ix.afterTurn(tk, pid))
		if in == nil || in.cost < 0 {
			continue
		}
		start = append(start, enter(p, pid, p.start))
		if c := int32(ix.pweight[pid]) + in.cost; c < st.cost {
			st.cost = c
		}
		added = true
	}
	if added && st.done {
		// The model may now write; ending its turn instead costs an EOG,
		// where the turn may end at all (with IndexOptions.TrustBindings
		// a state can be done only for want of its bound call: trust.go).
		st.done = false
		if st.eogCost < 1<<30 {
			st.eog = true
			st.eogCost = end + 1
		}
	}
	return start
}

// attachOutcome applies an environment event to the events of a run: an
// event carrying an outcome (Outcome Returned or Failed) gives it to the
// call it answers, the last event; an environment step is then appended
// without the outcome (ltl.ReadTrace's observation rule: the outcome
// belongs to the call). A result event (Tool set) adds no event.
// SegmentEvents and Session.Observe both use it, so the independent
// reading of a transcript and the session agree.
func attachOutcome(events []ltl.Event, ev ltl.Event) ([]ltl.Event, error) {
	if ev.Outcome != ltl.Pending {
		n := len(events)
		if n == 0 || events[n-1].Tool == "" || events[n-1].Outcome != ltl.Pending {
			return events, newErr(CodeOrder, "an outcome (%s) with no call awaiting it", ev.Name())
		}
		if ev.Tool != "" && ev.Tool != events[n-1].Tool {
			return events, newErr(CodeNotAllowed, "a result of %s answers a call of %s", ev.Tool, events[n-1].Tool)
		}
		call := events[n-1]
		call.Outcome, call.Result, call.Error = ev.Outcome, ev.Result, ev.Error
		events = append(events[:n-1:n-1], call)
		if ev.Tool != "" {
			return events, nil
		}
		ev.Outcome, ev.Result, ev.Error = ltl.Pending, nil, ""
	} else if ev.Tool != "" {
		return events, newErr(CodeNotAllowed, "event %s is a call without an outcome: the model writes calls", ev.Name())
	}
	return append(events, ev), nil
}

// ResultEvent is the environment event that answers the pending call of
// tool: its result (err nil) or its failure (err's text), for specs
// without an environment step to carry it. With an observation step, set
// Outcome, Result and Error on the observation event instead.
func ResultEvent(tool string, result any, err error) ltl.Event {
	if err != nil {
		return ltl.Event{Tool: tool, Outcome: ltl.Failed, Error: err.Error()}
	}
	return ltl.Event{Tool: tool, Outcome: ltl.Returned, Result: result}
}

// MaxResultBytes bounds a tool answer ParseResult reads as JSON (a longer
// text is an error: see ParseResult).
const MaxResultBytes = 1 << 20

// ParseResult reads a tool's answer given as text: a JSON value when text
// is JSON (strictly: one value, duplicate keys an error, numbers kept
// exact as json.Number, nesting at most MaxSchemaDepth*4 deep), else the
// text itself as a string. Text that is JSON but breaks a strict rule (a
// duplicate key) is an error, not a string: it was meant as JSON. It is
// how `plan generate --observation` reads the canned answer.
func ParseResult(text string) (any, error) {
	if len(text) > MaxResultBytes {
		return nil, limitErr("tool answer of %d bytes is over %d bytes (limit MaxResultBytes)", len(text), MaxResultBytes)
	}
	var probe any
	if json.Unmarshal([]byte(text), &probe) != nil {
		return text, nil // not JSON: a string result
	}
	v, err := strictjson.ParseString(text, strictjson.Limits{MaxDepth: MaxSchemaDepth * 4})
	if err != nil {
		return nil, newErr(CodeParse, "tool answer: %v", err)
	}
	return v.Any(), nil
}

// CannedEnvironment answers every awaited step with the same text: after
// a call without an outcome the call returned ParseResult(answer) (on the
// first of envSteps when the spec has one, as ltl.ReadTrace's observation
// rule reads it; else as a ResultEvent), otherwise a plain step of the
// first of envSteps. The event's Text is answer as given.
func CannedEnvironment(answer string, envSteps []string) (Environment, error) {
	res, err := ParseResult(answer)
	if err != nil {
		return nil, err
	}
	step := ""
	if len(envSteps) > 0 {
		step = envSteps[0]
	}
	return func(events []ltl.Event) (ltl.Event, error) {
		var last ltl.Event
		if len(events) > 0 {
			last = events[len(events)-1]
		}
		if last.Tool != "" && last.Outcome == ltl.Pending {
			ev := ResultEvent(last.Tool, res, nil)
			ev.Text = answer
			if step != "" {
				ev.Tool, ev.Step = "", step
			}
			return ev, nil
		}
		if step == "" {
			return ltl.Event{}, newErr(CodeOrder, "the run awaits an environment step and the spec has none")
		}
		return ltl.Event{Step: step, Text: answer}, nil
	}, nil
}
