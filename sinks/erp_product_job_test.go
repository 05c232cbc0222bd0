package sinks

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
)

// catalogRows reads samples/catalog-full.csv by column name.
func catalogRows(t *testing.T) []map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../samples/catalog-full.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// checkCatalog compares the Wawi with the file record by record: every
// product is there once, with its German and English texts byte for byte.
func checkCatalog(t *testing.T, srv *erptest.Server) {
	t.Helper()
	texts := map[string]erptest.ItemDescription{}
	for _, d := range srv.ItemDescriptions() {
		k := strings.ToLower(d.SalesChannelId + "/" + d.LanguageIso)
		if _, dup := texts[k+"/"+strconv.Itoa(d.ItemId)]; dup {
			t.Errorf("item %d has two texts %s", d.ItemId, k)
		}
		texts[k+"/"+strconv.Itoa(d.ItemId)] = d
	}
	bad := 0
	for _, row := range catalogRows(t) {
		it, ok := srv.ItemBySKU(row["Artikelnummer"])
		if !ok || it.Name != row["Artikelname"] {
			t.Errorf("%s: item %+v", row["Artikelnummer"], it)
			bad++
			continue
		}
		de, en := texts["1-1-1/de/"+strconv.Itoa(it.Id)], texts["1-1-1/en/"+strconv.Itoa(it.Id)]
		if de.Name != row["Artikelname"] || de.Description != row["Beschreibung_de"] || de.ShortDescription != row["Kurzbeschreibung_de"] ||
			de.SeoPath != row["SEO-URL_de"] || de.SeoTitleTag != row["Meta-Titel_de"] || de.SeoMetaDescription != row["Meta-Beschreibung_de"] {
			t.Errorf("%s: German text %+v", row["Artikelnummer"], de)
			bad++
		}
		if en.Name != row["Name_en"] || en.Description != row["Beschreibung_en"] || en.ShortDescription != row["Kurzbeschreibung_en"] || en.SeoPath != row["SEO-URL_en"] {
			t.Errorf("%s: English text %+v", row["Artikelnummer"], en)
			bad++
		}
		if got, want := imageHashes(srv, it.Id), fileImageHashes(t, row["Bilder"]); !slices.Equal(got, want) {
			t.Errorf("%s: images %v, want %v (%s)", row["Artikelnummer"], got, want, row["Bilder"])
			bad++
		}
		if bad > 5 {
			t.Fatal("more differences left out")
		}
	}
	checkCatalogVariants(t, srv)
}

// imageHashes are the item's pictures in its order (SortNumber), as
// the first 8 hex digits of their sha256.
func imageHashes(srv *erptest.Server, itemID int) []string {
	var out []string
	for _, im := range srv.ItemImages() { // by SortNumber
		if im.ItemId != itemID {
			continue
		}
		data, _ := srv.ImageData(im.ImageId)
		sum := sha256.Sum256(data)
		out = append(out, hex.EncodeToString(sum[:4]))
	}
	return out
}

// fileImageHashes are the pictures a cell names, in its order, a picture
// named twice once.
func fileImageHashes(t *testing.T, cell string) []string {
	t.Helper()
	var out []string
	for _, ref := range strings.Split(cell, "|") {
		if ref = strings.TrimSpace(ref); ref == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join("../samples", ref))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if h := hex.EncodeToString(sum[:4]); !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// checkCatalogVariants compares the parents with the file: each has the
// variations Farbe and Größe (with their English names) with each value
// once, and exactly the children the file names, each with its values.
// Values are compared as sets: the API has no sort number for them, and
// children written concurrently create them in the order they come.
func checkCatalogVariants(t *testing.T, srv *erptest.Server) {
	t.Helper()
	want := map[string]map[string]string{} // parent → child → Farbe/Größe
	values := map[string][2][]string{}     // parent → the Farbe and Größe values in file order
	for _, row := range catalogRows(t) {
		par := row["Vaterartikel"]
		if par == "" {
			continue
		}
		if want[par] == nil {
			want[par] = map[string]string{}
		}
		want[par][row["Artikelnummer"]] = row["Farbe"] + "/" + row["Größe"]
		v := values[par]
		if !slices.Contains(v[0], row["Farbe"]) {
			v[0] = append(v[0], row["Farbe"])
		}
		if !slices.Contains(v[1], row["Größe"]) {
			v[1] = append(v[1], row["Größe"])
		}
		values[par] = v
	}
	if len(want) == 0 {
		t.Fatal("the file names no variants")
	}
	for par, kids := range want {
		vars, got := variantsOf(t, srv, par)
		v := values[par]
		wantVars := "Farbe(en:Color)=" + sortedJoin(v[0]) + " Größe(en:Size)=" + sortedJoin(v[1])
		if vars = sortedValues(vars); vars != wantVars {
			t.Errorf("%s: variations %s, want %s", par, vars, wantVars)
		}
		if !maps.Equal(got, kids) {
			t.Errorf("%s: %d children %v, want %d %v", par, len(got), got, len(kids), kids)
		}
	}
}

// The full catalog example: a dry run writes nothing, the run creates
// every product with its texts as the file says them, a second run writes
// nothing.
func TestCatalogFullJob(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example job")
	}
	const job = "../jobs/catalog-migration-full.yaml"
	srv, cl := erpJobServer(t)
	state := t.TempDir()
	dry := runERPJob(t, cl, job, true, false, state)
	if srv.Counters().Writes != 0 {
		t.Fatalf("the dry run wrote %d times", srv.Counters().Writes)
	}
	n := int64(len(catalogRows(t)))
	run := runERPJob(t, cl, job, false, false, state)
	want := erpCounts{n, n, 0, 0, 0, 0}
	if got := erpCountsOf(run); got != want || erpCountsOf(dry) != want {
		t.Errorf("run %+v, dry run %+v, want %+v", got, erpCountsOf(dry), want)
	}
	checkCatalog(t, srv)
	w := srv.Counters().Writes
	again := runERPJob(t, cl, job, false, true, state)
	if got := erpCountsOf(again); got != (erpCounts{n, 0, 0, n, 0, 0}) {
		t.Errorf("second run %+v", got)
	}
	if d := srv.Counters().Writes - w; d != 0 {
		t.Errorf("second run wrote %d times", d)
	}
}

// Under faults (requests refused, answers of writes lost) every item and
// text lands once: a write in doubt is read back, not repeated; what a
// record could not finish, the rerun without faults completes, and nothing
// exists twice.
func TestCatalogFullJobFaultsRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example job")
	}
	const job = "../jobs/catalog-migration-full.yaml"
	srv, cl := erpJobServer(t)
	srv.SetFaults(erptest.Faults{FailRate: 0.05, LostWriteRate: 0.1})
	first := runERPJob(t, cl, job, false, false, t.TempDir())
	if srv.Counters().LostWrites() == 0 {
		t.Fatal("no answer was lost: the faults did not apply")
	}
	srv.SetFaults(erptest.Faults{})
	n := int64(len(catalogRows(t)))
	again := runERPJob(t, cl, job, false, true, t.TempDir())
	if again.Failed != 0 || again.Created+again.Updated+again.Unchanged != n || again.Created > first.Failed {
		t.Errorf("first %+v, rerun %+v", erpCountsOf(first), erpCountsOf(again))
	}
	checkCatalog(t, srv)
	if d := srv.Counters().DuplicatesPrevented; d != 0 {
		t.Errorf("%d duplicates refused", d)
	}
	t.Logf("first run %+v (%d answers lost), rerun %+v", erpCountsOf(first), srv.Counters().LostWrites(), erpCountsOf(again))
}

func sortedJoin(vals []string) string {
	vals = slices.Clone(vals)
	slices.Sort(vals)
	return strings.Join(vals, ",")
}

// sortedValues sorts the values of each variation of variantsOf's
// description ("Farbe=Rot,Blau Größe=M").
func sortedValues(vars string) string {
	fields := strings.Fields(vars)
	for i, f := range fields {
		if name, vals, ok := strings.Cut(f, "="); ok {
			fields[i] = name + "=" + sortedJoin(strings.Split(vals, ","))
		}
	}
	return strings.Join(fields, " ")
}
