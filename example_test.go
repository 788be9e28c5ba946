package specplan_test

import (
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/ltl"
)

// A guardrail between an agent framework and its tools: every tool call the
// LLM proposes goes through Monitor.Step before it runs.
func ExampleMonitor() {
	spec, err := specplan.Compile("guard.ltl", []byte(`
spec guard "confirm before delete"
steps observation, answer
tools confirm, delete_file
rule G(call -> X observation)
rule G(delete_file -> Y(observation & Y confirm))
rule F answer
`), specplan.Options{})
	if err != nil {
		panic(err)
	}
	session := spec.NewMonitor() // one per conversation; spec is shared

	proposed := []ltl.Event{
		{Tool: "delete_file", Args: map[string]any{"path": "/tmp/a"}}, // blocked: not confirmed
		{Tool: "confirm", Args: map[string]any{"question": "delete /tmp/a?"}},
		{Step: "observation", Text: "yes"},
		{Tool: "delete_file", Args: map[string]any{"path": "/tmp/a"}},
		{Step: "observation", Text: "deleted"},
	}
	for _, e := range proposed {
		d := session.Step(e)
		fmt.Printf("%-12s allow=%v\n", e.Name(), d.Allow)
	}
	fmt.Println("may end now:", session.CanEnd())
	fmt.Println("next:", session.Allowed())
	// Output:
	// delete_file  allow=false
	// confirm      allow=true
	// observation  allow=true
	// delete_file  allow=true
	// observation  allow=true
	// may end now: false
	// next: [observation answer confirm]
}
