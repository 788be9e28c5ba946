// Package decimal reads and compares exact decimal numbers in their text:
// the one number scanner and comparer behind ltl.Number and schema's
// allocation-free checks.
//
// Contract:
//
//   - Parse reads JSON's number grammar (RFC 8259), or with LeadingZeros
//     also integer parts such as "007"; anything else is not ok. It scans
//     the text once, allocates nothing, and works on a string or on bytes
//     (a Go number formatted into a stack buffer).
//   - A Decimal is a view into the text it was read from: sign, the window
//     of significant digits (which may span the '.') and the exponent of
//     the leading digit. Exponents as written are saturated far beyond any
//     range a caller keeps (MaxExp), so no arithmetic overflows.
//   - Compare is exact on the decimal values (no float64 rounding), linear
//     in the digits, and allocates nothing.
//   - AppendGo writes a Go number as its decimal text: integers in full,
//     floats as the shortest decimal that rounds to them (the text
//     encoding/json writes and fmt's %v prints).
package decimal
