#!/usr/bin/env bash
# Compile-time benchmark of specplan against MONA on the same formulas, in one
# run (BenchmarkCompile in bench_test.go), printed as the README's markdown
# table: time per compile for each, and MONA's time as a multiple of ours.
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime="${BENCHTIME:-5x}"
go test -run '^$' -bench '^BenchmarkCompile$' -benchtime "$benchtime" . | tee /dev/stderr | awk '
function human(ns) {
  if (ns >= 1e9) return sprintf("%.2f s", ns / 1e9)
  if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
  return sprintf("%.1f µs", ns / 1e3)
}
/^BenchmarkCompile\// {
  name = $1; sub(/^BenchmarkCompile\//, "", name); sub(/-[0-9]+$/, "", name)
  n = split(name, parts, "/"); who = parts[n]
  key = parts[1]; for (i = 2; i < n; i++) key = key "/" parts[i]
  if (!(key in seen)) { seen[key] = 1; order[++count] = key }
  t[key, who] = $3
}
/--- SKIP: BenchmarkCompile\// {
  name = $3; sub(/^BenchmarkCompile\//, "", name)
  n = split(name, parts, "/"); key = parts[1]; for (i = 2; i < n; i++) key = key "/" parts[i]
  skipped[key] = 1
}
END {
  print "| formula | specplan | MONA | MONA / specplan |"
  print "|---|---|---|---|"
  for (i = 1; i <= count; i++) {
    k = order[i]; s = t[k, "specplan"]; m = t[k, "mona"]
    ms = (m == "") ? "gave up (> 30 s)" : human(m)
    ratio = (m == "" || s == "") ? "—" : sprintf("%.0f×", m / s)
    print "| " k " | " human(s) " | " ms " | " ratio " |"
  }
}'
