package export

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/ltl"
)

// Options say which generation to export and how.
type Options struct {
	// Format is the call syntax (required): the same Format generate runs.
	Format decoder.Format
	// Tools overrides the spec's tool schemas (nil: spec.Schemas()).
	Tools map[string]json.RawMessage
	// EnvSteps are the step kinds the environment writes (nil:
	// decoder.DefaultEnvSteps).
	EnvSteps []string
	// Markers maps special markers of Format (FormatSpec.Special) to token
	// ids of the target vocabulary (decoder.MarkerTokens finds them): those
	// markers export as token references (GBNF <[id]>, llguidance's
	// <[id]>) and only the token writes them. Regex cannot express a token
	// and refuses a non-empty map. A marker not in the map is text.
	Markers map[string]int
	// FromState is the event state the generation starts in (nil: the
	// spec's initial state): the grammar of a later turn.
	FromState *int
	// Captures are the values captured before the turn, by `let` name
	// (nil: none; calls that compare with one are then not allowed).
	Captures ltl.Captures
	// MaxBytes caps the printed grammar (0: DefaultMaxBytes).
	MaxBytes int
	// MaxRules caps the grammar's rules (0: DefaultMaxRules).
	MaxRules int
	// MaxLeafStates caps one value automaton's states (0: DefaultMaxLeafStates).
	MaxLeafStates int
}

// Defaults of the size limits.
const (
	DefaultMaxBytes      = 16 << 20
	DefaultMaxRules      = 100000
	DefaultMaxLeafStates = 20000
)

func (o *Options) maxBytes() int      { return orDefault(o.MaxBytes, DefaultMaxBytes) }
func (o *Options) maxRules() int      { return orDefault(o.MaxRules, DefaultMaxRules) }
func (o *Options) maxLeafStates() int { return orDefault(o.MaxLeafStates, DefaultMaxLeafStates) }

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// ErrUnsupported is what a grammar syntax cannot express (a special token
// in a regex, text that is not UTF-8); errors.Is matches it.
var ErrUnsupported = errors.New("export: not expressible")

func errUnsupported(msg string) error { return fmt.Errorf("%w: %s", ErrUnsupported, msg) }

// LimitError is a size limit: it names the Option and the plan flag that
// raise it.
type LimitError struct {
	What, Option, Flag string
}

func (e *LimitError) Error() string {
	return "export: " + e.What + " (limit " + e.Option + "; raise it with " + e.Flag + ")"
}

// Language is the decoder's language of one generation for spec under
// opts, on a one-token-per-byte vocabulary (decoder.ByteVocab), with the
// Index it comes from (to run sessions over the same language).
func Language(spec *specplan.Spec, opts Options) (*decoder.Language, *decoder.Index, error) {
	if !opts.Format.Valid() {
		return nil, nil, errors.New("export: no call format given (Options.Format)")
	}
	v, mk := decoder.ByteVocab(opts.Format)
	markers := map[string]int{}
	for m := range opts.Markers {
		id, ok := mk[m]
		if !ok {
			return nil, nil, fmt.Errorf("export: %q is not a special marker of the %s format", m, opts.Format)
		}
		markers[m] = id
	}
	tools := opts.Tools
	if tools == nil {
		tools = spec.Schemas()
	}
	io := decoder.IndexOptions{Format: opts.Format, Tools: tools, EnvSteps: opts.EnvSteps, Markers: markers}
	trie := decoder.NewTrie(v)
	ix, err := decoder.NewIndex(decoder.FromDFA(spec.DFA()), v, trie, io)
	if errors.Is(err, decoder.ErrUnsat) {
		// A spec whose runs must pass a result on (a routine) is decoded
		// trusting the environment's values (package agent does the
		// same): its language is exported as the agent decodes it.
		io.TrustBindings = true
		ix, err = decoder.NewIndex(decoder.FromDFA(spec.DFA()), v, trie, io)
	}
	if err != nil {
		return nil, nil, err
	}
	lo := decoder.LanguageOptions{FromState: -1, Captures: opts.Captures}
	if opts.FromState != nil {
		lo.FromState = *opts.FromState
	}
	lang, err := ix.Language(lo)
	if err != nil {
		return nil, nil, err
	}
	return lang, ix, nil
}

func compile(spec *specplan.Spec, opts *Options) (g *grammar, err error) {
	lang, _, err := Language(spec, *opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			lp, ok := r.(limitPanic)
			if !ok {
				panic(r)
			}
			g, err = nil, lp.err
		}
	}()
	return build(lang, opts)
}

func (o *Options) header(spec *specplan.Spec, syntax string) []string {
	from := "the initial state"
	if o.FromState != nil {
		from = fmt.Sprintf("event state %d", *o.FromState)
	}
	return []string{
		fmt.Sprintf("%s: one generation of spec %s, call format %s, from %s.", syntax, sanitizeComment(spec.Source().Name), o.Format, from),
		"Written by specplan's plan compile. Not in the grammar: --max-tokens budgets, state across turns.",
	}
}

func (o *Options) sized(out []byte) ([]byte, error) {
	if len(out) > o.maxBytes() {
		return nil, &LimitError{What: fmt.Sprintf("the grammar takes more than %d bytes", o.maxBytes()), Option: "Options.MaxBytes", Flag: "--max-export-bytes"}
	}
	return out, nil
}

// GBNF is llama.cpp's grammar (root rule "root") of one generation.
func GBNF(spec *specplan.Spec, opts Options) ([]byte, error) {
	g, err := compile(spec, &opts)
	if err != nil {
		return nil, err
	}
	out, err := g.print(gbnfDialect, opts.header(spec, "GBNF (llama.cpp)"))
	if err != nil {
		return nil, err
	}
	return opts.sized(out)
}

// Lark is the grammar (start rule "start") in the Lark dialect XGrammar and
// llguidance accept, which Lark itself parses too when no marker is a
// token.
func Lark(spec *specplan.Spec, opts Options) ([]byte, error) {
	g, err := compile(spec, &opts)
	if err != nil {
		return nil, err
	}
	out, err := larkFlat(g).print(larkDialect, opts.header(spec, "Lark (llguidance, Lark)"))
	if err != nil {
		return nil, err
	}
	return opts.sized(out)
}

// Regex is one pattern, for a whole-text match, in the common subset of
// Python re, RE2 and ECMAScript (u flag); no trailing newline.
func Regex(spec *specplan.Spec, opts Options) ([]byte, error) {
	if len(opts.Markers) > 0 {
		return nil, errUnsupported("a regex cannot match special tokens: export without Options.Markers (markers as text)")
	}
	g, err := compile(spec, &opts)
	if err != nil {
		return nil, err
	}
	x, err := g.solve(opts.maxBytes())
	if err != nil {
		return nil, err
	}
	out, err := printRegex(x, opts.maxBytes())
	if err != nil {
		return nil, err
	}
	return opts.sized([]byte(out))
}
