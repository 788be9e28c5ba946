package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/chat"
	"github.com/specplan/specplan/conversation"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// Tools is what an embedding service implements: its own tool code. Call
// performs the call of tool name with args (the arguments the model wrote,
// read as JSON: numbers are json.Number) and returns its result, any value
// encoding/json can marshal. A returned error is the call's outcome
// `fails`, its text the event's Error: the spec can branch on it, the run
// goes on. ctx is cancelled when the call's timeout (Options.CallTimeout)
// passes or the run is cancelled.
type Tools interface {
	Call(ctx context.Context, name string, args map[string]any) (result any, err error)
}

// ToolsFunc is a function that implements Tools.
type ToolsFunc func(ctx context.Context, name string, args map[string]any) (any, error)

// Call calls f.
func (f ToolsFunc) Call(ctx context.Context, name string, args map[string]any) (any, error) {
	return f(ctx, name, args)
}

// Model is the language model an agent runs: a decoder.Backend that knows
// its GGUF file, where its chat template is read. *llama.Model is one.
type Model interface {
	decoder.Backend
	Path() string
}

// DefaultMaxTemplateBytes bounds the chat template (Options.MaxTemplateBytes,
// --max-template-bytes).
const DefaultMaxTemplateBytes = 1 << 20

// Options configure an Agent. The zero value is the documented default.
type Options struct {
	// Template renders the conversation instead of the model's own chat
	// template (Name and Source; empty BOS and EOS are the model's).
	Template *conversation.Template
	// MaxTemplateBytes bounds the chat template (default
	// DefaultMaxTemplateBytes; CLI --max-template-bytes).
	MaxTemplateBytes int
	// Format is the call syntax the model writes; the zero Format is the
	// template's native one (conversation.FormatFor).
	Format decoder.Format
	// System is the system message; "" is decoder.Instructions for the
	// spec's steps and tools (the tools left out where the template's own
	// tools section shows them), followed by Plan.
	System string
	// Plan is text the default system message ends with (`plan eval` puts
	// the routine there, in both modes, so that the unconstrained model
	// sees the plan the constrained one is held to).
	Plan string
	// Render is what the template gets besides the messages (the clock,
	// kwargs such as enable_thinking); BOS and EOS are filled in.
	Render chat.Options
	// MaxTokens is the budget of model tokens over the whole run; 0 is
	// decoder.DefaultMaxTokens, or the spec's shortest valid run when that
	// takes more (decoder.Index.FitBudget).
	MaxTokens int
	Sampler   decoder.SamplerOptions
	// ToolChoice (OpenAI's tool_choice) restricts every model turn.
	ToolChoice decoder.ToolChoice
	// CallTimeout bounds each Tools.Call (0: no bound but the run's ctx).
	// A call past it is the call's failure, "timed out after …".
	CallTimeout time.Duration
	// AfterCall is called after each awaited call's outcome is recorded
	// (call has it); the events it returns are calls, with outcomes, the
	// runtime performed itself. They are recorded with
	// decoder.Session.Perform (refused, ending the run, where the spec does
	// not allow them) and shown to the model as tool messages. An error
	// ends the run.
	AfterCall func(ctx context.Context, call ltl.Event) ([]ltl.Event, error)
	// Environment, when set, answers the decoder's environment steps
	// instead of Tools (plan generate's canned --observation:
	// decoder.CannedEnvironment). It gets the spec's environment steps
	// (decoder.Index.EnvSteps) and is called once per run.
	Environment func(envSteps []string) (decoder.Environment, error)
	// Unconstrained runs without the mask (see the package doc).
	Unconstrained bool
	// MaxResultBytes bounds a tool's result as JSON text and its error
	// text (default decoder.MaxResultBytes, 1 MiB); a larger result is the
	// call's failure naming the limit.
	MaxResultBytes int
	// OnStep is called with each trace entry as it happens: the model's
	// events when its turn hands over, each outcome, each runtime event.
	OnStep func(TraceEntry)
	// OnText streams the transcript: the model's tokens (fromModel) and
	// the rendered text between turns.
	OnText func(text []byte, fromModel bool)
	// OnNotice gets what a person should know about the setup (the
	// template has no tools section, the system message was folded, the
	// template writes a call syntax the decoder does not).
	OnNotice func(string)
	// OnPrompt gets the rendered prompt before anything is decoded.
	OnPrompt func(prompt string)
}

// TraceEntry is one step of a run, in order.
type TraceEntry struct {
	// Source is "model" (an event the model wrote: a call is as written,
	// without its outcome), "environment" (an outcome, or an environment
	// step, as recorded) or "runtime" (an event the runtime performed
	// itself: Options.AfterCall).
	Source string
	Event  ltl.Event
	// Text is the text the model was shown for it (environment, runtime).
	Text string
}

// Result is a run.
type Result struct {
	// Events are the run's events read independently: each model turn
	// parsed on its own, the outcomes and runtime events as given.
	Events []ltl.Event
	// Accepted is ltl.Eval of the spec's formula on Events, false when a
	// turn did not parse; Violation says why not.
	Accepted  bool
	Violation string
	// Complete: the decoder ended the run where the spec accepts.
	Complete bool
	Trace    []TraceEntry
	// Segments are the transcript as the decoder wrote it (decoder.Run's).
	Segments []decoder.Segment
	// Text is the transcript after the prompt, for showing only.
	Text       []byte
	Tokens     int
	Forced     int
	Turns      int
	MaskTime   []time.Duration
	DecodeTime time.Duration
	Elapsed    time.Duration
	Prompt     string // the rendered prompt
	// Untooled counts assistant messages with calls that went back without
	// tool_calls (conversation.Conversation.Untooled).
	Untooled int

	parseFailed bool // an unconstrained turn did not parse
}

// Agent is a spec ready to run on a model. Runs are sequential: an Agent
// holds its model's one sequence.
type Agent struct {
	spec     *specplan.Spec
	model    Model
	opts     Options
	tmpl     conversation.Template
	compiled *chat.Template
	tools    []chat.Value
	format   decoder.Format
	system   string
	// shared is what copies (WithSeed, With) share: compiled once.
	shared *shared
}

type shared struct {
	ix      *decoder.Index
	envStep string
	budgets map[int]int // Options.MaxTokens -> the fitted budget
	folded  bool        // the folding notice was given
	trusted bool        // the Index trusts bindings (decoder.IndexOptions.TrustBindings)
}

// ErrUnsatisfiable: no run satisfies the spec.
var ErrUnsatisfiable = errors.New("agent: the spec is unsatisfiable: no run can satisfy it")

// New prepares spec to run on m (see the package doc).
func New(spec *specplan.Spec, m Model, o Options) (*Agent, error) {
	if spec.DFA().IsEmpty() {
		return nil, ErrUnsatisfiable
	}
	if o.MaxTemplateBytes <= 0 {
		o.MaxTemplateBytes = DefaultMaxTemplateBytes
	}
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = decoder.MaxResultBytes
	}
	if o.MaxTokens < 0 {
		return nil, fmt.Errorf("agent: MaxTokens must be at least 0, got %d", o.MaxTokens)
	}
	if err := o.Sampler.Check(); err != nil {
		return nil, err
	}
	a := &Agent{spec: spec, model: m, opts: o, shared: &shared{budgets: map[int]int{}}}
	var err error
	// The template gets the catalog the spec was compiled with, however it
	// came (a catalog file, the spec's own `tools from`, Options.Catalog).
	if a.tools, err = conversation.CatalogTools(spec.Catalog()); err != nil {
		// Entries with keys the OpenAI tools array does not have (an MCP
		// "outputSchema", which routines read) go to the template as the
		// function they describe: name, description, parameters.
		plain := append([]ltl.CatalogTool(nil), spec.Catalog()...)
		for i := range plain {
			plain[i].Entry = nil
		}
		var perr error
		if a.tools, perr = conversation.CatalogTools(plain); perr != nil {
			return nil, err
		}
	}
	if o.Template != nil {
		a.tmpl = *o.Template
		if a.tmpl.BOS == "" && a.tmpl.EOS == "" {
			if mt, err := conversation.ModelTemplate(m.Path(), a.tools != nil, chat.GGUFLimits{MaxTemplateBytes: o.MaxTemplateBytes}); err == nil {
				a.tmpl.BOS, a.tmpl.EOS = mt.BOS, mt.EOS
			}
		}
	} else {
		if a.tmpl, err = conversation.ModelTemplate(m.Path(), a.tools != nil, chat.GGUFLimits{MaxTemplateBytes: o.MaxTemplateBytes}); err != nil {
			return nil, err
		}
		if a.tmpl.Fallback {
			a.notice("%s has no chat template; rendering with %s", m.Path(), chat.FallbackName)
		}
	}
	a.format = o.Format
	if !a.format.Valid() {
		f, native, detected := conversation.FormatFor(a.tmpl.Source)
		a.format = f
		if !native && detected != chat.FormatUnknown {
			a.notice("the template writes %s tool calls, which the decoder does not write yet; using %s (give --format)", detected, f)
		}
	}
	a.system = o.System
	if a.system == "" {
		var steps []string
		for _, d := range spec.Source().Steps {
			steps = append(steps, d.Name)
		}
		// Tools reach the model through the template's own tools section
		// when it has one; the system message then only says how steps
		// are written.
		catalog, names := spec.Catalog(), spec.Alphabet().Tools
		if a.tools != nil && a.tmpl.RendersTools() {
			catalog, names = nil, nil
		}
		a.system = decoder.Instructions(a.format, steps, decoder.DefaultEnvSteps, catalog, names)
		if o.Plan != "" {
			a.system += "\nFollow this plan:\n" + o.Plan
		}
	}
	a.opts.Render.BOS, a.opts.Render.EOS = a.tmpl.BOS, a.tmpl.EOS
	if a.compiled, err = chat.Compile(a.tmpl.Name, a.tmpl.Source, chat.TemplateLimits{MaxBytes: o.MaxTemplateBytes}); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Agent) notice(format string, args ...any) {
	if a.opts.OnNotice != nil {
		a.opts.OnNotice(fmt.Sprintf(format, args...))
	}
}

// Format is the call format the model writes.
func (a *Agent) Format() decoder.Format { return a.format }

// Template is the chat template the conversation is rendered with.
func (a *Agent) Template() conversation.Template { return a.tmpl }

// System is the system message.
func (a *Agent) System() string { return a.system }

// Budget is the run's token budget once the first Run (or Prepare) fitted
// it; 0 before.
func (a *Agent) Budget() int { return a.shared.budgets[a.opts.MaxTokens] }

// TrustsBindings reports that the decoder trusts the environment's values
// for calls bound to captured values (decoder.IndexOptions.TrustBindings):
// the spec's runs must make such calls, which the adversarial analysis
// never counts on; a result that would leave one unwritable then ends the
// run (CodeNotAllowed). Known after the first Run or Prepare.
func (a *Agent) TrustsBindings() bool { return a.shared.trusted }

// Options are the agent's options.
func (a *Agent) Options() Options { return a.opts }

// Spec is the spec the agent runs.
func (a *Agent) Spec() *specplan.Spec { return a.spec }

// WithSeed is a copy of a that samples with seed; it shares a's compiled
// parts and model, so the two must not run at the same time.
func (a *Agent) WithSeed(seed int64) *Agent {
	b := *a
	b.opts.Sampler.Seed = seed
	return &b
}

// With is a copy of a with other run options (Sampler, MaxTokens, the
// callbacks, CallTimeout, AfterCall, Environment, Unconstrained); the
// template, format and system message stay a's.
func (a *Agent) With(o Options) *Agent {
	b := *a
	o.Template, o.Format, o.System, o.Plan, o.MaxTemplateBytes = a.opts.Template, a.opts.Format, a.opts.System, a.opts.Plan, a.opts.MaxTemplateBytes
	o.Render = a.opts.Render
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = decoder.MaxResultBytes
	}
	b.opts = o
	return &b
}

// conversation renders a new conversation for prompt.
func (a *Agent) conversation(prompt string) (*conversation.Conversation, error) {
	if prompt == "" {
		prompt = "Do the task: " + a.spec.Source().Title
	}
	msgs := []chat.Value{chatMessage("system", a.system), chatMessage("user", prompt)}
	conv, err := conversation.New(a.model, a.compiled, chat.Conversation{Messages: msgs, Tools: a.tools}, conversation.Options{Render: a.opts.Render, Format: a.format, FoldSystem: true})
	if err != nil {
		return nil, err
	}
	if conv.Folded() && !a.shared.folded {
		a.shared.folded = true
		a.notice("%s prints the system message only with the last user message; it is folded into the user message so that the conversation stays in place turn by turn", a.tmpl.Name)
	}
	return conv, nil
}

// prepare compiles the Index on conv's vocabulary and fits the budget,
// once.
func (a *Agent) prepare(conv *conversation.Conversation) error {
	sh := a.shared
	if sh.ix == nil {
		// The format's markers that are special tokens of the model
		// (Mistral's [TOOL_CALLS], Granite's <|tool_call|>) are written as
		// those tokens.
		io := decoder.IndexOptions{Format: a.format, Tools: a.spec.Schemas()}
		ix, err := conv.NewIndex(a.model, decoder.FromDFA(a.spec.DFA()), io)
		if errors.Is(err, decoder.ErrUnsat) {
			// Runs that must make a call bound to a captured value (a
			// routine passing a result on) are unsatisfiable when the
			// environment's values are adversarial; the agent trusts its
			// environment's values instead, and the decoder refuses a
			// result that would leave such a call unwritable.
			io.TrustBindings = true
			if ix, err = conv.NewIndex(a.model, decoder.FromDFA(a.spec.DFA()), io); err == nil {
				sh.trusted = true
			}
		}
		if err != nil {
			return err
		}
		sh.ix = ix
		if es := ix.EnvSteps(); len(es) > 0 {
			sh.envStep = es[0]
		}
	}
	if _, ok := sh.budgets[a.opts.MaxTokens]; !ok {
		b, err := sh.ix.FitBudget(a.opts.MaxTokens)
		if err != nil {
			return err
		}
		sh.budgets[a.opts.MaxTokens] = b
	}
	return nil
}

// Prepare renders the conversation for prompt, compiles the Index and fits
// the budget without decoding (Run does it on first use); its errors are
// the setup's, before any model work.
func (a *Agent) Prepare(prompt string) error {
	conv, err := a.conversation(prompt)
	if err != nil {
		return err
	}
	if a.opts.OnPrompt != nil {
		a.opts.OnPrompt(conv.Prompt().String())
		a.opts.OnPrompt = nil
	}
	return a.prepare(conv)
}

// Run runs the agent once on prompt ("" is "Do the task: " and the spec's
// title) with tools performing the calls (see the package doc). The
// Result holds what was done even when err is not nil.
func (a *Agent) Run(ctx context.Context, tools Tools, prompt string) (*Result, error) {
	if tools == nil && a.opts.Environment == nil {
		return nil, errors.New("agent: Run without Tools (or Options.Environment)")
	}
	if err := a.model.Reset(); err != nil {
		return nil, err
	}
	conv, err := a.conversation(prompt)
	if err != nil {
		return nil, err
	}
	if a.opts.OnPrompt != nil {
		a.opts.OnPrompt(conv.Prompt().String())
	}
	res := &Result{Prompt: conv.Prompt().String()}
	if err := a.prepare(conv); err != nil {
		return res, err
	}
	if a.opts.Unconstrained {
		err = a.runFree(ctx, tools, conv, res)
	} else {
		err = a.runConstrained(ctx, tools, conv, res)
	}
	res.Untooled = conv.Untooled()
	if cerr := ctx.Err(); cerr != nil {
		return res, cerr
	}
	return res, err
}

// perform calls the tool for call under the call timeout and returns the
// outcome event (ResultEvent) with the text the model is shown. Only the
// run's ctx ending is an error.
func (a *Agent) perform(ctx context.Context, tools Tools, call ltl.Event) (ltl.Event, error) {
	if err := ctx.Err(); err != nil {
		return ltl.Event{}, err
	}
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if a.opts.CallTimeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, a.opts.CallTimeout)
	}
	defer cancel()
	type answer struct {
		v   any
		err error
	}
	done := make(chan answer, 1)
	args := call.Args
	if args == nil {
		args = map[string]any{}
	}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- answer{err: fmt.Errorf("the tool panicked: %v", p)}
			}
		}()
		v, err := tools.Call(cctx, call.Tool, args)
		done <- answer{v, err}
	}()
	var ans answer
	select {
	case ans = <-done:
	case <-cctx.Done():
		if err := ctx.Err(); err != nil {
			return ltl.Event{}, err
		}
		ans.err = fmt.Errorf("%s timed out after %s (limit Options.CallTimeout, --call-timeout)", call.Tool, a.opts.CallTimeout)
	}
	if ans.err == nil && cctx.Err() != nil && ctx.Err() == nil {
		// A tool that returns after its deadline passed answered too late.
		ans.err = fmt.Errorf("%s timed out after %s (limit Options.CallTimeout, --call-timeout)", call.Tool, a.opts.CallTimeout)
	}
	if ae := (*abortError)(nil); errors.As(ans.err, &ae) {
		return ltl.Event{}, ae.err
	}
	if ans.err != nil {
		msg := ans.err.Error()
		if len(msg) > a.opts.MaxResultBytes {
			msg = msg[:a.opts.MaxResultBytes]
		}
		ev := decoder.ResultEvent(call.Tool, nil, errors.New(msg))
		ev.Text = "error: " + msg
		return ev, nil
	}
	v, text, err := resultValue(ans.v, a.opts.MaxResultBytes)
	if err != nil {
		ev := decoder.ResultEvent(call.Tool, nil, err)
		ev.Text = "error: " + err.Error()
		return ev, nil
	}
	ev := decoder.ResultEvent(call.Tool, v, nil)
	ev.Text = text
	return ev, nil
}
