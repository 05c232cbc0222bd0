package erptest

import (
	"fmt"
	"net/http"
)

// ItemSpecialPrice is the spec's ItemSpecialPrice: one per item.
type ItemSpecialPrice struct {
	ItemId                       int
	SpecialPrice                 []SpecialPrice
	IsActive                     bool
	StartDate                    Time
	EndDateActive                bool
	EndDate                      Time
	TillAmountActive             bool
	TillAmountInStockSmallerThan int
}

// SpecialPrice is the spec's SpecialPrice: the price of one sales channel
// and customer group.
type SpecialPrice struct {
	IsActive        bool
	CustomerGroupId int
	NetPrice        Dec
	SalesChannelId  string
}

// singleDef serves a record that exists once per parent: GET answers it (a
// blank one before the first PATCH), PATCH merges into it.
type singleDef struct {
	path, parentParam string
	getOp, patchOp    string
}

var itemSpecialPriceDef = &singleDef{path: "/items/{itemId}/specialprices", parentParam: "itemId",
	getOp: "ItemHeader_QueryItemSpecialPriceAsync", patchOp: "ItemHeader_UpdateItemSpecialPriceAsync"}

func (d *singleDef) routes() []route {
	return []route{
		{method: "GET", path: d.path, opID: d.getOp, h: d.serveGet},
		{method: "PATCH", path: d.path, opID: d.patchOp, write: true, h: d.servePatch},
	}
}

func (d *singleDef) paths() (list, item, param string, paged bool) { return d.path, d.path, "", false }

// current is the item's special price, or the blank one; e.mu is held.
func (st *store) specialPrice(item int) *ItemSpecialPrice {
	if sp := st.specialPrices[item]; sp != nil {
		return sp
	}
	return &ItemSpecialPrice{ItemId: item, SpecialPrice: []SpecialPrice{}}
}

func (d *singleDef) serveGet(e *Emulator, c *call) reply {
	id, ok := c.pathID(d.parentParam)
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !ok || e.st.itemByID[id] == nil {
		return notFound("item", c.r.PathValue(d.parentParam))
	}
	return jsonReply(http.StatusOK, e.st.specialPrice(id))
}

func (d *singleDef) servePatch(e *Emulator, c *call) reply {
	id, ok := c.pathID(d.parentParam)
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	if !ok || st.itemByID[id] == nil {
		return notFound("item", c.r.PathValue(d.parentParam))
	}
	rec, bad := (&collectionDef[ItemSpecialPrice]{}).decode(c, d.patchOp, st.specialPrice(id))
	if bad != nil {
		return *bad
	}
	rec.ItemId = id
	if rec.SpecialPrice == nil {
		rec.SpecialPrice = []SpecialPrice{}
	}
	if verrs := checkSpecialPrice(st, rec); len(verrs) > 0 {
		return validationReply(verrs)
	}
	st.specialPrices[id] = rec
	st.version++
	return noContent()
}

// checkSpecialPrice: an end date when EndDateActive, after the start; known
// sales channels that take special prices, and known customer groups.
func checkSpecialPrice(st *store, sp *ItemSpecialPrice) map[string]string {
	if sp.EndDateActive && sp.EndDate.IsZero() {
		return map[string]string{"EndDate": "EndDate is required when EndDateActive is set."}
	}
	if sp.EndDateActive && !sp.StartDate.IsZero() && sp.EndDate.Before(sp.StartDate.Time) {
		return map[string]string{"EndDate": "The special price cannot end before it starts."}
	}
	for i, p := range sp.SpecialPrice {
		if sc := st.salesChannel(p.SalesChannelId); sc == nil || !sc.ItemCapabilities.SpecialPrices {
			return map[string]string{fmt.Sprintf("SpecialPrice[%d].SalesChannelId", i): fmt.Sprintf("The sales channel %q does not exist or takes no special prices.", p.SalesChannelId)}
		}
		if p.CustomerGroupId != 0 && st.customerGroups.get(p.CustomerGroupId) == nil {
			return map[string]string{fmt.Sprintf("SpecialPrice[%d].CustomerGroupId", i): fmt.Sprintf("The customer group %d does not exist.", p.CustomerGroupId)}
		}
	}
	return nil
}

// ItemSpecialPrices returns the special prices set, by item.
func (e *Emulator) ItemSpecialPrices() map[int]ItemSpecialPrice {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make(map[int]ItemSpecialPrice, len(e.st.specialPrices))
	for k, v := range e.st.specialPrices {
		out[k] = *v
	}
	return out
}
