#!/usr/bin/env bash
# DATEV export benchmark (make bench runs every scripts/bench-*.sh), issue
# 14 item 10: a generated shop's booking data (about 100,000 booking lines
# from 30,000 orders, and twice that) through jobs/datev-export.yaml into
# `etl emulator` at 20 ms per request and the job's concurrency (8): wall
# time against the ideal (pages of GET /accountingData x latency / 8), etl's
# and the emulator's CPU, and peak RSS at both sizes; each size 3 times,
# the export and a bare client in turn, medians reported. Under a minute.
# ETL_BENCH_RUNS, ETL_BENCH_DATEV_ORDERS, ETL_BENCH_LATENCY_MS and
# ETL_BENCH_CONCURRENCY change the scenario.
set -uo pipefail
cd "$(dirname "$0")/.."
ETL_BENCH=1 go test -count=1 -run '^TestDATEVExportBenchmark$' -timeout 30m ./bench/ -v 2>&1 |
  grep --line-buffered -vE '^(=== RUN|--- PASS|PASS$|ok )'
exit "${PIPESTATUS[0]}"
