package erptest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestSmoke(t *testing.T) {
	s := NewServer(Options{Validate: true, Seed: Generate(GenConfig{Items: 5, Orders: 3})})
	defer s.Close()
	for _, p := range []string{"GET /info", "GET /items", "GET /items/1", "GET /stocks", "GET /salesOrders", "GET /salesOrders/1/lineitems", "GET /customers", "GET /categories", "GET /warehouses", "GET /companies", "GET /paymentMethods", "GET /shippingMethods", "GET /manufacturers", "GET /stocks/changes",
		`POST /items {"Name":"x","Categories":[{"CategoryId":1}],"ItemPriceData":{"SalesPriceNet":1.10}}`, `POST /stocks {"ItemId":1,"WarehouseId":1,"Quantity":2.5}`, `PATCH /items/1 {"Name":"y"}`} {
		m, rest, _ := strings.Cut(p, " ")
		path, body, _ := strings.Cut(rest, " ")
		var rb io.Reader
		if body != "" {
			rb = strings.NewReader(body)
		}
		r, _ := http.NewRequest(m, s.URL+path, rb)
		r.Header.Set("Authorization", "Wawi k")
		r.Header.Set("x-appid", "t/1")
		r.Header.Set("x-appversion", "1")
		r.Header.Set("api-version", "1.0")
		r.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if len(b) > 300 {
			b = b[:300]
		}
		t.Logf("%s -> %d %s", p, resp.StatusCode, b)
	}
	for _, v := range s.ContractViolations() {
		t.Error(v)
	}
}
