#!/usr/bin/env bash
# Supplier import benchmark (make bench runs every scripts/bench-*.sh), issue
# 12 item 9: 20,000 items, the supplier data of one supplier and two customer
# group prices each, through `etl run` into `etl emulator` at 20 ms per
# request and concurrency 16, every record changed and then nothing changed:
# wall time against the ideal ((index pages + one list GET per item +
# writes) x latency / 16), peak RSS and requests per record. About five
# minutes. ETL_BENCH_SUPPLIER_ROWS, ETL_BENCH_LATENCY_MS and
# ETL_BENCH_CONCURRENCY change the scenario; ETL_BENCH_STRICT=1 fails when a
# target is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
ETL_BENCH=1 go test -count=1 -run '^TestSupplierImportBenchmark$' -timeout 30m ./bench/ -v 2>&1 |
  grep --line-buffered -vE '^(=== RUN|--- PASS|PASS$|ok )'
exit "${PIPESTATUS[0]}"
