package erptest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"maps"
	"slices"
	"testing"

	"github.com/wawi-etl/etl/erp"
)

// pngOf is a small PNG of w×h pixels of one shade (distinct shades give
// distinct pictures).
func pngOf(t *testing.T, w, h int, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{shade, 0, 0, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func imageJSON(data []byte, name, channel string) string {
	return fmt.Sprintf(`{"ImageData":%q,"Filename":%q,"SalesChannelId":%q}`, base64.StdEncoding.EncodeToString(data), name, channel)
}

func TestItemImages(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: &Seed{Items: []Item{{Id: 1, SKU: "A-1", Name: "Schraube"}, {Id: 2, SKU: "A-2", Name: "Mutter"}}}})
	red, blue := pngOf(t, 3, 2, 200), pngOf(t, 1, 1, 10)
	var im ItemImage
	must(t, ts.call("POST", "/items/1/images", imageJSON(red, "rot.png", "2-1-1")), 201).decode(t, &im)
	if im.ImageId != 1 || im.ItemId != 1 || im.SortNumber != 1 || im.Size != int64(len(red)) || im.Width != 3 || im.Height != 2 ||
		im.ImageDataType != "PNG" || im.Filename != "rot.png" || im.SalesChannelId != "2-1-1" {
		t.Fatalf("created %+v", im)
	}
	// a new image is sorted last in its sales channel
	must(t, ts.call("POST", "/items/1/images", imageJSON(blue, "blau.png", "2-1-1")), 201).decode(t, &im)
	if im.ImageId != 2 || im.SortNumber != 2 {
		t.Fatalf("second %+v", im)
	}
	// the picture comes back as a base64 JSON string
	var data []byte
	must(t, ts.call("GET", "/items/imagedata/2", nil), 200).decode(t, &data)
	if !bytes.Equal(data, blue) {
		t.Errorf("imagedata %x, want %x", data, blue)
	}
	must(t, ts.call("GET", "/items/imagedata/9", nil), 404)

	// sort numbers are unique per item and sales channel
	wantValidation(t, ts.call("PATCH", "/items/1/images/2", `{"SalesChannelId":"2-1-1","SortNumber":1}`), "SortNumber")
	must(t, ts.call("PATCH", "/items/1/images/1", `{"SalesChannelId":"2-1-1","SortNumber":3}`), 201).decode(t, &im)
	if im.SortNumber != 3 || im.Filename != "rot.png" || im.Size != int64(len(red)) {
		t.Errorf("patched %+v", im)
	}
	must(t, ts.call("PATCH", "/items/1/images/2", `{"SalesChannelId":"2-1-1","SortNumber":1,"Filename":"main.png"}`), 201)
	var list []ItemImage
	must(t, ts.call("GET", "/items/1/images", nil), 200).decode(t, &list)
	if len(list) != 2 || list[0].ImageId != 2 || list[0].SortNumber != 1 || list[0].Filename != "main.png" || list[1].ImageId != 1 {
		t.Errorf("list %+v", list)
	}
	// the image belongs to item 1, not 2
	must(t, ts.call("PATCH", "/items/2/images/1", `{"SalesChannelId":"2-1-1","SortNumber":5}`), 404)
	must(t, ts.call("DELETE", "/items/2/images/1", nil), 404)
	must(t, ts.call("GET", "/items/9/images", nil), 404)
	wantValidation(t, ts.call("POST", "/items/9/images", imageJSON(red, "x.png", "2-1-1")), "itemId") // no 404 in the spec

	// what is refused: a channel without images, data that is no picture,
	// a picture that cannot be read, no file name
	wantValidation(t, ts.call("POST", "/items/2/images", imageJSON(red, "x.png", "1-1-1")), "SalesChannelId")
	wantValidation(t, ts.call("POST", "/items/2/images", imageJSON([]byte("<html>no</html>"), "x.png", "2-1-1")), "ImageData")
	wantValidation(t, ts.call("POST", "/items/2/images", imageJSON(red[:20], "x.png", "2-1-1")), "ImageData")
	wantValidation(t, ts.call("POST", "/items/2/images", imageJSON(red, " ", "2-1-1")), "Filename")

	must(t, ts.call("DELETE", "/items/1/images/1", nil), 204)
	must(t, ts.call("DELETE", "/items/1/images/1", nil), 404)
	if got := ts.ItemImages(); len(got) != 1 || got[0].ImageId != 2 {
		t.Errorf("stored %+v", got)
	}
	if d, ok := ts.ImageData(2); !ok || !bytes.Equal(d, blue) {
		t.Error("ImageData(2)")
	}
	if w := ts.Counters().Writes; w != 5 {
		t.Errorf("writes %d, want 5", w)
	}
	if n := ts.Counters().Route("GET /items/imagedata/{imageId}"); n != 2 {
		t.Errorf("imagedata counted %d, want 2", n)
	}
}

// A seed carries images with their pictures; the snapshot gives them back.
func TestItemImagesSeedAndSnapshot(t *testing.T) {
	t.Parallel()
	pic := pngOf(t, 2, 2, 7)
	seed := &Seed{Items: []Item{{Id: 1, SKU: "A-1", Name: "Schraube"}},
		ItemImages: []SeedItemImage{{ItemImage: ItemImage{ItemId: 1, Filename: "a.png", SalesChannelId: "2-1-1"}, ImageData: pic}}}
	ts := newServer(t, Options{Seed: seed})
	b, err := json.Marshal(ts.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var back Seed
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.ItemImages) != 1 || !bytes.Equal(back.ItemImages[0].ImageData, pic) || back.ItemImages[0].SortNumber != 1 || back.ItemImages[0].Width != 2 {
		t.Fatalf("snapshot %+v", back.ItemImages)
	}
	if _, err := New(Options{Seed: &Seed{Items: seed.Items, ItemImages: []SeedItemImage{{ItemImage: ItemImage{ItemId: 1, Filename: "a.txt", SalesChannelId: "2-1-1"}, ImageData: []byte("text")}}}}); err == nil {
		t.Error("a seed image that is no picture was taken")
	}
}

// Faults: a lost write of an image (performed, answered 5xx); 5xx
// without acting on the picture's route.
func TestItemImagesLostWrite(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: &Seed{Items: []Item{{Id: 1, SKU: "A-1", Name: "Schraube"}}}, LostWriteRate: 1})
	r := ts.call("POST", "/items/1/images", imageJSON(pngOf(t, 1, 1, 1), "a.png", "2-1-1"))
	if r.status < 500 || len(ts.ItemImages()) != 1 {
		t.Fatalf("lost write: %s, %d images", r, len(ts.ItemImages()))
	}
	// the picture's route (no mux pattern of its own) has the faults too
	ts.SetFaults(Faults{FailRate: 1})
	if r := ts.call("GET", "/items/imagedata/1", nil); r.status != 503 && r.status != 502 {
		t.Errorf("imagedata with FailRate 1: %s", r)
	}
	ts.SetFaults(Faults{})
	must(t, ts.call("GET", "/items/imagedata/1", nil), 200)
}

// The image routes are the items/images row of package erp's table.
func TestImageRoutesMatchResourceTable(t *testing.T) {
	def, ok := erp.Resource("items/images")
	if !ok {
		t.Fatal("no items/images in package erp")
	}
	got := map[string]bool{}
	for _, rt := range imageRoutes {
		got[rt.method+" "+rt.path] = true
	}
	want := map[string]bool{"GET " + def.ListPath: true, "POST " + def.CreatePath: true, "PATCH " + def.ItemPath: true,
		"DELETE " + def.ItemPath: true, "GET " + erp.PathItemImageData: true}
	if !maps.Equal(got, want) {
		t.Errorf("emulator serves %v, table has %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
}
