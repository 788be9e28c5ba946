package decoder

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/specplan/specplan/automata"
	"github.com/specplan/specplan/internal/strictjson"
)

// ToolChoiceMode is OpenAI's tool_choice mode.
type ToolChoiceMode uint8

const (
	ChoiceAuto     ToolChoiceMode = iota // the model may call a tool or not
	ChoiceRequired                       // every model turn calls at least one tool
	ChoiceNone                           // no tool calls
)

// ToolChoice restricts the tool calls of every model turn, on top of the
// spec (the constraint allows their intersection): OpenAI's tool_choice.
//
//	"auto"                          ToolChoice{}
//	"required"                      ToolChoice{Mode: ChoiceRequired}
//	"none"                          ToolChoice{Mode: ChoiceNone}
//	{"type": "function", ...}       ToolChoice{Mode: ChoiceRequired, Tools: []string{name}}
//	{"type": "allowed_tools", ...}  ToolChoice{Mode: auto or required, Tools: names}
//
// Under ChoiceRequired a turn ends (EOG, or the environment's move) only
// after a call in it, and so does the run. The guarantees hold under the
// restriction: the analysis of the event automaton is redone with it, so no
// state the model reaches is a dead end and budgets count it; a restriction
// that leaves no valid output is an error before decoding.
type ToolChoice struct {
	Mode ToolChoiceMode
	// Tools, if not nil, are the only tools the model may call.
	Tools []string
}

func (c ToolChoice) String() string {
	m := [...]string{"auto", "required", "none"}[min(int(c.Mode), 2)]
	if c.Tools == nil {
		return m
	}
	return m + "[" + strings.Join(c.Tools, ",") + "]"
}

// maxToolChoiceBytes bounds a tool_choice JSON value.
const maxToolChoiceBytes = 1 << 16

// ParseToolChoice reads OpenAI's tool_choice JSON: "auto", "required",
// "none", {"type": "function", "function": {"name": N}}, or
// {"type": "allowed_tools", "allowed_tools": {"mode": "auto"|"required",
// "tools": [{"type": "function", "function": {"name": N}}, ...]}}. Keys
// match exactly; unknown and duplicate keys are errors.
func ParseToolChoice(raw []byte) (ToolChoice, error) {
	bad := func(msg string, a ...any) (ToolChoice, error) {
		return ToolChoice{}, newErr(CodeParse, "tool_choice: "+msg, a...)
	}
	if len(raw) > maxToolChoiceBytes {
		return bad("more than %d bytes (limit maxToolChoiceBytes)", maxToolChoiceBytes)
	}
	raw = bytes.TrimSpace(raw)
	var mode string
	if json.Unmarshal(raw, &mode) == nil {
		switch mode {
		case "auto":
			return ToolChoice{}, nil
		case "required":
			return ToolChoice{Mode: ChoiceRequired}, nil
		case "none":
			return ToolChoice{Mode: ChoiceNone}, nil
		}
		return bad("unknown mode %q (want auto, required or none, or an object)", mode)
	}
	obj, err := exactObject(raw, "type", "function", "allowed_tools")
	if err != nil {
		return bad("%v", err)
	}
	var typ string
	if json.Unmarshal(obj["type"], &typ) != nil {
		return bad(`"type" must be a string`)
	}
	name := func(fn json.RawMessage) (string, error) {
		f, err := exactObject(fn, "name")
		if err != nil {
			return "", err
		}
		var n string
		if json.Unmarshal(f["name"], &n) != nil || n == "" {
			return "", newErr(CodeParse, `"name" must be a non-empty string`)
		}
		return n, nil
	}
	switch typ {
	case "function":
		if obj["function"] == nil || obj["allowed_tools"] != nil {
			return bad(`type "function" takes exactly a "function" object`)
		}
		n, err := name(obj["function"])
		if err != nil {
			return bad("function: %v", err)
		}
		return ToolChoice{Mode: ChoiceRequired, Tools: []string{n}}, nil
	case "allowed_tools":
		if obj["allowed_tools"] == nil || obj["function"] != nil {
			return bad(`type "allowed_tools" takes exactly an "allowed_tools" object`)
		}
		at, err := exactObject(obj["allowed_tools"], "mode", "tools")
		if err != nil {
			return bad("allowed_tools: %v", err)
		}
		var c ToolChoice
		if err := json.Unmarshal(at["mode"], &mode); err != nil || mode != "auto" && mode != "required" {
			return bad(`allowed_tools: "mode" must be "auto" or "required"`)
		}
		if mode == "required" {
			c.Mode = ChoiceRequired
		}
		var tools []json.RawMessage
		if err := json.Unmarshal(at["tools"], &tools); err != nil || len(tools) == 0 {
			return bad(`allowed_tools: "tools" must be a non-empty list`)
		}
		for i, t := range tools {
			o, err := exactObject(t, "type", "function")
			if err != nil {
				return bad("allowed_tools: tools[%d]: %v", i, err)
			}
			if string(o["type"]) != `"function"` {
				return bad(`allowed_tools: tools[%d]: "type" must be "function"`, i)
			}
			n, err := name(o["function"])
			if err != nil {
				return bad("allowed_tools: tools[%d].function: %v", i, err)
			}
			c.Tools = append(c.Tools, n)
		}
		return c, nil
	}
	return bad("unknown type %q (want function or allowed_tools)", typ)
}

// exactObject decodes a JSON object whose keys are among keys, each at most
// once (every key present is required by the caller's checks).
func exactObject(raw json.RawMessage, keys ...string) (map[string]json.RawMessage, error) {
	v, err := strictjson.Parse(raw, strictjson.Limits{})
	if err != nil {
		return nil, err
	}
	if v.Kind() != strictjson.Object {
		return nil, newErr(CodeParse, "want a JSON object, not a JSON %s", v.Kind())
	}
	out := map[string]json.RawMessage{}
	for i := range v.Len() {
		k, val := v.Member(i)
		if !slices.Contains(keys, k.Text()) {
			return nil, newErr(CodeParse, "unknown key %q", k.Text())
		}
		out[k.Text()] = val.Raw(raw)
	}
	return out, nil
}

// restriction is a ToolChoice as the analysis sees it.
type restriction struct {
	allowed  []bool // per prog id; nil: all
	required bool
	starts   []int // event states to explore from (nil: the initial one)
}

// choiceInfo is the analysis of the event automaton under one ToolChoice.
type choiceInfo struct {
	key      string
	required bool
	info     map[int]*evInfo
	// callable says whether the choice lets a turn call tool (bound
	// symbols, compiled after the analysis, are filtered by it).
	callable func(tool string) bool
}

// turnKey is the turn restriction part of a byte state's kind: the
// ToolChoice's index in Index.choices plus one (0: none) and whether the
// current turn has called a tool yet (bit 0; tracked under ChoiceRequired).
type turnKey uint8

func (k turnKey) choice() int { return int(k >> 1) }

// maxToolChoices is how many distinct ToolChoice values one Index analyses
// (the state kind byte keeps the index in 4 bits).
const maxToolChoices = 15

// afterTurn is the turn key after prog pid's text.
func (ix *Index) afterTurn(tk turnKey, pid int32) turnKey {
	if tk != 0 && ix.pinfo[pid].kind == evCall && ix.choices[tk.choice()-1].required {
		return tk | 1
	}
	return tk
}

// choiceKey returns the turn key of c, analysing the event automaton under
// it the first time. Called with ix.mu held.
func (ix *Index) choiceKey(c ToolChoice) (turnKey, error) {
	if c.Mode > ChoiceNone {
		return 0, newErr(CodeNotAllowed, "tool_choice: unknown mode %d", c.Mode)
	}
	if c.Mode == ChoiceAuto && c.Tools == nil {
		return 0, nil
	}
	if c.Mode == ChoiceNone && c.Tools != nil {
		return 0, newErr(CodeNotAllowed, "tool_choice none names tools")
	}
	tools := slices.Clone(c.Tools)
	slices.Sort(tools)
	for i, t := range tools {
		if i > 0 && tools[i-1] == t {
			return 0, newErr(CodeNotAllowed, "tool_choice names %q twice", t)
		}
		if !slices.ContainsFunc(ix.syms, func(s automata.Symbol) bool { return s.Tool == t }) {
			return 0, newErr(CodeNotAllowed, "tool_choice names %q, which is not a tool of the spec", t)
		}
	}
	if c.Tools != nil && len(tools) == 0 {
		return 0, newErr(CodeNotAllowed, "tool_choice allows an empty list of tools (use none)")
	}
	key := ToolChoice{Mode: c.Mode, Tools: tools}.String()
	if c.Tools == nil {
		key = c.String()
	}
	for i, ch := range ix.choices {
		if ch.key == key {
			return turnKey(i+1) << 1, nil
		}
	}
	if len(ix.choices) >= maxToolChoices {
		return 0, newErr(CodeLimit, "more than %d distinct tool_choice values on one Index (limit maxToolChoices)", maxToolChoices)
	}
	r := restriction{allowed: make([]bool, len(ix.pinfo)), required: c.Mode == ChoiceRequired}
	for pid, pi := range ix.pinfo {
		r.allowed[pid] = pi.kind != evCall ||
			c.Mode != ChoiceNone && (c.Tools == nil || slices.Contains(tools, ix.syms[pi.sym].Tool))
	}
	// Explore from every event state a turn can start in, so that a
	// session may take up the choice at any turn.
	for k := range ix.info {
		if k%ix.nmodes == int(mBegin) {
			r.starts = append(r.starts, k/ix.nmodes)
		}
	}
	slices.Sort(r.starts)
	info, err := analyze(ix.ea, ix.env, ix.edges, ix.nmodes, ix.format.canEnd, r)
	if err != nil {
		return 0, err
	}
	callable := func(tool string) bool {
		return c.Mode != ChoiceNone && (c.Tools == nil || slices.Contains(tools, tool))
	}
	ix.choices = append(ix.choices, &choiceInfo{key: key, required: r.required, info: info, callable: callable})
	return turnKey(len(ix.choices)) << 1, nil
}

// SetToolChoice restricts the model's turns from now on to c (see
// ToolChoice). It may be called only at the start of a model turn: before
// the session's first token, or right after Observe. It fails, changing
// nothing, when c names a tool the spec lacks, or when no valid output is
// left under c from here (CodeUnsat), before anything is decoded; with a
// budget set, CheckBudget then says whether the rest still fits.
func (s *Session) SetToolChoice(c ToolChoice) error {
	if s.midTurn || s.ended {
		return newErr(CodeOrder, "SetToolChoice inside a model turn (call it before the turn's first token)")
	}
	s.sync()
	ix := s.ix
	ix.mu.Lock()
	defer ix.mu.Unlock()
	tk, err := ix.choiceKey(c)
	if err != nil {
		return err
	}
	st := s.curSt
	unsat := newErr(CodeUnsat, "tool_choice %s leaves no output that satisfies the spec from here", c)
	if in := ix.infoAt(int(st.q), mBegin, tk); in == nil || in.cost < 0 && st.bind == 0 {
		return unsat
	}
	ix.room(1)
	if s.gen != ix.gen.Load() {
		s.gen = ix.gen.Load()
	}
	id := ix.boundary(st.q, mBegin, tk, st.bind)
	if ix.states[id].cost < 0 {
		return unsat // only a bound call could have finished, and the choice has none
	}
	s.cur = id
	s.curSt = ix.states[s.cur]
	s.mask = nil
	return nil
}
