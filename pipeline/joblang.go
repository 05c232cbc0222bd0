package pipeline

import (
	"strings"

	"github.com/wawi-etl/etl/internal/i18n"
)

// germanJobMessages word the problems a job file most often has that the
// schema does not catch: a column the file lacks, a source that cannot be
// opened, keys missing for the source or sink, mapping fields set up
// wrong, the datev sink's settings. Each is the English text with {} for
// its values (job.go checkStructure, check.go, mappings/compile.go,
// sinks/datev*.go). The rest stays English.
var germanJobMessages = i18n.NewRules([][2]string{
	{"column {} is not in the file (columns: {})", "Spalte {} gibt es in der Datei nicht (vorhandene Spalten: {})"},
	{"cannot open the source: cannot read source file: open {}: no such file or directory", "die Quelle lässt sich nicht öffnen: die Datei {} gibt es nicht"},
	{"cannot open the source: cannot read source file {}: it is a folder", "die Quelle lässt sich nicht öffnen: {} ist ein Ordner"},
	{"cannot open the source: {}: source.sheet {} not found; the workbook has: {}", "die Quelle lässt sich nicht öffnen: {}: das Blatt {} (source.sheet) gibt es nicht; die Arbeitsmappe hat: {}"},
	{"cannot open the source: {}: source.sheet {}: there is no sheet {}; the workbook has: {}", "die Quelle lässt sich nicht öffnen: {}: source.sheet {}: ein Blatt {} gibt es nicht; die Arbeitsmappe hat: {}"},
	{"cannot open the source: {}: file is empty, no header row", "die Quelle lässt sich nicht öffnen: {}: die Datei ist leer, es gibt keine Kopfzeile"},
	{"cannot open the source: {}: sheet {} is empty, no header row", "die Quelle lässt sich nicht öffnen: {}: das Blatt {} ist leer, es gibt keine Kopfzeile"},
	{"cannot open the source: {}: the workbook has no sheets", "die Quelle lässt sich nicht öffnen: {}: die Arbeitsmappe hat keine Blätter"},
	{"cannot open the source: {}: header row {} is past the end of the file, which has {} lines", "die Quelle lässt sich nicht öffnen: {}: Kopfzeile {} liegt hinter dem Dateiende, die Datei hat {} Zeilen"},
	{"cannot open the source: {} is an Excel workbook (.xlsx), not a CSV file: use source.type: xlsx", "die Quelle lässt sich nicht öffnen: {} ist eine Excel-Arbeitsmappe (.xlsx), keine CSV-Datei: source.type: xlsx angeben"},
	{"cannot open the source: {} is not an Excel workbook (.xlsx); if it is a CSV file, use source.type: csv", "die Quelle lässt sich nicht öffnen: {} ist keine Excel-Arbeitsmappe (.xlsx); ist es eine CSV-Datei, source.type: csv angeben"},
	{"cannot open the source: {} is an old Excel .xls file or an encrypted workbook, not a CSV file: save it as .xlsx or CSV", "die Quelle lässt sich nicht öffnen: {} ist eine alte Excel-Datei (.xls) oder eine verschlüsselte Arbeitsmappe, keine CSV-Datei: als .xlsx oder CSV speichern"},
	{"cannot open the source: {} is an old Excel .xls file or a password-protected workbook: save it as .xlsx without a password", "die Quelle lässt sich nicht öffnen: {} ist eine alte Excel-Datei (.xls) oder mit Kennwort geschützt: als .xlsx ohne Kennwort speichern"},
	{"cannot open the source: {}: line 1, {}, names the delimiter {} (Excel's way), but source.delimiter is {}: remove one of them",
		"die Quelle lässt sich nicht öffnen: {}: Zeile 1, {}, legt das Trennzeichen {} fest (wie in Excel), source.delimiter ist aber {}: eins von beiden entfernen"},
	{"cannot open the source: {}: source.encoding is {}, but the file is UTF-8: {} would be read as {}; set source.encoding: utf-8 (or leave it out)",
		"die Quelle lässt sich nicht öffnen: {}: source.encoding ist {}, die Datei ist aber UTF-8: {} würde als {} gelesen; source.encoding: utf-8 angeben (oder weglassen)"},
	{"cannot open the source: source.resource {} is unknown (known: {})", "die Quelle lässt sich nicht öffnen: source.resource {} gibt es nicht (bekannt: {})"},
	{"cannot open the source: {}", "die Quelle lässt sich nicht öffnen: {}"},
	{"source.filters: {} has no filter {}; the API declares: {}", "source.filters: {} hat keinen Filter {}; die API bietet: {}"},
	{"source.type is missing ({})", "source.type fehlt ({})"},
	{"source.path is missing: which file should be read?", "source.path fehlt: Welche Datei soll gelesen werden?"},
	{"source.resource is missing (e.g. salesOrders, items)", "source.resource fehlt (z. B. salesOrders, items)"},
	{"sink.type is missing ({})", "sink.type fehlt ({})"},
	{"sink.path is missing: where should the output go?", "sink.path fehlt: Wohin soll die Ausgabe geschrieben werden?"},
	{"sink.resource is missing: what should be written?", "sink.resource fehlt: Was soll geschrieben werden?"},
	{"unknown sink type {} (known: {})", "unbekannter sink.type {} (bekannt: {})"},
	{"target is required", "target fehlt"},
	{"needs one of column, value or expr", "braucht column, value oder expr"},
	{"{} and {} are both set; use one", "{} und {} sind beide gesetzt; nur eins davon angeben"},
	{"target {} is already mapped by fields[{}]", "target {} ist schon in fields[{}] belegt"},
	{"lookup {} is not defined in mapping.lookups (defined: {})", "lookup {} ist in mapping.lookups nicht definiert (definiert: {})"},
	{"lookup {} is not defined in mapping.lookups", "lookup {} ist in mapping.lookups nicht definiert"},
	{"decimal must be comma, point or auto, not {}", "decimal muss comma, point oder auto sein, nicht {}"},
	{"decimal applies to int and decimal fields, not {}", "decimal gilt für Felder vom Typ int und decimal, nicht {}"},
	{"format applies to date and datetime fields, not {}", "format gilt für Felder vom Typ date und datetime, nicht {}"},
	{"split makes a list, but the type is {}; use type: list", "split ergibt eine Liste, der Typ ist aber {}; type: list angeben"},
	{"round and multiply apply to int and decimal fields, not {}", "round und multiply gelten für Felder vom Typ int und decimal, nicht {}"},
	// the datev sink's settings (sinks/datev.go, datev_docs.go)
	{"sink.datev is missing (consultant, client, fiscal_year_start)", "sink.datev fehlt (consultant, client, fiscal_year_start)"},
	{"sink.path {}: a DATEV file is named EXTF_….csv (e.g. EXTF_Buchungsstapel.csv; the sink adds _YYYYMM_n)",
		"sink.path {}: eine DATEV-Datei heißt EXTF_….csv (z. B. EXTF_Buchungsstapel.csv; der Sink hängt _JJJJMM_n an)"},
	{"period and debitors apply to document mode: set sink.datev.accounts", "period und debitors gelten nur für Belege: sink.datev.accounts angeben"},
	{"{} is not a DATEV column the datev sink writes ({})", "{} ist keine DATEV-Spalte, die der datev-Sink schreibt ({})"},
	{"{} is not a document field the datev sink reads with accounts ({})", "{} ist kein Belegfeld, das der datev-Sink mit accounts liest ({})"},
	{"no chart (SKR03, SKR04) and no rules: no revenue account but the source's GeneralLedgerAccount",
		"kein Kontenrahmen (SKR03, SKR04) und keine Regeln: Erlöskonten kämen dann nur aus GeneralLedgerAccount der Quelle"},
	{"set collective (a Sammeldebitor such as 10000) or per_customer: true", "collective (ein Sammeldebitor wie 10000) oder per_customer: true angeben"},
	{"{} is not a number", "{} ist keine Zahl"},
	{"a rule needs the revenue account it gives", "eine Regel braucht das Erlöskonto, das sie vergibt"},
}, nil)

// germanJobMessage is msg in German where a rule knows it; a "did you
// mean" hint at its end is German either way.
func germanJobMessage(msg string) string {
	msg, row, rowHinted := strings.Cut(msg, "; the file has the names in row ") // withHeaderRowHint
	if rowHinted {
		row, _, _ = strings.Cut(row, ":")
	}
	base, hint, hinted := strings.Cut(msg, "; did you mean ")
	// a place before the message ("mapping.fields.0.column: …") stays
	place := ""
	if de, ok := germanJobMessages.Translate(base); ok {
		base = de
	} else if p, rest, ok := strings.Cut(base, ": "); ok && !strings.Contains(p, " ") {
		if de, ok := germanJobMessages.Translate(rest); ok {
			place, base = p+": ", de
		}
	}
	if hinted {
		base += "; meinten Sie " + hint
	}
	if rowHinted {
		base += "; die Datei hat die Namen in Zeile " + row + ": source.header_row: " + row + " angeben"
	}
	return place + base
}

// LocalizeJobError is err with its job-file problems worded in l's
// language, as far as they have words there; other errors are returned as
// they are.
func LocalizeJobError(l i18n.Lang, err error) error {
	if l != i18n.German || err == nil {
		return err
	}
	// only the job's own errors: one that wraps them says more around them
	switch e := err.(type) {
	case JobErrors:
		out := make(JobErrors, len(e))
		for i, one := range e {
			out[i] = localizeOne(one)
		}
		return out
	case *JobError:
		return localizeOne(e)
	case *StartError: // says nothing of its own
		return &StartError{Err: LocalizeJobError(l, e.Err)}
	}
	return err
}

func localizeOne(e *JobError) *JobError {
	c := *e
	c.Msg = germanJobMessage(e.Msg)
	return &c
}
