package ltl

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Frontend is the scaffolding every specplan language parsed with
// participle shares: .ltl specs here, .app files in package apps, .routine
// files in package routines. Each language declares one Frontend; its
// parse function calls CheckSize on the raw text (before anything lexes it:
// the parser allocates kilobytes per input byte), blanks a byte-order mark
// with BlankBOM, bounds nesting with Preflight (participle's recursive
// descent would otherwise overflow the stack), and turns participle's
// errors into an ErrorList with SyntaxError. Every error names the limit
// and what raises it.
type Frontend struct {
	// Lexer is the language's lexer, as NewLexer builds it.
	Lexer *lexer.StatefulDefinition
	// Noun names the input in the size error: "spec" gives "spec is N
	// bytes, over …".
	Noun string
	// SizeLimit names the Options field of the size limit, and SizeRaise
	// says what raises it (" (raise it with --max-spec-bytes or …)").
	SizeLimit, SizeRaise string
	// Depth is how Preflight counts nesting.
	Depth DepthRule
	// ChainLimit is the message, with one %d for participle.MaxIterations,
	// for participle's fixed bound on one repetition.
	ChainLimit string
	// Names turns the grammar's production names, as participle's
	// messages spell them ("GIff"), into words ("a formula"). They are
	// replaced in order.
	Names [][2]string
	// Atom is the language's atom production when its grammar holds
	// formulas (FormulaSyntax[Atom]); nil otherwise. Participle names
	// the generic formula productions with their type argument
	// (GIff[…Atom]); SyntaxError takes that back out, so that Names
	// and the messages are those of the language's own productions.
	Atom reflect.Type
	// LexHint, when set, may add advice to an error found while lexing
	// (package ltl's says how to quote a name such as read-file).
	LexHint func(src []byte, err error) error
}

// DepthRule is how Preflight measures nesting on the token stream: the
// depth at a token is the number of groups open there plus the run of
// prefix operators applied to the current operand.
type DepthRule struct {
	Open, Close map[string]bool // tokens opening and closing a group
	Prefix      map[string]bool // prefix operators
	// Reset are the tokens that start a new declaration: depth is 0 again.
	Reset map[string]bool
	// RunEnd are the tokens that end a run of prefix operators; nil means
	// every token that is not itself a prefix operator.
	RunEnd map[string]bool
	// TooDeep is the message, with one %d for the limit, naming what
	// raises it.
	TooDeep string
}

// WordSet returns the set of words: a language's reserved words, or the
// tokens of a DepthRule.
func WordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// NewLexer builds a language's lexer: comments (# or // to the end of the
// line), white space and double-quoted strings first, then the language's
// own tokens in order (numbers, names, references), then its reserved
// words as Keyword tokens (whole words only), identifiers as Ident tokens,
// and punctuation matching the punct pattern. A reserved word therefore
// never lexes as an Ident.
func NewLexer(reserved []string, tokens []lexer.SimpleRule, punct string) *lexer.StatefulDefinition {
	rules := []lexer.SimpleRule{
		{Name: "comment", Pattern: `(?:#|//)[^\n]*`},
		{Name: "whitespace", Pattern: `\s+`},
		{Name: "String", Pattern: `"(?:\\.|[^"\\\n])*"`},
	}
	rules = append(rules, tokens...)
	return lexer.MustSimple(append(rules,
		lexer.SimpleRule{Name: "Keyword", Pattern: `(?:` + strings.Join(reserved, "|") + `)\b`},
		lexer.SimpleRule{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		lexer.SimpleRule{Name: "Punct", Pattern: punct},
	))
}

// BlankBOM returns src with a leading UTF-8 byte-order mark replaced by
// three spaces: blanked rather than cut, so that offsets and columns still
// index the file as its author has it.
func BlankBOM(src []byte) []byte {
	if bytes.HasPrefix(src, utf8BOM) {
		return append([]byte("   "), src[len(utf8BOM):]...)
	}
	return src
}

// CheckSize refuses a text of more than maxBytes bytes with ErrSpecSize,
// positioned at the first byte past the limit.
func (f *Frontend) CheckSize(filename string, src []byte, maxBytes int) error {
	if len(src) <= maxBytes {
		return nil
	}
	head := src[:maxBytes]
	line := bytes.Count(head, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(head, '\n') + 1
	p := Pos{Filename: filename, Offset: maxBytes, Line: line, Column: utf8.RuneCount(head[lineStart:]) + 1}
	return ErrorList{{Pos: p, Code: ErrSpecSize,
		Msg: fmt.Sprintf("%s is %d bytes, over %s = %d%s", f.Noun, len(src), f.SizeLimit, maxBytes, f.SizeRaise)}}
}

// Preflight lexes src and refuses it with ErrDepthLimit where its nesting
// (as f.Depth measures it) exceeds maxDepth, before participle sees it. A
// lexical error is a syntax error. It takes time linear in len(src) and
// memory linear in the depth.
func (f *Frontend) Preflight(filename string, src []byte, maxDepth int) error {
	lx, err := f.Lexer.Lex(filename, bytes.NewReader(src))
	if err != nil {
		return f.SyntaxError(filename, err)
	}
	r := &f.Depth
	var stack []int // the depth inside each open group
	run := 0
	for {
		tok, err := lx.Next()
		if err != nil {
			err = f.SyntaxError(filename, err)
			if f.LexHint != nil {
				err = f.LexHint(src, err)
			}
			return err
		}
		if tok.EOF() {
			return nil
		}
		base := 0
		if len(stack) > 0 {
			base = stack[len(stack)-1]
		}
		switch v := tok.Value; {
		case r.Open[v]:
			stack = append(stack, base+run+1)
			run = 0
		case r.Close[v]:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			run = 0
		case r.Prefix[v]:
			run++
		case r.Reset[v]:
			stack, run = stack[:0], 0
		case r.RunEnd == nil || r.RunEnd[v]:
			run = 0
		}
		d := run
		if len(stack) > 0 {
			d += stack[len(stack)-1]
		}
		if d > maxDepth {
			return ErrorList{{Pos: tok.Pos, Code: ErrDepthLimit, Msg: fmt.Sprintf(r.TooDeep, maxDepth)}}
		}
	}
}

// SyntaxError turns a lexer or participle error into an ErrorList of one
// ErrSyntax (or ErrSizeLimit, for participle's bound on one repetition)
// whose message names productions in words.
func (f *Frontend) SyntaxError(filename string, err error) error {
	var pe participle.Error
	if errors.As(err, &pe) {
		pos := pe.Position()
		if pos.Filename == "" {
			pos.Filename = filename
		}
		msg := pe.Message()
		if strings.HasPrefix(msg, "too many iterations") {
			// participle's own bound on one repetition, reachable only
			// with a raised size limit.
			return ErrorList{{Pos: pos, Code: ErrSizeLimit, Msg: fmt.Sprintf(f.ChainLimit, participle.MaxIterations)}}
		}
		msg = strings.TrimPrefix(msg, "lexer: ")
		if strings.HasPrefix(msg, "invalid input text") {
			msg = "invalid character at " + strings.TrimPrefix(msg, "invalid input text ")
		}
		if f.Atom != nil {
			msg = strings.ReplaceAll(msg, "["+f.Atom.PkgPath()+"."+f.Atom.Name()+"]", "")
		}
		for _, r := range f.Names {
			msg = strings.ReplaceAll(msg, r[0], r[1])
		}
		return ErrorList{{Pos: pos, Code: ErrSyntax, Msg: "syntax error: " + msg}}
	}
	return ErrorList{{Pos: Pos{Filename: filename, Line: 1, Column: 1}, Code: ErrSyntax, Msg: "syntax error: " + err.Error()}}
}

// SourceText is the text of src that toks (a production's tokens, in
// order) were lexed from, or "" when they do not index src.
func SourceText(src []byte, toks []lexer.Token) string {
	if len(toks) == 0 {
		return ""
	}
	start := toks[0].Pos.Offset
	last := toks[len(toks)-1]
	end := last.Pos.Offset + len(last.Value)
	if start < 0 || end > len(src) || start > end {
		return ""
	}
	return string(src[start:end])
}
