package schema

import (
	"encoding/json"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/message"
)

// Draft 4 defines "integer" as "a JSON number without a fraction or
// exponent part": 12345.0 is a number but not an integer there, while
// drafts 6 and later (and the validator library, in every draft) accept
// any number whose value is integral. A draft-04 schema is judged by its
// own draft: this vocabulary, registered only for draft-04 schemas, adds
// the textual check to every `type` that allows integers but not numbers.
// It reads the number's text, which the values keep (json.Number).
var draft4Integer = &jsonschema.Vocabulary{
	URL: "urn:specplan:draft-04-integer",
	Compile: func(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
		integer, number := false, false
		switch t := obj["type"].(type) {
		case string:
			integer = t == "integer"
		case []any:
			for _, x := range t {
				integer = integer || x == "integer"
				number = number || x == "number"
			}
		}
		if !integer || number {
			return nil, nil
		}
		return draft4IntegerExt{}, nil
	},
}

type draft4IntegerExt struct{}

func (draft4IntegerExt) Validate(ctx *jsonschema.ValidatorContext, v any) {
	if n, ok := v.(json.Number); ok && strings.ContainsAny(n.String(), ".eE") {
		ctx.AddError(draft4IntegerError{})
	}
}

type draft4IntegerError struct{}

func (draft4IntegerError) KeywordPath() []string { return []string{"type"} }

func (draft4IntegerError) LocalizedString(*message.Printer) string {
	return "is a number written with a fraction or exponent part, which draft-04 does not count as an integer"
}

// mentionsInteger reports whether a schema document has a "type" that
// allows "integer" anywhere (the fast path does not read number text, so a
// draft-04 schema that does is validated by the library with the
// vocabulary above).
func mentionsInteger(doc any) bool {
	switch x := doc.(type) {
	case map[string]any:
		for k, v := range x {
			if k == "type" {
				switch t := v.(type) {
				case string:
					if t == "integer" {
						return true
					}
				case []any:
					for _, e := range t {
						if e == "integer" {
							return true
						}
					}
				}
			}
			if mentionsInteger(v) {
				return true
			}
		}
	case []any:
		for _, v := range x {
			if mentionsInteger(v) {
				return true
			}
		}
	}
	return false
}
