#!/usr/bin/env bash
# make bench: speed and memory, each as a ratio against a baseline measured
# in the same run (the machines are shared and noisy; absolute numbers are
# context, ratios are the result).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${BENCH_ROWS:-1000000}
# The import and export benchmarks note their headline ratios here; they are
# printed together at the end.
export BENCH_HEADLINES=$(mktemp)
trap 'rm -f "$BENCH_HEADLINES"' EXIT

if ! command -v mlr >/dev/null; then
  echo "bench: Miller (mlr) is missing: apt-get install -y miller" >&2
  exit 1
fi

if ! command -v xlsx2csv >/dev/null; then
  echo "bench: xlsx2csv is missing (apt-get install -y xlsx2csv): the XLSX read row has no ratio against it" >&2
fi

echo "== File path: ${ROWS} rows x 12 columns, mapped with type conversions; then the XLSX read (etl xlsx -> csv vs excelize Rows() loop vs xlsx2csv)"
go run ./bench/filebench -etl bin/etl -rows "$ROWS"

echo
echo "== Package benchmarks (ns/op; ratios are printed by each benchmark where it has a baseline)"
go test -run '^$' -bench . -benchtime 2x -count 1 ./sources/ ./sinks/ ./mappings/ ./erp/ 2>&1 | grep -E '^(Benchmark|ok|---|\s+[a-z_/]+:)' || true

for script in scripts/bench-*.sh; do
  [ -x "$script" ] || continue
  echo
  echo "== $script"
  "$script"
done

echo
echo "== Headline: import and export, each against its ideal and memory at two sizes (ratios of this run)"
cat "$BENCH_HEADLINES"
