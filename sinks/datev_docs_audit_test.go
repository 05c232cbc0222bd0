package sinks

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
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
