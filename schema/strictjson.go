package schema

import (
	"fmt"

	"github.com/specplan/specplan/internal/strictjson"
)

// readJSON decodes one JSON value through the project's strict reader
// (internal/strictjson): valid UTF-8, no duplicate key in any object,
// numbers kept exact as json.Number, nesting at most maxDepth, nothing
// after the value. It returns the value in the form the validator takes
// and the positioned tree, which later errors use to find the offset of a
// JSON pointer. Errors carry the byte offset and the JSON pointer of the
// place at fault.
func readJSON(data []byte, maxDepth int) (any, *strictjson.Value, error) {
	tree, err := strictjson.Parse(data, strictjson.Limits{MaxDepth: max(1, maxDepth)})
	if err != nil {
		je, ok := err.(*strictjson.Error)
		if !ok {
			return nil, nil, &CompileError{Code: ErrSyntax, Msg: err.Error()}
		}
		e := &CompileError{Code: ErrSyntax, Pointer: je.Pointer, Offset: je.Offset, Msg: "invalid JSON: " + je.Msg}
		switch {
		case je.Code == strictjson.ErrDuplicate:
			e.Msg = je.Msg
		case je.Code == strictjson.ErrDepth:
			e.Code = ErrLimit
			e.Msg = fmt.Sprintf("the schema nests deeper than %d levels (schema.CompileOptions.MaxDepth)", je.Limit)
		case je.Code == strictjson.ErrTrailing:
			e.Msg = "unexpected data after the schema's JSON value"
		case je.Code == strictjson.ErrSyntax && je.Offset >= len(data):
			e.Msg = "the JSON ends early"
		}
		return nil, nil, e
	}
	return tree.Any(), tree, nil
}

// offsetOf is the byte offset of the value at ptr in the schema's tree, or
// -1: errors found after decoding (by the metaschema, by $ref resolution)
// are then positioned like syntax errors.
func offsetOf(tree *strictjson.Value, ptr string) int {
	if v := tree.At(ptr); v != nil {
		return v.Offset()
	}
	return -1
}
