package erp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

const benchPage = `{"TotalItems":2,"PageNumber":1,"PageSize":100,"TotalPages":1,"HasPreviousPage":false,"HasNextPage":false,"NextPageNumber":1,"PreviousPageNumber":1,"Items":[{"Id":1,"SKU":"A-1","Name":"Hammer","Price":19.99},{"Id":2,"SKU":"A-2","Name":"Nail","Price":0.05}]}`

// BenchmarkClientOverhead compares one GET of a small page through the
// client (headers, limiter, semaphore, retry machinery, timeout, decoding
// with UseNumber) with the same GET done by a bare http.Client (same
// headers, same decoding). The client sub-benchmark reports the ratio as
// x-bare.
func BenchmarkClientOverhead(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, benchPage)
	}))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	ctx := context.Background()

	u := srv.URL + "/api/eazybusiness/items?pageNumber=1&pageSize=100"
	bare := func(b *testing.B) {
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Wawi "+testKey)
		req.Header.Set("x-api-key", testKey)
		req.Header.Set("x-appid", "etl/1.0.0")
		req.Header.Set("x-appversion", "1.0.0")
		req.Header.Set("api-version", "1.0")
		res, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bare(b)
		}
	})

	b.Run("client", func(b *testing.B) {
		cfg := testConfig(srv.URL)
		cfg.HTTPClient = hc
		c, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		q := map[string][]string{"pageNumber": {"1"}, "pageSize": {"100"}}
		get := func() {
			var m map[string]any
			if err := c.Get(ctx, "/items", q, &m); err != nil {
				b.Fatal(err)
			}
		}
		// The ratio: both measured now, alternating, so the shared machine's
		// noise hits both alike.
		const n = 300
		var tBare, tClient time.Duration
		for range n {
			t0 := time.Now()
			bare(b)
			t1 := time.Now()
			get()
			tBare += t1.Sub(t0)
			tClient += time.Since(t1)
		}
		b.ReportAllocs()
		for b.Loop() {
			get()
		}
		b.ReportMetric(float64(tClient)/float64(tBare), "x-bare")
	})

	b.Run("pages", func(b *testing.B) {
		cfg := testConfig(srv.URL)
		cfg.HTTPClient = hc
		c, _ := New(cfg)
		b.ReportAllocs()
		for b.Loop() {
			for _, err := range c.List(ctx, "/items", nil, PageOptions{}) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
