// Package schema holds JSON Schema for tool catalogs. This file is the
// generation side's minimal package documentation; the validation side
// (helper schemaval) brings its own, which replaces this one on merge.
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
