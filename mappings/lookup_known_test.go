package mappings

import (
	"context"
	"reflect"
	"testing"

	"github.com/wawi-etl/etl/record"
)

type knownResolver struct{ *fakeResolver }

func (knownResolver) Known(_ context.Context, table string) ([]string, bool) {
	if table != "suppliers" {
		return nil, false
	}
	return []string{"Würth (L1)", "Hahn (L2)"}, true
}

// A name an ERP list does not have is reported with the names it has.
func TestERPLookupNamesKnown(t *testing.T) {
	h := record.NewHeader([]string{"Lieferant"})
	src := `
mapping:
  lookups:
    lieferant: {erp: suppliers}
  fields:
    - {target: SupplierId, column: Lieferant, type: int, lookup: lieferant}
`
	m := mustCompile(t, src, h, Options{Resolver: knownResolver{newFakeResolver()}})
	res := apply(t, m, row(h, 2, "Wuerth"))
	want := []string{`SupplierId (column "Lieferant"): value "Wuerth": "Wuerth" is not in lookup table "lieferant": the Wawi knows Würth (L1), Hahn (L2)`}
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors %q", got)
	}
}
