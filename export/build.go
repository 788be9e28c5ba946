package export

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/specplan/specplan/decoder"
)

// builder turns a decoder.Language into rules: one per event-level state,
// one per event text (prog) with one more per node where its paths join
// (loops of arrays, the tails after optional properties), and one per
// state of each distinct value automaton (leaf).
type builder struct {
	lang  *decoder.Language
	opts  *Options
	g     grammar
	used  map[string]bool
	state []int // by Language state: its rule
	event []int // by Language event: its rule (-1 not yet built)
	// leaves: by canonical DFA key, the rule of its start state; the
	// hints (key names before the value) of its uses name it.
	leaves    map[string]int
	leafHints map[int][]string
	leafRules map[int][]int // start rule -> rules of its states
	dfas      map[decoder.Leaf]*cpDFA
}

func build(lang *decoder.Language, opts *Options) (*grammar, error) {
	b := &builder{lang: lang, opts: opts, used: map[string]bool{}, leaves: map[string]int{},
		leafHints: map[int][]string{}, leafRules: map[int][]int{}, dfas: map[decoder.Leaf]*cpDFA{}}
	for _, m := range lang.Markers {
		tok := -1
		if id, ok := opts.Markers[m.Text]; ok {
			tok = id
		}
		b.g.markers = append(b.g.markers, marker{text: m.Text, token: tok, name: m.Text})
	}
	root := b.newRule("root", "one generation")
	b.state = make([]int, len(lang.States))
	b.event = make([]int, len(lang.Events))
	for i := range b.event {
		b.event[i] = -1
	}
	// Names: state-Q, or state-Q-mM where one event state has several modes.
	modes := map[int]int{}
	for _, s := range lang.States {
		modes[s.Event]++
	}
	for i, s := range lang.States {
		name := "state-" + strconv.Itoa(s.Event)
		if modes[s.Event] > 1 {
			name += "-m" + strconv.Itoa(s.Mode)
		}
		b.state[i] = b.newRule(name, fmt.Sprintf("event state %d, message mode %d", s.Event, s.Mode))
	}
	b.g.rules[root].body = eRef{b.state[0]}
	for i, s := range lang.States {
		var xs []expr
		for _, e := range s.Next {
			r, err := b.eventRule(e.Event)
			if err != nil {
				return nil, err
			}
			xs = append(xs, seq(eRef{r}, eRef{b.state[e.To]}))
		}
		if s.End {
			xs = append(xs, eEmpty{})
		}
		body := alt(xs...)
		if body == nil {
			return nil, errUnsupported(fmt.Sprintf("event state %d has no way to end the generation", s.Event))
		}
		b.g.rules[b.state[i]].body = body
	}
	b.nameLeaves()
	b.g.simplify()
	if err := b.g.check(); err != nil {
		return nil, err
	}
	return &b.g, nil
}

func (b *builder) newRule(base, note string) int {
	name := base
	for k := 2; b.used[name]; k++ {
		name = base + "-" + strconv.Itoa(k)
	}
	b.used[name] = true
	b.g.rules = append(b.g.rules, rule{name: name, note: note})
	if b.opts.maxRules() > 0 && len(b.g.rules) > b.opts.maxRules() {
		panic(limitPanic{&LimitError{What: fmt.Sprintf("the grammar has more than %d rules", b.opts.maxRules()), Option: "Options.MaxRules", Flag: "--max-grammar-rules"}})
	}
	return len(b.g.rules) - 1
}

type limitPanic struct{ err error }

// eventRule is the rule of event text i, built on first use.
func (b *builder) eventRule(i int) (int, error) {
	if r := b.event[i]; r >= 0 {
		return r, nil
	}
	ev := b.lang.Events[i]
	base, note := "close-list", "the close of a call list"
	switch {
	case ev.Close:
	case ev.Symbol.Tool != "":
		base, note = "call-"+ev.Symbol.Tool, "a call "+ev.Symbol.Name
	default:
		base, note = "step-"+ev.Symbol.Step, "a step "+ev.Symbol.Name
	}
	r := b.newRule(ruleName(base), note)
	b.event[i] = r
	c := &progConv{b: b, ev: ev, name: b.g.rules[r].name, rules: map[int]int{}}
	if err := c.convert(r); err != nil {
		return 0, fmt.Errorf("%s: %w", ev.Symbol.Name, err)
	}
	return r, nil
}

// progConv converts one event text's NFA.
type progConv struct {
	b     *builder
	ev    *decoder.EventText
	name  string
	rules map[int]int // join node -> its rule
	indeg []int
	n     int
}

func (c *progConv) convert(r int) error {
	nodes := c.ev.Nodes
	c.indeg = make([]int, len(nodes))
	seen := make([]bool, len(nodes))
	work := []int{c.ev.Start}
	c.indeg[c.ev.Start]++
	seen[c.ev.Start] = true
	for len(work) > 0 {
		n := work[len(work)-1]
		work = work[:len(work)-1]
		for _, s := range c.succ(n) {
			c.indeg[s]++
			if !seen[s] {
				seen[s] = true
				work = append(work, s)
			}
		}
	}
	c.rules[c.ev.Start] = r
	for n, d := range c.indeg {
		if d >= 2 && n != c.ev.Start {
			c.n++
			c.rules[n] = c.b.newRule(c.name+"-"+strconv.Itoa(c.n), "")
			c.b.g.rules[c.rules[n]].internal = true
		}
	}
	ns := []int{c.ev.Start}
	for n := range c.rules {
		if n != c.ev.Start {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns[1:])
	for _, n := range ns {
		x, err := c.body(n, "")
		if err != nil {
			return err
		}
		if x == nil {
			return errUnsupported("an event text with no complete text")
		}
		c.b.g.rules[c.rules[n]].body = x
	}
	return nil
}

// succ are the live successors of node n.
func (c *progConv) succ(n int) []int {
	nd := &c.ev.Nodes[n]
	var out []int
	switch nd.Kind {
	case decoder.TextByte, decoder.TextLeaf:
		out = []int{nd.Next}
	case decoder.TextSplit:
		out = nd.Outs
	}
	return slices.DeleteFunc(slices.Clone(out), func(s int) bool { return !c.ev.Nodes[s].Live })
}

// refOrBody is the text from node n: its rule if it has one.
func (c *progConv) refOrBody(n int, hint string) (expr, error) {
	if !c.ev.Nodes[n].Live {
		return nil, nil
	}
	if r, ok := c.rules[n]; ok {
		return eRef{r}, nil
	}
	return c.body(n, hint)
}

var keyHint = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)"?\s*[:=]\s*$`)

// body is the text from node n, not using n's own rule. hint is the
// literal text written just before (it names leaves).
func (c *progConv) body(n int, hint string) (expr, error) {
	nodes := c.ev.Nodes
	nd := &nodes[n]
	if !nd.Live {
		return nil, nil
	}
	switch nd.Kind {
	case decoder.TextEnd:
		return eEmpty{}, nil
	case decoder.TextLeaf:
		h := "value"
		if m := keyHint.FindStringSubmatch(hint); m != nil {
			h = m[1]
		}
		lr, err := c.b.leafRule(nd.Leaf, h)
		if err != nil {
			return nil, err
		}
		rest, err := c.refOrBody(nd.Next, "")
		if rest == nil || err != nil {
			return nil, err
		}
		return seq(eRef{lr}, rest), nil
	case decoder.TextSplit:
		var targets []int
		seen := map[int]bool{}
		var walk func(m int)
		walk = func(m int) {
			if seen[m] || !nodes[m].Live {
				return
			}
			seen[m] = true
			if _, isRule := c.rules[m]; nodes[m].Kind == decoder.TextSplit && !isRule {
				for _, o := range nodes[m].Outs {
					walk(o)
				}
				return
			}
			targets = append(targets, m)
		}
		for _, o := range nd.Outs {
			walk(o)
		}
		var xs []expr
		for _, t := range targets {
			x, err := c.refOrBody(t, hint)
			if err != nil {
				return nil, err
			}
			if x != nil {
				xs = append(xs, x)
			}
		}
		return alt(xs...), nil
	}
	// TextByte: a run of single bytes is one literal.
	if nd.Lo != nd.Hi {
		if nd.Hi >= 0x80 {
			return nil, errUnsupported("a byte range beyond ASCII in an event text")
		}
		rest, err := c.refOrBody(nd.Next, "")
		if rest == nil || err != nil {
			return nil, err
		}
		return seq(eClass{[]cpRange{{rune(nd.Lo), rune(nd.Hi)}}}, rest), nil
	}
	if nd.Lo >= decoder.MarkerByte {
		k := int(nd.Lo - decoder.MarkerByte)
		if k >= len(c.b.lang.Markers) {
			return nil, errUnsupported("an unknown marker byte")
		}
		rest, err := c.refOrBody(nd.Next, "")
		if rest == nil || err != nil {
			return nil, err
		}
		return seq(eToken{k}, rest), nil
	}
	var text []byte
	cur := n
	for {
		x := &nodes[cur]
		text = append(text, x.Lo)
		nx := x.Next
		y := &nodes[nx]
		if _, isRule := c.rules[nx]; isRule || y.Kind != decoder.TextByte || y.Lo != y.Hi || y.Lo >= decoder.MarkerByte || !y.Live {
			cur = nx
			break
		}
		cur = nx
	}
	if !utf8.Valid(text) {
		return nil, errUnsupported(fmt.Sprintf("literal %q of an event text is not UTF-8", text))
	}
	rest, err := c.refOrBody(cur, hint+string(text))
	if rest == nil || err != nil {
		return nil, err
	}
	return seq(eLit{string(text)}, rest), nil
}

// leafRule is the rule of leaf l's start state, shared by every leaf
// with the same language.
func (b *builder) leafRule(l decoder.Leaf, hint string) (int, error) {
	d, ok := b.dfas[l] // progs of one symbol in several modes share leaves
	if !ok {
		var err error
		if d, err = leafDFA(l, b.opts.maxLeafStates()); err != nil {
			return 0, err
		}
		b.dfas[l] = d
	}
	k := d.key()
	if r, ok := b.leaves[k]; ok {
		b.leafHints[r] = append(b.leafHints[r], hint)
		return r, nil
	}
	rs := make([]int, len(d.states))
	for i := range d.states {
		rs[i] = b.newRule(fmt.Sprintf("leaf%d-%d", len(b.leaves), i), "")
		b.g.rules[rs[i]].internal = i > 0
	}
	b.leaves[k] = rs[0]
	b.leafHints[rs[0]] = []string{hint}
	b.leafRules[rs[0]] = rs
	for i, s := range d.states {
		var self []cpRange
		byTo := map[int][]cpRange{}
		var order []int
		for _, t := range s.trans {
			if t.to == i {
				self = append(self, t.r)
				continue
			}
			if _, ok := byTo[t.to]; !ok {
				order = append(order, t.to)
			}
			byTo[t.to] = append(byTo[t.to], t.r)
		}
		var xs []expr
		for _, to := range order {
			xs = append(xs, seq(classOrLit(byTo[to]), eRef{rs[to]}))
		}
		if s.final {
			xs = append(xs, eEmpty{})
		}
		body := alt(xs...)
		if body == nil {
			body = eEmpty{} // only reachable through self (never: states are live)
		}
		if len(self) > 0 {
			body = seq(eRep{x: eClass{self}, min: 0, max: -1}, body)
		}
		b.g.rules[rs[i]].body = body
	}
	return rs[0], nil
}

// classOrLit is a one-character class as a literal (so that runs of
// them read as text).
func classOrLit(r []cpRange) expr {
	if len(r) == 1 && r[0].lo == r[0].hi {
		return eLit{string(r[0].lo)}
	}
	return eClass{r}
}

// nameLeaves names each value rule after the key it is written under
// when all its uses agree, else value-N.
func (b *builder) nameLeaves() {
	starts := make([]int, 0, len(b.leafRules))
	for r := range b.leafRules {
		starts = append(starts, r)
	}
	slices.Sort(starts)
	for _, r := range starts {
		hs := b.leafHints[r]
		base := "value"
		if h := hs[0]; !slices.ContainsFunc(hs, func(x string) bool { return x != h }) {
			base = ruleName(h)
		}
		for _, x := range b.leafRules[r] {
			delete(b.used, b.g.rules[x].name)
		}
		name := base
		for k := 2; b.used[name]; k++ {
			name = base + "-" + strconv.Itoa(k)
		}
		b.used[name] = true
		for i, x := range b.leafRules[r] {
			n := name
			if i > 0 {
				n = name + "-s" + strconv.Itoa(i)
			}
			b.used[n] = true
			b.g.rules[x].name = n
		}
	}
}
