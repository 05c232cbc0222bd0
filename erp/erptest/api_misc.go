package erptest

import (
	"fmt"
	"net/http"
	"strings"
)

// --- customers ---

func (e *Emulator) listCustomers(c *call) reply {
	kw := strings.TrimSpace(c.q.Get("searchKeyWord"))
	num := strings.TrimSpace(c.q.Get("number"))
	group, hasGroup := c.qInt("groupId")
	cat, hasCat := c.qInt("categoryId")
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := e.st
	if kw == "" && num == "" && !hasGroup && !hasCat {
		return jsonReply(http.StatusOK, paginate(st.customers, number, size))
	}
	ids := e.filtered(c, func() []int {
		cand := st.customers
		switch {
		case num != "":
			cand = nil
			if cu := st.customerByNum[strings.ToLower(num)]; cu != nil {
				cand = []*Customer{cu}
			}
		case kw != "":
			if ids, ok := st.customerText.search(kw); ok {
				cand = nil
				for _, id := range ids {
					cand = append(cand, st.customerByID[id])
				}
			}
		}
		out := []int{}
		for _, cu := range cand {
			if kw != "" && !st.customerText.contains(cu.Id, kw) || hasGroup && cu.CustomerGroupId != group ||
				hasCat && cu.CustomerCategoryId != cat {
				continue
			}
			out = append(out, cu.Id)
		}
		return out
	})
	return jsonReply(http.StatusOK, pageByIDs(ids, number, size, func(id int) *Customer { return st.customerByID[id] }))
}

func (e *Emulator) getCustomer(c *call) reply {
	id, ok := c.pathID("customerId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	cu := e.st.customerByID[id]
	if !ok || cu == nil {
		return notFound("customer", c.r.PathValue("customerId"))
	}
	return jsonReply(http.StatusOK, cu)
}

func (s *store) checkCustomerRefs(cu *Customer) map[string]string {
	verrs := map[string]string{}
	if s.companyByID[cu.InternalCompanyId] == nil {
		verrs["InternalCompanyId"] = fmt.Sprintf("The company %d does not exist.", cu.InternalCompanyId)
	}
	if id := cu.PaymentSettings.PaymentMethodId; id != 0 && s.paymentByID[id] == nil {
		verrs["PaymentSettings.PaymentMethodId"] = fmt.Sprintf("The payment method %d does not exist.", id)
	}
	return verrs
}

func (e *Emulator) createCustomer(c *call) reply {
	const op = "CustomerHeader_CreateCustomerAsync"
	v, bad := decodeBody(c, op)
	if bad != nil {
		return *bad
	}
	m := toMap(Customer{})
	mergeInto(m, v.(map[string]any), requestSchema(op))
	var cu Customer
	if err := fromJSONValue(m, &cu); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	if verrs := st.checkCustomerRefs(&cu); len(verrs) > 0 {
		return validationReply(verrs)
	}
	if cu.Number == "" {
		cu.Number = st.newCustomerNumber()
	} else if st.customerByNum[strings.ToLower(cu.Number)] != nil {
		return e.duplicate("Number", fmt.Sprintf("A customer with the number '%s' already exists.", cu.Number))
	}
	if cu.Shipmentaddress.City == "" {
		cu.Shipmentaddress = cu.BillingAddress
	}
	if cu.CustomerSince.IsZero() {
		cu.CustomerSince = T(c.now)
	}
	st.next.customer++
	cu.Id = st.next.customer
	for _, a := range []*Address{&cu.BillingAddress, &cu.Shipmentaddress, &cu.CustomAddress} {
		a.Id = 0
	}
	st.normalizeCustomer(&cu)
	st.putCustomer(&cu)
	return jsonReply(http.StatusCreated, &cu)
}

func (e *Emulator) patchCustomer(c *call) reply {
	const op = "CustomerHeader_UpdateCustomerAsync"
	id, ok := c.pathID("customerId")
	v, bad := decodeBody(c, op)
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	old := st.customerByID[id]
	if !ok || old == nil {
		return notFound("customer", c.r.PathValue("customerId"))
	}
	if bad != nil {
		return *bad
	}
	m := toMap(old)
	mergeInto(m, v.(map[string]any), requestSchema(op))
	var cu Customer
	if err := fromJSONValue(m, &cu); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	if strings.TrimSpace(cu.Number) == "" {
		return validationReply(map[string]string{"Number": "The customer number must not be empty."})
	}
	if verrs := st.checkCustomerRefs(&cu); len(verrs) > 0 {
		return validationReply(verrs)
	}
	if other := st.customerByNum[strings.ToLower(cu.Number)]; other != nil && other.Id != id {
		return e.duplicate("Number", fmt.Sprintf("A customer with the number '%s' already exists.", cu.Number))
	}
	cu.Id = old.Id
	st.normalizeCustomer(&cu)
	st.putCustomer(&cu)
	return jsonReply(http.StatusCreated, &cu)
}

// --- lookups ---

func (e *Emulator) listWarehouses(c *call) reply {
	active, hasActive := c.qBool("isActive")
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	list := e.st.warehouses
	if hasActive {
		list = nil
		for _, w := range e.st.warehouses {
			if w.IsActive == active {
				list = append(list, w)
			}
		}
	}
	return jsonReply(http.StatusOK, paginate(list, number, size))
}

func listAll[T any](e *Emulator, list *[]*T) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if *list == nil {
		return jsonReply(http.StatusOK, []*T{})
	}
	return jsonReply(http.StatusOK, *list)
}

func (e *Emulator) listCompanies(*call) reply       { return listAll(e, &e.st.companies) }
func (e *Emulator) listPaymentMethods(*call) reply  { return listAll(e, &e.st.paymentMethods) }
func (e *Emulator) listShippingMethods(*call) reply { return listAll(e, &e.st.shippingMethods) }
func (e *Emulator) listManufacturers(*call) reply   { return listAll(e, &e.st.manufacturers) }
