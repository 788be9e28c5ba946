package conversation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// Errors a Conversation returns; errors.Is matches them.
var (
	// ErrNotPrefix: rendering the conversation after a turn changed text
	// that is already in the model's context.
	ErrNotPrefix = errors.New("conversation: the template is not prefix-stable")
	// ErrEndOfTurn: the model ended its message with a token that is not the
	// template's end of turn, or the template's end of turn is not one of
	// the model's end-of-generation tokens.
	ErrEndOfTurn = errors.New("conversation: end of turn")
)

// Error is a Conversation's error: Kind (ErrNotPrefix, ErrEndOfTurn, or
// the chat package's error) and what happened.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

// Options configure a Conversation.
type Options struct {
	// Render is what the template gets besides the messages: bos_token,
	// eos_token, the clock strftime_now reads, kwargs such as
	// enable_thinking. NoGenerationPrompt must be false: every turn ends
	// where the model's next message begins.
	Render chat.Options
	// Format is the call format the model writes. With a format whose
	// messages end with their calls (the native ones: nothing follows the
	// calls in a message), a message that holds calls goes back as an
	// OpenAI assistant message with tool_calls (Format.ParseWritten: the
	// name, the arguments text as the model wrote it, the model's id where
	// the format has one, else one the conversation issues) and the text
	// before the calls as content; each call is answered by its own tool
	// message, in order. Templates differ in what they print of such a
	// message (the content before the calls, trimmed, or only the
	// content), so the first of those spellings whose rendering is what
	// the model wrote is kept (the prefix check decides). Other formats,
	// and no format: the model's text as content.
	Format decoder.Format
	// Assistant builds the assistant message for the model's text of one
	// turn, overriding Format; nil gives the above. A message with
	// tool_calls may leave out their ids: the conversation gives them.
	Assistant func(text string) (chat.Value, error)
	// FoldSystem: when the template does not keep the conversation's text
	// in place once the model answers (Mistral's print the system message
	// with the last user message only), fold a leading system message into
	// the first user message ("system\n\nuser") and try again. Without it,
	// or when folding does not help, New refuses with ErrNotPrefix.
	FoldSystem bool
}

// EndOfTurn is how the template ends an assistant message.
type EndOfTurn struct {
	// Markup is the template's text right after an assistant message's
	// content, up to the next content (`<|im_end|>\n`, `<|eot_id|>`).
	Markup string
	// Token is the model's token its first special token is, when that is
	// one of the model's end-of-generation tokens; -1 otherwise.
	Token int
	// TokenText is the text Token spells (`<|im_end|>`).
	TokenText string
}

// Conversation is one chat between a model and its environment, rendered
// by a chat template turn by turn. It implements decoder.Turns; Run ties
// it to decoder.Run. Not safe for concurrent use.
type Conversation struct {
	b        decoder.Backend
	tmpl     *chat.Template
	opts     Options
	conv     chat.Conversation // messages so far
	prompt   decoder.Prompt    // the first rendering, with the generation prompt
	decoded  string            // the rendered conversation the context holds, in the template's spelling
	end      EndOfTurn
	calls    int      // tool-call ids issued
	open     []string // ids of calls in the last assistant message not answered yet
	openFor  []string // their tool names
	trimmed  int
	ended    int  // turns the model ended with the end-of-turn token
	folded   bool // the system message was folded into the first user message
	spell    int  // the assistant spelling (candidate) the template printed last
	untooled int  // messages with calls put back without tool_calls
	drops    bool // the template drops the content of a message with tool_calls
}

// New renders c with t (the generation prompt included) for backend b,
// whose tokenizer turns it into tokens and whose vocabulary has the
// template's end-of-turn token.
func New(b decoder.Backend, t *chat.Template, c chat.Conversation, o Options) (*Conversation, error) {
	if o.Render.NoGenerationPrompt {
		return nil, fmt.Errorf("conversation: Options.Render.NoGenerationPrompt must be false: every turn ends with the prompt for the model's next message")
	}
	cv := &Conversation{b: b, tmpl: t, opts: o, conv: chat.Conversation{Messages: slices.Clone(c.Messages), Tools: c.Tools}}
	r, err := cv.stable()
	if errors.Is(err, ErrNotPrefix) && o.FoldSystem {
		if msgs, ok := foldSystem(cv.conv.Messages); ok {
			saved := cv.conv.Messages
			cv.conv.Messages = msgs
			if r, err = cv.stable(); err == nil {
				cv.folded = true
			} else {
				cv.conv.Messages = saved
			}
		}
	}
	if err != nil {
		return nil, err
	}
	cv.prompt = prompt(r.Pieces)
	cv.decoded = r.String()
	if cv.end, err = findEndOfTurn(b, t, c.Tools, o.Render); err != nil {
		return nil, err
	}
	cv.drops = cv.dropsTextBeforeCalls()
	return cv, nil
}

// dropsTextBeforeCalls renders the conversation with an assistant message
// that has content and a tool call and reports that the content is not in
// the rendering (Llama 3.1's and Mistral's templates print only the calls).
// A template that refuses the probe is taken as keeping the content.
func (c *Conversation) dropsTextBeforeCalls() bool {
	name := "probe_tool"
	if len(c.conv.Tools) > 0 {
		if fn, ok := c.conv.Tools[0].Get("function"); ok {
			if n, ok := fn.Get("name"); ok && n.Kind == chat.String {
				name = n.Str
			}
		}
	}
	const text = "specplan text before calls"
	call := object("id", chat.Str("call00000"), "type", chat.Str("function"),
		"function", object("name", chat.Str(name), "arguments", chat.Str("{}")))
	msg := object("role", chat.Str("assistant"), "content", chat.Str(text), "tool_calls", chat.Value{Kind: chat.Array, Items: []chat.Value{call}})
	ro := c.opts.Render
	ro.NoGenerationPrompt = true
	r, err := c.tmpl.Render(chat.Conversation{Messages: append(slices.Clone(c.conv.Messages), msg), Tools: c.conv.Tools}, ro)
	return err == nil && !strings.Contains(r.String(), text)
}

// DropsTextBeforeCalls reports that the template prints only the calls of
// an assistant message with tool_calls, dropping its content. NewIndex
// then compiles the format with decoder.Format.WithCallsOnly, so the
// model never writes text before a call that the next rendering would
// not show it.
func (c *Conversation) DropsTextBeforeCalls() bool { return c.drops }

// stable renders the conversation with the generation prompt and checks
// that an assistant message after it keeps that text in place, so the
// refusal comes before anything is decoded.
func (c *Conversation) stable() (chat.Rendered, error) {
	r, err := c.tmpl.Render(c.conv, c.opts.Render)
	if err != nil {
		return r, err
	}
	ro := c.opts.Render
	ro.NoGenerationPrompt = true
	probe, err := c.tmpl.Render(chat.Conversation{Messages: append(slices.Clone(c.conv.Messages), message("assistant", probeContent)), Tools: c.conv.Tools}, ro)
	if err != nil {
		return r, err
	}
	if full, want := probe.String(), r.String(); !strings.HasPrefix(full, want) {
		return r, c.notPrefix(full, want, "the conversation before the model's first message")
	}
	return r, nil
}

// foldSystem puts a leading system message's text in front of the first
// user message's, when both are strings.
func foldSystem(msgs []chat.Value) ([]chat.Value, bool) {
	if len(msgs) < 2 {
		return nil, false
	}
	r0, _ := msgs[0].Get("role")
	r1, _ := msgs[1].Get("role")
	c0, _ := msgs[0].Get("content")
	c1, _ := msgs[1].Get("content")
	if r0.Str != "system" || r1.Str != "user" || c0.Kind != chat.String || c1.Kind != chat.String {
		return nil, false
	}
	return append([]chat.Value{message("user", c0.Str+"\n\n"+c1.Str)}, msgs[2:]...), true
}

// Folded reports that the system message was folded into the first user
// message (Options.FoldSystem).
func (c *Conversation) Folded() bool { return c.folded }

// prompt converts chat pieces to decoder pieces.
func prompt(ps []chat.Piece) decoder.Prompt {
	out := make(decoder.Prompt, 0, len(ps))
	for _, p := range ps {
		if p.Text != "" {
			out = append(out, decoder.PromptPiece{Text: p.Text, Markup: p.Markup})
		}
	}
	return out
}

// probeContent is the assistant content findEndOfTurn looks for; any plain
// text the templates print as it is would do.
const probeContent = "probe"

// findEndOfTurn renders a user and an assistant message and reads the
// markup after the assistant's content.
func findEndOfTurn(b decoder.Backend, t *chat.Template, tools []chat.Value, ro chat.Options) (EndOfTurn, error) {
	end := EndOfTurn{Token: -1}
	ro.NoGenerationPrompt = true
	r, err := t.Render(chat.Conversation{Messages: []chat.Value{
		message("user", "question"), message("assistant", probeContent)}, Tools: tools}, ro)
	if err != nil {
		return end, fmt.Errorf("conversation: %s: rendering a user and an assistant message to find the end of turn: %w", t.Name(), err)
	}
	k := -1
	for i := len(r.Pieces) - 1; i >= 0; i-- {
		if !r.Pieces[i].Markup && strings.TrimSpace(r.Pieces[i].Text) == probeContent {
			k = i
			break
		}
	}
	if k < 0 {
		return end, &Error{Kind: ErrEndOfTurn, Msg: fmt.Sprintf("conversation: %s does not print an assistant message's content", t.Name())}
	}
	for _, p := range r.Pieces[k+1:] {
		if !p.Markup {
			break
		}
		end.Markup += p.Text
	}
	if end.Markup == "" {
		return end, nil
	}
	const maxEnd = 256
	m := end.Markup
	if len(m) > maxEnd {
		m = m[:maxEnd]
	}
	toks, err := b.Tokenize(m, false, true)
	if err != nil || len(toks) == 0 || !b.Vocab().IsEOG(toks[0]) {
		return end, err
	}
	end.Token = toks[0]
	for n := 1; n <= len(m); n++ {
		if one, err := b.Tokenize(m[:n], false, true); err == nil && len(one) == 1 && one[0] == end.Token {
			end.TokenText = m[:n]
			break
		}
	}
	if end.TokenText == "" {
		end.Token = -1
	}
	return end, nil
}

// message is {"role": role, "content": content}.
func message(role, content string) chat.Value {
	return object("role", chat.Str(role), "content", chat.Str(content))
}

// object builds a JSON object from key, value pairs.
func object(kv ...any) chat.Value {
	v := chat.Value{Kind: chat.Object}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Members = append(v.Members, chat.Member{Key: kv[i].(string), Value: kv[i+1].(chat.Value)})
	}
	return v
}

// Prompt is the conversation as first rendered, with the generation
// prompt: what the model's context starts with.
func (c *Conversation) Prompt() decoder.Prompt { return slices.Clone(c.prompt) }

// Text is the conversation as rendered so far, in the template's spelling
// (the context holds it, apart from trimmed whitespace; see Trimmed).
func (c *Conversation) Text() string { return c.decoded }

// Messages are the conversation's messages so far: the given ones, then
// each assistant and tool message of the run.
func (c *Conversation) Messages() []chat.Value { return slices.Clone(c.conv.Messages) }

// EndOfTurn is how the template ends an assistant message.
func (c *Conversation) EndOfTurn() EndOfTurn { return c.end }

// Trimmed counts the turns whose trailing whitespace the template dropped
// from the model's message (the context keeps it).
func (c *Conversation) Trimmed() int { return c.trimmed }

// ModelEnded counts the turns before the last that the model ended itself
// with the end-of-turn token (the others the constraint ended: the
// template's markup closed them).
func (c *Conversation) ModelEnded() int { return c.ended }

// Vocab is v with the end-of-generation tokens narrowed to the template's
// end of turn, so a session built on it ends the model's messages (and the
// run) only the way the template does. Other EOG tokens are never allowed:
// their pieces are emptied as well, in case one has text. v is not changed.
func (c *Conversation) Vocab(v *decoder.Vocab) *decoder.Vocab {
	if c.end.Token < 0 {
		return v
	}
	out := *v
	out.EOG = []int{c.end.Token}
	out.Pieces = slices.Clone(v.Pieces)
	out.Special = slices.Clone(v.Special)
	for _, e := range v.EOG {
		if e != c.end.Token && e >= 0 && e < len(out.Pieces) {
			out.Pieces[e] = nil
			out.Special[e] = true
		}
	}
	return &out
}

// plainName is chat's rule for names that reach a template raw.
var plainName = regexp.MustCompile(`^[A-Za-z0-9_.:$@-]{1,128}$`)

// nextID issues the next tool-call id: 9 letters and digits.
func (c *Conversation) nextID() string {
	c.calls++
	return fmt.Sprintf("call%05d", c.calls%100000)
}

// Next implements decoder.Turns: it appends the model's message and a tool
// message for each of the environment's events at this boundary (the last
// env of events), renders the conversation with the next generation
// prompt, checks that it continues the text in the context, and returns
// the rest.
func (c *Conversation) Next(msg []byte, eog int, events []ltl.Event, env int) (decoder.Prompt, error) {
	if len(events) == 0 || env < 1 || env > len(events) {
		return nil, fmt.Errorf("conversation: Next with %d environment events of %d", env, len(events))
	}
	if eog >= 0 && eog != c.end.Token {
		want := "none: the template's end of turn is not an end-of-generation token of this model"
		if c.end.Token >= 0 {
			want = fmt.Sprintf("%d %q", c.end.Token, c.end.TokenText)
		}
		return nil, &Error{Kind: ErrEndOfTurn, Msg: fmt.Sprintf("conversation: %s: the model ended its message with token %d; the template's end of turn is %s (build the session on Conversation.Vocab)", c.tmpl.Name(), eog, want)}
	}
	text := string(msg)
	spellings, err := c.assistant(text)
	if err != nil {
		return nil, err
	}
	before := events[:len(events)-env]
	var tms []chat.Value
	for _, ev := range events[len(events)-env:] {
		tms = append(tms, c.toolMessage(ev, before))
	}
	// The spelling that worked last is tried first (a template prints
	// every message the same way), unless it was the one without
	// tool_calls, which comes last whenever another renders.
	order := []int{}
	if c.spell < len(spellings) && c.spell != untooledSpelling {
		order = append(order, c.spell)
	}
	for k := range spellings {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	var first error
	for _, k := range order {
		conv := chat.Conversation{Messages: append(append(slices.Clone(c.conv.Messages), spellings[k]), tms...), Tools: c.conv.Tools}
		r, err := c.tmpl.Render(conv, c.opts.Render)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		full := r.String()
		at, trimmed, err := c.continues(full, text, eog >= 0)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		c.spell = k
		if k == untooledSpelling {
			c.untooled++
		}
		c.conv = conv
		if trimmed {
			c.trimmed++
		}
		if eog >= 0 {
			c.ended++
		}
		c.decoded = full
		return cut(r.Pieces, at), nil
	}
	if e := (*Error)(nil); errors.As(first, &e) && e.Kind == ErrNotPrefix && len(spellings) > 1 {
		return nil, &Error{Kind: ErrNotPrefix, Msg: e.Msg + "; no way of putting the message back with its tool_calls renders it as the model wrote it (a template that drops the text before a message's calls cannot run a spec that lets the model write steps before its calls; a number is printed back canonically, 12.5 for 12.50)"}
	}
	return nil, first
}

// untooledSpelling is the index of the spelling without tool_calls.
const untooledSpelling = 3

// Untooled counts the assistant messages with calls put back without
// tool_calls, as the model's text, because the template would not print
// the text before the calls (Options.Format).
func (c *Conversation) Untooled() int { return c.untooled }

// continues checks that full starts with the context's text followed by
// the model's message (and its end-of-turn token, when the model wrote
// it), and returns where the part still to decode starts.
func (c *Conversation) continues(full, text string, wroteEnd bool) (at int, trimmed bool, err error) {
	if !strings.HasPrefix(full, c.decoded) {
		return 0, false, c.notPrefix(full, c.decoded, "the conversation before the model's message")
	}
	rest := full[len(c.decoded):]
	switch {
	case strings.HasPrefix(rest, text):
		rest = rest[len(text):]
	case strings.HasPrefix(rest, strings.TrimRightFunc(text, unicode.IsSpace)):
		// The template trims the message: the context keeps the
		// model's whitespace, the conversation goes on without it.
		rest = rest[len(strings.TrimRightFunc(text, unicode.IsSpace)):]
		trimmed = true
	default:
		return 0, false, c.notPrefix(full, c.decoded+text, "the model's message")
	}
	if wroteEnd {
		if !strings.HasPrefix(rest, c.end.TokenText) {
			return 0, false, c.notPrefix(full, full[:len(full)-len(rest)]+c.end.TokenText, "the end of the model's message")
		}
		rest = rest[len(c.end.TokenText):]
	}
	return len(full) - len(rest), trimmed, nil
}

func (c *Conversation) notPrefix(full, want, what string) error {
	i := 0
	for i < len(full) && i < len(want) && full[i] == want[i] {
		i++
	}
	show := func(s string) string {
		lo, hi := max(0, i-20), min(len(s), i+20)
		return fmt.Sprintf("%q", s[lo:hi])
	}
	return &Error{Kind: ErrNotPrefix, Msg: fmt.Sprintf("conversation: %s is not prefix-stable: rendered after turn %d, %s differs from the model's context at byte %d (%s where the context has %s); a template that rewrites earlier turns as the conversation grows cannot be decoded turn by turn",
		c.tmpl.Name(), c.turns()+1, what, i, show(full), show(want))}
}

func (c *Conversation) turns() int {
	n := 0
	for _, m := range c.conv.Messages {
		if r, _ := m.Get("role"); r.Str == "tool" {
			n++
		}
	}
	return n
}

// assistant builds the model's message, in each spelling worth trying
// (see Options.Format), and notes the ids of its calls.
func (c *Conversation) assistant(text string) ([]chat.Value, error) {
	c.open, c.openFor = nil, nil
	if c.opts.Assistant != nil {
		m, err := c.opts.Assistant(text)
		if err != nil {
			return nil, err
		}
		return []chat.Value{c.withIDs(m)}, nil
	}
	f := c.opts.Format
	if !f.Valid() || f.Spec().StepsAfterCalls {
		return []chat.Value{message("assistant", text)}, nil
	}
	ws, err := f.ParseWritten([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("conversation: %s: reading the model's message back: %w", f, err)
	}
	var calls []chat.Value
	at := len(text)
	for _, w := range ws {
		if !w.Event.IsCall() {
			continue
		}
		if calls == nil {
			at = w.Offset
		}
		id := w.ID
		if id == "" {
			id = c.nextID()
		}
		calls = append(calls, object("id", chat.Str(id), "type", chat.Str("function"),
			"function", object("name", chat.Str(w.Event.Tool), "arguments", chat.Str(w.Args))))
		c.open = append(c.open, id)
		c.openFor = append(c.openFor, w.Event.Tool)
	}
	if calls == nil {
		return []chat.Value{message("assistant", text)}, nil
	}
	tc := chat.Value{Kind: chat.Array, Items: calls}
	with := func(content string) chat.Value {
		return object("role", chat.Str("assistant"), "content", chat.Str(content), "tool_calls", tc)
	}
	// Qwen prints "\n" + content before each call's "\n<tool_call>"; a
	// template that prints content only (Granite 3.3) needs all of it.
	// Always the four, so that Conversation.spell names the same
	// spelling for every message. The last, without tool_calls, is for
	// templates that print only the calls of a message with tool_calls
	// (Llama 3.1's): a message with text before its calls is then put
	// back as the model's text (Untooled counts them).
	content := text[:at]
	return []chat.Value{with(content), with(strings.TrimSuffix(content, "\n")), with(text), message("assistant", text)}, nil
}

// withIDs gives the tool calls of m that have no id one, and notes them.
func (c *Conversation) withIDs(m chat.Value) chat.Value {
	m = members(slices.Clone(m.Members)).obj()
	for i, mem := range m.Members {
		if mem.Key != "tool_calls" || mem.Value.Kind != chat.Array {
			continue
		}
		calls := slices.Clone(mem.Value.Items)
		for j, tc := range calls {
			fn, _ := tc.Get("function")
			name, _ := fn.Get("name")
			id, ok := tc.Get("id")
			if !ok {
				id = chat.Str(c.nextID())
				tc.Members = append([]chat.Member{{Key: "id", Value: id}}, tc.Members...)
				calls[j] = tc
			}
			c.open = append(c.open, id.Str)
			c.openFor = append(c.openFor, name.Str)
		}
		m.Members[i].Value = chat.Value{Kind: chat.Array, Items: calls}
	}
	return m
}

type members []chat.Member

func (ms members) obj() chat.Value { return chat.Value{Kind: chat.Object, Members: ms} }

// toolMessage is the environment's event as a tool message answering the
// oldest unanswered call of the model's message, or else the last call
// before it.
func (c *Conversation) toolMessage(ev ltl.Event, before []ltl.Event) chat.Value {
	var id, name string
	if len(c.open) > 0 {
		id, name = c.open[0], c.openFor[0]
		c.open, c.openFor = c.open[1:], c.openFor[1:]
	} else {
		id = c.nextID()
		for i := len(before) - 1; i >= 0; i-- {
			if before[i].IsCall() {
				name = before[i].Tool
				break
			}
		}
	}
	m := object("role", chat.Str("tool"), "tool_call_id", chat.Str(id))
	if plainName.MatchString(name) {
		m.Members = append(m.Members, chat.Member{Key: "name", Value: chat.Str(name)})
	}
	m.Members = append(m.Members, chat.Member{Key: "content", Value: chat.Str(ev.Text)})
	return m
}

// cut returns the pieces from byte offset at on.
func cut(ps []chat.Piece, at int) decoder.Prompt {
	var out []chat.Piece
	pos := 0
	for _, p := range ps {
		end := pos + len(p.Text)
		switch {
		case end <= at:
		case pos >= at:
			out = append(out, p)
		default:
			out = append(out, chat.Piece{Text: p.Text[at-pos:], Markup: p.Markup})
		}
		pos = end
	}
	return prompt(out)
}

// Run decodes the conversation's prompt on b and runs session s on it turn
// by turn (decoder.Run with the conversation as RunOptions.Turns). The
// session should be built on Vocab(b.Vocab()). The model's last message is
// added to Messages when the run returns.
func (c *Conversation) Run(ctx context.Context, b decoder.Backend, s *decoder.Session, opts decoder.RunOptions) (decoder.RunResult, error) {
	toks, err := decoder.TokenizePrompt(b, c.prompt, false)
	if err != nil {
		return decoder.RunResult{}, err
	}
	opts.Turns = c
	res, err := decoder.Run(ctx, b, s, toks, opts)
	if n := len(res.Segments); n > 0 && res.Segments[n-1].Source == decoder.SourceModel {
		if ms, aerr := c.assistant(string(res.Segments[n-1].Text)); aerr == nil {
			c.conv.Messages = append(c.conv.Messages, ms[min(c.spell, len(ms)-1)])
		}
	}
	return res, err
}
