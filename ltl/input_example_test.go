package ltl_test

import (
	"fmt"
	"strings"

	"github.com/specplan/specplan/ltl"
)

// Traces are read strictly and under limits: a key that differs from "args"
// only in case, or a repeated key, is an error, not a second meaning; and
// argument numbers keep every digit.
func ExampleOptions_ReadTrace() {
	opts := ltl.Options{MaxLineBytes: 4096, MaxJSONDepth: 16}
	trace := `{"tool":"refund","args":{"amount":9007199254740993}}
{"tool":"refund","args":{"amount":5000},"Args":{"amount":40}}
{"tool":"refund","args":{"amount":5000,"amount":40}}
`
	_, err := opts.ReadTrace("t.jsonl", strings.NewReader(trace), nil)
	fmt.Println(err)

	events, _ := opts.ReadTrace("ok.jsonl", strings.NewReader(`{"tool":"refund","args":{"amount":9007199254740993}}`), nil)
	fmt.Println(events[0].Args["amount"])
	// Output:
	// t.jsonl:2:41: key "Args" differs from "args" only in case; keys are case-sensitive (did you mean "args"?)
	// t.jsonl:3:40: invalid JSON: duplicate key "amount" (first at 3:26); keys must be unique
	// 9007199254740993
}

// ParseCatalog reads the OpenAI tools array, the same wrapped as
// {"tools": [...]}, and an MCP tools/list result, also inside its JSON-RPC
// response.
func ExampleOptions_ParseCatalog() {
	mcp := `{"jsonrpc": "2.0", "id": 1, "result": {"tools": [
  {"name": "get_order", "description": "Look up an order", "inputSchema": {"type": "object", "properties": {"order_id": {"type": "string"}}}}
]}}`
	tools, err := ltl.Options{}.ParseCatalog("tools.json", []byte(mcp))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range tools {
		fmt.Printf("%s at %d:%d: %s\n", t.Name, t.Pos.Line, t.Pos.Column, t.Parameters)
	}
	// Output:
	// get_order at 2:3: {"type": "object", "properties": {"order_id": {"type": "string"}}}
}
