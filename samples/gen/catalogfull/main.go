// Command catalogfull writes the full old-shop export that
// jobs/catalog-migration-full.yaml migrates: samples/catalog-full.csv
// (UTF-8 with BOM, ';', decimal comma, as a German shop exports),
// samples/catalog-full.xlsx (the same rows, prices as numbers) and the
// product pictures samples/images/*.png the rows name. The content is
// fixed, so the files only change when this program does.
//
//	go run ./samples/gen/catalogfull            # from the repository root
//	go run ./samples/gen/catalogfull -dir /tmp/x
//
// About 350 rows: tools in several sizes, and work clothes as parent
// products whose variants (Farbe × Größe) are rows of their own naming the
// parent in Vaterartikel. Every product has German texts with an English
// translation, HTML descriptions, SEO fields, up to three pictures (paths
// relative to the file), properties (Material, Farbe), custom fields
// (Garantie in Monaten, Sperrgut, Hinweis) and a tax class by name.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Header is the export's column layout.
var header = []string{
	"Artikelnummer", "Vaterartikel", "Artikelname", "Name_en", "Kategorie", "Hersteller", "Preis", "EAN",
	"Steuerklasse", "Kurzbeschreibung_de", "Beschreibung_de", "Kurzbeschreibung_en", "Beschreibung_en",
	"SEO-URL_de", "SEO-URL_en", "Meta-Titel_de", "Meta-Beschreibung_de",
	"Bilder", "Farbe", "Größe", "Material", "Garantie_Monate", "Sperrgut", "Hinweis",
}

type row struct {
	sku, parent, name, nameEN, category, maker string
	cents                                      int64
	ean, tax                                   string
	shortDE, descDE, shortEN, descEN           string
	seoDE, seoEN, titleDE, metaDE              string
	images                                     []string
	color, size, material                      string
	warranty                                   int // months, 0: none
	bulky                                      bool
	note                                       string
}

func (r row) fields(numbers bool) []any {
	var price any = fmt.Sprintf("%d,%02d", r.cents/100, r.cents%100)
	if numbers {
		price = float64(r.cents) / 100
	}
	if r.cents == 0 {
		price = "" // a parent product: its variants carry the prices
	}
	warranty := ""
	if r.warranty > 0 {
		warranty = strconv.Itoa(r.warranty)
	}
	bulky := "nein"
	if r.bulky {
		bulky = "ja"
	}
	return []any{r.sku, r.parent, r.name, r.nameEN, r.category, r.maker, price, r.ean,
		r.tax, r.shortDE, r.descDE, r.shortEN, r.descEN,
		r.seoDE, r.seoEN, r.titleDE, r.metaDE,
		strings.Join(r.images, "|"), r.color, r.size, r.material, warranty, bulky, r.note}
}

// tool is a kind of tool sold in several sizes.
type tool struct {
	de, en, category, maker, material string
	cents                             int64
	sizes                             []string
	featDE, featEN                    []string
	warranty                          int
	bulky                             bool
}

var tools = []tool{
	{"Kombizange", "Combination pliers", "Werkzeug > Zangen", "Knipex", "Chrom-Vanadium", 2190, []string{"160 mm", "180 mm", "200 mm"},
		[]string{"verchromt", "Mehrkomponenten-Griffe", "induktiv gehärtete Schneiden"}, []string{"chrome-plated", "multi-component grips", "induction-hardened cutting edges"}, 24, false},
	{"Seitenschneider", "Diagonal cutter", "Werkzeug > Zangen", "Knipex", "Chrom-Vanadium", 1890, []string{"140 mm", "160 mm", "180 mm"},
		[]string{"für weiche und harte Drähte", "präzise Schneiden"}, []string{"for soft and hard wire", "precise cutting edges"}, 24, false},
	{"Wasserpumpenzange", "Water pump pliers", "Werkzeug > Zangen", "Knipex", "Chrom-Vanadium", 2590, []string{"180 mm", "250 mm", "300 mm", "400 mm"},
		[]string{"Schnelleinstellung per Knopfdruck", "selbsthemmend"}, []string{"push-button adjustment", "self-locking"}, 24, false},
	{"Schraubendreher Schlitz", "Slotted screwdriver", "Werkzeug > Schraubendreher", "Wera", "Chrom-Molybdän-Vanadium", 595, []string{"3,5 x 75", "4,5 x 90", "5,5 x 125", "6,5 x 150"},
		[]string{"Kraftform-Griff", "Lasertip-Spitze"}, []string{"Kraftform handle", "Lasertip point"}, 12, false},
	{"Schraubendreher Kreuzschlitz", "Phillips screwdriver", "Werkzeug > Schraubendreher", "Wera", "Chrom-Molybdän-Vanadium", 645, []string{"PH0", "PH1", "PH2", "PH3"},
		[]string{"Kraftform-Griff", "Lasertip-Spitze"}, []string{"Kraftform handle", "Lasertip point"}, 12, false},
	{"Ringmaulschlüssel", "Combination wrench", "Werkzeug > Schlüssel", "Hazet", "Chrom-Vanadium", 795, []string{"8 mm", "10 mm", "13 mm", "17 mm", "19 mm"},
		[]string{"15° gekröpft", "Doppel-Sechskant"}, []string{"15° offset", "bi-hexagon"}, 36, false},
	{"Drehmomentschlüssel", "Torque wrench", "Werkzeug > Schlüssel", "Hazet", "Stahl", 12900, []string{"1/4\" 5-25 Nm", "3/8\" 20-120 Nm", "1/2\" 40-200 Nm"},
		[]string{"kalibriert", "mit Prüfzertifikat", "Auslösegenauigkeit ±4 %"}, []string{"calibrated", "with test certificate", "release accuracy ±4 %"}, 36, false},
	{"Wasserwaage", "Spirit level", "Werkzeug > Messwerkzeug", "Stabila", "Aluminium", 3490, []string{"40 cm", "60 cm", "80 cm", "100 cm", "120 cm", "200 cm"},
		[]string{"Alu-Profil", "2 Libellen", "Messgenauigkeit 0,5 mm/m"}, []string{"aluminium profile", "2 vials", "accuracy 0.5 mm/m"}, 60, false},
	{"Gliedermaßstab", "Folding rule", "Werkzeug > Messwerkzeug", "Stabila", "Holz", 895, []string{"1 m", "2 m", "3 m"},
		[]string{"Buchenholz", "Genauigkeitsklasse III"}, []string{"beech wood", "accuracy class III"}, 0, false},
	{"Messschieber", "Caliper", "Werkzeug > Messwerkzeug", "Stabila", "Edelstahl", 2450, []string{"150 mm", "200 mm", "300 mm"},
		[]string{"Digitalanzeige", "Umschaltung mm/Zoll"}, []string{"digital display", "mm/inch switch"}, 12, false},
	{"Spanplattenschrauben", "Chipboard screws", "Befestigung > Schrauben", "Würth", "Stahl verzinkt", 990, []string{"3 x 30, 500 St.", "4 x 40, 500 St.", "5 x 60, 200 St.", "6 x 80, 100 St."},
		[]string{"Torx-Antrieb", "Teilgewinde", "galvanisch verzinkt"}, []string{"Torx drive", "partial thread", "zinc-plated"}, 0, false},
	{"Sechskantmuttern", "Hexagon nuts", "Befestigung > Schrauben", "Würth", "Stahl verzinkt", 520, []string{"M5, 100 St.", "M6, 100 St.", "M8, 100 St.", "M10, 50 St."},
		[]string{"DIN 934", "Festigkeitsklasse 8"}, []string{"DIN 934", "property class 8"}, 0, false},
	{"Dübel", "Wall plugs", "Befestigung > Dübel", "Fischer", "Nylon", 395, []string{"5 x 25, 100 St.", "6 x 30, 100 St.", "8 x 40, 50 St.", "10 x 50, 25 St."},
		[]string{"Spreizdübel", "für Beton und Vollstein"}, []string{"expansion plug", "for concrete and solid brick"}, 0, false},
	{"Akku-Bohrschrauber", "Cordless drill driver", "Elektrowerkzeug > Akkugeräte", "Bosch", "Kunststoff", 14900, []string{"12 V", "18 V"},
		[]string{"2 Akkus 2,0 Ah", "Ladegerät", "Koffer"}, []string{"2 batteries 2.0 Ah", "charger", "case"}, 24, false},
	{"Winkelschleifer", "Angle grinder", "Elektrowerkzeug > Schleifen", "Makita", "Kunststoff", 7490, []string{"115 mm", "125 mm", "150 mm", "230 mm"},
		[]string{"Wiederanlaufschutz", "Sanftanlauf"}, []string{"restart protection", "soft start"}, 24, false},
	{"Bohrhammer SDS-plus", "Rotary hammer SDS-plus", "Elektrowerkzeug > Bohren", "Makita", "Kunststoff", 13900, []string{"800 W", "1.000 W"},
		[]string{"3 Funktionen", "Tiefenanschlag"}, []string{"3 modes", "depth stop"}, 24, true},
	{"Schutzbrille", "Safety glasses", "Arbeitsschutz", "Uvex", "Polycarbonat", 890, []string{"klar", "getönt", "gelb"},
		[]string{"EN 166", "kratzfest", "beschlagfrei"}, []string{"EN 166", "scratch-resistant", "anti-fog"}, 0, false},
	{"Wandfarbe", "Wall paint", "Farben & Lacke", "Alpina", "Dispersion", 2990, []string{"2,5 l", "5 l", "10 l"},
		[]string{"hohe Deckkraft", "Nassabriebklasse 2"}, []string{"high opacity", "wet scrub class 2"}, 0, true},
	{"Malerrolle", "Paint roller", "Farben & Lacke > Zubehör", "Storch", "Polyamid", 695, []string{"10 cm", "18 cm", "25 cm"},
		[]string{"spritzarm", "für Dispersionsfarben"}, []string{"low-splash", "for emulsion paint"}, 0, false},
	{"Gartenschlauch", "Garden hose", "Garten > Bewässerung", "Gardena", "PVC", 2490, []string{"1/2\" 15 m", "1/2\" 25 m", "3/4\" 25 m", "3/4\" 50 m"},
		[]string{"knickfest", "UV-beständig"}, []string{"kink-resistant", "UV-resistant"}, 60, true},
	{"Gartenschere", "Secateurs", "Garten > Schneiden", "Gardena", "Stahl", 1990, []string{"Bypass", "Amboss"},
		[]string{"antihaftbeschichtet", "ergonomischer Griff"}, []string{"non-stick coated", "ergonomic handle"}, 300, false},
	{"Werkzeugkoffer", "Tool case", "Werkzeug > Aufbewahrung", "Würth", "Kunststoff", 3990, []string{"leer", "bestückt 45-tlg.", "bestückt 90-tlg."},
		[]string{"robuste Schlösser", "herausnehmbare Einsätze"}, []string{"robust locks", "removable inserts"}, 24, true},
}

// garment is work clothing: a parent product with a variant per colour
// and size.
type garment struct {
	de, en, maker, material string
	cents                   int64
	colors                  [][2]string // de, en
	sizes                   []string
	featDE, featEN          []string
}

var garments = []garment{
	{"Arbeitshose", "Work trousers", "Uvex", "Baumwolle/Polyester", 5990, [][2]string{{"Schwarz", "black"}, {"Grau", "grey"}, {"Blau", "blue"}}, []string{"44", "46", "48", "50", "52", "54", "56", "58"},
		[]string{"Kniepolstertaschen", "verstärkte Nähte"}, []string{"knee pad pockets", "reinforced seams"}},
	{"Arbeitsjacke", "Work jacket", "Uvex", "Baumwolle/Polyester", 7990, [][2]string{{"Schwarz", "black"}, {"Grau", "grey"}}, []string{"S", "M", "L", "XL", "XXL", "3XL"},
		[]string{"winddicht", "Brusttaschen mit Reißverschluss"}, []string{"windproof", "zipped chest pockets"}},
	{"T-Shirt Basic", "T-shirt Basic", "Uvex", "Baumwolle", 1490, [][2]string{{"Weiß", "white"}, {"Schwarz", "black"}, {"Rot", "red"}, {"Grün", "green"}}, []string{"XS", "S", "M", "L", "XL", "XXL"},
		[]string{"100 % Baumwolle", "bis 60 °C waschbar"}, []string{"100 % cotton", "washable at 60 °C"}},
	{"Sicherheitsschuh S3", "Safety shoe S3", "Uvex", "Leder", 11900, [][2]string{{"Schwarz", "black"}}, []string{"38", "39", "40", "41", "42", "43", "44", "45", "46"},
		[]string{"Stahlkappe", "durchtrittsicher", "EN ISO 20345"}, []string{"steel toe cap", "puncture-resistant", "EN ISO 20345"}},
	{"Arbeitshandschuhe", "Work gloves", "Uvex", "Nitril", 650, [][2]string{{"Grau", "grey"}, {"Blau", "blue"}}, []string{"8", "9", "10", "11"},
		[]string{"Nitril-Beschichtung", "Touchscreen-fähig"}, []string{"nitrile coating", "touchscreen-compatible"}},
	{"Fleecejacke", "Fleece jacket", "Uvex", "Polyester", 3990, [][2]string{{"Schwarz", "black"}, {"Grau", "grey"}, {"Blau", "blue"}}, []string{"S", "M", "L", "XL", "XXL"},
		[]string{"Anti-Pilling", "zwei Seitentaschen"}, []string{"anti-pilling", "two side pockets"}},
	{"Latzhose", "Bib overalls", "Uvex", "Baumwolle", 6990, [][2]string{{"Blau", "blue"}, {"Grau", "grey"}}, []string{"46", "48", "50", "52", "54", "56"},
		[]string{"verstellbare Träger", "Zollstocktasche"}, []string{"adjustable straps", "folding rule pocket"}},
	{"Warnweste", "High-visibility vest", "Uvex", "Polyester", 990, [][2]string{{"Gelb", "yellow"}, {"Orange", "orange"}}, []string{"M", "L", "XL", "XXL"},
		[]string{"EN ISO 20471 Klasse 2", "Klettverschluss"}, []string{"EN ISO 20471 class 2", "hook-and-loop fastening"}},
}

// pictures are the sample images: a name and a colour each.
var pictures = []struct {
	name string
	c    color.RGBA
}{
	{"zange", color.RGBA{200, 30, 30, 255}}, {"schraubendreher", color.RGBA{230, 160, 20, 255}},
	{"schluessel", color.RGBA{90, 90, 100, 255}}, {"messen", color.RGBA{240, 200, 0, 255}},
	{"befestigung", color.RGBA{150, 150, 150, 255}}, {"elektro", color.RGBA{0, 90, 160, 255}},
	{"schutz", color.RGBA{250, 250, 210, 255}}, {"farbe", color.RGBA{250, 250, 250, 255}},
	{"garten", color.RGBA{40, 140, 60, 255}}, {"koffer", color.RGBA{30, 30, 30, 255}},
	{"kleidung", color.RGBA{50, 60, 120, 255}}, {"detail", color.RGBA{120, 80, 40, 255}},
}

func picturePath(name string, n int) string { return fmt.Sprintf("images/%s-%d.png", name, n) }

func pictureFor(category string) string {
	for _, k := range []struct{ prefix, name string }{
		{"Werkzeug > Zangen", "zange"}, {"Werkzeug > Schraubendreher", "schraubendreher"}, {"Werkzeug > Schlüssel", "schluessel"},
		{"Werkzeug > Messwerkzeug", "messen"}, {"Befestigung", "befestigung"}, {"Elektrowerkzeug", "elektro"},
		{"Arbeitsschutz", "schutz"}, {"Farben", "farbe"}, {"Garten", "garten"}, {"Werkzeug > Aufbewahrung", "koffer"},
	} {
		if strings.HasPrefix(category, k.prefix) {
			return k.name
		}
	}
	return "detail"
}

func main() {
	dir := flag.String("dir", "samples", "directory of catalog-full.csv, catalog-full.xlsx and images/")
	flag.Parse()
	rows := catalog()
	if err := writeImages(filepath.Join(*dir, "images")); err != nil {
		log.Fatal(err)
	}
	if err := writeCSV(filepath.Join(*dir, "catalog-full.csv"), rows); err != nil {
		log.Fatal(err)
	}
	if err := writeXLSX(filepath.Join(*dir, "catalog-full.xlsx"), rows); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d rows to %s/catalog-full.csv and .xlsx, %d images to %s/images\n", len(rows), *dir, 2*len(pictures), *dir)
}

func slug(s string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "ae", "Ö", "oe", "Ü", "ue", "\"", "-zoll", "°", "", "%", "")
	s = strings.ToLower(r.Replace(s))
	var b strings.Builder
	dash := false
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// ean13 makes a valid EAN-13 from a 12-digit stem.
func ean13(stem int64) string {
	s := fmt.Sprintf("%012d", stem)
	sum := 0
	for i, c := range s {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return s + strconv.Itoa((10-sum%10)%10)
}

func htmlDesc(lead string, feats []string, note string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>%s</p>\n<ul>\n", lead)
	for _, f := range feats {
		fmt.Fprintf(&b, "  <li>%s</li>\n", strings.ReplaceAll(f, "&", "&amp;"))
	}
	b.WriteString("</ul>")
	if note != "" {
		fmt.Fprintf(&b, "\n<p><strong>%s</strong></p>", note)
	}
	return b.String()
}

func catalog() []row {
	var rows []row
	for ti, t := range tools {
		pic := pictureFor(t.category)
		for line := 0; line < 2; line++ {
			for si, size := range t.sizes {
				sku := fmt.Sprintf("KF-%05d", 20000+ti*20+line*10+si)
				name, nameEN := t.de+" "+size, t.en+" "+size
				cents := t.cents + int64(si)*t.cents/4
				if line == 1 {
					// the professional line: dearer, one feature more
					name, nameEN = t.de+" Profi "+size, t.en+" Pro "+size
					cents = cents * 3 / 2
				}
				note, noteEN := "", ""
				if t.bulky {
					note, noteEN = "Sperrgut: Versand per Spedition.", "Bulky goods: shipped by freight."
				}
				r := row{sku: sku, name: name, nameEN: nameEN, category: t.category, maker: t.maker, cents: cents,
					ean: ean13(400000000000 + int64(ti)*100 + int64(line)*50 + int64(si)), tax: "Normaler Steuersatz",
					shortDE: strings.Join(t.featDE, ", "), shortEN: strings.Join(t.featEN, ", "),
					descDE: htmlDesc(fmt.Sprintf("%s von %s – %s.", name, t.maker, t.featDE[0]), t.featDE, note),
					descEN: htmlDesc(fmt.Sprintf("%s by %s – %s.", nameEN, t.maker, t.featEN[0]), t.featEN, noteEN),
					seoDE:  slug(name), seoEN: slug(nameEN), titleDE: name + " | Werkzeug-Shop",
					metaDE:   fmt.Sprintf("%s kaufen: %s.", name, strings.Join(t.featDE, ", ")),
					images:   []string{picturePath(pic, 1)},
					material: t.material, warranty: t.warranty, bulky: t.bulky,
				}
				if si%2 == 0 {
					r.images = append(r.images, picturePath(pic, 2))
				}
				if si == 0 {
					r.images = append(r.images, picturePath("detail", 1+ti%2))
				}
				if t.category == "Arbeitsschutz" {
					r.color = []string{"Klar", "Grau", "Gelb"}[si%3]
				}
				if strings.HasPrefix(t.category, "Befestigung") {
					r.tax = "Normaler Steuersatz"
				}
				if ti%7 == 3 && si == 1 {
					r.note = "Auslaufartikel, solange der Vorrat reicht."
				}
				if line == 1 {
					r.descDE = htmlDesc(fmt.Sprintf("%s von %s – für den täglichen Profi-Einsatz.", name, t.maker), append(t.featDE, "Profi-Qualität"), note)
					r.descEN = htmlDesc(fmt.Sprintf("%s by %s – made for daily professional use.", nameEN, t.maker), append(t.featEN, "professional grade"), noteEN)
					r.warranty *= 2
				}
				rows = append(rows, r)
			}
		}
	}
	for gi, g := range garments {
		parent := fmt.Sprintf("KF-%05d", 30000+gi*100)
		desc := func(name string, en bool) string {
			if en {
				return htmlDesc(fmt.Sprintf("%s by %s: made for the building site.", name, g.maker), g.featEN, "")
			}
			return htmlDesc(fmt.Sprintf("%s von %s: gemacht für die Baustelle.", name, g.maker), g.featDE, "")
		}
		rows = append(rows, row{sku: parent, name: g.de, nameEN: g.en, category: "Arbeitsschutz > Kleidung", maker: g.maker,
			tax: "Normaler Steuersatz", shortDE: strings.Join(g.featDE, ", "), shortEN: strings.Join(g.featEN, ", "),
			descDE: desc(g.de, false), descEN: desc(g.en, true), seoDE: slug(g.de), seoEN: slug(g.en),
			titleDE: g.de + " | Arbeitskleidung", metaDE: fmt.Sprintf("%s: %s.", g.de, strings.Join(g.featDE, ", ")),
			images: []string{picturePath("kleidung", 1), picturePath("kleidung", 2)}, material: g.material, warranty: 6})
		v := 0
		for ci, c := range g.colors {
			for si, size := range g.sizes {
				v++
				name := fmt.Sprintf("%s %s %s", g.de, c[0], size)
				nameEN := fmt.Sprintf("%s %s %s", g.en, c[1], size)
				rows = append(rows, row{sku: fmt.Sprintf("%s-%02d", parent, v), parent: parent, name: name, nameEN: nameEN,
					category: "Arbeitsschutz > Kleidung", maker: g.maker, cents: g.cents + int64(si/3)*500,
					ean: ean13(410000000000 + int64(gi)*1000 + int64(ci)*100 + int64(si)), tax: "Normaler Steuersatz",
					shortDE: strings.Join(g.featDE, ", "), shortEN: strings.Join(g.featEN, ", "),
					descDE: desc(name, false), descEN: desc(nameEN, true), seoDE: slug(name), seoEN: slug(nameEN),
					titleDE: name + " | Arbeitskleidung", metaDE: fmt.Sprintf("%s in %s, Größe %s.", g.de, c[0], size),
					images: []string{picturePath("kleidung", 1+ci%2)}, color: c[0], size: size, material: g.material, warranty: 6})
			}
		}
	}
	// books and a gift card carry the reduced tax rate or none
	for i, b := range [][2]string{{"Handbuch Holzbearbeitung", "Woodworking handbook"}, {"Fachbuch Elektroinstallation", "Electrical installation textbook"},
		{"Tabellenbuch Metall", "Metalworking tables"}, {"Ratgeber Gartenpflege", "Garden care guide"}} {
		name, nameEN := b[0], b[1]
		rows = append(rows, row{sku: fmt.Sprintf("KF-%05d", 40000+i), name: name, nameEN: nameEN, category: "Bücher", maker: "",
			cents: 2490 + int64(i)*500, ean: ean13(978300000000 + int64(i)), tax: "Ermäßigter Steuersatz",
			shortDE: "Fachbuch, gebunden", shortEN: "reference book, hardcover",
			descDE: htmlDesc(name+": das Standardwerk & Nachschlagewerk.", []string{"gebunden", "mit Abbildungen"}, ""),
			descEN: htmlDesc(nameEN+": the standard reference.", []string{"hardcover", "illustrated"}, ""),
			seoDE:  slug(name), seoEN: slug(nameEN), titleDE: name, metaDE: name + " – Fachbuch.",
			images: []string{picturePath("detail", 2)}, material: "Papier"})
	}
	return rows
}

func writeCSV(path string, rows []row) error {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := bufio.NewWriter(&b)
	line := func(vals []any) {
		for i, v := range vals {
			if i > 0 {
				w.WriteByte(';')
			}
			s := fmt.Sprint(v)
			if strings.ContainsAny(s, ";\"\n\r") {
				s = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
			}
			w.WriteString(s)
		}
		w.WriteString("\r\n")
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	line(hdr)
	for _, r := range rows {
		line(r.fields(false))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func writeXLSX(path string, rows []row) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Artikel"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		return err
	}
	for i, r := range rows {
		vals := r.fields(true)
		for j, v := range vals {
			if s, ok := v.(string); ok && s == "" {
				vals[j] = nil
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// writeImages draws two small pictures per name: a coloured tile with a
// pattern from the name's hash, so that every file differs.
func writeImages(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range pictures {
		for n := 1; n <= 2; n++ {
			h := fnv.New32a()
			fmt.Fprintf(h, "%s-%d", p.name, n)
			seed := h.Sum32()
			img := image.NewRGBA(image.Rect(0, 0, 48, 48))
			for y := 0; y < 48; y++ {
				for x := 0; x < 48; x++ {
					c := p.c
					if (x/8+y/8+int(seed>>uint(n)))%2 == 0 {
						c = color.RGBA{c.R / 2, c.G / 2, c.B / 2, 255}
					}
					if x == y || x == 47-y && n == 2 {
						c = color.RGBA{255, 255, 255, 255}
					}
					img.SetRGBA(x, y, c)
				}
			}
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", p.name, n)), b.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
