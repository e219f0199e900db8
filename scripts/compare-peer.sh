#!/usr/bin/env bash
# Measures amrbench against memtier_benchmark (when it is on PATH; build it
# from its public repository, outside this one) or redis-benchmark, on one
# local redis-server with a TLS port, A B A B: medians and ratios of ops/s,
# client CPU per operation and peak RSS, with the load average beside them.
# Cases behind a round trip go through scripts/delayrelay. Flags: see
# `scripts/compare-peer.sh -h`.
#
#   scripts/compare-peer.sh                          # the table of docs/performance.md: every case, 5 pairs each
#   scripts/compare-peer.sh --cases tls-p1,tls-p16   # some of its cases
#   scripts/compare-peer.sh --pipeline 16 --tls      # one comparison of its own
#   scripts/compare-peer.sh --rtt 1ms --connections 500 --pipeline 16
#   scripts/compare-peer.sh --pipeline 16 --sets 4   # then the median and range of the 4 sets' ratios
#   scripts/compare-peer.sh --cpus-scan --pipeline 16   # ops/s for --cpus 1, 2, ... (amrbench alone)
#   scripts/compare-peer.sh --rss-only --connections 10000 --duration 30s
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec go run ./scripts/comparepeer "$@"
