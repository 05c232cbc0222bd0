package sinks

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// docBookings runs document lines through a collective-debitor export and
// returns the plans' errors, Close's error and the bookings written
// (Umsatz, S/H, Konto, Gegenkonto, Belegfeld 1).
func docBookings(t *testing.T, rows ...[]any) (failed []string, closeErr error, bookings []string) {
	t.Helper()
	dir := t.TempDir()
	s := openDATEV(t, docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{Collective: 10000}), docTargets)
	for _, p := range run(t, s, docTargets, rows...) {
		if p.Outcome != pipeline.Created {
			failed = append(failed, p.Err.Error())
		}
	}
	if closeErr = s.Close(context.Background(), true); closeErr != nil {
		return failed, closeErr, nil
	}
	for _, l := range datevLines(t, filepath.Join(dir, "out", "EXTF_Buchungsstapel_202601_1.csv"))[2:] {
		f := strings.Split(l, ";")
		bookings = append(bookings, strings.Join([]string{f[0], f[1], f[6], f[7], f[10]}, " "))
	}
	return failed, closeErr, bookings
}

// The Wawi's amounts may have four decimals: the document is booked with
// its total to the cent instead of failing its lines.
func TestDATEVDocumentsFourDecimalAmounts(t *testing.T) {
	r := docLineRow
	failed, err, got := docBookings(t,
		r("RE-1", 5, "0", "", "K", "DE", "", "19", "0.8403", "0.1597", "1.00", ""),
		r("RE-1", 5, "0", "", "K", "DE", "", "19", "0.8403", "0.1597", "1.00", ""),
		r("RE-1", 5, "0", "", "K", "DE", "", "19", "0.8403", "0.1597", "1.00", ""),
		r("RE-2", 6, "0", "", "K", "DE", "", "7", "0.3115", "0.0218", "0.3333", ""),
		r("RE-2", 6, "0", "", "K", "DE", "", "7", "0.3115", "0.0218", "0.3333", ""),
		r("RE-2", 6, "0", "", "K", "DE", "", "7", "0.3115", "0.0218", "0.3333", ""),
		r("GS-1", 7, "1", "RE-1", "K", "DE", "", "19", "16.8067", "3.1933", "20.0000", ""),
	)
	if len(failed) > 0 || err != nil {
		t.Fatalf("failed %v, close %v", failed, err)
	}
	want := []string{`3,00 "S" 10000 8400 "RE-1"`, `1,00 "S" 10000 8300 "RE-2"`, `20,00 "H" 10000 8400 "GS-1"`}
	if !slices.Equal(got, want) {
		t.Errorf("bookings %q, want %q", got, want)
	}
}

// A document without lines (the Wawi's AccountDataLineItems empty) is one
// record without line values: it is counted and noted as a document
// without an amount, not failed (which stopped the export as a record
// missing from the file); planned from values and typed (NewRows).
func TestDATEVDocumentsWithoutLines(t *testing.T) {
	r := docLineRow
	rows := [][]any{
		r("RE-1", 5, "0", "", "K", "DE", "", "19", "10.00", "1.90", "11.90", ""),
		{"RE-2", day(2026, 1, 6), "0", "", "K", "Muster GmbH", "", "DE", nil, nil, nil, nil, nil},
		r("RE-3", 7, "0", "", "K", "DE", "", "19", "1.00", "0.19", "1.19", ""),
	}
	for _, typed := range []bool{false, true} {
		dir := t.TempDir()
		s := openDATEV(t, docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{Collective: 10000}), docTargets)
		batch := s.NewRows(len(rows))
		ctx := context.Background()
		for i, vals := range rows {
			rec := &record.Record{Seq: int64(i), Row: i + 2, Document: i + 1, Line: 1}
			if i == 1 {
				rec.Line = 0 // the document has no lines
			}
			it := &pipeline.Item{Rec: rec, Targets: docTargets, Values: vals}
			var p *pipeline.Plan
			var err error
			if typed {
				row := batch.Row()
				writeTyped(row, vals)
				it.Values = nil
				p, err = row.Plan(ctx, it)
			} else {
				p, err = s.Plan(ctx, it)
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Outcome != pipeline.Created {
				t.Fatalf("typed %v row %d: %v %v", typed, i, p.Outcome, p.Err)
			}
			if err := s.Apply(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(ctx, true); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range datevLines(t, filepath.Join(dir, "out", "EXTF_Buchungsstapel_202601_1.csv"))[2:] {
			f := strings.Split(l, ";")
			got = append(got, f[0]+" "+f[10])
		}
		if want := []string{`11,90 "RE-1"`, `1,19 "RE-3"`}; !slices.Equal(got, want) {
			t.Errorf("typed %v: bookings %q, want %q", typed, got, want)
		}
		if n := s.docs.control.Documents; n != 3 {
			t.Errorf("typed %v: %d documents checked, want 3", typed, n)
		}
	}
}

// A line record (Line > 0) without amounts still fails.
func TestDATEVDocumentsLineWithoutAmountFails(t *testing.T) {
	dir := t.TempDir()
	s := openDATEV(t, docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{Collective: 10000}), docTargets)
	row := s.NewRows(1).Row()
	writeTyped(row, []any{"RE-2", day(2026, 1, 6), "0", "", "K", "Muster GmbH", "", "DE", nil, nil, nil, nil, nil})
	p, err := row.Plan(context.Background(), &pipeline.Item{Rec: &record.Record{Row: 2, Document: 1, Line: 1}, Targets: docTargets})
	if err != nil {
		t.Fatal(err)
	}
	if p.Outcome == pipeline.Created || p.Err == nil || !strings.Contains(p.Err.Error(), "VatRate") {
		t.Errorf("plan %v %v, want VatRate failed", p.Outcome, p.Err)
	}
}

// A record the sink fails stops the export, and the error names its
// document and why, not only a count of records missing from the file.
func TestDATEVDocumentsFailedRecordNamesDocument(t *testing.T) {
	r := docLineRow
	failed, err, _ := docBookings(t,
		r("RE-1", 5, "0", "", "K", "DE", "", "19", "10.00", "1.90", "11.90", ""),
		r("RE-2", 6, "0", "", "K", "DE", "", "0", "10.00", "0.00", "10.00", ""), // no account for 0 % at home
		r("RE-3", 7, "0", "", "K", "DE", "", "19", "10.00", "1.90", "11.90", "Erlöse"),
		r("RE-4", 8, "0", "", "K", "DE", "", "19", "10.00", "1.90", "11.90", ""),
	)
	if len(failed) != 2 || err == nil {
		t.Fatalf("failed %v, close %v", failed, err)
	}
	for _, want := range []string{"RE-2: Datensatz fehlerhaft, nicht gebucht: GeneralLedgerAccount: no revenue account for rate 0 %",
		`RE-3: Datensatz fehlerhaft, nicht gebucht: GeneralLedgerAccount: revenue account "Erlöse" (source): not a number (Zeile 4)`} {
		if de := pipeline.TextIn(err, "de"); !strings.Contains(de, want) {
			t.Errorf("error %q does not name %q", de, want)
		}
	}
	for _, want := range []string{"RE-2: record failed, not booked: GeneralLedgerAccount: no revenue account for rate 0 %",
		`RE-3: record failed, not booked: GeneralLedgerAccount: revenue account "Erlöse" (source): not a number (row 4)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}
