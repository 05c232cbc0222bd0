package erp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// shrinkingList serves 9 records, 3 a page, and drops the first after
// page 1 was served: the fourth moves onto page 1, unread.
func shrinkingList() http.Handler {
	var mu sync.Mutex
	ids := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
		n = max(n, 1)
		var items []string
		for _, id := range ids[min((n-1)*3, len(ids)):min(n*3, len(ids))] {
			items = append(items, fmt.Sprintf(`{"Id":%d,"SKU":"A-%d"}`, id, id))
		}
		pages := (len(ids) + 2) / 3
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"TotalItems":%d,"PageNumber":%d,"PageSize":3,"TotalPages":%d,"HasNextPage":%v,"Items":[%s]}`,
			len(ids), n, pages, n < pages, strings.Join(items, ","))
		if n == 1 {
			ids = ids[1:]
		}
	})
}

// With Complete, List ends with ErrListShrank when a later page counts
// fewer records than the first; without, it reads on (the record lost).
func TestListCompleteStopsWhenTheListShrinks(t *testing.T) {
	for _, complete := range []bool{true, false} {
		c, _ := newTestClient(t, shrinkingList(), nil)
		var skus []string
		var err error
		for rec, e := range c.List(context.Background(), "/items", nil, PageOptions{PageSize: 3, Parallel: 1, Complete: complete}) {
			if e != nil {
				err = e
				break
			}
			skus = append(skus, rec["SKU"].(string))
		}
		if complete {
			if !errors.Is(err, ErrListShrank) || !strings.Contains(err.Error(), "(9 records at the first page, 8 at page 2)") {
				t.Errorf("complete: err %v", err)
			}
			continue
		}
		if err != nil || strings.Join(skus, " ") != "A-1 A-2 A-3 A-5 A-6 A-7 A-8 A-9" {
			t.Errorf("not complete: %v %v", skus, err)
		}
	}
}
