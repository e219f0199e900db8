#!/bin/sh
# A soak test, outside the default test run (it takes minutes): amrbench
# runs past three token lifetimes at a steady open-loop rate over 1,000
# connections through the token-enforcing proxy (internal/benchtest), and
# its own --metrics-addr endpoint is read once a minute for its resident
# memory and goroutines. It fails on any authentication failure, a
# connection closed for an expired token, memory that grows or goroutines
# that accumulate, and prints the figures (go test -v).
#
#   scripts/soak.sh                      # 4 minutes of 60 s tokens
#   AMRBENCH_SOAK=30m AMRBENCH_SOAK_TOKEN_LIFE=300 scripts/soak.sh
#
# Other settings: AMRBENCH_SOAK_CONNECTIONS (1000), AMRBENCH_SOAK_RATE
# (2000 ops/s), AMRBENCH_SOAK_SAMPLE (1m). It needs redis-server on PATH.
set -eu
cd "$(dirname "$0")/.."
AMRBENCH_SOAK=${AMRBENCH_SOAK:-4m}
export AMRBENCH_SOAK
exec go test -run '^TestSoak$' -count=1 -v -timeout 2h ./cmd/amrbench
