package llama

/*
#include <stdint.h>
#include <stdlib.h>
#include <stdbool.h>

// Prototypes of llama.cpp functions (llama.h, ollama v0.17.4) that the ollama
// Go package does not wrap. The symbols come from the ollama package's objects
// at link time; opaque pointers stand in for the struct types.
void llama_free(void *ctx);
float *llama_get_logits_ith(void *ctx, int32_t i);
const char *llama_print_system_info(void);
int32_t llama_model_meta_val_str(const void *model, const char *key, char *buf, size_t buf_size);
int llama_vocab_get_attr(const void *vocab, int32_t token);
int32_t llama_token_to_piece(const void *vocab, int32_t token, char *buf, int32_t length, int32_t lstrip, bool special);
void llama_log_set(void (*cb)(int level, const char *text, void *user), void *user);

extern void specplanLlamaLog(int level, char *text, void *user);
static void specplan_log_hook(void) {
	llama_log_set((void (*)(int, const char *, void *))specplanLlamaLog, NULL);
}
*/
import "C"

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	ollama "github.com/ollama/ollama/llama"
)

// Token attributes (enum llama_token_attr in llama.h).
const (
	attrUnknown     = 1 << 0
	attrUnused      = 1 << 1
	attrNormal      = 1 << 2
	attrControl     = 1 << 3
	attrUserDefined = 1 << 4
	attrByte        = 1 << 5
)

// The ollama types hold the C pointer as their first field; these mirror them.
type modelLayout struct{ c unsafe.Pointer }
type contextLayout struct {
	c          unsafe.Pointer
	numThreads int
}

func modelPtr(m *ollama.Model) unsafe.Pointer     { return (*modelLayout)(unsafe.Pointer(m)).c }
func contextPtr(c *ollama.Context) unsafe.Pointer { return (*contextLayout)(unsafe.Pointer(c)).c }

func freeContext(c *ollama.Context) {
	if p := contextPtr(c); p != nil {
		C.llama_free(p)
		(*contextLayout)(unsafe.Pointer(c)).c = nil
	}
}

// copyLogits copies the logits of batch entry i into dst (len = vocabulary
// size) without the allocation ollama's GetLogitsIth makes per call.
func copyLogits(c *ollama.Context, i int, dst []float32) bool {
	p := C.llama_get_logits_ith(contextPtr(c), C.int32_t(i))
	if p == nil {
		return false
	}
	copy(dst, unsafe.Slice((*float32)(unsafe.Pointer(p)), len(dst)))
	return true
}

func metaString(m *ollama.Model, key string) (string, bool) {
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	n := C.llama_model_meta_val_str(modelPtr(m), ck, nil, 0)
	if n < 0 {
		return "", false
	}
	buf := make([]byte, int(n)+1)
	C.llama_model_meta_val_str(modelPtr(m), ck, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	return string(buf[:n]), true
}

func tokenAttr(m *ollama.Model, tok int) int {
	return int(C.llama_vocab_get_attr(unsafe.Pointer(m.Vocab()), C.int32_t(tok)))
}

// tokenPiece is the text llama.cpp appends for tok, rendering special
// tokens as nothing. (ollama's TokenToPiece trims NUL bytes, which loses
// the piece of the byte token for 0x00.)
func tokenPiece(m *ollama.Model, tok int, buf []byte) []byte { return tokenBytes(m, tok, buf, false) }

// tokenBytes is llama.cpp's text for tok; with special, a control token
// is spelled as its text (`<|eot_id|>`) instead of nothing.
func tokenBytes(m *ollama.Model, tok int, buf []byte, special bool) []byte {
	vocab := unsafe.Pointer(m.Vocab())
	for {
		n := C.llama_token_to_piece(vocab, C.int32_t(tok), (*C.char)(unsafe.Pointer(&buf[0])), C.int32_t(len(buf)), 0, C.bool(special))
		if n >= 0 {
			return append([]byte(nil), buf[:n]...)
		}
		buf = make([]byte, -n)
	}
}

func systemInfo() string { return C.GoString(C.llama_print_system_info()) }

// Logging: one process-wide hook (llama.cpp has one); output goes to stderr
// while any verbose Model is open, and the recent warnings/errors are kept so
// that a failed Load can say why.
var (
	verboseModels atomic.Int32
	logMu         sync.Mutex
	recentLog     []string
	lastLevel     C.int
	hookOnce      sync.Once
)

const (
	logInfo  = 2
	logWarn  = 3
	logError = 4
	logCont  = 5
)

//export specplanLlamaLog
func specplanLlamaLog(level C.int, text *C.char, _ unsafe.Pointer) {
	s := C.GoString(text)
	if verboseModels.Load() > 0 {
		os.Stderr.WriteString(s)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if level == logCont {
		level = lastLevel
	} else {
		lastLevel = level
	}
	if level >= logWarn && level != logCont {
		if line := strings.TrimSpace(s); line != "" {
			recentLog = append(recentLog, line)
			if len(recentLog) > 8 {
				recentLog = recentLog[len(recentLog)-8:]
			}
		}
	}
}

func installLogHook() { hookOnce.Do(func() { C.specplan_log_hook() }) }

func takeRecentLog() string {
	logMu.Lock()
	defer logMu.Unlock()
	s := strings.Join(recentLog, "; ")
	recentLog = nil
	return s
}
