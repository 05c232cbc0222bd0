package sinks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// The images of a product (Bilder): targets Images (a cell of paths or
// URLs separated by | or ,) and Images[N] (one image per column, in N's
// order). A path is relative to the source file's folder; an http(s) URL
// is downloaded (sink.images: timeout, max_size, parallel). What is not a
// picture (Content-Type and the bytes' signature), too large, missing or
// not answered fails the record with the path or URL, never the run.
//
// Images are compared by content (sha256): the item's list carries no
// hash, so the picture of each image on the item is read once per run
// (GET /items/imagedata/{imageId}) — skipped when its Size (bytes, once
// the Wawi showed it means bytes) equals no size the record names. An image
// already on the item is not uploaded again; new ones are uploaded base64,
// one at a time per record. The file's order is the order in the Wawi:
// the first image is the main one (SortNumber 1). The create body has no
// sort, so an image lands last and is then moved by PATCH SortNumber,
// which must be unique per item and sales channel: moves never collide
// (a cycle goes through a free number). Images the file does not name
// stay (moved behind the file's when they sit in its places) unless
// sink.prune: then they are deletions (see pruningPart), counted against
// max_deletes. An empty cell leaves the item's images alone.
//
// Memory: no picture is kept. Plans keep the hash and size (files are
// hashed as a stream); apply reads or downloads the picture again, checks
// its hash and holds its base64 body for the one POST.

func init() {
	registerProductPart(partFactory{claims: imageClaims, open: openImagesPart, order: imagesPartOrder, prunes: true})
}

// imagesPartOrder applies images after variants and texts: the item and
// its children exist, and a failure of the uploads leaves those done.
const imagesPartOrder = 30

// imageTargetRe matches the targets the part claims: Images, Images[N].
var imageTargetRe = regexp.MustCompile(`(?i)^images(\[(\d+)\])?$`)

func imageClaims(path string) bool { return imageTargetRe.MatchString(path) }

// pruningPart is a part that, with sink.prune, deletes what the Wawi
// holds of it below the items the input names and the input does not
// name. The composite adds its prunePlans to ERPSink.PrunePlans (they
// then show in the diff and count against max_deletes) and hands Apply
// of a plan whose State is a partDeletion to applyDelete.
type pruningPart interface {
	prunePlans(ctx context.Context) ([]*pipeline.Plan, error)
}

// partDeletion is the State of a part's prune plan.
type partDeletion interface {
	applyDelete(ctx context.Context) error
}

// Defaults of sink.images.
const (
	defaultImageMaxSize  = 20 << 20
	defaultImageTimeout  = 30 * time.Second
	defaultImageParallel = 4
)

// imagesPart plans and writes the images of items.
type imagesPart struct {
	s       *ERPSink
	def     *erp.ResourceDef // items/images
	idx     []int            // positions of the targets in Values, in image order
	baseDir string           // relative paths resolve here
	maxSize int64
	hc      *http.Client
	sem     chan struct{} // bounds reads and downloads at once
	prune   bool
	channel string // the sales channel asked for ("": the one that takes images)

	chOnce sync.Once
	chID   string
	chErr  error

	refMu sync.Mutex
	refs  map[string]*refEntry // a path or URL's content, per run

	dataMu sync.Mutex
	data   map[int64][32]byte // an image's picture hash, per run
	// sizeBytes: 0 unknown, 1 the Wawi's Size is the picture's length in
	// bytes, -1 it is not (the size shortcut is then never taken).
	sizeBytes atomic.Int32

	// lists keeps each item's image list as read in this run, so that a
	// run that plans all records before it writes them reads it once; a
	// write to the item's images drops it (gen counts the drops, so that
	// a read begun before a write is not kept).
	listMu sync.Mutex
	lists  map[int64][]wawiImage
	gen    map[int64]int

	pruneMu sync.Mutex
	extra   map[int64][]extraImage // per item: images the input does not name
	keys    map[int64]string

	// uploaded counts the pictures' bytes and the request bodies sent.
	uploadedPics, uploadedBodies atomic.Int64
}

// uploaded reports the bytes of the pictures uploaded and of the request
// bodies that carried them (base64 and JSON).
func (p *imagesPart) uploaded() (pictures, bodies int64) {
	return p.uploadedPics.Load(), p.uploadedBodies.Load()
}

// openImagesPart opens the part from its targets: Images first, then
// Images[N] in N's order.
func openImagesPart(s *ERPSink, idx []int, canon []string) (productPart, error) {
	items, _ := erp.Resource("items/images")
	p := &imagesPart{s: s, def: items, refs: map[string]*refEntry{}, data: map[int64][32]byte{}, prune: s.spec.Prune,
		lists: map[int64][]wawiImage{}, gen: map[int64]int{},
		maxSize: defaultImageMaxSize, extra: map[int64][]extraImage{}, keys: map[int64]string{}}
	type pos struct{ n, i int }
	order := make([]pos, len(idx))
	for i, c := range canon {
		m := imageTargetRe.FindStringSubmatch(c)
		if m == nil {
			return nil, fmt.Errorf("images: target %s is not Images or Images[N]", c)
		}
		n := -1
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		order[i] = pos{n, i}
	}
	slices.SortStableFunc(order, func(a, b pos) int { return a.n - b.n })
	for _, o := range order {
		p.idx = append(p.idx, idx[o.i])
	}
	timeout, parallel := defaultImageTimeout, defaultImageParallel
	if o := s.spec.Images; o != nil {
		p.channel = strings.TrimSpace(o.SalesChannel)
		if o.MaxSize != "" {
			n, err := parseByteSize(o.MaxSize)
			if err != nil {
				return nil, fmt.Errorf("sink.images.max_size: %w", err)
			}
			p.maxSize = n
		}
		if o.Timeout != "" {
			d, err := time.ParseDuration(o.Timeout)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("sink.images.timeout %q: a duration such as 30s", o.Timeout)
			}
			timeout = d
		}
		if o.Parallel < 0 || o.Parallel > 32 {
			return nil, fmt.Errorf("sink.images.parallel %d: between 1 and 32", o.Parallel)
		}
		if o.Parallel > 0 {
			parallel = o.Parallel
		}
	}
	// The picture of an image on the item is read back whole (base64 in
	// JSON) to compare it: a larger image could not be compared.
	if limit := (s.c.Config().MaxResponseBytes - 4096) / 4 * 3; p.maxSize > limit {
		return nil, fmt.Errorf("sink.images.max_size: at most %s (images on the item are read back to compare them; erp max_response_bytes bounds that)", showSize(limit))
	}
	// a shop's images come from one host: keep a connection per download
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = parallel
	p.hc = &http.Client{Timeout: timeout, Transport: tr}
	p.sem = make(chan struct{}, parallel)
	src := s.env.SourcePath
	switch {
	case src != "" && !strings.Contains(src, "://"):
		p.baseDir = filepath.Dir(src)
	default:
		p.baseDir = s.env.JobDir
	}
	return p, nil
}

// parseByteSize reads 20MB, 500KB, 1048576 (bytes). KB and MB are 1024
// and 1024².
func parseByteSize(s string) (int64, error) {
	t := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"MIB", 1 << 20}, {"KIB", 1 << 10}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSuffix(t, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size such as 20MB or 500KB", s)
	}
	return n * mult, nil
}

func (p *imagesPart) label() string { return "Bilder" }

// imageRef is one image the record names, its content known.
type imageRef struct {
	ref  string // as the cell has it
	url  bool
	name string // file name sent to the Wawi
	sum  [32]byte
	size int64
}

// wawiImage is an image on the item (the spec's ItemImage, the fields
// used).
type wawiImage struct {
	ImageId        int64
	Filename       string
	SalesChannelId string
	SortNumber     int
	Size           int64
}

type extraImage struct {
	id   int64
	name string
}

// imagesPlan is what the part writes for one record.
type imagesPlan struct {
	p       *imagesPart
	channel string
	want    []imageRef
	// have are the item's images in the channel as plan read them; match[i]
	// is the image of have that holds want[i], -1 when it is to upload.
	have  []wawiImage
	match []int
	rows  []pipeline.Change
}

func (pl *imagesPlan) changes() []pipeline.Change { return pl.rows }

// cellRefs reads the record's paths and URLs in order.
func (p *imagesPart) cellRefs(it *pipeline.Item) []string {
	var out []string
	for _, i := range p.idx {
		if i < 0 || i >= len(it.Values) {
			continue
		}
		switch v := it.Values[i].(type) {
		case nil:
		case string:
			out = append(out, splitImageCell(v)...)
		case []string: // a mapping that split the cell already
			for _, s := range v {
				out = append(out, splitImageCell(s)...)
			}
		case []any:
			for _, s := range v {
				if s != nil {
					out = append(out, splitImageCell(fmt.Sprint(s))...)
				}
			}
		default:
			out = append(out, splitImageCell(fmt.Sprint(v))...)
		}
	}
	return out
}

// urlStart finds a URL in a cell.
var urlStart = regexp.MustCompile(`(?i)https?://`)

// splitImageCell splits a cell at | and at commas. A comma inside a URL
// (a query) does not split it: where the cell has URLs, only a comma
// followed by a space or by the next http(s):// does (a URL has no space).
func splitImageCell(cell string) []string {
	var out []string
	for part := range strings.SplitSeq(cell, "|") {
		var pieces []string
		if urlStart.MatchString(part) {
			from := 0
			for i := 0; i < len(part); i++ {
				if part[i] != ',' {
					continue
				}
				rest := part[i+1:]
				if rest == "" || rest[0] == ' ' || rest[0] == '\t' || isURL(rest) {
					pieces = append(pieces, part[from:i])
					from = i + 1
				}
			}
			pieces = append(pieces, part[from:])
		} else {
			pieces = strings.Split(part, ",")
		}
		for _, s := range pieces {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// plan reads what the item holds in the sales channel and compares it with
// the record's images by content.
func (p *imagesPart) plan(ctx context.Context, it *pipeline.Item, item productItem) (partPlan, error) {
	cells := p.cellRefs(it)
	if len(cells) == 0 {
		return nil, nil
	}
	channel, err := p.salesChannel(ctx)
	if err != nil {
		return nil, err
	}
	pl := &imagesPlan{p: p, channel: channel}
	seen := map[[32]byte]bool{}
	for i, ref := range cells {
		r, err := p.resolve(ctx, ref)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("Bild %d (%s): %w", i+1, ref, err)
		}
		if seen[r.sum] { // the same picture twice: once is enough
			continue
		}
		seen[r.sum] = true
		pl.want = append(pl.want, r)
	}
	if item.ID != 0 {
		all, err := p.list(ctx, item.ID)
		if err != nil {
			return nil, p.readErr(err)
		}
		for _, im := range all {
			if im.SalesChannelId == channel {
				pl.have = append(pl.have, im)
			}
		}
		slices.SortStableFunc(pl.have, func(a, b wawiImage) int { return a.SortNumber - b.SortNumber })
	}
	if err := pl.matchHave(ctx); err != nil {
		return nil, err
	}
	pl.describe()
	if item.ID != 0 && p.prune {
		p.notePrune(item, pl)
	}
	return pl, nil
}

// list is the item's images, read once per run until a write drops it.
func (p *imagesPart) list(ctx context.Context, itemID int64) ([]wawiImage, error) {
	p.listMu.Lock()
	all, ok := p.lists[itemID]
	gen := p.gen[itemID]
	p.listMu.Unlock()
	if ok {
		return all, nil
	}
	if err := p.s.c.Get(ctx, p.def.ListURL(itemID), nil, &all); err != nil {
		return nil, err
	}
	p.listMu.Lock()
	if p.gen[itemID] == gen {
		p.lists[itemID] = all
	}
	p.listMu.Unlock()
	return all, nil
}

// dropList forgets the item's image list: a write changes it.
func (p *imagesPart) dropList(itemID int64) {
	p.listMu.Lock()
	delete(p.lists, itemID)
	p.gen[itemID]++
	p.listMu.Unlock()
}

// readErr: a read the Wawi refuses for this item fails the record; the
// Wawi unreachable or refusing the credentials stops the run.
func (p *imagesPart) readErr(err error) error {
	if runFatal(err) || unavailable(err) {
		return pipeline.Fatal(err)
	}
	return err
}

// matchHave finds, for each wanted image, an image on the item with the
// same picture.
func (pl *imagesPlan) matchHave(ctx context.Context) error {
	pl.match = make([]int, len(pl.want))
	for i := range pl.match {
		pl.match[i] = -1
	}
	if len(pl.have) == 0 {
		return nil
	}
	sizes := map[int64]bool{}
	for _, w := range pl.want {
		sizes[w.size] = true
	}
	used := make([]bool, len(pl.have))
	for j, h := range pl.have {
		if !slices.Contains(pl.match, -1) {
			break // every one found: the rest are not the file's
		}
		if pl.p.sizeBytes.Load() == 1 && !sizes[h.Size] {
			continue // cannot be any of them
		}
		sum, err := pl.p.pictureHash(ctx, h)
		var tl *erp.ResponseTooLargeError
		if errors.As(err, &tl) {
			continue // larger than max_size allows: none of the file's
		}
		if err != nil {
			return err
		}
		for i, w := range pl.want {
			if pl.match[i] < 0 && !used[j] && w.sum == sum {
				pl.match[i], used[j] = j, true
			}
		}
	}
	return nil
}

// pictureHash is the hash of an image's picture, read once per run.
func (p *imagesPart) pictureHash(ctx context.Context, h wawiImage) ([32]byte, error) {
	p.dataMu.Lock()
	sum, ok := p.data[h.ImageId]
	p.dataMu.Unlock()
	if ok {
		return sum, nil
	}
	var raw []byte
	u := strings.Replace(erp.PathItemImageData, "{imageId}", strconv.FormatInt(h.ImageId, 10), 1)
	if err := p.s.c.Get(ctx, u, nil, &raw); err != nil {
		return sum, p.readErr(fmt.Errorf("reading image %d (%s) to compare it: %w", h.ImageId, h.Filename, err))
	}
	sum, n, err := hashPicture(raw)
	if err != nil {
		return sum, fmt.Errorf("reading image %d (%s) to compare it: %w", h.ImageId, h.Filename, err)
	}
	p.noteSize(h.Size, n)
	p.dataMu.Lock()
	p.data[h.ImageId] = sum
	p.dataMu.Unlock()
	return sum, nil
}

// noteSize learns whether the Wawi's Size is the picture's length.
func (p *imagesPart) noteSize(listed, actual int64) {
	if listed == actual {
		p.sizeBytes.CompareAndSwap(0, 1)
	} else {
		p.sizeBytes.Store(-1)
	}
}

// hashPicture hashes the picture of an imagedata answer: a JSON string of
// base64 (as an ASP.NET byte[] is written), or the raw bytes. It returns
// the picture's length.
func hashPicture(raw []byte) ([32]byte, int64, error) {
	var sum [32]byte
	h := sha256.New()
	t := bytes.TrimSpace(raw)
	var r io.Reader = bytes.NewReader(raw)
	if len(t) > 0 && t[0] == '"' {
		if len(t) < 2 || t[len(t)-1] != '"' {
			return sum, 0, errors.New("the picture is not a JSON string")
		}
		in := t[1 : len(t)-1]
		if bytes.IndexByte(in, '\\') >= 0 { // escapes (\u002B, \/): unquote first
			var s string
			if err := json.Unmarshal(t, &s); err != nil {
				return sum, 0, fmt.Errorf("the picture is not a JSON string: %w", err)
			}
			in = []byte(s)
		}
		r = base64.NewDecoder(base64.StdEncoding, bytes.NewReader(in))
	}
	n, err := io.Copy(h, r)
	if err != nil {
		return sum, 0, fmt.Errorf("the picture is not base64: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, n, nil
}

// describe makes the diff's sub-rows: new images, images moved.
func (pl *imagesPlan) describe() {
	pl.rows = nil
	for i, w := range pl.want {
		field := "Bild " + strconv.Itoa(i+1)
		j := pl.match[i]
		switch {
		case j < 0:
			pl.rows = append(pl.rows, pipeline.Change{Field: field, New: fmt.Sprintf("neu (%s, %s)", w.name, showSize(w.size))})
		case pl.have[j].SortNumber != i+1:
			pl.rows = append(pl.rows, pipeline.Change{Field: field,
				Old: fmt.Sprintf("%s an Position %d", pl.have[j].Filename, pl.have[j].SortNumber),
				New: fmt.Sprintf("%s an Position %d", pl.have[j].Filename, i+1)})
		}
	}
	n := len(pl.want)
	next := pl.nextSort()
	for _, j := range pl.unmatched() {
		if h := pl.have[j]; h.SortNumber <= n && !pl.p.prune {
			pl.rows = append(pl.rows, pipeline.Change{Field: "Bild " + h.Filename,
				Old: fmt.Sprintf("an Position %d", h.SortNumber), New: fmt.Sprintf("an Position %d (nicht in der Datei)", next)})
			next++
		}
	}
}

// unmatched are the positions in have of images the record does not name.
func (pl *imagesPlan) unmatched() []int {
	var out []int
	for j := range pl.have {
		if !slices.Contains(pl.match, j) {
			out = append(out, j)
		}
	}
	return out
}

// nextSort is the first sort number above the record's places and every
// image's.
func (pl *imagesPlan) nextSort() int {
	n := len(pl.want) + 1
	for _, h := range pl.have {
		n = max(n, h.SortNumber+1)
	}
	return n
}

func showSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%d KB", (n+1<<9)>>10)
	default:
		return strings.Replace(fmt.Sprintf("%.1f MB", float64(n)/(1<<20)), ".", ",", 1)
	}
}

// apply uploads the new images in order, then moves every image to its
// place.
func (pl *imagesPlan) apply(ctx context.Context, itemID int64) error {
	if len(pl.rows) == 0 {
		return nil
	}
	// dropped before the writes (a plan meanwhile reads afresh) and after
	// them (a read begun meanwhile is not kept)
	pl.p.dropList(itemID)
	defer pl.p.dropList(itemID)
	cur := map[int64]int{} // image id → its sort number now
	for _, h := range pl.have {
		cur[h.ImageId] = h.SortNumber
	}
	ids := make([]int64, len(pl.want))
	for i, w := range pl.want {
		if j := pl.match[i]; j >= 0 {
			ids[i] = pl.have[j].ImageId
			continue
		}
		im, err := pl.p.upload(ctx, itemID, pl.channel, w, cur)
		if err != nil {
			return fmt.Errorf("Bild %d (%s): %w", i+1, w.ref, err)
		}
		ids[i], cur[im.ImageId] = im.ImageId, im.SortNumber
	}
	// the places: the record's images 1..n; an image it does not name that
	// sits in one moves behind all (with prune it is deleted afterwards,
	// but must make room now)
	target := map[int64]int{}
	for i, id := range ids {
		target[id] = i + 1
	}
	next := len(ids) + 1
	for _, s := range cur {
		next = max(next, s+1)
	}
	for _, j := range pl.unmatched() {
		if h := pl.have[j]; cur[h.ImageId] <= len(ids) {
			target[h.ImageId] = next
			next++
		}
	}
	return pl.p.move(ctx, itemID, pl.channel, cur, target, &next)
}

// move PATCHes sort numbers from cur to target without ever asking for a
// number another image holds: an image whose place is free moves there;
// when every one left waits on another (a cycle), one of them steps to a
// free number first.
func (p *imagesPart) move(ctx context.Context, itemID int64, channel string, cur, target map[int64]int, next *int) error {
	holder := map[int]int64{}
	for id, s := range cur {
		holder[s] = id
	}
	var todo []int64
	for id, s := range target {
		if cur[id] != s {
			todo = append(todo, id)
		}
	}
	slices.SortFunc(todo, func(a, b int64) int { return target[a] - target[b] })
	set := func(id int64, s int) error {
		u := p.def.ListURL(itemID) + "/" + strconv.FormatInt(id, 10)
		if err := p.s.c.Patch(ctx, u, nil, map[string]any{"SalesChannelId": channel, "SortNumber": s}, nil); err != nil {
			return wrapWriteErr(fmt.Errorf("moving image %d to position %d: %w", id, s, err))
		}
		delete(holder, cur[id])
		cur[id], holder[s] = s, id
		return nil
	}
	for len(todo) > 0 {
		moved := false
		for k := 0; k < len(todo); k++ {
			id := todo[k]
			if _, taken := holder[target[id]]; taken {
				continue
			}
			if err := set(id, target[id]); err != nil {
				return err
			}
			todo = slices.Delete(todo, k, k+1)
			k--
			moved = true
		}
		if !moved { // a cycle: step aside
			if err := set(todo[0], *next); err != nil {
				return err
			}
			*next++
		}
	}
	return nil
}

// upload POSTs one image. An answer lost after sending is settled by
// reading the item's images: one that was not there before with the same
// picture is the upload, which is not repeated.
func (p *imagesPart) upload(ctx context.Context, itemID int64, channel string, w imageRef, known map[int64]int) (wawiImage, error) {
	body, err := p.body(ctx, w, channel)
	if err != nil {
		return wawiImage{}, err
	}
	var got wawiImage
	landed := func(ctx context.Context) (bool, error) {
		im, ok, err := p.findUploaded(ctx, itemID, channel, w, known)
		if ok {
			got = im
		}
		return ok, err
	}
	p.uploadedPics.Add(w.size)
	p.uploadedBodies.Add(int64(len(body)))
	err = p.s.c.Post(ctx, p.def.ListURL(itemID), nil, body, &got, landed)
	if errors.Is(err, erp.ErrLandedElsewhere) && got.ImageId == 0 {
		// created, but the answer could not be read: find it
		if im, ok, ferr := p.findUploaded(ctx, itemID, channel, w, known); ferr == nil && ok {
			got = im
		}
	}
	if errors.Is(err, erp.ErrLandedElsewhere) && got.ImageId != 0 {
		err = nil
	}
	if err != nil {
		return wawiImage{}, wrapWriteErr(err)
	}
	if got.ImageId == 0 {
		return wawiImage{}, errors.New("the Wawi answered the upload without an ImageId")
	}
	if got.Size != w.size && p.sizeBytes.Load() != -1 && p.s.env.Logger != nil {
		// the Wawi keeps a picture other than the one sent (or its Size
		// is not bytes): a rerun recognises images by their pictures
		p.s.env.Logger.Warn("images: the Wawi's Size of an uploaded image is not its length", "image", got.ImageId, "size", got.Size, "bytes", w.size)
	}
	p.noteSize(got.Size, w.size)
	p.dataMu.Lock()
	p.data[got.ImageId] = w.sum
	p.dataMu.Unlock()
	return got, nil
}

// findUploaded looks for the image an upload whose answer was lost made.
func (p *imagesPart) findUploaded(ctx context.Context, itemID int64, channel string, w imageRef, known map[int64]int) (wawiImage, bool, error) {
	var all []wawiImage
	if err := p.s.c.Get(ctx, p.def.ListURL(itemID), nil, &all); err != nil {
		return wawiImage{}, false, err
	}
	for _, im := range all {
		if _, old := known[im.ImageId]; old || im.SalesChannelId != channel {
			continue
		}
		sum, err := p.pictureHash(ctx, im)
		if err != nil {
			return wawiImage{}, false, err
		}
		if sum == w.sum {
			return im, true, nil
		}
	}
	return wawiImage{}, false, nil
}

// body is the CreateItemImage JSON of w, its picture read again (and
// checked against the plan's hash) and base64-encoded as it is read.
func (p *imagesPart) body(ctx context.Context, w imageRef, channel string) ([]byte, error) {
	head, _ := json.Marshal(map[string]string{"Filename": w.name, "SalesChannelId": channel})
	var b bytes.Buffer
	b.Grow(len(head) + int(base64.StdEncoding.EncodedLen(int(w.size))) + 16)
	b.WriteString(`{"ImageData":"`)
	h := sha256.New()
	enc := base64.NewEncoder(base64.StdEncoding, &b)
	n, err := p.read(ctx, w.ref, io.MultiWriter(enc, h))
	if err != nil {
		return nil, err
	}
	enc.Close()
	if n != w.size || !bytes.Equal(h.Sum(nil), w.sum[:]) {
		return nil, errors.New("the picture changed since the plan was made; run again")
	}
	b.WriteString(`",`)
	b.Write(head[1:])
	return b.Bytes(), nil
}

// salesChannel resolves sink.images.sales_channel (name or id) once; by
// default the one sales channel whose ItemCapabilities take images. A
// channel that cannot be found stops the run: every record would fail.
func (p *imagesPart) salesChannel(ctx context.Context) (string, error) {
	p.chOnce.Do(func() {
		def, _ := erp.Resource("salesChannels")
		var list []struct {
			Id, Name         string
			ItemCapabilities struct{ Images bool }
		}
		if err := p.s.c.Get(ctx, def.ListPath, nil, &list); err != nil {
			p.chErr = pipeline.Fatal(fmt.Errorf("images: reading the sales channels: %w", err))
			return
		}
		var takes []string
		for _, sc := range list {
			if p.channel != "" && (strings.EqualFold(sc.Id, p.channel) || strings.EqualFold(sc.Name, p.channel)) {
				if !sc.ItemCapabilities.Images {
					p.chErr = pipeline.Fatal(fmt.Errorf("sink.images.sales_channel %s: the sales channel %s (%s) takes no images", p.channel, sc.Name, sc.Id))
				}
				p.chID = sc.Id
				return
			}
			if sc.ItemCapabilities.Images {
				takes = append(takes, fmt.Sprintf("%s (%s)", sc.Name, sc.Id))
				p.chID = sc.Id
			}
		}
		switch {
		case p.channel != "":
			p.chErr = pipeline.Fatal(fmt.Errorf("sink.images.sales_channel %s: no such sales channel (the Wawi has %s)", p.channel, strings.Join(takes, ", ")))
		case len(takes) == 0:
			p.chErr = pipeline.Fatal(errors.New("images: no sales channel of the Wawi takes images"))
		case len(takes) > 1:
			p.chErr = pipeline.Fatal(fmt.Errorf("images: several sales channels take images (%s): set sink.images.sales_channel", strings.Join(takes, ", ")))
		}
	})
	return p.chID, p.chErr
}

// notePrune remembers the images of the item the record does not name.
func (p *imagesPart) notePrune(item productItem, pl *imagesPlan) {
	var ex []extraImage
	for _, j := range pl.unmatched() {
		ex = append(ex, extraImage{id: pl.have[j].ImageId, name: pl.have[j].Filename})
	}
	p.pruneMu.Lock()
	defer p.pruneMu.Unlock()
	p.extra[item.ID], p.keys[item.ID] = ex, item.Key
}

// imageDeletion is the State of a plan that deletes an image.
type imageDeletion struct {
	p       *imagesPart
	itemID  int64
	imageID int64
}

// prunePlans are the deletions of the images the input does not name,
// items in id order (see pipeline.Pruner); none without sink.prune.
func (p *imagesPart) prunePlans(ctx context.Context) ([]*pipeline.Plan, error) {
	if !p.prune {
		return nil, nil
	}
	p.pruneMu.Lock()
	defer p.pruneMu.Unlock()
	ids := make([]int64, 0, len(p.extra))
	for id := range p.extra {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []*pipeline.Plan
	for _, id := range ids {
		for _, ex := range p.extra[id] {
			key := fmt.Sprintf("%s / Bild %s (%d)", p.keys[id], ex.name, ex.id)
			out = append(out, &pipeline.Plan{Outcome: pipeline.Updated, Key: key,
				State: &imageDeletion{p: p, itemID: id, imageID: ex.id}, Changes: []pipeline.Change{{Field: "(deleted)", Old: key}}})
		}
	}
	return out, nil
}

// applyDelete deletes the image; one already gone (a retry whose first
// answer was lost) counts as deleted.
func (d *imageDeletion) applyDelete(ctx context.Context) error {
	d.p.dropList(d.itemID)
	defer d.p.dropList(d.itemID)
	err := d.p.s.c.Delete(ctx, d.p.def.ListURL(d.itemID)+"/"+strconv.FormatInt(d.imageID, 10), nil)
	if erp.StatusOf(err) == http.StatusNotFound {
		err = nil
	}
	if err != nil {
		return wrapWriteErr(err)
	}
	d.p.pruneMu.Lock()
	d.p.extra[d.itemID] = slices.DeleteFunc(d.p.extra[d.itemID], func(e extraImage) bool { return e.id == d.imageID })
	d.p.pruneMu.Unlock()
	return nil
}

var (
	_ pruningPart  = (*imagesPart)(nil)
	_ partDeletion = (*imageDeletion)(nil)
)
