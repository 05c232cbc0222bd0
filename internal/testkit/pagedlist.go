package testkit

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// PagedList serves a Wawi list (the PagedList envelope) of the JSON
// records items returns, pageSize from the query (default 3) a page.
// served, if not nil, runs after each page is written, under the same
// lock as items: a test changes the list there while it is being paged.
func PagedList(items func() []string, served func(page int)) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
		size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
		n = max(n, 1)
		if size <= 0 {
			size = 3
		}
		all := items()
		pages := (len(all) + size - 1) / size
		page := all[min((n-1)*size, len(all)):min(n*size, len(all))]
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"TotalItems":%d,"PageNumber":%d,"PageSize":%d,"TotalPages":%d,"HasPreviousPage":%v,"HasNextPage":%v,"Items":[%s]}`,
			len(all), n, size, pages, n > 1, n < pages, strings.Join(page, ","))
		if served != nil {
			served(n)
		}
	})
}
