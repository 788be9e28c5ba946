package ltl

import (
	"errors"
	"strconv"
	"testing"
)

func testFront(runEnd map[string]bool) *Frontend {
	return &Frontend{
		Lexer: NewLexer([]string{"rule"}, nil, `[!&()]`),
		Noun:  "text", SizeLimit: "MaxBytes", SizeRaise: " (raise it)",
		Depth: DepthRule{
			Open: WordSet("("), Close: WordSet(")"), Prefix: WordSet("!"), Reset: WordSet("rule"),
			RunEnd: runEnd, TooDeep: "over %d",
		},
	}
}

// TestPreflightDepth pins how DepthRule counts: open groups plus the run
// of prefix operators, a run ended by RunEnd tokens (nil: by any token),
// and Reset tokens starting afresh.
func TestPreflightDepth(t *testing.T) {
	for _, c := range []struct {
		name   string
		runEnd map[string]bool
		src    string
		max    int
		col    int // column of the depth error; 0: none
	}{
		{"prefix run counts", nil, "! ! ! a", 2, 5},
		{"groups count", nil, "( ( ( a ) ) )", 2, 5},
		{"close pops", nil, "( ( a ) ( a ) )", 2, 0},
		{"run under a group", nil, "( ! ! a )", 2, 5},
		{"any token ends the run", nil, "! a ( b )", 1, 0},
		{"only RunEnd ends the run", WordSet("&"), "! a ( b )", 1, 5},
		{"RunEnd token ends it", WordSet("&"), "! a & ( b )", 1, 0},
		{"reset starts afresh", nil, "( ( rule ( ( a", 2, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := testFront(c.runEnd).Preflight("f", []byte(c.src), c.max)
			var l ErrorList
			switch {
			case c.col == 0 && err != nil:
				t.Fatalf("unexpected %v", err)
			case c.col == 0:
			case !errors.As(err, &l) || len(l) != 1 || l[0].Code != ErrDepthLimit:
				t.Fatalf("want one depth-limit error, got %v", err)
			case l[0].Pos.Column != c.col || l[0].Msg != "over "+strconv.Itoa(c.max):
				t.Fatalf("got %v at column %d, want column %d", l[0].Msg, l[0].Pos.Column, c.col)
			}
		})
	}
}

func TestCheckSizePosition(t *testing.T) {
	err := testFront(nil).CheckSize("f", []byte("ab\nc\u00e9d"), 6)
	var l ErrorList
	if !errors.As(err, &l) || len(l) != 1 || l[0].Code != ErrSpecSize {
		t.Fatalf("want one size error, got %v", err)
	}
	if p := l[0].Pos; p.Line != 2 || p.Column != 3 || p.Offset != 6 {
		t.Errorf("size error at %d:%d (offset %d), want 2:3 (offset 6): the first byte past the limit", p.Line, p.Column, p.Offset)
	}
	if want := "text is 7 bytes, over MaxBytes = 6 (raise it)"; l[0].Msg != want {
		t.Errorf("message %q, want %q", l[0].Msg, want)
	}
	if err := testFront(nil).CheckSize("f", []byte("abc"), 3); err != nil {
		t.Errorf("a text of exactly the limit is refused: %v", err)
	}
}
