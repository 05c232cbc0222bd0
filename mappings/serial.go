package mappings

import (
	"time"

	"github.com/shopspring/decimal"
)

// Spreadsheets store dates as a day count ("serial") with the time of day as
// the fraction. The sources package keeps numeric cells in that stored form,
// so a date field reads them here.
//
// 1900 system (Excel's default): serial 1 is 1900-01-01. Excel counts a
// 1900-02-29 that never existed (serial 60, kept from Lotus 1-2-3), so serials
// from 61 on are one day ahead of a plain count from 1899-12-31; they count
// from 1899-12-30 instead. Serial 60 itself is an error, as is anything below 1.
//
// 1904 system (old Mac workbooks, Header.Date1904): serial 0 is 1904-01-01.
//
// The fraction becomes the time of day, rounded to the millisecond: stored
// values are binary floats (0.4166666666666667 for 10:00), and rounding to the
// millisecond removes that noise without losing real precision.

// maxSerial is 9999-12-31, the last date spreadsheets can show.
const maxSerial = 2958465

var (
	msPerDay     = decimal.NewFromInt(86_400_000)
	maxSerialDec = decimal.NewFromInt(maxSerial + 1)
	serialBase   = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)
	base1904     = time.Date(1904, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// isPlainNumber reports whether s is digits with an optional fraction — the
// stored form of a spreadsheet number.
func isPlainNumber(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == '.' && !dot && digits > 0:
			dot = true
		default:
			return false
		}
	}
	return digits > 0 && s[len(s)-1] != '.'
}

// serialToTime converts a spreadsheet serial; s must be a plain number. The
// wall-clock result is placed in loc.
func serialToTime(s string, date1904 bool, loc *time.Location) (time.Time, error) {
	d, err := ParseDecimal(s, SepPoint)
	if err != nil {
		return time.Time{}, err
	}
	if d.Cmp(maxSerialDec) >= 0 {
		return time.Time{}, reasonf("serial date %s is after 9999-12-31", s)
	}
	days := d.IntPart()
	ms := d.Sub(decimal.NewFromInt(days)).Mul(msPerDay).Round(0).IntPart()
	base := base1904
	if !date1904 {
		switch {
		case days < 1:
			return time.Time{}, reasonf("serial date %s is before 1900-01-01", s)
		case days == 60:
			return time.Time{}, reasonError("serial date 60 is 1900-02-29, a day that does not exist (a spreadsheet compatibility bug)")
		case days < 60:
			days++ // count from 1899-12-31
		}
		base = serialBase
	}
	msec := int(ms % 1000)
	sec := int(ms / 1000)
	return time.Date(base.Year(), base.Month(), base.Day()+int(days),
		sec/3600, sec/60%60, sec%60, msec*int(time.Millisecond), loc), nil
}
