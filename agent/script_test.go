package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/specplan/specplan/agent"
	"github.com/specplan/specplan/ltl"
)

const orderScript = `{"tools": {
  "get_order": [
    {"when": {"order_id": "A17"}, "result": {"status": "delivered", "total": 42.50, "email": "a@shop.example"}},
    {"when": {"order_id": "B2", "express": true}, "error": "order service unavailable"},
    {"when": {"qty": 1e1}, "result": "ten"},
    {"when": {"tags": ["x", {"k": 2}]}, "result": "tagged"},
    {"result": {"status": "placed", "total": 1}}
  ],
  "issue_refund": [{"when": {"amount": 42.5}, "result": {"refund_id": "R1"}}]
}}`

// TestScriptAnswers: the first entry whose when matches answers, numbers
// equal as decimals, arguments when does not name are free, an entry
// without when is the default, an error entry fails the call, and a call
// no entry answers stops the run (Abort) naming the tool and arguments at
// the tool's entry list.
func TestScriptAnswers(t *testing.T) {
	s, err := agent.ReadScript("env.json", []byte(orderScript), agent.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	call := func(tool string, args string) (any, error) {
		var a map[string]any
		d := json.NewDecoder(strings.NewReader(args))
		d.UseNumber()
		if err := d.Decode(&a); err != nil {
			t.Fatal(err)
		}
		return s.Call(context.Background(), tool, a)
	}
	for _, c := range []struct {
		tool, args string
		want       string // the result as JSON, or "error: …"
	}{
		{"get_order", `{"order_id": "A17"}`, `{"email":"a@shop.example","status":"delivered","total":42.50}`},
		{"get_order", `{"order_id": "A17", "note": "extra args are free"}`, `{"email":"a@shop.example","status":"delivered","total":42.50}`},
		{"get_order", `{"order_id": "B2", "express": true}`, "error: order service unavailable"},
		{"get_order", `{"order_id": "B2", "express": false}`, `{"status":"placed","total":1}`},
		{"get_order", `{"order_id": "B2"}`, `{"status":"placed","total":1}`},
		{"get_order", `{"qty": 10}`, `"ten"`},
		{"get_order", `{"qty": 10.000}`, `"ten"`},
		{"get_order", `{"qty": 10.0001}`, `{"status":"placed","total":1}`},
		{"get_order", `{"qty": "10"}`, `{"status":"placed","total":1}`},
		{"get_order", `{"tags": ["x", {"k": 2.0}]}`, `"tagged"`},
		{"get_order", `{"tags": ["x", {"k": 2, "j": 1}]}`, `{"status":"placed","total":1}`},
		{"issue_refund", `{"order_id": "A17", "amount": 42.50}`, `{"refund_id":"R1"}`},
	} {
		got, err := call(c.tool, c.args)
		var text string
		if err != nil {
			text = "error: " + err.Error()
		} else {
			b, _ := json.Marshal(got)
			text = string(b)
		}
		if text != c.want {
			t.Errorf("%s(%s) = %s, want %s", c.tool, c.args, text, c.want)
		}
	}
	for _, c := range []struct{ tool, args, pos, shown string }{
		{"issue_refund", `{"order_id": "A17", "amount": 42.49}`, "env.json:9:19", `"amount":42.49`},
		{"cancel", `{}`, "env.json:1:1", "cancel({})"},
	} {
		_, err := call(c.tool, c.args)
		var el ltl.ErrorList
		if !errors.As(err, &el) || len(el) != 1 || el[0].Code != agent.ErrNoAnswer {
			t.Errorf("%s(%s): %v, want ErrNoAnswer", c.tool, c.args, err)
			continue
		}
		if msg := el[0].Error(); !strings.HasPrefix(msg, c.pos+":") || !strings.Contains(msg, c.tool+"(") || !strings.Contains(msg, c.shown) {
			t.Errorf("%s(%s): %q does not say where, the tool and its arguments", c.tool, c.args, msg)
		}
	}
}

// TestScriptErrors: every malformed environment is refused with its code
// at its position.
func TestScriptErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		code      ltl.Code
		pos       string
	}{
		{"not json", `{"tools": `, agent.ErrScriptSyntax, "1:11"},
		{"array", `[]`, agent.ErrScriptSyntax, "1:1"},
		{"no tools", `{}`, agent.ErrScriptSyntax, "1:1"},
		{"unknown top key", `{"tools": {}, "extra": 1}`, agent.ErrScriptKey, "1:15"},
		{"case variant", `{"Tools": {}}`, agent.ErrScriptKey, "1:2"},
		{"duplicate key", "{\"tools\": {\"a\": [{\"result\": 1}],\n \"a\": []}}", agent.ErrScriptSyntax, "2:2"},
		{"tools not object", `{"tools": []}`, agent.ErrScriptSyntax, "1:11"},
		{"entries not array", `{"tools": {"a": {}}}`, agent.ErrScriptSyntax, "1:17"},
		{"no entries", `{"tools": {"a": []}}`, agent.ErrScriptEntry, "1:17"},
		{"entry not object", `{"tools": {"a": [1]}}`, agent.ErrScriptEntry, "1:18"},
		{"entry unknown key", `{"tools": {"a": [{"result": 1, "reslt": 2}]}}`, agent.ErrScriptKey, "1:32"},
		{"entry key case", `{"tools": {"a": [{"Result": 1}]}}`, agent.ErrScriptKey, "1:19"},
		{"both", `{"tools": {"a": [{"result": 1, "error": "x"}]}}`, agent.ErrScriptEntry, "1:41"},
		{"neither", `{"tools": {"a": [{"when": {}}]}}`, agent.ErrScriptEntry, "1:18"},
		{"error not string", `{"tools": {"a": [{"error": 1}]}}`, agent.ErrScriptEntry, "1:28"},
		{"when not object", `{"tools": {"a": [{"when": [], "result": 1}]}}`, agent.ErrScriptEntry, "1:27"},
		{"after default", "{\"tools\": {\"a\": [{\"result\": 1},\n  {\"when\": {\"x\": 1}, \"result\": 2}]}}", agent.ErrScriptUnreachable, "2:3"},
		{"depth", `{"tools": {"a": [{"result": [[[[[[[[[[1]]]]]]]]]]}]}}`, agent.ErrScriptLimit, ""},
	} {
		_, err := agent.ReadScript("env.json", []byte(c.src), agent.Limits{MaxDepth: 8})
		var el ltl.ErrorList
		if !errors.As(err, &el) || len(el) == 0 {
			t.Errorf("%s: %v, want an ErrorList", c.name, err)
			continue
		}
		if el[0].Code != c.code {
			t.Errorf("%s: code %s (%v), want %s", c.name, agent.CodeName(el[0].Code), err, agent.CodeName(c.code))
		}
		if c.pos != "" && !strings.HasPrefix(el[0].Error(), "env.json:"+c.pos+":") {
			t.Errorf("%s: %q, want at %s", c.name, el[0].Error(), c.pos)
		}
	}
	// Limits name the Option and the flag.
	_, err := agent.ReadScript("env.json", []byte(orderScript), agent.Limits{MaxBytes: 10})
	if err == nil || !strings.Contains(err.Error(), "Limits.MaxBytes") || !strings.Contains(err.Error(), "--max-input-bytes") {
		t.Errorf("over MaxBytes: %v", err)
	}
	_, err = agent.ReadScript("env.json", []byte(orderScript), agent.Limits{MaxEntries: 3})
	if err == nil || !strings.Contains(err.Error(), "Limits.MaxEntries") || !strings.Contains(err.Error(), "--max-env-entries") {
		t.Errorf("over MaxEntries: %v", err)
	}
	_, err = agent.ReadScript("env.json", []byte(`{"tools": {"a": [{"result": [[[[[[[[[[1]]]]]]]]]]}]}}`), agent.Limits{MaxDepth: 8})
	if err == nil || !strings.Contains(err.Error(), "Limits.MaxDepth") {
		t.Errorf("over MaxDepth: %v", err)
	}
}

// TestScriptCheckTools: a scripted tool the spec does not have is an
// error at its key.
func TestScriptCheckTools(t *testing.T) {
	s, err := agent.ReadScript("env.json", []byte(orderScript), agent.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckTools([]string{"get_order", "issue_refund"}); err != nil {
		t.Errorf("CheckTools with every tool: %v", err)
	}
	err = s.CheckTools([]string{"get_order"})
	var el ltl.ErrorList
	if !errors.As(err, &el) || len(el) != 1 || el[0].Code != agent.ErrScriptTool || !strings.HasPrefix(el[0].Error(), "env.json:9:3:") {
		t.Errorf("CheckTools without issue_refund: %v", err)
	}
}

// FuzzReadScript: ReadScript never panics; what it accepts answers calls
// without panicking.
func FuzzReadScript(f *testing.F) {
	f.Add([]byte(orderScript))
	f.Add([]byte(`{"tools": {"a": [{"error": "x"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := agent.ReadScript("env.json", data, agent.Limits{MaxBytes: 1 << 16})
		if err != nil {
			var el ltl.ErrorList
			if !errors.As(err, &el) || len(el) == 0 {
				t.Fatalf("error %v is not an ErrorList", err)
			}
			return
		}
		for _, tool := range s.Tools() {
			s.Call(context.Background(), tool, map[string]any{"order_id": "A17", "qty": json.Number("10")})
		}
	})
}
