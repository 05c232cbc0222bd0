package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// newCustomers creates the customer of an order that names none
// (sink.new_customers): shop and marketplace orders of first-time buyers
// carry only a billing address. The customer is the one with the address's
// e-mail: found by it when it exists (an earlier order or run created it),
// else created once, whatever the number of orders of that buyer in the
// file or running at once.
type newCustomers struct {
	s        *ERPSink
	def      *erp.ResourceDef
	group    string // name or id, resolved at the first create
	language string
	gmu      sync.Mutex
	gid      int64 // resolved group, 0 until then

	mu    sync.Mutex
	byKey map[string]*customerSlot // by lower-cased e-mail
}

type customerSlot struct {
	once sync.Mutex
	id   int64
}

func openNewCustomers(s *ERPSink) (*newCustomers, error) {
	spec := s.spec.NewCustomers
	if spec == nil {
		return nil, nil
	}
	if strings.TrimSpace(spec.CustomerGroup) == "" {
		return nil, errors.New("sink.new_customers.customer_group: name the customer group of new customers (name or id)")
	}
	def, ok := erp.Resource("customers")
	if !ok {
		return nil, errors.New("the API has no customers resource")
	}
	lang := strings.ToUpper(strings.TrimSpace(spec.Language))
	if lang == "" {
		lang = "DE"
	}
	n := &newCustomers{s: s, def: def, group: strings.TrimSpace(spec.CustomerGroup), language: lang, byKey: map[string]*customerSlot{}}
	return n, nil
}

// groupID resolves the customer group once it resolved (a failed
// lookup is asked again by the next new customer).
func (n *newCustomers) groupID(ctx context.Context) (int64, error) {
	n.gmu.Lock()
	defer n.gmu.Unlock()
	if n.gid != 0 {
		return n.gid, nil
	}
	id, err := n.resolveGroup(ctx)
	n.gid = id
	return id, err
}

func (n *newCustomers) resolveGroup(ctx context.Context) (int64, error) {
	if id, err := strconv.ParseInt(n.group, 10, 64); err == nil {
		return id, nil
	}
	v, found, err := n.s.lookups.Resolve(ctx, "customerGroups", n.group, false)
	if err != nil {
		return 0, err
	}
	id, ok := idOf(v)
	if !found || !ok {
		return 0, fmt.Errorf("sink.new_customers.customer_group: the Wawi has no customer group %q", n.group)
	}
	return id, nil
}

// email is the order's billing e-mail, the new customer's key.
func billingEmail(doc map[string]any) string {
	b, _ := doc["BillingAddress"].(map[string]any)
	s, _ := b["EmailAddress"].(string)
	return strings.TrimSpace(s)
}

// plan checks that an order without customer can have one made: it needs
// the billing address's e-mail. It says what would be created.
// named is what the input gave as the customer (a number the Wawi does
// not know), "" when nothing.
func (n *newCustomers) plan(doc map[string]any, named string) (pipeline.Change, error) {
	mail := billingEmail(doc)
	if mail == "" || !strings.Contains(mail, "@") {
		if named != "" {
			return pipeline.Change{}, fmt.Errorf("the Wawi has no customer %q, and the order has no BillingAddress.EmailAddress to create one by", named)
		}
		return pipeline.Change{}, errors.New("the order has no customer and no BillingAddress.EmailAddress: a new customer is found again by its e-mail, so it needs one")
	}
	return pipeline.Change{Field: "Kunde (neu)", New: mail}, nil
}

// ensure returns the id of the customer with the order's e-mail, creating
// it from the billing address when there is none.
func (n *newCustomers) ensure(ctx context.Context, doc map[string]any) (int64, error) {
	mail := billingEmail(doc)
	key := strings.ToLower(mail)
	n.mu.Lock()
	slot := n.byKey[key]
	if slot == nil {
		slot = &customerSlot{}
		n.byKey[key] = slot
	}
	n.mu.Unlock()
	slot.once.Lock()
	defer slot.once.Unlock()
	if slot.id != 0 {
		return slot.id, nil
	}
	find := func(ctx context.Context) (int64, error) {
		v, found, err := n.s.lookups.Resolve(ctx, "customers", mail, false)
		if err != nil || !found {
			return 0, err
		}
		id, _ := idOf(v)
		return id, nil
	}
	if id, err := find(ctx); err != nil || id != 0 {
		slot.id = id
		return id, err
	}
	gid, err := n.groupID(ctx)
	if err != nil {
		return 0, err
	}
	body := map[string]any{"BillingAddress": doc["BillingAddress"], "CustomerGroupId": gid, "LanguageIso": n.language, "InternalCompanyId": doc["CompanyId"]}
	if sa, ok := doc["Shipmentaddress"]; ok {
		body["Shipmentaddress"] = sa
	}
	var found int64
	landed := func(ctx context.Context) (bool, error) {
		// the lookup caches answers: ask the Wawi itself
		id, err := n.search(ctx, mail)
		found = id
		return id != 0, err
	}
	var out map[string]any
	err = n.s.c.Post(ctx, n.def.CreatePath, n.s.writeQueryFor(n.def.CreateQuery), wire(body, false), &out, landed)
	switch {
	case errors.Is(err, erp.ErrLandedElsewhere) && found != 0:
		slot.id = found
	case err != nil:
		return 0, fmt.Errorf("creating the customer %s: %w", mail, err)
	default:
		id, ok := idOf(out["Id"])
		if !ok {
			return 0, fmt.Errorf("the customer %s was created but the answer has no Id", mail)
		}
		slot.id = id
	}
	return slot.id, nil
}

// search asks the Wawi for the customer with the e-mail, uncached.
func (n *newCustomers) search(ctx context.Context, mail string) (int64, error) {
	var id int64
	for rec, err := range n.s.c.List(ctx, n.def.ListPath, url.Values{"searchKeyWord": {mail}}, erp.PageOptions{}) {
		if err != nil {
			return 0, err
		}
		v, _ := erp.Lookup(rec, "BillingAddress.EmailAddress")
		if s, _ := v.(string); strings.EqualFold(strings.TrimSpace(s), mail) {
			id, _ = idOf(rec["Id"])
		}
	}
	return id, nil
}
