package specplan

import (
	"encoding/json"
	"testing"

	"github.com/specplan/specplan/ltl"
)

// TestToolArgsKeysExact: the predicate domains read the schema's keywords
// exactly, as the validator does. "Properties" is no keyword to JSON
// Schema, so it must not narrow a domain (encoding/json's case folding
// read it as "properties", and an argument the validator accepts was
// outside the alphabet).
func TestToolArgsKeysExact(t *testing.T) {
	ta := readToolArgs(json.RawMessage(`{"type":"object","Properties":{"amount":{"type":"integer","maximum":50}},"AdditionalProperties":false}`))
	if len(ta.props) != 0 || ta.closed {
		t.Errorf("case variants of properties/additionalProperties read as keywords: %+v", ta)
	}
	ta = readToolArgs(json.RawMessage(`{"properties":{"amount":{"type":"integer","Maximum":50,"maximum":70}},"additionalProperties":false}`))
	d, ok := ta.props["amount"]
	want, _ := ltl.ParseNumber("70")
	if !ok || !ta.closed || !d.Integer || d.Max == nil || d.Max.Cmp(want) != 0 {
		t.Errorf("exact keywords not read: %+v", ta)
	}
	for _, bad := range []string{`{"properties":{"a":{"maximum":1}},"properties":{}}`, `{"properties":[]}`, `[]`, ``} {
		if ta := readToolArgs(json.RawMessage(bad)); len(ta.props) != 0 || ta.closed {
			t.Errorf("%s: read %+v, want nothing", bad, ta)
		}
	}
}
