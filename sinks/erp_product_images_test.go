package sinks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// picture is a small PNG of one shade: distinct shades, distinct pictures.
func picture(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for x := range 2 {
		for y := range 2 {
			img.Set(x, y, color.RGBA{shade, shade, 0, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// imageHost serves pictures as an old shop does, and the ways it fails:
// /img/NAME (registered pictures), /missing (404), /slow (answers when the
// test ends), /page (text/html), /big (a PNG of 4 KB), /text (octet-stream
// that is no picture). It counts the requests per path.
type imageHost struct {
	*httptest.Server
	mu   sync.Mutex
	pics map[string][]byte
	hits map[string]int
}

func newImageHost(t *testing.T) *imageHost {
	h := &imageHost{pics: map[string][]byte{}, hits: map[string]int{}}
	release := make(chan struct{})
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.hits[r.URL.Path]++
		pic, ok := h.pics[strings.TrimPrefix(r.URL.Path, "/img/")]
		h.mu.Unlock()
		switch {
		case ok:
			w.Header().Set("Content-Type", "image/png")
			w.Write(pic)
		case r.URL.Path == "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case r.URL.Path == "/page":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>Bild nicht gefunden</body></html>"))
		case r.URL.Path == "/big":
			w.Header().Set("Content-Type", "image/png")
			w.Write(append(picture(t, 1)[:16], make([]byte, 4096)...))
		case r.URL.Path == "/text":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write([]byte("just some text, not a picture"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(h.Close)
	t.Cleanup(func() { close(release) }) // runs first: /slow lets go
	return h
}

func (h *imageHost) serve(name string, pic []byte) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pics[name] = pic
	return h.URL + "/img/" + name
}

func (h *imageHost) hitsOf(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hits[path]
}

// imageSeed has two items and no images.
func imageSeed() *erptest.Seed {
	return &erptest.Seed{Items: []erptest.Item{{Id: 1, SKU: "A-1", Name: "Schraube"}, {Id: 2, SKU: "A-2", Name: "Mutter"}}}
}

// openImagesTestPart opens the images part as an items import would, for targets
// canon at positions 0.. of Values, the source file at srcPath.
func openImagesTestPart(t *testing.T, e *erpEnv, spec pipeline.SinkSpec, srcPath string, canon ...string) *imagesPart {
	t.Helper()
	idx := make([]int, len(canon))
	for i := range idx {
		idx[i] = i
	}
	s := &ERPSink{c: e.c, spec: &spec, env: &pipeline.Env{SourcePath: srcPath, JobDir: t.TempDir()}}
	p, err := openImagesPart(s, idx, canon)
	if err != nil {
		t.Fatal(err)
	}
	return p.(*imagesPart)
}

func planImages(t *testing.T, p *imagesPart, itemID int64, vals ...any) (*imagesPlan, error) {
	t.Helper()
	pp, err := p.plan(context.Background(), &pipeline.Item{Values: vals}, productItem{ID: itemID, Key: "A-1"})
	if pp == nil || err != nil {
		return nil, err
	}
	return pp.(*imagesPlan), nil
}

// sorted lists an item's images as "file@sort" in sort order.
func sortedImages(srv *erptest.Server, itemID int) []string {
	var out []string
	for _, im := range srv.ItemImages() {
		if im.ItemId == itemID {
			out = append(out, fmt.Sprintf("%s@%d", im.Filename, im.SortNumber))
		}
	}
	return out
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Paths relative to the source file and a URL, in one cell: uploaded in
// the cell's order (the first is the main image), base64; a second run
// finds them by content and writes nothing.
func TestImagesUploadInOrderAndRerun(t *testing.T) {
	e := newERPEnv(t, imageSeed())
	host := newImageHost(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "export", "produkte.csv")
	a, b, c := picture(t, 10), picture(t, 20), picture(t, 30)
	writeFile(t, filepath.Join(dir, "export", "bilder", "a.png"), a)
	writeFile(t, filepath.Join(dir, "export", "b.png"), b)
	cell := "bilder/a.png | " + host.serve("c.png", c) + ", b.png"

	p := openImagesTestPart(t, e, pipeline.SinkSpec{}, src, "Images")
	pl, err := planImages(t, p, 1, cell)
	if err != nil {
		t.Fatal(err)
	}
	rows := pl.changes()
	want := []string{fmt.Sprintf("Bild 1: neu (a.png, %d B)", len(a)), fmt.Sprintf("Bild 2: neu (c.png, %d B)", len(c)),
		fmt.Sprintf("Bild 3: neu (b.png, %d B)", len(b))}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s: %v", r.Field, r.New))
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	if err := pl.apply(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if got := sortedImages(e.srv, 1); !slices.Equal(got, []string{"a.png@1", "c.png@2", "b.png@3"}) {
		t.Errorf("images %v", got)
	}
	posts := e.rec.sent("POST", "/items/1/images")
	if len(posts) != 3 || !strings.Contains(posts[0].Body, `"ImageData":"`+base64.StdEncoding.EncodeToString(a)+`"`) ||
		!strings.Contains(posts[0].Body, `"SalesChannelId":"2-1-1"`) {
		t.Fatalf("posts %+v", posts)
	}
	for _, im := range e.srv.ItemImages() {
		pic, _ := e.srv.ImageData(im.ImageId)
		if exp := map[string][]byte{"a.png": a, "b.png": b, "c.png": c}[im.Filename]; !bytes.Equal(pic, exp) {
			t.Errorf("%s: picture differs", im.Filename)
		}
	}
	if pics, bodies := p.uploaded(); pics != int64(len(a)+len(b)+len(c)) || bodies <= pics*4/3 {
		t.Errorf("uploaded %d picture bytes in %d body bytes", pics, bodies)
	}
	// planning and writing read the URL once each
	if n := host.hitsOf("/img/c.png"); n != 2 {
		t.Errorf("downloads %d, want 2", n)
	}

	// the next run: nothing to write
	before := e.srv.Counters()
	p2 := openImagesTestPart(t, e, pipeline.SinkSpec{}, src, "Images")
	for range 2 { // a planning pass and a writing pass
		pl, err = planImages(t, p2, 1, cell)
		if err != nil {
			t.Fatal(err)
		}
		if len(pl.changes()) != 0 {
			t.Fatalf("rerun rows %+v", pl.changes())
		}
		if err := pl.apply(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	after := e.srv.Counters()
	if after.Writes != before.Writes {
		t.Errorf("rerun wrote %d times", after.Writes-before.Writes)
	}
	// each picture on the item is read once per run
	if n := after.Route("GET /items/imagedata/{imageId}") - before.Route("GET /items/imagedata/{imageId}"); n != 3 {
		t.Errorf("imagedata read %d times, want 3", n)
	}
	// and the item's image list once over both passes
	if n := after.Route("GET /items/{itemId}/images") - before.Route("GET /items/{itemId}/images"); n != 1 {
		t.Errorf("image list read %d times, want 1", n)
	}

	// a write in the run drops the kept list: the next plan of the item
	// reads what the write made of it
	swapped := "b.png, bilder/a.png | " + host.serve("c.png", c)
	if pl, err = planImages(t, p2, 1, swapped); err != nil || len(pl.changes()) == 0 {
		t.Fatalf("swap plan %v %+v", err, pl)
	}
	if err := pl.apply(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if pl, err = planImages(t, p2, 1, swapped); err != nil || len(pl.changes()) != 0 {
		t.Fatalf("after the swap: %v %+v", err, pl)
	}
	if got := sortedImages(e.srv, 1); !slices.Equal(got, []string{"b.png@1", "a.png@2", "c.png@3"}) {
		t.Errorf("images after the swap %v", got)
	}
}

// An image already on the item with the same picture is not uploaded
// again, whatever its name; the file's order wins (moves by sort number,
// through a free number when two swap places).
func TestImagesSameContentNotReuploaded(t *testing.T) {
	old, other := picture(t, 40), picture(t, 50)
	seed := imageSeed()
	seed.ItemImages = []erptest.SeedItemImage{
		{ItemImage: erptest.ItemImage{ItemId: 1, Filename: "alt.png", SalesChannelId: "2-1-1"}, ImageData: old},
		{ItemImage: erptest.ItemImage{ItemId: 1, Filename: "zweit.png", SalesChannelId: "2-1-1"}, ImageData: other},
	}
	e := newERPEnv(t, seed)
	host := newImageHost(t)
	fresh := picture(t, 60)
	// zweit.png first, then the old one under another name, then a new one
	cell := host.serve("z.png", other) + "|" + host.serve("neu-name.png", old) + "|" + host.serve("frisch.png", fresh)
	p := openImagesTestPart(t, e, pipeline.SinkSpec{}, "", "Images")
	pl, err := planImages(t, p, 1, cell)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range pl.changes() {
		got = append(got, fmt.Sprintf("%s: %v -> %v", r.Field, r.Old, r.New))
	}
	want := []string{"Bild 1: zweit.png an Position 2 -> zweit.png an Position 1", "Bild 2: alt.png an Position 1 -> alt.png an Position 2",
		fmt.Sprintf("Bild 3: <nil> -> neu (frisch.png, %d B)", len(fresh))}
	if !slices.Equal(got, want) {
		t.Errorf("rows %q\nwant %q", got, want)
	}
	if err := pl.apply(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if n := len(e.rec.sent("POST", "/items/1/images")); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
	if got := sortedImages(e.srv, 1); !slices.Equal(got, []string{"zweit.png@1", "alt.png@2", "frisch.png@3"}) {
		t.Errorf("images %v", got)
	}
	// a swap takes three moves, one through a free number
	if n := len(e.rec.sent("PATCH", "/items/1/images/")); n != 3 {
		t.Errorf("%d moves, want 3", n)
	}
	pl, err = planImages(t, openImagesTestPart(t, e, pipeline.SinkSpec{}, "", "Images"), 1, cell)
	if err != nil || len(pl.changes()) != 0 {
		t.Errorf("rerun: %v %+v", err, pl)
	}
}

// A download or file that fails fails that record with the URL or path
// and why; the run goes on and nothing is written.
func TestImagesFailuresFailTheRecord(t *testing.T) {
	e := newERPEnv(t, imageSeed())
	host := newImageHost(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "produkte.csv")
	writeFile(t, filepath.Join(dir, "notiz.png"), []byte("kein Bild"))
	p := openImagesTestPart(t, e, pipeline.SinkSpec{Images: &pipeline.ImagesSpec{MaxSize: "1KB"}}, src, "Images")
	for _, c := range []struct{ ref, want string }{
		{host.URL + "/missing", "HTTP 404"},
		{host.URL + "/page", "not an image (Content-Type text/html)"},
		{host.URL + "/big", "larger than max_size 1 KB"},
		{host.URL + "/text", "not an image (the content is text/plain"},
		{"fehlt.png", "no such file (" + filepath.Join(dir, "fehlt.png") + ")"},
		{"notiz.png", "not an image"},
	} {
		_, err := planImages(t, p, 1, host.serve("ok.png", picture(t, 1))+"|"+c.ref)
		if err == nil || pipeline.IsFatal(err) || !strings.Contains(err.Error(), "Bild 2 ("+c.ref+")") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a record error with %q", c.ref, err, c.want)
		}
	}
	// a host that does not answer: the download's timeout
	slow := openImagesTestPart(t, e, pipeline.SinkSpec{Images: &pipeline.ImagesSpec{Timeout: "100ms"}}, src, "Images")
	if _, err := planImages(t, slow, 1, host.URL+"/slow"); err == nil || pipeline.IsFatal(err) ||
		!strings.Contains(err.Error(), "Bild 1 ("+host.URL+"/slow): download: no answer within 100ms (timeout)") {
		t.Errorf("slow: %v", err)
	}
	if w := e.srv.Counters().Writes; w != 0 {
		t.Errorf("%d writes", w)
	}
	// a URL that failed is asked again by the next record
	if n := host.hitsOf("/missing"); n != 1 {
		t.Errorf("/missing asked %d times", n)
	}
	if _, err := planImages(t, p, 1, host.URL+"/missing"); err == nil || host.hitsOf("/missing") != 2 {
		t.Errorf("second ask: %v, %d", err, host.hitsOf("/missing"))
	}
}

// One column per image: Images[0] is the main image, whatever the
// mapping's order; empty cells are skipped, all empty leaves the item alone.
func TestImagesColumnsPerImage(t *testing.T) {
	e := newERPEnv(t, imageSeed())
	host := newImageHost(t)
	p := openImagesTestPart(t, e, pipeline.SinkSpec{}, "", "Images[1]", "Images[0]", "images[2]")
	pl, err := planImages(t, p, 2, host.serve("zwei.png", picture(t, 2)), host.serve("eins.png", picture(t, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.apply(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if got := sortedImages(e.srv, 2); !slices.Equal(got, []string{"eins.png@1", "zwei.png@2"}) {
		t.Errorf("images %v", got)
	}
	if pl, err := planImages(t, p, 2, "", nil, " "); pl != nil || err != nil {
		t.Errorf("empty cells: %+v %v", pl, err)
	}
}

// An upload whose answer is lost (performed, answered 5xx) is found by
// its picture before it would be repeated: one image, one POST.
func TestImagesLostUploadNotDuplicated(t *testing.T) {
	e := newERPEnvWith(t, imageSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 1}})
	host := newImageHost(t)
	p := openImagesTestPart(t, e, pipeline.SinkSpec{}, "", "Images")
	pl, err := planImages(t, p, 1, host.serve("a.png", picture(t, 5)))
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.apply(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	c := e.srv.Counters()
	if got := sortedImages(e.srv, 1); !slices.Equal(got, []string{"a.png@1"}) || c.Route("POST /items/{itemId}/images") != 1 || c.LostWrites() != 1 {
		t.Errorf("images %v, %d POSTs, %d lost", got, c.Route("POST /items/{itemId}/images"), c.LostWrites())
	}
	// the read-back compared the picture
	if n := c.Route("GET /items/imagedata/{imageId}"); n != 1 {
		t.Errorf("imagedata read %d times", n)
	}
}

// Images the file does not name stay, moved behind the file's when they
// sit in its places; with prune they are deletions.
func TestImagesPrunePlans(t *testing.T) {
	seed := imageSeed()
	x, y, a := picture(t, 70), picture(t, 80), picture(t, 90)
	seed.ItemImages = []erptest.SeedItemImage{
		{ItemImage: erptest.ItemImage{ItemId: 1, Filename: "x.png", SalesChannelId: "2-1-1"}, ImageData: x},
		{ItemImage: erptest.ItemImage{ItemId: 1, Filename: "y.png", SalesChannelId: "2-1-1"}, ImageData: y},
	}
	host := newImageHost(t)
	cell := host.serve("a.png", a)

	e := newERPEnv(t, seed)
	p := openImagesTestPart(t, e, pipeline.SinkSpec{}, "", "Images")
	pl, err := planImages(t, p, 1, cell)
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.apply(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if dels, _ := p.prunePlans(context.Background()); dels != nil {
		t.Errorf("deletions without prune: %+v", dels)
	}
	if got := sortedImages(e.srv, 1); !slices.Equal(got, []string{"a.png@1", "y.png@2", "x.png@4"}) {
		t.Errorf("without prune %v", got)
	}

	e = newERPEnv(t, seed)
	p = openImagesTestPart(t, e, pipeline.SinkSpec{Prune: true}, "", "Images")
	if _, err := planImages(t, p, 1, cell); err != nil {
		t.Fatal(err)
	}
	dels, err := p.prunePlans(context.Background())
	if err != nil || len(dels) != 2 || dels[0].Key != "A-1 / Bild x.png (1)" || dels[0].Changes[0].Field != "(deleted)" {
		t.Fatalf("deletions %v %+v", err, dels)
	}
	for _, d := range dels {
		if err := d.State.(partDeletion).applyDelete(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := sortedImages(e.srv, 1); len(got) != 0 {
		t.Errorf("left %v", got)
	}
	// gone already (a retry): deleted
	if err := dels[0].State.(partDeletion).applyDelete(context.Background()); err != nil {
		t.Errorf("second delete: %v", err)
	}
}

// imagesJobSink is an items import of SKU and Images as the composite
// makes it, for a run through the pipeline: the item's id by its SKU, the
// images part, its deletions.
type imagesJobSink struct {
	c    *erp.Client
	part *imagesPart
}

type imagesJobState struct {
	id int64
	pp partPlan
}

func openImagesJobSink(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
	s := &ERPSink{c: env.Conn.(*erp.Client), env: env, spec: spec}
	p, err := openImagesPart(s, []int{1}, []string{"Images"})
	if err != nil {
		return nil, err
	}
	return &imagesJobSink{c: s.c, part: p.(*imagesPart)}, nil
}

func (s *imagesJobSink) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	sku := fmt.Sprint(it.Values[0])
	var page struct{ Items []struct{ Id int64 } }
	if err := s.c.Get(ctx, "/items", url.Values{"searchKeyWord": {sku}}, &page); err != nil || len(page.Items) != 1 {
		return nil, fmt.Errorf("item %s: %v", sku, err)
	}
	id := page.Items[0].Id
	pp, err := s.part.plan(ctx, it, productItem{ID: id, Key: sku})
	if err != nil {
		return &pipeline.Plan{Item: it, Outcome: pipeline.Failed, Key: sku, Err: err}, nil
	}
	p := &pipeline.Plan{Item: it, Outcome: pipeline.Unchanged, Key: sku, State: imagesJobState{id, pp}}
	if pp != nil && len(pp.changes()) > 0 {
		p.Outcome, p.Changes = pipeline.Updated, pp.changes()
	}
	return p, nil
}

func (s *imagesJobSink) Apply(ctx context.Context, p *pipeline.Plan) error {
	if d, ok := p.State.(partDeletion); ok {
		return d.applyDelete(ctx)
	}
	st := p.State.(imagesJobState)
	return st.pp.apply(ctx, st.id)
}

func (s *imagesJobSink) PrunePlans(ctx context.Context) ([]*pipeline.Plan, error) {
	return s.part.prunePlans(ctx)
}

func (s *imagesJobSink) Close(ctx context.Context, commit bool) error { return nil }

func (s *imagesJobSink) PlansBeforeWriting() bool { return true }

var registerImagesJobSink = sync.OnceFunc(func() {
	pipeline.AddSinkType(pipeline.SinkType{Name: "sinkstest-images", Open: openImagesJobSink, NeedsConn: true})
})

// prune: true through a run: the deletions count against max_deletes
// (default 0 stops the run before any write); allowed, the run deletes
// the images the file does not name, and the next run writes nothing.
func TestImagesPruneJob(t *testing.T) {
	registerImagesJobSink()
	seed := imageSeed()
	seed.ItemImages = []erptest.SeedItemImage{
		{ItemImage: erptest.ItemImage{ItemId: 1, Filename: "x.png", SalesChannelId: "2-1-1"}, ImageData: picture(t, 3)},
		{ItemImage: erptest.ItemImage{ItemId: 2, Filename: "y.png", SalesChannelId: "2-1-1"}, ImageData: picture(t, 4)},
	}
	e := newERPEnv(t, seed)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bilder", "a.png"), picture(t, 5))
	memRows[filepath.Join(dir, "images")] = [][]string{{"A-1", "bilder/a.png"}}
	memHeaders[filepath.Join(dir, "images")] = []string{"sku", "images"}
	job := "name: images\nsource: {type: sinkstest-mem, path: images}\nmapping:\n  fields:\n" +
		"    - {target: SKU, column: sku}\n    - {target: Images, column: images}\n" +
		"sink: {type: sinkstest-images, resource: items, prune: true}\n"
	writeFile(t, filepath.Join(dir, "job.yaml"), []byte(job))
	run := func(sets ...string) (*pipeline.Summary, error) {
		j, err := pipeline.LoadJob(filepath.Join(dir, "job.yaml"), pipeline.LoadOptions{Sets: sets})
		if err != nil {
			t.Fatal(err)
		}
		return pipeline.Run(context.Background(), j, pipeline.RunOptions{Conn: e.c, Resolver: erp.NewLookups(e.c),
			ReportDir: t.TempDir(), StateDir: t.TempDir()})
	}
	sum, err := run()
	if !errors.Is(err, pipeline.ErrGuardrail) || len(sum.Guardrails) != 1 || sum.Guardrails[0].Rule != "max_deletes" || e.srv.Counters().Writes != 0 {
		t.Fatalf("default max_deletes: %v %+v, %d writes", err, sum, e.srv.Counters().Writes)
	}
	sum, err = run("options.guardrails.max_deletes=1")
	if err != nil || sum.Deleted != 1 || sum.Updated != 1 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	// item 2 is not in the file: its image stays
	if got := append(sortedImages(e.srv, 1), sortedImages(e.srv, 2)...); !slices.Equal(got, []string{"a.png@1", "y.png@1"}) {
		t.Errorf("images %v", got)
	}
	w := e.srv.Counters().Writes
	sum, err = run("options.guardrails.max_deletes=1")
	if err != nil || sum.Deleted != 0 || sum.Unchanged != 1 || e.srv.Counters().Writes != w {
		t.Errorf("second run: %v %+v, %d writes", err, sum, e.srv.Counters().Writes-w)
	}
}

func TestImageClaimsAndCells(t *testing.T) {
	for path, want := range map[string]bool{"Images": true, "images[3]": true, "Images[0]": true, "Images.Url": false, "ImagesX": false, "Images[]": false, "Descriptions.de.Name": false} {
		if imageClaims(path) != want {
			t.Errorf("claims(%s) = %v", path, !want)
		}
	}
	for cell, want := range map[string][]string{
		"a.jpg|b.jpg":                       {"a.jpg", "b.jpg"},
		" a.jpg , b/c.jpg ,":                {"a.jpg", "b/c.jpg"},
		"https://x/a.jpg?w=1,2, http://y/b": {"https://x/a.jpg?w=1,2", "http://y/b"},
		"https://x/a.jpg|https://x/b.jpg":   {"https://x/a.jpg", "https://x/b.jpg"},
		"https://x/a,b.jpg":                 {"https://x/a,b.jpg"},
	} {
		if got := splitImageCell(cell); !slices.Equal(got, want) {
			t.Errorf("split %q = %q, want %q", cell, got, want)
		}
	}
	for s, want := range map[string]int64{"20MB": 20 << 20, "500 KB": 500 << 10, "1048576": 1 << 20, "2mib": 2 << 20} {
		if got, err := parseByteSize(s); err != nil || got != want {
			t.Errorf("size %s = %d, %v", s, got, err)
		}
	}
}

// BenchmarkImageUploadBody reports the bytes of the POST body that
// carries a picture (base64 in CreateItemImage JSON) per picture byte:
// go test ./sinks -run '^$' -bench ImageUploadBody -benchtime 20x
func BenchmarkImageUploadBody(b *testing.B) {
	dir := b.TempDir()
	for _, size := range []int{100 << 10, 1 << 20} {
		pic := append(bytes.Clone(pngSignature), make([]byte, size-len(pngSignature))...)
		path := filepath.Join(dir, fmt.Sprintf("bild-%d.png", size))
		if err := os.WriteFile(path, pic, 0o644); err != nil {
			b.Fatal(err)
		}
		p := &imagesPart{maxSize: defaultImageMaxSize, sem: make(chan struct{}, 1), baseDir: dir}
		ref, err := p.hashRef(context.Background(), filepath.Base(path))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(showSize(int64(size)), func(b *testing.B) {
			var n int
			for b.Loop() {
				body, err := p.body(context.Background(), ref, "2-1-1")
				if err != nil {
					b.Fatal(err)
				}
				n = len(body)
			}
			b.ReportMetric(float64(n), "body-bytes")
			b.ReportMetric(float64(n)/float64(size), "body/picture")
		})
	}
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// The picture of an image on the item is read as a base64 JSON string,
// escaped as .NET escapes + (\u002B), or as raw bytes.
func TestHashPicture(t *testing.T) {
	pic := []byte{0xfb, 0xff, 0xfe, 'P', 'N', 'G'} // base64 "+//+UE5H"
	want := sha256Of(pic)
	for name, raw := range map[string]string{
		"base64":  `"` + base64.StdEncoding.EncodeToString(pic) + `"`,
		"escaped": `"\u002B//\u002BUE5H"`,
		"raw":     string(pic),
	} {
		sum, n, err := hashPicture([]byte(raw))
		if err != nil || sum != want || n != int64(len(pic)) {
			t.Errorf("%s: %x %d %v", name, sum, n, err)
		}
	}
	if _, _, err := hashPicture([]byte(`"not base64!"`)); err == nil {
		t.Error("bad base64 taken")
	}
}

func sha256Of(b []byte) [32]byte {
	var sum [32]byte
	h := sha256.New()
	h.Write(b)
	copy(sum[:], h.Sum(nil))
	return sum
}

// Records naming the same URL at the same time download it once.
func TestImagesOneDownloadPerURL(t *testing.T) {
	e := newERPEnv(t, imageSeed())
	host := newImageHost(t)
	u := host.serve("logo.png", picture(t, 99))
	p := openImagesTestPart(t, e, pipeline.SinkSpec{}, "", "Images")
	forEach(t, 8, 8, func(i int) error {
		_, err := planImages(t, p, int64(1+i%2), u)
		return err
	})
	if n := host.hitsOf("/img/logo.png"); n != 1 {
		t.Errorf("%d downloads, want 1", n)
	}
}

// A shop export made on Windows names pictures as bilder\foto.jpg: read
// on any system relative to the file, named foto.jpg in the Wawi.
func TestImagesWindowsRelativePaths(t *testing.T) {
	p := &imagesPart{baseDir: filepath.Join("exports", "shop")}
	want := filepath.Join("exports", "shop", "bilder", "foto.jpg")
	for _, ref := range []string{`bilder\foto.jpg`, "bilder/foto.jpg"} {
		if got := p.localPath(ref); got != want {
			t.Errorf("localPath(%q) = %q, want %q", ref, got, want)
		}
		if got := imageName(ref); got != "foto.jpg" {
			t.Errorf("imageName(%q) = %q", ref, got)
		}
	}
}
