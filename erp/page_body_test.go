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
