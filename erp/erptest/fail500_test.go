package erptest

import (
	"bytes"
	"net/http"
	"testing"
)

func TestFail500AnswersWithoutActing(t *testing.T) {
	f := &Fail500{Rate: 1}
	srv := NewServerWrapped(Options{APIKey: "k"}, f.Wrap)
	defer srv.Close()
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if code := categoriesStatus(t, srv, m); code != 500 {
			t.Errorf("%s: %d", m, code)
		}
	}
	if all, gets := f.Count(); all != 2 || gets != 1 {
		t.Errorf("counted %d, %d GETs", all, gets)
	}
	if c := srv.Counters(); c.Requests != 0 || c.Writes != 0 {
		t.Errorf("the emulator saw %d requests, %d writes", c.Requests, c.Writes)
	}
}

// GetEvery fails every n-th GET whatever the draws say, and nothing else.
func TestFail500GetEvery(t *testing.T) {
	f := &Fail500{GetEvery: 3}
	srv := NewServerWrapped(Options{APIKey: "k"}, f.Wrap)
	defer srv.Close()
	var codes []int
	for i := 0; i < 7; i++ {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			code := categoriesStatus(t, srv, m)
			if m == http.MethodGet {
				codes = append(codes, code)
			} else if code == 500 {
				t.Errorf("POST %d answered 500", i)
			}
		}
	}
	for i, c := range codes {
		if (c == 500) != ((i+1)%3 == 0) {
			t.Errorf("GET %d: %d (all: %v)", i+1, c, codes)
		}
	}
	if all, gets := f.Count(); all != 2 || gets != 2 {
		t.Errorf("counted %d, %d GETs", all, gets)
	}
}

// categoriesStatus sends m /categories (a new category for a POST) and
// returns the status.
func categoriesStatus(t *testing.T, srv *Server, m string) int {
	t.Helper()
	req, _ := http.NewRequest(m, srv.URL+"/categories", bytes.NewReader([]byte(`{"Name":"Neu"}`)))
	req.Header.Set("Authorization", "Wawi k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
