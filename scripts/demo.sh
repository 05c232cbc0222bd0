#!/usr/bin/env bash
# make demo: runs the example jobs on the sample data and says where the
# outputs and reports are. Records that fail on purpose (the sample supplier
# file has a garbage price, a missing SKU and an impossible date) end in
# reports/<job>/errors.xlsx; that exit code 1 is expected here.
set -uo pipefail
cd "$(dirname "$0")/.."
etl=bin/etl

run() { # run a job; exit code 1 (some records failed) is part of the demo
  echo
  echo "\$ etl run $*"
  "$etl" run --no-progress "$@"
  rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "demo: etl run $* failed with exit code $rc" >&2
    exit $rc
  fi
}

echo "== 1. Supplier file (Windows-1252, ';', decimal comma) -> clean typed workbook"
run jobs/supplier-normalize.yaml

echo
echo "Outputs:"
echo "  out/supplier-acme-clean.xlsx             the clean workbook"
echo "  reports/supplier-normalize/summary.json  counts by outcome"
echo "  reports/supplier-normalize/errors.xlsx   the rows that failed, with the reason; fix them and run"
echo "      bin/etl run jobs/supplier-normalize.yaml --source reports/supplier-normalize/errors.xlsx"
