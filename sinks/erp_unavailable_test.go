package sinks

import (
	"context"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// A Wawi that answers 503 to everything for longer than the client's
// retries stops the run (a fatal error) instead of failing one record after
// the other, each after the whole retry budget: reads while planning and
// writes alike.
func TestERPUnavailableIsFatal(t *testing.T) {
	for _, c := range []struct {
		name string
		spec pipeline.SinkSpec
		tg   []string
		row  []any
	}{
		{"items", pipeline.SinkSpec{Resource: "items", Operation: "update"}, []string{"SKU:string", "Name:string"}, []any{"A-1", "Schraube M4"}},
		{"stocks", pipeline.SinkSpec{Resource: "stocks", Operation: "set"}, []string{"SKU:string", "WarehouseId:int", "Quantity:decimal"}, []any{"A-1", int64(1), erpDec("12")}},
		{"orders", pipeline.SinkSpec{Resource: "salesOrders"}, []string{"ExternalNumber:string", "CustomerId:int", "CompanyId:int", "LineItems[0].SKU:string", "LineItems[0].Quantity:decimal"},
			[]any{"SHOP-9", int64(1), int64(1), "A-1", erpDec("1")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tg := erpTargets(c.tg...)
			// planning against a Wawi that is down
			e := newERPEnvWith(t, baseSeed(), erpEnvOpts{})
			s := e.open(c.spec, tg)
			e.srv.SetFaults(erptest.Faults{FailRate: 1})
			if _, err := s.Plan(context.Background(), erpItem(tg, 2, c.row)); !pipeline.IsFatal(err) {
				t.Errorf("plan: %v, want a fatal error", err)
			}
			// writing when it went down after the plan
			e = newERPEnvWith(t, baseSeed(), erpEnvOpts{})
			s = e.open(c.spec, tg)
			p, err := s.Plan(context.Background(), erpItem(tg, 2, c.row))
			if err != nil || (p.Outcome != pipeline.Updated && p.Outcome != pipeline.Created) {
				t.Fatalf("plan: %v %v", p, err)
			}
			e.srv.SetFaults(erptest.Faults{FailRate: 1})
			if err := s.Apply(context.Background(), p); !pipeline.IsFatal(err) {
				t.Errorf("apply: %v, want a fatal error", err)
			}
		})
	}
}
