package sources

import (
	"fmt"
	"math"
	"time"
)

const msPerDay = 24 * 60 * 60 * 1000

var (
	// Serial 1 is 1900-01-01, so day 0 is 1899-12-31 ("1900-01-00" in Excel).
	epoch1900 = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	// From serial 61 on, Excel counts the 1900-02-29 it wrongly believes in;
	// counting from one day earlier takes that day out again.
	epoch1900Late = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	// Serial 0 is 1904-01-01 in the 1904 system of old Mac workbooks.
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// SerialToTime turns a spreadsheet serial number into a date and time: the
// whole part counts days, the fraction is the time of day. date1904 selects
// the 1904 date system (Header.Date1904).
//
// In the 1900 system serial 60 is 1900-02-29, a day that does not exist
// (Excel copies a Lotus 1-2-3 bug); it is an error. Serials below 1 are times
// without a date and come back on 1899-12-31 (1904-01-01 in the 1904 system).
// The time is rounded to the millisecond, the precision Excel keeps, so that
// 0.5208333333 is 12:30:00 and not 12:29:59.999. The result is wall-clock
// time in time.UTC: a workbook has no time zone, the caller attaches one.
// The last serial Excel allows is 9999-12-31.
func SerialToTime(serial float64, date1904 bool) (time.Time, error) {
	if math.IsNaN(serial) || math.IsInf(serial, 0) {
		return time.Time{}, fmt.Errorf("date serial %v is not a number", serial)
	}
	if serial < 0 {
		return time.Time{}, fmt.Errorf("date serial %v is negative", serial)
	}
	maxDays := 2958465.0 // 9999-12-31 in the 1900 system
	if date1904 {
		maxDays = 2957003
	}
	if serial >= maxDays+1 {
		return time.Time{}, fmt.Errorf("date serial %v is after 9999-12-31", serial)
	}
	ms := int64(math.Round(serial * msPerDay))
	days, rest := ms/msPerDay, ms%msPerDay
	if days > int64(maxDays) {
		// 9999-12-31 23:59:59.9996 rounds up into the year 10000.
		days, rest = int64(maxDays), msPerDay-1
	}
	base := epoch1904
	if !date1904 {
		switch {
		case days < 60:
			base = epoch1900
		case days == 60:
			return time.Time{}, fmt.Errorf("date serial %v is 1900-02-29, a day that does not exist (Excel's 1900 leap year bug)", serial)
		default:
			base = epoch1900Late
		}
	}
	return base.AddDate(0, 0, int(days)).Add(time.Duration(rest) * time.Millisecond), nil
}
