package erptest

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig of the formats a shop uses
	_ "image/jpeg"
	_ "image/png"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// An item's images (Bilder), per the spec: the list answers ItemImage
// records without the picture; GET /items/imagedata/{imageId} answers the
// picture itself, a JSON string of its base64 (the spec declares a binary
// string as application/json; an ASP.NET byte[] is written so). Rules:
//   - POST takes ImageData (base64), Filename and SalesChannelId, which must
//     be a sales channel whose ItemCapabilities.Images is true; the data
//     must be a picture (sniffed: JPEG, PNG, GIF, WebP, BMP; the first
//     three decoded for Width and Height). The new image is sorted last in
//     its sales channel (SortNumber max+1): the create body has no sort.
//   - PATCH changes SortNumber, Filename, ImageData or SalesChannelId and
//     answers 201 with the image, as the spec declares. A SortNumber another
//     image of the item has in that sales channel is refused with 400 (the
//     spec: "Every image needs to have an unique sort number per sales
//     channel and item").
//   - DELETE answers 204; the others keep their sort numbers.
//   - Size is the picture's length in bytes.

// ItemImage is the spec's ItemImage.
type ItemImage struct {
	ItemId         int
	ImageId        int
	Filename       string
	ImageDataType  string
	SalesChannelId string
	EbayUserName   string
	SortNumber     int
	Size           int64
	Width, Height  int
}

// SeedItemImage is an image of the seed: the record and its picture
// (base64 in JSON). ImageId and SortNumber 0 are assigned; the fields the
// picture determines (Size, ImageDataType, Width, Height) are computed.
type SeedItemImage struct {
	ItemImage
	ImageData []byte
}

// storedImage is an image and its picture.
type storedImage struct {
	ItemImage
	data []byte
}

// imageStore holds the items' images.
type imageStore struct {
	byItem map[int][]*storedImage // sorted by sales channel, then SortNumber
	byID   map[int]*storedImage
	next   int
}

func newImageStore() *imageStore {
	return &imageStore{byItem: map[int][]*storedImage{}, byID: map[int]*storedImage{}}
}

func (s *imageStore) sort(item int) {
	slices.SortFunc(s.byItem[item], func(a, b *storedImage) int {
		return cmp.Or(strings.Compare(a.SalesChannelId, b.SalesChannelId), cmp.Compare(a.SortNumber, b.SortNumber), cmp.Compare(a.ImageId, b.ImageId))
	})
}

// sortTaken reports whether another image of the item has sort in channel.
func (s *imageStore) sortTaken(item int, channel string, sort, except int) bool {
	for _, im := range s.byItem[item] {
		if im.ImageId != except && im.SalesChannelId == channel && im.SortNumber == sort {
			return true
		}
	}
	return false
}

func (s *imageStore) nextSort(item int, channel string) int {
	n := 0
	for _, im := range s.byItem[item] {
		if im.SalesChannelId == channel {
			n = max(n, im.SortNumber)
		}
	}
	return n + 1
}

func (s *imageStore) add(im *storedImage) {
	if im.ImageId == 0 {
		s.next++
		im.ImageId = s.next
	}
	s.next = max(s.next, im.ImageId)
	s.byID[im.ImageId] = im
	s.byItem[im.ItemId] = append(s.byItem[im.ItemId], im)
	s.sort(im.ItemId)
}

// images returns the store's images.
func (s *store) images() *imageStore { return s.itemImages }

// imageRoutes are the image operations. GET /items/imagedata/{imageId}
// is not a mux pattern: it would conflict with every
// /items/{itemId}/<literal> (both match /items/imagedata/images), so
// unmuxedRoute finds it.
var imageRoutes = []route{
	{method: "GET", path: "/items/{itemId}/images", opID: "ItemHeader_QueryItemImagesAsync", h: (*Emulator).listImages},
	{method: "POST", path: "/items/{itemId}/images", opID: "ItemHeader_CreateItemImageAsync", write: true, h: (*Emulator).createImage},
	{method: "PATCH", path: "/items/{itemId}/images/{imageId}", opID: "ItemHeader_UpdateItemImageAsync", write: true, h: (*Emulator).patchImage},
	{method: "DELETE", path: "/items/{itemId}/images/{imageId}", opID: "ItemHeader_DeleteItemImageAsync", write: true, h: (*Emulator).deleteImage},
	{method: "GET", path: "/items/imagedata/{imageId}", opID: "ItemHeader_QueryItemImageDataAsync", unmuxed: true, h: (*Emulator).getImageData},
}

func init() { apiRoutes = append(apiRoutes, imageRoutes...) }

// unmuxedRoute finds the route of a request the mux has no pattern for
// (see imageRoutes) and sets its path values; nil when there is none.
func unmuxedRoute(r *http.Request) *route {
	rel, ok := strings.CutPrefix(r.URL.Path, BasePath)
	if !ok {
		return nil
	}
	got := strings.Split(strings.Trim(rel, "/"), "/")
	for i := range apiRoutes {
		rt := &apiRoutes[i]
		if !rt.unmuxed || rt.method != r.Method {
			continue
		}
		want := strings.Split(strings.Trim(rt.path, "/"), "/")
		if len(want) != len(got) {
			continue
		}
		vals := map[string]string{}
		match := true
		for j, w := range want {
			if strings.HasPrefix(w, "{") {
				vals[strings.Trim(w, "{}")] = got[j]
			} else if w != got[j] {
				match = false
				break
			}
		}
		if match {
			for k, v := range vals {
				r.SetPathValue(k, v)
			}
			return rt
		}
	}
	return nil
}

// imageOf finds the image {imageId} of the item {itemId}; the reply is set
// when either is missing. The caller holds e.mu.
func (e *Emulator) imageOf(c *call) (*storedImage, *reply) {
	item, ok := c.pathID("itemId")
	if !ok || e.st.itemByID[item] == nil {
		r := notFound("item", c.r.PathValue("itemId"))
		return nil, &r
	}
	id, ok := c.pathID("imageId")
	im := e.st.images().byID[id]
	if !ok || im == nil || im.ItemId != item {
		r := notFound("image", c.r.PathValue("imageId"))
		return nil, &r
	}
	return im, nil
}

func (e *Emulator) listImages(c *call) reply {
	item, ok := c.pathID("itemId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !ok || e.st.itemByID[item] == nil {
		return notFound("item", c.r.PathValue("itemId"))
	}
	out := []ItemImage{}
	for _, im := range e.st.images().byItem[item] {
		out = append(out, im.ItemImage)
	}
	return jsonReply(http.StatusOK, out)
}

func (e *Emulator) getImageData(c *call) reply {
	id, ok := c.pathID("imageId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	im := e.st.images().byID[id]
	if !ok || im == nil {
		return notFound("image", c.r.PathValue("imageId"))
	}
	return jsonReply(http.StatusOK, im.data) // []byte: a base64 JSON string
}

// imageBody is CreateItemImage and UpdateItemImage.
type imageBody struct {
	ImageData      *string
	Filename       *string
	SalesChannelId string
	SortNumber     *int
}

func decodeImageBody(c *call, op string) (*imageBody, *reply) {
	v, bad := decodeBody(c, op)
	if bad != nil {
		return nil, bad
	}
	var b imageBody
	if err := fromJSONValue(v, &b); err != nil {
		r := validationReply(map[string]string{"$": err.Error()})
		return nil, &r
	}
	return &b, nil
}

// checkChannel: images go to sales channels that take them.
func (s *store) checkImageChannel(id string) map[string]string {
	if sc := s.salesChannel(id); sc == nil || !sc.ItemCapabilities.Images {
		return map[string]string{"SalesChannelId": fmt.Sprintf("The sales channel %q does not exist or takes no images.", id)}
	}
	return nil
}

// setPicture decodes base64 data into im and fills the fields the picture
// determines.
func setPicture(im *storedImage, b64 string) map[string]string {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return map[string]string{"ImageData": "The image data is not valid base64: " + err.Error()}
	}
	return setPictureBytes(im, data)
}

func setPictureBytes(im *storedImage, data []byte) map[string]string {
	if len(data) == 0 {
		return map[string]string{"ImageData": "The image data is empty."}
	}
	typ, ok := imageTypes[http.DetectContentType(data)]
	if !ok {
		return map[string]string{"ImageData": fmt.Sprintf("The data is not an image (%s).", http.DetectContentType(data))}
	}
	w, h := 0, 0
	if typ == "JPEG" || typ == "PNG" || typ == "GIF" {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return map[string]string{"ImageData": "The image cannot be read: " + err.Error()}
		}
		w, h = cfg.Width, cfg.Height
	}
	im.data, im.ImageDataType, im.Size, im.Width, im.Height = data, typ, int64(len(data)), w, h
	return nil
}

var imageTypes = map[string]string{"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP", "image/bmp": "BMP"}

func (e *Emulator) createImage(c *call) reply {
	b, bad := decodeImageBody(c, "ItemHeader_CreateItemImageAsync")
	item, ok := c.pathID("itemId")
	e.mu.Lock()
	defer e.mu.Unlock()
	if !ok || e.st.itemByID[item] == nil {
		// the spec declares no 404 for this POST
		return validationReply(map[string]string{"itemId": fmt.Sprintf("No item with the given ID (%s) exists.", c.r.PathValue("itemId"))})
	}
	if bad != nil {
		return *bad
	}
	im := &storedImage{ItemImage: ItemImage{ItemId: item, SalesChannelId: b.SalesChannelId}}
	verrs := e.st.checkImageChannel(b.SalesChannelId)
	if b.Filename == nil || strings.TrimSpace(*b.Filename) == "" {
		verrs = mergeErrs(verrs, map[string]string{"Filename": "The file name is required."})
	} else {
		im.Filename = *b.Filename
	}
	if b.ImageData != nil {
		verrs = mergeErrs(verrs, setPicture(im, *b.ImageData))
	}
	if len(verrs) > 0 {
		return validationReply(verrs)
	}
	is := e.st.images()
	im.SortNumber = is.nextSort(item, im.SalesChannelId)
	is.add(im)
	e.st.version++
	return jsonReply(http.StatusCreated, im.ItemImage)
}

func mergeErrs(a, b map[string]string) map[string]string {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = map[string]string{}
	}
	maps.Copy(a, b)
	return a
}

func (e *Emulator) patchImage(c *call) reply {
	b, bad := decodeImageBody(c, "ItemHeader_UpdateItemImageAsync")
	e.mu.Lock()
	defer e.mu.Unlock()
	old, nf := e.imageOf(c)
	if nf != nil {
		return *nf
	}
	if bad != nil {
		return *bad
	}
	im := *old
	im.SalesChannelId = b.SalesChannelId
	verrs := e.st.checkImageChannel(b.SalesChannelId)
	if b.Filename != nil {
		if strings.TrimSpace(*b.Filename) == "" {
			verrs = mergeErrs(verrs, map[string]string{"Filename": "The file name must not be empty."})
		}
		im.Filename = *b.Filename
	}
	if b.ImageData != nil {
		verrs = mergeErrs(verrs, setPicture(&im, *b.ImageData))
	}
	is := e.st.images()
	switch {
	case b.SortNumber != nil && *b.SortNumber < 1:
		verrs = mergeErrs(verrs, map[string]string{"SortNumber": "The sort number must be at least 1."})
	case b.SortNumber != nil:
		im.SortNumber = *b.SortNumber
	case im.SalesChannelId != old.SalesChannelId:
		im.SortNumber = is.nextSort(im.ItemId, im.SalesChannelId)
	}
	if len(verrs) == 0 && is.sortTaken(im.ItemId, im.SalesChannelId, im.SortNumber, im.ImageId) {
		verrs = map[string]string{"SortNumber": fmt.Sprintf("Another image of the item has the sort number %d in the sales channel %s.", im.SortNumber, im.SalesChannelId)}
	}
	if len(verrs) > 0 {
		return validationReply(verrs)
	}
	*old = im
	is.sort(im.ItemId)
	e.st.version++
	return jsonReply(http.StatusCreated, im.ItemImage)
}

func (e *Emulator) deleteImage(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	im, nf := e.imageOf(c)
	if nf != nil {
		return *nf
	}
	is := e.st.images()
	delete(is.byID, im.ImageId)
	is.byItem[im.ItemId] = slices.DeleteFunc(is.byItem[im.ItemId], func(x *storedImage) bool { return x == im })
	if len(is.byItem[im.ItemId]) == 0 {
		delete(is.byItem, im.ItemId)
	}
	e.st.version++
	return noContent()
}

// loadImages adds the seed's images, checked like a POST.
func (s *store) loadImages(src []SeedItemImage) error {
	is := s.images()
	for i := range src {
		si := src[i]
		if s.itemByID[si.ItemId] == nil {
			return fmt.Errorf("seed: image for item %d, which does not exist", si.ItemId)
		}
		if is.byID[si.ImageId] != nil && si.ImageId != 0 {
			return fmt.Errorf("seed: two images with ImageId %d", si.ImageId)
		}
		im := &storedImage{ItemImage: si.ItemImage}
		verrs := mergeErrs(s.checkImageChannel(si.SalesChannelId), setPictureBytes(im, si.ImageData))
		if len(verrs) > 0 {
			return fmt.Errorf("seed: image %d of item %d: %s", i+1, si.ItemId, summarize(verrs))
		}
		if im.SortNumber == 0 {
			im.SortNumber = is.nextSort(im.ItemId, im.SalesChannelId)
		}
		if is.sortTaken(im.ItemId, im.SalesChannelId, im.SortNumber, 0) {
			return fmt.Errorf("seed: item %d has two images with sort number %d in %s", im.ItemId, im.SortNumber, im.SalesChannelId)
		}
		is.add(im)
	}
	return nil
}

// allImages lists every image with its picture, items in Id order.
func (s *imageStore) all() []SeedItemImage {
	var out []SeedItemImage
	for _, id := range slices.Sorted(maps.Keys(s.byItem)) {
		for _, im := range s.byItem[id] {
			out = append(out, SeedItemImage{ItemImage: im.ItemImage, ImageData: im.data})
		}
	}
	return out
}

// ItemImages returns every item's images (without the pictures), items in
// Id order, each item's by sales channel and SortNumber.
func (e *Emulator) ItemImages() []ItemImage {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []ItemImage
	for _, si := range e.st.images().all() {
		out = append(out, si.ItemImage)
	}
	return out
}

// ImageData returns the picture of an image.
func (e *Emulator) ImageData(imageID int) ([]byte, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	im := e.st.images().byID[imageID]
	if im == nil {
		return nil, false
	}
	return bytes.Clone(im.data), true
}
