package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// An import's index of a list that shrinks while it is read fails instead
// of missing the record the shift moved past it: that record's row would
// be created again (and a stock level missing from the stock index read
// as 0).
func TestLoadDocIndexStopsWhenTheListShrinks(t *testing.T) {
	e := newERPEnv(t, descSeed())
	d := e.open(pipeline.SinkSpec{Resource: "items", Operation: "upsert"}, erpTargets("SKU:string", "Name:string")).res.(*keyedSink)
	var mu sync.Mutex
	ids := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
		n = max(n, 1)
		var items []string
		for _, id := range ids[min((n-1)*3, len(ids)):min(n*3, len(ids))] {
			items = append(items, fmt.Sprintf(`{"Id":%d,"SKU":"A-%d","Name":"x"}`, id, id))
		}
		pages := (len(ids) + 2) / 3
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"TotalItems":%d,"PageNumber":%d,"PageSize":3,"TotalPages":%d,"HasNextPage":%v,"Items":[%s]}`,
			len(ids), n, pages, n < pages, strings.Join(items, ","))
		if n == 1 {
			ids = ids[1:] // A-1 deleted: A-4 moves onto page 1, unread
		}
	}))
	defer srv.Close()
	c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", PageSize: 3, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadDocIndex(context.Background(), c, d.def, nil, d.match, d.shape)
	if m != nil {
		m.close()
	}
	if !errors.Is(err, erp.ErrListShrank) {
		t.Fatalf("err %v, want the list's shrinking", err)
	}
}
