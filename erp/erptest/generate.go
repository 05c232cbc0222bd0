package erptest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// GenConfig configures Generate. Zero fields take the defaults noted.
type GenConfig struct {
	Items  int // items (SKU-000001 …)
	Orders int // sales orders with line items
	// Customers defaults to max(10, Orders/20); Warehouses to 2;
	// Categories to 12; Manufacturers to 8; MaxLinesPerOrder to 4.
	Customers, Warehouses, Categories, Manufacturers, MaxLinesPerOrder int
	// Now anchors every date (default 2025-06-30T12:00:00Z, fixed so that
	// output is reproducible). Orders are spread over the Days (default 90)
	// before Now, oldest first; items were added up to a year before Now.
	Now  time.Time
	Days int
	// Seed of the PRNG (default 1).
	Seed uint64
	// Accounting makes the shop one a tax adviser books (genAccounting):
	// EU business customers with VAT ids and third-country customers
	// (0 % VAT), returns credited by invoice corrections, and revenue
	// accounts on some items. Off, the data is what it always was.
	Accounting bool
}

// DefaultNow is GenConfig's default Now.
var DefaultNow = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

var (
	genAdjectives = []string{"Edelstahl", "Messing", "Kupfer", "Aluminium", "Kunststoff", "Holz", "Gummi", "Titan", "Stahl", "Chrom"}
	genNouns      = []string{"Schraube", "Mutter", "Dübel", "Winkel", "Scharnier", "Haken", "Klemme", "Rohr", "Kabel", "Griff", "Platte", "Feder"}
	genVariants   = []string{"M4", "M5", "M6", "M8", "M10", "klein", "mittel", "groß", "10 mm", "25 mm", "50 cm", "2 m"}
	genFirst      = []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hans", "Ida", "Jonas", "Käthe", "Lukas", "Mia", "Noah", "Olga", "Paul"}
	genLast       = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter"}
	genCities     = []struct{ zip, city string }{{"10115", "Berlin"}, {"20095", "Hamburg"}, {"80331", "München"}, {"50667", "Köln"}, {"60311", "Frankfurt am Main"}, {"70173", "Stuttgart"}, {"40213", "Düsseldorf"}, {"04109", "Leipzig"}, {"44135", "Dortmund"}, {"45127", "Essen"}}
	genStreets    = []string{"Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schulstraße", "Am Markt", "Bergstraße", "Dorfstraße"}
	genCategories = []string{"Befestigungstechnik", "Beschläge", "Werkzeug", "Elektro", "Sanitär", "Garten", "Farben & Lacke", "Holz", "Arbeitsschutz", "Klebstoffe", "Leitern", "Lagertechnik"}
)

// Generate builds a deterministic seed: the same GenConfig always gives the
// same data. Amounts are exact decimals (cents), line items carry 19 % or
// 7 % VAT, about 2 % of orders are cancelled, orders older than two weeks
// are mostly paid and delivered, every 10th item allows negative stock and
// every 25th is sold in fractional quantities (with fractional stock).
func Generate(cfg GenConfig) *Seed {
	if cfg.Now.IsZero() {
		cfg.Now = DefaultNow
	}
	if cfg.Days <= 0 {
		cfg.Days = 90
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Customers <= 0 {
		cfg.Customers = max(10, cfg.Orders/20)
	}
	if cfg.Warehouses <= 0 {
		cfg.Warehouses = 2
	}
	if cfg.Categories <= 0 {
		cfg.Categories = 12
	}
	if cfg.Manufacturers <= 0 {
		cfg.Manufacturers = 8
	}
	if cfg.MaxLinesPerOrder <= 0 {
		cfg.MaxLinesPerOrder = 4
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0x57a1e))
	now := cfg.Now.UTC()
	s := &Seed{
		Companies: []Company{{Id: 1, Name: "Emulator Handels GmbH"}},
		CustomerGroups: []CustomerGroup{{Id: 1, Name: "Endkunden", IsDefault: true, Discount: D("0")},
			{Id: 2, Name: "Händler", Discount: D("5"), IsNetPrice: true}},
		PaymentMethods: []PaymentMethod{
			{Id: 1, Name: "Vorkasse", IsStandard: true, IsActive: true},
			{Id: 2, Name: "PayPal", IsActive: true},
			{Id: 3, Name: "Rechnung", IsActive: true},
			{Id: 4, Name: "Lastschrift", IsActive: true},
		},
		ShippingMethods: []ShippingMethod{
			{Id: 1, Name: "DHL Paket", Priority: 1, GrossPrice: D("4.90"), ExtraWeight: D("0.2")},
			{Id: 2, Name: "DPD Classic", Priority: 2, GrossPrice: D("5.90"), ExtraWeight: D("0.2")},
			{Id: 3, Name: "Abholung", Priority: 3, GrossPrice: D("0")},
		},
	}
	whNames := []string{"Hauptlager", "Außenlager", "Zentrallager Süd", "Retourenlager"}
	for i := 1; i <= cfg.Warehouses; i++ {
		name := fmt.Sprintf("Lager %d", i)
		if i <= len(whNames) {
			name = whNames[i-1]
		}
		c := genCities[(i-1)%len(genCities)]
		s.Warehouses = append(s.Warehouses, Warehouse{
			Id: i, Name: name, Code: fmt.Sprintf("L%02d", i), Description: name, Priority: i, CompanyId: 1, IsActive: true,
			Address: Address{Id: 900 + i, Company: "Emulator Handels GmbH", Street: genStreets[i%len(genStreets)] + " " + strconv.Itoa(i), PostalCode: c.zip, City: c.city, CountryIso: "DE"},
			Type:    WarehouseType{Id: "Standard", Name: "Standardlager", Description: "Standard warehouse", Scope: []string{}},
		})
	}
	for i := 1; i <= cfg.Categories; i++ {
		name := fmt.Sprintf("Kategorie %d", i)
		if i <= len(genCategories) {
			name = genCategories[i-1]
		}
		s.Categories = append(s.Categories, Category{Id: i, Name: name, Description: name, Level: 1, SortNumber: i})
	}
	for i := 1; i <= cfg.Manufacturers; i++ {
		s.Manufacturers = append(s.Manufacturers, Manufacturer{Id: i, Name: fmt.Sprintf("Hersteller %c", 'A'+rune(i-1)%26), Homepage: fmt.Sprintf("https://hersteller-%d.example", i), SortNumber: i})
	}

	for i := 1; i <= cfg.Customers; i++ {
		first, last := genFirst[rnd.IntN(len(genFirst))], genLast[rnd.IntN(len(genLast))]
		c := genCities[rnd.IntN(len(genCities))]
		addr := Address{
			Id: i, FirstName: first, LastName: last, Street: fmt.Sprintf("%s %d", genStreets[rnd.IntN(len(genStreets))], 1+rnd.IntN(120)),
			PostalCode: c.zip, City: c.city, CountryIso: "DE", EmailAddress: fmt.Sprintf("kunde%d@example.com", i),
		}
		if i%7 == 0 {
			addr.Company = last + " & Partner GmbH"
		}
		s.Customers = append(s.Customers, Customer{
			Id: i, Number: strconv.Itoa(10000 + i), CustomerGroupId: 1, BillingAddress: addr, Shipmentaddress: addr,
			PaymentSettings: PaymentSettings{PaymentMethodId: 1 + rnd.IntN(len(s.PaymentMethods))},
			CustomerSince:   T(now.AddDate(0, 0, -30-rnd.IntN(1000)).Truncate(time.Second)), LanguageIso: "DE", InternalCompanyId: 1,
		})
	}

	genItems(s, cfg, rnd, now)
	genOrders(s, cfg, rnd, now)
	if cfg.Accounting {
		genAccounting(s, T(now))
	}
	return s
}

// genItems adds cfg.Items items and their stock.
func genItems(s *Seed, cfg GenConfig, rnd *rand.Rand, now time.Time) {
	hundred := decimal.NewFromInt(100)
	s.Items = make([]Item, 0, cfg.Items)
	s.Stock = make([]SeedStock, 0, cfg.Items+cfg.Items*(cfg.Warehouses-1)/3+1)
	s.Orders = make([]SeedOrder, 0, cfg.Orders)
	for i := 1; i <= cfg.Items; i++ {
		cents := int64(99 + rnd.IntN(99900))
		net := Cents(cents)
		taxClass := 1
		if i%8 == 0 {
			taxClass = 2
		}
		added := now.Add(-time.Duration(rnd.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
		changed := added.Add(time.Duration(rnd.Int64N(int64(now.Sub(added)) + 1))).Truncate(time.Second)
		grams := int64(10 + rnd.IntN(5000))
		cat := 1 + rnd.IntN(cfg.Categories)
		it := Item{
			Id: i, SKU: fmt.Sprintf("SKU-%06d", i),
			Name:             fmt.Sprintf("%s %s %s", genAdjectives[rnd.IntN(len(genAdjectives))], genNouns[rnd.IntN(len(genNouns))], genVariants[rnd.IntN(len(genVariants))]),
			ManufacturerId:   1 + rnd.IntN(cfg.Manufacturers),
			IsActive:         i%50 != 0,
			Categories:       []CategoryReference{{CategoryId: cat, Name: s.Categories[cat-1].Name}},
			Description:      "Generated by erptest.Generate.",
			ShortDescription: "",
			Identifiers: ItemIdentifiers{
				Gtin: ean13(fmt.Sprintf("400%09d", i)), ManufacturerNumber: fmt.Sprintf("MPN-%05d", rnd.IntN(100000)), Asins: []string{},
			},
			ItemPriceData: ItemPrice{
				SalesPriceNet:        net,
				PurchasePriceNet:     Cents(cents * 6 / 10),
				SuggestedRetailPrice: Dec{net.Mul(decimal.NewFromInt(119)).Div(hundred).Ceil().Sub(decimal.New(1, -2))},
			},
			Added: T(added), Changed: T(changed), ReleasedOnDate: T(added),
			StorageOptions:     ItemStorageOption{InventoryManagementActive: true, SplitQuantity: i%25 == 0, ProcurementTime: 3},
			CountryOfOrigin:    []string{"DE", "DE", "CN", "PL", "IT"}[rnd.IntN(5)],
			ConditionId:        1,
			TaxClassId:         taxClass,
			Weights:            ItemWeights{ItemWeigth: Dec{decimal.New(grams, -3)}, ShippingWeight: Dec{decimal.New(grams+50, -3)}},
			AllowNegativeStock: i%10 == 0,
		}
		s.Items = append(s.Items, it)
		for w := 1; w <= cfg.Warehouses; w++ {
			if w > 1 && rnd.IntN(10) >= 3 {
				continue
			}
			q := Dec{decimal.NewFromInt(int64(rnd.IntN(501)))}
			if it.StorageOptions.SplitQuantity {
				q = Dec{decimal.New(int64(rnd.IntN(5001)), -1)}
			}
			s.Stock = append(s.Stock, SeedStock{ItemId: i, WarehouseId: w, Quantity: q})
		}
	}
}

// orderTables are the amounts orders share.
type orderTables struct {
	grossCents              []int64
	grossDec, whole, tenths []Dec
	shipNet                 []Dec
	rate19, rate7, ten, one Dec
}

// genOrders adds cfg.Orders orders with their line items, spread over
// cfg.Days up to now.
func genOrders(s *Seed, cfg GenConfig, rnd *rand.Rand, now time.Time) {
	// Orders. Amounts are computed in integer cents and the decimals shared
	// where equal (decimals are immutable), so that 100,000 orders take
	// little time and memory; TestGenerateDeterministic checks that the
	// totals equal the emulator's own lineGross arithmetic.
	tb := &orderTables{}
	hundred := decimal.NewFromInt(100)
	grossCents := make([]int64, len(s.Items))
	grossDec := make([]Dec, len(s.Items))
	for i := range s.Items {
		it := &s.Items[i]
		rate := int64(19)
		if it.TaxClassId == 2 {
			rate = 7
		}
		grossCents[i] = (it.ItemPriceData.SalesPriceNet.CoefficientInt64()*(100+rate) + 50) / 100
		grossDec[i] = Cents(grossCents[i])
	}
	whole := make([]Dec, 6)
	for q := range whole {
		whole[q] = Dec{decimal.NewFromInt(int64(q))}
	}
	tenths := make([]Dec, 55)
	for q := range tenths {
		tenths[q] = Dec{decimal.New(int64(q), -1)}
	}
	rate19, rate7, ten := D("19"), D("7"), D("10")
	one := D("1")
	shipNet := make([]Dec, len(s.ShippingMethods))
	for i, sm := range s.ShippingMethods {
		shipNet[i] = Dec{sm.GrossPrice.Mul(hundred).Div(decimal.NewFromInt(119)).Round(4)}
	}
	tb.grossCents, tb.grossDec, tb.whole, tb.tenths, tb.shipNet = grossCents, grossDec, whole, tenths, shipNet
	tb.rate19, tb.rate7, tb.ten, tb.one = rate19, rate7, ten, one
	span := time.Duration(cfg.Days) * 24 * time.Hour
	start := now.Add(-span)
	line := 0
	for j := 1; j <= cfg.Orders; j++ {
		line = genOrder(s, cfg, rnd, now, start, span, j, line, tb)
	}
}

// genOrder adds order j; line is the last line item id, returned updated.
func genOrder(s *Seed, cfg GenConfig, rnd *rand.Rand, now, start time.Time, span time.Duration, j, line int, tb *orderTables) int {
	grossCents, grossDec, whole, tenths, shipNet := tb.grossCents, tb.grossDec, tb.whole, tb.tenths, tb.shipNet
	rate19, rate7, ten, one := tb.rate19, tb.rate7, tb.ten, tb.one
	at := start.Add(time.Duration(float64(span) * (float64(j) - rnd.Float64()) / float64(cfg.Orders))).Truncate(time.Second)
	cust := &s.Customers[rnd.IntN(len(s.Customers))]
	old := now.Sub(at) > 14*24*time.Hour
	s.Orders = append(s.Orders, SeedOrder{SalesOrder: SalesOrder{
		Id: j, Number: fmt.Sprintf("AU%d", 100000+j), CompanyId: 1, CustomerId: cust.Id,
		DepartureCountry: DepartureCountry{CountryISO: "DE", CurrencyIso: "EUR", CurrencyFactor: one},
		BillingAddress:   cust.BillingAddress, Shipmentaddress: cust.Shipmentaddress, SalesOrderDate: T(at),
		SalesOrderPaymentDetails: SalesOrderPaymentDetail{
			PaymentMethodId: cust.PaymentSettings.PaymentMethodId, CurrencyIso: "EUR", CurrencyFactor: one, PaymentTarget: 14,
		},
		SalesOrderShippingDetail: SalesOrderShippingDetail{ShippingMethodId: 1 + rnd.IntN(len(s.ShippingMethods)), ShippingPriority: 1},
		LanguageIso:              "DE", SalesChannelId: "1", UserCreatedId: 1, UserId: 1,
	}})
	so := &s.Orders[len(s.Orders)-1]
	o := &so.SalesOrder
	if rnd.IntN(10) < 6 {
		o.ExternalNumber = fmt.Sprintf("SHOP-%07d", 5000000+j)
	}
	switch r := rnd.IntN(100); {
	case old && r < 90, !old && r < 40:
		o.SalesOrderPaymentDetails.PaymentStatus = Payed
		o.SalesOrderPaymentDetails.DateOfPayment = T(at.Add(time.Duration(rnd.IntN(72)) * time.Hour))
	case r < 95:
		o.SalesOrderPaymentDetails.PaymentStatus = UnPayed
	default:
		o.SalesOrderPaymentDetails.PaymentStatus = PartialPayed
	}
	if old {
		o.SalesOrderShippingDetail.DeliveryCompleteStatus = 1
		o.SalesOrderShippingDetail.ShippingDate = T(at.Add(24 * time.Hour))
		o.SalesOrderShippingDetail.DeliveredDate = T(at.Add(72 * time.Hour))
	}
	if rnd.IntN(100) < 2 {
		o.IsCancelled = true
		o.CancellationDetails = SalesOrderCancellationDetails{CancellationReasonId: 1, CancellationComment: "Kunde hat storniert", Date: T(at.Add(2 * time.Hour))}
	}
	n := 0
	if cfg.Items > 0 {
		n = 1 + rnd.IntN(cfg.MaxLinesPerOrder)
	}
	sm := s.ShippingMethods[o.SalesOrderShippingDetail.ShippingMethodId-1]
	so.LineItems = make([]SalesOrderLineItem, 0, n+1)
	var totalCents int64
	for k := 0; k < n; k++ {
		idx := rnd.IntN(len(s.Items))
		it := &s.Items[idx]
		rate := rate19
		if it.TaxClassId == 2 {
			rate = rate7
		}
		q := int64(1 + rnd.IntN(5))
		qty, qtyTenths := whole[q], q*10
		if it.StorageOptions.SplitQuantity {
			q = int64(5 + rnd.IntN(50))
			qty, qtyTenths = tenths[q], q
		}
		line++
		l := SalesOrderLineItem{
			Id: line, SalesOrderId: j, ItemId: it.Id, Name: it.Name, SKU: it.SKU, Type: LineItem, Quantity: qty, SalesUnit: "Stk",
			SalesPriceNet: it.ItemPriceData.SalesPriceNet, TaxRate: rate, PurchasePriceNet: it.ItemPriceData.PurchasePriceNet,
			SalesPriceGross: grossDec[idx],
		}
		discount := int64(0)
		if rnd.IntN(10) == 0 {
			l.Discount, discount = ten, 10
		}
		if old && !o.IsCancelled {
			l.QuantityDelivered = qty
		}
		so.LineItems = append(so.LineItems, l)
		totalCents += (qtyTenths*grossCents[idx]*(100-discount) + 500) / 1000
	}
	if !sm.GrossPrice.IsZero() {
		line++
		so.LineItems = append(so.LineItems, SalesOrderLineItem{
			Id: line, SalesOrderId: j, Name: sm.Name, Type: LineShipping, Quantity: whole[1], SalesUnit: "Stk", TaxRate: rate19,
			SalesPriceGross: sm.GrossPrice, SalesPriceNet: shipNet[sm.Id-1],
		})
		totalCents += sm.GrossPrice.Shift(2).IntPart()
	}
	p := &o.SalesOrderPaymentDetails
	p.TotalGrossAmount = Cents(totalCents)
	switch p.PaymentStatus {
	case UnPayed:
		p.StillToPay = p.TotalGrossAmount
	case PartialPayed:
		p.StillToPay = Cents((totalCents + 1) / 2)
	}
	return line
}

// ean13 appends the check digit to 12 digits.
func ean13(d12 string) string {
	sum := 0
	for i, c := range d12 {
		n := int(c - '0')
		if i%2 == 1 {
			n *= 3
		}
		sum += n
	}
	return d12 + strconv.Itoa((10-sum%10)%10)
}
