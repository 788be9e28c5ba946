// Package decoder constrains a language model's tokens so that the events it
// writes satisfy a spec, and runs the generation loop on llama.cpp.
//
// # Constraint side: from events to token masks
//
// An EventAutomaton (a DFA over the event alphabet: step kinds and tool
// calls × predicate minterms) is combined with a call Format and the tools'
// JSON schemas into a byte-level automaton, built lazily: a byte state is
// (event state, set of NFA threads over the event texts of the symbols that
// can still be meant), interned to a uint32 id, its transitions computed per
// byte on first use and cached. Because the set holds one thread per
// candidate symbol, a call is committed to a minterm (say refund with
// amount <= 100 true or false) only when its text is complete.
//
// A Mask (bitset over token ids) is computed for a byte state by walking the
// vocabulary Trie with the byte automaton, then cached per state in the
// Index's mask cache (LRU under a byte cap, identical masks stored once).
// The byte states themselves are capped too (IndexOptions.MaxStates): at
// the cap a new generation of the byte automaton starts and sessions
// re-intern their current state by content, unchanged.
// A mask's cost therefore depends on the number of distinct states, never on
// how much text was generated.
//
// The compiled part, Index, is shared by many Sessions and safe for
// concurrent use (one mutex over the byte automaton, held for a whole trie
// walk; one over the mask cache). A Session is one generation and is not.
//
// # Call order
//
//	s, err := NewSession(ea, vocab, trie, IndexOptions{Format: FormatJSON, Tools: schemas}, SessionOptions{MaxTokens: 512})
//	for !s.Done() {
//		s.SetBudget(left)            // optional; Accept also counts it down
//		if tok, ok := s.Forced(); ok { /* append without sampling */ } else {
//			s.ApplyMask(logits)      // then sample
//		}
//		err = s.Accept(tok)          // rejects a token outside the mask
//	}
//	// Done: EOG accepted, or the environment moves next:
//	err = s.Observe(ltl.Event{Step: "observation", Text: result})  // then generate again
//	// a call whose outcome the spec reads (s.PendingCall()) gets it on that event
//	// (Outcome, Result, Error), or as ResultEvent(tool, result, err) without one
//
// Session implements TokenConstraint. Events returns the events so far
// (Calls: with the ids the model wrote),
// parsed back from the accepted text by Format.Parse (an independent parser)
// and those given to Observe.
//
// # Untrusted text
//
// Text the program does not write itself never speaks for the model or for
// the chat template:
//   - The environment's events go to the session as given (Observe) and are
//     never parsed. Run shows them to the model as EnvironmentText and keeps
//     the transcript as Segments, model-written and environment-written;
//     SegmentEvents reads the events back from them (each model turn parsed
//     on its own), never from the flat RunResult.Text.
//   - Backend.Tokenize parses special tokens only when asked. Prompts are
//     built as a Prompt of markup pieces (the template's own structure) and
//     content pieces (messages, tool descriptions), and TokenizePrompt
//     tokenizes content without special tokens; Run tokenizes environment
//     text the same way. A chat renderer (ChatRenderer) must say which is
//     which.
//   - Run refuses what does not fit the context before decoding it
//     (ErrContext, naming the prompt, the budget or the environment's text).
//   - With RunOptions.Turns (package conversation implements it on a chat
//     template) each of the model's turns is one assistant message and each
//     environment step a message of its own, rendered by the template and
//     tokenized as a Prompt; without it the step is an EnvironmentText line
//     inside the model's turn.
//
// # Wire format
//
// See Format. A call format is data (FormatSpec): the project's four line
// formats (json, hermes, pythonic, react) and the native formats of model
// families (qwen, llama3, llama3-python-tag, mistral, mistral-v11, granite,
// deepseek, deepseek-r1, harmony; see formats_native.go), each spelling calls exactly as the family's chat
// template renders them. FormatForChat picks the native format from
// chat.DetectToolCallFormat. Format.Parse (and ParseMessage, with the ids
// the model wrote) reads one model message. Within a message, what may
// follow an event depends on a small message mode (message start, after a
// step, after a call, inside a call list, after the calls), which the byte
// automaton tracks at event boundaries: separators between calls (Qwen's
// "\n"), a call list's wrapper (Mistral's `[TOOL_CALLS][…, …]`, closed
// before the message may end), one call per message (Llama 3.1), and a
// think block first (Qwen3's `<think>\n…\n</think>\n\n`, the step kind
// `think`, never read as calls). Special markers (Mistral's [TOOL_CALLS],
// Llama 3.1's <|python_tag|>) that the vocabulary has as special tokens
// (IndexOptions.Markers, found by MarkerTokens) are written only as those
// tokens: inside the byte automaton each stands for a byte that is not
// UTF-8 and that no ordinary token may write.
//
// SessionOptions.ToolChoice (OpenAI's tool_choice: auto, required, none, a
// named function, allowed_tools) restricts every model turn; the event
// analysis is redone under it, so guarantees 2 and 3 hold for the
// restricted constraint, and a choice that leaves no valid output is
// ErrUnsat before decoding.
//
// A step is one line `Label: text\n`; its free text is valid
// UTF-8 without newline or control bytes other than tab, so a tool name or a
// label inside free text is just text: calls start only at an event
// boundary (the "function" inside "functional" cannot trigger a call).
// Only the canonical single spaces are allowed inside calls. Strings use the
// one-letter JSON escapes other than \/ only (no \uXXXX), which read the
// same in JSON and Python. Numbers are
// -?(0|[1-9][0-9]*)(\.[0-9]+)? with at most 15 digits and no exponent, which
// makes predicates on them exact (see maxNumDigits). Optional properties may
// be left out (any subsequence in schema order); required ones and those a
// true predicate speaks about are always written. Tool schemas are read
// through package schema's generation form (NormalizeForGeneration): $ref,
// allOf, anyOf/oneOf, if/then/else, not, dependencies, formats and the rest
// are enforced as that package documents, and a keyword it cannot enforce
// is refused (ErrSchema naming the keyword and JSON pointer; CheckSchema
// is the same check for plan check/compile). Keys beyond the declared
// properties are written only where the schema gives them a schema (or the
// object declares no properties). Patterns use Go regexp syntax,
// unanchored as in JSON Schema, without \b; a pattern with
// minLength/maxLength, a format or another pattern is one leaf whose
// liveness is searched jointly (bytes_and.go). Nesting is limited to
// MaxSchemaDepth (recursive schemas are unrolled that deep); open values
// (no schema, or no type) nest objects and
// arrays two levels deep.
//
// # Results and bindings
//
// A spec may read what tools answer (`T returns (…)`, `T fails`, `let NAME
// = T` captures; see package ltl). The event alphabet splits such a call's
// symbol into a CALL part (the arguments' minterm, written by the model)
// and a RESULT part (the outcome's minterm). The decoder walks an
// automaton (resultAutomaton) in which the model writes the call part and
// the environment then picks the result part:
//   - The environment is ADVERSARIAL. A call is allowed only where every
//     result minterm it could answer (each truth of the result
//     predicates, a failure, "without result") leaves a way to acceptance,
//     and the whole-run budget counts the worst answer.
//   - After such a call the model's turn is over (Done; PendingCall says
//     which call waits). The environment answers through Observe: an
//     environment step carrying Outcome, Result and Error (the trace
//     rule: an observation right after a call holds the call's outcome),
//     or ResultEvent for a spec without such a step. The outcome goes onto
//     the call; the session advances on the actual result minterm
//     (Alphabet.ClassifyAt with the values captured before the call). A
//     result the spec's fail-closed type rule rejects (a path a result
//     predicate reads missing or mistyped) is refused (CodeNotAllowed):
//     no run with it can be accepted. Results are data: never parsed for
//     events, never tokenized with special tokens (Run's tool messages).
//   - Binding: when a turn starts, predicates that compare with captured
//     values become literals (`amount <= $budget.limit` is `amount <= 480`
//     when get_budget last returned {"limit": 480}) and the byte automaton
//     enforces them exactly, as it does literals. Only the value automata
//     of the symbols concerned are compiled (never the spec), and
//     bindings are interned by content: a turn that starts with the same
//     values reuses their progs, byte states and cached masks. A reference
//     to a value not captured (no successful call yet, the last call
//     failed, the path missing, a value of another type: ordering needs a
//     number, == and != a string, number or boolean) makes the call
//     impossible: fail-closed, never free.
//   - The analyses cover bindings: in the event-level analysis (no dead
//     ends, budget) a symbol that compares with captured values counts as
//     unwritable, since the environment may answer values that make it so
//     (an adversarial limit below what any number can be written as). The
//     turn that holds a binding adds its bound symbols where they lead to
//     a state that can still finish; so every state has a way to finish
//     without them, and the budget bound stays an upper bound. A run whose
//     only way to acceptance passes such a call is ErrUnsat before
//     decoding. A SessionOptions.ToolChoice filters bound symbols by their
//     tool like the others.
//
// Argument predicates beyond comparisons: a nested path (`card.kind`)
// makes the value an object that has the path, down to the predicate; a
// string predicate (contains, starts_with, ends_with, matches with an RE2
// pattern, unanchored) that holds is a pattern leaf, one that must not
// hold is a leaf that runs the same search and dies when it matches
// (regexAvoidLeaf; patterns with word boundaries are refused, ErrSchema);
// `in` is an enum of its values (or their exclusion).
//
// Environment steps (IndexOptions.EnvSteps, default "observation") are
// never written by the model, and they are all Observe accepts: a tool
// call or a model step through Observe would bypass the schema and the
// budget. At an event boundary where only environment steps can follow,
// Done becomes true; the caller runs the tool and calls Observe, which
// refuses to run before the turn is over (AwaitingEnvironment). An EOG token is allowed at an event boundary where the event
// state accepts (the end) or where an environment step may follow (the end
// of the turn), never inside an event.
//
// # Guarantees and how each is kept
//
//  1. Soundness: the byte automaton only accepts text whose events (as
//     Format.Parse reads them) form a word the event automaton accepts: each
//     symbol's NFA spells exactly the texts whose arguments satisfy its
//     predicates' truth values and the schema; EOG needs an accepting state.
//  2. No dead ends: every state the automaton creates can still finish the
//     run acceptably. Event states are analysed first (a value iteration
//     over model-writable symbols, each weighted by its shortest text, and
//     environment steps); threads whose leaf (string, number) cannot finish,
//     and symbols whose text cannot be written, are dropped when created.
//     Numbers under interval constraints decide "can this prefix still land
//     in the set" exactly (bytes_number.go).
//  3. Budget: each byte state carries an upper bound on the model tokens
//     that finish the whole run from it (bytes to finish the event + the
//     cheapest completion in the event automaton, across environment turns
//     with the environment's choice taken as the worst, + 1 per EOG). Under SetBudget(n) a token is allowed
//     only if 1 + bound(after it) <= n; an EOG that ends a turn (not the
//     run) counts the worst bound after the environment's step as well, so
//     the budget covers the whole run. The bound is exact in bytes, so it
//     bounds tokens when every byte is a token of its own (checked: without
//     that, CheckBudget fails with a vocabulary error). NewSession with
//     MaxTokens, and CheckBudget, fail with ErrBudget before decoding when
//     no valid output fits.
//  4. Token boundaries: masks are computed by running every token's bytes
//     through the byte automaton, so a token spanning the end of one event
//     and the start of the next (`}\n{`, `)\nAction:`) is allowed exactly
//     when its bytes are.
//
// With a vocabulary lacking some single-byte tokens, NewIndex checks that
// the fixed literals (labels, tool names with their call frame's prefix
// and suffix, the newline that ends every event) can be spelled, naming the
// literal otherwise; token-level dead ends elsewhere are
// then possible in principle.
package decoder
