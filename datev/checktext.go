package datev

import (
	"fmt"

	"github.com/wawi-etl/etl/internal/i18n"
)

// germanViolations word the format check's findings for the tax adviser
// (check.go, write.go's accountProblem, format.go's periodProblem,
// debitors.go's personalAccountProblem), the more specific first.
// TestCheckRules and TestCheckDebitorRules check that every finding they
// provoke has German words.
var germanViolations = i18n.NewRules([][2]string{
	{"the last line does not end with CRLF", "die letzte Zeile endet nicht mit CRLF"},
	{"line ends with LF only: DATEV wants CRLF", "die Zeile endet nur mit LF: DATEV erwartet CRLF"},
	{"carriage return inside a line", "Wagenrücklauf (CR) mitten in der Zeile"},
	{"a quoted field is not closed", "ein Feld in Anführungszeichen ist nicht geschlossen"},
	{"field {}: text after the closing quote", "Feld {}: Text nach dem schließenden Anführungszeichen"},
	{"field {}: a quote inside an unquoted field", "Feld {}: ein Anführungszeichen in einem Feld ohne Anführungszeichen"},
	{"line 2 (column names) has {} fields, Debitoren/Kreditoren have {}", "Zeile 2 (Spaltennamen) hat {} Felder, Debitoren/Kreditoren haben {}"},
	{"line 2 (column names) has {} fields, a Buchungsstapel has {}", "Zeile 2 (Spaltennamen) hat {} Felder, ein Buchungsstapel hat {}"},
	{"a Buchungsstapel has a header line and a line of column names", "ein Buchungsstapel hat eine Kopfzeile und eine Zeile mit Spaltennamen"},
	{"byte {} is not a Windows-1252 character", "Byte {} ist kein Windows-1252-Zeichen"},
	{"the file starts with a UTF-8 byte order mark: DATEV reads Windows-1252", "die Datei beginnt mit einer UTF-8-Bytereihenfolgemarke (BOM): DATEV liest Windows-1252"},
	{"the header has {} fields, version 700 has {}", "die Kopfzeile hat {} Felder, Version 700 hat {}"},
	{"Kennzeichen is {}, want \"EXTF\" (a file from a program other than DATEV)", "Kennzeichen ist {}, erwartet: \"EXTF\" (Datei eines anderen Programms als DATEV)"},
	{"Erzeugt am {}: want 17 digits YYYYMMDDHHMMSSFFF", "Erzeugt am {}: erwartet: 17 Ziffern JJJJMMTTHHMMSSFFF"},
	{"{} {} is not a number within {}..{}", "{} {} ist keine Zahl von {} bis {}"},
	{"{} {} is not a date YYYYMMDD", "{} {} ist kein Datum JJJJMMTT"},
	{"Datum bis {} is before Datum vom {}", "Datum bis {} liegt vor Datum vom {}"},
	{"period {}..{} is not within the fiscal year starting {}", "der Zeitraum {}..{} liegt nicht im Wirtschaftsjahr ab {}"},
	{"Bezeichnung has {} characters, at most {}", "Bezeichnung hat {} Zeichen, höchstens {}"},
	{"Diktatkürzel has {} characters, at most {}", "Diktatkürzel hat {} Zeichen, höchstens {}"},
	{"Buchungstyp {}: 1 (Finanzbuchführung) or 2 (Jahresabschluss)", "Buchungstyp {}: 1 (Finanzbuchführung) oder 2 (Jahresabschluss)"},
	{"Festschreibung {}: 0 or 1", "Festschreibung {}: 0 oder 1"},
	{"WKZ Umsatz {} is not an ISO currency code", "WKZ Umsatz {} ist kein ISO-Währungscode"},
	{"WKZ {} is not an ISO currency code", "WKZ {} ist kein ISO-Währungscode"},
	{"SKR {}: 03 or 04", "SKR {}: 03 oder 04"},
	{"a text field of the header is not quoted", "ein Textfeld der Kopfzeile steht nicht in Anführungszeichen"},
	{"{} is {}, want {}", "{} ist {}, erwartet: {}"},
	{"{} fields, a booking has {}", "{} Felder, eine Buchung hat {}"},
	{"{} fields, a debitor or kreditor has {}", "{} Felder, ein Debitor oder Kreditor hat {}"},
	{"{} is a number and must not be quoted", "{} ist eine Zahl und steht nicht in Anführungszeichen"},
	{"{} is text and must be quoted", "{} ist Text und steht in Anführungszeichen"},
	{"{} holds a control character", "{} enthält ein Steuerzeichen"},
	{"Umsatz {}: want a positive amount like 1234,56 (decimal comma, two decimals, no sign)", "Umsatz {}: erwartet: ein positiver Betrag wie 1234,56 (Dezimalkomma, zwei Nachkommastellen, ohne Vorzeichen)"},
	{"Soll/Haben-Kennzeichen {}: S or H", "Soll/Haben-Kennzeichen {}: S oder H"},
	{"Skonto {}: want an amount like 12,34", "Skonto {}: erwartet: ein Betrag wie 12,34"},
	{"{} {} is missing", "{} {} fehlt"},
	{"{} {} is not a number", "{} {} ist keine Zahl"},
	{"{} {} has {} digits; Sachkontenlänge is {} (personal accounts {})", "{} {} hat {} Stellen; die Sachkontenlänge ist {} (Personenkonten {})"},
	{"{} {} has {} digits and starts with 0: a personal account starts with 1..9", "{} {} hat {} Stellen und beginnt mit 0: ein Personenkonto beginnt mit 1..9"},
	{"{} {} has {} digits: a personal account has {} (Sachkontenlänge {} + 1)", "{} {} hat {} Stellen: ein Personenkonto hat {} (Sachkontenlänge {} + 1)"},
	{"{} {} starts with 0: a personal account starts with 1..9", "{} {} beginnt mit 0: ein Personenkonto beginnt mit 1..9"},
	{"BU-Schlüssel {}: up to 4 digits", "BU-Schlüssel {}: höchstens 4 Ziffern"},
	{"Belegfeld 1 has {} characters, at most {}", "Belegfeld 1 hat {} Zeichen, höchstens {}"},
	{"Belegfeld 1 holds {}: letters, digits and $ & % * + - / only", "Belegfeld 1 enthält {}: nur Buchstaben, Ziffern und $ & % * + - / erlaubt"},
	{"Belegdatum {}: want TTMM", "Belegdatum {}: erwartet: TTMM"},
	{"Belegdatum {} is not a day within the period {}..{}", "Belegdatum {} ist kein Tag im Zeitraum {}..{}"},
	{"{} has {} characters, at most {}", "{} hat {} Zeichen, höchstens {}"},
	{"Konto {} is on line {} already", "Konto {} steht schon in Zeile {}"},
	{"no name: DATEV names a personal account by Name (Unternehmen, natürl. Person or keine Angabe)", "kein Name: DATEV benennt ein Personenkonto mit Name (Unternehmen, natürl. Person oder keine Angabe)"},
	{"Adressatentyp {}: 0 (keine Angabe), 1 (natürliche Person) or 2 (Unternehmen)", "Adressatentyp {}: 0 (keine Angabe), 1 (natürliche Person) oder 2 (Unternehmen)"},
	{"EU-Land {}: a VAT id needs the EU member state it is from", "EU-Land {}: eine USt-IdNr. braucht den EU-Mitgliedstaat, aus dem sie stammt"},
	{"Land {}: a two-letter ISO code", "Land {}: ein zweistelliger ISO-Code"},
}, nil)

// Text is the finding in l's language.
func (v Violation) Text(l i18n.Lang) string {
	if l != i18n.German {
		return v.Msg
	}
	de, _ := germanViolations.Translate(v.Msg)
	return de
}

// StringIn is String in l's language: line:column: finding.
func (v Violation) StringIn(l i18n.Lang) string {
	return fmt.Sprintf("%d:%d: %s", v.Line, v.Column, v.Text(l))
}
