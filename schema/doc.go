// Package schema is specplan's JSON Schema: parsing and standard
// validation of tool-call arguments, for the guard path (validate,
// Monitor, check) and for anyone else who needs a tool's schema.
//
// Contract:
//
//   - Compile once, validate many times. A tool's parameter schema is
//     compiled once per catalog (Compile returns an immutable *Schema);
//     Validate and ValidateArgs never re-parse and are safe for concurrent
//     use. For the keywords tool catalogs use (type, properties, required,
//     additionalProperties, enum, const, numeric bounds, lengths, pattern,
//     format, items, min/max counts, $ref, allOf/anyOf/oneOf, not,
//     if/then/else) validating a valid value allocates nothing.
//   - Standard JSON Schema: drafts 4, 6, 7, 2019-09 and 2020-12, chosen by
//     `$schema`; a schema without `$schema` is 2020-12 (DefaultDraft;
//     CompileOptions.DefaultDraft changes it). Validation is
//     github.com/santhosh-tekuri/jsonschema/v6, checked against the
//     official JSON-Schema-Test-Suite (testdata/, per draft).
//   - `format` is asserted in every draft, for every format the validator
//     knows: date-time, date, time, duration, email, idn-email, hostname,
//     idn-hostname, ipv4, ipv6, uri, uri-reference, iri, iri-reference,
//     uri-template, uuid, json-pointer, relative-json-pointer, regex,
//     period, semver; hostname/idn-hostname apply IDNA2008 (RFC 5890-5893)
//     from draft 7 on, RFC 1123 alone before. An unknown format name (OpenAPI's int32, double,
//     password …) constrains nothing, as the drafts say of unknown formats.
//     contentEncoding/contentMediaType/contentSchema are annotations only.
//   - Regular expressions (`pattern`, `patternProperties`, format
//     "regex") must be ECMA-262 syntax, as JSON Schema says (so Python's
//     `(?P<name>…)` and inline flags `(?i)` are refused), and patterns are
//     run by Go's regexp (RE2), the engine the decoder generates by. A
//     pattern RE2 cannot run (lookaround, backreferences) is a compile
//     error, ErrRegex, never an approximate match. Where the two engines
//     differ on syntax both accept, RE2's meaning applies: `.` excludes
//     only "\n" (ECMA-262 also excludes "\r", U+2028, U+2029) and `\s`
//     is ASCII white space.
//   - Nothing is ever fetched. A `$ref` (or `$schema`) to another
//     document — http, https, file or a relative path — is a compile error,
//     ErrRemoteRef; definitions belong under `$defs`/`definitions`. The
//     drafts' metaschemas are built in.
//   - Every valid schema compiles, whether or not the decoder can generate
//     under it: that is a separate analysis (the decoder's), and nothing
//     here depends on it.
//   - Hostile input: the schema's JSON (and a json.RawMessage value, and
//     Example's schema) is read by the project's strict reader,
//     internal/strictjson (valid UTF-8, no lone surrogates, no duplicate
//     keys, one value) within CompileOptions.MaxBytes and MaxDepth;
//     number literals are bounded by CompileOptions.MaxNumberLen in schemas and in
//     values, so exact comparison stays cheap. Errors are *CompileError with a Code,
//     the JSON pointer of the place at fault, the keyword and, where known,
//     the byte offset.
//   - Values are compared exactly: json.Number and Go integers by their
//     digits, floats by their shortest decimal form, so 9007199254740993
//     is neither 9007199254740992 nor rounded. A validation failure is a
//     *ValidationError whose Problems each give the JSON pointer of the
//     failing value, the keyword and what is wrong in words.
package schema
