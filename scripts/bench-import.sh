#!/usr/bin/env bash
# Import benchmark (make bench runs every scripts/bench-*.sh), issue 4 item 9:
# a 20,000-row supplier file (ACME format) through `etl run` into `etl
# emulator` at 20 ms per request and concurrency 16, for jobs/supplier-prices
# and jobs/supplier-stock: wall time against the ideal (index pages 16 at a
# time + writes, x latency / 16; target 1.10), CPU against a bare client
# sending the same requests (target 2x), HTTP requests per record with every
# record changed and with nothing changed; then peak RSS of both imports at 20,000
# and 200,000 rows (no latency, `etl run` started through bench/maxrss) and of
# 20,000 rows against a Wawi of 200,000 items. Several minutes.
# ETL_BENCH_ROWS, ETL_BENCH_RSS_ROWS, ETL_BENCH_LATENCY_MS,
# ETL_BENCH_CONCURRENCY, ETL_BENCH_IMPORT_JOBS (prices,stock) and
# ETL_BENCH_IMPORT_PARTS (time,memory) change the scenario;
# ETL_BENCH_STRICT=1 fails when a target is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
ETL_BENCH=1 go test -count=1 -run '^TestImportBenchmark$' -timeout 60m ./bench/ -v 2>&1 |
  grep --line-buffered -vE '^(=== RUN|--- PASS|PASS$|ok )'
exit "${PIPESTATUS[0]}"
