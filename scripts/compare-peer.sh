#!/usr/bin/env bash
# Measures amrbench against memtier_benchmark (when it is on PATH; build it
# from its public repository, outside this one) or redis-benchmark, on one
# local redis-server: A B A B, medians and ratios of ops/s, client CPU per
# operation and peak RSS. Flags: see `scripts/compare-peer.sh -h`.
#
#   scripts/compare-peer.sh                          # 50 connections, 1:10, 32 B, keys 1..100000
#   scripts/compare-peer.sh --pipeline 16
#   scripts/compare-peer.sh --pipeline 16 --sets 4   # then the median and range of the 4 sets' ratios
#   scripts/compare-peer.sh --rss-only --connections 10000 --duration 30s --buffer-size 4KiB
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec go run ./scripts/comparepeer "$@"
