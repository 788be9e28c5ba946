// Package strictjson parses untrusted JSON the one way every other strict
// reader does: object keys match exactly (the caller looks them up byte for
// byte; nothing folds case), a key repeated in one object is an error, data
// after the value is an error, invalid UTF-8 and lone UTF-16 surrogates are
// errors, and numbers are kept as written (json.Number text), so
// 99999999999999999999, 9007199254740993, 1e400 and -1e-400 survive exactly.
// Nesting depth and the number of values are bounded, and parsing is linear
// in the input: a bounded amount of work per byte, and duplicate detection
// by a map once an object has more than a few keys.
//
// Every error is an *Error carrying the byte offset of the offending byte, so
// that callers print file:line:col, and the JSON pointer of the value it is
// in. The parsed form, Value, keeps object members in input order
// (templates print catalog keys in the order given) and the offset of every
// value and key; At finds a value by JSON pointer, IsInteger tells the
// numbers Python's json reads as int from its floats, and Any is the form
// encoding/json decodes with UseNumber (what JSON Schema validators take).
//
// This is the one strict JSON reader of the project: ltl (traces, catalogs,
// examples), chat (messages and tools), schema (schema documents and raw
// instances) and the decoder's call parsers build on it; callers convert
// its tree to their own forms instead of parsing again.
//
// # Why an own parser
//
// encoding/json matches keys case-insensitively and lets the last duplicate
// win; a thin layer over it cannot see duplicates or case variants once it
// has decoded into a struct, and its Token API still needs a tree built on
// top. encoding/json/v2 has the strict semantics but needs a GOEXPERIMENT
// that every embedding program would have to set. github.com/go-json-experiment/json
// (the same code as a plain module) has a strict tokenizer with offsets and
// duplicate detection, but its nesting limit is a fixed constant, not a
// caller's option, and it would add a module that every guardrail-only user
// links (ltl and the root package read JSON). The ordered, positioned tree
// this package returns is needed either way, and the JSON grammar is small
// enough to parse here in a few hundred lines that the fuzz target checks
// against encoding/json on every input without duplicate keys.
package strictjson
