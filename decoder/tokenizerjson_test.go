package decoder

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/specplan/specplan/internal/modfile"
)

var llama3Vocab = sync.OnceValues(func() (*Vocab, error) {
	p, err := modfile.Tokenizer(modfile.Llama3Tokenizer)
	if err != nil {
		return nil, err
	}
	return LoadTokenizerJSON(p)
})

func mustLlama3(t testing.TB) *Vocab {
	t.Helper()
	v, err := llama3Vocab()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLoadTokenizerJSONLlama3(t *testing.T) {
	v := mustLlama3(t)
	if v.Size() != 128256 {
		t.Fatalf("size %d, want 128256", v.Size())
	}
	for id, want := range map[int]string{
		9906: "Hello", 1917: " world", 198: "\n", 220: " ", 188: "\x00",
		0: "!", 90: "{", 1: "\"", 128000: "", 128009: "",
	} {
		if got := string(v.Pieces[id]); got != want {
			t.Errorf("token %d = %q, want %q", id, got, want)
		}
	}
	if !v.Special[128000] || !v.Special[128255] || v.Special[9906] {
		t.Errorf("Special flags wrong: 128000=%v 128255=%v 9906=%v", v.Special[128000], v.Special[128255], v.Special[9906])
	}
	if v.BOS != 128000 || !v.IsEOG(128001) || !v.IsEOG(128009) || v.IsEOG(128000) {
		t.Errorf("BOS %d EOG %v", v.BOS, v.EOG)
	}
	// Byte-level BPE covers every byte with a single-byte token.
	var single [256]bool
	for _, p := range v.Pieces {
		if len(p) == 1 {
			single[p[0]] = true
		}
	}
	for b, ok := range single {
		if !ok {
			t.Errorf("no token for byte %#x", b)
		}
	}
}

func TestLoadTokenizerJSONCohere(t *testing.T) {
	p, err := modfile.Tokenizer(modfile.CohereTokenizer)
	if err != nil {
		t.Fatal(err)
	}
	v, err := LoadTokenizerJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	if v.Size() < 75000 || v.BOS < 0 || !v.Special[v.BOS] {
		t.Errorf("size %d BOS %d", v.Size(), v.BOS)
	}
}

func TestLoadTokenizerJSONSentencePiece(t *testing.T) {
	v, err := LoadTokenizerJSON(filepath.Join("testdata", "vocab", "sentencepiece.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "", "", "\n", "\xe2", " ", " the", "ing", " call", `{"`, "é", "<tool_call>"}
	if v.Size() != len(want) {
		t.Fatalf("size %d, want %d", v.Size(), len(want))
	}
	for id, w := range want {
		if string(v.Pieces[id]) != w {
			t.Errorf("token %d = %q, want %q", id, v.Pieces[id], w)
		}
	}
	if v.BOS != 1 || len(v.EOG) != 1 || v.EOG[0] != 2 || !v.Special[0] || v.Special[11] {
		t.Errorf("BOS %d EOG %v special %v", v.BOS, v.EOG, v.Special)
	}
	u, err := LoadTokenizerJSON(filepath.Join("testdata", "vocab", "unigram.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(u.Pieces[2]) != " hello" || string(u.Pieces[3]) != "\x00" || !u.IsEOG(1) {
		t.Errorf("unigram pieces %q EOG %v", u.Pieces, u.EOG)
	}
}

func TestLoadTokenizerJSONErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, nil, 0o644)
	for _, c := range []struct {
		path string
		code TokenizerErrorCode
		msg  string
	}{
		{filepath.Join(dir, "missing.json"), TokenizerMissing, "cannot read"},
		{empty, TokenizerCorrupt, "invalid JSON"},
		{filepath.Join("testdata", "vocab", "corrupt.json"), TokenizerCorrupt, "corrupt.json:5:3:"},
		{filepath.Join("testdata", "vocab", "wordpiece.json"), TokenizerUnsupported, "WordPiece"},
		{filepath.Join("testdata", "vocab", "badid.json"), TokenizerCorrupt, "out of range"},
	} {
		_, err := LoadTokenizerJSON(c.path)
		var te *TokenizerError
		if !errors.As(err, &te) || te.Code != c.code || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want code %v containing %q", c.path, err, c.code, c.msg)
		}
	}
}

func TestByteLevelEncodeRoundTrip(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	got, ok := byteLevelDecode(ByteLevelEncode(all))
	if !ok || !bytes.Equal(got, all) {
		t.Errorf("round trip of all bytes failed: %v %q", ok, got)
	}
	if ByteLevelEncode([]byte(" world\n")) != "ĠworldĊ" {
		t.Errorf("encode = %q", ByteLevelEncode([]byte(" world\n")))
	}
}

// TestTokenizerSizeLimitSaysItIsFixed: the file-size limit is an error that
// says so, like the project's other limits: no flag raises it, and the
// message must not leave the user looking for one.
func TestTokenizerSizeLimitSaysItIsFixed(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := ReadTokenizerJSON("/dev/zero")
	if err == nil || !strings.Contains(err.Error(), "67108864 bytes") || !strings.Contains(err.Error(), "(a fixed limit)") {
		t.Fatalf("got %v, want the 67108864-byte limit, marked as fixed", err)
	}
}
