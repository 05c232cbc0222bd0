#!/usr/bin/env bash
# make demo: the example jobs against the built-in Wawi emulator.
#
#   1. a supplier file (Windows-1252, ';', decimal comma) becomes a clean
#      typed workbook;
#   2. the same file updates prices and stock levels in the Wawi: first as a
#      dry run (diff report, nothing written), then for real; then the next
#      night's stock file is fetched from a local SFTP server
#      (scripts/sftpserve), imported, and moved to done/ on the server;
#   3. an old shop's XLSX export is migrated into the Wawi (items, categories
#      by name); a wholesaler's list updates the items' supplier data, a wide
#      price list the customer group prices;
#      A marketplace's order file with a row per line item becomes sales
#      orders, first-time buyers new customers; the whole catalog (texts,
#      pictures, variants) is migrated, one record per product;
#   4. last month's sales orders of a generated shop are exported to Excel
#      for the accountant.
#   5. last month's invoices and credit notes go to Excel, and the same
#      month's bookings to a DATEV Buchungsstapel.
#
# The sample supplier file carries deliberately broken rows (a garbage price,
# a missing SKU, an impossible date): they end in reports/<job>/errors.xlsx
# and make `etl run` exit 1, which is part of the demo. Any other exit code
# stops it.
set -uo pipefail
cd "$(dirname "$0")/.."
etl=bin/etl
state=$(mktemp -d)
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$state"
}
trap cleanup EXIT

# start_emulator FILE ARGS...: starts `etl emulator`, waits for the base URL
# it prints as its first line, and leaves it in $url.
start_emulator() {
  local out=$1
  shift
  "$etl" emulator --addr 127.0.0.1:0 "$@" >"$out" 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(head -n1 "$out" 2>/dev/null)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "demo: the emulator did not start:" >&2
  cat "$out.err" >&2
  exit 2
}

run() { # one job; exit code 1 (some records failed) is part of the demo
  echo
  echo "\$ etl run $*"
  "$etl" run --no-progress --state-dir "$state" "$@"
  local rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "demo: etl run $* failed with exit code $rc" >&2
    exit $rc
  fi
}

export WAWI_API_KEY=DEMO0000-0000-4000-8000-000000000000 # the emulator's demo key

echo "== 1. Supplier file -> clean typed workbook (no Wawi needed)"
run jobs/supplier-normalize.yaml

echo
echo "== Starting the Wawi emulator seeded from samples/wawi-seed.json"
start_emulator "$state/emulator.out" --seed samples/wawi-seed.json
export WAWI_URL=$url
echo "   $WAWI_URL"

echo
echo "== 2. Supplier prices and stock: dry run first (diff report, nothing is written)"
run jobs/supplier-prices.yaml --dry-run --report-dir reports/supplier-prices-dry-run
run jobs/supplier-stock.yaml --dry-run --report-dir reports/supplier-stock-dry-run

echo
echo "== 2b. ...then for real"
run jobs/supplier-prices.yaml
run jobs/supplier-stock.yaml

echo
echo "== 2c. The same file again: already imported, nothing to do"
run jobs/supplier-stock.yaml --report-dir reports/supplier-stock-again

echo
echo "== 2d. Nightly: the supplier's stock file fetched from its SFTP server"
echo "        (host key checked against a known_hosts file, the newest bestand_*.csv picked,"
echo "        imported, then moved to done/ on the server)"
# a local SFTP server stands in for the supplier's (scripts/sftpserve)
go build -o "$state/sftpserve" ./scripts/sftpserve || exit 2
mkdir -p "$state/sftp/outbox"
# tonight's file: the sample without its row lacking a SKU, some levels changed
LC_ALL=C sed -e '/^;/d' -e 's/;40;Hauptlager;/;45;Hauptlager;/g' samples/supplier-acme.csv >"$state/sftp/outbox/bestand_$(date +%Y%m%d).csv"
export SFTPSERVE_PASSWORD=demo-sftp-password DEMO_SFTP_PASSWORD=demo-sftp-password
"$state/sftpserve" -root "$state/sftp" -user acme -known-hosts "$state/known_hosts" >"$state/sftp.out" 2>"$state/sftp.err" &
pids+=($!)
sftp_addr=
for _ in $(seq 100); do
  sftp_addr=$(head -n1 "$state/sftp.out" 2>/dev/null)
  [ -n "$sftp_addr" ] && break
  sleep 0.1
done
if [ -z "$sftp_addr" ]; then
  echo "demo: the SFTP server did not start:" >&2
  cat "$state/sftp.err" >&2
  exit 2
fi
run jobs/supplier-stock.yaml --report-dir reports/supplier-stock-sftp \
  --source "sftp://acme@$sftp_addr/outbox/bestand_*.csv" \
  --set 'source.remote.password=${DEMO_SFTP_PASSWORD}' \
  --set "source.remote.known_hosts=$state/known_hosts" \
  --set source.after.move_to=done
echo "   on the server now: $(cd "$state/sftp" && find outbox -type f | sort | tr '\n' ' ')"

echo
echo "== 3. Catalog migration from the old shop's XLSX export"
run jobs/catalog-migration.yaml

echo
echo "== 3b. A wholesaler's price list -> the items' supplier data; a wide price list -> customer group prices"
echo "       (dry run, then for real, then again with --force: planned anew, nothing left to write)"
run jobs/supplier-data.yaml --dry-run --report-dir reports/supplier-data-dry-run
run jobs/supplier-data.yaml
run jobs/supplier-data.yaml --force --report-dir reports/supplier-data-again
run jobs/customer-group-prices.yaml --dry-run --report-dir reports/customer-group-prices-dry-run
run jobs/customer-group-prices.yaml
run jobs/customer-group-prices.yaml --force --report-dir reports/customer-group-prices-again

echo
echo "== 3c. A marketplace's orders, one row per line item -> Wawi sales orders (new buyers become customers)"
run jobs/orders-lines.yaml --dry-run --report-dir reports/orders-lines-dry-run
run jobs/orders-lines.yaml
run jobs/orders-lines.yaml --force --report-dir reports/orders-lines-again

echo
echo "== 3d. The whole catalog: every product one record with its German and English texts,"
echo "       its pictures, and the clothing's variants (Farbe, Größe) assigned to their parents"
echo "       (dry run, then for real, then again with --force: nothing left to write)"
run jobs/catalog-migration-full.yaml --dry-run --report-dir reports/catalog-migration-full-dry-run
run jobs/catalog-migration-full.yaml
run jobs/catalog-migration-full.yaml --force --report-dir reports/catalog-migration-full-again
if grep -Eq '"(created|updated|failed)": *[1-9]' reports/catalog-migration-full-again/summary.json; then
  echo "demo: the catalog's second run wrote or failed:" >&2
  cat reports/catalog-migration-full-again/summary.json >&2
  exit 2
fi

echo
echo "== Starting a second emulator: a generated shop with 1,500 orders over the last 90 days"
start_emulator "$state/shop.out" --generate-items 300 --generate-orders 1500
export WAWI_URL=$url
echo "   $WAWI_URL"

echo
echo "== 4. Last month's orders to Excel for accounting"
run jobs/orders-to-excel.yaml
run jobs/orders-two-sheets.yaml

echo
echo "== Starting a third emulator: a shop with EU and export customers, returns and cancellations"
start_emulator "$state/books.out" --generate-items 300 --generate-orders 1500 --generate-accounting
export WAWI_URL=$url
echo "   $WAWI_URL"

echo
echo "== 5. Last month's invoices, credit notes and cancellations for the accountant; the same month as DATEV bookings"
run jobs/invoices-to-excel.yaml
run jobs/datev-export.yaml
"$etl" validate-datev out/EXTF_Buchungsstapel_*.csv || exit 2

cat <<'EOF'

== Where everything is
  out/supplier-acme-clean.xlsx                 the supplier file, clean and typed
  reports/supplier-prices-dry-run/diff.html    what the price import would change, field by field (open in a browser)
  reports/supplier-prices-dry-run/diff.xlsx    the same as a workbook
  reports/supplier-stock-dry-run/diff.html     what the stock import would change
  reports/supplier-prices/diff.html            what the real run changed
  reports/supplier-prices/errors.xlsx          the rows that failed, with the reason on the cell; fix them and run
      bin/etl run jobs/supplier-prices.yaml --source reports/supplier-prices/errors.xlsx
  reports/catalog-migration/diff.html          the items the migration created and updated
  reports/orders-lines/diff.html               the orders made from a file with a row per line item
  reports/catalog-migration-full-dry-run/diff.html  the whole catalog: items with their texts per language, pictures and variants
  reports/supplier-data-dry-run/diff.html      what the wholesaler's list would change in the supplier data
  reports/customer-group-prices/diff.html      the group and scale prices the price list set
  out/orders.xlsx                              last month's orders, one row per line item, with totals
  out/orders-two-sheets.xlsx                   the same orders: one sheet of orders, one of their line items
  reports/supplier-stock-sftp/summary.json     the nightly SFTP run: source_file names the file picked, moved_to where it went
  out/invoices.xlsx                            last month's invoices and credit notes: net, VAT, gross per rate, what is open
  out/EXTF_Buchungsstapel_YYYYMM_1.csv         the same month as a DATEV Buchungsstapel (EXTF) for the tax adviser
  out/EXTF_Buchungsstapel_Kontrolle.xlsx       its control sheet: sums per rate and country, file against the Wawi's documents
  reports/<job>/summary.json                   counts by outcome for every run
EOF
