package mappings

import (
	"strings"
	"testing"
	"time"
)

func TestToLayout(t *testing.T) {
	tests := []struct{ format, want, err string }{
		{"dd.mm.yyyy", "2.1.2006", ""},
		{"DD.MM.YYYY", "2.1.2006", ""},
		{"dd.MM.yyyy", "2.1.2006", ""},
		{"yyyy-mm-dd", "2006-1-2", ""},
		{"dd.mm.yyyy HH:MM:SS", "2.1.2006 15:4:5", ""},
		{"dd.MM.yyyy HH:mm:ss", "2.1.2006 15:4:5", ""},
		{"dd.mm.yyyy HH:MM", "2.1.2006 15:4", ""},
		{"mm:ss", "4:5", ""},
		{"yyyy-mm-ddTHH:MM:SS", "2006-1-2T15:4:5", ""},
		{"yyyymmdd", "20060102", ""},
		{"yyyymmddHHMMSS", "20060102150405", ""},
		{"d/m/yy", "2/1/06", ""},
		{"02.01.2006", "02.01.2006", ""}, // Go layout, as is
		{"dd.mm.yyy", "", `unknown token "yyy"`},
		{"dd.mm.yyyy hh:nn", "", `unknown token "nn"`},
		{"ddd", "", `unknown token "ddd"`},
		{"yyyy_mm_dd", "", "_ is not supported"},
	}
	for _, tt := range tests {
		got, err := toLayout(tt.format)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("toLayout(%q) = %q, %v; want error %q", tt.format, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("toLayout(%q) = %q, %v; want %q", tt.format, got, err, tt.want)
		}
	}
}

func TestNewDateParserRejectsIncompleteFormats(t *testing.T) {
	for _, f := range []string{"dd.mm", "mm.yyyy", "HH:MM", "15:04"} {
		if _, err := newDateParser(f, true, nil); err == nil || !strings.Contains(err.Error(), "must contain a year, a month and a day") {
			t.Errorf("newDateParser(%q): %v", f, err)
		}
	}
}

func TestParseDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	utc := func(y int, m time.Month, d, h, mi, s, ms int) time.Time {
		return time.Date(y, m, d, h, mi, s, ms*int(time.Millisecond), time.UTC)
	}
	tests := []struct {
		in, format string
		dateOnly   bool
		loc        *time.Location
		want       time.Time
		err        string
	}{
		// defaults
		{"2024-03-05", "", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"2024-03-05T14:30:15", "", false, nil, utc(2024, 3, 5, 14, 30, 15, 0), ""},
		{"2024-03-05 14:30:15", "", false, nil, utc(2024, 3, 5, 14, 30, 15, 0), ""},
		{"2024-03-05T14:30", "", false, nil, utc(2024, 3, 5, 14, 30, 0, 0), ""},
		{"2024-03-05T14:30:15.250Z", "", false, nil, utc(2024, 3, 5, 14, 30, 15, 250), ""},
		{"2024-03-05T14:30:15+01:00", "", false, nil, utc(2024, 3, 5, 13, 30, 15, 0), ""},
		{"2024-03-05T14:30:15+0100", "", false, nil, utc(2024, 3, 5, 13, 30, 15, 0), ""},
		{"2024-03-05T14:30:15-05", "", false, nil, utc(2024, 3, 5, 19, 30, 15, 0), ""},
		{"2024-03-05T23:30:00-05:00", "", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""}, // the date as written
		{"05.03.2024", "", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"5.3.2024", "", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"05.03.2024 14:30", "", false, nil, utc(2024, 3, 5, 14, 30, 0, 0), ""},
		{"05.03.2024 14:30:15", "", false, nil, utc(2024, 3, 5, 14, 30, 15, 0), ""},
		{"05.03.2024 14:30:15", "", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"2024-03-05", "", false, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"05.03.2024 14:30", "", false, berlin, time.Date(2024, 3, 5, 14, 30, 0, 0, berlin), ""},
		{"03/05/2024", "", true, nil, time.Time{}, "not a date"},
		{"32.01.2024", "", true, nil, time.Time{}, "day out of range"},
		{"2024-02-30", "", true, nil, time.Time{}, "day out of range"},
		{"heute", "", true, nil, time.Time{}, "not a date"},
		{"2024-03-05X", "", true, nil, time.Time{}, "not a date"},
		// tokens
		{"05.03.2024", "dd.mm.yyyy", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"5.3.2024", "dd.mm.yyyy", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"05.03.24", "dd.mm.yy", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"2024-03-05", "yyyy-mm-dd", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"20240305", "yyyymmdd", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"05.03.2024 07:08:09", "dd.mm.yyyy HH:MM:SS", false, nil, utc(2024, 3, 5, 7, 8, 9, 0), ""},
		{"05.03.2024 07:08", "dd.MM.yyyy HH:mm", false, nil, utc(2024, 3, 5, 7, 8, 0, 0), ""},
		{"03/05/2024", "mm/dd/yyyy", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"2024-03-05", "dd.mm.yyyy", true, nil, time.Time{}, `does not match format "dd.mm.yyyy"`},
		{"31.02.2024", "dd.mm.yyyy", true, nil, time.Time{}, `does not match format "dd.mm.yyyy" (day out of range)`},
		// Go layouts are exact
		{"05.03.2024", "02.01.2006", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
		{"5.3.2024", "02.01.2006", true, nil, time.Time{}, "does not match"},
		{"Mar 5, 2024", "Jan 2, 2006", true, nil, utc(2024, 3, 5, 0, 0, 0, 0), ""},
	}
	for _, tt := range tests {
		p, err := newDateParser(tt.format, tt.dateOnly, tt.loc)
		if err != nil {
			t.Fatalf("newDateParser(%q): %v", tt.format, err)
		}
		got, err := p.parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parse(%q, %q) = %v, %v; want error %q", tt.in, tt.format, got, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parse(%q, %q) = %v, %v; want %v", tt.in, tt.format, got, err, tt.want)
		}
		if tt.dateOnly && got.Location() != time.UTC {
			t.Errorf("parse(%q): date in %v, want UTC", tt.in, got.Location())
		}
	}
}

func TestSerialDates(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		d    bool
		want time.Time
		err  string
	}{
		{"1", false, day(1900, 1, 1), ""},
		{"59", false, day(1900, 2, 28), ""},
		{"60", false, time.Time{}, "1900-02-29"},
		{"61", false, day(1900, 3, 1), ""},
		{"45356", false, day(2024, 3, 5), ""},
		{"45356.5", false, time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC), ""},
		{"45356.4166666666667", false, time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC), ""},
		{"45356.999999999", false, day(2024, 3, 6), ""}, // rounds to the next midnight
		{"2958465", false, day(9999, 12, 31), ""},
		{"2958466", false, time.Time{}, "after 9999-12-31"},
		{"99999999999999999999999", false, time.Time{}, "after 9999-12-31"},
		{"0", false, time.Time{}, "before 1900-01-01"},
		{"0.5", false, time.Time{}, "before 1900-01-01"},
		{"0", true, day(1904, 1, 1), ""},
		{"43894", true, day(2024, 3, 5), ""},
	}
	for _, tt := range tests {
		got, err := serialToTime(tt.in, tt.d, time.UTC)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("serialToTime(%q, %v) = %v, %v; want error %q", tt.in, tt.d, got, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("serialToTime(%q, %v) = %v, %v; want %v", tt.in, tt.d, got, err, tt.want)
		}
	}
	for s, want := range map[string]bool{"45356": true, "45356.5": true, "1e5": false, "45356.": false, ".5": false, "-1": false, "": false, "1.2.3": false} {
		if isPlainNumber(s) != want {
			t.Errorf("isPlainNumber(%q) = %v", s, !want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-05", "05.03.2024 14:30:15", "2024-03-05T14:30:15.5+01:00", "5.3.2024", "45356.25", "2024-03-05 1", "0001-01-01T00:00Z"} {
		for _, format := range []string{"", "dd.mm.yyyy", "yyyy-mm-dd HH:MM", "02.01.2006"} {
			f.Add(s, format)
		}
	}
	f.Fuzz(func(t *testing.T, s, format string) {
		p, err := newDateParser(format, false, nil)
		if err != nil {
			return
		}
		d := *p
		d.dateOnly = true
		got, err := p.parse(s)
		if err == nil {
			// A date-only parser agrees on the calendar date.
			day, err := d.parse(s)
			if err != nil {
				t.Fatalf("datetime %q parses but the date does not: %v", s, err)
			}
			if y, m, dd := got.Date(); day.Year() != y || day.Month() != m || day.Day() != dd || day.Hour() != 0 {
				t.Fatalf("%q: datetime %v, date %v", s, got, day)
			}
		} else if err.Error() == "" {
			t.Fatal("empty error")
		}
		// The hand-written fast paths agree with time.Parse.
		for _, c := range []struct {
			layout string
			fast   func(string, bool) (int, time.Month, int, bool)
			fixed  bool
		}{{"2.1.2006", fastDMY, false}, {"02.01.2006", fastDMY, true}, {"2006-01-02", fastYMD, true}, {"2006-1-2", fastYMD, false}} {
			y, m, dd, ok := c.fast(s, c.fixed)
			ref, err := time.Parse(c.layout, s)
			if ok != (err == nil) || ok && (ref.Year() != y || ref.Month() != m || ref.Day() != dd) {
				t.Fatalf("%q as %s: fast %d-%d-%d %v, time.Parse %v %v", s, c.layout, y, m, dd, ok, ref, err)
			}
		}
		if isPlainNumber(s) {
			_, _ = serialToTime(s, false, time.UTC)
			_, _ = serialToTime(s, true, time.UTC)
		}
	})
}

func TestValidDate(t *testing.T) {
	for y := 1899; y <= 2401; y++ {
		for m := 1; m <= 12; m++ {
			last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			for d := 0; d <= 32; d++ {
				if got, want := validDate(y, m, d), d >= 1 && d <= last; got != want {
					t.Fatalf("validDate(%d, %d, %d) = %v", y, m, d, got)
				}
			}
		}
	}
}
