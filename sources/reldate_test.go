package sources

import (
	"strings"
	"testing"
	"time"
)

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := LoadLocation("")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseRelDate(t *testing.T) {
	loc := berlin(t)
	// Wednesday 2025-06-11, 00:30 in Berlin, still 10 June in UTC: "today"
	// is the merchant's day, not the server's.
	now := time.Date(2025, 6, 10, 22, 30, 0, 0, time.UTC)
	tests := []struct {
		expr, want string // want: the day as yyyy-mm-dd
	}{
		{"today", "2025-06-11"},
		{"  Today ", "2025-06-11"},
		{"yesterday", "2025-06-10"},
		{"tomorrow", "2025-06-12"},
		{"-7d", "2025-06-04"},
		{"+1d", "2025-06-12"},
		{"- 7 days", "2025-06-04"},
		{"-2w", "2025-05-28"},
		{"-1m", "2025-05-11"},
		{"+1 month", "2025-07-11"},
		{"-1y", "2024-06-11"},
		{"today -1d", "2025-06-10"},
		{"today-1d", "2025-06-10"},
		{"start of month", "2025-06-01"},
		{"end of month", "2025-06-30"},
		{"start of this month", "2025-06-01"},
		{"start of last month", "2025-05-01"},
		{"end of last month", "2025-05-31"},
		{"Start Of Last Month", "2025-05-01"},
		{"start of next month", "2025-07-01"},
		{"beginning of last month", "2025-05-01"},
		{"end of previous month", "2025-05-31"},
		{"start of month -1d", "2025-05-31"},
		{"start of month-1d", "2025-05-31"},
		{"start of week", "2025-06-09"},
		{"start of last week", "2025-06-02"},
		{"end of last week", "2025-06-08"},
		{"start of quarter", "2025-04-01"},
		{"end of last quarter", "2025-03-31"},
		{"start of next quarter", "2025-07-01"},
		{"start of year", "2025-01-01"},
		{"end of year", "2025-12-31"},
		{"start of last year", "2024-01-01"},
		{"end of last year", "2024-12-31"},
		{"2025-05-01", "2025-05-01"},
		{"01.05.2025", "2025-05-01"},
		{"2024-02-29", "2024-02-29"},
	}
	for _, tc := range tests {
		r, err := ParseRelDate(tc.expr, now, loc)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		if !r.Day {
			t.Errorf("%q: not a day", tc.expr)
		}
		if got := r.From.Format(time.DateOnly); got != tc.want {
			t.Errorf("%q = %s, want %s", tc.expr, got, tc.want)
		}
		if r.From.Location() != loc || r.From.Hour() != 0 || r.From.Minute() != 0 {
			t.Errorf("%q: From %v is not midnight in Berlin", tc.expr, r.From)
		}
		if want := r.From.AddDate(0, 0, 1); !r.To.Equal(want) {
			t.Errorf("%q: To %v, want the next midnight %v", tc.expr, r.To, want)
		}
	}
}

// Month steps clamp to the month's end; year boundaries roll over.
func TestParseRelDateCalendarEdges(t *testing.T) {
	loc := berlin(t)
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, loc) }
	tests := []struct {
		now        time.Time
		expr, want string
	}{
		{at(2025, 3, 31), "-1m", "2025-02-28"},
		{at(2024, 3, 31), "-1m", "2024-02-29"},
		{at(2024, 2, 29), "+1y", "2025-02-28"},
		{at(2025, 1, 15), "start of last month", "2024-12-01"},
		{at(2025, 1, 15), "end of last month", "2024-12-31"},
		{at(2025, 3, 10), "end of last month", "2025-02-28"},
		{at(2024, 3, 10), "end of last month", "2024-02-29"},
		{at(2025, 1, 1), "-1d", "2024-12-31"},
		{at(2025, 2, 15), "start of last quarter", "2024-10-01"},
		{at(2025, 12, 31), "start of next month", "2026-01-01"},
		{at(2025, 1, 31), "-13m", "2023-12-31"},
		{at(2025, 6, 15), "start of week", "2025-06-09"}, // Sunday → Monday before
		{at(2025, 6, 9), "start of week", "2025-06-09"},  // Monday
	}
	for _, tc := range tests {
		r, err := ParseRelDate(tc.expr, tc.now, loc)
		if err != nil {
			t.Errorf("%v %q: %v", tc.now, tc.expr, err)
			continue
		}
		if got := r.From.Format(time.DateOnly); got != tc.want {
			t.Errorf("now %s, %q = %s, want %s", tc.now.Format(time.DateOnly), tc.expr, got, tc.want)
		}
	}
}

// Days across daylight saving changes are 23 and 25 hours long in Berlin.
func TestParseRelDateDST(t *testing.T) {
	loc := berlin(t)
	for _, tc := range []struct {
		day   string
		hours float64
	}{{"2025-03-30", 23}, {"2025-10-26", 25}, {"2025-06-01", 24}} {
		r, err := ParseRelDate(tc.day, time.Now(), loc)
		if err != nil {
			t.Fatal(err)
		}
		if h := r.To.Sub(r.From).Hours(); h != tc.hours {
			t.Errorf("%s is %v hours long, want %v", tc.day, h, tc.hours)
		}
	}
	// end of last month on 1 November: 31 October ends at 00:00 CET (+01:00)
	r, _ := ParseRelDate("end of last month", time.Date(2025, 11, 1, 12, 0, 0, 0, loc), loc)
	if got := r.To.Format(time.RFC3339); got != "2025-11-01T00:00:00+01:00" {
		t.Errorf("end of last month ends %s", got)
	}
	if got := r.From.Format(time.RFC3339); got != "2025-10-31T00:00:00+01:00" {
		t.Errorf("end of last month starts %s", got)
	}
}

func TestParseRelDateInstants(t *testing.T) {
	loc := berlin(t)
	now := time.Now()
	tests := []struct{ expr, want string }{
		{"2025-05-01T10:30", "2025-05-01T10:30:00+02:00"},
		{"2025-05-01T10:30:15", "2025-05-01T10:30:15+02:00"},
		{"2025-05-01 10:30:15", "2025-05-01T10:30:15+02:00"},
		{"2025-05-01T10:30:15.5", "2025-05-01T10:30:15.5+02:00"},
		{"2025-05-01T10:30:15Z", "2025-05-01T10:30:15Z"},
		{"2025-05-01T10:30:15+00:00", "2025-05-01T10:30:15Z"},
		{"2025-05-01T10:30+01:00", "2025-05-01T10:30:00+01:00"},
		{"2025-01-15T13:00:00.0000000+00:00", "2025-01-15T13:00:00Z"},
	}
	for _, tc := range tests {
		r, err := ParseRelDate(tc.expr, now, loc)
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		want, _ := time.Parse(time.RFC3339Nano, tc.want)
		if r.Day || !r.From.Equal(want) || !r.To.Equal(want.Add(time.Nanosecond)) {
			t.Errorf("%q = %+v, want the instant %s", tc.expr, r, tc.want)
		}
	}
}

func TestParseRelDateErrors(t *testing.T) {
	loc := berlin(t)
	for _, expr := range []string{
		"", "  ", "soon", "start of decade", "start of", "end of last", "-7", "-d", "-7x", "+1 fortnight",
		"2025-02-30", "31.02.2025", "2025-13-01", "2025-05-01X10:00", "2025-05-01T25:00",
		"today +", "today 7d", "-9999999d", "+9000y", "start of month +1d -", "yesterdayx",
	} {
		if r, err := ParseRelDate(expr, time.Now(), loc); err == nil {
			t.Errorf("%q: no error, got %+v", expr, r)
		}
	}
	_, err := ParseRelDate("soon", time.Now(), loc)
	if err == nil || !strings.Contains(err.Error(), "start of last month") {
		t.Errorf("the error should show the forms: %v", err)
	}
}

func TestLoadLocation(t *testing.T) {
	if _, err := LoadLocation("Mars/Olympus"); err == nil {
		t.Error("unknown zone accepted")
	}
	loc, err := LoadLocation("Europe/Vienna")
	if err != nil || loc.String() != "Europe/Vienna" {
		t.Errorf("%v %v", loc, err)
	}
}

func FuzzParseRelDate(f *testing.F) {
	for _, s := range []string{"today", "-7d", "start of last month", "end of last month", "2025-05-01",
		"01.05.2025", "2025-05-01T10:30:00+02:00", "start of month -1d", "+1 month", "end of last quarter"} {
		f.Add(s, int64(1749594600))
	}
	loc := berlin(f)
	f.Fuzz(func(t *testing.T, expr string, unix int64) {
		now := time.Unix(unix%(400*365*86400), 0) // 1570–2370
		r, err := ParseRelDate(expr, now, loc)
		if err != nil {
			return
		}
		if !r.From.Before(r.To) {
			t.Fatalf("%q: empty range %v – %v", expr, r.From, r.To)
		}
		if r.Day {
			if h, m, s := r.From.In(loc).Clock(); h != 0 || m != 0 || s != 0 {
				// a day starting at 01:00 exists where DST begins at midnight;
				// not in Berlin
				t.Fatalf("%q: day starts at %v", expr, r.From)
			}
			if d := r.To.Sub(r.From); d < 22*time.Hour || d > 26*time.Hour {
				t.Fatalf("%q: day of %v", expr, d)
			}
			// the day is a fixed point: parsing its ISO form gives it back
			back, err := ParseRelDate(r.From.Format(time.DateOnly), now, loc)
			if err != nil || !back.From.Equal(r.From) || !back.To.Equal(r.To) {
				t.Fatalf("%q: %v does not read back: %+v %v", expr, r.From, back, err)
			}
		}
	})
}
