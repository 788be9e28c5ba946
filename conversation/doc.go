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
//   - The environment's step goes back as a tool message (tool_call_id and
//     name of the call it answers, its text as content) followed by the
//     next generation prompt. Next renders the whole conversation again and
//     checks that it starts with the text already in the model's context;
//     only the rest is decoded. A template that rewrites earlier text when
//     the conversation grows (it moves a system message to the last user
//     turn, drops reasoning, numbers turns) is refused with ErrNotPrefix
//     naming the byte where it changed, never decoded over. The one
//     difference allowed is whitespace at the end of the model's own
//     message that the template trims (Llama 3.1 and Gemma trim every
//     message): the context keeps what the model wrote, and Trimmed says
//     how often it happened.
//   - Assistant messages are the model's text as content by default, which
//     every template prints as it is; Options.Assistant can build them with
//     tool_calls instead (for a native call format whose template rendering
//     is byte for byte what the model wrote; the prefix check verifies it).
//   - Tool-call ids are issued in order, 9 letters and digits ("call00001"),
//     which every family's rules allow (Mistral requires exactly 9), and the
//     tool message repeats the id of the call it answers.
//   - Budgets, soundness and no-dead-end guarantees are decoder.Run's: the
//     template's overhead between turns (end marker, tool message,
//     generation prompt) is context, not model budget, and Run refuses a
//     step whose rendering does not fit with the budget still to come
//     before it decodes it (decoder.ContextError, ContextEnvironment):
//     never a message cut in the middle.
package conversation
