// Command gen writes samples/catalog-oldshop.xlsx: the product export of an
// old web shop (about 50 products) that jobs/catalog-migration.yaml moves
// into the Wawi. The content is fixed, so the file only changes when this
// program does.
//
//	go run ./samples/gen            # from the repository root
//	go run ./samples/gen -o out.xlsx
//
// Like real shop exports it has a title row above the header, categories as
// breadcrumbs ("Werkzeug > Zangen"), prices as numbers, EANs as text (so
// Excel does not turn them into 4,00638E+12), a blank line, and two rows a
// migration must refuse: one without a name and one whose price is text.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/xuri/excelize/v2"
)

type product struct {
	sku, name, category, maker string
	price                      any // float64, or text for the broken row
	ean, description           string
}

// products are the old shop's catalog. Categories that the Wawi seed
// (samples/wawi-seed.json) lacks are created by the migration.
var products = []product{
	{"OS-10001", "Kombizange 180 mm", "Werkzeug > Zangen", "Knipex", 24.90, "4003773012345", "Verchromt, mit Mehrkomponenten-Griffen."},
	{"OS-10002", "Seitenschneider 160 mm", "Werkzeug > Zangen", "Knipex", 21.50, "4003773012352", "Für weiche und harte Drähte."},
	{"OS-10003", "Wasserpumpenzange Cobra 250 mm", "Werkzeug > Zangen", "Knipex", 29.95, "4003773012369", "Schnelleinstellung per Knopfdruck."},
	{"OS-10004", "Spitzzange gebogen", "Werkzeug > Zangen", "Knipex", 18.40, "4003773012376", ""},
	{"OS-10005", "Schraubendreher-Satz 6-tlg.", "Werkzeug > Schraubendreher", "Wera", 32.90, "4013288012383", "Schlitz und Kreuzschlitz PH1/PH2."},
	{"OS-10006", "Schraubendreher PH2 x 100", "Werkzeug > Schraubendreher", "Wera", 7.95, "4013288012390", ""},
	{"OS-10007", "Bit-Box 30-tlg.", "Werkzeug > Schraubendreher", "Wera", 19.90, "4013288012406", "Bits in Werkzeugstahl, mit Halter."},
	{"OS-10008", "Drehmomentschlüssel 1/2\" 40-200 Nm", "Werkzeug > Schlüssel", "Hazet", 129.00, "4000896012413", "Kalibriert, mit Prüfzertifikat."},
	{"OS-10009", "Ringmaulschlüssel-Satz 12-tlg.", "Werkzeug > Schlüssel", "Hazet", 64.50, "4000896012420", "Größen 8-19 mm."},
	{"OS-10010", "Knarrenkasten 1/4\" 46-tlg.", "Werkzeug > Schlüssel", "Hazet", 89.90, "4000896012437", ""},
	{"OS-10011", "Wasserwaage 80 cm", "Werkzeug > Messwerkzeug", "Stabila", 39.90, "4005151012444", "Alu-Profil, 2 Libellen."},
	{"OS-10012", "Wasserwaage 120 cm", "Werkzeug > Messwerkzeug", "Stabila", 54.90, "4005151012451", "Alu-Profil, 3 Libellen."},
	{"OS-10013", "Gliedermaßstab 2 m Holz", "Werkzeug > Messwerkzeug", "Stabila", 9.95, "4005151012468", ""},
	{"OS-10014", "Laser-Entfernungsmesser 50 m", "Werkzeug > Messwerkzeug", "Bosch", 79.00, "3165140012475", "Messbereich 0,05-50 m, Genauigkeit ±1,5 mm."},
	{"OS-10015", "Messschieber digital 150 mm", "Werkzeug > Messwerkzeug", "Stabila", 34.50, "4005151012482", ""},
	{"OS-10016", "Akku-Bohrschrauber 18 V", "Elektrowerkzeug > Akkugeräte", "Bosch", 149.00, "3165140012499", "2 Akkus 2,0 Ah, Ladegerät, Koffer."},
	{"OS-10017", "Akku-Schlagschrauber 18 V", "Elektrowerkzeug > Akkugeräte", "Bosch", 189.00, "3165140012505", "Ohne Akku."},
	{"OS-10018", "Akku-Stichsäge 18 V", "Elektrowerkzeug > Akkugeräte", "Makita", 169.00, "0088381012512", ""},
	{"OS-10019", "Schlagbohrmaschine 750 W", "Elektrowerkzeug > Bohren", "Bosch", 99.00, "3165140012529", "Mit Tiefenanschlag und Zusatzgriff."},
	{"OS-10020", "Bohrhammer SDS-plus 800 W", "Elektrowerkzeug > Bohren", "Makita", 139.00, "0088381012536", ""},
	{"OS-10021", "Winkelschleifer 125 mm", "Elektrowerkzeug > Schleifen", "Makita", 74.90, "0088381012543", "Wiederanlaufschutz."},
	{"OS-10022", "Exzenterschleifer 125 mm", "Elektrowerkzeug > Schleifen", "Bosch", 89.00, "3165140012550", ""},
	{"OS-10023", "Dübel 6 x 30, 100 St.", "Befestigung > Dübel", "Fischer", 4.95, "4006209012567", "Nylon-Spreizdübel."},
	{"OS-10024", "Dübel 8 x 40, 50 St.", "Befestigung > Dübel", "Fischer", 5.45, "4006209012574", ""},
	{"OS-10025", "Universaldübel 10 x 60, 25 St.", "Befestigung > Dübel", "Fischer", 6.90, "4006209012581", "Für fast alle Baustoffe."},
	{"OS-10026", "Spanplattenschrauben 4 x 40, 500 St.", "Befestigung > Schrauben", "Würth", 12.90, "4045727012598", "Verzinkt, Torx TX20."},
	{"OS-10027", "Spanplattenschrauben 5 x 60, 200 St.", "Befestigung > Schrauben", "Würth", 14.50, "4045727012604", ""},
	{"OS-10028", "Holzbauschrauben 8 x 120, 50 St.", "Befestigung > Schrauben", "Würth", 19.90, "4045727012611", "Tellerkopf, Teilgewinde."},
	{"OS-10029", "Sechskantmuttern M8, 100 St.", "Befestigung > Schrauben", "Würth", 6.20, "4045727012628", ""},
	{"OS-10030", "Kabelbinder 300 mm, 100 St.", "Befestigung", "Würth", 5.90, "4045727012635", "UV-beständig, schwarz."},
	{"OS-10031", "Schutzbrille klar", "Arbeitsschutz", "Uvex", 8.90, "4031101012642", "EN 166, kratzfest."},
	{"OS-10032", "Gehörschutz-Kapsel", "Arbeitsschutz", "Uvex", 24.90, "4031101012659", "SNR 30 dB."},
	{"OS-10033", "Arbeitshandschuhe Gr. 9", "Arbeitsschutz", "Uvex", 6.50, "4031101012666", ""},
	{"OS-10034", "FFP2-Maske, 10 St.", "Arbeitsschutz", "Uvex", 14.90, "4031101012673", "Mit Ausatemventil."},
	{"OS-10035", "Sicherheitsschuhe S3 Gr. 43", "Arbeitsschutz > Schuhe", "Uvex", 119.00, "4031101012680", ""},
	{"OS-10036", "Wandfarbe weiß 10 l", "Farben & Lacke", "Alpina", 49.90, "4001344012697", "Hohe Deckkraft, Klasse 2."},
	{"OS-10037", "Buntlack seidenmatt 750 ml", "Farben & Lacke", "Alpina", 17.90, "4001344012703", ""},
	{"OS-10038", "Tiefengrund 5 l", "Farben & Lacke", "Alpina", 22.50, "4001344012710", "Lösemittelfrei."},
	{"OS-10039", "Malerrolle 25 cm", "Farben & Lacke > Zubehör", "Storch", 8.95, "4007123012727", ""},
	{"OS-10040", "Abdeckband 50 m", "Farben & Lacke > Zubehör", "Storch", 4.50, "4007123012734", "Für glatte Untergründe."},
	{"OS-10041", "Gartenschlauch 1/2\" 25 m", "Garten > Bewässerung", "Gardena", 34.90, "4078500012741", "Knickfest."},
	{"OS-10042", "Schlauchwagen", "Garten > Bewässerung", "Gardena", 59.90, "4078500012758", ""},
	{"OS-10043", "Rasensprenger", "Garten > Bewässerung", "Gardena", 29.90, "4078500012765", "Reichweite bis 16 m."},
	{"OS-10044", "Gartenschere", "Garten > Schneiden", "Gardena", 19.90, "4078500012772", ""},
	{"OS-10045", "Heckenschere 60 cm", "Garten > Schneiden", "Gardena", 44.90, "4078500012789", "Wellenschliff."},
	{"OS-10046", "Werkzeugkoffer leer", "Werkzeug > Aufbewahrung", "Würth", 39.90, "4045727012796", ""},
	{"OS-10047", "Sortimentskasten 18 Fächer", "Werkzeug > Aufbewahrung", "Würth", 16.90, "4045727012802", "Fächer herausnehmbar."},
	{"OS-10048", "", "Werkzeug > Zangen", "Knipex", 12.00, "4003773012819", "Zeile ohne Artikelname: die Migration lehnt sie ab."},
	{"OS-10049", "Schraubstock 125 mm", "Werkzeug", "Hazet", "auf Anfrage", "4000896012826", "Preis als Text: die Migration lehnt die Zeile ab."},
	{"OS-10050", "Leiter 3 Stufen", "Werkzeug", "Hailo", 69.00, "4007126012833", "Hersteller fehlt im Wawi: der Artikel kommt ohne Hersteller."},
	{"OS-10051", "Stehleiter 6 Stufen", "Werkzeug", "Hailo", 119.00, "4007126012840", ""},
}

func main() {
	out := flag.String("o", "samples/catalog-oldshop.xlsx", "output file")
	flag.Parse()
	if err := write(*out); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", *out)
}

func write(path string) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Artikel"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	set := func(col, row int, v any) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, cell, v)
	}
	if err := set(1, 1, "Artikelexport Shop (alt), Stand 30.06.2025"); err != nil {
		return err
	}
	header := []string{"Artikelnummer", "Artikelname", "Kategorie", "Hersteller", "Preis", "EAN", "Beschreibung"}
	for i, h := range header {
		if err := set(i+1, 2, h); err != nil {
			return err
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A2", "G2", bold); err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return err
	}
	row := 3
	for i, p := range products {
		if i == 25 {
			row++ // a blank line in the middle, as exports have
		}
		for c, v := range []any{p.sku, p.name, p.category, p.maker, p.price, p.ean, p.description} {
			if s, ok := v.(string); ok && s == "" {
				continue
			}
			if err := set(c+1, row, v); err != nil {
				return err
			}
		}
		cell, _ := excelize.CoordinatesToCellName(5, row)
		if err := f.SetCellStyle(sheet, cell, cell, money); err != nil {
			return err
		}
		row++
	}
	for col, w := range map[string]float64{"A": 12, "B": 36, "C": 30, "D": 12, "E": 10, "F": 16, "G": 50} {
		if err := f.SetColWidth(sheet, col, col, w); err != nil {
			return err
		}
	}
	return f.SaveAs(path)
}
