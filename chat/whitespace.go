package chat

import (
	"fmt"
	"strings"
)

// The engine applies whitespace control (the - modifiers, trim_blocks,
// lstrip_blocks) to the nearest text in the source, skipping over any
// expressions and tags between, where Jinja2 applies it only to text that
// touches the tag. Where the two give different text, the engine would
// render differently from transformers; checkWhitespace finds those
// places by working out both, so that Compile refuses the template
// instead of rendering it wrong.

type wsSeg struct {
	kind                segKind
	text                string
	trimLeft, trimRight bool // the - modifiers
	line                int
}

func wsSegments(segs []segment) []wsSeg {
	out := make([]wsSeg, len(segs))
	line := 1
	for i, s := range segs {
		w := wsSeg{kind: s.kind, text: s.text, line: line}
		if s.kind != segText && len(s.text) >= 4 {
			w.trimLeft = s.text[2] == '-'
			w.trimRight = s.text[len(s.text)-3] == '-'
		}
		line += strings.Count(s.text, "\n")
		out[i] = w
	}
	return out
}

// blockLike reports whether trim_blocks and lstrip_blocks apply to s.
func (s wsSeg) blockLike() bool { return s.kind == segTag || s.kind == segComment }

func lstripBlockWS(s string, atStart bool) string {
	end := len(s)
	for end > 0 && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	switch {
	case end == len(s):
		return s
	case end == 0:
		if atStart {
			return ""
		}
		return s
	case s[end-1] == '\n':
		return s[:end]
	}
	return s
}

func trimNewlineWS(s string) string {
	switch {
	case strings.HasPrefix(s, "\r\n"):
		return s[2:]
	case strings.HasPrefix(s, "\n"):
		return s[1:]
	}
	return s
}

// whitespaceResults returns every text segment's text after whitespace
// control, with Jinja2's rule (adjacent only) or the engine's (nearest).
func whitespaceResults(segs []wsSeg, nearest bool) []string {
	texts := make([]string, len(segs))
	for i, s := range segs {
		texts[i] = s.text
	}
	isFirstText := func(j int) bool {
		if !nearest {
			return j == 0
		}
		for k := j - 1; k >= 0; k-- {
			if segs[k].kind == segText {
				return false
			}
		}
		return true
	}
	target := func(i, dir int) int {
		j := i + dir
		if !nearest {
			if j >= 0 && j < len(segs) && segs[j].kind == segText {
				return j
			}
			return -1
		}
		for ; j >= 0 && j < len(segs); j += dir {
			if segs[j].kind == segText {
				return j
			}
		}
		return -1
	}
	for i, s := range segs {
		if s.kind == segText {
			continue
		}
		if j := target(i, -1); j >= 0 {
			switch {
			case s.trimLeft:
				texts[j] = strings.TrimRight(texts[j], " \t\r\n\f\v")
			case s.blockLike():
				texts[j] = lstripBlockWS(texts[j], isFirstText(j))
			}
		}
	}
	for i, s := range segs {
		if s.kind == segText {
			continue
		}
		if j := target(i, +1); j >= 0 {
			switch {
			case s.trimRight:
				texts[j] = strings.TrimLeft(texts[j], " \t\r\n\f\v")
			case s.blockLike():
				texts[j] = trimNewlineWS(texts[j])
			}
		}
	}
	return texts
}

// checkWhitespace returns an error naming the first line where the engine
// would leave different whitespace from Jinja2.
func checkWhitespace(segs []segment) error {
	ws := wsSegments(segs)
	jinja2 := whitespaceResults(ws, false)
	engine := whitespaceResults(ws, true)
	for i := range ws {
		if jinja2[i] != engine[i] {
			return fmt.Errorf("line %d: the engine would trim the whitespace of %q differently from Jinja2 (a whitespace-control tag that does not touch this text)", ws[i].line, clip(ws[i].text))
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
