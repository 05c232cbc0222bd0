package sources

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/internal/testkit"
)

// accountingServer serves GET /accountingData from documents written as
// the spec allows them (not as the emulator makes them), pageSize per page;
// served (may be nil) runs after each page (testkit.PagedList).
func accountingServer(t *testing.T, docs func() []string, served func(page int)) *httptest.Server {
	list := testkit.PagedList(docs, served)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/accountingData") {
			t.Errorf("unexpected request %s", r.URL)
			http.NotFound(w, r)
			return
		}
		list.ServeHTTP(w, r)
	}))
}

// specDoc is an AccountingData document; extra replaces fields (JSON
// members, "" for none).
func specDoc(number, date string, typ int, extra string, lines ...string) string {
	fields := map[string]string{"DocumentNumber": strconv.Quote(number), "DocumentId": "1", "DocumentDate": strconv.Quote(date),
		"SalesOrderNumber": `"AU-1"`, "SalesOrderId": "1", "ExternalSalesOrderNumber": `""`,
		"DepartureCountry": `{"CountryISO":"DE","StateISO":""}`, "ShipmentCountry": `{"CountryISO":"DE","StateISO":""}`,
		"BillingAddress": `{"Company":"Muster GmbH","CountryIso":"DE"}`, "ShipmentAddress": "null", "CurrencyIso": `"EUR"`,
		"Type": strconv.Itoa(typ), "CompanyId": "1", "CompanyVatId": `"DE123456789"`, "CustomerVatId": `""`, "SalesChannelId": `"1-1-1"`,
		"IsCancelled": "false", "AccountDataLineItems": "[" + strings.Join(lines, ",") + "]"}
	for _, kv := range strings.Split(extra, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			fields[k] = v
		}
	}
	var b strings.Builder
	for k, v := range fields {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, v)
	}
	return "{" + b.String() + "}"
}

func specLine(rate, net, vat, gross, account string) string {
	return fmt.Sprintf(`{"ItemId":1,"Type":1,"Name":"x","TaxClassId":1,"GeneralLedgerAccount":%s,"Quantity":1,"VatRate":%s,"VatAmount":%s,`+
		`"TotalDiscountGrossAmount":0,"TotalDiscountNetAmount":0,"TotalGrossAmount":%s,"TotalNetAmount":%s,"SortOrder":1}`, account, rate, vat, gross, net)
}

// TestDATEVExportJobSpecDocuments runs jobs/datev-export.yaml against
// documents the emulator does not make but the spec allows: four-decimal
// amounts, numbers with an exponent, nulls, a document without lines,
// credit notes and cancellations sent negative, and documents on the edges
// of May in Berlin. Each is booked on its account and side, to the cent.
func TestDATEVExportJobSpecDocuments(t *testing.T) {
	registerDATEV()
	docs := []string{
		specDoc("RE-1", "2025-04-30T22:30:00Z", 0, "", specLine("19", "10.00", "1.90", "11.90", `""`)), // 1 May 00:30 in Berlin
		specDoc("RE-2", "2025-05-05T10:00:00.1234567+02:00", 0, "",
			specLine("19", "0.8403", "0.1597", "1.0000", `""`), specLine("19", "0.8403", "0.1597", "1.0000", `""`),
			specLine("19", "0.8403", "0.1597", "1.0000", `""`), specLine("7", "16.8224", "1.1776", "18.0000", "null")),
		specDoc("RE-3", "2025-05-06T10:00:00", 0, "BillingAddress=null;ShipmentCountry=null;CustomerVatId=null",
			specLine("1.9E1", "1E1", "1.9", "1.19e1", `"8401"`)),
		specDoc("RE-4", "2025-05-07T10:00:00Z", 0, ""), // no lines
		specDoc("GS-1", "2025-05-08T10:00:00Z", 1, "", specLine("19", "-10.00", "-1.90", "-11.90", `""`)),
		specDoc("ST-1", "2025-05-09T10:00:00Z", 3, "", specLine("19", "-10.00", "-1.90", "-11.90", `""`)),
		specDoc("GST-1", "2025-05-10T10:00:00Z", 4, "", specLine("19", "-10.00", "-1.90", "-11.90", `""`)),
		specDoc("RE-5", "2025-05-11T10:00:00Z", 0, `ShipmentCountry={"CountryISO":"fr","StateISO":""};CustomerVatId="fr 123456789"`,
			specLine("0", "50.00", "0", "50.00", `""`)),
		specDoc("RE-6", "2025-05-31T21:30:00Z", 0, "", specLine("19", "10.00", "1.90", "11.90", `""`)), // 31 May 23:30 in Berlin
		specDoc("RE-7", "2025-05-31T22:30:00Z", 0, "", specLine("19", "10.00", "1.90", "11.90", `""`)), // 1 June
	}
	srv := accountingServer(t, func() []string { return docs }, nil)
	defer srv.Close()
	dir := t.TempDir()
	run := runJobFile(t, "datev-export.yaml", newClient(t, srv.URL), t.TempDir(), "sink.path="+filepath.Join(dir, "EXTF_Buchungsstapel.csv"),
		"sink.datev.fiscal_year_start=2025-01-01", "source.page_size=3")
	if run.err != nil {
		t.Fatal(run.err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "EXTF_Buchungsstapel_202505_1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if vs := datev.Check(b); len(vs) > 0 {
		t.Errorf("format check: %v", vs)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")[2:] {
		f := strings.Split(l, ";")
		got = append(got, strings.Join([]string{f[0], f[1], f[6], f[7], f[9], f[10], f[39]}, " "))
	}
	want := []string{
		`11,90 "S" 10000 8400 0105 "RE-1" `,
		`3,00 "S" 10000 8400 0505 "RE-2" `,
		`18,00 "S" 10000 8300 0505 "RE-2" `,
		`11,90 "S" 10000 8401 0605 "RE-3" `,
		`11,90 "H" 10000 8400 0805 "GS-1" `,
		`11,90 "H" 10000 8400 0905 "ST-1" `,
		`11,90 "S" 10000 8400 1005 "GST-1" `,
		`50,00 "S" 10000 8125 1105 "RE-5" "FR123456789"`,
		`11,90 "S" 10000 8400 3105 "RE-6" `,
	}
	if !slices.Equal(got, want) {
		t.Errorf("bookings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
