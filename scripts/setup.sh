#!/usr/bin/env bash
# Installs what specplan's build and tests need on a Debian 12 machine with Go,
# idempotently: Debian packages (MONA oracle, Graphviz for svg/png export, and
# the two headers llama.cpp's cgo build includes), Go modules, and the
# miniaudio.h include folder llama.cpp's build expects (shipped by a Go module).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in mona graphviz nlohmann-json3-dev libstb-dev python3-lark; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

go mod download
# Files that ship inside Go modules outside the build graph, fetched here so
# tests never touch the network themselves: miniaudio.h for llama.cpp's cgo
# build, and real tokenizer.json files (Llama-3) for tests and `plan model tiny`.
MALGO=github.com/gen2brain/malgo@v0.11.24
TOKENIZERS=github.com/daulet/tokenizers@v1.24.0
malgo_dir="$(go mod download -json "$MALGO" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
go mod download "$TOKENIZERS"
if [ ! -f "$malgo_dir/miniaudio.h" ]; then
  echo "setup: miniaudio.h not found in $MALGO ($malgo_dir)" >&2
  exit 1
fi

source scripts/env.sh
mkdir -p "$SPECPLAN_INCLUDE/miniaudio"
ln -sf "$malgo_dir/miniaudio.h" "$SPECPLAN_INCLUDE/miniaudio/miniaudio.h"
