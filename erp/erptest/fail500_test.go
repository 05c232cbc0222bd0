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
		req, _ := http.NewRequest(m, srv.URL+"/categories", bytes.NewReader([]byte(`{"Name":"Neu"}`)))
		req.Header.Set("Authorization", "Wawi k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 500 {
			t.Errorf("%s: %d", m, resp.StatusCode)
		}
	}
	if all, gets := f.Count(); all != 2 || gets != 1 {
		t.Errorf("counted %d, %d GETs", all, gets)
	}
	if c := srv.Counters(); c.Requests != 0 || c.Writes != 0 {
		t.Errorf("the emulator saw %d requests, %d writes", c.Requests, c.Writes)
	}
}
