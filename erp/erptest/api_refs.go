package erptest

// Reference lists an item names by id (ShippingClassId, AvailabilityId,
// ConditionId): GET only, plain arrays, like suppliers and tax classes
// (collection_prices.go). A seed that leaves one empty gets the defaults
// below.

// ShippingClass is the spec's ShippingClass (Versandklasse).
type ShippingClass struct {
	Id   int
	Name string
}

// Availability is the spec's Availability (Lieferstatus).
type Availability struct {
	Id   int
	Name string
}

// Condition is the spec's Condition (Zustand), named per language.
type Condition struct {
	Id    int
	Names []ConditionName
}

// ConditionName is the spec's ConditionNames: a condition's name in one
// language.
type ConditionName struct {
	Name        string
	LanguageIso string
}

// moreRefs are the reference lists of api_refs.go.
type moreRefs struct {
	shippingClasses []ShippingClass
	availabilities  []Availability
	conditions      []Condition
}

// loadMoreRefs takes the seed's lists, defaults for those it lacks.
func (c *catalogState) loadMoreRefs(seed *CatalogSeed) {
	r := &c.refs
	r.shippingClasses = seed.ShippingClasses
	if len(r.shippingClasses) == 0 {
		r.shippingClasses = []ShippingClass{{Id: 1, Name: "Standard"}, {Id: 2, Name: "Sperrgut"}}
	}
	r.availabilities = seed.Availabilities
	if len(r.availabilities) == 0 {
		r.availabilities = []Availability{{Id: 1, Name: "sofort lieferbar"}, {Id: 2, Name: "1-3 Werktage"}, {Id: 3, Name: "nicht lieferbar"}}
	}
	r.conditions = seed.Conditions
	if len(r.conditions) == 0 {
		// Item.ConditionId defaults to 1 (defaultItem).
		r.conditions = []Condition{
			{Id: 1, Names: []ConditionName{{Name: "Neu", LanguageIso: "de"}, {Name: "New", LanguageIso: "en"}}},
			{Id: 2, Names: []ConditionName{{Name: "Gebraucht", LanguageIso: "de"}, {Name: "Used", LanguageIso: "en"}}},
		}
	}
	for i := range r.conditions {
		if r.conditions[i].Names == nil {
			r.conditions[i].Names = []ConditionName{}
		}
	}
}

var moreRefLists = []collection{
	&refList[ShippingClass]{path: "/shippingClasses", op: "ShippingClassHeader_QueryShippingClassesAsync", list: func(s *store) []ShippingClass { return s.cat.refs.shippingClasses }},
	&refList[Availability]{path: "/availabilities", op: "AvailabilityHeader_QueryAvailabilitiesAsync", list: func(s *store) []Availability { return s.cat.refs.availabilities }},
	&refList[Condition]{path: "/conditions", op: "ConditionHeader_QueryConditionsAsync", list: func(s *store) []Condition { return s.cat.refs.conditions }},
}
