package erptest

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
)

// Fail500 answers a fraction of the API requests 500 Internal Server Error
// (JTL's ErrorResponse) WITHOUT passing them on, so without acting: GETs as
// well as writes, the read-back of a write in doubt among them. Options'
// FailRate answers 502/503 and LostWriteRate 500/504 after acting; this is
// the 500 a Wawi sends for a passing fault of its own (a deadlock victim).
type Fail500 struct {
	// Rate is the fraction of API requests (below BasePath) answered 500.
	Rate float64
	// Rand draws the faults (nil: seeded from the clock); used under a lock.
	Rand *rand.Rand
	// GetEvery, when > 0, answers every GetEvery-th GET 500 besides the
	// draws: a run has few GETs (index pages, read-backs), and at Rate
	// alone some runs had none of them fail.
	GetEvery int64

	mu      sync.Mutex
	n, gets atomic.Int64
	getSeq  atomic.Int64
}

// Wrap returns h with the faults in front.
func (f *Fail500) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := strings.HasPrefix(r.URL.Path, BasePath+"/")
		nthGet := api && r.Method == http.MethodGet && f.GetEvery > 0 && f.getSeq.Add(1)%f.GetEvery == 0
		if api && (f.draw() || nthGet) {
			f.n.Add(1)
			if r.Method == http.MethodGet {
				f.gets.Add(1)
			}
			writeJSON(w, http.StatusInternalServerError, ErrorResponse{ErrorCode: "InternalServerError",
				ErrorMessage: "An unexpected error occurred (injected fault; nothing was done)."})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (f *Fail500) draw() bool {
	if f.Rate <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Rand == nil {
		f.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return f.Rand.Float64() < f.Rate
}

// Count is how many requests were answered 500, and how many of them GETs.
func (f *Fail500) Count() (all, gets int64) { return f.n.Load(), f.gets.Load() }

// NewServerWrapped is NewServer with wrap around the emulator's handler
// (e.g. Fail500.Wrap).
func NewServerWrapped(opts Options, wrap func(http.Handler) http.Handler) *Server {
	e := NewHandler(opts)
	hs := httptest.NewServer(wrap(e))
	return &Server{Emulator: e, URL: hs.URL + BasePath, RootURL: hs.URL, TokenURL: hs.URL + "/oauth2/token", HTTP: hs}
}
