package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/testkit"
	"github.com/wawi-etl/etl/pipeline"
)

// An import's index of a list that shrinks while it is read fails instead
// of missing the record the shift moved past it: that record's row would
// be created again (and a stock level missing from the stock index read
// as 0).
func TestLoadDocIndexStopsWhenTheListShrinks(t *testing.T) {
	e := newERPEnv(t, descSeed())
	d := e.open(pipeline.SinkSpec{Resource: "items", Operation: "upsert"}, erpTargets("SKU:string", "Name:string")).res.(*keyedSink)
	var items []string
	for id := 1; id <= 9; id++ {
		items = append(items, fmt.Sprintf(`{"Id":%d,"SKU":"A-%d","Name":"x"}`, id, id))
	}
	srv := httptest.NewServer(testkit.PagedList(func() []string { return items }, func(page int) {
		if page == 1 {
			items = items[1:] // A-1 deleted: A-4 moves onto page 1, unread
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
