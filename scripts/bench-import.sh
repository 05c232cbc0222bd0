#!/usr/bin/env bash
# Import benchmark (make bench runs every scripts/bench-*.sh), issue 4 item 9:
# a 20,000-row supplier file (ACME format) through `etl run` into `etl
# emulator` at 20 ms per request and concurrency 16, for jobs/supplier-prices
# and jobs/supplier-stock: wall time against the ideal (writes x latency /
# concurrency + index pages x latency), HTTP requests per record with every
# record changed and with nothing changed, and peak RSS of both imports
# at 200,000 rows. A few minutes. ETL_BENCH_ROWS, ETL_BENCH_RSS_ROWS,
# ETL_BENCH_LATENCY_MS, ETL_BENCH_CONCURRENCY, ETL_BENCH_IMPORT_JOBS change
# the scenario; ETL_BENCH_STRICT=1 fails when a target is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
ETL_BENCH=1 go test -count=1 -run '^TestImportBenchmark$' -timeout 30m ./bench/ -v 2>&1 |
  grep --line-buffered -vE '^(=== RUN|--- PASS|PASS$|ok )'
exit "${PIPESTATUS[0]}"
