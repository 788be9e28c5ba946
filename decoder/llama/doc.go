// Package llama is the llama.cpp backend of the decoder: it loads a GGUF
// model through github.com/ollama/ollama/llama (llama.cpp and ggml compiled
// from source with cgo) and implements decoder.Backend on one sequence.
//
// It is the only package of specplan that links llama.cpp. Contract:
//   - Load never hands a missing, truncated or non-GGUF file to C: it checks
//     the file and its GGUF magic first and returns a *Error.
//   - llama.cpp's own log goes nowhere unless some open Model was loaded with
//     Options.Verbose; its last error lines are kept and put in Load's error.
//   - The vocabulary is read through llama.cpp (token → piece, token
//     attributes, end-of-generation), so masks agree with its tokenizer.
//   - A Decode that would overflow the context fails before calling C.
//   - Tokenize turns special-token text (`<|eot_id|>`) into special tokens
//     only with parseSpecial, which only the program's own chat markup asks
//     for (decoder.TokenizePrompt); user text, tool descriptions and tool
//     results are tokenized as plain text.
//
// The ollama Go package does not expose a few C functions (llama_free,
// llama_print_system_info, token attributes, metadata, the log hook); this
// package declares their C prototypes itself and passes the pointers the
// ollama wrappers hold. That reads unexported fields of ollama's types and
// is pinned to ollama v0.17.4 (see handles.go); the tests check it.
package llama
