package erp

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// A page sent without Content-Length (chunked) is read into a buffer sized
// by the page before and handed to the caller as it is: about one body's
// worth of memory a page, where a growing buffer and a copy took three.
func TestChunkedPagesAllocateOneBody(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	items := make([]string, 2000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"Id":%d,"Name":"%s"}`, i, strings.Repeat("x", 400))
	}
	page := func(n int) []byte {
		return fmt.Appendf(nil, `{"TotalItems":6000,"PageNumber":%d,"PageSize":2000,"TotalPages":3,"Items":[%s]}`, n, strings.Join(items, ","))
	}
	bodies := [][]byte{nil, page(1), page(2), page(3)}
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get(QueryPageNumber), &n)
		w.Header().Set("Content-Type", "application/json")
		b := bodies[n]
		for len(b) > 0 { // in pieces, flushed: no Content-Length
			k := min(len(b), 64<<10)
			w.Write(b[:k])
			w.(http.Flusher).Flush()
			b = b[k:]
		}
	}), nil)
	ctx := context.Background()
	if _, _, err := c.fetchPage(ctx, "/items", nil, 1, 2000); err != nil {
		t.Fatal(err)
	}
	for n := 2; n <= 3; n++ {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p, _, err := c.fetchPage(ctx, "/items", nil, n, 2000)
		runtime.ReadMemStats(&after)
		if err != nil || len(p.Items) != 2000 || p.PageNumber != n {
			t.Fatalf("page %d: %v", n, err)
		}
		size := len(bodies[n])
		// the items' slices and the transport's buffers come on top of
		// the body
		got := after.TotalAlloc - before.TotalAlloc
		if got > uint64(size)*16/10 {
			t.Errorf("page %d: %d bytes allocated for a body of %d", n, got, size)
		}
	}
}

// A released page's body is where the next page is read: no page-sized
// allocation (zeroed and faulted in anew) per page of a long list.
func TestReleasedPageBodyIsReadIntoAgain(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own and drops pooled buffers")
	}
	items := make([]string, 2000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"Id":%d,"Name":"%s"}`, i, strings.Repeat("x", 400))
	}
	body := fmt.Appendf(nil, `{"TotalItems":6000,"PageNumber":1,"PageSize":2000,"TotalPages":3,"Items":[%s]}`, strings.Join(items, ","))
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}), nil)
	ctx := context.Background()
	first, _, err := c.fetchPage(ctx, "/items", nil, 1, 2000)
	if err != nil {
		t.Fatal(err)
	}
	at := &first.buf[0]
	first.Release()
	if first.Items != nil {
		t.Error("a released page still has its items")
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, _, err := c.fetchPage(ctx, "/items", nil, 2, 2000)
	runtime.ReadMemStats(&after)
	if err != nil || len(p.Items) != 2000 || string(p.Items[1999]) != items[1999] {
		t.Fatalf("page 2 after a release: %v", err)
	}
	if &p.buf[0] != at {
		t.Error("page 2 was not read into page 1's released body")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(len(body))/4 {
		t.Errorf("%d bytes allocated for a page of %d read into a released body", got, len(body))
	}
	p.Release()
	p.Release() // twice is harmless
}
