// Package chat renders a conversation in a model's own chat template, as
// Hugging Face transformers' apply_chat_template renders it, and says which
// bytes of the result came from the conversation.
//
// Contract:
//
//   - Input. ParseMessages and ParseTools read OpenAI-shaped JSON (system,
//     developer, user, assistant with tool_calls, tool with tool_call_id
//     and name; content a string, null or a list of text parts; the OpenAI
//     tools array). The JSON layer (ParseJSON, on the project's one strict
//     reader, internal/strictjson) is strict: duplicate keys,
//     unknown message keys, invalid UTF-8, integers beyond int64 and floats
//     beyond float64 are errors with file:line:col; objects keep their key
//     order, so a template's tojson prints a tool's keys as given (type
//     before function, name before description). A tool call's arguments
//     may be a JSON object or a string holding one; templates get the
//     object, as transformers users pass it.
//   - Rendering. Compile and Render run the template with transformers'
//     settings: a sandbox (the engine has no access to Go values beyond
//     the data), trim_blocks, lstrip_blocks, loop controls, tojson with
//     ensure_ascii=False, keys in given order, indent, separators and
//     sort_keys, raise_exception, strftime_now reading Options.Now,
//     bos_token and eos_token, add_generation_prompt, tools and documents
//     as none when absent, extra kwargs (enable_thinking). Output is byte
//     for byte what transformers prints, checked by golden tests against
//     Python Jinja2 on real templates (testdata/gen_golden.py).
//   - Untrusted text stays text. Rendered.Pieces marks each byte as the
//     template's markup or as content (message text, reasoning, tool
//     results, tool-call arguments, tool descriptions and schemas). Only
//     markup may be parsed for special tokens. The marking is verified:
//     content is rendered as sentinels, the output split at them, and the
//     result checked byte for byte against a render with the real values;
//     a template that transforms or inspects content beyond copying it is
//     ErrContentInspected, never a guess. Roles, ids, tool names and
//     schema type names reach the template as they are, so they must be
//     plain names (letters, digits, _ . : $ @ -).
//   - Errors are *Error with a Code; a template that raises is ErrRaised
//     naming the template and its message. Every input has a limit
//     (JSONLimits, TemplateLimits, Options.MaxOutputBytes, GGUFLimits, a
//     range() cap as Jinja2's sandbox has), named in the error.
//   - Models. ReadGGUF reads tokenizer.chat_template, its tool_use variant
//     and the BOS/EOS token texts from a GGUF's metadata with bounded
//     reads. DetectToolCallFormat names the tool-call syntax a template
//     renders (hermes, llama3, mistral, granite, deepseek, harmony).
//
// The engine is github.com/ardanlabs/jinja v1.8.0 (pure Go). Where it
// differs from Jinja2 in output, this package makes up for it: its own
// tojson (the engine's sorts keys when indenting), strftime_now, range and
// raise_exception; Python's spelling of floats from the conversation.
// Where it cannot, Compile or Render refuses rather than render wrong:
// whitespace control the engine applies to text the tag does not touch,
// the + modifiers, recursive for-loops, in-place list and dict methods,
// content parts printed as text. A hostile template cannot overflow the
// stack (macro depth and calls are counted, a namespace cannot contain
// itself) or loop without end (range is capped per call and per render).
// Left as they are: the engine renders some inputs Jinja2 refuses
// (iterating none, attributes of undefined values), prints none as "" where
// Jinja2 prints "None", and can be made to build a huge string ('x' * n)
// before the output limit is checked.
package chat
