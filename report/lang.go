package report

import (
	"fmt"
	"strings"

	"github.com/wawi-etl/etl/internal/i18n"
)

// The reports speak the merchant's language: German when the run's
// language is German (RunOptions.Lang), English otherwise. English texts
// are the keys of the German dictionary, so the code reads in English and
// a text missing from the dictionary shows in English rather than not at
// all (TestGermanDictionaryComplete keeps it complete).

// tr is s in lang.
func tr(lang i18n.Lang, s string) string {
	if lang == i18n.German {
		if de, ok := german[s]; ok {
			return de
		}
	}
	return s
}

var german = map[string]string{
	// sheets and columns
	"Summary":       "Übersicht",
	"Changes":       "Änderungen",
	"Creates":       "Neuanlagen",
	"Errors":        "Fehler",
	"Row":           "Zeile",
	"Key":           "Schlüssel",
	"Field":         "Feld",
	"Current value": "Bisheriger Wert",
	"New value":     "Neuer Wert",
	"Change %":      "Änderung %",
	"Outcome":       "Ergebnis",
	"Reason":        "Grund",
	"Detail":        "Einzelheiten",
	"Records":       "Datensätze",

	// outcomes, as done and as planned
	"created":          "angelegt",
	"updated":          "geändert",
	"unchanged":        "unverändert",
	"skipped":          "übersprungen",
	"failed":           "fehlgeschlagen",
	"would be created": "würde angelegt",
	"would be updated": "würde geändert",
	"would be skipped": "würde übersprungen",
	"would fail":       "würde fehlschlagen",
	"total":            "gesamt",

	// facts
	"Import diff report": "Änderungsbericht des Imports",
	"Job":                "Job",
	"Job file":           "Jobdatei",
	"Source":             "Quelle",
	"Sink":               "Ziel",
	"Mode":               "Modus",
	"Started":            "Gestartet",
	"Finished":           "Beendet",
	"Duration":           "Dauer",
	"Duration (s)":       "Dauer (s)",
	"API requests":       "API-Anfragen",
	"Records read":       "Gelesene Datensätze",
	"Resumed (written by the interrupted run)": "Bereits vom abgebrochenen Lauf geschrieben",
	"Field changes":                     "Feldänderungen",
	"Records to create":                 "Anzulegende Datensätze",
	"Field changes (Changes sheet)":     "Feldänderungen (Blatt Änderungen)",
	"Records to create (Creates sheet)": "Anzulegende Datensätze (Blatt Neuanlagen)",
	"Errors (Errors sheet)":             "Fehler (Blatt Fehler)",
	"Records by outcome":                "Datensätze nach Ergebnis",
	"Changed fields":                    "Geänderte Felder",
	"(not itemised by the sink)":        "(vom Ziel nicht einzeln aufgeführt)",
	"(other fields)":                    "(weitere Felder)",
	"dry run":                           "Probelauf",
	"stopped by a guardrail":            "von einer Schutzregel gestoppt",
	"applied":                           "ausgeführt",
	"not applied":                       "nicht ausgeführt",
	"Stopped by a guardrail: nothing was written to the Wawi. This is what the import would have changed.": "Von einer Schutzregel gestoppt: In die Wawi wurde nichts geschrieben. So hätte der Import die Daten geändert.",
	"Applied: these changes were written to the Wawi.":                                                     "Ausgeführt: Diese Änderungen wurden in die Wawi geschrieben.",
	"Dry run: nothing was written. This is what the import would change.":                                  "Probelauf: Es wurde nichts geschrieben. So würde der Import die Daten ändern.",
	"Not applied: nothing was written. This is what the import would change.":                              "Nicht ausgeführt: Es wurde nichts geschrieben. So würde der Import die Daten ändern.",
	"Rows with the outcome failed were not written; the reason is on the Errors sheet.":                    "Zeilen mit dem Ergebnis „fehlgeschlagen“ wurden nicht geschrieben; den Grund nennt das Blatt Fehler.",
	"The run was interrupted: records after the last one counted were not read.":                           "Der Lauf wurde abgebrochen: Datensätze nach dem zuletzt gezählten wurden nicht gelesen.",
	"The run stopped early: ": "Der Lauf wurde vorzeitig beendet: ",
	"%s has %d rows, more than an Excel sheet holds: it goes on over %d sheets.":                      "%s hat %d Zeilen, mehr als ein Excel-Blatt fasst: Die Tabelle geht über %d Blätter.",
	"%d of these records had been written by the interrupted run; this run did not write them again.": "%d dieser Datensätze hatte der abgebrochene Lauf bereits geschrieben; dieser Lauf hat sie nicht erneut geschrieben.",

	// guardrails
	"Nothing was written: guardrail %s (limit %s) tripped: %s": "Es wurde nichts geschrieben: Die Schutzregel %s (Grenze %s) hat ausgelöst: %s",
	"%d of %d records would fail":                              "%d von %d Datensätzen würden fehlschlagen",
	"%d of %d records would change":                            "%d von %d Datensätzen würden geändert werden",
	"%d records would change a price by more than %s":          "%d Datensätze würden einen Preis um mehr als %s ändern",
	"%d of %d stock levels would drop to zero":                 "%d von %d Beständen würden auf null fallen",
	"… %s more in diff.xlsx":                                   "… %s weitere in diff.xlsx",

	// diff.html
	"Filter: SKU, value, anything":  "Filter: Artikelnummer, Wert, beliebiger Text",
	"Filter changes":                "Änderungen filtern",
	"Filter creates":                "Neuanlagen filtern",
	"Filter errors":                 "Fehler filtern",
	"All fields":                    "Alle Felder",
	"All outcomes":                  "Alle Ergebnisse",
	"field changes":                 "Feldänderungen",
	"records":                       "Datensätze",
	"empty":                         "leer",
	"more in diff.xlsx (sheet %s).": "weitere in diff.xlsx (Blatt %s).",
	"No field changes.":             "Keine Feldänderungen.",
	"No records to create.":         "Keine Datensätze anzulegen.",
	"No errors.":                    "Keine Fehler.",
	"Written by etl on %s. The full lists are in diff.xlsx beside this file.": "Geschrieben von etl am %s. Die vollständigen Listen stehen in diff.xlsx neben dieser Datei.",
	"rows": "Zeilen",
	"of":   "von",
}

// outcomeText names an outcome: as it happened, or (planned) as a plan
// that was not carried out would have it.
func outcomeText(lang i18n.Lang, o Outcome, planned bool) string {
	if o < Created || o > Failed {
		return "unknown"
	}
	s := diffOutcomeNames[o]
	if planned {
		s = plannedOutcomeNames[o]
	}
	return tr(lang, s)
}

var plannedOutcomeNames = [...]string{"would be created", "would be updated", "unchanged", "would be skipped", "would fail"}

// fieldLabel is an API path with the name a merchant knows it by in
// front: "Einkaufspreis netto · ItemPriceData.PurchasePriceNet". Paths
// without a label, and file columns, show as they are.
func fieldLabel(lang i18n.Lang, path string) string {
	l, ok := fieldLabels[path]
	if !ok {
		// Categories[0].CategoryId is labelled as Categories.CategoryId
		if i := strings.IndexByte(path, '['); i >= 0 {
			if j := strings.IndexByte(path[i:], ']'); j >= 0 {
				l, ok = fieldLabels[path[:i]+path[i+j+1:]]
			}
		}
	}
	if !ok {
		return path
	}
	name := l[1]
	if lang == i18n.German {
		name = l[0]
	}
	if name == path {
		return path
	}
	return name + " · " + path
}

// fieldLabels are the common fields of items, stock, orders and customers:
// German, English.
var fieldLabels = map[string][2]string{
	// items
	"SKU":                                      {"Artikelnummer", "SKU"},
	"Name":                                     {"Bezeichnung", "Name"},
	"Description":                              {"Beschreibung", "Description"},
	"ShortDescription":                         {"Kurzbeschreibung", "Short description"},
	"IsActive":                                 {"Aktiv", "Active"},
	"ManufacturerId":                           {"Hersteller", "Manufacturer"},
	"Categories.CategoryId":                    {"Kategorie", "Category"},
	"ItemPriceData.SalesPriceNet":              {"Verkaufspreis netto", "Net sales price"},
	"ItemPriceData.SalesPriceGross":            {"Verkaufspreis brutto", "Gross sales price"},
	"ItemPriceData.PurchasePriceNet":           {"Einkaufspreis netto", "Net purchase price"},
	"ItemPriceData.SuggestedRetailPrice":       {"Unverbindliche Preisempfehlung", "Suggested retail price"},
	"ItemPriceData.AmazonPrice":                {"Amazon-Preis", "Amazon price"},
	"ItemPriceData.EbayPrice":                  {"eBay-Preis", "eBay price"},
	"Identifiers.Gtin":                         {"GTIN/EAN", "GTIN/EAN"},
	"Identifiers.ManufacturerNumber":           {"Herstellernummer", "Manufacturer part number"},
	"Identifiers.Isbn":                         {"ISBN", "ISBN"},
	"Identifiers.Asin":                         {"ASIN", "ASIN"},
	"Identifiers.Upc":                          {"UPC", "UPC"},
	"Weights.ItemWeight":                       {"Artikelgewicht", "Item weight"},
	"Weights.ShippingWeight":                   {"Versandgewicht", "Shipping weight"},
	"Dimensions.Length":                        {"Länge", "Length"},
	"Dimensions.Width":                         {"Breite", "Width"},
	"Dimensions.Height":                        {"Höhe", "Height"},
	"TaxClassId":                               {"Steuerklasse", "Tax class"},
	"CountryOfOrigin":                          {"Herkunftsland", "Country of origin"},
	"Taric":                                    {"Zolltarifnummer", "Customs tariff number"},
	"Annotation":                               {"Anmerkung", "Note"},
	"SortNumber":                               {"Sortiernummer", "Sort number"},
	"ReleasedOnDate":                           {"Erscheinungsdatum", "Release date"},
	"ShippingClassId":                          {"Versandklasse", "Shipping class"},
	"ProductGroupId":                           {"Warengruppe", "Product group"},
	"AllowNegativeStock":                       {"Negativer Bestand erlaubt", "Negative stock allowed"},
	"StorageOptions.InventoryManagementActive": {"Lagerbestand führen", "Track inventory"},

	// stock
	"Quantity":          {"Menge", "Quantity"},
	"Stock":             {"Bestand", "Stock"},
	"WarehouseId":       {"Lager", "Warehouse"},
	"Warehouse":         {"Lager", "Warehouse"},
	"StorageLocationId": {"Lagerplatz", "Storage location"},
	"Comment":           {"Kommentar", "Comment"},

	// orders
	"Number":                      {"Nummer", "Number"},
	"ExternalNumber":              {"Externe Auftragsnummer", "External order number"},
	"CustomerId":                  {"Kunde", "Customer"},
	"SalesOrderDate":              {"Auftragsdatum", "Order date"},
	"CustomerComment":             {"Kundenkommentar", "Customer comment"},
	"LanguageIso":                 {"Sprache", "Language"},
	"SalesPriceNet":               {"Verkaufspreis netto", "Net sales price"},
	"SalesPriceGross":             {"Verkaufspreis brutto", "Gross sales price"},
	"PurchasePriceNet":            {"Einkaufspreis netto", "Net purchase price"},
	"TaxRate":                     {"Steuersatz", "Tax rate"},
	"Discount":                    {"Rabatt", "Discount"},
	"BillingAddress.Company":      {"Firma (Rechnungsadresse)", "Company (billing address)"},
	"BillingAddress.FirstName":    {"Vorname (Rechnungsadresse)", "First name (billing address)"},
	"BillingAddress.LastName":     {"Nachname (Rechnungsadresse)", "Last name (billing address)"},
	"BillingAddress.Street":       {"Straße (Rechnungsadresse)", "Street (billing address)"},
	"BillingAddress.PostalCode":   {"PLZ (Rechnungsadresse)", "Postcode (billing address)"},
	"BillingAddress.City":         {"Ort (Rechnungsadresse)", "City (billing address)"},
	"BillingAddress.CountryIso":   {"Land (Rechnungsadresse)", "Country (billing address)"},
	"BillingAddress.EmailAddress": {"E-Mail (Rechnungsadresse)", "E-mail (billing address)"},
	"BillingAddress.PhoneNumber":  {"Telefon (Rechnungsadresse)", "Phone (billing address)"},

	// customers
	"CustomerGroupId":          {"Kundengruppe", "Customer group"},
	"CustomerCategoryId":       {"Kundenkategorie", "Customer category"},
	"CustomerSince":            {"Kunde seit", "Customer since"},
	"TaxIdentificationNumber":  {"USt-IdNr.", "VAT ID"},
	"AccountsReceivableNumber": {"Debitorennummer", "Accounts receivable number"},
	"Website":                  {"Website", "Website"},
	"Birthday":                 {"Geburtstag", "Birthday"},
	"IsLocked":                 {"Gesperrt", "Locked"},
}

// tripFound says what broke a guardrail in lang; the rule's own text when
// it is not one of the rules known here.
func tripFound(lang i18n.Lang, t GuardrailTrip) string {
	if lang != i18n.German || t.Count == 0 {
		return t.Found
	}
	switch t.Rule {
	case "max_failed":
		return fmt.Sprintf(tr(lang, "%d of %d records would fail"), t.Count, t.Of)
	case "max_changes":
		return fmt.Sprintf(tr(lang, "%d of %d records would change"), t.Count, t.Of)
	case "max_price_change":
		return fmt.Sprintf(tr(lang, "%d records would change a price by more than %s"), t.Count, t.Limit)
	case "max_zeroed_stock":
		return fmt.Sprintf(tr(lang, "%d of %d stock levels would drop to zero"), t.Count, t.Of)
	}
	return t.Found
}
