package routines

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"

	"github.com/specplan/specplan/internal/strictjson"
	"github.com/specplan/specplan/ltl"
)

// ParseText is Options{}.ParseText.
func ParseText(filename string, src []byte) (*Routine, error) {
	return Options{}.ParseText(filename, src)
}

// ParseText imports a routine written in the plain-text form of the
// Routine paper (Zeng et al., arXiv 2507.14447), one step per line:
//
//	Routine refund: Refund a damaged order          (optional; else the file name)
//	Input: order_id (string), amount (number)       (optional; "Input parameters:" too)
//	Output: …                                       (optional; read and ignored)
//	Tools from: shop.tools.json                     (optional)
//	Step 1. Verify permission: Check the caller may refund; input: action = "refund"; output: perm; uses check_permission
//	Step 2. Decide: Branch on the permission.
//	Branch 2-1 Step 1. Refuse: If $perm.allowed == false, explain why not
//	Branch 2-2 Step 1. Go on: Otherwise, say so; uses log_event
//
// A step is `Step N. NAME: DESCRIPTION`, its clauses separated by `;`:
// `uses TOOL` (also `using [the] TOOL [tool]`, `tool: TOOL`) makes it a
// call, and a step without one is the model's own text, an `answer`
// step; `input: a = VALUE, b = $x.path, c = any` forces arguments (a
// VALUE is JSON; an input clause in prose leaves every argument to the
// model, `...`, and stays in the description); `output: NAME` names the
// result (prose stays in the description); `optional` marks the step.
// `Branch N-B Step S.` lines are the steps of branch B of step N, which
// then is the decision (it has no tool). A branch's first step says when
// it is taken: `If COND, …` with COND in the .routine language makes the
// branches an if (`Otherwise, …` its else); a condition in prose makes
// them a choice left to the model, labelled with that prose. Numbers must
// run 1, 2, … (top-level steps, branches, steps in a branch), and step N's
// branch steps become N.1, N.2, … in order, as in the .routine language.
// Blank lines and lines starting with # are skipped; any other line is
// ErrTextForm. Errors are an ltl.ErrorList with positions in src.
func (o Options) ParseText(filename string, src []byte) (*Routine, error) {
	if err := checkSize(filename, src, o.maxBytes()); err != nil {
		return nil, err
	}
	if bytes.HasPrefix(src, utf8BOM) {
		src = append([]byte("   "), src[len(utf8BOM):]...)
	}
	if !utf8.Valid(src) {
		return nil, ltl.ErrorList{{Pos: Pos{Filename: filename, Line: 1, Column: 1}, Code: ltl.ErrSyntax, Msg: "the text is not valid UTF-8"}}
	}
	t := &textReader{o: o, e: &errs{}, file: filename, r: &Routine{File: filename, Pos: Pos{Filename: filename, Line: 1, Column: 1}}}
	t.read(src)
	if err := t.e.result(); err != nil {
		return nil, err
	}
	return t.r, nil
}

type textStep struct {
	s        *Step
	branches [][]*textLine // branch b-1 → its steps
}

type textLine struct {
	pos  Pos
	num  int
	body string
	off  int // byte offset of body in the file
}

type textReader struct {
	o       Options
	e       *errs
	file    string
	r       *Routine
	src     []byte
	steps   []*textStep
	inputAt map[string]Pos
}

var (
	textHeaderRE = regexp.MustCompile(`^(?i:routine)\s*([A-Za-z_][A-Za-z0-9_]*)?\s*(?::\s*(.*))?$`)
	textInputRE  = regexp.MustCompile(`^(?i:inputs?(?:\s+parameters?)?)\s*:\s*(.*)$`)
	textOutputRE = regexp.MustCompile(`^(?i:outputs?(?:\s+parameters?)?)\s*:`)
	textToolsRE  = regexp.MustCompile(`^(?i:tools\s+from)\s*:?\s*(.*)$`)
	textStepRE   = regexp.MustCompile(`^(?i:step)\s+(\d+)\.\s*(.*)$`)
	textBranchRE = regexp.MustCompile(`^(?i:branch)\s+(\d+(?:\.\d+)*)-(\d+)\s+(?i:step)\s+(\d+)\.\s*(.*)$`)
	textParamRE  = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*([A-Za-z]+)\s*\)|:\s*([A-Za-z]+))?$`)
	textArgRE    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(.+)$`)
	textUsesRE   = regexp.MustCompile("^(?i:uses|using|use|tool\\s*:)\\s+(?i:the\\s+)?([A-Za-z_][A-Za-z0-9_.]*|`[^`]+`)(?:\\s+(?i:tool))?\\.?$")
	textIfRE     = regexp.MustCompile(`^(?i:if)\s+(.+?),\s*(.*)$`)
	textElseRE   = regexp.MustCompile(`^(?i:otherwise|else)\b[,:]?\s*(.*)$`)
	refTokRE     = regexp.MustCompile(`^\$[A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|\d+))*$`)
)

var condParser = participle.MustBuild[gOr](participle.Lexer(routineLexer), participle.UseLookahead(2))

func (t *textReader) read(src []byte) {
	t.src = src
	named := false
	off := 0
	for lineNo, raw := range strings.SplitAfter(string(src), "\n") {
		start := off
		off += len(raw)
		line := strings.TrimRight(raw, "\r\n")
		trimmed := strings.TrimLeft(line, " \t")
		lead := len(line) - len(trimmed)
		trimmed = strings.TrimRight(trimmed, " \t")
		p := Pos{Filename: t.file, Line: lineNo + 1, Column: utf8.RuneCountInString(line[:lead]) + 1, Offset: start + lead}
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		switch {
		case textBranchRE.MatchString(trimmed):
			m := textBranchRE.FindStringSubmatch(trimmed)
			t.branch(p, m, start+lead+len(trimmed)-len(m[4]))
		case textStepRE.MatchString(trimmed):
			m := textStepRE.FindStringSubmatch(trimmed)
			t.step(p, m[1], m[2], start+lead+len(trimmed)-len(m[2]))
		case textInputRE.MatchString(trimmed):
			t.inputs(p, textInputRE.FindStringSubmatch(trimmed)[1])
		case textOutputRE.MatchString(trimmed):
		case textToolsRE.MatchString(trimmed):
			path := strings.Trim(textToolsRE.FindStringSubmatch(trimmed)[1], `"`)
			if t.r.Catalog != nil {
				t.e.add(p, ltl.ErrDuplicate, "the routine already names its catalog")
			} else if path != "" {
				t.r.Catalog = &CatalogRef{Pos: p, Path: path}
			}
		case textHeaderRE.MatchString(trimmed) && !named && len(t.steps) == 0:
			m := textHeaderRE.FindStringSubmatch(trimmed)
			named = true
			t.r.Pos = p
			t.r.Name, t.r.Title = m[1], strings.TrimSpace(m[2])
			if reserved[t.r.Name] {
				t.e.add(p, ErrTextForm, fmt.Sprintf("the routine cannot be called %q: it is a reserved word of the .routine language", t.r.Name))
			}
		default:
			t.e.add(p, ErrTextForm, fmt.Sprintf("not a line of the Routine text form: %q (expected `Step N. NAME: …`, `Branch N-B Step S. …`, `Input: …` or `Routine NAME: …`)", truncate(trimmed, 60)))
		}
	}
	if t.r.Name == "" {
		t.r.Name = nameFromFile(t.file)
	}
	t.finish()
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// nameFromFile derives an identifier from the file's base name.
func nameFromFile(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	var b strings.Builder
	for i, c := range base {
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 || reserved[b.String()] {
		return "imported"
	}
	return b.String()
}

func (t *textReader) inputs(p Pos, list string) {
	for _, item := range splitTop(list, ',') {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		m := textParamRE.FindStringSubmatch(item)
		if m == nil {
			t.e.add(p, ErrTextForm, fmt.Sprintf("input %q: write NAME (TYPE) or NAME: TYPE", truncate(item, 60)))
			continue
		}
		typ := strings.ToLower(m[2] + m[3])
		if typ == "" {
			typ = "any"
		}
		if !inputTypes[typ] {
			t.e.add(p, ErrInputType, fmt.Sprintf("input %q has type %q: use string, number, integer, boolean, object, array, null or any", m[1], typ))
		}
		if t.inputAt == nil {
			t.inputAt = map[string]Pos{}
		}
		if at, dup := t.inputAt[m[1]]; dup {
			t.e.add(p, ltl.ErrDuplicate, fmt.Sprintf("input %q already declared at %s", m[1], shortPos(at)))
			continue
		}
		t.inputAt[m[1]] = p
		t.r.Inputs = append(t.r.Inputs, &Input{Pos: p, Name: m[1], Type: typ})
	}
}

// splitTop splits s at sep outside double quotes, brackets and braces.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start, inStr := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '[' || c == '{' || c == '(':
			depth++
		case c == ']' || c == '}' || c == ')':
			depth--
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func (t *textReader) step(p Pos, num, body string, off int) {
	want := strconv.Itoa(len(t.steps) + 1)
	if num != want {
		t.e.add(p, ErrStepNumber, fmt.Sprintf("Step %s is out of order: expected Step %s here", num, want))
	}
	s := t.action(p, body, off)
	s.Number = want
	t.steps = append(t.steps, &textStep{s: s})
}

func (t *textReader) branch(p Pos, m []string, off int) {
	var parent *textStep
	if n, err := strconv.Atoi(m[1]); err == nil && n >= 1 && n <= len(t.steps) {
		parent = t.steps[n-1]
	}
	if parent == nil {
		t.e.add(p, ErrStepNumber, fmt.Sprintf("Branch %s-%s: there is no Step %s before it (branches belong to a top-level step)", m[1], m[2], m[1]))
		return
	}
	b, _ := strconv.Atoi(m[2])
	s, _ := strconv.Atoi(m[3])
	switch {
	case b == len(parent.branches) && b > 0:
	case b == len(parent.branches)+1:
		parent.branches = append(parent.branches, nil)
	default:
		t.e.add(p, ErrStepNumber, fmt.Sprintf("Branch %s-%s is out of order: expected Branch %s-%d here", m[1], m[2], m[1], len(parent.branches)+1))
		return
	}
	arm := &parent.branches[b-1]
	if s != len(*arm)+1 {
		t.e.add(p, ErrStepNumber, fmt.Sprintf("Branch %s-%s Step %s is out of order: expected Step %d here", m[1], m[2], m[3], len(*arm)+1))
	}
	*arm = append(*arm, &textLine{pos: p, num: s, body: m[4], off: off})
}

// action reads `NAME: DESCRIPTION; clauses` into a call or answer step.
func (t *textReader) action(p Pos, body string, off int) *Step {
	s := &Step{Pos: p, Kind: StepAct, Name: "answer", NamePos: p}
	name, desc, _ := strings.Cut(body, ":")
	var keep []string
	clauses := splitTop(desc, ';')
	at := off + len(name) + 1
	for i, cl := range clauses {
		cpos := t.posAt(p, at+len(cl)-len(strings.TrimLeft(cl, " \t")))
		at += len(cl) + 1
		trimmed := strings.TrimRight(strings.TrimSpace(cl), ".")
		low := strings.ToLower(trimmed)
		switch {
		case i > 0 && textUsesRE.MatchString(trimmed):
			tool := textUsesRE.FindStringSubmatch(trimmed)[1]
			s.Kind, s.Name, s.NamePos = StepCall, strings.Trim(tool, "`"), cpos
		case i > 0 && low == "optional":
			s.Optional = true
		case i > 0 && (strings.HasPrefix(low, "input:") || strings.HasPrefix(low, "inputs:")):
			_, list, _ := strings.Cut(trimmed, ":")
			if args, ok := t.args(cpos, list); ok {
				s.Args = args
			} else {
				s.Rest = true
				keep = append(keep, trimmed)
			}
		case i > 0 && (strings.HasPrefix(low, "output:") || strings.HasPrefix(low, "outputs:")):
			_, out, _ := strings.Cut(trimmed, ":")
			out = strings.TrimSpace(out)
			if identRE.MatchString(out) {
				s.Result, s.ResultPos = out, cpos
			} else {
				keep = append(keep, trimmed)
			}
		default:
			if c := strings.TrimSpace(cl); c != "" {
				keep = append(keep, c)
			}
		}
	}
	if s.Kind == StepAct {
		s.Args, s.Rest = nil, false
		if s.Result != "" {
			t.e.add(s.ResultPos, ErrPlacement, "a step without `uses TOOL` is the model's own answer and has no result to name")
		}
	} else if len(s.Args) == 0 && !s.Rest {
		s.Rest = true // no input clause: the arguments are the model's
	}
	s.Desc = strings.TrimSpace(name)
	if d := strings.Join(keep, "; "); d != "" {
		s.Desc += ": " + d
	}
	return s
}

// posAt is the position of byte offset at on the line starting at p.
func (t *textReader) posAt(p Pos, at int) Pos {
	q := p
	if at >= p.Offset && at <= len(t.src) {
		q.Column += utf8.RuneCount(t.src[p.Offset:at])
		q.Offset = at
	}
	return q
}

// args reads `a = VALUE, b = $x.path, c = any`; ok is false for prose.
func (t *textReader) args(p Pos, list string) ([]*Arg, bool) {
	var out []*Arg
	seen := map[string]bool{}
	for _, item := range splitTop(list, ',') {
		m := textArgRE.FindStringSubmatch(strings.TrimSpace(item))
		if m == nil {
			return nil, false
		}
		if seen[m[1]] {
			// As the .routine parser says: one value per argument (the
			// printed form would not parse back otherwise).
			t.e.add(p, ltl.ErrDuplicate, fmt.Sprintf("argument %q is given twice in this input clause", m[1]))
			return nil, true
		}
		seen[m[1]] = true
		a := &Arg{Pos: p, Name: m[1]}
		v := strings.TrimSpace(m[2])
		switch {
		case v == "any":
			a.Kind = ArgAny
		case refTokRE.MatchString(v):
			a.Kind, a.Ref = ArgRef, refOf(v, p)
		default:
			x, err := strictjson.ParseString(v, strictjson.Limits{MaxDepth: t.o.maxDepth()})
			if err != nil {
				return nil, false
			}
			a.Kind, a.Value = ArgLiteral, &Value{Pos: p, JSON: string(x.AppendJSON(nil))}
		}
		out = append(out, a)
	}
	return out, len(out) > 0
}

// finish builds the steps: a step with branches becomes an if (every
// branch has a condition the language reads, but perhaps a last
// otherwise) or a choice.
func (t *textReader) finish() {
	for _, ts := range t.steps {
		s := ts.s
		if len(ts.branches) > 0 {
			if s.Kind == StepCall {
				t.e.add(s.NamePos, ErrTextForm, fmt.Sprintf("Step %s has branches and a tool: give the call its own step before the branches", s.Number))
			}
			t.arms(s, ts.branches)
		}
		t.r.Steps = append(t.r.Steps, s)
	}
}

func (t *textReader) arms(s *Step, branches [][]*textLine) {
	type armText struct {
		cond      *Cond
		label     string
		otherwise bool
		steps     []*Step
	}
	var arms []armText
	n := 0
	allConds := true
	for bi, lines := range branches {
		var a armText
		for li, ln := range lines {
			st := t.action(ln.pos, ln.body, ln.off)
			n++
			st.Number = s.Number + "." + strconv.Itoa(n)
			if li == 0 {
				rest := st.Desc
				name, desc, _ := strings.Cut(rest, ": ")
				switch {
				case textIfRE.MatchString(desc):
					m := textIfRE.FindStringSubmatch(desc)
					a.label = m[1]
					if g, err := condParser.ParseString(t.file, m[1]); err == nil {
						c := &conv{o: t.o, e: &errs{}}
						cond := c.cond(g)
						if len(c.e.list) == 0 {
							a.cond = cond
							setCondPos(cond, ln.pos)
						}
					}
					st.Desc = joinDesc(name, m[2])
				case textElseRE.MatchString(desc) && bi == len(branches)-1 && bi > 0:
					a.otherwise = true
					a.label = "otherwise"
					st.Desc = joinDesc(name, textElseRE.FindStringSubmatch(desc)[1])
				default:
					a.label = name
				}
				if a.cond == nil && !a.otherwise {
					allConds = false
				}
			}
			a.steps = append(a.steps, st)
		}
		arms = append(arms, a)
	}
	if allConds {
		s.Kind = StepIf
		for _, a := range arms {
			arm := &Arm{Pos: a.steps[0].Pos, Cond: a.cond, Body: a.steps}
			if a.otherwise {
				s.Else = arm
			} else {
				s.Arms = append(s.Arms, arm)
			}
		}
		if len(s.Arms) == 0 {
			s.Kind = StepChoice
			s.Arms, s.Else = []*Arm{s.Else}, nil
		}
	} else {
		s.Kind = StepChoice
		for _, a := range arms {
			s.Arms = append(s.Arms, &Arm{Pos: a.steps[0].Pos, Label: a.label, Body: a.steps})
		}
	}
	s.Name, s.Args, s.Rest, s.Result = "", nil, false, ""
}

func joinDesc(name, desc string) string {
	if desc = strings.TrimSpace(desc); desc == "" {
		return name
	}
	return name + ": " + desc
}

// setCondPos places a condition parsed from a fragment at its line.
func setCondPos(c *Cond, p Pos) {
	if c == nil {
		return
	}
	c.Pos = p
	if c.Atom != nil {
		c.Atom.Pos, c.Atom.Ref.Pos = p, p
		if c.Atom.Value != nil {
			c.Atom.Value.Pos = p
		}
		for _, v := range c.Atom.List {
			v.Pos = p
		}
	}
	setCondPos(c.X, p)
	setCondPos(c.Y, p)
}
