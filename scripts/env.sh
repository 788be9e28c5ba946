# Sourced by the other scripts: the environment that the llama.cpp cgo build needs.
# The include dir lives outside the checkout so that the cgo flags (part of Go's
# build-cache key) are the same in every clone: llama.cpp then builds once per
# machine (~13 min on 2 cores), not once per checkout.
SPECPLAN_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/specplan"
SPECPLAN_INCLUDE="$SPECPLAN_CACHE/include"
export CGO_CPPFLAGS="-I$SPECPLAN_INCLUDE"
# ggml's CPU code is compiled without SIMD unless asked for; these flags are
# the portable x86-64-v3 level (AVX2/FMA). Override CGO_CFLAGS/CGO_CXXFLAGS to
# build for another CPU; see README "Building for speed".
if [ -z "${SPECPLAN_PORTABLE:-}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
  export CGO_CFLAGS="${CGO_CFLAGS:--O2 -march=x86-64-v3}"
  export CGO_CXXFLAGS="${CGO_CXXFLAGS:--O2 -march=x86-64-v3}"
fi
