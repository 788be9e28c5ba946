package schema_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/specplan/specplan/schema"
)

// Compile a tool's parameter schema once; validate every call's arguments
// against it.
func Example() {
	s, err := schema.Compile([]byte(`{
		"type": "object",
		"required": ["order_id", "amount"],
		"properties": {
			"order_id": {"type": "string", "pattern": "^[A-Z][0-9]{1,5}$"},
			"amount": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
			"on": {"type": "string", "format": "date"}
		}
	}`), schema.CompileOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.ValidateArgs(map[string]any{"order_id": "A17", "amount": json.Number("40.50")}))
	err = s.ValidateArgs(map[string]any{"order_id": "a17", "amount": 1000.5, "on": "2024-02-30"})
	var ve *schema.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Printf("%s %s: %s\n", p.Pointer, p.Keyword, p.Msg)
		}
	}
	// Unordered output:
	// <nil>
	// /order_id pattern: "a17" does not match the pattern "^[A-Z][0-9]{1,5}$"
	// /amount maximum: 1000.5 is greater than the maximum 1000
	// /on format: "2024-02-30" is not a valid date: parsing time "2024-02-30": day out of range
}

// A reference outside the schema is refused, never fetched.
func ExampleCompile_remoteRef() {
	_, err := schema.Compile([]byte(`{"properties": {"user": {"$ref": "https://example.com/user.json"}}}`), schema.CompileOptions{})
	fmt.Println(errors.Is(err, &schema.CompileError{Code: schema.ErrRemoteRef}))
	fmt.Println(err.(*schema.CompileError).Pointer)
	// Output:
	// true
	// /properties/user/$ref
}

// A schema no value satisfies compiles (it is valid JSON Schema), and
// Contradictions says where it is empty.
func ExampleSchema_Contradictions() {
	s, _ := schema.Compile([]byte(`{"type": "object", "properties": {"n": {"type": "integer", "minimum": 10, "maximum": 5}}}`), schema.CompileOptions{})
	for _, p := range s.Contradictions() {
		fmt.Println(p.SchemaPointer, p.Msg)
	}
	// Output:
	// /properties/n/maximum no number is at least 10 and at most 5
}
