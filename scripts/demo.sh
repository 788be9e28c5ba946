#!/usr/bin/env bash
# The main job on the embedded defaults: build plan, check the bundled specs,
# validate the bundled traces, then generate on llama.cpp with the embedded
# tiny model (random weights, real Llama-3 vocabulary; created once under the
# user cache dir) constrained by the bundled refund policy. Random weights
# make unconstrained output garbage; the call sequence is valid anyway. Then
# the refund routine runs as an agent against its scripted environment.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
go build -o bin/plan ./cmd/plan
set -x
bin/plan check specs/*.ltl
bin/plan validate --tools specs/refund.tools.json specs/refund.ltl specs/testdata/refund/*/*.jsonl || true
bin/plan generate --spec specs/refund.ltl --tools specs/refund.tools.json --format pythonic \
  --max-tokens 200 --seed 3 --prompt "Refund order A17 (40 EUR) for the customer."
bin/plan check specs/routines/*.routine specs/*.app
bin/plan run --spec specs/routines/refund.routine --env specs/routines/refund.delivered.env.json \
  --input order_id=A17 --seed 1
