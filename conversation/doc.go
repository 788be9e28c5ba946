// Package conversation runs a constrained generation as a chat, turn by turn,
// the way the model's own chat template draws it. It is the stage between
// package chat (which renders a conversation with a Jinja template and says
// which bytes are markup and which are content) and package decoder (which
// constrains the model's tokens and drives llama.cpp).
//
// Contract:
//
//   - The prompt is the conversation (system, user, earlier messages, the
//     OpenAI tools array through the template's own tools section) rendered
//     by the template with the generation prompt. Markup is tokenized with
//     special tokens, content without (decoder.TokenizePrompt); no BOS is
//     added by the tokenizer, as transformers adds none: a template that
//     wants one prints bos_token.
//   - The model writes one assistant message per turn. Its turn ends at the
//     template's end of turn: the token the template writes right after an
//     assistant message's content (EndOfTurn), which must be one of the
//     model's end-of-generation tokens. Vocab restricts the session's EOG
//     tokens to it, so the model cannot end a message with another family's
//     end token; a turn the constraint ends (Done) is closed by the template.
//   - The environment's steps go back as tool messages, one per call and
//     in order (tool_call_id and name of the call each answers, its text
//     as content), followed by the next generation prompt: answers to
//     parallel calls are consecutive tool messages (decoder.Run hands them
//     over together). Next renders the whole conversation again and
//     checks that it starts with the text already in the model's context;
//     only the rest is decoded. A template that rewrites earlier text when
//     the conversation grows (it moves a system message to the last user
//     turn, drops reasoning, numbers turns) is refused with ErrNotPrefix
//     naming the byte where it changed, never decoded over. The one
//     difference allowed is whitespace at the end of the model's own
//     message that the template trims (Llama 3.1 and Gemma trim every
//     message): the context keeps what the model wrote, and Trimmed says
//     how often it happened.
//   - Assistant messages: with a native call format (Options.Format;
//     FormatFor picks the template's own), a message with calls goes back
//     with tool_calls read by Format.ParseWritten (names, the arguments
//     text as written, so key order and numbers stay the model's) and the
//     text before the calls as content; the template's rendering of it
//     must be byte for byte what the model wrote (the prefix check
//     decides among the spellings a template may print: content as is,
//     without its last newline, all of the text as content; last, the
//     model's text without tool_calls, counted by Untooled, for templates
//     that print only the calls). Otherwise the model's text as content,
//     which every template prints as it is. Native formats write numbers
//     as tojson prints them (decoder.FormatSpec.TojsonNumbers), so the
//     rebuilt tool_calls render as written. New renders a probe message
//     with content and a tool call; where the content is dropped
//     (DropsTextBeforeCalls: Llama 3.1, Mistral), NewIndex compiles the
//     format CallsOnly, so the model writes no text before its calls and
//     Untooled stays 0 on indexes built that way.
//   - Tool-call ids are the model's where the format writes them
//     (Mistral's 9 alphanumerics), else issued in order, 9 letters and
//     digits ("call00001"), which every family's rules allow; each tool
//     message repeats the id of the call it answers.
//   - Special tokens: NewIndex maps the format's markers to the model's
//     special tokens (decoder.MarkerTokens), so the model writes
//     [TOOL_CALLS] or <|tool_call|> as the token it was trained on; the
//     message text has the marker's text (Index.TokenText), which is what
//     the template renders as markup for the call.
//   - Budgets, soundness and no-dead-end guarantees are decoder.Run's: the
//     template's overhead between turns (end marker, tool message,
//     generation prompt) is context, not model budget, and Run refuses a
//     step whose rendering does not fit with the budget still to come
//     before it decodes it (decoder.ContextError, ContextEnvironment):
//     never a message cut in the middle.
package conversation
