// Package export prints the decoder's language of one generation as
// grammars other serving engines run: GBNF for llama.cpp, Lark for
// XGrammar and llguidance, and one regex for Python re, RE2 and
// ECMAScript.
//
// # What is exported
//
// One generation is the text the model writes in one assistant turn, from
// the spec's initial state (Options.FromState: a later one) with the
// values captured before the turn (Options.Captures). The language is the
// decoder's own: decoder.Index.Language gives the event-level states (event
// state × message mode), the event texts between them (one NFA per way of
// writing a symbol, separators and call-list punctuation included) and the
// value leaves as the step functions the byte automaton runs. Each leaf is
// explored into a code point DFA and minimized, so a string, a number in
// its intervals or a pattern is printed as the decoder checks it. For a
// spec without environment steps the language is exactly the set of texts
// `plan generate --format F --json` may report as text.
//
// # Grammar shape
//
// One rule per event-level state (state-Q, state-Q-mM when one event state
// has several message modes), one per event text (call-TOOL, step-KIND,
// close-list) with one more per node where its paths join (array loops,
// the tails after optional properties), and one per state of each distinct
// value automaton, named after the key it is written under. Rules are
// right-linear in their own recursion: no left recursion (checked before
// printing), no repetition of what can be empty, self-loops of a value
// printed as [class]*, nested optionals of one thing printed as x{0,n}
// (never x? x? chains), and free text never followed by a suffix it
// could also contain (a value's DFA is deterministic; a think block's
// close is excluded from its text by the leaf itself). Helper rules used
// once are written in place. Where one call has several minterms (refund
// with amount <= 100 true or false) their rules share a prefix, so an
// engine carries one parse stack per minterm until the arguments decide.
//
// # Engines
//
// GBNF targets llama.cpp as vendored by github.com/ollama/ollama v0.17.4
// (llama.cpp ec98e2002); its character classes are positive only, since
// llama.cpp decodes UTF-8 leniently and a negated class would let lead
// bytes F5–FF through. Two differences from the decoder remain, both
// llama.cpp's: it reads an overlong UTF-8 form as the code point it
// encodes, and it reads a special token as its text, so a marker token
// may be taken where the grammar allows the marker's text (inside a JSON
// string); the decoder refuses both. Lark follows Lark's grammar
// language (rules, "literals", /regexp/ terminals, ( ) | ? * and ~ n..m;
// no lookaround, no priorities, no templates, no %import), which
// llguidance reads too (Earley with a dynamic lexer, as Lark's own).
// Lark expands groups and optionals inside a rule into alternatives of
// the whole rule, so nested choices are helper rules there (NAME-hK) and a
// count above 8 a chain of them. A regex count above RE2's 1000 is
// written as consecutive counts.
//
// # Special tokens
//
// Markers of the call format that the target vocabulary has as special
// tokens (Options.Markers, found by decoder.MarkerTokens) print as token
// references: GBNF <[id]>, llguidance's Lark <[id]>. Python's Lark and
// XGrammar's EBNF do not read them; export without Options.Markers to
// spell markers as text. A regex cannot express a token and is refused.
//
// # What a grammar cannot hold
//
// A --max-tokens budget: the decoder ends the run acceptably within it,
// a grammar does not count tokens (use the server's max_tokens, which may
// cut an output short). State across turns: each grammar is one turn; the
// next turn's grammar needs the event state reached and the values
// captured (FromState, Captures), which the library or a server between
// the turns must track. Tool choice (SessionOptions.ToolChoice) is not
// applied: the export is "auto". Distinct keys: the decoder never repeats
// a key in one object (free values, and the keys beyond the declared
// ones when their values are free; strict JSON refuses a repeat), which
// takes memory of the keys written so far, so no finite grammar says it.
// Such a leaf exports as its relaxed form, the free-JSON grammar that
// allows repeats (a superset); the verification tests excuse exactly the
// texts the decoder refuses at the closing quote of a repeated key.
//
// # Limits
//
// Options.MaxBytes (--max-export-bytes), Options.MaxRules
// (--max-grammar-rules) and Options.MaxLeafStates (--max-leaf-states)
// bound the output; a LimitError names the one passed. A regex is one
// expression, so recursion is solved by state elimination and may grow
// much larger than the grammar.
package export
