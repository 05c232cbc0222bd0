package sinks

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/xuri/excelize/v2"
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
// every product with its texts, pictures, variants, properties and
// custom fields as the file says them, a second run writes
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
	checkCatalogProperties(t, srv)
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
	w0 := srv.Counters().Writes
	again := runERPJob(t, cl, job, false, true, t.TempDir())
	if again.Failed != 0 || again.Created+again.Updated+again.Unchanged != n || again.Created > first.Failed {
		t.Errorf("first %+v, rerun %+v", erpCountsOf(first), erpCountsOf(again))
	}
	// what the faulted run reported written is written whole
	if first.Failed == 0 && (again.Unchanged != n || srv.Counters().Writes != w0) {
		t.Errorf("the first run failed nothing, yet the rerun %+v wrote %d times", erpCountsOf(again), srv.Counters().Writes-w0)
	}
	checkCatalog(t, srv)
	if d := srv.Counters().DuplicatesPrevented; d != 0 {
		t.Errorf("%d duplicates refused", d)
	}
	w := srv.Counters().Writes
	if third := runERPJob(t, cl, job, false, true, t.TempDir()); third.Unchanged != n {
		t.Errorf("third run %+v", erpCountsOf(third))
	}
	if d := srv.Counters().Writes - w; d != 0 {
		t.Errorf("a run after the rerun wrote %d times", d)
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

// A product that changes is one record of the diff with a row per change
// of each part: after the migration, one image of a product is gone and a
// variation lost its English name; the dry run shows the product updated
// with the image to upload again (Bilder), and one variant of that parent
// bringing the name back (Varianten), in diff.xlsx and diff.html.
func TestCatalogFullJobDiffShowsParts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example job")
	}
	const job = "../jobs/catalog-migration-full.yaml"
	srv, cl := erpJobServer(t)
	runERPJob(t, cl, job, false, false, t.TempDir())
	ctx := context.Background()
	pliers, _ := srv.ItemBySKU("KF-20000")
	var first erptest.ItemImage
	for _, im := range srv.ItemImages() {
		if im.ItemId == pliers.Id && im.SortNumber == 1 {
			first = im
		}
	}
	if err := cl.Delete(ctx, fmt.Sprintf("/items/%d/images/%d", pliers.Id, first.ImageId), nil); err != nil {
		t.Fatal(err)
	}
	parent, _ := srv.ItemBySKU("KF-30000")
	farbe := srv.ItemVariations(parent.Id)[0]
	if err := cl.Patch(ctx, fmt.Sprintf("/items/%d/variations/%d", parent.Id, farbe.Id), nil,
		map[string]any{"Name": farbe.Name, "Translations": []any{}}, nil); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	lookups := erp.NewLookups(cl)
	lookups.SetDryRun(true)
	jb, err := pipeline.LoadJob(job, pipeline.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := pipeline.Run(ctx, jb, pipeline.RunOptions{DryRun: true, Conn: cl, Resolver: lookups, ReportDir: dir, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 2 || sum.Created != 0 || sum.Failed != 0 {
		t.Errorf("dry run %+v, want 2 updated", erpCountsOf(sum))
	}
	f, err := excelize.OpenFile(filepath.Join(dir, "diff.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Changes")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][]string{} // key → its change rows (field: old → new)
	for _, r := range rows[1:] {
		if len(r) < 5 {
			r = append(r, make([]string, 5-len(r))...)
		}
		keys[r[1]] = append(keys[r[1]], r[2]+": "+r[3]+" → "+r[4])
	}
	if len(keys) != 2 {
		t.Errorf("changes of %d records, want 2: %v", len(keys), keys)
	}
	img := keys["KF-20000"]
	if len(img) != 1 || !strings.HasPrefix(img[0], "Bild 1:  → neu ("+first.Filename) {
		t.Errorf("KF-20000: %q, want Bild 1 new (%s)", img, first.Filename)
	}
	var child string
	for k, ch := range keys {
		if strings.HasPrefix(k, "KF-30000-") {
			child = k
			if want := "Variation Farbe von KF-30000 (en):  → Color"; len(ch) != 1 || ch[0] != want {
				t.Errorf("%s: %q, want %q", k, ch, want)
			}
		}
	}
	if child == "" {
		t.Errorf("no variant of KF-30000 in the changes: %v", keys)
	}
	html, err := os.ReadFile(filepath.Join(dir, "diff.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"KF-20000", "Bild 1", child, "Variation Farbe von KF-30000 (en)"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("diff.html lacks %q", want)
		}
	}
}

// With sink.prune the full catalog job deletes the images of its products
// that the file does not name, and nothing else: after the migration an
// extra image is added to a product; the dry run counts its deletion, the
// run deletes it (the item, its other images and every other product stay),
// a rerun deletes and writes nothing.
func TestCatalogFullJobPrunesImages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example job")
	}
	raw, err := os.ReadFile("../jobs/catalog-migration-full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := filepath.Abs("../samples/catalog-full.csv")
	text := strings.Replace(string(raw), "path: ../samples/catalog-full.csv", "path: "+src, 1)
	text = strings.Replace(text, "  match_by: SKU\n", "  match_by: SKU\n  prune: true\n", 1)
	text = strings.Replace(text, "  concurrency: 8\n", "  concurrency: 8\n  guardrails: {max_deletes: \"5\"}\n", 1)
	job := filepath.Join(t.TempDir(), "prune.yaml")
	writeFile(t, job, []byte(text))

	srv, cl := erpJobServer(t)
	if first := runERPJob(t, cl, job, false, false, t.TempDir()); first.Deleted != 0 || first.Failed != 0 {
		t.Fatalf("first run %+v, %d deleted", erpCountsOf(first), first.Deleted)
	}
	pliers, _ := srv.ItemBySKU("KF-20000")
	before := imageHashes(srv, pliers.Id)
	images := len(srv.ItemImages())
	body := map[string]any{"ImageData": base64.StdEncoding.EncodeToString(picture(t, 7)), "Filename": "alt.png", "SalesChannelId": srv.ItemImages()[0].SalesChannelId}
	if err := cl.Post(context.Background(), fmt.Sprintf("/items/%d/images", pliers.Id), nil, body, nil, nil); err != nil {
		t.Fatal(err)
	}
	dry := runERPJob(t, cl, job, true, true, t.TempDir())
	if dry.Deleted != 1 || dry.Updated != 0 || len(srv.ItemImages()) != images+1 {
		t.Errorf("dry run %+v, %d deleted, %d images", erpCountsOf(dry), dry.Deleted, len(srv.ItemImages()))
	}
	run := runERPJob(t, cl, job, false, true, t.TempDir())
	if run.Deleted != 1 || run.Failed != 0 || run.DeletesFailed != 0 {
		t.Errorf("run %+v, %d deleted", erpCountsOf(run), run.Deleted)
	}
	if got := imageHashes(srv, pliers.Id); !slices.Equal(got, before) || len(srv.ItemImages()) != images {
		t.Errorf("KF-20000 images %v, want %v; %d images, want %d", got, before, len(srv.ItemImages()), images)
	}
	checkCatalog(t, srv)
	w := srv.Counters().Writes
	if again := runERPJob(t, cl, job, false, true, t.TempDir()); again.Deleted != 0 || srv.Counters().Writes != w {
		t.Errorf("rerun %+v, %d deleted, %d writes", erpCountsOf(again), again.Deleted, srv.Counters().Writes-w)
	}
}

// prune: true is valid on items only when the mapping names a part that
// prunes (Images); the item itself is never pruned.
func TestProductPruneNeedsPruningPart(t *testing.T) {
	ctx := context.Background()
	spec := &pipeline.SinkSpec{Type: "erp", Resource: "items", Prune: true}
	if err := checkERPTargets(ctx, spec, erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int", "Images:string")); err != nil {
		t.Errorf("prune with Images refused: %v", err)
	}
	if err := checkERPTargets(ctx, spec, productTargets); !strings.Contains(fmt.Sprint(err), "items cannot be pruned") {
		t.Errorf("prune without Images: %v", err)
	}
	for _, c := range []struct {
		targets []string
		ok      bool
	}{{[]string{"SKU", "Images[1]"}, true}, {[]string{"SKU", "Descriptions.de.Name"}, false}, {[]string{"SKU"}, false}} {
		job := &pipeline.Job{Sink: pipeline.SinkSpec{Type: "erp", Resource: "items", Prune: true}}
		for _, tg := range c.targets {
			job.Mapping.Fields = append(job.Mapping.Fields, mappings.FieldSpec{Target: tg})
		}
		var msgs []string
		checkERPSpec(job, func(path, msg string) { msgs = append(msgs, msg) })
		if (len(msgs) == 0) != c.ok {
			t.Errorf("%v: %v", c.targets, msgs)
		}
	}
}

// checkCatalogProperties compares every product's properties (Material,
// and Farbe of a plain item) and custom fields with its row of the file.
func checkCatalogProperties(t *testing.T, srv *erptest.Server) {
	t.Helper()
	names := map[int]string{}  // property id -> name
	values := map[int]string{} // value id -> name
	for _, p := range srv.Properties() {
		names[p.Id] = p.Name
		for _, v := range p.Values {
			values[v.Id] = v.Name
		}
	}
	checked := 0
	for _, row := range catalogRows(t) {
		sku := strings.ToUpper(strings.TrimSpace(row["Artikelnummer"]))
		it, ok := srv.ItemBySKU(sku)
		if !ok {
			t.Errorf("%s was not created", sku)
			continue
		}
		got := map[string][]string{}
		for _, a := range srv.ItemPropertyValues(it.Id) {
			got[names[a.PropertyId]] = append(got[names[a.PropertyId]], values[a.PropertyValueId])
		}
		want := map[string][]string{}
		for _, v := range strings.Split(row["Material"], "|") {
			if v = strings.TrimSpace(v); v != "" {
				want["Material"] = append(want["Material"], v)
			}
		}
		if row["Vaterartikel"] == "" && strings.TrimSpace(row["Farbe"]) != "" {
			want["Farbe"] = []string{strings.TrimSpace(row["Farbe"])}
		}
		for k := range got {
			slices.Sort(got[k])
		}
		for k := range want {
			slices.Sort(want[k])
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: properties %v, want %v", sku, got, want)
		}
		fields := map[int]string{}
		for _, v := range srv.ItemCustomFieldValues(it.Id) {
			fields[v.CustomFieldId] = fmt.Sprint(v.Value)
		}
		wantFields := map[int]string{}
		if g := row["Garantie_Monate"]; g != "" {
			wantFields[1] = g
		}
		switch row["Sperrgut"] {
		case "ja":
			wantFields[2] = "true"
		case "nein":
			wantFields[2] = "false"
		}
		if h := row["Hinweis"]; h != "" {
			wantFields[3] = h
		}
		if !maps.Equal(fields, wantFields) {
			t.Errorf("%s: custom fields %v, want %v", sku, fields, wantFields)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no product checked")
	}
}
