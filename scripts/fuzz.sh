#!/usr/bin/env bash
# Runs every fuzz target in the repository, one after another, each for a
# fixed time, and reports which of them found a crash. Maintainers run it
# before a release; CI does not (fuzzing has no natural end, and CI runs each
# target's seed corpus as an ordinary test already).
#
# Usage: scripts/fuzz.sh [-t TIME] [-j WORKERS] [-r REGEX] [PACKAGES...]
#   -t TIME     fuzzing time per target, in go test -fuzztime's form: 60s
#               (the default), 10m, or 5000x for a number of inputs
#   -j WORKERS  parallel fuzzing workers per target (go test -parallel;
#               default: GOMAXPROCS)
#   -r REGEX    only the targets whose name matches REGEX (default: all)
#   PACKAGES    package patterns to search (default ./...)
#
# The targets are found, not listed by hand: `go test -list '^Fuzz'` in each
# package, so a new FuzzX is run as soon as it exists. go test writes each
# crashing input to PKG/testdata/fuzz/FuzzX/<hash>; after the fix, commit it:
# it is then a regression test every `go test` runs. Logs of each run go to
# a temporary folder, printed at the end.
#
# Exit status: 0 when no target found anything; 1 when one crashed (each is
# listed with its log and the input it wrote; a failing seed counts); 2 on a
# usage or build error, or a target that failed without a crash.
set -uo pipefail
cd "$(dirname "$0")/.."

fuzztime=60s
workers=""
filter=""
while getopts "t:j:r:h" opt; do
  case "$opt" in
    t) fuzztime="$OPTARG" ;;
    j) workers="$OPTARG" ;;
    r) filter="$OPTARG" ;;
    h) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [-t TIME] [-j WORKERS] [-r REGEX] [PACKAGES...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- ./...
if ! [[ "$fuzztime" =~ ^[0-9]+(x|ns|us|ms|s|m|h)$ ]]; then
  echo "fuzz.sh: -t $fuzztime: want a duration such as 60s or 10m, or a count such as 5000x" >&2
  exit 2
fi
if [ -n "$workers" ] && ! [[ "$workers" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: -j $workers: want a positive number of workers" >&2
  exit 2
fi

# The cgo flags llama.cpp's build needs (the same as every other script's,
# so the build cache is shared).
source scripts/env.sh

logs="$(mktemp -d "${TMPDIR:-/tmp}/specplan-fuzz.XXXXXX")"
pkgs="$(go list "$@")" || { echo "fuzz.sh: go list $* failed" >&2; exit 2; }

targets=()
for pkg in $pkgs; do
  out="$(go test -list '^Fuzz' "$pkg" 2>&1)" || {
    echo "fuzz.sh: cannot list the fuzz targets of $pkg:" >&2
    echo "$out" >&2
    exit 2
  }
  dir="$(go list -f '{{.Dir}}' "$pkg")"
  dir="${dir#"$PWD"/}"
  for name in $(grep -E '^Fuzz[A-Za-z0-9_]*$' <<<"$out"); do
    if [ -z "$filter" ] || [[ "$name" =~ $filter ]]; then
      targets+=("$pkg $name $dir")
    fi
  done
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz target found in $*${filter:+ matching $filter}" >&2
  exit 2
fi

echo "fuzz.sh: ${#targets[@]} targets, $fuzztime each; logs in $logs"
crashed=()
broken=()
for t in "${targets[@]}"; do
  read -r pkg name dir <<<"$t"
  log="$logs/$(basename "$pkg")-$name.log"
  printf '%-60s ' "$pkg $name"
  args=(-run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime")
  [ -n "$workers" ] && args+=(-parallel "$workers")
  if go test "${args[@]}" "$pkg" >"$log" 2>&1; then
    echo ok
  elif input="$(grep -o 'Failing input written to [^ ]*' "$log" | head -1)"; [ -n "$input" ]; then
    input="$dir/${input#Failing input written to }"
    echo "CRASH  ($input)"
    crashed+=("$pkg $name: $input  log: $log")
  elif grep -q -- "--- FAIL: $name" "$log"; then
    # A committed seed (testdata/fuzz or f.Add) fails before fuzzing starts.
    echo "CRASH  (a seed corpus entry; see $log)"
    crashed+=("$pkg $name: a seed corpus entry fails  log: $log")
  else
    echo "ERROR  (see $log)"
    broken+=("$pkg $name  log: $log")
  fi
done

if [ ${#crashed[@]} -gt 0 ] || [ ${#broken[@]} -gt 0 ]; then
  echo
  for c in "${crashed[@]}"; do echo "crash: $c"; done
  for b in "${broken[@]}"; do echo "error: $b"; done
fi
[ ${#crashed[@]} -eq 0 ] || exit 1
[ ${#broken[@]} -eq 0 ] || exit 2
echo "fuzz.sh: no target found a crash"
