// Package lineartest checks in a test that a path is linear, by a ratio
// of two sizes measured in the same run: the project's tests never compare
// against a wall-clock threshold.
//
// Contract: Ratio times run(n) and run(10·n) in CPU time of the process
// (a starved process on a shared machine is not slower in CPU time), each
// side repeated until it has run for at least MinMeasure so the clock's
// granularity does not count, and keeps each side's minimum over several
// tries (noise only ever adds time). It fails only when 10× the input
// took more than MaxRatio times as long on every try: a linear path gives
// about 10, a quadratic one about 100. It is for tests only; nothing in
// the library imports it.
package lineartest
