package sinks

import (
	"fmt"
	"strings"
)

// openCustomers configures the document sink for customers: operations
// upsert (default), update and create, matched by the customer Number
// through the list's exact number filter (or the index).
func openCustomers(s *ERPSink, op string) (resourceSink, error) {
	op, err := operation("customers", op, "upsert", "update", "create")
	if err != nil {
		return nil, err
	}
	if by := strings.TrimSpace(s.spec.MatchBy); by != "" && !strings.EqualFold(by, "Number") {
		return nil, fmt.Errorf("sink.match_by %q: customers match by Number", by)
	}
	nk, _ := s.def.NaturalKey("Number")
	return openDocs(s, docConfig{noun: "customer", op: op, match: "Number", searchParam: nk.Lookup,
		createSchema: s.def.CreateSchema, updateSchema: s.def.UpdateSchema})
}
