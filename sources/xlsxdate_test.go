package sources

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestSerialToTime(t *testing.T) {
	d := func(y int, m time.Month, day, h, min, s, ms int) time.Time {
		return time.Date(y, m, day, h, min, s, ms*1e6, time.UTC)
	}
	tests := []struct {
		serial   float64
		date1904 bool
		want     time.Time
		err      string
	}{
		{serial: 1, want: d(1900, 1, 1, 0, 0, 0, 0)},
		{serial: 31, want: d(1900, 1, 31, 0, 0, 0, 0)},
		{serial: 59, want: d(1900, 2, 28, 0, 0, 0, 0)},
		{serial: 59.75, want: d(1900, 2, 28, 18, 0, 0, 0)},
		{serial: 60, err: "1900-02-29"},
		{serial: 60.5, err: "1900-02-29"},
		{serial: 61, want: d(1900, 3, 1, 0, 0, 0, 0)},
		{serial: 366, want: d(1900, 12, 31, 0, 0, 0, 0)},
		{serial: 367, want: d(1901, 1, 1, 0, 0, 0, 0)},
		{serial: 25569, want: d(1970, 1, 1, 0, 0, 0, 0)},
		{serial: 36526, want: d(2000, 1, 1, 0, 0, 0, 0)}, // 2000 is a leap year
		{serial: 36585, want: d(2000, 2, 29, 0, 0, 0, 0)},
		{serial: 44927, want: d(2023, 1, 1, 0, 0, 0, 0)},
		{serial: 45123, want: d(2023, 7, 16, 0, 0, 0, 0)},
		{serial: 45658.5, want: d(2025, 1, 1, 12, 0, 0, 0)},
		{serial: 45658 + 12.5/24, want: d(2025, 1, 1, 12, 30, 0, 0)},
		{serial: 45658.520833333336, want: d(2025, 1, 1, 12, 30, 0, 0)},
		{serial: 45658.52083333333, want: d(2025, 1, 1, 12, 30, 0, 0)},
		{serial: 45658 + (23*3600+59*60+59)/86400.0, want: d(2025, 1, 1, 23, 59, 59, 0)},
		{serial: 45658.99999999999, want: d(2025, 1, 2, 0, 0, 0, 0)}, // rounds into the next day
		{serial: 45658 + 0.25/86400, want: d(2025, 1, 1, 0, 0, 0, 250)},
		{serial: 0, want: d(1899, 12, 31, 0, 0, 0, 0)},
		{serial: 0.75, want: d(1899, 12, 31, 18, 0, 0, 0)},
		{serial: 2958465, want: d(9999, 12, 31, 0, 0, 0, 0)},
		{serial: 2958465.99999999, want: d(9999, 12, 31, 23, 59, 59, 999)},
		{serial: 2958466, err: "after 9999-12-31"},
		{serial: -1, err: "negative"},
		{serial: math.NaN(), err: "not a number"},
		{serial: math.Inf(1), err: "not a number"},

		{serial: 0, date1904: true, want: d(1904, 1, 1, 0, 0, 0, 0)},
		{serial: 1, date1904: true, want: d(1904, 1, 2, 0, 0, 0, 0)},
		{serial: 59, date1904: true, want: d(1904, 2, 29, 0, 0, 0, 0)}, // 1904 is a leap year
		{serial: 60, date1904: true, want: d(1904, 3, 1, 0, 0, 0, 0)},
		{serial: 43465, date1904: true, want: d(2023, 1, 1, 0, 0, 0, 0)},
		{serial: 43465.25, date1904: true, want: d(2023, 1, 1, 6, 0, 0, 0)},
		{serial: 2957003, date1904: true, want: d(9999, 12, 31, 0, 0, 0, 0)},
		{serial: 2957004, date1904: true, err: "after 9999-12-31"},
	}
	for _, tt := range tests {
		got, err := SerialToTime(tt.serial, tt.date1904)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("SerialToTime(%v, %v) error = %v, want %q", tt.serial, tt.date1904, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("SerialToTime(%v, %v) = %v, %v; want %v", tt.serial, tt.date1904, got, err, tt.want)
		}
	}
}

// The two systems are 1462 days apart for any date after 1900-03-01, and
// whole days agree with excelize's own conversion.
func TestSerialToTimeAgreesWithExcelize(t *testing.T) {
	for serial := 61.0; serial < 2957003; serial += 997 {
		a, err1 := SerialToTime(serial+1462, false)
		b, err2 := SerialToTime(serial, true)
		if err1 != nil || err2 != nil || !a.Equal(b) {
			t.Fatalf("serial %v: 1900 %v %v, 1904 %v %v", serial, a, err1, b, err2)
		}
		x, err := excelize.ExcelDateToTime(serial, false)
		if err == nil && !x.Equal(a.AddDate(0, 0, -1462)) {
			t.Fatalf("serial %v: %v, excelize %v", serial, a.AddDate(0, 0, -1462), x)
		}
	}
}
