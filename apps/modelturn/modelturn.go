// Package modelturn runs the model's turns of an app run (apps.Goal.Run)
// on a language model through package decoder: one turn, one action.
//
// Contract:
//   - Constrained (the default): the turn's mask admits exactly the
//     tracker's allowed moves (apps.Turn.Allowed: the believed screen's
//     transitions that keep the goal reachable), bound when the turn
//     starts: the turn's spec is apps.App.TurnSpec of those moves, one call
//     and nothing after it, compiled with the app's tool schemas. The
//     compiled constraint (decoder.Index) is cached by the spec's text, so
//     a screen seen again reuses its masks.
//   - Unconstrained: the same prompt, format and tools, no mask; the
//     model's message is parsed with the format's parser and its first
//     call is the action. A message without a call is ErrNoAction.
//   - The prompt is the model's chat template (or Options.Template) over a
//     system message (decoder.Instructions for the app's tools, then the
//     app in words, apps.App.Describe) and a user message: the goal, the
//     believed screen, what it shows, and the last actions with their
//     outcomes. A run is one conversation in the model's context: each
//     later turn decodes only a tool message answering the model's last
//     action (what followed it, the runtime's rollback included, and the
//     screen now) and the next generation prompt. Where the context is
//     nearly full, or the template does not continue the conversation in
//     place, the conversation starts over from a fresh prompt (the backend
//     is Reset), so a run of any length fits.
//
// What the model shows, labels included, is untrusted: it reaches the
// model as message content, tokenized without special tokens.
package modelturn

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/apps"
	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// Model is a decoder.Backend that knows its GGUF file (where its chat
// template is read). *llama.Model is one.
type Model interface {
	decoder.Backend
	Path() string
}

// Options configure a Chooser.
type Options struct {
	// Unconstrained: no mask (the baseline).
	Unconstrained bool
	// Format is the call syntax; the zero Format is the template's native
	// one (conversation.FormatFor).
	Format decoder.Format
	// Template replaces the model's chat template.
	Template *conversation.Template
	// MaxTokens is each turn's token budget (DefaultMaxTokens when 0):
	// a constrained turn is steered to finish its call within it (raised
	// to the shortest allowed call where that is longer).
	MaxTokens int
	Sampler   decoder.SamplerOptions
	// History is how many of the last actions the prompt lists
	// (DefaultHistory when 0).
	History int
	// Inputs are the app's $ref values.
	Inputs map[string]any
	// Spec are the limits turn specs compile under.
	Spec specplan.Options
}

// Defaults of Options.
const (
	DefaultMaxTokens = 48
	DefaultHistory   = 6
)

// ErrNoAction: an unconstrained model wrote no call. It is an
// apps.ErrNoMove, so the run ends unrecoverable with that report.
var ErrNoAction = fmt.Errorf("modelturn: the model wrote no action: %w", apps.ErrNoMove)

// Chooser is an apps.Chooser on a model. It holds the model's one
// sequence: turns run one at a time.
type Chooser struct {
	app      *apps.App
	model    Model
	opts     Options
	tmpl     conversation.Template
	compiled *chat.Template
	format   decoder.Format
	system   string

	shared *shared
}

// shared is what copies of a Chooser (WithSeed) have in common: the
// model's one sequence and the compiled turn constraints.
type shared struct {
	mu      sync.Mutex
	indexes map[string]*decoder.Index
	turns   int
	tokens  int
	prompt  int // prompt tokens decoded
}

// New prepares a chooser for app on model m.
func New(app *apps.App, m Model, o Options) (*Chooser, error) {
	if o.MaxTokens <= 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	if o.History <= 0 {
		o.History = DefaultHistory
	}
	if err := o.Sampler.Check(); err != nil {
		return nil, err
	}
	c := &Chooser{app: app, model: m, opts: o, shared: &shared{indexes: map[string]*decoder.Index{}}}
	var err error
	if o.Template != nil {
		c.tmpl = *o.Template
	} else if c.tmpl, err = conversation.ModelTemplate(m.Path(), false, chat.GGUFLimits{}); err != nil {
		return nil, err
	}
	c.format = o.Format
	if !c.format.Valid() {
		c.format, _, _ = conversation.FormatFor(c.tmpl.Source)
	}
	var catalog []ltl.CatalogTool
	schemas := app.ToolSchemas()
	for _, t := range app.Tools() {
		catalog = append(catalog, ltl.CatalogTool{Name: t, Parameters: schemas[t]})
	}
	c.system = decoder.Instructions(c.format, nil, nil, catalog, app.Tools()) +
		"\nYou operate a phone app, one action per message.\n" + app.Describe()
	if c.compiled, err = chat.Compile(c.tmpl.Name, c.tmpl.Source, chat.TemplateLimits{}); err != nil {
		return nil, err
	}
	return c, nil
}

// Stats are the model turns run, the tokens they generated and the prompt
// tokens decoded before them, over all its runs.
func (c *Chooser) Stats() (turns, tokens, prompt int) {
	c.shared.mu.Lock()
	defer c.shared.mu.Unlock()
	return c.shared.turns, c.shared.tokens, c.shared.prompt
}

// Format is the call format the model writes.
func (c *Chooser) Format() decoder.Format { return c.format }

// Prompt is the first user message of a run's conversation (or of one
// started over): the task, the last actions, the screen now.
func (c *Chooser) Prompt(t apps.Turn) string {
	var b strings.Builder
	b.WriteString("Reach the goal of the app.\n")
	if n := len(t.Trace); n > 0 {
		b.WriteString("Last actions:\n")
		for _, l := range t.Trace[max(0, n-c.opts.History):] {
			writeLine(&b, l)
		}
	}
	writeScreen(&b, t)
	b.WriteString("Your next action:")
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "an unrecognised screen"
	}
	return s
}

func message(role, content string) chat.Value {
	return chat.Value{Kind: chat.Object, Members: []chat.Member{{Key: "role", Value: chat.Str(role)}, {Key: "content", Value: chat.Str(content)}}}
}

// Run is one app run's model side: the conversation of its turns in the
// model's context. It implements apps.Chooser; make one per run
// (Chooser.NewRun).
type Run struct {
	c       *Chooser
	seed    int64
	conv    *conversation.Conversation
	lastMsg []byte
	lastEOG int
	lastEv  ltl.Event
	seen    int // trace lines already told to the model
}

// NewRun starts a run that samples with seed. Runs share the chooser's
// model and compiled constraints: their turns run one at a time.
func (c *Chooser) NewRun(seed int64) *Run { return &Run{c: c, seed: seed} }

// Choose runs one model turn and returns its action.
func (r *Run) Choose(ctx context.Context, t apps.Turn) (apps.Call, error) {
	c := r.c
	c.shared.mu.Lock()
	defer c.shared.mu.Unlock()
	toks, err := r.next(t)
	if err != nil {
		return apps.Call{}, err
	}
	c.shared.prompt += len(toks)
	sampler := c.opts.Sampler
	sampler.Seed = r.seed + int64(t.Step)*1_000_003 // a stream per turn
	c.shared.turns++
	var g decoder.Result
	var call apps.Call
	if c.opts.Unconstrained {
		g, err = decoder.Generate(ctx, c.model, noMask{}, toks, decoder.GenerateOptions{MaxTokens: c.opts.MaxTokens, Sampler: sampler})
		c.shared.tokens += len(g.Tokens)
		if err != nil {
			return apps.Call{}, err
		}
		r.remember(g)
		evs, perr := c.format.Parse(r.lastMsg)
		for _, ev := range evs {
			if ev.Tool != "" && perr == nil {
				call = apps.Call{Tool: ev.Tool, Args: ev.Args}
				break
			}
		}
		if call.Tool == "" {
			return apps.Call{}, ErrNoAction
		}
	} else {
		spec, err := c.app.TurnSpec(t.Allowed, c.opts.Inputs)
		if err != nil {
			return apps.Call{}, err
		}
		ix, err := c.index(r.conv, spec)
		if err != nil {
			return apps.Call{}, err
		}
		budget, err := ix.FitBudget(c.opts.MaxTokens)
		if err != nil {
			return apps.Call{}, err
		}
		s, err := ix.Start(decoder.SessionOptions{MaxTokens: budget})
		if err != nil {
			return apps.Call{}, err
		}
		g, err = decoder.Generate(ctx, c.model, s, toks, decoder.GenerateOptions{MaxTokens: budget, Sampler: sampler})
		c.shared.tokens += len(g.Tokens)
		if err != nil {
			return apps.Call{}, err
		}
		r.remember(g)
		for _, ev := range s.Events() {
			if ev.Tool != "" {
				call = apps.Call{Tool: ev.Tool, Args: ev.Args}
				break
			}
		}
		if call.Tool == "" {
			return apps.Call{}, fmt.Errorf("modelturn: the constrained turn ended (%s) without its call", g.Stop)
		}
	}
	r.lastEv = call.Event()
	r.seen = len(t.Trace)
	return call, nil
}

// remember keeps the model's message of the turn (without the text of the
// end-of-generation token) for the next turn's conversation.
func (r *Run) remember(g decoder.Result) {
	r.lastMsg, r.lastEOG = g.Text, -1
	if g.Stop == decoder.StopEOG && len(g.Tokens) > 0 {
		last := g.Tokens[len(g.Tokens)-1]
		r.lastMsg = g.Text[:len(g.Text)-len(r.c.model.Vocab().Pieces[last])]
		r.lastEOG = last
	}
}

// minRoom is the context a turn needs left (its budget, a tool message):
// with less the conversation starts over from a fresh prompt.
func (r *Run) minRoom() int { return 4*r.c.opts.MaxTokens + 256 }

// next is the tokens to decode before the turn: the whole prompt on the
// first turn (or when the context is nearly full, or the template will not
// continue the conversation), else the tool message answering the last
// action (what happened since, rollback included, and the screen now) and
// the next generation prompt.
func (r *Run) next(t apps.Turn) ([]int, error) {
	c := r.c
	if r.conv != nil && c.model.ContextSize()-c.model.Position() >= r.minRoom() {
		obs := ltl.Event{Step: "observation", Text: r.observation(t)}
		p, err := r.conv.Next(r.lastMsg, r.lastEOG, []ltl.Event{r.lastEv, obs}, 1)
		if err == nil {
			toks, err := decoder.TokenizePrompt(c.model, p, false)
			if err == nil && c.model.ContextSize()-c.model.Position()-len(toks) >= r.minRoom()/2 {
				return toks, nil
			}
		}
	}
	conv, err := conversation.New(c.model, c.compiled, chat.Conversation{Messages: []chat.Value{message("system", c.system), message("user", c.Prompt(t))}},
		conversation.Options{Render: chat.Options{BOS: c.tmpl.BOS, EOS: c.tmpl.EOS}, Format: c.format, FoldSystem: true})
	if err != nil {
		return nil, err
	}
	toks, err := decoder.TokenizePrompt(c.model, conv.Prompt(), false)
	if err != nil {
		return nil, err
	}
	if err := c.model.Reset(); err != nil {
		return nil, err
	}
	r.conv = conv
	return toks, nil
}

// observation is the tool message of the model's last action: each action
// since (the model's, then the runtime's rollback) with what followed it,
// and the screen now.
func (r *Run) observation(t apps.Turn) string {
	var b strings.Builder
	for _, l := range t.Trace[min(r.seen, len(t.Trace)):] {
		writeLine(&b, l)
	}
	writeScreen(&b, t)
	return b.String()
}

func writeLine(b *strings.Builder, l apps.TraceLine) {
	by := ""
	if l.Rollback {
		by = " (rollback by the runtime)"
	}
	seen := "the device could not do it"
	if l.Result != nil {
		seen = "observed " + orUnknown(l.Result.Screen)
	}
	fmt.Fprintf(b, "%d. %s on %s%s: %s, %s\n", l.Step, l.Call, orUnknown(l.Screen), by, seen, l.Outcome)
}

func writeScreen(b *strings.Builder, t apps.Turn) {
	fmt.Fprintf(b, "Now on screen %s. It shows: %s.\n", t.Screen, strings.Join(t.Observation.Shows, ", "))
	if len(t.Observation.Checked) > 0 {
		fmt.Fprintf(b, "Checked: %s.\n", strings.Join(t.Observation.Checked, ", "))
	}
}

// index compiles (once per spec text) the turn's constraint.
func (c *Chooser) index(conv *conversation.Conversation, spec string) (*decoder.Index, error) {
	if ix, ok := c.shared.indexes[spec]; ok {
		return ix, nil
	}
	compiled, err := specplan.Compile(c.app.Name+"_turn.ltl", []byte(spec), c.opts.Spec)
	if err != nil {
		return nil, fmt.Errorf("modelturn: the turn spec: %w", err)
	}
	schemas := c.app.ToolSchemas()
	ix, err := conv.NewIndex(c.model, decoder.FromDFA(compiled.DFA()), decoder.IndexOptions{Format: c.format, Tools: schemas})
	if err != nil {
		return nil, err
	}
	c.shared.indexes[spec] = ix
	return ix, nil
}

// Indexes is how many distinct turn constraints were compiled.
func (c *Chooser) Indexes() int {
	c.shared.mu.Lock()
	defer c.shared.mu.Unlock()
	return len(c.shared.indexes)
}

// Index is the compiled constraint of a turn with these allowed moves (for
// tests that compare its masks with the tracker's set).
func (c *Chooser) Index(t apps.Turn) (*decoder.Index, error) {
	c.shared.mu.Lock()
	defer c.shared.mu.Unlock()
	conv, err := conversation.New(c.model, c.compiled, chat.Conversation{Messages: []chat.Value{message("system", c.system), message("user", c.Prompt(t))}},
		conversation.Options{Render: chat.Options{BOS: c.tmpl.BOS, EOS: c.tmpl.EOS}, Format: c.format, FoldSystem: true})
	if err != nil {
		return nil, err
	}
	spec, err := c.app.TurnSpec(t.Allowed, c.opts.Inputs)
	if err != nil {
		return nil, err
	}
	return c.index(conv, spec)
}

type noMask struct{}

func (noMask) ApplyMask([]float32) {}
func (noMask) Forced() (int, bool) { return 0, false }
func (noMask) Accept(int) error    { return nil }
func (noMask) Done() bool          { return false }
func (noMask) SetBudget(n int)     {}
