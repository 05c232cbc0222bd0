#!/usr/bin/env bash
# Export benchmark (make bench runs every scripts/bench-*.sh): 100,000 sales
# orders from the emulator (20 ms per request, pages of 100) into XLSX, against
# the ideal (pages x latency / concurrency + excelize StreamWriter alone), peak
# RSS of the export process, and parallel vs sequential paging; 10,000 orders
# with one row per line item (one request per order) against its ideal; peak
# RSS of both at a tenth of the size too. A few minutes.
# ETL_BENCH_ORDERS, ETL_BENCH_LINE_ORDERS, ETL_BENCH_LATENCY_MS,
# ETL_BENCH_CONCURRENCY change the scenario; ETL_BENCH_STRICT=1 fails when a
# target is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
ETL_BENCH=1 go test -count=1 -run '^TestExportBenchmark$' -timeout 30m ./bench/ -v 2>&1 |
  grep --line-buffered -vE '^(=== RUN|--- PASS|PASS$|ok )'
exit "${PIPESTATUS[0]}"
