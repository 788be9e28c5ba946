#!/usr/bin/env bash
# The main job on the embedded defaults: build plan, then constrain the bundled
# tiny model (created on first use) with the bundled ReAct spec, and validate
# bundled traces against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
go build -o bin/plan ./cmd/plan
set -x
bin/plan check specs/react.ltl
bin/plan validate specs/react.ltl specs/testdata/react/accept/*.jsonl specs/testdata/react/reject/*.jsonl || true
