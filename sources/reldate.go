package sources

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	// The merchant's time zone must resolve on machines without a zoneinfo
	// database (Windows, distroless containers).
	_ "time/tzdata"
)

// DefaultTimeZone is the merchant's time zone when source.time_zone is empty.
const DefaultTimeZone = "Europe/Berlin"

// DateRange is what a date expression names: a calendar day in the
// merchant's time zone (Day true), or one instant (an ISO date-time). From is
// its first instant, To the first instant after it, so [From, To) holds
// exactly the moments the expression covers. A day in a time zone with
// daylight saving time is 23, 24 or 25 hours long.
type DateRange struct {
	From, To time.Time
	Day      bool
}

// Date returns the calendar day of a day range (its From in the location it
// was resolved in).
func (r DateRange) Date() (y int, m time.Month, d int) { return r.From.Date() }

// ParseRelDate resolves a date expression against now in loc (the merchant's
// time zone). Words are case-insensitive and spaces are free:
//
//	today, yesterday, tomorrow
//	-7d, +1d, -2w, -1m, +1y       days, weeks, months, years from today;
//	                              also spelt out: -7 days, +1 month
//	start of month, end of month        the first / last day of this month
//	start of last month, end of last month, start of next month, ...
//	start of week (Monday), start of quarter, start of year, end of year,
//	start of last year, ...             (this | last | next) week, month,
//	                                    quarter or year
//	2025-05-01, 01.05.2025              a calendar day
//	2025-05-01T10:30[:00[.123]][Z|+02:00]
//	                                    an instant; without an offset it is
//	                                    a wall-clock time in loc
//
// A day may be followed by an offset: "start of month -1d", "today +1w".
// Month and year steps keep the day of the month where it exists and clamp to
// the month's last day otherwise (31 March -1m is 28/29 February).
//
// The result names a whole day except for ISO date-times; how a filter uses
// it (its first or its last instant) is up to the filter, see OpenERP.
func ParseRelDate(expr string, now time.Time, loc *time.Location) (DateRange, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := strings.Join(strings.Fields(strings.ToLower(expr)), " ")
	if s == "" {
		return DateRange{}, fmt.Errorf("empty date")
	}
	if r, ok, err := parseAbsolute(strings.TrimSpace(expr), loc); ok || err != nil {
		return r, err
	}
	today := civil(now.In(loc))
	base, rest, err := parseBase(s, today)
	if err != nil {
		return DateRange{}, fmt.Errorf("date %q: %w", expr, err)
	}
	day := base
	for rest != "" {
		var n int
		var unit byte
		if n, unit, rest, err = parseOffset(rest); err != nil {
			return DateRange{}, fmt.Errorf("date %q: %w", expr, err)
		}
		day = day.add(n, unit)
	}
	if day.y < 1 || day.y > 9999 {
		return DateRange{}, fmt.Errorf("date %q: year %d is out of range", expr, day.y)
	}
	return day.rangeIn(loc), nil
}

// civilDate is a calendar day without a time zone.
type civilDate struct {
	y int
	m time.Month
	d int
}

func civil(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

func (c civilDate) rangeIn(loc *time.Location) DateRange {
	return DateRange{
		From: time.Date(c.y, c.m, c.d, 0, 0, 0, 0, loc),
		To:   time.Date(c.y, c.m, c.d+1, 0, 0, 0, 0, loc),
		Day:  true,
	}
}

func daysInMonth(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// add moves the day by n units: d(ays), w(eeks), m(onths), y(ears).
func (c civilDate) add(n int, unit byte) civilDate {
	switch unit {
	case 'd', 'w':
		if unit == 'w' {
			n *= 7
		}
		t := time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC).AddDate(0, 0, n)
		return civil(t)
	case 'y':
		n *= 12
	}
	months := c.y*12 + int(c.m-1) + n
	y, m := months/12, time.Month(months%12+1)
	if months < 0 {
		y, m = (months-11)/12, time.Month((months%12+12)%12+1)
	}
	return civilDate{y, m, min(c.d, daysInMonth(y, m))}
}

var baseWords = map[string]int{"today": 0, "yesterday": -1, "tomorrow": 1}

// parseBase reads the leading day of an expression and returns the rest
// (the offsets). An expression starting with an offset is relative to today.
func parseBase(s string, today civilDate) (civilDate, string, error) {
	for w, delta := range baseWords {
		if s == w || strings.HasPrefix(s, w+" ") || strings.HasPrefix(s, w+"+") || strings.HasPrefix(s, w+"-") {
			return today.add(delta, 'd'), strings.TrimSpace(s[len(w):]), nil
		}
	}
	if s[0] == '+' || s[0] == '-' {
		return today, s, nil
	}
	edge, ok := "", false
	for _, e := range []string{"start of ", "end of ", "beginning of "} {
		if strings.HasPrefix(s, e) {
			edge, s, ok = strings.Fields(e)[0], s[len(e):], true
			break
		}
	}
	if !ok {
		return civilDate{}, "", fmt.Errorf("unknown date; use today, yesterday, -7d, start of month, start of last month, end of last month, start of year, 2025-05-01 or 01.05.2025")
	}
	rel := 0
	for _, w := range []struct {
		word string
		rel  int
	}{{"this ", 0}, {"current ", 0}, {"last ", -1}, {"previous ", -1}, {"next ", 1}} {
		if strings.HasPrefix(s, w.word) {
			rel, s = w.rel, s[len(w.word):]
			break
		}
	}
	period, rest, _ := strings.Cut(s, " ")
	if i := strings.IndexAny(period, "+-"); i > 0 {
		period, rest = period[:i], strings.TrimSpace(period[i:]+" "+rest)
	}
	var first, last civilDate
	switch period {
	case "week":
		// ISO weeks start on Monday.
		t := time.Date(today.y, today.m, today.d, 12, 0, 0, 0, time.UTC)
		back := (int(t.Weekday()) + 6) % 7
		first = today.add(-back+7*rel, 'd')
		last = first.add(6, 'd')
	case "month":
		first = civilDate{today.y, today.m, 1}.add(rel, 'm')
		last = civilDate{first.y, first.m, daysInMonth(first.y, first.m)}
	case "quarter":
		q := civilDate{today.y, today.m - (today.m-1)%3, 1}
		first = q.add(3*rel, 'm')
		l := first.add(2, 'm')
		last = civilDate{l.y, l.m, daysInMonth(l.y, l.m)}
	case "year":
		first = civilDate{today.y + rel, time.January, 1}
		last = civilDate{first.y, time.December, 31}
	default:
		return civilDate{}, "", fmt.Errorf("%q: expected week, month, quarter or year after %q", period, edge+" of")
	}
	if edge == "end" {
		return last, strings.TrimSpace(rest), nil
	}
	return first, strings.TrimSpace(rest), nil
}

var unitWords = map[string]byte{
	"d": 'd', "day": 'd', "days": 'd',
	"w": 'w', "week": 'w', "weeks": 'w',
	"m": 'm', "month": 'm', "months": 'm',
	"y": 'y', "year": 'y', "years": 'y',
}

// parseOffset reads one "+7d" / "- 2 weeks" from s.
func parseOffset(s string) (n int, unit byte, rest string, err error) {
	sign := 1
	switch s[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, 0, "", fmt.Errorf("%q: expected an offset like -7d or +1m", s)
	}
	s = strings.TrimLeft(s[1:], " ")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i > 6 {
		return 0, 0, "", fmt.Errorf("%q: expected a number of days, weeks, months or years (up to 6 digits)", s)
	}
	n, _ = strconv.Atoi(s[:i])
	s = strings.TrimLeft(s[i:], " ")
	j := 0
	for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
		j++
	}
	u, ok := unitWords[s[:j]]
	if !ok {
		return 0, 0, "", fmt.Errorf("unit %q: use d, w, m or y (days, weeks, months, years)", s[:j])
	}
	return sign * n, u, strings.TrimLeft(s[j:], " "), nil
}

// parseAbsolute reads ISO dates and date-times and dd.mm.yyyy. ok is false
// when s does not look like one (it may be a relative expression).
func parseAbsolute(s string, loc *time.Location) (r DateRange, ok bool, err error) {
	if len(s) < 8 || s[0] < '0' || s[0] > '9' {
		return DateRange{}, false, nil
	}
	if len(s) == 10 && s[2] == '.' && s[5] == '.' {
		t, err := time.Parse("02.01.2006", s)
		if err != nil {
			return DateRange{}, true, fmt.Errorf("date %q: not a valid dd.mm.yyyy date", s)
		}
		return civil(t).rangeIn(loc), true, nil
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return DateRange{}, false, nil
	}
	if len(s) == 10 {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return DateRange{}, true, fmt.Errorf("date %q: not a valid yyyy-mm-dd date", s)
		}
		return civil(t).rangeIn(loc), true, nil
	}
	if s[10] != 'T' && s[10] != 't' && s[10] != ' ' {
		return DateRange{}, true, fmt.Errorf("date %q: expected yyyy-mm-dd or yyyy-mm-ddThh:mm[:ss][offset]", s)
	}
	t, err := parseInstant(s[:10]+"T"+s[11:], loc)
	if err != nil {
		return DateRange{}, true, fmt.Errorf("date %q: %w", s, err)
	}
	return DateRange{From: t, To: t.Add(time.Nanosecond)}, true, nil
}

// parseInstant reads an ISO 8601 date-time; without an offset it is a wall
// clock time in loc.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, strings.Replace(s, "z", "Z", 1)); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an ISO 8601 date-time (yyyy-mm-ddThh:mm[:ss][.fff][Z|+hh:mm])")
}

// LoadLocation resolves a time zone name ("" is DefaultTimeZone). The
// embedded tzdata makes it work without a system zoneinfo.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time_zone %q: %w (use an IANA name such as Europe/Berlin)", name, err)
	}
	return loc, nil
}
