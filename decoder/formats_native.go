package decoder

// Native formats: each model family's own tool-call syntax, spelled exactly
// as the family's chat template renders an assistant message's tool_calls
// (chat/testdata/golden holds those renderings), so that the model writes
// what it was trained on. A new family is one more FormatSpec here.
//
// What the model writes after the generation prompt, for two calls:
//
//	qwen:     <tool_call>\n{"name": "a", "arguments": {…}}\n</tool_call>\n<tool_call>\n…\n</tool_call>
//	llama3:   {"name": "a", "parameters": {…}}                     (one call per message)
//	llama3-python-tag: <|python_tag|>{"name": "a", "parameters": {…}}
//	mistral:  [TOOL_CALLS][{"name": "a", "arguments": {…}, "id": "abc123XYZ"}, {…}]
//	mistral-v11: [TOOL_CALLS]a[CALL_ID]abc123XYZ[ARGS]{…}[TOOL_CALLS]b[CALL_ID]…
//	granite:  <|tool_call|>[{"name": "a", "arguments": {…}}, {…}]
//	deepseek: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>a\n```json\n{…}\n```<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>…<｜tool▁calls▁end｜>
//	deepseek-r1: reasoning\n</think>\n\n, then as deepseek (the prompt opened <think>\n)
//	harmony:  " to=functions.a<|channel|>commentary json<|message|>{…}", then <|call|> (EOG)
//
// In every native format, steps are `Label: text\n` lines before the calls
// (the message's content), and a think block, where the spec declares its
// step kind, comes first. Nothing follows the calls in the message: the
// model's turn ends (EOG) and the tool results come back as tool messages.
var (
	// FormatQwen is Qwen2.5/Qwen3's and Hermes 2/3's (and Granite 4's):
	// the templates join calls with "\n" and end the message right after
	// the last </tool_call>. Qwen3's reasoning is <think>\n…\n</think>\n\n.
	FormatQwen = mustFormat(FormatSpec{Name: "qwen", Args: ArgsJSON, TojsonNumbers: true, NameKey: "name", ArgsKey: "arguments",
		CallOpen: "<tool_call>\n", CallClose: "\n</tool_call>", CallSep: "\n",
		Think:   &ThinkBlock{Step: "think", Open: "<think>\n", Close: "\n</think>\n\n"},
		Special: []string{"<tool_call>", "</tool_call>"},
		Chat:    []string{"hermes"},
		Doc:     "Qwen/Hermes <tool_call> blocks joined by newlines (native)"})
	// FormatLlama3 is Llama 3.1-3.3's JSON tool call for custom tools, as
	// the template renders it: no <|python_tag|>, one call per message.
	FormatLlama3 = mustFormat(FormatSpec{Name: "llama3", Args: ArgsJSON, TojsonNumbers: true, NameKey: "name", ArgsKey: "parameters",
		Single: true,
		Chat:   []string{"llama3"},
		Doc:    `Llama 3.1+ {"name": …, "parameters": {…}}, one call per message (native)`})
	// FormatLlama3Tag is FormatLlama3 after <|python_tag|> (token 128010 in
	// Llama 3's vocabulary), the prefix Llama 3.1 models also write before
	// a JSON call and inference servers read.
	FormatLlama3Tag = mustFormat(FormatSpec{Name: "llama3-python-tag", Args: ArgsJSON, TojsonNumbers: true, NameKey: "name", ArgsKey: "parameters",
		CallOpen: "<|python_tag|>", Single: true,
		Special: []string{"<|python_tag|>"},
		Doc:     "FormatLlama3 after the <|python_tag|> token (native)"})
	// FormatMistral is Mistral-Nemo's (v3 tokenizer): all calls of a
	// message in one [TOOL_CALLS] list, each with a 9-alphanumeric id that
	// the tool message's tool_call_id repeats (the template refuses others).
	FormatMistral = mustFormat(FormatSpec{Name: "mistral", Args: ArgsJSON, TojsonNumbers: true, NameKey: "name", ArgsKey: "arguments",
		ID:       IDRule{Key: "id", Len: 9, Alphabet: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
		ListOpen: "[TOOL_CALLS][", ListSep: ", ", ListClose: "]",
		Special: []string{"[TOOL_CALLS]"},
		Chat:    []string{"mistral"},
		Doc:     `Mistral [TOOL_CALLS][{…, "id": "9 alphanumerics"}] (native)`})
	// FormatGranite is Granite 3.x's: all calls of a message in one list
	// after <|tool_call|>.
	FormatGranite = mustFormat(FormatSpec{Name: "granite", Args: ArgsJSON, TojsonNumbers: true, NameKey: "name", ArgsKey: "arguments",
		ListOpen: "<|tool_call|>[", ListSep: ", ", ListClose: "]",
		Special: []string{"<|tool_call|>"},
		Chat:    []string{"granite"},
		Doc:     "Granite 3 <|tool_call|>[{…}, …] (native)"})
	// FormatDeepSeek is DeepSeek R1's (and V3's): a list of calls, each
	// the name, then its arguments in a ```json fence. R1's generation
	// prompt opens a think block (<think>\n) that the model must close;
	// this format does not model that (see the package notes).
	FormatDeepSeek = mustFormat(FormatSpec{Name: "deepseek", Args: ArgsBracket, TojsonNumbers: true,
		NameEnd: "\n```json\n", ArgsEnd: "\n```",
		CallOpen: "<｜tool▁call▁begin｜>function<｜tool▁sep｜>", CallClose: "<｜tool▁call▁end｜>",
		ListOpen: "<｜tool▁calls▁begin｜>", ListSep: "\n", ListClose: "<｜tool▁calls▁end｜>",
		Special: []string{"<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>", "<｜tool▁calls▁end｜>"},
		Chat:    []string{"deepseek"},
		Doc:     "DeepSeek R1/V3 <｜tool▁calls▁begin｜> lists with ```json arguments (native)"})
	// FormatMistralV11 is Mistral-Small-3.1/3.2's (v11+ tokenizers): each
	// call `[TOOL_CALLS]name[CALL_ID]id[ARGS]{…}`, one after another. The
	// template family is "mistral" too; [CALL_ID] in the template selects it.
	FormatMistralV11 = mustFormat(FormatSpec{Name: "mistral-v11", Args: ArgsBracket, TojsonNumbers: true,
		NameEnd: "[ARGS]", CallOpen: "[TOOL_CALLS]",
		ID:      IDRule{Key: "[CALL_ID]", Len: 9, Alphabet: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
		Special: []string{"[TOOL_CALLS]", "[CALL_ID]", "[ARGS]"},
		Chat:    []string{"mistral"}, TemplateHint: "[CALL_ID]",
		Doc: "Mistral v11 [TOOL_CALLS]name[CALL_ID]id[ARGS]{…} (native)"})
	// FormatHarmony is gpt-oss's (harmony) call in the commentary channel,
	// one per message: after the generation prompt `<|start|>assistant` the
	// model writes ` to=functions.NAME<|channel|>commentary json<|message|>`
	// and the arguments, and ends with <|call|>, an end-of-generation
	// token. The analysis channel (reasoning) is not modelled: a message
	// here is steps and one call, or steps.
	FormatHarmony = mustFormat(FormatSpec{Name: "harmony", Args: ArgsBracket, TojsonNumbers: true,
		CallOpen: " to=functions.", NameEnd: "<|channel|>commentary json<|message|>", Single: true,
		Special: []string{"<|channel|>", "<|message|>"},
		Chat:    []string{"harmony"},
		Doc:     "gpt-oss harmony commentary-channel call, one per message (native)"})
	// FormatDeepSeekR1 is FormatDeepSeek for R1 models, whose generation
	// prompt opens the reasoning (`<｜Assistant｜><think>\n`): every
	// message starts with the reasoning text and \n</think>\n\n, the step
	// kind `think` (which the spec must then declare), never read as calls.
	FormatDeepSeekR1 = mustFormat(FormatSpec{Name: "deepseek-r1", Args: ArgsBracket, TojsonNumbers: true,
		NameEnd: "\n```json\n", ArgsEnd: "\n```",
		CallOpen: "<｜tool▁call▁begin｜>function<｜tool▁sep｜>", CallClose: "<｜tool▁call▁end｜>",
		ListOpen: "<｜tool▁calls▁begin｜>", ListSep: "\n", ListClose: "<｜tool▁calls▁end｜>",
		Think:   &ThinkBlock{Step: "think", Open: "<think>\n", Close: "\n</think>\n\n", InPrompt: true},
		Special: []string{"<｜tool▁calls▁begin｜>", "<｜tool▁call▁begin｜>", "<｜tool▁sep｜>", "<｜tool▁call▁end｜>", "<｜tool▁calls▁end｜>"},
		Chat:    []string{"deepseek"}, TemplateHint: "<｜Assistant｜><think>",
		Doc: "DeepSeek R1: deepseek after the reasoning its generation prompt opens (native)"})
)
