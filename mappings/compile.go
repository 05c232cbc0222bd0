package mappings

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/wawi-etl/etl/record"
)

// Compile checks a mapping against a source's header (nil for document
// sources, whose columns are dotted paths) and prepares it. All problems are
// returned at once as a *CompileError.
//
// Without fields, every header column is passed through as a string field in
// header order.
func Compile(spec *Spec, h *record.Header, opts Options) (*Mapper, error) {
	c := &compiler{spec: spec, h: h, opts: opts, lookups: map[string]*lookup{}}
	m := c.compile()
	if len(c.errs) > 0 {
		return nil, &CompileError{Errs: c.errs}
	}
	return m, nil
}

type compiler struct {
	spec    *Spec
	h       *record.Header
	opts    Options
	errs    []*SpecError
	sep     DecimalSep
	exprs   *exprs
	lookups map[string]*lookup
}

func (c *compiler) bad(field int, key, msg string) {
	se := &SpecError{Field: field, Key: key, Msg: msg}
	if field >= 0 {
		if fs := &c.spec.Fields[field]; fs.From != "" {
			se.File, se.FileField = fs.From, fs.FromIndex
		}
	}
	c.errs = append(c.errs, se)
}

func (c *compiler) expressions() *exprs {
	if c.exprs == nil {
		c.exprs = newExprs(c.h)
	}
	return c.exprs
}

func (c *compiler) compile() *Mapper {
	spec := c.spec
	m := &Mapper{}
	if len(spec.Include) > 0 {
		c.bad(-1, "include", "includes are not loaded; call LoadIncludes before Compile")
	}
	var ok bool
	if c.sep, ok = parseSep(spec.Decimal); !ok {
		c.bad(-1, "decimal", fmt.Sprintf("decimal must be comma, point or auto, not %q", spec.Decimal))
	}
	if spec.DateFormat != "" {
		if _, err := newDateParser(spec.DateFormat, false, nil); err != nil {
			c.bad(-1, "date_format", err.Error())
		}
	}
	names := make([]string, 0, len(spec.Lookups))
	for n := range spec.Lookups {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		ls := spec.Lookups[n]
		l := compileLookup(n, &ls, &c.opts, func(key, msg string) {
			k := "lookups." + n
			if key != "" {
				k += "." + key
			}
			c.errs = append(c.errs, &SpecError{Field: -1, Key: k, Msg: msg, File: ls.From, FileField: -1})
		})
		c.lookups[n] = l
	}
	if spec.When != "" {
		prog, err := c.expressions().compile(spec.When, true)
		if err != nil {
			c.bad(-1, "when", err.Error())
		}
		m.when = prog
	}

	if len(spec.Fields) == 0 {
		if c.h == nil {
			c.bad(-1, "fields", "a document source needs fields: there are no columns to pass through")
			return nil
		}
		for i, n := range c.h.Names {
			m.fields = append(m.fields, field{target: n, column: n, src: srcColumn, col: i, typ: String, simple: true})
			m.targets = append(m.targets, Target{Path: n, Type: String, Column: n})
		}
	} else {
		seen := make(map[string]int, len(spec.Fields))
		for i := range spec.Fields {
			fs := &spec.Fields[i]
			f := c.field(i, fs)
			if fs.Target != "" {
				if j, dup := seen[fs.Target]; dup {
					c.bad(i, "target", fmt.Sprintf("target %q is already mapped by fields[%d]", fs.Target, j))
				} else {
					seen[fs.Target] = i
				}
			}
			f.perLine = IsPerLine(f.target)
			f.ofLine = len(f.path) > 0 && lineKey(f.path[0])
			if n := len(m.fields); n > 0 && f.simplePath && !f.perLine {
				f.sharesParent = sameParent(&m.fields[n-1], &f)
			}
			m.fields = append(m.fields, f)
			creates := f.lookup != nil && f.lookup.erp != nil && f.lookup.erp.create
			m.targets = append(m.targets, Target{Path: f.target, Type: f.typ, Column: f.column, Creates: creates})
		}
	}
	if c.exprs != nil {
		c.exprs.finish()
		m.exprs = c.exprs
	}
	if len(c.errs) > 0 {
		return nil
	}
	// Constants do not depend on the record: map them once, and report a
	// constant that does not fit its type now rather than on every record.
	for i := range m.fields {
		f := &m.fields[i]
		if f.src != srcConst || f.lookup != nil && f.lookup.erp != nil {
			continue
		}
		var res Result
		v, _ := f.apply(context.Background(), &record.Record{}, nil, false, false, &res)
		for _, fe := range res.Errs {
			c.bad(i, "value", fe.Reason)
		}
		f.hasConst, f.constVal = true, v
	}
	return m
}

var types = []Type{String, Int, Decimal, Bool, Date, DateTime, List}

// field compiles one FieldSpec; problems go to c.errs.
func (c *compiler) field(i int, fs *FieldSpec) field {
	f := field{target: fs.Target, column: fs.Column, typ: fs.Type, required: fs.Required}
	if fs.Target == "" {
		c.bad(i, "target", "target is required")
	}

	var set []string
	if fs.Column != "" {
		set = append(set, "column")
	}
	if fs.Value != nil {
		set = append(set, "value")
	}
	if fs.Expr != "" {
		set = append(set, "expr")
	}
	switch {
	case len(set) == 0:
		c.bad(i, "column", "needs one of column, value or expr")
	case len(set) > 1:
		c.bad(i, set[1], fmt.Sprintf("%s and %s are both set; use one", set[0], set[1]))
	}
	switch {
	case fs.Column != "" && c.h != nil:
		f.src = srcColumn
		col, ok := c.h.IndexShown(fs.Column)
		if !ok {
			c.bad(i, "column", missingColumn(fs.Column, c.h))
			c.errs[len(c.errs)-1].Missing = fs.Column
		}
		f.col = col
	case fs.Column != "":
		f.src = srcPath
		f.path = parsePath(fs.Column)
		for _, s := range f.path {
			if s.name == "" {
				c.bad(i, "column", fmt.Sprintf("path %q has an empty part", fs.Column))
				break
			}
		}
	case fs.Value != nil:
		f.src, f.value = srcConst, *fs.Value
	case fs.Expr != "":
		f.src = srcExpr
		prog, err := c.expressions().compile(fs.Expr, false)
		if err != nil {
			c.bad(i, "expr", err.Error())
		}
		f.prog = prog
	}

	f.tf = compileTransforms(fs.Transforms, func(msg string) { c.bad(i, "transforms", msg) })
	switch {
	case f.typ == "" && f.tf.hasSplit:
		f.typ = List
	case f.typ == "":
		f.typ = String
	case !slices.Contains(types, f.typ):
		c.bad(i, "type", fmt.Sprintf("unknown type %q (string, int, decimal, bool, date, datetime, list)", f.typ))
		f.typ = String
	}
	if f.tf.hasSplit && f.typ != List {
		c.bad(i, "transforms", fmt.Sprintf("split makes a list, but the type is %s; use type: list", f.typ))
	}
	if f.typ == List && !f.tf.hasSplit && (f.src == srcColumn || f.src == srcConst) {
		c.bad(i, "type", `type list needs a split transform, e.g. - split: ","`)
	}
	if len(f.tf.num) > 0 && f.typ != Int && f.typ != Decimal {
		c.bad(i, "transforms", fmt.Sprintf("round and multiply apply to int and decimal fields, not %s", f.typ))
	}

	f.sep = c.sep
	if fs.Decimal != "" {
		sep, ok := parseSep(fs.Decimal)
		switch {
		case !ok:
			c.bad(i, "decimal", fmt.Sprintf("decimal must be comma, point or auto, not %q", fs.Decimal))
		case f.typ != Int && f.typ != Decimal:
			c.bad(i, "decimal", fmt.Sprintf("decimal applies to int and decimal fields, not %s", f.typ))
		}
		f.sep = sep
	}

	if fs.Format != "" && f.typ != Date && f.typ != DateTime {
		c.bad(i, "format", fmt.Sprintf("format applies to date and datetime fields, not %s", f.typ))
	}
	if f.typ == Date || f.typ == DateTime {
		format := fs.Format
		if format == "" {
			format = c.spec.DateFormat
		}
		dp, err := newDateParser(format, f.typ == Date, c.opts.Location)
		if err != nil {
			if fs.Format != "" {
				c.bad(i, "format", err.Error())
			} // a bad date_format is reported once, at mapping level
			dp, _ = newDateParser("", f.typ == Date, c.opts.Location)
		}
		f.dates = dp
	}

	if fs.Lookup != "" {
		l, defined := c.lookups[fs.Lookup]
		switch {
		case !defined:
			known := slices.Sorted(maps.Keys(c.spec.Lookups))
			msg := fmt.Sprintf("lookup %q is not defined in mapping.lookups", fs.Lookup)
			if len(known) > 0 {
				msg += " (defined: " + strings.Join(known, ", ") + ")" + didYouMean(fs.Lookup, known)
			}
			c.bad(i, "lookup", msg)
		case l == nil:
			// the lookup itself is broken and already reported
		default:
			f.lookup = l
		}
	}
	f.rules = compileRules(fs.Validate, &f, func(key, msg string) { c.bad(i, "validate."+key, msg) })
	f.simple = f.src == srcColumn && f.lookup == nil && f.rules == nil && f.typ != List
	f.simplePath = f.src == srcPath && len(f.path) > 0 && f.lookup == nil && f.rules == nil && f.typ != List
	return f
}

// sameParent reports whether g's path is f's but for the last name, f
// taking the short path of simplePath fields: g may look its name up in
// the map f's was looked up in.
func sameParent(f, g *field) bool {
	if !f.simplePath || f.perLine || len(f.path) != len(g.path) {
		return false
	}
	n := len(f.path) - 1
	if n == 0 && (lineKey(f.path[0]) || lineKey(g.path[0])) {
		return false // a line record's LineItem is not in its document's map
	}
	return slices.Equal(f.path[:n], g.path[:n])
}

// lineKey reports whether s names a line record's own map (see
// record.Record.LineItem).
func lineKey(s pathSeg) bool {
	return !s.hasIdx && (s.name == record.LineItemKey || s.name == record.LineTotalKey)
}

// missingColumn explains a column that is not in the header, with a
// suggestion when only case or spaces differ.
func missingColumn(col string, h *record.Header) string {
	msg := fmt.Sprintf("column %q is not in the file (columns: %s)", col, listNames(h.Names))
	if len(h.Names) == 1 && strings.ContainsAny(h.Names[0], ",;\t|") && !h.SerialDates { // SerialDates: a spreadsheet, which has no delimiter
		// a header read as one column: the delimiter is not the file's
		return msg + "; the header was read as a single column: is source.delimiter right? (leave it out to detect it)"
	}
	// suggestions as a cell shows the name (a line break as a space),
	// which IndexShown finds
	shown := make([]string, len(h.Names))
	for i, n := range h.Names {
		shown[i] = n
		if strings.ContainsAny(n, "\n\r\t") {
			shown[i] = record.Shown(n)
		}
	}
	want := strings.TrimSpace(col)
	for i, n := range h.Names {
		if strings.EqualFold(strings.TrimSpace(n), want) || strings.EqualFold(record.Shown(n), record.Shown(col)) {
			return msg + fmt.Sprintf("; did you mean %q?", shown[i])
		}
	}
	return msg + didYouMean(col, shown)
}
