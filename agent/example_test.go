package agent_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/agent"
	"github.com/specplan/specplan/decoder/llama"
	"github.com/specplan/specplan/decoder/tinymodel"
)

// An embedding service runs a spec as an agent with its own tool code: a
// tool's error is the call's `fails` outcome, which the spec branches on
// (lookup.ltl: a failed lookup is reported right after it). The verdict
// is the independent checker's. The default tiny model has random
// weights: the constraint alone makes the run valid.
func ExampleAgent_Run() {
	spec, err := specplan.CompileFile("testdata/lookup.ltl", specplan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	path, err := tinymodel.EnsureDefault()
	if err != nil {
		fmt.Println(err)
		return
	}
	model, err := llama.Load(path, llama.Options{ContextSize: 4096})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer model.Close()
	tools := agent.ToolsFunc(func(ctx context.Context, name string, args map[string]any) (any, error) {
		if name == "lookup" {
			return nil, errors.New("the index is offline")
		}
		return map[string]any{"ok": true}, nil
	})
	a, err := agent.New(spec, model, agent.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := a.Run(context.Background(), tools, "Look up the weather.")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("first:", res.Events[0].Tool, res.Events[0].Outcome, res.Events[0].Error)
	fmt.Println("then:", res.Events[1].Tool)
	fmt.Println("accepted:", res.Accepted)
	// Output:
	// first: lookup failed the index is offline
	// then: report
	// accepted: true
}

// A scripted environment answers a call with the first entry whose
// `when` matches its arguments (numbers equal as decimals), else the
// default; an `error` entry makes the call fail.
func ExampleReadScript() {
	s, err := agent.ReadScript("env.json", []byte(`{"tools": {"get_order": [
  {"when": {"order_id": "A17"}, "result": {"status": "delivered", "total": 42.50}},
  {"when": {"order_id": "B2"}, "error": "no such order"},
  {"result": {"status": "placed", "total": 1}}]}}`), agent.Limits{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []string{"A17", "B2", "C3"} {
		res, err := s.Call(context.Background(), "get_order", map[string]any{"order_id": id})
		fmt.Println(id, res, err)
	}
	// Output:
	// A17 map[status:delivered total:42.50] <nil>
	// B2 <nil> no such order
	// C3 map[status:placed total:1] <nil>
}
