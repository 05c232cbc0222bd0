package sources

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A number cell is read as its stored value, but a few number formats show
// something the stored value loses, and what a merchant means is what the
// cell shows: a postcode 01067 kept zero-padded by the format 00000 (or
// Excel's German "Postleitzahl" [<=99999]00000) is stored as 1067, a date
// as its day number. For those formats the reader also hands on the shown
// text (record.Record.Shown); the rest of Excel's format language (decimals,
// currency, percent, thousands separators) changes nothing a mapping reads
// and is not interpreted.

// numKind is what a cell's number format means to the reader.
type numKind uint8

const (
	fmtGeneral  numKind = iota // the stored value (General, decimals, currency, text, durations, ...)
	fmtPadded                  // an integer zero-padded to width digits (00000)
	fmtDate                    // a date: 2026-03-01
	fmtDateTime                // a date and time: 2026-03-01T14:30:00
	fmtTime                    // a time of day: 14:30:00
)

// numFormat is a number format as far as the reader needs it; the zero
// value is General.
type numFormat struct {
	kind  numKind
	width uint8 // fmtPadded: digits shown
}

// Bounds of the styles part. Excel holds at most 64,000 cell formats and
// about 250 number formats per workbook; anything past these bounds reads
// as General rather than growing the tables with a hostile file.
const (
	maxCellXfs  = 1 << 16
	maxNumFmts  = 1 << 16
	maxPadWidth = 255 // Excel's longest format code
)

// builtinFormat is a built-in number format id (those a workbook uses
// without a <numFmt> for them). 14-17 are the short and long dates of the
// reader's locale, 18-21 and 45 times, 22 a date and time, 47 mm:ss.0. 46
// is [h]:mm:ss, a duration: it stays a number. The ids 27-36 and 50-58
// are dates and times in East Asian Excel only, where which is which
// depends on the language (27 is a year and month in Chinese, an era date
// in Japanese; 32-35 are times): they stay numbers, as in other locales,
// where they are not defined at all.
func builtinFormat(id int) numFormat {
	switch {
	case id >= 14 && id <= 17:
		return numFormat{kind: fmtDate}
	case id >= 18 && id <= 21, id == 45, id == 47:
		return numFormat{kind: fmtTime}
	case id == 22:
		return numFormat{kind: fmtDateTime}
	}
	return numFormat{}
}

// classifyFormat reads a format code (the formatCode of a <numFmt>). Only
// its first section counts: the one for positive numbers, which dates and
// padded numbers are. Colours and locale tags ([Red], [$-407]) are
// dropped, as are quoted literals ("Datum: "), escaped characters (\d) and
// the padding of _x and *x; what is left decides:
//   - zeros only, at least two: a number zero-padded to that width;
//   - y or d: a date; h or s: a time; both: a date and time (m is the
//     month or the minutes, which does not change the kind);
//   - an elapsed time ([h]:mm:ss, [mm]:ss) is a duration, not a time of
//     day, and anything else (0.00, #,##0 "€", @, General) is the stored
//     value.
//
// A condition makes the first section apply to some numbers only. It is
// kept where it holds for every number the padding changes, as in Excel's
// [<=99999]00000 (Postleitzahl) and [<=99999]00000;00000-0000 (ZIP+4);
// with any other condition the section is not known to apply, and the
// cell reads as stored.
func classifyFormat(code string) numFormat {
	var date, clock, limited bool
	var bound float64 // the condition [<=bound], when limited
	zeros, other := 0, false
	for i := 0; i < len(code); {
		c := code[i]
		switch c {
		case ';':
			i = len(code) // the first section only
			continue
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 2
			} else {
				i = len(code)
			}
			other = true
			continue
		case '\\', '_', '*':
			// the next character is a literal (or the width of one)
			_, n := utf8.DecodeRuneInString(code[min(i+1, len(code)):])
			i += 1 + n
			other = true
			continue
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				return numFormat{}
			}
			tag := code[i+1 : i+1+j]
			if elapsed(tag) {
				return numFormat{} // a duration: its number is what it means
			}
			if tag != "" && strings.ContainsRune("<>=", rune(tag[0])) {
				b, ok := upperBound(tag)
				if !ok || limited {
					return numFormat{}
				}
				limited, bound = true, b
			}
			i += j + 2
			continue
		}
		switch c | 0x20 { // ASCII lower case
		case 'y', 'd':
			date = true
		case 'h', 's':
			clock = true
		}
		if c == '0' {
			zeros++
		} else {
			other = true
		}
		i++
	}
	if limited {
		// padding changes the numbers below 10^zeros; all must qualify
		if date || clock || bound < math.Pow10(zeros)-1 {
			return numFormat{}
		}
	}
	switch {
	case date && clock:
		return numFormat{kind: fmtDateTime}
	case date:
		return numFormat{kind: fmtDate}
	case clock:
		return numFormat{kind: fmtTime}
	case zeros >= 2 && !other && zeros <= maxPadWidth:
		return numFormat{kind: fmtPadded, width: uint8(zeros)}
	}
	return numFormat{}
}

// upperBound reads a condition that holds for the numbers up to a bound:
// <=N, or <N (up to just below N); ok is false for any other.
func upperBound(cond string) (float64, bool) {
	orEqual := strings.HasPrefix(cond, "<=")
	num := strings.TrimPrefix(strings.TrimPrefix(cond, "<="), "<")
	if num == cond || strings.HasPrefix(num, ">") {
		return 0, false // >, >=, =, <>
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return 0, false
	}
	if !orEqual {
		n = math.Nextafter(n, math.Inf(-1))
	}
	return n, true
}

// elapsed reports whether a bracketed part of a format code is an elapsed
// time token: [h], [hh], [m], [mm], [s], [ss].
func elapsed(tag string) bool {
	if tag == "" {
		return false
	}
	first := tag[0] | 0x20
	if first != 'h' && first != 'm' && first != 's' {
		return false
	}
	for i := 1; i < len(tag); i++ {
		if tag[i]|0x20 != first {
			return false
		}
	}
	return true
}

// readStyles reads the number format of every cell style (the cellXfs of
// the styles part), indexed by a cell's s attribute. It is nil when no
// style shows a number other than as stored, so the reader does not look
// at styles at all. A missing, damaged or oversized styles part gives nil
// too: the cells then read as their stored values, as they did before
// formats were read, rather than the whole workbook being refused for a
// part that only decides how cells look.
func (p *xlsxPackage) readStyles() []numFormat {
	if p.stylesPart == "" {
		return nil
	}
	f := p.part(p.stylesPart)
	if f == nil {
		return nil
	}
	x, err := p.openPart(f)
	if err != nil {
		return nil
	}
	defer x.Close()
	custom := map[int]numFormat{}
	var xfIDs []int // numFmtId of each cellXfs entry
	for {
		tok, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil
		}
		se, ok := tok.(xml.StartElement)
		// only direct children of <numFmts> and <cellXfs> under the root:
		// <dxfs> and <cellStyleXfs> hold numFmt and xf elements too
		if !ok || len(x.stack) != 3 {
			continue
		}
		parent := x.stack[1].Local
		switch {
		case se.Name.Local == "numFmt" && parent == "numFmts":
			id, err := strconv.Atoi(attr(se, "numFmtId"))
			if err == nil && len(custom) < maxNumFmts {
				custom[id] = classifyFormat(attr(se, "formatCode"))
			}
		case se.Name.Local == "xf" && parent == "cellXfs":
			if len(xfIDs) >= maxCellXfs {
				continue
			}
			id, err := strconv.Atoi(attr(se, "numFmtId"))
			if err != nil {
				id = 0 // no number format: General
			}
			xfIDs = append(xfIDs, id)
		}
	}
	var out []numFormat
	for i, id := range xfIDs {
		nf, ok := custom[id] // a workbook may redefine a built-in id
		if !ok {
			nf = builtinFormat(id)
		}
		if nf.kind == fmtGeneral {
			continue
		}
		if out == nil {
			out = make([]numFormat, len(xfIDs))
		}
		out[i] = nf
	}
	return out
}

// appendShown appends the text a number cell shows under nf, given its
// stored number as read (num, the text typed fields get), and reports
// whether there is one that differs from num. A number the format cannot
// show as Excel would (a negative or fractional number padded with zeros,
// a serial outside Excel's dates) has none: it reads as stored.
func appendShown(dst, num []byte, nf numFormat, date1904 bool) ([]byte, bool) {
	if nf.kind == fmtPadded {
		for _, c := range num {
			if c < '0' || c > '9' {
				return dst, false
			}
		}
		if len(num) >= int(nf.width) {
			return dst, false
		}
		for range int(nf.width) - len(num) {
			dst = append(dst, '0')
		}
		return append(dst, num...), true
	}
	serial, err := strconv.ParseFloat(string(num), 64)
	if err != nil || serial < 0 {
		return dst, false
	}
	if nf.kind == fmtTime {
		// the time of day, to the second as Excel shows it
		secs := int64(math.Round((serial - math.Floor(serial)) * 86400))
		if secs >= 86400 {
			secs = 0
		}
		t := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(secs) * time.Second)
		return t.AppendFormat(dst, "15:04:05"), true
	}
	if !date1904 && serial < 1 {
		return dst, false // Excel shows 0 as the day 1900-01-00, which is none
	}
	t, err := SerialToTime(serial, date1904)
	if err != nil {
		return dst, false
	}
	if nf.kind == fmtDate {
		return t.AppendFormat(dst, "2006-01-02"), true
	}
	if t = t.Round(time.Second); t.Year() > 9999 {
		return dst, false
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05"), true
}
