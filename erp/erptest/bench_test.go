package erptest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The benchmark job pages 50,000 items and 100,000 orders: per-request work
// must be O(page). Run with: go test -run '^$' -bench . ./erp/erptest/

var benchEmu = func() func(b *testing.B) *Emulator {
	var e *Emulator
	return func(b *testing.B) *Emulator {
		if e == nil {
			b.StopTimer()
			e = NewHandler(Options{Seed: Generate(GenConfig{Items: 50000, Orders: 100000})})
			b.StartTimer()
		}
		return e
	}
}()

func benchGet(b *testing.B, e *Emulator, path func(i int) string) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := httptest.NewRequest("GET", BasePath+path(i), nil)
		for k, v := range stdHeaders {
			r.Header[k] = v
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

func BenchmarkItemsPage1000(b *testing.B) {
	e := benchEmu(b)
	benchGet(b, e, func(i int) string { return fmt.Sprintf("/items?pageSize=1000&pageNumber=%d", 1+i%50) })
}

func BenchmarkOrdersPage1000(b *testing.B) {
	e := benchEmu(b)
	benchGet(b, e, func(i int) string { return fmt.Sprintf("/salesOrders?pageSize=1000&pageNumber=%d", 1+i%100) })
}

func BenchmarkOrdersCreatedSincePage100(b *testing.B) {
	e := benchEmu(b)
	benchGet(b, e, func(i int) string {
		return fmt.Sprintf("/salesOrders?createdSince=2025-05-01T00:00:00Z&pageSize=100&pageNumber=%d", 1+i%300)
	})
}

func BenchmarkSearchSKU(b *testing.B) {
	e := benchEmu(b)
	benchGet(b, e, func(i int) string { return fmt.Sprintf("/items?searchKeyWord=SKU-%06d", 1+i%50000) })
}

func BenchmarkStockByItem(b *testing.B) {
	e := benchEmu(b)
	benchGet(b, e, func(i int) string { return fmt.Sprintf("/stocks?itemId=%d", 1+i%50000) })
}

func BenchmarkOrderByExternalNumber(b *testing.B) {
	e := benchEmu(b)
	benchGet(b, e, func(i int) string {
		return fmt.Sprintf("/salesOrders?externalOrderNumber=SHOP-%07d", 5000000+1+i%100000)
	})
}

func BenchmarkGenerateBig(b *testing.B) {
	for b.Loop() {
		Generate(GenConfig{Items: 50000, Orders: 100000})
	}
}

func BenchmarkNewBig(b *testing.B) {
	s := Generate(GenConfig{Items: 50000, Orders: 100000})
	for b.Loop() {
		NewHandler(Options{Seed: s})
	}
}

func BenchmarkEncodeItems1000(b *testing.B) {
	s := Generate(GenConfig{Items: 1000})
	p := make([]*Item, len(s.Items))
	for i := range s.Items {
		p[i] = &s.Items[i]
	}
	b.ReportAllocs()
	for b.Loop() {
		jsonReply(200, paginate(p, 1, 1000))
	}
}

func BenchmarkEncodeOrders1000(b *testing.B) {
	s := Generate(GenConfig{Items: 100, Orders: 1000})
	p := make([]*SalesOrder, len(s.Orders))
	for i := range s.Orders {
		p[i] = &s.Orders[i].SalesOrder
	}
	b.ReportAllocs()
	for b.Loop() {
		jsonReply(200, paginate(p, 1, 1000))
	}
}
