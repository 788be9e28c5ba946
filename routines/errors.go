package routines

import (
	"strconv"

	"github.com/specplan/specplan/ltl"
)

// Codes of this package's errors. They are ltl.Code values, so that every
// diagnostic is an ltl.Error in an ltl.ErrorList (Format, FormatFiles and
// Codes work unchanged); they start at 1000, above ltl's own. Where a
// failure means what an ltl code means (ltl.ErrSyntax, ltl.ErrSpecSize,
// ltl.ErrDepthLimit, ltl.ErrDuplicate, ltl.ErrReserved) that code is used.
// CodeName names both kinds.
const (
	ErrStepNumber      ltl.Code = 1000 + iota // a step number out of order, repeated or malformed
	ErrPlacement                              // a declaration inside a block, `optional` or `as` where it means nothing
	ErrLiteral                                // an invalid string or number literal, a duplicate key in a JSON object
	ErrRepeatLimit                            // `max N` below 1 or above Options.MaxRepeat
	ErrInputType                              // an input type that is not a JSON Schema type name or any
	ErrUnknownTool                            // a call of a tool the catalog does not have
	ErrUnknownArg                             // an argument the tool's schema does not have
	ErrMissingArg                             // a required argument neither given nor left to the model (any, ...)
	ErrUndefined                              // a reference to a name not defined on every path to it
	ErrTypeMismatch                           // a value whose type differs from the one its use needs
	ErrUnreachable                            // a step no run can reach
	ErrLower                                  // a routine Lower cannot express in issue 9's .ltl syntax
	ErrLowerSize                              // a lowered spec over LowerOptions.MaxBytes
	ErrTextForm                               // a line of the Routine paper's text form that is not a step
	ErrForcedElsewhere                        // an argument one step forces and another step of the tool may omit
	ErrMissingInput                           // Compile: an input declared without a value
	ErrInputValue                             // Compile: an input value not of its declared type, or one not declared
	ErrSchemaValue                            // a value of the right type that the parameter's schema rejects
	errLast
)

var codeNames = map[ltl.Code]string{
	ErrStepNumber:      "step-number",
	ErrPlacement:       "placement",
	ErrLiteral:         "literal",
	ErrRepeatLimit:     "repeat-limit",
	ErrInputType:       "input-type",
	ErrUnknownTool:     "unknown-tool",
	ErrUnknownArg:      "unknown-arg",
	ErrMissingArg:      "missing-arg",
	ErrUndefined:       "undefined",
	ErrTypeMismatch:    "type-mismatch",
	ErrUnreachable:     "unreachable",
	ErrLower:           "lower",
	ErrLowerSize:       "lower-size-limit",
	ErrTextForm:        "text-form",
	ErrForcedElsewhere: "forced-elsewhere",
	ErrMissingInput:    "missing-input",
	ErrInputValue:      "input-value",
	ErrSchemaValue:     "schema-value",
}

// CodeName is the name of a code of this package or of package ltl.
func CodeName(c ltl.Code) string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return c.String()
}

// errs collects diagnostics; result sorts them by position.
type errs struct{ list ltl.ErrorList }

func (e *errs) add(p Pos, c ltl.Code, msg string) {
	e.list = append(e.list, &ltl.Error{Pos: p, Code: c, Msg: msg})
}

func (e *errs) result() error {
	if len(e.list) == 0 {
		return nil
	}
	return e.list.Sorted()
}

func shortPos(p Pos) string { return strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) }
