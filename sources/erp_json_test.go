package sources

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// stdDecode is the reference: encoding/json into map[string]any, UseNumber.
func stdDecode(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if d.More() || d.InputOffset() != int64(len(bytes.TrimRight(raw, " \t\r\n"))) {
		return nil, errTrailing
	}
	return m, nil
}

var errTrailing = &json.SyntaxError{}

var parseDocSeeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":-0.5e+10,"b":[1,2,{"c":null}],"d":true,"e":false,"f":"x"}`,
	`{"Id":101,"Number":"AU100101","TotalGrossAmount":125.21,"Date":"2025-04-01T14:10:24.0000000+00:00","Items":[]}`,
	`{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20ac"}`, `{"s":"\ud83d\ude00"}`, `{"s":"\ud83d"}`, `{"s":"\ude00x"}`,
	`{"s":"\ud83d\u0041"}`, "{\"s\":\"\xff\xfe ok\"}", "{\"s\":\"\xed\xa0\x80\"}", `{"s":"Grüße, Köln"}`,
	`{"a":1,"a":2}`, `{"a":{"a":{"a":[[[]]]}}}`, `{"n":0}`, `{"n":-0}`, `{"n":1E5}`, `{"n":123456789012345678901234567890}`,
	// invalid
	``, `null`, `[]`, `"x"`, `1`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`,
	`{"a":1e}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`, `{"s":"\x"}`, `{"s":"\u12"}`, `{"s":"\u12g4"}`, "{\"s\":\"a\nb\"}",
	`{"a":1} x`, `{"a":1}{}`, `{a:1}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{"s":"abc`, `{"s":"\ud83d\uzzzz"}`, `{"s":"\u+123"}`,
}

func TestParseDocMatchesEncodingJSON(t *testing.T) {
	for _, s := range parseDocSeeds {
		checkParseDoc(t, []byte(s))
	}
	deep := strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001)
	if _, err := parseDoc([]byte(deep), nil); err == nil {
		t.Error("10001 levels accepted")
	}
	if _, err := parseDoc([]byte("null"), nil); err == nil || err.Error() != "null document" {
		t.Errorf("null: %v", err)
	}
}

func checkParseDoc(t *testing.T, raw []byte) {
	t.Helper()
	want, werr := stdDecode(raw)
	if werr == nil && want == nil {
		werr = errTrailing // a null document is refused
	}
	got, gerr := parseDoc(raw, nil)
	switch {
	case werr != nil && gerr == nil:
		t.Fatalf("%q: accepted (%v), encoding/json says %v", raw, got, werr)
	case werr == nil && gerr != nil:
		t.Fatalf("%q: %v, encoding/json gives %v", raw, gerr, want)
	case werr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("%q:\n got %#v\nwant %#v", raw, got, want)
	}
}

func FuzzParseDoc(f *testing.F) {
	for _, s := range parseDocSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkParseDoc(t, raw) })
}

func BenchmarkDecodeOrder(b *testing.B) {
	raw := []byte(`{"Id":101,"Number":"AU100101","ExternalNumber":"SHOP-5000101","BillingNumber":"","CompanyId":1,"DepartureCountry":{"CountryISO":"DE","State":"","CurrencyIso":"EUR","CurrencyFactor":1},"CustomerId":4918,"CustomerVatID":"","MerchantVatID":"","BillingAddress":{"Id":4918,"Company":"","Company2":"","FormOfAddress":"","Title":"","FirstName":"Greta","LastName":"Schmidt","Street":"Gartenweg 66","Address2":"","PostalCode":"45127","City":"Essen","State":"","CountryIso":"DE","VatID":"","PhoneNumber":"","MobilePhoneNumber":"","EmailAddress":"kunde4918@example.com","Fax":""},"Shipmentaddress":{"Id":4918,"Company":"","Company2":"","FormOfAddress":"","Title":"","FirstName":"Greta","LastName":"Schmidt","Street":"Gartenweg 66","Address2":"","PostalCode":"45127","City":"Essen","State":"","CountryIso":"DE","VatID":"","PhoneNumber":"","MobilePhoneNumber":"","EmailAddress":"kunde4918@example.com","Fax":""},"SalesOrderDate":"2025-04-01T14:10:24.0000000+00:00","SalesOrderPaymentDetails":{"PaymentMethodId":3,"PaymentStatus":2,"TotalGrossAmount":125.21,"CurrencyIso":"EUR","CurrencyFactor":1,"DateOfPayment":"2025-04-03T05:10:24.0000000+00:00","StillToPay":0,"PaymentTarget":14,"CashDiscount":0,"CashDiscountDays":0},"SalesOrderShippingDetail":{"ShippingMethodId":3,"DeliveryCompleteStatus":1,"ShippingPriority":1,"ShippingDate":"2025-04-02T14:10:24.0000000+00:00","EstimatedDeliveryDate":"0001-01-01T00:00:00.0000000+00:00","DeliveredDate":"2025-04-04T14:10:24.0000000+00:00","OnHoldReasonId":0,"ExtraWeight":0},"ColorcodeId":0,"IsExternalInvoice":false,"Comment":"","CustomerComment":"","IsCancelled":false,"LanguageIso":"DE","CancellationDetails":{"CancellationReasonId":0,"CancellationComment":"","Date":"0001-01-01T00:00:00.0000000+00:00"},"SalesChannelId":"1","UserCreatedId":1,"UserId":1}`)
	loc := mustLoc("Europe/Berlin")
	b.Run("parseDoc+dates", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseDoc(raw, loc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stdDecode(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func FuzzParseOffsetTime(f *testing.F) {
	for _, s := range []string{"2025-04-01T14:10:24.0000000+00:00", "2025-04-01T14:10:24Z", "2025-04-01 14:10:24.5-01:30",
		"2024-02-29T23:59:59.999999999+14:00", "2025-02-29T00:00:00Z", "2025-04-01T24:00:00Z", "2025-04-01T14:10:24.+00:00",
		"0001-01-01T00:00:00.0000000+00:00", "9999-12-31T23:59:59.1234567890123-12:00", "0000-01-01 00:00:00z"} {
		f.Add(s)
	}
	loc := mustLoc("Europe/Berlin")
	f.Fuzz(func(t *testing.T, s string) {
		got, off, ok := parseOffsetTime(s)
		if !ok {
			return
		}
		// what the fast path accepts, time.Parse accepts with the same instant
		iso := s[:10] + "T" + s[11:]
		if strings.HasSuffix(iso, "z") { // RFC 3339 allows it, time.Parse does not
			iso = iso[:len(iso)-1] + "Z"
		}
		want, err := time.Parse(time.RFC3339Nano, iso)
		if err != nil || !got.Equal(want) {
			t.Fatalf("%q: %v, time.Parse gives %v %v", s, got, want, err)
		}
		if _, wo := want.Zone(); wo != off {
			t.Fatalf("%q: offset %d, want %d", s, off, wo)
		}
		lt := got.In(loc)
		if f := formatDotNet(lt); f != lt.Format(dotNetTime) {
			t.Fatalf("%q: formatDotNet %s, Format %s", s, f, lt.Format(dotNetTime))
		}
	})
}
