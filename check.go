package specplan

import (
	"errors"
	"fmt"
	"sort"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/safetext"
	"github.com/specplan/specplan/ltl"
)

// Severity says whether a diagnostic fails `plan check`.
type Severity int

const (
	SeverityError   Severity = iota + 1 // the spec cannot be used as written
	SeverityWarning                     // the spec works but probably does not say what was meant
	SeverityInfo                        // worth knowing, and legitimate: never fails a check, strict or not
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityInfo:
		return "info"
	}
	return "warning"
}

// CheckCode classifies a static-check finding; tests compare codes, not text.
type CheckCode int

const (
	CheckUnsatisfiable CheckCode = iota + 1 // no trace satisfies the spec
	CheckRuleUnsat                          // one rule alone is unsatisfiable
	CheckVacuous                            // a rule holds on every trace: it constrains nothing
	CheckRedundant                          // a rule is implied by the other rules
	CheckUnusedStep                         // a declared step kind no rule mentions
	CheckUnusedTool                         // a declared tool no rule mentions (and no rule says `call`)
	CheckSkipped                            // a check that could not run within the limits
	CheckPredicateType                      // a predicate whose type another predicate or the tool's schema contradicts
	CheckDuplicate                          // a rule that repeats an earlier rule exactly
	CheckSchemaUnsat                        // a tool's parameter schema admits no call (Spec.CheckSchemas)
	CheckNotGenerable                       // a tool's parameter schema uses what the decoder cannot enforce (Spec.CheckGenerable)
	CheckUnusedCapture                      // a `let` no rule refers to
)

var checkNames = [...]string{
	CheckUnsatisfiable: "unsatisfiable", CheckRuleUnsat: "rule-unsatisfiable", CheckVacuous: "vacuous",
	CheckRedundant: "redundant", CheckUnusedStep: "unused-step", CheckUnusedTool: "unused-tool",
	CheckSkipped: "skipped", CheckPredicateType: "predicate-type", CheckDuplicate: "duplicate",
	CheckSchemaUnsat: "schema-unsatisfiable", CheckNotGenerable: "not-generable", CheckUnusedCapture: "unused-capture",
}

func (c CheckCode) String() string {
	if c > 0 && int(c) < len(checkNames) {
		return checkNames[c]
	}
	return fmt.Sprintf("CheckCode(%d)", int(c))
}

// Diagnostic is one finding of Check, positioned in the spec's source.
type Diagnostic struct {
	Pos      ltl.Pos
	Severity Severity
	Code     CheckCode
	Msg      string
}

func (d Diagnostic) Error() string {
	return ltl.FormatPos(d.Pos) + ": " + d.Severity.String() + ": " + safetext.Escape(d.Msg)
}

// Check runs the static checks on a compiled spec: unsatisfiable spec or
// rule (errors), rules that are vacuous or redundant given the others, and
// tools and captures no rule uses (warnings); a step kind no rule mentions
// is free to occur anywhere, a legitimate choice (info). Findings come in
// source order.
//
// Unsatisfiability is blamed on the first rule at which the conjunction of
// the rules so far becomes empty, so the author looks at the rule that broke it.
//
// A rule that repeats an earlier one exactly (the same formula, positions
// aside) is reported once as a duplicate and takes no further part: the
// other checks run over distinct rules, so a spec of n copies of a rule
// costs one rule's checks, not n products.
func (s *Spec) Check() ([]Diagnostic, error) {
	var out []Diagnostic
	add := func(p ltl.Pos, sev Severity, c CheckCode, format string, args ...any) {
		out = append(out, Diagnostic{Pos: p, Severity: sev, Code: c, Msg: fmt.Sprintf(format, args...)})
	}
	copyOf := s.copyOf
	if len(copyOf) != len(s.rules) { // a Spec not made by Build
		copyOf = ruleCopies(s.source.Rules)
	}
	// The distinct rules, in source order: their automata and source rules.
	var dfas []*automata.DFA
	var rules []*ltl.Rule
	for i, d := range s.rules {
		r := s.source.Rules[i]
		if c := copyOf[i]; c >= 0 {
			first := s.source.Rules[c]
			add(r.Pos, SeverityWarning, CheckDuplicate, "rule %s repeats the rule at %d:%d", r.Text, first.Pos.Line, first.Pos.Column)
			continue
		}
		dfas = append(dfas, d)
		rules = append(rules, r)
	}
	maxStates := s.opts.MaxStates
	for i, d := range dfas {
		r := rules[i]
		switch {
		case d.IsEmpty():
			add(r.Pos, SeverityError, CheckRuleUnsat, "rule %s is unsatisfiable: no trace satisfies it", r.Text)
		case d.IsUniversal():
			add(r.Pos, SeverityWarning, CheckVacuous, "rule %s holds on every trace: it constrains nothing", r.Text)
		}
	}
	if s.dfa.IsEmpty() {
		// Blame the first prefix of rules that becomes empty.
		var acc *automata.DFA
		for i, d := range dfas {
			if d.IsEmpty() {
				break // already reported on its own
			}
			if acc == nil {
				acc = d
			} else {
				var err error
				if acc, err = automata.ProductLimit(acc, d, automata.Intersect, maxStates); err != nil {
					return nil, err
				}
			}
			if acc.IsEmpty() {
				add(rules[i].Pos, SeverityError, CheckUnsatisfiable, "the spec is unsatisfiable: rule %s contradicts the rules before it", rules[i].Text)
				break
			}
		}
	} else if len(dfas) > 1 {
		if err := checkRedundancy(dfas, rules, maxStates, add); err != nil {
			if !errors.Is(err, automata.ErrStateLimit) {
				return nil, err
			}
			// The rules multiply into automata past the state limit: say
			// that redundancy was not checked rather than fail the check.
			add(s.source.Pos, SeverityWarning, CheckSkipped, "redundancy not checked: %v", err)
		}
	}
	s.checkPredicateTypes(add)
	used := map[string]bool{}
	usedLet := map[string]bool{}
	usesCall := false
	for _, r := range rules { // distinct rules: a copy mentions nothing new
		ltl.WalkAtoms(r.Formula, func(a *ltl.Atom) {
			used[a.Name] = true
			if a.Kind == ltl.AtomCall {
				usesCall = true
			}
			for _, p := range append(append([]ltl.Pred(nil), a.Preds...), a.Result...) {
				if p.Ref != nil {
					used[p.Ref.Tool] = true // a referenced capture reads its tool's results
					usedLet[p.Ref.Name] = true
				}
			}
		})
	}
	for _, l := range s.source.Lets {
		if !usedLet[l.Name] {
			add(l.Pos, SeverityWarning, CheckUnusedCapture, "capture %s (let %s = %s) is declared but no rule refers to $%s", l.Name, l.Name, l.Tool, l.Name)
		}
	}
	for _, d := range s.source.Steps {
		if !used[d.Name] {
			// A step kind no rule mentions is free: it may occur anywhere,
			// which is what a spec about tools says of the model's prose.
			add(d.Pos, SeverityInfo, CheckUnusedStep, "step %s is declared but no rule mentions it: it may occur anywhere", d.Name)
		}
	}
	if !usesCall {
		for _, d := range s.source.Tools {
			if !used[d.Name] {
				add(d.Pos, SeverityWarning, CheckUnusedTool, "tool %s is declared but no rule mentions it (nor `call`)", d.Name)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos.Offset < out[j].Pos.Offset })
	// The catalog's findings come after the spec's: they are in another file.
	return append(out, s.CheckSchemas()...), nil
}

// DiffResult is the outcome of comparing two specs.
type DiffResult struct {
	Equivalent bool
	// Trace is a shortest trace accepted by exactly one of the specs;
	// AcceptedByB says which.
	Trace       []ltl.Event
	AcceptedByB bool
}

// Diff compiles a and b over one shared alphabet and compares their
// languages. An event a spec does not declare is not allowed by it (its
// traces are input errors for that spec), so each spec is compared as
// "its rules, and every event is one it declares": two specs with the same
// rules but different tools are not equivalent.
func Diff(a, b *ltl.Spec, opts Options) (DiffResult, error) {
	specs, err := Build([]*ltl.Spec{a, b}, opts)
	if err != nil {
		return DiffResult{}, err
	}
	alpha := specs[0].alphabet
	aopts := automata.Options{MaxStates: opts.MaxStates}
	var dfas [2]*automata.DFA
	for i, s := range []*ltl.Spec{a, b} {
		f := &ltl.Binary{Pos: s.Pos, Op: ltl.OpAnd, L: distinctConjunction(s, ruleCopies(s.Rules)), R: onlyDeclared(s)}
		if dfas[i], err = automata.Compile(f, alpha, aopts); err != nil {
			return DiffResult{}, positioned(s, err)
		}
	}
	eq, word, _, err := automata.EquivalentLimit(dfas[0], dfas[1], opts.MaxStates)
	if err != nil {
		return DiffResult{}, err
	}
	if eq {
		return DiffResult{Equivalent: true}, nil
	}
	trace := alpha.Events(word)
	for i := range trace {
		// Best effort: with a catalog, calls carry their required arguments.
		_ = specs[0].fillArgs(&trace[i], alpha.Symbols[word[i]])
	}
	return DiffResult{Trace: trace, AcceptedByB: dfas[1].AcceptsWord(word)}, nil
}

// onlyDeclared is G(one of s's declared steps or tools).
func onlyDeclared(s *ltl.Spec) ltl.Formula {
	var any ltl.Formula
	add := func(kind ltl.AtomKind, d ltl.Decl) {
		atom := &ltl.Atom{Pos: d.Pos, Kind: kind, Name: d.Name}
		if any == nil {
			any = atom
		} else {
			any = &ltl.Binary{Pos: d.Pos, Op: ltl.OpOr, L: any, R: atom}
		}
	}
	for _, d := range s.Steps {
		add(ltl.AtomStep, d)
	}
	for _, d := range s.Tools {
		add(ltl.AtomTool, d)
	}
	if any == nil {
		return &ltl.Const{Pos: s.Pos, Value: false}
	}
	return &ltl.Unary{Pos: s.Pos, Op: ltl.OpAlways, X: any}
}

// conj is the intersection of two automata, nil standing for "no rule" (true).
func conj(a, b *automata.DFA, maxStates int) (*automata.DFA, error) {
	switch {
	case a == nil:
		return b, nil
	case b == nil:
		return a, nil
	}
	return automata.ProductLimit(a, b, automata.Intersect, maxStates)
}

// checkRedundancy adds a warning for each of the (distinct) rules the others
// imply; dfas[i] is the automaton of rules[i].
func checkRedundancy(dfas []*automata.DFA, rules []*ltl.Rule, maxStates int, add func(p ltl.Pos, sev Severity, c CheckCode, format string, args ...any)) error {
	// Redundancy, decided greedily in source order: rule i is
	// redundant if the rules after it together with the earlier rules
	// that were kept imply it. A rule found redundant is left out of
	// "the others" for the rules after it, so two copies of one rule
	// give one warning (on the first), and following every warning
	// never deletes a constraint. kept(i-1) ∧ suffix(i+1) keeps this at
	// about 3n products for n rules instead of n².
	n := len(dfas)
	suffix := make([]*automata.DFA, n+1) // suffix[i] = rules i..n-1; suffix[n] = nil (true)
	for i := n - 1; i >= 0; i-- {
		if suffix[i+1] == nil {
			suffix[i] = dfas[i]
			continue
		}
		var err error
		if suffix[i], err = automata.ProductLimit(dfas[i], suffix[i+1], automata.Intersect, maxStates); err != nil {
			return err
		}
	}
	var kept *automata.DFA // conjunction of the earlier rules not found redundant
	for i, d := range dfas {
		others, err := conj(kept, suffix[i+1], maxStates)
		if err != nil {
			return err
		}
		redundant := false
		if others != nil && !d.IsUniversal() {
			ok, _, err := automata.IncludedLimit(others, d, maxStates)
			if err != nil {
				return err
			}
			redundant = ok
		}
		if redundant {
			add(rules[i].Pos, SeverityWarning, CheckRedundant, "rule %s is implied by the other rules", rules[i].Text)
			continue
		}
		if kept, err = conj(kept, d, maxStates); err != nil {
			return err
		}
	}
	return nil
}
