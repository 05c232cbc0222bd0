package erptest

import (
	"fmt"

	"github.com/shopspring/decimal"
)

var (
	genEU = []struct{ iso, vatPrefix, zip, city string }{
		{"AT", "ATU", "1010", "Wien"}, {"FR", "FR", "75001", "Paris"}, {"NL", "NL", "1012", "Amsterdam"},
		{"IT", "IT", "20121", "Milano"}, {"PL", "PL", "00-001", "Warszawa"},
	}
	genThird = []struct{ iso, zip, city string }{{"CH", "8001", "Zürich"}, {"NO", "0150", "Oslo"}, {"US", "10001", "New York"}}
)

// genAccounting turns a generated shop into one with the cases a tax
// adviser books (GenConfig.Accounting). It draws nothing from the PRNG, so
// the rest of the data stays as Generate makes it:
//
//   - every customer with Id ≡ 3 (mod 10) is an EU business (AT, FR, NL, IT,
//     PL) with a VAT id, every one with Id ≡ 7 (mod 10) lives in a third
//     country (CH, NO, US): their orders carry 0 % VAT (intra-EU supply,
//     export), gross = net;
//   - every 13th order, when delivered and not cancelled, had one unit of
//     its first item returned (QuantityReturned), which the Wawi credits
//     with an invoice correction;
//   - every third item has a revenue account (8400 at 19 %, 8300 at 7 %,
//     SKR03), which domestic booking lines carry.
func genAccounting(s *Seed, now Time) {
	foreign := map[int]bool{}
	for i := range s.Customers {
		c := &s.Customers[i]
		a := &c.BillingAddress
		switch c.Id % 10 {
		case 3:
			eu := genEU[(c.Id/10)%len(genEU)]
			a.CountryIso, a.PostalCode, a.City = eu.iso, eu.zip, eu.city
			a.Company = a.LastName + " Trading"
			a.VatID = fmt.Sprintf("%s%09d", eu.vatPrefix, 100000000+c.Id*7919%900000000)
		case 7:
			tc := genThird[(c.Id/10)%len(genThird)]
			a.CountryIso, a.PostalCode, a.City = tc.iso, tc.zip, tc.city
		default:
			continue
		}
		c.Shipmentaddress = *a
		foreign[c.Id] = true
	}
	byID := map[int]*Customer{}
	for i := range s.Customers {
		byID[s.Customers[i].Id] = &s.Customers[i]
	}
	zero, one := D("0"), D("1")
	for i := range s.Orders {
		so := &s.Orders[i]
		o := &so.SalesOrder
		if foreign[o.CustomerId] {
			c := byID[o.CustomerId]
			o.BillingAddress, o.Shipmentaddress, o.CustomerVatID = c.BillingAddress, c.Shipmentaddress, c.BillingAddress.VatID
			total := decimal.Zero
			for j := range so.LineItems {
				l := &so.LineItems[j]
				l.TaxRate, l.SalesPriceGross = zero, l.SalesPriceNet
				total = total.Add(lineGross(l))
			}
			p := &o.SalesOrderPaymentDetails
			p.TotalGrossAmount = Dec{total}
			switch p.PaymentStatus {
			case UnPayed:
				p.StillToPay = p.TotalGrossAmount
			case PartialPayed:
				p.StillToPay = Cents((total.Shift(2).IntPart() + 1) / 2)
			}
		}
		if o.Id%13 == 0 && !o.IsCancelled && !o.SalesOrderShippingDetail.DeliveredDate.IsZero() &&
			!o.SalesOrderShippingDetail.DeliveredDate.AddDate(0, 0, 7).After(now.Time) {
			for j := range so.LineItems {
				if l := &so.LineItems[j]; l.Type == LineItem {
					l.QuantityReturned = l.Quantity
					if l.Quantity.GreaterThan(one.Decimal) {
						l.QuantityReturned = one
					}
					break
				}
			}
		}
	}
	for i := range s.Items {
		it := &s.Items[i]
		if it.Id%3 != 0 {
			continue
		}
		acct := "8400"
		if it.TaxClassId == 2 {
			acct = "8300"
		}
		s.LedgerAccounts = append(s.LedgerAccounts, SeedLedgerAccount{ItemId: it.Id, Account: acct})
	}
}
