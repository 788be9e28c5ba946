package routines

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// LowerOptions configures Lower.
type LowerOptions struct {
	// Inputs are values for the routine's inputs. A condition on an input
	// is decided with its value; an argument forced to an input becomes
	// that value as a literal. Non-nil, it must give every declared input
	// a value of its declared type and no other input (ErrMissingInput,
	// ErrInputValue), as Compile needs. Nil, the lowering is for reading:
	// an argument forced to an input is written `$name` (package ltl does
	// not bind inputs, so that text does not compile), and a condition on
	// an input is an error.
	Inputs map[string]any
	// MaxBytes bounds the lowered text; 0 means ltl.DefaultMaxSpecBytes,
	// the size ltl.Parse accepts by default. The encoding is linear in
	// the routine except along runs of steps that share a tool or step
	// name, where it grows with the run's length (and a repeat's max).
	MaxBytes int
}

// Lower is LowerOptions{}.Lower.
func Lower(r *Routine) (string, error) { return LowerOptions{}.Lower(r) }

// Lower writes the `.ltl` spec that accepts exactly the runs of r, in the
// result-aware syntax of issue 9 (`let NAME = TOOL`, `TOOL returns
// (PRED, …)`, `TOOL fails`, `$name.path` in argument predicates). r must
// pass Check's catalog-free checks (they are run first).
//
// The routine is unrolled (a repeat into max copies of its body) into a
// graph of its events: each call or step, with the steps that may come
// right before it and the branch conditions on that edge. The spec then
// says, for each event name N, `G(N -> At(s1) | At(s2) | …)` over the
// steps s with that name, where At(s) is s's event with its arguments
// forced (`issue_refund(order_id == $order_id, amount == $order.total)`;
// `any` and `...` leave an argument free) and `Y` of one of s's
// predecessors together with the condition that leads from it to s (or
// "nothing before" for a first step). A predecessor whose name belongs to
// one step only is named bare, since its own rule pins it; one that
// shares its name is written out as its At, recursively. A final rule
// `G(last -> …)` says the run ends right after a step the routine may
// end with, and one rule says every event is one of the routine's. With
// `allow thought`, Y skips thoughts: `Y(thought S φ)`.
//
// A condition `$order.status == "delivered"` on the result of step s
// (tool T) is `(!T S T returns (status == "delivered"))`: the most
// recent call of T returned it; `$perm failed` is `(!T S T fails)`; an
// arm's guard is its condition and the negation of the arms before it
// (so a condition on a missing field is false: the else arm runs).
//
// Lower fails (ErrLower, positioned) where issue 9's syntax cannot say
// what the routine means: a referenced result whose tool another step
// also calls (`let` and `returns` name the most recent call of a tool),
// a condition on a whole scalar result or on an input without a value,
// literals that are not strings, numbers or booleans, names ltl cannot
// write. Over MaxBytes is ErrLowerSize.
func (o LowerOptions) Lower(r *Routine) (string, error) {
	text, _, err := o.lower(r)
	return text, err
}

// lower is Lower, also saying where each line of the text came from.
func (o LowerOptions) lower(r *Routine) (string, []lineSource, error) {
	c := newChecker(r, nil)
	c.walk(r.Steps, map[string]*Step{}, nil)
	if o.Inputs != nil {
		checkInputs(r, o.Inputs, c.e)
	}
	if err := c.e.result(); err != nil {
		return "", nil, err
	}
	l := &lowerer{o: o, r: r, e: &errs{}, max: pick(o.MaxBytes, ltl.DefaultMaxSpecBytes), results: map[string]*Step{}, toolSteps: map[string][]*Step{}}
	walkSteps(r.Steps, func(s *Step) {
		if s.Kind == StepCall {
			if !containsStep(l.toolSteps[s.Name], s) {
				l.toolSteps[s.Name] = append(l.toolSteps[s.Name], s)
			}
			if s.Result != "" {
				if prev, ok := l.results[s.Result]; ok && prev.Name != s.Name {
					l.e.add(s.ResultPos, ErrLower, fmt.Sprintf("$%s names the results of %s (step %s) and %s (step %s); `let` captures one tool's", s.Result, prev.Name, prev.Number, s.Name, s.Number))
				}
				l.results[s.Result] = s
			}
		}
	})
	out := l.lower()
	if err := l.e.result(); err != nil {
		return "", nil, err
	}
	return out, l.lines, nil
}

func containsStep(xs []*Step, s *Step) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

type node struct {
	step  *Step
	name  string // the event name as ltl writes it
	event string // the event with its argument predicates
	preds []edge
	full  *fn
}

// edge is a way into a node (or out to the end): from node from (-1: the
// start of the run) under guard.
type edge struct {
	from  int
	guard *fn
}

type lowerer struct {
	o         LowerOptions
	r         *Routine
	e         *errs
	max       int
	nodes     []*node
	ends      []edge
	results   map[string]*Step   // result name → its step
	toolSteps map[string][]*Step // tool → the steps calling it
	work      int                // edges built so far (spend)
	lets      []string
	letSet    map[string]bool
	inputs    map[string]*Input
	tooBig    bool
	lines     []lineSource // lines[i]: where line i+1 of the text came from
}

// from records that the next n lines of the text come from src.
func (l *lowerer) from(src lineSource, text string) {
	for range strings.Count(text, "\n") {
		l.lines = append(l.lines, src)
	}
}

func withGuard(es []edge, g *fn) []edge {
	var out []edge
	for _, e := range es {
		if ng := fAnd(e.guard, g); ng.op != 'f' {
			out = append(out, edge{e.from, ng})
		}
	}
	return out
}

// spend counts the edges the unrolling has built: each becomes at least
// a few bytes of the lowered spec, and without this bound branches inside
// repeats inside repeats would multiply edges far past MaxBytes before a
// node limit is reached.
func (l *lowerer) spend(s *Step, n int) {
	l.work += n
	if l.work > l.max && !l.tooBig {
		l.e.add(s.Pos, ErrLowerSize, fmt.Sprintf("the unrolled routine has more than %d ways from one event to the next, over what fits in MaxBytes = %d: branches and optional steps inside repeats multiply them; raise routines.LowerOptions.MaxBytes (and ltl's MaxSpecBytes to parse it)", l.max, l.max))
		l.tooBig = true
	}
}

// dedup drops repeated edges (same predecessor, same guard node).
func dedup(es []edge) []edge {
	type key struct {
		from  int
		guard *fn
	}
	seen := make(map[key]bool, len(es))
	out := es[:0:0]
	for _, e := range es {
		k := key{e.from, e.guard}
		if !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

func (l *lowerer) block(steps []*Step, in []edge) []edge {
	for _, s := range steps {
		l.spend(s, len(in))
		if l.tooBig {
			return nil
		}
		switch s.Kind {
		case StepEnd:
			l.ends = append(l.ends, in...)
			return nil
		case StepCall, StepAct:
			n := l.newNode(s, in)
			out := []edge{{from: n, guard: fTrue}}
			if s.Optional {
				out = dedup(append(out, in...))
			}
			in = out
		case StepIf:
			var outs []edge
			prior := fTrue
			for _, arm := range s.Arms {
				g := l.cond(arm.Cond)
				outs = append(outs, l.block(arm.Body, withGuard(in, fAnd(prior, g)))...)
				prior = fAnd(prior, fNot(g))
			}
			var elseBody []*Step
			if s.Else != nil {
				elseBody = s.Else.Body
			}
			outs = append(outs, l.block(elseBody, withGuard(in, prior))...)
			in = dedup(outs)
		case StepChoice:
			var outs []edge
			for _, arm := range s.Arms {
				outs = append(outs, l.block(arm.Body, in)...)
			}
			in = dedup(outs)
		case StepRepeat:
			until := l.cond(s.Until)
			var exits []edge
			cur := in
			for k := 1; k <= s.Max && len(cur) > 0 && !l.tooBig; k++ {
				l.spend(s, len(cur))
				out := l.block(s.Body, cur)
				if k == s.Max {
					exits = append(exits, out...)
					break
				}
				exits = append(exits, withGuard(out, until)...)
				cur = withGuard(out, fNot(until))
			}
			in = dedup(exits)
		}
	}
	return in
}

func (l *lowerer) newNode(s *Step, in []edge) int {
	n := &node{step: s, preds: in}
	n.name = l.ltlName(s.Name, s.NamePos)
	n.event = n.name
	if s.Kind == StepCall {
		var preds []string
		for _, a := range s.Args {
			if p := l.argPred(a); p != "" {
				preds = append(preds, p)
			}
		}
		if len(preds) > 0 {
			n.event += "(" + strings.Join(preds, ", ") + ")"
		}
	}
	l.nodes = append(l.nodes, n)
	if len(l.nodes) > l.max/4 {
		l.e.add(s.Pos, ErrLowerSize, fmt.Sprintf("the unrolled routine has more than %d events, over what fits in MaxBytes = %d (raise routines.LowerOptions.MaxBytes, and ltl's MaxSpecBytes to parse it)", l.max/4, l.max))
		l.tooBig = true
	}
	return len(l.nodes) - 1
}

var ltlArgRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (l *lowerer) ltlName(name string, p Pos) string {
	q, ok := ltl.QuoteName(name)
	if !ok {
		l.e.add(p, ErrLower, fmt.Sprintf("%s cannot be written as a name in a .ltl spec", q))
	}
	return q
}

// argPred is the predicate forcing one argument, "" for a free one.
func (l *lowerer) argPred(a *Arg) string {
	if a.Kind == ArgAny {
		return ""
	}
	if !ltlArgRE.MatchString(a.Name) {
		l.e.add(a.Pos, ErrLower, fmt.Sprintf("argument %q cannot be named in a .ltl predicate (identifiers only)", a.Name))
		return ""
	}
	if a.Kind == ArgLiteral {
		return a.Name + " == " + l.literal(a.Value.JSON, a.Pos)
	}
	ref := a.Ref
	if in := l.input(ref.Name); in != nil {
		if v, ok := l.o.Inputs[ref.Name]; ok {
			if len(ref.Path) > 0 {
				l.e.add(ref.Pos, ErrLower, fmt.Sprintf("%s: a path into an input's value is not lowered; pass the field as its own input", ref))
				return ""
			}
			return a.Name + " == " + l.goLiteral(v, ref.Pos)
		}
		return a.Name + " == " + ref.String()
	}
	s := l.results[ref.Name]
	l.oneCaller(s, ref)
	if l.letSet == nil {
		l.letSet = map[string]bool{}
	}
	if !l.letSet[ref.Name] {
		l.letSet[ref.Name] = true
		l.lets = append(l.lets, ref.Name)
	}
	return a.Name + " == " + ref.String()
}

func (l *lowerer) input(name string) *Input {
	if l.inputs == nil {
		l.inputs = map[string]*Input{}
		for _, in := range l.r.Inputs {
			l.inputs[in.Name] = in
		}
	}
	return l.inputs[name]
}

// oneCaller reports a referenced result whose tool other steps call too.
func (l *lowerer) oneCaller(s *Step, ref *Ref) {
	if s == nil {
		return
	}
	if callers := l.toolSteps[s.Name]; len(callers) > 1 {
		var nums []string
		for _, c := range callers {
			if len(nums) == 4 {
				// Every reference names the callers: a long list each time
				// would make the messages quadratic in the routine.
				nums = append(nums, fmt.Sprintf("and %d more", len(callers)-4))
				break
			}
			nums = append(nums, c.Number)
		}
		l.e.add(ref.Pos, ErrLower, fmt.Sprintf("$%s: tool %s is called by steps %s, and issue 9's `let` and `returns` name the most recent call of a tool, so the lowered spec could not tell them apart", ref.Name, s.Name, strings.Join(nums, ", ")))
	}
}

// literal writes a JSON scalar as an ltl literal.
func (l *lowerer) literal(js string, p Pos) string {
	v, err := strictjson.ParseString(js, strictjson.Limits{})
	if err != nil {
		l.e.add(p, ErrLower, "invalid literal "+js)
		return "0"
	}
	switch v.Kind() {
	case strictjson.String:
		return strconv.Quote(v.Text())
	case strictjson.Number, strictjson.Bool:
		return v.Text()
	}
	l.e.add(p, ErrLower, fmt.Sprintf("%s: .ltl predicates compare with strings, numbers and booleans only, not %s", js, article(jsonKind(v))))
	return "0"
}

func (l *lowerer) goLiteral(v any, p Pos) string {
	b, err := json.Marshal(v)
	if err != nil {
		l.e.add(p, ErrLower, "input value: "+err.Error())
		return "0"
	}
	return l.literal(string(b), p)
}

// cond writes a condition as a guard.
func (l *lowerer) cond(c *Cond) *fn {
	switch c.Op {
	case CondNot:
		return fNot(l.cond(c.X))
	case CondAnd:
		return fAnd(l.cond(c.X), l.cond(c.Y))
	case CondOr:
		return fOr(l.cond(c.X), l.cond(c.Y))
	}
	a := c.Atom
	if in := l.input(a.Ref.Name); in != nil {
		v, ok := l.o.Inputs[a.Ref.Name]
		if !ok {
			l.e.add(a.Pos, ErrLower, fmt.Sprintf("`%s` is a condition on input %s: give its value (LowerOptions.Inputs) to lower it", a, a.Ref.Name))
			return fTrue
		}
		if decideInput(a, v) {
			return fTrue
		}
		return fFalse
	}
	s := l.results[a.Ref.Name]
	if s == nil {
		return fFalse // Check has reported it
	}
	l.oneCaller(s, a.Ref)
	t := l.ltlName(s.Name, a.Pos)
	// The most recent call of t: no call of t since one that ...
	latest := func(what string) *fn { return fSince(fNot(atom(t)), atom(t+" "+what)) }
	switch a.Pred {
	case "failed":
		return latest("fails")
	case "succeeded":
		return fNot(latest("fails"))
	}
	if len(a.Ref.Path) == 0 {
		l.e.add(a.Pos, ErrLower, fmt.Sprintf("`%s` tests the whole result; issue 9's `returns` tests its fields: write $%s.FIELD", a, a.Ref.Name))
		return fTrue
	}
	for _, seg := range a.Ref.Path {
		if !ltlArgRE.MatchString(seg) {
			l.e.add(a.Pos, ErrLower, fmt.Sprintf("%s: the path segment %q cannot be written in a .ltl predicate", a.Ref, seg))
			return fTrue
		}
	}
	pred := strings.Join(a.Ref.Path, ".") + " " + a.Pred + " "
	if a.Pred == "in" {
		vs := make([]string, len(a.List))
		for i, v := range a.List {
			vs[i] = l.literal(v.JSON, v.Pos)
		}
		pred += "[" + strings.Join(vs, ", ") + "]"
	} else {
		pred += l.literal(a.Value.JSON, a.Value.Pos)
	}
	return latest("returns (" + pred + ")")
}

// decideInput evaluates an atom on an input's value, fail-closed: a
// missing field or a value of another type makes it false.
func decideInput(a *Atom, v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	x, err := strictjson.Parse(b, strictjson.Limits{})
	if err != nil {
		return false
	}
	for _, seg := range a.Ref.Path {
		if x = x.Get(seg); x == nil {
			return false
		}
	}
	vals := a.List
	if a.Value != nil {
		vals = []*Value{a.Value}
	}
	for _, val := range vals {
		w, err := strictjson.ParseString(val.JSON, strictjson.Limits{})
		if err != nil {
			return false
		}
		if ok, known := compare(x, a.Pred, w); known && ok {
			return true
		} else if a.Pred != "in" {
			return ok && known
		}
	}
	return false
}

func compare(x *strictjson.Value, pred string, w *strictjson.Value) (bool, bool) {
	switch pred {
	case "==", "!=", "in":
		eq := false
		if x.Kind() == strictjson.Number && w.Kind() == strictjson.Number {
			a, e1 := ltl.ParseNumber(x.Text())
			b, e2 := ltl.ParseNumber(w.Text())
			eq = e1 == nil && e2 == nil && a.Cmp(b) == 0
		} else if x.Kind() == w.Kind() && x.Kind() != strictjson.Array && x.Kind() != strictjson.Object {
			eq = x.Text() == w.Text()
		} else if x.Kind() != w.Kind() {
			return false, true
		}
		if pred == "!=" {
			return !eq, true
		}
		return eq, true
	case "<", "<=", ">", ">=":
		if x.Kind() != strictjson.Number || w.Kind() != strictjson.Number {
			return false, true
		}
		a, e1 := ltl.ParseNumber(x.Text())
		b, e2 := ltl.ParseNumber(w.Text())
		if e1 != nil || e2 != nil {
			return false, true
		}
		c := a.Cmp(b)
		return map[string]bool{"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[pred], true
	}
	if x.Kind() != strictjson.String || w.Kind() != strictjson.String {
		return false, true
	}
	s, q := x.Text(), w.Text()
	switch pred {
	case "contains":
		return strings.Contains(s, q), true
	case "starts_with":
		return strings.HasPrefix(s, q), true
	case "ends_with":
		return strings.HasSuffix(s, q), true
	case "matches":
		re, err := regexp.Compile(q)
		return err == nil && re.MatchString(s), true
	}
	return false, false
}

// prev is "the last event before this one (thoughts skipped) satisfied f".
func (l *lowerer) prev(f *fn) *fn {
	if f.op == 'f' {
		return fFalse // a predecessor no run reaches
	}
	if l.r.AllowThought {
		return fPrefix('Y', fSince(atom("thought"), f))
	}
	return fPrefix('Y', f)
}

// back is prev including the current position.
func (l *lowerer) back(f *fn) *fn {
	if f.op == 'f' {
		return fFalse
	}
	if l.r.AllowThought {
		return fSince(atom("thought"), f)
	}
	return f
}

// noPrev is "no event (but thoughts) before this one".
func (l *lowerer) noPrev() *fn {
	if l.r.AllowThought {
		return fNot(fPrefix('Y', fPrefix('O', fNot(atom("thought")))))
	}
	return fNot(fPrefix('Y', fTrue))
}

// ref is how a predecessor is named in its successors' At: bare when
// its name is its own (its rule pins it), written out otherwise.
func (l *lowerer) ref(i int, counts map[string]int) *fn {
	n := l.nodes[i]
	if n.full.op == 'f' {
		return fFalse // no run reaches it, so none passes through it
	}
	if counts[n.name] == 1 {
		return atom(n.name)
	}
	return n.full
}

// into is "one of the edges led here": the disjunction over the edges of
// prev(pred & guard), or noPrev & guard for the start. With last, it is
// "the run may end here", back instead of prev.
func (l *lowerer) into(es []edge, counts map[string]int, last bool) *fn {
	var alts []*fn
	for _, e := range es {
		var f *fn
		switch {
		case e.from < 0 && last:
			if !l.r.AllowThought {
				continue // an empty run is not a trace
			}
			f = fAnd(fPrefix('H', atom("thought")), e.guard)
		case e.from < 0:
			f = fAnd(l.noPrev(), e.guard)
		case last:
			f = l.back(fAnd(l.ref(e.from, counts), e.guard))
		default:
			f = l.prev(fAnd(l.ref(e.from, counts), e.guard))
		}
		alts = append(alts, f)
	}
	return fOr(alts...)
}

func (l *lowerer) lower() string {
	r := l.r
	out := l.block(r.Steps, []edge{{from: -1, guard: fTrue}})
	l.ends = append(l.ends, out...)
	if len(l.e.list) > 0 {
		return ""
	}
	if len(l.nodes) == 0 {
		l.e.add(r.Pos, ErrLower, "the routine has no call or step to lower")
		return ""
	}
	counts := map[string]int{}
	var names []string
	for _, n := range l.nodes {
		if counts[n.name] == 0 {
			names = append(names, n.name)
		}
		counts[n.name]++
	}
	for _, n := range l.nodes {
		n.full = fAnd(atom(n.event), l.into(n.preds, counts, false))
		if size := n.full.size; size > l.max {
			l.e.add(n.step.Pos, ErrLowerSize, fmt.Sprintf("step %s lowers to about %d bytes, over MaxBytes = %d: steps sharing the name %s in a long run (or a large repeat max) make the encoding grow; raise routines.LowerOptions.MaxBytes (and ltl's MaxSpecBytes to parse it)", n.step.Number, size, l.max, n.name))
			return ""
		}
	}
	total := 0
	for _, n := range l.nodes {
		total = min(total+n.full.size, sizeCap)
	}
	if total > l.max {
		l.e.add(r.Pos, ErrLowerSize, fmt.Sprintf("the lowered spec would be about %d bytes, over MaxBytes = %d: steps sharing a name in a long run (or a large repeat max) make the encoding grow; raise routines.LowerOptions.MaxBytes (and ltl's MaxSpecBytes to parse it)", total, l.max))
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Lowered from routine %s by routines.Lower: each event happens only as a\n", r.Name)
	b.WriteString("# step of the routine, its arguments forced, right after a step that may\n")
	b.WriteString("# precede it and under the conditions that lead there; the run ends where\n")
	b.WriteString("# the routine may end.\n")
	for _, in := range r.Inputs {
		if _, ok := l.o.Inputs[in.Name]; !ok {
			fmt.Fprintf(&b, "# input $%s (%s): no value given; compiling needs one (routines.Compile, plan --input)\n", in.Name, in.Type)
		}
	}
	if q, ok := ltl.QuoteName(r.Name); !ok || q != r.Name {
		l.e.add(r.Pos, ErrLower, fmt.Sprintf("routine name %q is reserved in .ltl specs; rename the routine", r.Name))
	}
	b.WriteString("spec " + r.Name)
	if r.Title != "" {
		b.WriteString(" " + strconv.Quote(r.Title))
	}
	b.WriteByte('\n')
	steps, tools := alphabet(r)
	quote := func(xs []string) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = l.ltlName(x, r.Pos)
		}
		return out
	}
	if len(steps) > 0 {
		b.WriteString("steps " + strings.Join(quote(steps), ", ") + "\n")
	}
	if len(tools) > 0 {
		b.WriteString("tools " + strings.Join(quote(tools), ", ") + "\n")
	}
	if r.Catalog != nil {
		b.WriteString("tools from " + strconv.Quote(r.Catalog.Path) + "\n")
	}
	for _, name := range l.lets {
		fmt.Fprintf(&b, "let %s = %s\n", name, l.ltlName(l.results[name].Name, r.Pos))
	}
	all := append(quote(steps), quote(tools)...)
	l.from(lineSource{pos: r.Pos}, b.String()) // the header
	write := func(src Pos, copyAt int, text string) {
		b.WriteString(text)
		l.from(lineSource{pos: src, copy: copyAt}, text)
	}
	write(r.Pos, 0, "\n# every event is one of the routine's\n")
	write(r.Pos, 0, "rule G("+strings.Join(all, " | ")+")\n")
	for _, name := range names {
		var ats []*fn
		var where []string
		var first *Step
		for _, n := range l.nodes {
			if n.name == name {
				if first == nil {
					first = n.step
				}
				ats = append(ats, n.full)
				w := "step " + n.step.Number
				if n.step.Desc != "" {
					w += " " + quoteJSON(n.step.Desc)
				}
				if !contains(where, w) {
					where = append(where, w)
				}
			}
		}
		write(first.Pos, 0, fmt.Sprintf("\n# %s: %s\n", name, strings.Join(where, ", ")))
		write(first.Pos, 0, "rule G("+name+" -> "+fOr(ats...).String()+")\n")
	}
	end := l.into(l.ends, counts, true)
	write(r.Pos, 0, "\n# the run ends where the routine may end\n")
	write(r.Pos, 0, "rule G(last -> "+end.String()+")\n")
	if len(r.Rules) > 0 {
		write(r.Pos, 0, "\n# the routine's own rules\n")
		for _, ru := range r.Rules {
			write(ru.Pos, len("rule ")+1, "rule "+ru.Text+"\n")
		}
	}
	if b.Len() > l.max {
		l.e.add(r.Pos, ErrLowerSize, fmt.Sprintf("the lowered spec is %d bytes, over MaxBytes = %d (raise routines.LowerOptions.MaxBytes, and ltl's MaxSpecBytes to parse it)", b.Len(), l.max))
	}
	return b.String()
}
