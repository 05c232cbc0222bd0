#!/usr/bin/env bash
# XLSX sink memory against a bare excelize StreamWriter at 10k, 100k and 1M
# rows (peak RSS of each as a process of its own; target <= 1.2x).
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/xlsxmem -etl bin/etl -rows "${XLSXMEM_ROWS:-10000,100000,1000000}"
