package specplan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
	"github.com/specplan/specplan/schema"
)

// Verdict is the result of checking one complete trace.
type Verdict struct {
	Accepted  bool       `json:"accepted"`
	Violation *Violation `json:"violation,omitempty"`
}

// Violation explains why a trace is rejected.
type Violation struct {
	// Position is the index of the first event after which no continuation
	// can satisfy the spec (the event itself is the culprit), or len(trace)
	// when every event was acceptable but the trace ended too early. It
	// counts from 0; Reason numbers events from 1 ("event 3" is
	// Position 2), as trace files number their lines, so that in a
	// JSON Lines trace without blank lines event N is line N.
	Position int `json:"position"`
	// Rule is the source text of the rule that fails there, when one rule
	// alone explains it; RuleAt is its position. When only the combination
	// of rules fails, Rule is empty and Rules lists the rules involved.
	Rule   string   `json:"rule,omitempty"`
	RuleAt string   `json:"rule_at,omitempty"`
	Rules  []string `json:"rules,omitempty"`
	// Meaning is the rule in words (ltl.Describe), when one rule is blamed.
	Meaning string `json:"meaning,omitempty"`
	// Reason says it all in words.
	Reason string `json:"reason"`
	// Expected lists what could have come at Position instead (symbol names);
	// for a trace that ended early, the shortest way to finish.
	Expected []string `json:"expected,omitempty"`
	// TypeFailure is set when the event was rejected by the fail-closed
	// rule: a predicate implies its argument's type, and the call's
	// argument is missing or of another type.
	TypeFailure *TypeFailure `json:"type_failure,omitempty"`
	// Arguments is set when the event at Position is a call whose arguments
	// do not match its tool's schema: each problem with the JSON pointer of
	// the failing argument and the keyword. The rules are not consulted for
	// such an event, so Rule and Expected are empty: the arguments are what
	// is wrong, nothing after it.
	Arguments []schema.Problem `json:"arguments,omitempty"`
}

// TypeFailure details a call rejected by the fail-closed rule.
type TypeFailure struct {
	Tool        string `json:"tool"`
	Arg         string `json:"arg"`
	Expected    string `json:"expected"` // number, string or boolean
	Actual      string `json:"actual"`   // missing, or the JSON type found
	Predicate   string `json:"predicate"`
	PredicateAt string `json:"predicate_at"`
	// InResult: Arg is a path in the call's result (a returns predicate).
	InResult bool `json:"in_result,omitempty"`
	// Reference is the predicate's captured value ($NAME.path) when it
	// holds nothing or does not fit the comparison.
	Reference string `json:"reference,omitempty"`
	// NoOutcome: the call has neither result nor error, and the spec's
	// returns/fails predicates on its tool need one.
	NoOutcome bool `json:"no_outcome,omitempty"`
}

// Validate checks a complete trace. It never fails: an event the alphabet
// does not know (an undeclared tool or step) is itself a violation at its
// position. Traces read with ltl.ReadTrace have already had their names
// checked, with file:line errors, which is the better report for files.
func (s *Spec) Validate(trace []ltl.Event) Verdict {
	if len(trace) == 0 {
		return Verdict{Violation: &Violation{Reason: "the trace is empty; a spec speaks about non-empty runs"}}
	}
	state := s.dfa.Initial
	caps := s.alphabet.Captures()
	for i, ev := range trace {
		// The schema first: arguments that break it are the whole story,
		// whatever the spec's predicates would make of them.
		if err := s.checkArgs(ev); err != nil {
			return Verdict{Violation: schemaViolation(i, ev, err)}
		}
		sym, err := s.alphabet.ClassifyAt(ev, caps.Before())
		caps.Record(ev)
		if err != nil {
			return Verdict{Violation: s.classifyViolation(i, ev, state, err)}
		}
		next := s.dfa.Step(state, sym)
		if next < 0 {
			return Verdict{Violation: s.explainDead(trace, i, state)}
		}
		state = next
	}
	if !s.dfa.Accepting[state] {
		return Verdict{Violation: s.explainEarlyEnd(trace, state)}
	}
	return Verdict{Accepted: true}
}

// explainDead is called when trace[i] leads the whole spec's automaton into
// the dead state. The rule to blame is one whose own automaton dies at i;
// if none does, each rule alone could still be satisfied but not all of them
// together, and the report lists the rules whose automata were constrained.
func (s *Spec) explainDead(trace []ltl.Event, i, state int) *Violation {
	v := &Violation{Position: i, Expected: s.allowedNames(state)}
	name := s.alphabet.Symbols[mustClassify(s, trace, i)].Name
	for r, d := range s.rules {
		if s.isCopy(r) {
			continue
		}
		if _, pos, _ := d.Run(trace[:i+1]); pos <= i {
			rule := s.source.Rules[r]
			v.Rule, v.RuleAt, v.Meaning = rule.Text, posString(rule.Pos), ltl.Describe(rule.Formula)
			if pos < i { // cannot happen while the whole spec is alive, but say it plainly if it does
				v.Reason = fmt.Sprintf("event %d (%s): rule %s was already violated at event %d", i+1, name, rule.Text, pos+1)
			} else {
				v.Reason = fmt.Sprintf("event %d (%s) violates rule %s (%s): %s", i+1, name, rule.Text, v.RuleAt, v.Meaning)
			}
			return v
		}
	}
	core := s.conflictCore(trace[:i+1])
	var parts []string
	for _, r := range core {
		rule := s.source.Rules[r]
		v.Rules = append(v.Rules, rule.Text)
		parts = append(parts, fmt.Sprintf("%s (%s: %s)", rule.Text, posString(rule.Pos), ltl.Describe(rule.Formula)))
	}
	v.Reason = fmt.Sprintf("event %d (%s): each rule alone can still be satisfied, but after it these rules cannot all be: %s", i+1, name, strings.Join(parts, "; "))
	return v
}

// maxCoreRules bounds the rules conflictCore minimises over (one product
// of rule automata per rule tried); past it, every rule is listed.
// coreProductLimit bounds each product, so a denied Monitor.Step stays
// fast even for specs whose rules multiply into huge automata.
const (
	maxCoreRules     = 32
	coreProductLimit = 4096
)

// conflictCore returns a minimal set of rules (indices) whose conjunction
// already has no accepting continuation after prefix, found by deletion:
// drop each rule in turn and keep it out if the rest still conflict. The
// whole spec conflicts at the prefix's last event and not before, and a
// subset of the rules accepts more, so "conflicts at the end of prefix" is
// the only thing to test.
func (s *Spec) conflictCore(prefix []ltl.Event) []int {
	var all []int
	for i := range s.rules {
		if !s.isCopy(i) {
			all = append(all, i)
		}
	}
	if len(all) > maxCoreRules {
		return all
	}
	conflicts := func(set []int) bool {
		if len(set) == 0 {
			return false
		}
		d := s.rules[set[0]]
		for _, r := range set[1:] {
			var err error
			if d, err = automata.ProductLimit(d, s.rules[r], automata.Intersect, coreProductLimit); err != nil {
				// Too large to decide quickly: keep the rule in the core
				// (the answer stays correct, only less minimal).
				return false
			}
		}
		_, pos, err := d.Run(prefix)
		return err == nil && pos < len(prefix)
	}
	core := all
	for k := 0; k < len(core); {
		without := append(append([]int(nil), core[:k]...), core[k+1:]...)
		if conflicts(without) {
			core = without
		} else {
			k++
		}
	}
	return core
}

// explainEarlyEnd is called when the trace ends in a live, non-accepting
// state: some rule still waits for something. It names the rules whose own
// automata are not accepting and shows the shortest completion.
func (s *Spec) explainEarlyEnd(trace []ltl.Event, state int) *Violation {
	v := &Violation{Position: len(trace)}
	var pending []string
	for r, d := range s.rules {
		if s.isCopy(r) {
			continue
		}
		if st, pos, _ := d.Run(trace); pos == len(trace) && !d.Accepting[st] {
			rule := s.source.Rules[r]
			pending = append(pending, rule.Text)
			if v.Rule == "" {
				v.Rule, v.RuleAt, v.Meaning = rule.Text, posString(rule.Pos), ltl.Describe(rule.Formula)
			}
		}
	}
	if len(pending) > 1 {
		v.Rules, v.Rule, v.RuleAt, v.Meaning = pending, "", "", ""
	}
	for _, sym := range s.completion(state) {
		v.Expected = append(v.Expected, s.alphabet.Symbols[sym].Name)
	}
	what := "the spec"
	if len(pending) == 1 {
		what = "rule " + pending[0] + " (" + v.Meaning + ")"
	} else if len(pending) > 1 {
		what = "rules " + strings.Join(pending, "; ")
	}
	v.Reason = fmt.Sprintf("the trace ended after %d events, before %s was satisfied; the shortest way to finish: %s",
		len(trace), what, strings.Join(v.Expected, ", "))
	return v
}

// completion is a shortest word from state to acceptance, following the
// distance function (the automaton is trimmed, so one always exists).
func (s *Spec) completion(state int) []int {
	dist := s.dfa.Distances()
	var word []int
	for !s.dfa.Accepting[state] {
		best, bestSym := -1, -1
		for sym := range s.alphabet.Symbols {
			next := s.dfa.Step(state, sym)
			if next >= 0 && (best < 0 || dist[next] < dist[best]) {
				best, bestSym = next, sym
			}
		}
		if best < 0 {
			break
		}
		word = append(word, bestSym)
		state = best
	}
	return word
}

// allowedNames lists what may come at state: symbol names, except that a
// tool all of whose symbols (argument and result minterms) are allowed is
// named once, as the tool, where its first symbol would be: "refund" says
// more than every combination of its predicates spelled out.
func (s *Spec) allowedNames(state int) []string {
	allowed := s.dfa.Allowed(state)
	total := map[string]int{} // symbols per tool (linear, as Allowed is)
	for _, x := range s.alphabet.Symbols {
		if x.Tool != "" {
			total[x.Tool]++
		}
	}
	count := map[string]int{} // allowed symbols per tool
	for _, sym := range allowed {
		if t := s.alphabet.Symbols[sym].Tool; t != "" {
			count[t]++
		}
	}
	var out []string
	named := map[string]bool{}
	for _, sym := range allowed {
		x := s.alphabet.Symbols[sym]
		if x.Tool != "" && count[x.Tool] == total[x.Tool] {
			if !named[x.Tool] {
				named[x.Tool] = true
				out = append(out, x.Tool)
			}
			continue
		}
		out = append(out, x.Name)
	}
	return out
}

// mustClassify classifies trace[i] with the values captured before it.
func mustClassify(s *Spec, trace []ltl.Event, i int) int {
	caps := s.alphabet.Captures()
	for _, e := range trace[:i] {
		caps.Record(e)
	}
	sym, err := s.alphabet.ClassifyAt(trace[i], caps.Before())
	if err != nil {
		return 0 // only called after a successful Classify of the same event
	}
	return sym
}

func posString(p ltl.Pos) string { return ltl.FormatPos(p) }

// isCopy reports whether rule r repeats an earlier rule: its automaton is
// the earlier one's, so running and naming it again adds nothing.
func (s *Spec) isCopy(r int) bool { return r < len(s.copyOf) && s.copyOf[r] >= 0 }

func schemaViolation(i int, ev ltl.Event, err error) *Violation {
	v := &Violation{Position: i}
	var ve *schema.ValidationError
	if errors.As(err, &ve) {
		v.Arguments = ve.Problems
	}
	v.Reason = fmt.Sprintf("event %d (%s): the arguments do not match the tool's schema: %v", i+1, safetext.Escape(ev.Tool), err)
	return v
}

// classifyViolation explains an event the alphabet could not classify: an
// undeclared step or tool, a call the fail-closed rule rejects (its
// predicated argument missing or ill-typed: a violation, since the trace
// is well-formed and the agent called the tool wrongly), or a value the
// tool's schema excludes (reported with the schema validator's words).
func (s *Spec) classifyViolation(i int, ev ltl.Event, state int, err error) *Violation {
	var te *ltl.ArgTypeError
	switch {
	case errors.As(err, &te):
		return s.argTypeViolation(i, te, state)
	case errors.Is(err, automata.ErrArgDomain):
		if serr := s.checkArgs(ev); serr != nil {
			v := schemaViolation(i, ev, serr)
			v.Expected = s.allowedNames(state)
			return v
		}
	}
	return &Violation{Position: i, Reason: fmt.Sprintf("event %d: %v", i+1, err), Expected: s.allowedNames(state)}
}

// argTypeViolation blames the rule that holds the predicate implying the type.
func (s *Spec) argTypeViolation(i int, te *ltl.ArgTypeError, state int) *Violation {
	want := te.Want.String()
	if te.Want == 0 {
		want = "string, number or boolean"
	}
	tf := &TypeFailure{
		Tool: te.Tool, Arg: te.Arg, Expected: want, Actual: te.Got,
		Predicate: te.Pred.String(), PredicateAt: posString(te.Pred.Pos),
		InResult: te.InResult, NoOutcome: te.NoOutcome,
	}
	if te.NoOutcome {
		tf.Expected, tf.Actual, tf.Predicate, tf.PredicateAt = "a result or an error", "no outcome", "", ""
	}
	if te.Pred.Ref != nil && (te.Unbound || te.RefGot != "") {
		tf.Reference = te.Pred.Ref.String()
	}
	v := &Violation{Position: i, Expected: s.allowedNames(state), TypeFailure: tf}
	for _, r := range s.source.Rules {
		found := false
		ltl.WalkAtoms(r.Formula, func(a *ltl.Atom) {
			if a.Name != te.Tool {
				return
			}
			if te.NoOutcome {
				found = found || a.HasOutcome()
				return
			}
			for _, p := range append(append([]ltl.Pred(nil), a.Preds...), a.Result...) {
				found = found || (p.Pos == te.Pred.Pos && p.String() == te.Pred.String())
			}
		})
		if found {
			v.Rule, v.RuleAt, v.Meaning = r.Text, posString(r.Pos), ltl.Describe(r.Formula)
			break
		}
	}
	what := te.Error()
	if te.Detail == "" && !te.InResult && !te.NoOutcome && te.Pred.Ref == nil && !strings.Contains(te.Arg, ".") {
		actual := te.Got
		switch actual {
		case "missing":
		case "array", "object":
			actual = "an " + actual
		default:
			actual = "a " + actual
		}
		what = fmt.Sprintf("%s: argument %s is %s, but predicate %s (%s) implies it is a %s; a call whose argument does not have the type its predicates imply is rejected",
			te.Tool, te.Arg, actual, te.Pred, posString(te.Pred.Pos), te.Want)
	}
	if v.Rule != "" {
		v.Reason = fmt.Sprintf("event %d (%s) is rejected by rule %s (%s): %s", i+1, te.Tool, v.Rule, v.RuleAt, what)
	} else {
		v.Reason = fmt.Sprintf("event %d (%s) is rejected: %s", i+1, te.Tool, what)
	}
	return v
}
