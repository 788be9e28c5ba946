// Package decbench measures the decoder's constraint: Masks for the mask
// side alone (no model needed), Generate for tokens/s on a real Backend
// with and without the constraint. `plan bench`, the benchmarks and the
// README's numbers use it; it is measurement infrastructure, so it lives
// outside the decoder's public API and uses only that API.
//
// Contract: the numbers are for reading, never for tests to compare with a
// threshold (tests check their shape); walks are seeded and repeatable.
package decbench
