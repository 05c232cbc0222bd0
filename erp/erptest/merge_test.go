package erptest

import (
	"encoding/json"
	"testing"
)

// TestMergeStructIsMergeInto: a PATCH applied to the typed item gives what
// mergeInto on the item's JSON form gives, and leaves the stored item as it
// was.
func TestMergeStructIsMergeInto(t *testing.T) {
	old := &Item{
		Id: 7, SKU: "A-1", Name: "Alt", IsActive: true,
		Categories:  []CategoryReference{{CategoryId: 3, Name: "Schuhe"}},
		Identifiers: ItemIdentifiers{Gtin: "4006381333931", Asins: []string{"B01"}, UPC: "0123"},
		ChildItems:  []int{9, 10},
		Components:  []ItemComponent{},
	}
	old.ItemPriceData.SalesPriceNet = mustDec(t, "10.50")
	old.Dimensions.Length = mustDec(t, "1.5")
	schema := requestSchema("ItemHeader_UpdateItemAsync")
	patches := []string{
		`{}`,
		`{"Name":"Neu"}`,
		`{"Name":null,"SKU":"B-2"}`,
		`{"sku":"lower-case key"}`,
		`{"Undeclared":"x","Id":99}`,
		`{"Identifiers":{"Gtin":"123"}}`,
		`{"Identifiers":{"Asins":["X","Y"]}}`,
		`{"Identifiers":{"Asins":[]}}`,
		`{"Identifiers":null}`,
		`{"Categories":[{"CategoryId":4}]}`,
		`{"Categories":[]}`,
		`{"ItemPriceData":{"SalesPriceNet":12.345678}}`,
		`{"ItemPriceData":{"SalesPriceNet":null,"SuggestedRetailPrice":1}}`,
		`{"Dimensions":{"Width":2},"Weights":{"ItemWeigth":0.25}}`,
		`{"IsActive":false,"Annotation":"ä \"quoted\""}`,
		`{"ChildItems":[1]}`,
		`{"Identifiers":"not an object"}`,
		`{"SortNumber":"not a number"}`,
	}
	before := jsonOf(t, old)
	for _, p := range patches {
		v, err := decodeJSON([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		patch := v.(map[string]any)

		m := toMap(old)
		mergeInto(m, patch, schema)
		var want Item
		wantErr := fromJSONValue(m, &want)

		got, err := mergeStruct(old, patch, schema)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, want %v", p, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", p, g, w)
		}
		if after := jsonOf(t, old); after != before {
			t.Fatalf("%s changed the stored item:\n%s\n%s", p, before, after)
		}
	}
}

func mustDec(t *testing.T, s string) Dec {
	t.Helper()
	var d Dec
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
