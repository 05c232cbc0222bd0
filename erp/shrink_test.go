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

// A look-up table whose list shrinks while it is read (a category deleted
// meanwhile) is read again: the category shifted past the pages read is
// found, not created a second time. A list that shrinks at every read
// ends the look-up with the error.
func TestLookupTableReadAgainWhenTheListShrinks(t *testing.T) {
	for _, always := range []bool{false, true} {
		var items []string
		for id := 1; id <= 9; id++ {
			items = append(items, fmt.Sprintf(`{"Id":%d,"Name":"Cat-%d","ParentCategoryId":0}`, id, id))
		}
		reads, posts := 0, 0
		list := testkit.PagedList(func() []string { return items }, func(page int) {
			if page == 1 {
				reads++
				if reads == 1 || always {
					items = items[1:] // the first goes: Cat-4 moves onto page 1, read already
				}
			}
		})
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				posts++
				writeJSON(w, 201, map[string]any{"Id": 99, "Name": "Cat-4"})
				return
			}
			list.ServeHTTP(w, r)
		}), func(c *Config) { c.PageSize = 3; c.Concurrency = 1 })
		id, found, err := NewLookups(c).Resolve(context.Background(), "categories", "Cat-4", true)
		if always {
			if !errors.Is(err, ErrListShrank) || posts != 0 || reads != readAllTries {
				t.Errorf("shrinking at every read: %v, %v, %v after %d reads, %d creates", id, found, err, reads, posts)
			}
			continue
		}
		if err != nil || !found || id != int64(4) || posts != 0 || reads != 2 {
			t.Errorf("Cat-4: %v (found %v, %v) after %d reads, %d creates; want 4, found, read twice, none created", id, found, err, reads, posts)
		}
	}
}
