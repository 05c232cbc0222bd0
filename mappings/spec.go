package mappings

// Type is the type of a mapped value. Values produced by a mapping are Go
// values of these kinds:
//
//	string   -> string
//	int      -> int64
//	decimal  -> decimal.Decimal (shopspring; never float64)
//	bool     -> bool
//	date     -> time.Time (midnight, UTC location; the calendar date is what counts)
//	datetime -> time.Time
//	list     -> []string (from the split transform)
//
// An empty cell maps to nil, whatever the type.
type Type string

const (
	String   Type = "string"
	Int      Type = "int"
	Decimal  Type = "decimal"
	Bool     Type = "bool"
	Date     Type = "date"
	DateTime Type = "datetime"
	List     Type = "list"
)

// Spec is the mapping block of a job file.
type Spec struct {
	// Include names files (relative to the job file) whose mapping blocks are
	// merged in before this one: their fields come first, lookups are shared.
	Include []string `yaml:"include,omitempty" json:"include,omitempty" jsonschema:"description=mapping files to include; their fields come first"`
	// Decimal is the default decimal separator for decimal fields: comma, point or auto.
	Decimal string `yaml:"decimal,omitempty" json:"decimal,omitempty" jsonschema:"description=decimal separator of decimal fields: comma; point or auto (default),enum=comma,enum=point,enum=auto"`
	// DateFormat is the default input layout for date and datetime fields.
	DateFormat string `yaml:"date_format,omitempty" json:"date_format,omitempty" jsonschema:"description=input layout of date and datetime fields (e.g. dd.mm.yyyy)"`
	// When is an expression; a record for which it is false is skipped.
	When string `yaml:"when,omitempty" json:"when,omitempty" jsonschema:"description=expression; records for which it is false are skipped"`
	// Lookups are named tables that fields translate values through.
	Lookups map[string]LookupSpec `yaml:"lookups,omitempty" json:"lookups,omitempty" jsonschema:"description=named translation tables that fields translate values through"`
	// Fields are the output fields, in output order.
	Fields []FieldSpec `yaml:"fields,omitempty" json:"fields,omitempty" jsonschema:"description=the output fields in output order"`
}

// FieldSpec maps one output field. Exactly one of Column, Value and Expr
// gives the input; Lookup then translates it.
type FieldSpec struct {
	// Target is the API field path (SKU, ItemPriceData.SalesPriceNet,
	// Categories[0].CategoryId) or the output column name of a file sink.
	Target string `yaml:"target" json:"target" jsonschema:"description=API field path (SKU; ItemPriceData.SalesPriceNet) or the output column of a file"`
	Column string `yaml:"column,omitempty" json:"column,omitempty" jsonschema:"description=source column (or dotted path for ERP sources)"`
	// Value is a constant.
	Value *string `yaml:"value,omitempty" json:"value,omitempty" jsonschema:"description=a constant value"`
	// Expr is an expr-lang expression over the record's columns.
	Expr string `yaml:"expr,omitempty" json:"expr,omitempty" jsonschema:"description=expression over the record columns (expr-lang) e.g. Preis * 1.19"`
	// Lookup names a table in lookups that translates the value.
	Lookup string `yaml:"lookup,omitempty" json:"lookup,omitempty" jsonschema:"description=name of a table in mapping.lookups that translates the value"`
	Type   Type   `yaml:"type,omitempty" json:"type,omitempty" jsonschema:"description=type of the value; default string,enum=string,enum=int,enum=decimal,enum=bool,enum=date,enum=datetime,enum=list"`
	// Format is the input layout of a date or datetime field.
	Format string `yaml:"format,omitempty" json:"format,omitempty" jsonschema:"description=input layout of a date or datetime field (e.g. dd.mm.yyyy)"`
	// Decimal overrides the file-wide decimal separator for this field.
	Decimal    string      `yaml:"decimal,omitempty" json:"decimal,omitempty" jsonschema:"description=decimal separator of this field; overrides mapping.decimal,enum=comma,enum=point,enum=auto"`
	Transforms []Transform `yaml:"transforms,omitempty" json:"transforms,omitempty" jsonschema:"description=steps applied to the text before it is typed: trim; upper; lower; replace; regex; default; round; multiply; prefix; suffix; split"`
	Required   bool        `yaml:"required,omitempty" json:"required,omitempty" jsonschema:"description=an empty value fails the record"`
	Validate   *Rules      `yaml:"validate,omitempty" json:"validate,omitempty" jsonschema:"description=rules the mapped value must keep; each broken rule fails the record"`

	// From is the included file this field came from ("" for the job file)
	// and FromIndex its position in that file's fields; LoadIncludes sets
	// them so that errors point into the right file.
	From      string `yaml:"-" json:"-"`
	FromIndex int    `yaml:"-" json:"-"`
}

// Rules validate a mapped value; each broken rule is one field error.
type Rules struct {
	Pattern   string   `yaml:"pattern,omitempty" json:"pattern,omitempty" jsonschema:"description=regular expression the text must match"`
	Min       *string  `yaml:"min,omitempty" json:"min,omitempty" jsonschema:"description=smallest allowed number or date"`
	Max       *string  `yaml:"max,omitempty" json:"max,omitempty" jsonschema:"description=largest allowed number or date"`
	OneOf     []string `yaml:"one_of,omitempty" json:"one_of,omitempty" jsonschema:"description=the allowed values"`
	MaxLength int      `yaml:"max_length,omitempty" json:"max_length,omitempty" jsonschema:"description=longest allowed text in characters"`
}

// LookupSpec is a translation table: inline values, a CSV file, or a
// resolver the ERP provides (categories, warehouses, customers, manufacturers).
type LookupSpec struct {
	Values map[string]string `yaml:"values,omitempty" json:"values,omitempty" jsonschema:"description=inline table: key to value"`
	File   string            `yaml:"file,omitempty" json:"file,omitempty" jsonschema:"description=CSV file holding the table; relative to the job file"`
	Key    string            `yaml:"key,omitempty" json:"key,omitempty" jsonschema:"description=key column of file"`
	Result string            `yaml:"result,omitempty" json:"result,omitempty" jsonschema:"description=value column of file"`
	ERP    string            `yaml:"erp,omitempty" json:"erp,omitempty" jsonschema:"description=resolve through the ERP: categories, warehouses, customers, manufacturers, paymentMethods, shippingMethods, companies"`
	// Create missing entries (categories only) instead of failing the record.
	Create bool `yaml:"create,omitempty" json:"create,omitempty" jsonschema:"description=categories: create a missing one instead of failing the record"`
	// Missing says what a key not in the table gives: error (default), empty, or keep.
	Missing string `yaml:"missing,omitempty" json:"missing,omitempty" jsonschema:"description=what a key not in the table gives: error (default); empty or keep,enum=error,enum=empty,enum=keep"`

	// From is the included file the lookup came from ("" for the job file);
	// set by LoadIncludes.
	From string `yaml:"-" json:"-"`
}

// Target describes one output value of a compiled mapping.
type Target struct {
	Path string
	Type Type
	// Column is the source column the value came from, "" for constants and
	// expressions; reports use it to point at the offending cell.
	Column string
	// Creates marks a value from an ERP lookup that creates what it does not
	// find (categories): in a planning pass, a negative id stands for one
	// that would be created.
	Creates bool
}

// Transform is one step applied to a value before it is typed, written in a
// job as a bare name (trim, upper, lower) or a one-key map:
// replace: [old, new], regex: 'pattern with (group)', default: x, round: 2,
// multiply: "1.19", prefix: x, suffix: x, split: ",".
type Transform struct {
	Name string
	Args []string
}
