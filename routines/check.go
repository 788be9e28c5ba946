package routines

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// Check checks a parsed routine's meaning, against a catalog when one is
// given (nil: the catalog checks are skipped), and returns every problem
// as an ltl.ErrorList in source order, or nil:
//
//   - a call of a tool the catalog lacks (ErrUnknownTool), an argument its
//     parameter schema lacks (ErrUnknownArg: the schema has "properties"
//     and no "additionalProperties" that admits more), a required one
//     neither given nor left free with `name: any` or `...` (ErrMissingArg);
//   - a reference to an input not declared, to a result named only on some
//     paths to it (an optional step, one arm of a branch), or to a step
//     that comes later (ErrUndefined); a result name used twice on one
//     path, or also an input's (ltl.ErrDuplicate);
//   - a value whose type differs from the one its use needs
//     (ErrTypeMismatch): an argument against its parameter's schema type,
//     where the value is a literal, an input of a declared type, or a
//     result path the producing tool's MCP "outputSchema" types; a
//     condition comparing with a literal of another type, or ordering
//     (<, >) a non-number, or a string predicate on a non-string;
//     `failed` on an input; an invalid `matches` pattern (ErrLiteral);
//   - a value of the right type the parameter's schema still rejects
//     (ErrSchemaValue): a literal against its enum, pattern, bounds and
//     the rest, a result field whose outputSchema enum or const has no
//     value the parameter accepts;
//   - a step no run reaches (ErrUnreachable): after `end` on every path, or
//     an arm whose condition contradicts what the path to it has decided
//     (equalities, sets, numeric bounds, failed/succeeded, the same check
//     both ways);
//   - with a catalog, an argument one step forces that another step of the
//     same tool may omit, the schema not requiring it (ErrForcedElsewhere:
//     the lowered spec's fail-closed predicate would reject that run);
//   - a `rule` ltl.ParseFormula rejects (its codes, placed in the routine).
//
// What Lower refuses is CheckLowering's; `plan check` runs both.
func Check(r *Routine, catalog []ltl.CatalogTool) error {
	c := newChecker(r, catalog)
	c.run()
	return c.e.result()
}

// CheckLowering reports what Lower refuses (ErrLower, ErrLowerSize under
// maxBytes, 0 for ltl.DefaultMaxSpecBytes) whatever the inputs' values:
// it lowers with a value of its declared type for each input. A routine
// that passes Check and CheckLowering is one Compile accepts with any
// well-typed inputs, limits of the automaton (states, symbols) aside.
// Unlike Check it costs what Lower costs (see LowerOptions.MaxBytes).
func CheckLowering(r *Routine, maxBytes int) error {
	_, _, err := LowerOptions{Inputs: placeholderInputs(r), MaxBytes: maxBytes}.lower(r)
	return err
}

// placeholderInputs gives each input a value of its declared type.
func placeholderInputs(r *Routine) map[string]any {
	vals := map[string]any{"string": "", "number": 0, "integer": 0, "boolean": false, "object": map[string]any{}, "array": []any{}, "null": nil, "any": ""}
	out := map[string]any{}
	for _, in := range r.Inputs {
		out[in.Name] = vals[in.Type]
	}
	return out
}

type checker struct {
	r      *Routine
	e      *errs
	tools  map[string]*toolInfo // nil: no catalog
	inputs map[string]*Input
	bound  map[string]*Step // result names bound so far, in document order
	all    map[string]*Step // every result name of the routine
}

func newChecker(r *Routine, catalog []ltl.CatalogTool) *checker {
	c := &checker{r: r, e: &errs{}, inputs: map[string]*Input{}, bound: map[string]*Step{}, all: map[string]*Step{}}
	if catalog != nil {
		c.tools = map[string]*toolInfo{}
		for _, t := range catalog {
			c.tools[t.Name] = newToolInfo(t)
		}
	}
	for _, in := range r.Inputs {
		c.inputs[in.Name] = in
	}
	walkSteps(r.Steps, func(s *Step) {
		if s.Result != "" {
			if _, ok := c.all[s.Result]; !ok {
				c.all[s.Result] = s
			}
		}
	})
	return c
}

func (c *checker) run() {
	c.walk(c.r.Steps, map[string]*Step{}, nil)
	c.forcedElsewhere()
	c.rules()
}

// forcedElsewhere reports a call that may omit an argument another step
// of the same tool forces. The lowered spec has a predicate on that
// argument, and ltl's predicates are fail-closed: they make every call of
// the tool need the argument, of the predicate's type, so a run in which
// the model omits it here would be rejected. A schema that requires the
// argument settles it.
func (c *checker) forcedElsewhere() {
	if c.tools == nil {
		return
	}
	forcedAt := map[string]map[string]*Step{}
	var calls []*Step
	walkSteps(c.r.Steps, func(s *Step) {
		if s.Kind != StepCall {
			return
		}
		calls = append(calls, s)
		for _, a := range s.Args {
			if a.Kind == ArgAny {
				continue
			}
			if forcedAt[s.Name] == nil {
				forcedAt[s.Name] = map[string]*Step{}
			}
			if _, ok := forcedAt[s.Name][a.Name]; !ok {
				forcedAt[s.Name][a.Name] = s
			}
		}
	})
	for _, s := range calls {
		info := c.tools[s.Name]
		if info == nil || len(forcedAt[s.Name]) == 0 {
			continue
		}
		var req []string
		if info.params != nil {
			req = required(info.params)
		}
		given := map[string]bool{}
		for _, a := range s.Args {
			given[a.Name] = a.Kind != ArgAny
		}
		var names []string
		for name := range forcedAt[s.Name] {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if given[name] || contains(req, name) {
				continue
			}
			other := forcedAt[s.Name][name]
			c.e.add(s.NamePos, ErrForcedElsewhere, fmt.Sprintf("step %s may call %s without %q, which step %s forces: the lowered spec's predicate on %q makes every call of %s need it (fail-closed), so force it here too, or make it required in the schema",
				s.Number, s.Name, name, other.Number, name, s.Name))
		}
	}
}

// walkSteps calls fn on every step, depth first in source order.
func walkSteps(steps []*Step, fn func(*Step)) {
	for _, s := range steps {
		fn(s)
		for _, a := range s.Arms {
			walkSteps(a.Body, fn)
		}
		if s.Else != nil {
			walkSteps(s.Else.Body, fn)
		}
		walkSteps(s.Body, fn)
	}
}

// fact is a condition known to be true or false on the path being walked.
type fact struct {
	cond  *Cond
	truth bool
}

// maxFacts bounds what a path remembers for the unreachability check, so
// that a long routine is not quadratic; forgetting the oldest facts only
// means proving fewer contradictions, never a wrong one.
const maxFacts = 64

func withFacts(fs []fact, more ...fact) []fact {
	out := append(append([]fact{}, fs...), more...)
	if len(out) > maxFacts {
		out = out[len(out)-maxFacts:]
	}
	return out
}

// path is one way out of a block: the results it defined (beyond those
// defined when the block began) and what it decided.
type path struct {
	added map[string]*Step
	facts []fact
}

// walk checks a block in order. env holds the results defined on every
// path so far; walk adds to it as it goes and takes its additions back
// before it returns (so that a branch costs what its arms hold, not what
// the routine has defined so far). It returns the paths that leave the
// block (none: every path ends).
func (c *checker) walk(steps []*Step, env map[string]*Step, fs []fact) []path {
	added := map[string]*Step{}
	bind := func(name string, s *Step) {
		if _, had := env[name]; !had {
			env[name] = s
			added[name] = s
		}
	}
	undo := func() {
		for k := range added {
			delete(env, k)
		}
	}
	defer undo()
	for i, s := range steps {
		switch s.Kind {
		case StepEnd:
			if i+1 < len(steps) {
				n := steps[i+1]
				c.e.add(n.Pos, ErrUnreachable, fmt.Sprintf("%s can never run: the routine has ended just before it", stepName(n)))
			}
			return nil
		case StepCall, StepAct:
			if name := c.action(s, env); name != "" {
				bind(name, s)
			}
		case StepIf, StepChoice:
			var outs []path
			var prior []fact
			for _, arm := range s.Arms {
				armFacts := fs
				if s.Kind == StepIf {
					c.cond(arm.Cond, env)
					armFacts = withFacts(withFacts(fs, prior...), fact{arm.Cond, true})
					if unsat(armFacts) {
						c.e.add(arm.Pos, ErrUnreachable, fmt.Sprintf("this arm of step %s can never be taken: `%s` contradicts what the path to it has decided", s.Number, CondString(arm.Cond)))
					}
					prior = withFacts(prior, fact{arm.Cond, false})
				}
				outs = append(outs, c.walk(arm.Body, env, armFacts)...)
			}
			if s.Kind == StepIf {
				restFacts := withFacts(fs, prior...)
				if s.Else != nil {
					if unsat(restFacts) {
						c.e.add(s.Else.Pos, ErrUnreachable, fmt.Sprintf("the else arm of step %s can never be taken: an arm before it always is", s.Number))
					}
					outs = append(outs, c.walk(s.Else.Body, env, restFacts)...)
				} else if !unsat(restFacts) {
					outs = append(outs, path{facts: restFacts})
				}
			}
			if len(outs) == 0 {
				if i+1 < len(steps) {
					n := steps[i+1]
					c.e.add(n.Pos, ErrUnreachable, fmt.Sprintf("%s can never run: every arm of step %s ends the routine", stepName(n), s.Number))
				}
				return nil
			}
			joined, facts := joinPaths(outs, fs)
			for k, v := range joined {
				bind(k, v)
			}
			fs = facts
		case StepRepeat:
			outs := c.walk(s.Body, env, fs)
			if len(outs) == 0 {
				if i+1 < len(steps) {
					n := steps[i+1]
					c.e.add(n.Pos, ErrUnreachable, fmt.Sprintf("%s can never run: the body of repeat %s always ends the routine", stepName(n), s.Number))
				}
				return nil
			}
			joined, _ := joinPaths(outs, fs)
			for k, v := range joined {
				bind(k, v)
			}
			c.cond(s.Until, env)
		}
	}
	out := make(map[string]*Step, len(added))
	for k, v := range added {
		out[k] = v
	}
	return []path{{added: out, facts: fs}}
}

// joinPaths merges the paths out of a branch: a result is defined after
// it when every path defines it (its type is then that of the first
// path's step). What a single path decided stays known.
func joinPaths(outs []path, fs []fact) (map[string]*Step, []fact) {
	joined := map[string]*Step{}
	for k, v := range outs[0].added {
		every := true
		for _, o := range outs[1:] {
			if _, ok := o.added[k]; !ok {
				every = false
				break
			}
		}
		if every {
			joined[k] = v
		}
	}
	if len(outs) == 1 {
		return joined, outs[0].facts
	}
	return joined, fs
}

func stepName(s *Step) string {
	if s.Kind == StepEnd {
		return "this `end`"
	}
	return "step " + s.Number
}

// action checks a call or step and returns the result name it defines on
// every path through it ("" for none).
func (c *checker) action(s *Step, env map[string]*Step) string {
	var info *toolInfo
	if s.Kind == StepCall && c.tools != nil {
		var ok bool
		if info, ok = c.tools[s.Name]; !ok {
			c.e.add(s.NamePos, ErrUnknownTool, fmt.Sprintf("tool %q is not in the catalog%s", s.Name, c.suggestTool(s.Name)))
		}
	}
	given := map[string]bool{}
	for _, a := range s.Args {
		given[a.Name] = true
		have, haveWhat := "", ""
		switch a.Kind {
		case ArgRef:
			have = c.ref(a.Ref, env)
			haveWhat = a.Ref.String()
		case ArgLiteral:
			have, haveWhat = literalType(a.Value), a.Value.JSON
		}
		if info == nil || info.params == nil {
			continue
		}
		prop, known := property(info.params, a.Name)
		if prop == nil {
			if known {
				c.e.add(a.Pos, ErrUnknownArg, fmt.Sprintf("tool %s has no parameter %q", s.Name, a.Name))
			}
			continue
		}
		if want := schemaTypes(prop); !typeFits(have, want) {
			c.e.add(a.Pos, ErrTypeMismatch, fmt.Sprintf("parameter %q of %s is %s, but %s is %s", a.Name, s.Name, typeList(want), haveWhat, article(have)))
		} else {
			c.checkValue(s, a, info, env)
		}
	}
	if info != nil && info.params != nil && !s.Rest {
		var missing []string
		for _, req := range required(info.params) {
			if !given[req] {
				missing = append(missing, req)
			}
		}
		if len(missing) > 0 {
			c.e.add(s.NamePos, ErrMissingArg, fmt.Sprintf("%s needs %s: give %s, or leave %s to the model with `%s: any` (or `...` for every argument not named)",
				s.Name, quoteList(missing), pronoun(missing, "it", "them"), pronoun(missing, "it", "each"), missing[0]))
		}
	}
	if s.Result == "" {
		return ""
	}
	c.bound[s.Result] = s
	if in, ok := c.inputs[s.Result]; ok {
		c.e.add(s.ResultPos, ltl.ErrDuplicate, fmt.Sprintf("%q is already an input (declared at %s); name the result otherwise", s.Result, shortPos(in.Pos)))
		return ""
	}
	if prev, ok := env[s.Result]; ok {
		c.e.add(s.ResultPos, ltl.ErrDuplicate, fmt.Sprintf("%q already names the result of step %s on this path", s.Result, prev.Number))
		return ""
	}
	if s.Optional {
		return ""
	}
	return s.Result
}

func (c *checker) suggestTool(name string) string {
	best, bestD := "", 3
	for t := range c.tools {
		if d := editDistance(name, t, bestD); d < bestD || d == bestD && best != "" && t < best {
			best, bestD = t, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of a and b, or limit+1 once it
// is over limit; names are short and catalogs small.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit || len(a) > 64 || len(b) > 64 {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j-1]+cost, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	if prev[len(b)] > limit {
		return limit + 1
	}
	return prev[len(b)]
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

func pronoun(xs []string, one, many string) string {
	if len(xs) == 1 {
		return one
	}
	return many
}

func typeList(ts []string) string {
	if len(ts) == 1 {
		return article(ts[0])
	}
	return "one of " + strings.Join(ts, ", ")
}

func article(t string) string {
	switch t {
	case "":
		return "of unknown type"
	case "integer", "object", "array":
		return "an " + t
	case "null":
		return "null"
	}
	return "a " + t
}

// literalType is the JSON type of a literal ("integer" for a whole number).
func literalType(v *Value) string {
	x, err := strictjson.ParseString(v.JSON, strictjson.Limits{})
	if err != nil {
		return ""
	}
	return jsonKind(x)
}

// ref checks a reference and returns the type of the value it names, or
// "" when that is unknown.
func (c *checker) ref(r *Ref, env map[string]*Step) string {
	if in, ok := c.inputs[r.Name]; ok {
		if len(r.Path) == 0 {
			return in.Type
		}
		if in.Type != "object" && in.Type != "any" {
			c.e.add(r.Pos, ErrTypeMismatch, fmt.Sprintf("input %s is %s and has no field %q", r.Name, article(in.Type), r.Path[0]))
		}
		return ""
	}
	s, ok := env[r.Name]
	if !ok {
		switch b, ever := c.bound[r.Name]; {
		case ever && b.Optional:
			c.e.add(r.Pos, ErrUndefined, fmt.Sprintf("$%s is not defined on every path to here: step %s, which names it, is optional", r.Name, b.Number))
		case ever:
			c.e.add(r.Pos, ErrUndefined, fmt.Sprintf("$%s is not defined on every path to here: only a branch (step %s) names it", r.Name, b.Number))
		default:
			if later, ok := c.all[r.Name]; ok {
				c.e.add(r.Pos, ErrUndefined, fmt.Sprintf("$%s is the result of step %s, which has not run yet here", r.Name, later.Number))
			} else {
				c.e.add(r.Pos, ErrUndefined, fmt.Sprintf("$%s is neither an input nor the result of a step", r.Name))
			}
		}
		return ""
	}
	info := c.tools[s.Name]
	if info == nil || info.output == nil {
		return ""
	}
	schema := info.output
	for i, seg := range r.Path {
		if ts := schemaTypes(schema); len(ts) == 1 && ts[0] != "object" {
			c.e.add(r.Pos, ErrTypeMismatch, fmt.Sprintf("%s: %s is %s in %s's outputSchema and has no field %q", r.String(), pathText(r.Name, r.Path[:i]), article(ts[0]), s.Name, seg))
			return ""
		}
		prop, known := property(schema, seg)
		if prop == nil {
			if known {
				c.e.add(r.Pos, ErrUndefined, fmt.Sprintf("%s: %s's outputSchema has no property %q", r.String(), s.Name, seg))
			}
			return ""
		}
		schema = prop
	}
	if ts := schemaTypes(schema); len(ts) == 1 {
		return ts[0]
	}
	return ""
}

func pathText(name string, path []string) string {
	if len(path) == 0 {
		return "$" + name
	}
	return "$" + name + "." + strings.Join(path, ".")
}

// cond checks a condition's references and types.
func (c *checker) cond(x *Cond, env map[string]*Step) {
	if x == nil {
		return
	}
	if x.Op != CondAtom {
		c.cond(x.X, env)
		c.cond(x.Y, env)
		return
	}
	a := x.Atom
	if a.Pred == "failed" || a.Pred == "succeeded" {
		if _, isInput := c.inputs[a.Ref.Name]; isInput {
			c.e.add(a.Pos, ErrTypeMismatch, fmt.Sprintf("$%s is an input: only a step's result can have %s", a.Ref.Name, a.Pred))
			return
		}
		if len(a.Ref.Path) > 0 {
			c.e.add(a.Pos, ErrTypeMismatch, fmt.Sprintf("`%s`: a call fails or succeeds as a whole: write $%s %s", a, a.Ref.Name, a.Pred))
		}
		if s, ok := env[a.Ref.Name]; ok && s.Kind != StepCall {
			c.e.add(a.Pos, ErrTypeMismatch, fmt.Sprintf("$%s is not a call's result", a.Ref.Name))
		}
		c.ref(&Ref{Pos: a.Ref.Pos, Name: a.Ref.Name}, env)
		return
	}
	have := c.ref(a.Ref, env)
	vals := a.List
	if a.Value != nil {
		vals = []*Value{a.Value}
	}
	var need string
	switch a.Pred {
	case "<", "<=", ">", ">=":
		need = "number"
	case "contains", "starts_with", "ends_with", "matches":
		need = "string"
	}
	for _, v := range vals {
		lt := literalType(v)
		switch {
		case lt == "object" || lt == "array":
			c.e.add(v.Pos, ErrTypeMismatch, fmt.Sprintf("`%s`: conditions compare with a string, number, boolean or null, not %s", a, article(lt)))
		case need != "" && !typeFits(lt, []string{need}):
			c.e.add(v.Pos, ErrTypeMismatch, fmt.Sprintf("`%s`: %s needs %s, not %s", a, a.Pred, article(need), v.JSON))
		case need == "" && !typeFits(lt, []string{have}) && !typeFits(have, []string{lt}):
			c.e.add(v.Pos, ErrTypeMismatch, fmt.Sprintf("`%s`: %s is %s, never equal to %s", a, a.Ref, article(have), v.JSON))
		}
	}
	if need != "" && !typeFits(have, []string{need}) && !(need == "number" && have == "integer") {
		c.e.add(a.Pos, ErrTypeMismatch, fmt.Sprintf("`%s`: %s needs %s, but %s is %s", a, a.Pred, article(need), a.Ref, article(have)))
	}
	if a.Pred == "matches" && a.Value != nil {
		var pat string
		if x, err := strictjson.ParseString(a.Value.JSON, strictjson.Limits{}); err == nil && x.Kind() == strictjson.String {
			pat = x.Text()
			if _, err := regexp.Compile(pat); err != nil {
				c.e.add(a.Value.Pos, ErrLiteral, fmt.Sprintf("`%s`: invalid pattern: %v", a, err))
			}
		}
	}
}

// rules parses each `rule` with package ltl against the routine's
// alphabet: its steps (and thought when allowed) and the tools it calls
// or its catalog has.
func (c *checker) rules() {
	if len(c.r.Rules) == 0 {
		return
	}
	steps, tools := alphabet(c.r)
	have := map[string]bool{}
	for _, t := range tools {
		have[t] = true
	}
	for t := range c.tools {
		if !have[t] {
			tools = append(tools, t)
		}
	}
	for _, ru := range c.r.Rules {
		_, err := ltl.ParseFormula(c.r.File, []byte(ru.Text), steps, tools)
		if err == nil {
			continue
		}
		l, ok := err.(ltl.ErrorList)
		if !ok {
			c.e.add(ru.Pos, ltl.ErrSyntax, "rule: "+err.Error())
			continue
		}
		for _, x := range l {
			p := ru.Pos
			p.Offset += x.Pos.Offset
			p.Column += x.Pos.Column - 1
			c.e.add(p, x.Code, x.Msg)
		}
	}
}

// alphabet returns the routine's non-call steps and called tools, in
// order of first use.
func alphabet(r *Routine) (steps, tools []string) {
	seenStep, seenTool := map[string]bool{}, map[string]bool{}
	if r.AllowThought {
		steps, seenStep["thought"] = append(steps, "thought"), true
	}
	walkSteps(r.Steps, func(s *Step) {
		switch {
		case s.Kind == StepAct && !seenStep[s.Name]:
			seenStep[s.Name] = true
			steps = append(steps, s.Name)
		case s.Kind == StepCall && !seenTool[s.Name]:
			seenTool[s.Name] = true
			tools = append(tools, s.Name)
		}
	})
	return steps, tools
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
