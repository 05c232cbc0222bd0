package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/datev"
)

func writeDATEV(t *testing.T, path string) []byte {
	t.Helper()
	var buf bytes.Buffer
	d := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 0, 0, 0, 0, time.UTC) }
	w, err := datev.NewWriter(&buf, datev.Header{Created: d(2, 1), Beraternummer: 29098, Mandantennummer: 55003,
		WJBeginn: d(1, 1), Sachkontenlaenge: 4, DatumVom: d(1, 1), DatumBis: d(1, 31)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(&datev.Booking{Umsatz: decimal.RequireFromString("119"), Konto: "10000", Gegenkonto: "8400",
		Belegdatum: d(1, 5), Belegfeld1: "RE-1", Buchungstext: "Rechnung"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestValidateDATEV(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "EXTF_good.csv")
	data := writeDATEV(t, good)
	if code, out, errs := etl(t, "validate-datev", "--lang", "en", good); code != 0 || out != good+": ok\n" {
		t.Fatalf("clean file: exit %d, out %q, err %q", code, out, errs)
	}
	if code, out, _ := etl(t, "validate-datev", "--lang", "de", good); code != 0 || out != good+": in Ordnung\n" {
		t.Fatalf("clean file in German: exit %d, out %q", code, out)
	}

	bad := filepath.Join(dir, "EXTF_bad.csv")
	broken := bytes.Replace(data, []byte("\r\n119,00;"), []byte("\r\n119.00;"), 1)
	broken = bytes.Replace(broken, []byte(";0501;"), []byte(";0502;"), 1) // 5 February, outside the period
	os.WriteFile(bad, broken, 0o644)
	code, out, _ := etl(t, "validate-datev", bad)
	want := bad + `:3:1: Umsatz "119.00": want a positive amount like 1234,56 (decimal comma, two decimals, no sign)` + "\n" +
		bad + ":3:10: Belegdatum 0502 is not a day within the period 01.01.2026..31.01.2026\n"
	if code != 1 || out != want {
		t.Fatalf("broken file: exit %d, out %q", code, out)
	}

	if code, _, errs := etl(t, "validate-datev", filepath.Join(dir, "missing.csv")); code != 2 || !strings.Contains(errs, "missing.csv") {
		t.Fatalf("missing file: exit %d, err %q", code, errs)
	}
}

func TestValidateDATEVDebitors(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	d := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 0, 0, 0, 0, time.UTC) }
	w, err := datev.NewDebitorWriter(&buf, datev.Header{Created: d(2, 1), Beraternummer: 29098, Mandantennummer: 55003,
		WJBeginn: d(1, 1), Sachkontenlaenge: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []datev.DebitorRow{{Konto: "10001", NameUnternehmen: "Muster GmbH"}, {Konto: "10002", NamePerson: "Duval"}} {
		if _, err := w.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	good := filepath.Join(dir, "EXTF_Debitoren.csv")
	os.WriteFile(good, buf.Bytes(), 0o644)
	if code, out, errs := etl(t, "validate-datev", "--lang", "en", good); code != 0 || out != good+": ok\n" {
		t.Fatalf("clean file: exit %d, out %q, err %q", code, out, errs)
	}
	if code, out, _ := etl(t, "validate-datev", "--lang", "de", good); code != 0 || out != good+": in Ordnung\n" {
		t.Fatalf("clean file in German: exit %d, out %q", code, out)
	}
	bad := filepath.Join(dir, "EXTF_bad.csv")
	os.WriteFile(bad, bytes.Replace(buf.Bytes(), []byte("\r\n10002;"), []byte("\r\n10001;"), 1), 0o644)
	code, out, _ := etl(t, "validate-datev", bad)
	if want := bad + ":4:1: Konto 10001 is on line 3 already\n"; code != 1 || out != want {
		t.Fatalf("broken file: exit %d, out %q", code, out)
	}
}
