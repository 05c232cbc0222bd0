package sinks

import (
	"fmt"
	"strings"
)

// openItems configures the document sink for items: operations upsert
// (default), update and create; match_by SKU (default), GTIN (Identifiers.Gtin)
// or another identifier (ManufacturerNumber, ISBN, UPC, AmazonFnsku,
// OwnIdentifier, with or without the Identifiers. prefix). Candidates come
// from searchKeyWord, which matches parts of SKUs and other fields too; the
// key field is compared exactly (ignoring case, as the Wawi's collation
// does).
func openItems(s *ERPSink, op string) (resourceSink, error) {
	op, err := operation("items", op, "upsert", "update", "create")
	if err != nil {
		return nil, err
	}
	match, err := itemMatch(s.spec.MatchBy)
	if err != nil {
		return nil, err
	}
	return openDocs(s, docConfig{noun: "item", op: op, match: match, searchParam: "searchKeyWord",
		createSchema: s.def.CreateSchema, updateSchema: s.def.UpdateSchema})
}

// itemIdentifiers are the fields of ItemIdentifiers that identify one item.
var itemIdentifiers = []string{"Gtin", "ManufacturerNumber", "ISBN", "UPC", "AmazonFnsku", "OwnIdentifier"}

func itemMatch(by string) (string, error) {
	by = strings.TrimSpace(by)
	switch strings.ToLower(by) {
	case "", "sku":
		return "SKU", nil
	case "gtin", "ean":
		return "Identifiers.Gtin", nil
	}
	name := strings.TrimPrefix(strings.TrimPrefix(by, "Identifiers."), "identifiers.")
	for _, f := range itemIdentifiers {
		if strings.EqualFold(f, name) {
			return "Identifiers." + f, nil
		}
	}
	return "", fmt.Errorf("sink.match_by %q: items match by SKU, GTIN or an identifier (%s)", by, strings.Join(itemIdentifiers, ", "))
}
