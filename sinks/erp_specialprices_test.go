package sinks

import (
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/pipeline"
)

// An item's special price is one record per item (no key of its own):
// always there, so only updated; every PATCH carries IsActive, which the
// update schema requires; the period is a start and an end date.
func TestERPItemSpecialPrices(t *testing.T) {
	e := newERPEnv(t, priceSeed())
	tg := erpTargets("Item.SKU:string", "IsActive:bool", "StartDate:datetime", "EndDateActive:bool", "EndDate:datetime",
		"SpecialPrice[0].SalesChannelId:string", "SpecialPrice[0].CustomerGroupId:int", "SpecialPrice[0].NetPrice:decimal", "SpecialPrice[0].IsActive:bool")
	start, end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)
	row := []any{"A-1", true, start, true, end, "2-1-1", int64(1), erpDec("7.99"), true}
	s := e.open(pipeline.SinkSpec{Resource: "items/specialprices"}, tg)
	plans, errs := runRows(t, s, tg, 1, [][]any{row})
	noErrors(t, errs)
	if plans[0].Outcome != pipeline.Updated || plans[0].Key != "A-1" {
		t.Fatalf("plan %v %q %v", plans[0].Outcome, plans[0].Key, plans[0].Err)
	}
	sp := e.srv.ItemSpecialPrices()[1]
	if !sp.IsActive || !sp.EndDate.Equal(end) || len(sp.SpecialPrice) != 1 || sp.SpecialPrice[0].NetPrice.String() != "7.99" {
		t.Fatalf("stored %+v", sp)
	}
	// the same row again: nothing; a new end date: a PATCH with it and IsActive
	again := e.open(pipeline.SinkSpec{Resource: "items/specialprices"}, tg)
	if p := planAll(t, again, tg, 1, [][]any{row}); p[0].Outcome != pipeline.Unchanged {
		t.Fatalf("again %v %v", p[0].Outcome, p[0].Changes)
	}
	row2 := append([]any(nil), row...)
	row2[4] = time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	_, errs = runRows(t, again, tg, 1, [][]any{row2})
	noErrors(t, errs)
	p := e.rec.sent("PATCH", "/items/")
	if len(p) != 2 || p[1].Path != "/items/1/specialprices" || !strings.Contains(p[1].Body, `"IsActive":true`) || !strings.Contains(p[1].Body, `"EndDate":"2026-12-31`) || strings.Contains(p[1].Body, "StartDate") {
		t.Errorf("PATCH %+v", p)
	}
	// operations and the required IsActive are checked when the job opens
	if _, err := e.openErr(pipeline.SinkSpec{Resource: "items/specialprices"}, erpTargets("Item.SKU:string", "StartDate:datetime")); err == nil || !strings.Contains(err.Error(), "add a target IsActive") {
		t.Errorf("no IsActive: %v", err)
	}
	if _, err := e.openErr(pipeline.SinkSpec{Resource: "items/specialprices", Operation: "create"}, tg); err == nil || !strings.Contains(err.Error(), "specialprices take update") {
		t.Errorf("create: %v", err)
	}
}
