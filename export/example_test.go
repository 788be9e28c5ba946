package export_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/export"
)

const demoSpec = `spec demo
steps answer
tools lookup
rule F answer
rule G(answer -> last)
rule never(lookup(id == "b"))
`

var demoTools = map[string]json.RawMessage{
	"lookup": json.RawMessage(`{"type": "object", "properties": {"id": {"type": "string", "enum": ["a", "b"]}}, "required": ["id"]}`),
}

// GBNF of one generation in the react format: the model may look up "a"
// (never "b") and must answer.
func ExampleGBNF() {
	spec, err := specplan.Compile("demo.ltl", []byte(demoSpec), specplan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	g, err := export.GBNF(spec, export.Options{Format: decoder.FormatReAct, Tools: demoTools})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(g))
	// Output:
	// # GBNF (llama.cpp): one generation of spec demo, call format react, from the initial state.
	// # Written by specplan's plan compile. Not in the grammar: --max-tokens budgets, state across turns.
	// root ::= state-0
	// # event state 0, message mode 0
	// state-0 ::= step-answer | call-lookup state-0
	// # a step answer
	// step-answer ::= "Answer: " answer "\n"
	// answer ::= [\t -\uD7FF\uE000-\U0010FFFF]*
	// # a call lookup(!(id == "b"))
	// call-lookup ::= "Action: lookup[{\"id\": \"a\"}]\n"
}

// The same language as one regex, matched against the whole text.
func ExampleRegex() {
	spec, err := specplan.Compile("demo.ltl", []byte(demoSpec), specplan.Options{})
	if err != nil {
		log.Fatal(err)
	}
	re, err := export.Regex(spec, export.Options{Format: decoder.FormatJSON, Tools: demoTools})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(re))
	// Output:
	// (?:\{"name": "lookup", "arguments": \{"id": "a"\}\}\n)*Answer: [^\x00-\x08\n-\x1f]*\n
}
