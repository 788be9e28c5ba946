package decoder

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestToolNamesNotIdentifiers: BFCL's dotted names and MCP's hyphenated
// ones are written and read back by every format that can spell them, and
// refused when the index is built, naming the tool and the format, by the
// one that cannot (a hyphen in a Python callee).
func TestToolNamesNotIdentifiers(t *testing.T) {
	const dotted, hyphen = "ancient_empires.get_religion_info", "read-file"
	texts := map[Format]map[string]string{
		FormatJSON: {
			dotted: `{"name": "ancient_empires.get_religion_info", "arguments": {}}` + "\n",
			hyphen: `{"name": "read-file", "arguments": {}}` + "\n",
		},
		FormatHermes: {
			dotted: "<tool_call>\n" + `{"name": "ancient_empires.get_religion_info", "arguments": {}}` + "\n</tool_call>\n",
			hyphen: "<tool_call>\n" + `{"name": "read-file", "arguments": {}}` + "\n</tool_call>\n",
		},
		FormatPythonic: {dotted: "ancient_empires.get_religion_info()\n"},
		FormatReAct: {
			dotted: "Action: ancient_empires.get_religion_info[{}]\n",
			hyphen: "Action: read-file[{}]\n",
		},
	}
	vocab := testVocab()
	trie := NewTrie(vocab)
	for _, format := range []Format{FormatJSON, FormatHermes, FormatPythonic, FormatReAct} {
		for _, tool := range []string{dotted, hyphen} {
			d := universalDFA(toolSym(tool))
			s, err := NewSession(d, vocab, trie, IndexOptions{Format: format}, SessionOptions{})
			text, can := texts[format][tool]
			if !can {
				var ce *ConstraintError
				if !errors.As(err, &ce) || ce.Code != CodeFormat || !strings.Contains(err.Error(), fmt.Sprintf("%q", tool)) || !strings.Contains(err.Error(), format.String()) {
					t.Errorf("%s %s: got %v, want a format error naming the tool and the format", format, tool, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s %s: %v", format, tool, err)
				continue
			}
			for j, b := range []byte(text) {
				if err := s.Accept(int(b)); err != nil {
					t.Fatalf("%s %s: byte %d (%q) after %q: %v", format, tool, j, b, text[:j], err)
				}
			}
			evs, err := format.Parse([]byte(text))
			if err != nil || len(evs) != 1 || evs[0].Tool != tool {
				t.Errorf("%s %s: Parse = %v, %v", format, tool, evs, err)
			}
			if got := s.Events(); len(got) != 1 || got[0].Tool != tool {
				t.Errorf("%s %s: session events %v", format, tool, got)
			}
		}
	}
	for _, bad := range []string{"a.class", "a..b", ".a", "a.", "def"} {
		if err := FormatPythonic.checkToolName(bad); err == nil {
			t.Errorf("pythonic accepts callee %q", bad)
		}
	}
}
