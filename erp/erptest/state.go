package erptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// State access for tests. Every method is safe for concurrent use and
// returns copies.

// Items returns every item, ordered by Id.
func (e *Emulator) Items() []Item {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Item, len(e.st.items))
	for i, it := range e.st.items {
		out[i] = *it
	}
	return out
}

// Item returns the item with the given Id.
func (e *Emulator) Item(id int) (Item, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if it := e.st.itemByID[id]; it != nil {
		return *it, true
	}
	return Item{}, false
}

// ItemBySKU returns the item with the given SKU (case-insensitive).
func (e *Emulator) ItemBySKU(sku string) (Item, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if it := e.st.itemBySKU[strings.ToLower(sku)]; it != nil {
		return *it, true
	}
	return Item{}, false
}

// Stock returns an item's stock in a warehouse, summed over storage
// locations and batches; warehouseID 0 sums all warehouses.
func (e *Emulator) Stock(itemID, warehouseID int) decimal.Decimal {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.st.stockOf(itemID, warehouseID)
}

// StockRows returns every stock row (ordered by item, warehouse, location).
func (e *Emulator) StockRows() []Stock {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Stock, len(e.st.stockAll))
	for i, r := range e.st.stockAll {
		out[i] = *r
	}
	return out
}

// StockChanges returns the stock adjustments posted, oldest first.
func (e *Emulator) StockChanges() []StockChange {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return append([]StockChange(nil), e.st.changes...)
}

// Orders returns every sales order, ordered by Id.
func (e *Emulator) Orders() []SalesOrder {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]SalesOrder, len(e.st.orders))
	for i, o := range e.st.orders {
		out[i] = *o
	}
	return out
}

// Order returns the sales order with the given Id.
func (e *Emulator) Order(id int) (SalesOrder, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if o := e.st.orderByID[id]; o != nil {
		return *o, true
	}
	return SalesOrder{}, false
}

// OrderByNumber returns the sales order with the given number.
func (e *Emulator) OrderByNumber(number string) (SalesOrder, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if o := e.st.orderByNum[strings.ToLower(number)]; o != nil {
		return *o, true
	}
	return SalesOrder{}, false
}

// LineItems returns a sales order's line items.
func (e *Emulator) LineItems(orderID int) []SalesOrderLineItem {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]SalesOrderLineItem, 0, len(e.st.lines[orderID]))
	for _, l := range e.st.lines[orderID] {
		out = append(out, *l)
	}
	return out
}

// Customers returns every customer, ordered by Id.
func (e *Emulator) Customers() []Customer {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Customer, len(e.st.customers))
	for i, c := range e.st.customers {
		out[i] = *c
	}
	return out
}

// Categories returns every category, ordered by Id.
func (e *Emulator) Categories() []Category {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return derefAll(e.st.categories.list)
}

// ItemDescriptions returns every item description, by item.
func (e *Emulator) ItemDescriptions() []ItemDescription {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.st.itemDescriptions.all()
}

// CustomerGroups returns every customer group, ordered by Id.
func (e *Emulator) CustomerGroups() []CustomerGroup {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return derefAll(e.st.customerGroups.list)
}

func derefAll[T any](list []*T) []T {
	out := make([]T, len(list))
	for i, v := range list {
		out[i] = *v
	}
	return out
}

// State is the JSON of GET /_admin/state: the whole state as a Seed (so it
// can be saved and loaded again with --seed) plus the stock changes.
type State struct {
	Seed
	StockChanges []StockChange `json:"stockChanges"`
}

// Snapshot returns the whole state.
func (e *Emulator) Snapshot() *State {
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := e.st
	s := &State{StockChanges: append([]StockChange{}, st.changes...)}
	s.Items = derefAll(st.items)
	s.Warehouses = derefAll(st.warehouses)
	s.Categories = derefAll(st.categories.list)
	s.CustomerGroups = derefAll(st.customerGroups.list)
	s.ItemDescriptions = st.itemDescriptions.all()
	s.ItemImages = st.itemImages.all()
	s.Customers = derefAll(st.customers)
	s.Companies = derefAll(st.companies)
	s.PaymentMethods = derefAll(st.paymentMethods)
	s.ShippingMethods = derefAll(st.shippingMethods)
	s.Manufacturers = derefAll(st.manufacturers)
	s.CatalogSeed = st.cat.seed()
	for _, r := range st.stockAll {
		ss := SeedStock{ItemId: r.ItemId, WarehouseId: r.WarehouseId, StorageLocationId: r.StorageLocationId, BatchNumber: r.BatchNumber, Quantity: r.QuantityTotal}
		if !r.ShelfLifeExpirationDate.IsZero() {
			t := r.ShelfLifeExpirationDate
			ss.ShelfLifeExpirationDate = &t
		}
		s.Stock = append(s.Stock, ss)
	}
	for _, o := range st.orders {
		so := SeedOrder{SalesOrder: *o}
		for _, l := range st.lines[o.Id] {
			so.LineItems = append(so.LineItems, *l)
		}
		s.Orders = append(s.Orders, so)
	}
	return s
}

// --- admin routes (outside BasePath, no auth) ---

func (e *Emulator) registerAdmin() {
	e.mux.HandleFunc("GET /_admin/counters", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.Counters())
	})
	e.mux.HandleFunc("GET /_admin/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.Snapshot())
	})
	e.mux.HandleFunc("GET /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.Faults())
	})
	e.mux.HandleFunc("POST /_admin/faults", e.postFaults)
	e.mux.HandleFunc("GET /_admin/violations", func(w http.ResponseWriter, r *http.Request) {
		v := e.ContractViolations()
		if v == nil {
			v = []string{}
		}
		writeJSON(w, http.StatusOK, v)
	})
	e.mux.HandleFunc("GET /_admin/coverage", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, e.Coverage().String())
	})
	e.mux.HandleFunc("GET /_admin/registrations", func(w http.ResponseWriter, r *http.Request) {
		e.amu.Lock()
		out := []map[string]any{}
		for _, id := range e.regIDs {
			reg := e.regs[id]
			out = append(out, map[string]any{"RegistrationRequestId": id, "AppId": reg.appID, "Status": reg.status})
		}
		e.amu.Unlock()
		writeJSON(w, http.StatusOK, out)
	})
	e.mux.HandleFunc("POST /_admin/registrations/{id}", func(w http.ResponseWriter, r *http.Request) {
		var accept bool
		switch r.URL.Query().Get("status") {
		case "accept", "accepted":
			accept = true
		case "reject", "rejected":
		default:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "status must be accept or reject"})
			return
		}
		if err := e.DecideRegistration(r.PathValue("id"), accept); err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// postFaults changes the fault settings given in the JSON body (others are
// kept): {"latency":"20ms","jitter":"5ms","failRate":0.1,
// "lostWriteRate":0.05,"budget":100,"budgetWindow":"1s"}.
func (e *Emulator) postFaults(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Latency, Jitter, BudgetWindow *string
		FailRate, LostWriteRate       *float64
		Budget                        *int
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	f := e.Faults()
	for _, d := range []struct {
		s   *string
		dst *time.Duration
	}{{in.Latency, &f.Latency}, {in.Jitter, &f.Jitter}, {in.BudgetWindow, &f.BudgetWindow}} {
		if d.s == nil {
			continue
		}
		v, err := time.ParseDuration(*d.s)
		if err != nil || v < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("bad duration %q", *d.s)})
			return
		}
		*d.dst = v
	}
	for _, p := range []struct {
		v   *float64
		dst *float64
	}{{in.FailRate, &f.FailRate}, {in.LostWriteRate, &f.LostWriteRate}} {
		if p.v == nil {
			continue
		}
		if *p.v < 0 || *p.v > 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "rates are fractions between 0 and 1"})
			return
		}
		*p.dst = *p.v
	}
	if in.Budget != nil {
		f.RequestBudget = *in.Budget
	}
	e.SetFaults(f)
	writeJSON(w, http.StatusOK, f)
}
