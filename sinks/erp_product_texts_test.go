package sinks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

var textTargets = erpTargets("SKU:string:Artikelnummer", "Name:string:Bezeichnung", "Categories[0].CategoryId:int:Kategorie",
	"Descriptions.de.Name:string:Bezeichnung", "Descriptions.de.Description:string:Beschreibung_de",
	"descriptions.EN.name:string:Name_en", "Descriptions.en.Description:string:Beschreibung_en",
	"Descriptions.en@2-1-1.Name:string:Name_en_shop")

func textSeed() *erptest.Seed {
	s := baseSeed()
	s.ItemDescriptions = []erptest.ItemDescription{
		{ItemId: 1, SalesChannelId: "1-1-1", LanguageIso: "de", Name: "Schraube", Description: "<p>alt</p>"},
		{ItemId: 2, SalesChannelId: "1-1-1", LanguageIso: "de", Name: "Mutter", Description: "<p>M8</p>"},
	}
	return s
}

const html = "<p>Verzinkt &amp; <b>rostfrei</b></p>\r\n<ul><li>M6</li></ul>  "

// Texts per language and sales channel: read once per item, compared byte
// for byte, POSTed when new, PATCHed field by field when changed, nothing
// when unchanged; the diff has a sub-row per field; the default sales
// channel is the Wawi's own.
func TestProductTextsPlanApply(t *testing.T) {
	e := newERPEnv(t, textSeed())
	s := e.open(pipeline.SinkSpec{Resource: "items"}, textTargets)
	rows := [][]any{
		{"A-1", "Schraube", int64(1), "Schraube", html, "Screw", nil, "Screw | Shop"}, // de changes, en new, shop text new
		{"A-2", "Mutter", int64(1), "Mutter", "<p>M8</p>", nil, nil, nil},             // unchanged
		{"N-1", "Neu", int64(1), "Neu", "<p>neu</p>", "New", "<p>new</p>", nil},       // new item with texts
		{"A-10", "Dübel", int64(1), nil, nil, nil, "<p>plug</p>", nil},                // a new text without a name
	}
	plans := planAll(t, s, textTargets, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[updated unchanged created failed]" {
		t.Fatalf("outcomes %s (%v)", got, plans[0].Err)
	}
	want := "[{Text de: Description <p>alt</p> " + html + "} {Text en: Name <nil> Screw} {Text en@2-1-1: Name <nil> Screw | Shop}]"
	if got := fmt.Sprint(plans[0].Changes); got != want {
		t.Errorf("A-1 changes\n%s\nwant\n%s", got, want)
	}
	if got := fmt.Sprint(plans[2].Changes[3:]); got != "[{Text de: Name <nil> Neu} {Text de: Description <nil> <p>neu</p>} {Text en: Name <nil> New} {Text en: Description <nil> <p>new</p>}]" {
		t.Errorf("N-1 changes %s", got)
	}
	var fe *FieldError
	if msg := fmt.Sprint(plans[3].Err); !strings.HasPrefix(msg, "Texte: ") || !strings.Contains(msg, "needs a Name") ||
		!errors.As(plans[3].Err, &fe) || fe.Column != "Name_en" {
		t.Errorf("A-10: %s", msg)
	}
	noErrors(t, applyAll(t, s, plans, 1))
	if p := e.rec.sent("PATCH", "/items/"); len(p) != 1 || p[0].Path != "/items/1/descriptions/1-1-1/de" ||
		p[0].Body != `{"Description":"<p>Verzinkt \u0026amp; \u003cb\u003erostfrei\u003c/b\u003e\u003c/p\u003e\r\n\u003cul\u003e\u003cli\u003eM6\u003c/li\u003e\u003c/ul\u003e  "}` &&
			p[0].Body != `{"Description":"<p>Verzinkt &amp; <b>rostfrei</b></p>\r\n<ul><li>M6</li></ul>  "}` {
		t.Errorf("PATCH %+v", p)
	}
	n1, _ := e.srv.ItemBySKU("N-1")
	var posts []string
	for _, p := range e.rec.sent("POST", "/items/") {
		posts = append(posts, p.Path)
	}
	wantPosts := fmt.Sprintf("[/items/1/descriptions /items/1/descriptions /items/%d/descriptions /items/%d/descriptions]", n1.Id, n1.Id)
	if got := fmt.Sprint(posts); got != wantPosts {
		t.Errorf("POSTs %s, want %s", got, wantPosts)
	}
	if n := e.route("GET /items/{itemId}/descriptions"); n != 3 {
		t.Errorf("texts read %d times, want once per existing item (A-1, A-2, A-10)", n)
	}
	if n := e.route("GET /salesChannels"); n != 1 {
		t.Errorf("sales channels read %d times", n)
	}
	got := map[string]erptest.ItemDescription{}
	for _, d := range e.srv.ItemDescriptions() {
		got[fmt.Sprintf("%d/%s/%s", d.ItemId, d.SalesChannelId, strings.ToLower(d.LanguageIso))] = d
	}
	if d := got["1/1-1-1/de"]; d.Description != html || d.Name != "Schraube" {
		t.Errorf("A-1 de: %+v", d)
	}
	if d := got["1/2-1-1/en"]; d.Name != "Screw | Shop" {
		t.Errorf("A-1 en in the shop: %+v", d)
	}
	if d := got[fmt.Sprintf("%d/1-1-1/en", n1.Id)]; d.Name != "New" || d.Description != "<p>new</p>" {
		t.Errorf("N-1 en: %+v", d)
	}

	// the second run writes nothing and reads each item's texts once
	writes, reads := e.writes(), e.route("GET /items/{itemId}/descriptions")
	again := e.open(pipeline.SinkSpec{Resource: "items"}, textTargets)
	plans = planAll(t, again, textTargets, 4, rows[:3])
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged]" {
		t.Errorf("second run %s: %v %v", got, plans[0].Changes, plans[2].Changes)
	}
	planAll(t, again, textTargets, 4, rows[:3]) // the writing pass plans again
	if e.writes() != writes {
		t.Errorf("second run wrote %d", e.writes()-writes)
	}
	if n := e.route("GET /items/{itemId}/descriptions") - reads; n != 3 {
		t.Errorf("second run read texts %d times over two passes, want 3 (once per item)", n)
	}
}

// faultyPosts lets skip POSTs below prefix through, then answers the next
// n itself: refused (400, nothing done) or, with lost, performed and
// answered 504. With body set, only POSTs whose body contains it count
// (a product's texts are written concurrently: their order is not fixed).
type faultyPosts struct {
	next    http.RoundTripper
	prefix  string
	mu      sync.Mutex
	skip, n int
	lost    bool
	body    string
}

func (f *faultyPosts) set(skip, n int, lost bool) {
	f.mu.Lock()
	f.skip, f.n, f.lost = skip, n, lost
	f.mu.Unlock()
}

func (f *faultyPosts) only(body string) {
	f.mu.Lock()
	f.body = body
	f.mu.Unlock()
}

func (f *faultyPosts) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	hit := false
	match := f.body == ""
	if !match && r.Body != nil && r.Method == http.MethodPost {
		raw, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			f.mu.Unlock()
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		match = bytes.Contains(raw, []byte(f.body))
	}
	if match && r.Method == http.MethodPost && strings.Contains(r.URL.Path, f.prefix) {
		if f.skip > 0 {
			f.skip--
		} else if f.n > 0 {
			f.n--
			hit = true
		}
	}
	lost := f.lost
	f.mu.Unlock()
	if !hit {
		return f.next.RoundTrip(r)
	}
	status, msg := http.StatusBadRequest, `{"ErrorCode":"ValidationFailed","ErrorMessage":"injected refusal"}`
	if lost {
		resp, err := f.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status, msg = http.StatusGatewayTimeout, `{"ErrorCode":"GatewayTimeout","ErrorMessage":"injected: the answer was lost"}`
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(msg)), Request: r}, nil
}

// A text that fails fails its product's record, naming the part; the
// item and the texts written before stay, and the rerun writes only what
// is missing. A POST whose answer was lost is read back, not repeated.
func TestProductTextsFaultRerun(t *testing.T) {
	e := newERPEnv(t, textSeed())
	f := &faultyPosts{next: e.rec.next, prefix: "/descriptions"}
	e.rec.next = f
	row := []any{"N-2", "Neu 2", int64(1), "Neu 2", "<p>neu 2</p>", "New 2", "<p>new 2</p>", nil}
	f.set(0, 1, false) // the de text lands, en is refused
	f.only(`"LanguageIso":"en"`)
	s := e.open(pipeline.SinkSpec{Resource: "items"}, textTargets)
	plans, errs := runRows(t, s, textTargets, 1, [][]any{row})
	if plans[0].Outcome != pipeline.Created {
		t.Fatalf("plan %v", plans[0])
	}
	err := errs[0]
	if msg := fmt.Sprint(err); !strings.HasPrefix(msg, "Texte: text en: ") || !strings.Contains(msg, "injected refusal") {
		t.Fatalf("apply: %v", err)
	}
	if pipeline.IsFatal(err) {
		t.Error("a refused text stops the run")
	}
	n2, ok := e.srv.ItemBySKU("N-2")
	if !ok {
		t.Fatal("N-2 not created")
	}
	count := func(id int) int {
		n := 0
		for _, d := range e.srv.ItemDescriptions() {
			if d.ItemId == id {
				n++
			}
		}
		return n
	}
	if n := count(n2.Id); n != 1 {
		t.Fatalf("N-2 has %d texts after the failure, want de only", n)
	}

	// the rerun: the item is there, de too; en is written once
	posts := len(e.rec.sent("POST", "/items"))
	again := e.open(pipeline.SinkSpec{Resource: "items"}, textTargets)
	plans, errs = runRows(t, again, textTargets, 1, [][]any{row})
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[updated]" {
		t.Fatalf("rerun %s", got)
	}
	if got := fmt.Sprint(plans[0].Changes); got != "[{Text en: Name <nil> New 2} {Text en: Description <nil> <p>new 2</p>}]" {
		t.Errorf("rerun changes %s", got)
	}
	sent := e.rec.sent("POST", "/items")[posts:]
	if len(sent) != 1 || sent[0].Path != fmt.Sprintf("/items/%d/descriptions", n2.Id) {
		t.Errorf("rerun POSTs %+v", sent)
	}
	if n := count(n2.Id); n != 2 || e.srv.Counters().DuplicatesPrevented != 0 {
		t.Errorf("N-2 has %d texts, %d duplicates refused", n, e.srv.Counters().DuplicatesPrevented)
	}

	// a lost answer: the POST landed, the read-back says so, no second POST
	f.set(0, 1, true)
	f.only("")
	row3 := []any{"N-3", "Neu 3", int64(1), "Neu 3", nil, nil, nil, nil}
	s = e.open(pipeline.SinkSpec{Resource: "items"}, textTargets)
	_, errs = runRows(t, s, textTargets, 1, [][]any{row3})
	noErrors(t, errs)
	n3, _ := e.srv.ItemBySKU("N-3")
	if n := count(n3.Id); n != 1 || e.srv.Counters().DuplicatesPrevented != 0 || len(e.rec.sent("POST", fmt.Sprintf("/items/%d/", n3.Id))) != 1 {
		t.Errorf("N-3 has %d texts, %d duplicates refused", n, e.srv.Counters().DuplicatesPrevented)
	}
}

// Targets of texts that name no language or no field are refused where
// the job names them.
func TestProductTextsTargets(t *testing.T) {
	ctx := context.Background()
	spec := &pipeline.SinkSpec{Type: "erp", Resource: "items"}
	for _, c := range []struct{ target, want string }{
		{"Descriptions.Name", "texts are named Descriptions.<language>.<field>"},
		{"Descriptions.deutsch.Name", `"deutsch" is not a language's ISO code`},
		{"Descriptions.de.Titel", `"Titel" is not a field of a text (fields: Name, Description`},
		{"Descriptions.de@.Name", "the sales channel after @ is empty"},
	} {
		err := checkERPTargets(ctx, spec, erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int", c.target+":string"))
		var tes pipeline.TargetErrors
		if !errors.As(err, &tes) || len(tes) != 1 || tes[0].Target != c.target || !strings.Contains(tes[0].Msg, c.want) {
			t.Errorf("%s: %v", c.target, err)
		}
	}
	ok := erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int", "Descriptions.de.SeoPath:string", "DESCRIPTIONS.en@2-1-1.seometakeywords:string")
	if err := checkERPTargets(ctx, spec, ok); err != nil {
		t.Errorf("valid: %v", err)
	}
}

// A text that appeared after the plan (the Wawi makes one when it creates
// an item, from the item's name): the POST is refused as a duplicate, the
// texts are read again and what differs is PATCHed.
func TestProductTextsAppearedSincePlan(t *testing.T) {
	e := newERPEnv(t, textSeed())
	s := e.open(pipeline.SinkSpec{Resource: "items"}, textTargets)
	p, err := s.Plan(context.Background(), erpItem(textTargets, 2, []any{"A-1", "Schraube", int64(1), "Schraube", "<p>alt</p>", "Screw", "<p>screw</p>", nil}))
	if err != nil || p.Outcome != pipeline.Updated {
		t.Fatalf("plan %v %v", p, err)
	}
	body := map[string]any{"SalesChannelId": "1-1-1", "LanguageIso": "en", "Name": "Screw"}
	if err := e.c.Post(context.Background(), "/items/1/descriptions", nil, body, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if d := e.srv.Counters().DuplicatesPrevented; d != 1 {
		t.Errorf("%d POSTs refused as duplicates, want the one", d)
	}
	if p := e.rec.sent("PATCH", "/items/"); len(p) != 1 || p[0].Path != "/items/1/descriptions/1-1-1/en" || p[0].Body != `{"Description":"\u003cp\u003escrew\u003c/p\u003e"}` && p[0].Body != `{"Description":"<p>screw</p>"}` {
		t.Errorf("PATCH %+v", p)
	}
	var en []erptest.ItemDescription
	for _, d := range e.srv.ItemDescriptions() {
		if d.ItemId == 1 && d.LanguageIso == "en" {
			en = append(en, d)
		}
	}
	if len(en) != 1 || en[0].Name != "Screw" || en[0].Description != "<p>screw</p>" {
		t.Errorf("en texts %+v", en)
	}
}

// pairedPosts holds the first POST below prefix until a second one arrives
// (or, failing that, a bound passes and alone is set).
type pairedPosts struct {
	next   http.RoundTripper
	prefix string
	mu     sync.Mutex
	n      int
	both   chan struct{}
	alone  atomic.Bool
}

func (p *pairedPosts) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.Contains(r.URL.Path, p.prefix) {
		p.mu.Lock()
		p.n++
		first := p.n == 1
		if p.n == 2 {
			close(p.both)
		}
		p.mu.Unlock()
		if first {
			t := time.NewTimer(10 * time.Second)
			select {
			case <-p.both:
			case <-t.C:
				p.alone.Store(true)
			}
			t.Stop()
		}
	}
	return p.next.RoundTrip(r)
}

// A product's texts in two languages are written at the same time, not
// one after the other: the first POST is held until the second arrives.
func TestProductTextsWrittenConcurrently(t *testing.T) {
	e := newERPEnv(t, textSeed())
	pp := &pairedPosts{next: e.rec.next, prefix: "/descriptions", both: make(chan struct{})}
	e.rec.next = pp
	row := []any{"N-4", "Neu 4", int64(1), "Neu 4", "<p>neu 4</p>", "New 4", "<p>new 4</p>", nil}
	s := e.open(pipeline.SinkSpec{Resource: "items"}, textTargets)
	_, errs := runRows(t, s, textTargets, 1, [][]any{row})
	noErrors(t, errs)
	if pp.alone.Load() {
		t.Error("the texts were written one after the other")
	}
	n4, _ := e.srv.ItemBySKU("N-4")
	if n := len(e.rec.sent("POST", fmt.Sprintf("/items/%d/descriptions", n4.Id))); n != 2 {
		t.Errorf("%d texts posted, want 2", n)
	}
}
