package outfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/specplan/specplan/internal/safetext"
)

// Checked wraps a writer (standard output) and keeps its first error:
// after one, every write fails with it at once, so a command stops early
// and reports once. Commands may ignore the results of their own prints
// and leave it to Err.
type Checked struct {
	w   io.Writer
	err error
}

// NewChecked wraps w.
func NewChecked(w io.Writer) *Checked { return &Checked{w: w} }

func (c *Checked) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// Err is the first write error, or nil.
func (c *Checked) Err() error { return c.err }

// IsTerminal says whether the wrapped writer is a terminal.
func (c *Checked) IsTerminal() bool { return IsTerminal(c.w) }

// IsBrokenPipe reports whether err means the reader went away (EPIPE): the
// output is no longer wanted, which is not worth an error message.
func IsBrokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }

// Fprintf is fmt.Fprintf with every string, error, fmt.Stringer and []byte
// argument escaped by safetext.Escape: the format is the program's own text,
// the arguments may come from a file name, a trace or a model. Numbers and
// other values pass unchanged.
func Fprintf(w io.Writer, format string, args ...any) (int, error) {
	return fmt.Fprintf(w, format, EscapeArgs(args)...)
}

// Sprintf is Fprintf into a string.
func Sprintf(format string, args ...any) string {
	return fmt.Sprintf(format, EscapeArgs(args)...)
}

// EscapeArgs returns args with text values escaped (see Fprintf).
func EscapeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = safetext.Escape(v)
		case []byte:
			out[i] = safetext.Escape(string(v))
		case error:
			out[i] = safetext.Escape(v.Error())
		case fmt.Stringer:
			out[i] = safetext.Escape(v.String())
		default:
			out[i] = a
		}
	}
	return out
}

// JSON writes v as one line of JSON (no HTML escaping) in which every rune
// safetext counts unsafe is written as a \u escape. encoding/json already
// escapes C0 controls and U+2028/U+2029 and replaces invalid UTF-8; it
// leaves DEL, C1 controls and bidirectional overrides raw, which a terminal
// or a log viewer would act on. A \u escape inside a JSON string decodes to
// the same rune, so a JSON reader sees exactly the value.
func JSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(EscapeJSON(buf.Bytes()))
	return err
}

// EscapeJSON rewrites unsafe runes of JSON text as \u escapes and invalid
// UTF-8 as \ufffd. It is meant for JSON, whose structure is ASCII, so every
// such rune is inside a string literal, where the escape means the same.
func EscapeJSON(b []byte) []byte {
	return escapeRunes(b, func(out []byte, unit []byte) []byte {
		r, _ := utf8.DecodeRune(unit)
		return fmt.Appendf(out, `\u%04x`, r)
	})
}

// EscapeDOT rewrites unsafe runes of Graphviz DOT text as their visible
// safetext escape with the backslash doubled (\\x1b), so that the label,
// and the SVG or PNG drawn from it, shows `\x1b` where the control was. It
// is meant for DOT whose unsafe runes can only be inside quoted labels
// (automata.WriteDOT: states are numbers, names are in labels).
func EscapeDOT(b []byte) []byte {
	return escapeRunes(b, func(out []byte, unit []byte) []byte {
		return append(out, strings.ReplaceAll(safetext.Escape(string(unit)), `\`, `\\`)...)
	})
}

// EscapeText rewrites unsafe runes as safetext escapes, keeping newlines
// and tabs: for text formats without an escape syntax of their own
// (Mermaid, where a backslash is an ordinary character).
func EscapeText(b []byte) []byte {
	return escapeRunes(b, func(out []byte, unit []byte) []byte {
		return append(out, safetext.Escape(string(unit))...)
	})
}

// escapeRunes keeps b's newlines and tabs, and rewrites every other unsafe
// rune (or byte of invalid UTF-8) with esc.
func escapeRunes(b []byte, esc func(out []byte, unit []byte) []byte) []byte {
	if !needsRunes(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == '\n' || r == '\t':
			out = append(out, b[i])
		case r == utf8.RuneError && n <= 1, safetext.Unsafe(r):
			out = esc(out, b[i:i+n])
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

func needsRunes(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 || r != '\n' && r != '\t' && safetext.Unsafe(r) {
			return true
		}
		i += n
	}
	return false
}

// SafeWriter is the last line of defence between any text the program
// prints and a terminal, a pipe or a log: it passes newlines and tabs, and
// rewrites every other rune safetext counts unsafe (ESC, CR, C1 controls,
// bidirectional overrides, invalid UTF-8) as a visible escape. It cannot
// tell a newline the program meant from one an input smuggled in, so text
// from inputs must still be escaped where it is printed (Fprintf); what
// SafeWriter guarantees is that nothing reaches the reader as a control.
// A UTF-8 sequence split across writes is held back until it is complete;
// Flush writes what is held (as escapes, since it is incomplete).
type SafeWriter struct {
	w    io.Writer
	held []byte
}

// NewSafeWriter wraps w.
func NewSafeWriter(w io.Writer) *SafeWriter { return &SafeWriter{w: w} }

func (s *SafeWriter) Write(p []byte) (int, error) {
	data := p
	if len(s.held) > 0 {
		data = append(s.held, p...)
		s.held = nil
	}
	cut := len(data) - incompleteSuffix(data)
	if cut < len(data) {
		s.held = append([]byte(nil), data[cut:]...)
	}
	if _, err := s.w.Write(escapeText(data[:cut])); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes any held partial UTF-8 sequence, escaped.
func (s *SafeWriter) Flush() error {
	if len(s.held) == 0 {
		return nil
	}
	out := escapeText(s.held)
	s.held = nil
	_, err := s.w.Write(out)
	return err
}

// IsTerminal says whether the wrapped writer is a terminal.
func (s *SafeWriter) IsTerminal() bool { return IsTerminal(s.w) }

// incompleteSuffix is the length of a trailing UTF-8 sequence that is cut
// short (0 when the text ends on a whole rune or on invalid bytes).
func incompleteSuffix(b []byte) int {
	for k := 1; k <= utf8.UTFMax-1 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < 0x80 {
			return 0
		}
		if c >= 0xc0 { // a leading byte
			if !utf8.FullRune(b[len(b)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}

// escapeText is what SafeWriter writes.
func escapeText(b []byte) []byte { return EscapeText(b) }
