package export_test

import (
	"fmt"

	"github.com/specplan/specplan"
	"github.com/specplan/specplan/decoder"
	"github.com/specplan/specplan/export"
	"github.com/specplan/specplan/ltl"
)

// The tools a spec allows first, as XGrammar's structural tag for the
// Qwen call format: search is allowed, and its q must start with "site:".
func ExampleStructuralTag() {
	src := `spec s "search first"
tools search, fetch
rule before(search, fetch)
rule G(search -> search(q starts_with "site:"))
`
	cat, _ := ltl.ParseCatalog("tools.json", []byte(`[{"type": "function", "function": {"name": "search", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}},
 {"type": "function", "function": {"name": "fetch", "parameters": {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]}}}]`))
	spec, err := specplan.Compile("s.ltl", []byte(src), specplan.Options{Catalog: cat})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := export.StructuralTag(spec, export.StructTagOptions{Format: decoder.FormatQwen, State: export.StateStart})
	if err != nil {
		fmt.Println(err)
		return
	}
	tag := e.Tag.Format.Tags[0]
	fmt.Println(e.Tools)
	fmt.Printf("%q\n", tag.Begin.Text)
	fmt.Println(string(tag.Content.JSONSchema))
	// Output:
	// [search]
	// "<tool_call>\n{\"name\": \"search\", \"arguments\": "
	// {"type":"object","properties":{"q":{"type":"string","pattern":"^site:[\\s\\S]*$"}},"required":["q"]}
}
