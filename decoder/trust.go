package decoder

import (
	"encoding/json"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/ltl"
)

// Trusted bindings (IndexOptions.TrustBindings). The strict analysis takes
// the environment's values as adversarial: a call whose arguments compare
// with a captured value (`issue_refund(amount == $order.total)`) never
// counts as a way to finish, since an answer could make it unwritable (a
// missing total, a string). A spec whose runs must make such a call (every
// routine that passes a result on) is then unsatisfiable to the decoder.
// Trusting bindings counts the call as writable at the fewest bytes of its
// text with the bound arguments left free, allows a call where SOME
// answer leaves a way to acceptance (not every one), and moves the checks
// to the moment the values arrive: Observe (and Perform) refuse,
// CodeNotAllowed, an outcome after which the spec has no way to
// acceptance, and one under which no bound call of a tool whose captures
// are present can be written (checkTrusted). The no-dead-end guarantee is
// then conditional on the environment's values: Observe refuses the values
// that break it rather than let the model write past them. The budget analysis counts the bound arguments
// at their shortest free spelling, so a bound value longer than that takes
// from the budget's margin.

// costWeight is the weight the cost analysis gives the edge.
func (p progEdge) costWeight() int {
	if p.weight < 0 && p.explore {
		return p.trusted
	}
	return p.weight
}

// MaxTrustedValueBytes is the room the analysis keeps for each bound
// value a call writes, with IndexOptions.TrustBindings: the budget counts
// a bound call at its shortest free spelling plus this much per bound
// argument, so that it stays an upper bound; Observe refuses a captured
// value a bound call would write in more bytes (a string's JSON, a
// number's text).
const MaxTrustedValueBytes = 64

// trustedWeight is the fewest bytes of prog pid's text with its bound
// arguments left free, plus MaxTrustedValueBytes per bound argument (-1
// when not trusted, or not writable even so).
func (ix *Index) trustedWeight(pid int, explore, trust bool) int {
	if !explore || !trust {
		return -1
	}
	pi := ix.pinfo[pid]
	sym := ix.syms[pi.sym]
	var free []automata.Lit
	bound := 0
	for _, l := range sym.Lits {
		if l.Pred.Ref == nil {
			free = append(free, l)
		} else {
			bound++
		}
	}
	sym.Lits = free
	p, err := ix.compileEvent(sym, pi.kind, ix.schemas[sym.Tool], pi.pre, pi.post)
	if err != nil || p == nil || p.start < 0 || p.minDist[p.start] < 0 {
		return -1
	}
	return int(p.minDist[p.start]) + bound*MaxTrustedValueBytes
}

// checkTrusted refuses captures under which no bound call of some tool
// can be written though its captures are all present (a path missing or
// mistyped, a value outside the schema): the analysis counted on such a
// call. It checks tools, not symbols: a spec may also hold bound symbols
// no run needs (a negated comparison with a value that rules it out), and
// a result that disables those is fine. Called with ix.mu held, after
// bindingFor compiled the binding.
func (ix *Index) checkTrusted(caps ltl.Captures) error {
	if !ix.trust {
		return nil
	}
	type tally struct {
		name     string
		writable bool
	}
	tools := map[string]*tally{}
	var order []string
	for _, i := range ix.refSyms {
		sym := ix.syms[i]
		captured := true
		for _, l := range sym.Lits {
			if l.Pred.Ref != nil {
				if _, ok := caps[l.Pred.Ref.Name]; !ok {
					captured = false
				}
			}
		}
		if !captured {
			continue // not captured: the spec cannot call it yet (fail-closed)
		}
		t := tools[sym.Tool]
		if t == nil {
			t = &tally{name: sym.Name}
			tools[sym.Tool] = t
			order = append(order, sym.Tool)
		}
		for _, l := range sym.Lits {
			if l.Pred.Ref == nil {
				continue
			}
			if v, ok := caps.Lookup(l.Pred.Ref); ok {
				if n := valueBytes(v); n > MaxTrustedValueBytes {
					return newErr(CodeNotAllowed, "the value $%s (%d bytes) is longer than the %d bytes IndexOptions.TrustBindings keeps for a bound value in the budget (MaxTrustedValueBytes)", refText(l.Pred.Ref), n, MaxTrustedValueBytes)
				}
			}
		}
		if lits, bound := bindLits(sym.Lits, caps); bound {
			for _, p := range ix.symProgs[litsKey(i, lits)] {
				if ix.progs[p] != nil {
					t.writable = true
				}
			}
		}
	}
	for _, tool := range order {
		if t := tools[tool]; !t.writable {
			return newErr(CodeNotAllowed, "the values captured leave no call of %s writable (%s: a value is missing, of another type, or outside the schema); IndexOptions.TrustBindings refuses such a result", tool, t.name)
		}
	}
	return nil
}

// valueBytes is the length of a captured value as a call writes it: a
// string's JSON, a number's or a boolean's text.
func valueBytes(v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

func refText(r *ltl.Ref) string {
	s := r.Name
	for _, p := range r.Path {
		s += "." + p
	}
	return s
}
