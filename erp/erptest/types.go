package erptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Dec is an exact decimal (money, quantities). It marshals to the exact JSON
// number literal (125.21, never "125.21" and never through float64) without
// touching decimal.MarshalJSONWithoutQuotes, and unmarshals from a number
// literal or a numeric string without rounding.
type Dec struct{ decimal.Decimal }

// D parses s as an exact decimal and panics on error (for literals in tests
// and generators).
func D(s string) Dec {
	d, err := decimal.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return Dec{d}
}

// DecOf wraps d.
func DecOf(d decimal.Decimal) Dec { return Dec{d} }

// Cents returns c/100 exactly.
func Cents(c int64) Dec { return Dec{decimal.New(c, -2)} }

// MarshalJSON implements json.Marshaler. The scale is kept (4.90 stays
// 4.90).
func (d Dec) MarshalJSON() ([]byte, error) {
	if exp := d.Exponent(); exp < 0 {
		return []byte(d.StringFixed(-exp)), nil
	}
	return []byte(d.Decimal.String()), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Dec) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*d = Dec{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		u, err := strconv.Unquote(s)
		if err != nil {
			return err
		}
		s = u
	}
	v, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("not a decimal number: %s", s)
	}
	d.Decimal = v
	return nil
}

// Equal reports whether d and o are the same number (1.50 equals 1.5).
func (d Dec) Equal(o Dec) bool { return d.Decimal.Equal(o.Decimal) }

// Time is a date-time that marshals like JTL-Wawi (.NET) does:
// 2023-01-15T13:00:00.0000000+00:00, always in UTC. The zero Time marshals as
// 0001-01-01T00:00:00.0000000+00:00, .NET's DateTime.MinValue, which is what
// the emulator answers for "not set" because the spec makes every date-time
// of a response required and non-nullable.
type Time struct{ time.Time }

// DotNetLayout is the layout of Time in JSON.
const DotNetLayout = "2006-01-02T15:04:05.0000000-07:00"

// T wraps t.
func T(t time.Time) Time { return Time{t} }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(DotNetLayout) + `"`), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// ParseTime accepts RFC 3339 with or without fraction and offset (no
// offset means UTC) and plain dates, like the Wawi's model binder.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date-time: %q", s)
}

// PagedList is the spec's paging envelope (PagedListOf...).
type PagedList[T any] struct {
	TotalItems         int
	PageNumber         int
	PageSize           int
	Items              []T
	TotalPages         int
	HasPreviousPage    bool
	HasNextPage        bool
	NextPageNumber     int
	PreviousPageNumber int
}

// ErrorResponse is the spec's error body.
type ErrorResponse struct {
	ErrorCode        string            `json:",omitempty"`
	ErrorMessage     string            `json:",omitempty"`
	ValidationErrors map[string]string `json:",omitempty"`
	Stacktrace       string            `json:",omitempty"`
}

// Item is the spec's Item.
type Item struct {
	Id                  int
	SKU                 string
	ManufacturerId      int
	ResponsiblePersonId int
	IsActive            bool
	Categories          []CategoryReference
	Name                string
	Description         string
	ShortDescription    string
	Identifiers         ItemIdentifiers
	Components          []ItemComponent
	ChildItems          []int
	ParentItemId        int
	ItemPriceData       ItemPrice
	ActiveSalesChannels string
	SortNumber          int
	Annotation          string
	Added               Time
	Changed             Time
	ReleasedOnDate      Time
	StorageOptions      ItemStorageOption
	CountryOfOrigin     string
	ConditionId         int
	ShippingClassId     int
	ProductGroupId      int
	TaxClassId          int
	Dimensions          Dimensions
	Weights             ItemWeights
	AllowNegativeStock  bool
	Quantities          ItemQuantities
	DangerousGoods      ItemDangerousGoods
	Taric               string
	SearchTerms         string
	PriceListActive     bool
	IgnoreDiscounts     bool
	AvailabilityId      int
}

// CategoryReference is the spec's CategoryReference.
type CategoryReference struct {
	CategoryId int
	Name       string
}

// ItemIdentifiers is the spec's ItemIdentifiers.
type ItemIdentifiers struct {
	Gtin               string
	ManufacturerNumber string
	ISBN               string
	UPC                string
	AmazonFnsku        string
	Asins              []string
	OwnIdentifier      string
}

// ItemComponent is the spec's ItemComponent.
type ItemComponent struct {
	ItemId     int
	Quantity   Dec
	SortNumber int
}

// ItemPrice is the spec's ItemPrice.
type ItemPrice struct {
	SalesPriceNet        Dec
	SuggestedRetailPrice Dec
	PurchasePriceNet     Dec
	EbayPrice            Dec
	AmazonPrice          Dec
}

// ItemStorageOption is the spec's ItemStorageOption.
type ItemStorageOption struct {
	InventoryManagementActive             bool
	SplitQuantity                         bool
	GlobalMinimumStockLevel               Dec
	Buffer                                int
	SerialNumberItem                      bool
	SerialNumberTracking                  bool
	SubjectToShelfLifeExpirationDate      bool
	SubjectToBatchItem                    bool
	ProcurementTime                       int
	DetermineProcurementTimeAutomatically bool
	AdditionalHandlingTime                int
}

// Dimensions is the spec's Dimensions.
type Dimensions struct{ Length, Width, Height Dec }

// ItemWeights is the spec's ItemWeights (sic: ItemWeigth).
type ItemWeights struct{ ItemWeigth, ShippingWeight Dec }

// ItemQuantities is the spec's ItemQuantities.
type ItemQuantities struct {
	MinimumOrderQuantity                    Dec
	MinimumPurchaseQuantityForCustomerGroup []ItemMinimumPurchaseQuantityForCustomerGroup
	PermissibleOrderQuantity                Dec
}

// ItemMinimumPurchaseQuantityForCustomerGroup is the spec's schema of that name.
type ItemMinimumPurchaseQuantityForCustomerGroup struct {
	CustomerGroupId          int
	PermissibleOrderQuantity Dec
	MinimumPurchaseQuantity  Dec
	IsActive                 bool
}

// ItemDangerousGoods is the spec's ItemDangerousGoods.
type ItemDangerousGoods struct{ UnNumber, HazardNo string }

// Stock is the spec's Stock: one row per item, warehouse, storage location
// (and batch / best-before date).
type Stock struct {
	WarehouseId                   int
	StorageLocationId             int
	StorageLocationName           string
	ItemId                        int
	ShelfLifeExpirationDate       Time
	BatchNumber                   string
	QuantityTotal                 Dec
	QuantityLockedForShipment     Dec
	QuantityLockedForAvailability Dec
	QuantityInPickingLists        Dec
}

// StockChange is the spec's StockChange.
type StockChange struct {
	ItemId                  int
	WarehouseId             int
	StorageLocationId       int
	Quantity                Dec
	ChangedDate             Time
	ShelfLifeExpirationDate Time
	BatchNumber             string
	Comment                 string
	Username                string
}

// Address is the spec's Address.
type Address struct {
	Id                int
	Company           string
	Company2          string
	FormOfAddress     string
	Title             string
	FirstName         string
	LastName          string
	Street            string
	Address2          string
	PostalCode        string
	City              string
	State             string
	CountryIso        string
	VatID             string
	PhoneNumber       string
	MobilePhoneNumber string
	EmailAddress      string
	Fax               string
}

// SalesOrder is the spec's SalesOrder.
type SalesOrder struct {
	Id                       int
	Number                   string
	ExternalNumber           string
	BillingNumber            string
	CompanyId                int
	DepartureCountry         DepartureCountry
	CustomerId               int
	CustomerVatID            string
	MerchantVatID            string
	BillingAddress           Address
	Shipmentaddress          Address
	SalesOrderDate           Time
	SalesOrderPaymentDetails SalesOrderPaymentDetail
	SalesOrderShippingDetail SalesOrderShippingDetail
	ColorcodeId              int
	IsExternalInvoice        bool
	Comment                  string
	CustomerComment          string
	IsCancelled              bool
	LanguageIso              string
	CancellationDetails      SalesOrderCancellationDetails
	SalesChannelId           string
	UserCreatedId            int
	UserId                   int
}

// DepartureCountry is the spec's DepartureCountry.
type DepartureCountry struct {
	CountryISO     string
	State          string
	CurrencyIso    string
	CurrencyFactor Dec
}

// Payment statuses (SalesOrderPaymentDetail.PaymentStatus).
const (
	UnPayed      = 0
	PartialPayed = 1
	Payed        = 2
)

// SalesOrderPaymentDetail is the spec's SalesOrderPaymentDetail.
type SalesOrderPaymentDetail struct {
	PaymentMethodId  int
	PaymentStatus    int
	TotalGrossAmount Dec
	CurrencyIso      string
	CurrencyFactor   Dec
	DateOfPayment    Time
	StillToPay       Dec
	PaymentTarget    int
	CashDiscount     Dec
	CashDiscountDays int
}

// SalesOrderShippingDetail is the spec's SalesOrderShippingDetail.
type SalesOrderShippingDetail struct {
	ShippingMethodId       int
	DeliveryCompleteStatus int
	ShippingPriority       int
	ShippingDate           Time
	EstimatedDeliveryDate  Time
	DeliveredDate          Time
	OnHoldReasonId         int
	ExtraWeight            Dec
}

// SalesOrderCancellationDetails is the spec's schema of that name.
type SalesOrderCancellationDetails struct {
	CancellationReasonId int
	CancellationComment  string
	Date                 Time
}

// Line item types (SalesOrderLineItem.Type), the first few of the spec's enum.
const (
	LineBlank    = 0
	LineItem     = 1
	LineShipping = 2
)

// SalesOrderLineItem is the spec's SalesOrderLineItem.
type SalesOrderLineItem struct {
	Id                int
	SalesOrderId      int
	ItemId            int
	Name              string
	SKU               string
	Type              int
	Quantity          Dec
	QuantityDelivered Dec
	QuantityReturned  Dec
	SalesUnit         string
	SalesPriceNet     Dec
	SalesPriceGross   Dec
	Discount          Dec
	PurchasePriceNet  Dec
	TaxRate           Dec
	Notice            string
}

// Customer is the spec's Customer.
type Customer struct {
	Id                       int
	Number                   string
	CustomerGroupId          int
	BillingAddress           Address
	Shipmentaddress          Address
	CustomAddress            Address
	OtherAddresses           OtherAddresses
	PaymentSettings          PaymentSettings
	CustomerSince            Time
	LanguageIso              string
	InternalCompanyId        int
	CustomerCategoryId       int
	TaxIdentificationNumber  string
	AccountsReceivableNumber int
	CommercialRegisterNumber string
	Website                  string
	InitialContact           string
	EbayUsername             string
	Birthday                 Time
	IsLocked                 bool
	IsCashRegisterBased      bool
}

// OtherAddresses is the spec's OtherAddresses.
type OtherAddresses struct {
	OtherBillingAddresses  []Address
	OtherShippingAddresses []Address
	OtherCustomerAddresses []Address
}

// PaymentSettings is the spec's PaymentSettings.
type PaymentSettings struct {
	PaymentMethodId    int
	Discount           Dec
	PaymentTarget      int
	CreditLimit        int
	StopPaymentRequest bool
}

// Category is the spec's Category.
type Category struct {
	Id                  int
	Name                string
	Description         string
	ParentCategoryId    int
	Level               int
	SortNumber          int
	ActiveSalesChannels string
}

// ItemDescription is the spec's ItemDescription: an item's texts for one
// sales channel and language.
type ItemDescription struct {
	ItemId             int
	Name               string
	Description        string
	ShortDescription   string
	SeoPath            string
	SeoMetaDescription string
	SeoTitleTag        string
	SeoMetaKeywords    string
	LanguageIso        string
	SalesChannelId     string
}

// CustomerGroup is the spec's CustomerGroup.
type CustomerGroup struct {
	Id         int
	Name       string
	IsDefault  bool
	Discount   Dec
	IsNetPrice bool
}

// Warehouse is the spec's Warehouse.
type Warehouse struct {
	Id                  int
	Name                string
	Address             Address
	Code                string
	Type                WarehouseType
	Description         string
	Priority            int
	CompanyId           int
	LockForShipment     bool
	LockForAvailability bool
	IsActive            bool
}

// WarehouseType is the spec's WarehouseType.
type WarehouseType struct {
	Id          string
	Name        string
	Description string
	Scope       []string
}

// Company is the spec's Company.
type Company struct {
	Id   int
	Name string
}

// PaymentMethod is the spec's PaymentMethod.
type PaymentMethod struct {
	Id         int
	Name       string
	IsStandard bool
	IsActive   bool
}

// ShippingMethod is the spec's ShippingMethod.
type ShippingMethod struct {
	Id            int
	Name          string
	Priority      int
	GrossPrice    Dec
	ExtraWeight   Dec
	IsAmazonPrime bool
}

// Manufacturer is the spec's Manufacturer.
type Manufacturer struct {
	Id              int
	Name            string
	Description     string
	Homepage        string
	SortNumber      int
	MetaTitle       string
	MetaKeywords    string
	MetaDescription string
}

// Status is the spec's Status (GET /info).
type Status struct {
	Version   string
	Timestamp Time
	Tenant    string
	Type      string
}
