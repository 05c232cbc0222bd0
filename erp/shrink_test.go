package erp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/internal/testkit"
)

// shrinkingList serves 9 records, 3 a page, and drops the first after
// page 1 was served: the fourth moves onto page 1, unread.
func shrinkingList() http.Handler {
	var items []string
	for id := 1; id <= 9; id++ {
		items = append(items, fmt.Sprintf(`{"Id":%d,"SKU":"A-%d"}`, id, id))
	}
	return testkit.PagedList(func() []string { return items }, func(page int) {
		if page == 1 {
			items = items[1:]
		}
	})
}

func TestListShrink(t *testing.T) {
	for _, c := range []struct {
		totals []int
		shrank bool
		at     int // the first page at which page reports it
	}{
		{[]int{10, 10, 10, 10}, false, 0},
		{[]int{10, 11, 12, 12}, false, 0}, // grown: the pager reads on
		{[]int{10, 10, 9, 9}, true, 3},
		{[]int{10, 12, 11, 11}, false, 0}, // back from 12, still above the first
		{[]int{0, 0, 0}, false, 0},        // not counted by the server
	} {
		var l ShrinkWatch
		at := 0
		for i, n := range c.totals {
			if l.Page(&Page{TotalItems: n, PageNumber: i + 1}) && at == 0 {
				at = i + 1
			}
		}
		if l.Shrank() != c.shrank || at != c.at {
			t.Errorf("%v: shrank %v at page %d, want %v at %d", c.totals, l.Shrank(), at, c.shrank, c.at)
		}
	}
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
