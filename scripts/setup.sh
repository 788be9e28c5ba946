#!/usr/bin/env bash
# Installs what specplan's build and tests need on a Debian 12 machine with Go,
# idempotently: Debian packages (MONA oracle, Graphviz for svg/png export, and
# the two headers llama.cpp's cgo build includes), Go modules, and the
# miniaudio.h include folder llama.cpp's build expects (shipped by a Go module).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in mona graphviz nlohmann-json3-dev libstb-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

go mod download
# Test data that ships inside Go modules (real tokenizer files); fetched here so
# that tests never touch the network themselves.
go mod download github.com/ollama/ollama github.com/gen2brain/malgo
go mod download github.com/daulet/tokenizers@v1.24.0 # tokenizer.json files (Llama-3) read by tests and `plan model tiny`

source scripts/env.sh
malgo_dir="$(go list -m -f '{{.Dir}}' github.com/gen2brain/malgo)"
mkdir -p "$SPECPLAN_INCLUDE/miniaudio"
ln -sf "$malgo_dir/miniaudio.h" "$SPECPLAN_INCLUDE/miniaudio/miniaudio.h"
