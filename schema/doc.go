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
//     under it: that is a separate analysis (CheckGenerable, below), and
//     validation does not depend on it.
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
//
// # Generation form
//
// NormalizeForGeneration turns a schema into a Gen: a union of Nodes, each
// a conjunction of constraints by type, whose children are Gens again (a
// cyclic graph for recursive schemas). A generator that writes only values
// a Gen describes writes only values the schema accepts; CheckGenerable is
// the refusal check that plan check/compile run. The package knows
// nothing of tokens or bytes: package decoder builds byte automata from
// Gens.
//
// How each keyword is treated:
//
//   - $ref (local: JSON pointers and anchors, $defs/definitions), allOf:
//     conjoined. Remote references are refused (CodeRemoteRef); a nested
//     $id, $dynamicRef and $recursiveRef are refused; recursion is a
//     cycle in the Gen graph, unrolled by the generator to
//     Options.MaxDepth, and a schema whose values must nest deeper is
//     refused naming the limit.
//   - anyOf, oneOf, if/then/else, dependentRequired, dependentSchemas,
//     dependencies: distributed into alternatives (at most
//     Options.MaxAlternatives per Gen). if/then/else gives (if and then)
//     or (else and not if); when not(if) cannot be enforced the else
//     branch is left out (fewer values, still valid ones).
//   - oneOf exclusivity: an alternative's values must fail every other
//     alternative. Enum/const values are checked against the others by the
//     validator; otherwise the alternative must differ from each other one
//     by type (shared types are removed from it), by the other's scalar
//     const/enum values (excluded), by a discriminating required property
//     with disjoint const/enum values, by a property the other requires
//     (then never written), or by disjoint bounds, lengths or item counts.
//     Where none applies the schema is refused at the oneOf.
//   - not: enforced by forcing one keyword of the negated schema to fail
//     (type, const/enum of scalars, required, min/max length, items,
//     properties, numeric bounds; anyOf/oneOf inside not negate each
//     alternative; not {} makes the value impossible). Else refused.
//   - const/enum (any JSON value): kept when the validator accepts the value
//     under every conjoined schema.
//   - properties, required (names without a properties entry become
//     properties), additionalProperties (false, true or a schema),
//     patternProperties, propertyNames, min/maxProperties,
//     unevaluatedProperties: declared properties in schema order; keys
//     beyond them are written only for objects that declare none or that
//     give additionalProperties a schema, or one patternProperties pattern
//     (at most one such key unless values and counts are free; two or
//     more patterns: none).
//   - prefixItems/items (and draft-4 items arrays, additionalItems),
//     min/maxItems, contains (minContains at most 1, no maxContains, not
//     with prefixItems), unevaluatedItems.
//   - uniqueItems: arrays are written with at most one item; minItems
//     above 1 with uniqueItems is refused.
//   - multipleOf m: when 1/m is an integer only integers are written
//     (0.01, 0.5, 1); any other m is refused where numbers are allowed.
//   - format: the formats in FormatPattern as regular languages (subsets of
//     what the validator asserts); any other asserted format (period) is
//     refused; unknown format names are annotations and ignored, as
//     validators ignore them.
//   - Options.Strict (or "strict": true in the root schema, OpenAI's
//     strict mode): every declared property required, no other key.
//
// Every refusal is an *Error with a Code, the JSON pointer of the schema
// object and the keyword.
package schema
