// Package mappings compiles the mapping block of a job once and applies it to
// every record.
//
// A field is mapped in this order:
//
//  1. input: column (a header name; for document sources a dotted path such
//     as BillingAddress.Company or Items[0].SKU), value (a constant) or expr
//     (an expr-lang expression);
//  2. text transforms, in the order written: trim, upper, lower, replace,
//     regex, default, prefix, suffix, split. Only default acts on empty text
//     (a prefix on an empty cell would invent a value). Transforms after
//     split apply to each element;
//  3. lookup: the text is translated through a table (inline values, a CSV
//     file, or the ERP); missing: error | empty | keep;
//  4. empty check: empty text gives nil, or the error "required, but empty";
//  5. typing (string, int, decimal, bool, date, datetime, list);
//  6. round and multiply, on the typed number, in the order written. round
//     is half away from zero (2.345 → 2.35, -2.345 → -2.35);
//  7. validate rules; each broken rule is its own field error.
//
// Numbers are never float64: decimals are shopspring decimal.Decimal and
// keep the scale they were written with ("12,50" has exponent -2). See
// ParseDecimal for the separator rules, including decimal: auto.
//
// Dates: format: (or the mapping's date_format) is a Go layout when it
// contains digits (02.01.2006), else a pattern of tokens:
//
//	yyyy, yy     year                 mm, m  month   dd, d  day
//	HH, H        hour 0–23            MM, M  minute  SS, S  second
//	T            the literal T of ISO 8601
//
// Tokens ignore case, except that mm/MM mean minutes right after an hour
// token or right before a seconds token and months elsewhere, so both
// dd.mm.yyyy HH:MM:SS and dd.MM.yyyy HH:mm work. Between separators a token
// accepts 1 or 2 digits; two-letter tokens touching another token (yyyymmdd)
// need exactly 2. Other letters are errors. Without a format, dates may be
// 2024-03-05, 2024-03-05T14:30[:15[.123]][Z|+01:00|+0100|+01] (also with a
// space for T), 05.03.2024, 5.3.2024, 05.03.2024 14:30[:15]. Times without
// an offset are wall-clock times in Options.Location (UTC when nil); a date
// field is the calendar date as written, at midnight UTC. Plain numbers
// from spreadsheets (Header.SerialDates) are serial dates, 1900 or 1904
// system (see serial.go), unless an explicit format reads them; so is the
// ISO text a spreadsheet source shows a date cell as (record.Record.Shown:
// 2024-03-05, 2024-03-05T14:30:00), whatever the format.
//
// A string or list field reads a spreadsheet cell as it shows it where its
// number format shows what the stored value loses (record.Record.Shown: a
// zero-padded 01067, a date cell as 2024-03-05); the other types read the
// stored value (1067, the date's serial).
//
// Expressions see each column as a string variable by its name (or as
// $env["Col Name"] when the name is no identifier), as a string field
// reads it, and row, the record's row number. For document sources they see the document's top-level keys.
// Arithmetic inside expressions is expr-lang's own (float64); keep money in
// columns with type decimal and multiply/round transforms.
package mappings
