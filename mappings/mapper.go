package mappings

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
	"github.com/wawi-etl/etl/record"
)

// Resolver resolves ERP lookups (categories, warehouses, customers, ...); the
// pipeline provides it. found=false means the key does not exist (and was not
// created); err is a transport failure and stops the run.
type Resolver interface {
	Resolve(ctx context.Context, table, key string, create bool) (value any, found bool, err error)
}

// Options are what Compile needs besides the spec and the header.
type Options struct {
	// BaseDir is the job file's folder; lookup files resolve against it.
	BaseDir string
	// Resolver serves erp: lookups; nil makes them a compile error.
	Resolver Resolver
	// Location holds date-times written without an offset; nil is UTC.
	Location *time.Location
}

// Result is one mapped record.
type Result struct {
	// Skip is set when the mapping's when is false; Values is then nil.
	Skip bool
	// Values are aligned with Mapper.Targets; nil for an empty value.
	Values []any
	// Errs lists every field problem of the record; the record fails when
	// there is any.
	Errs []*FieldError
}

// Mapper is a compiled mapping. Apply is safe for concurrent use.
type Mapper struct {
	targets []Target
	fields  []field
	when    *vm.Program
	exprs   *exprs // nil when the mapping has no expression
}

type srcKind uint8

const (
	srcColumn srcKind = iota // cell of a tabular source
	srcPath                  // dotted path into a document
	srcConst                 // value:
	srcExpr                  // expr:
)

// field is one compiled FieldSpec.
type field struct {
	target, column string
	src            srcKind
	col            int
	path           []pathSeg
	value          string
	prog           *vm.Program

	tf       transforms
	lookup   *lookup
	typ      Type
	sep      DecimalSep
	dates    *dateParser
	required bool
	rules    *ruleSet

	// simple fields (column, text transforms, type) take a shorter path.
	simple bool
	// simplePath is simple for a document path: its text or number is
	// typed without boxing, and sharesParent says the field before it is a
	// simplePath one whose path differs in the last name only
	// (BillingAddress.Company, BillingAddress.FirstName), whose map it reuses.
	simplePath, sharesParent bool

	// Constants are mapped once at Compile.
	hasConst bool
	constVal any

	// ofLine: the path is under a line record's LineItem or LineTotal
	// (record.Record.LineItem); every other path of a line record is its
	// document's, the same for all its lines (DocCache).
	ofLine bool

	// perLine: the target names a list element by [] (LineItems[].SKU):
	// the field is mapped for every row of a grouped record (Lines) and its
	// value is a LineValues.
	perLine bool
}

// LineValues is the value of a per-line target (LineItems[].SKU): one value
// per row of a grouped record, in the rows' order; a record that is not
// grouped is its own single row.
type LineValues []any

// IsPerLine reports whether a target path maps a value per row of a
// grouped record: it has an empty index, LineItems[].SKU.
func IsPerLine(path string) bool { return strings.Contains(path, "[]") }

// Targets describes Result.Values; shared, do not modify.
func (m *Mapper) Targets() []Target { return m.targets }

// Apply maps one record. Field problems go to Result.Errs; the error return
// is only for failures that should stop the run (an ERP lookup could not be
// resolved because of the connection or ctx). Records with Err set are the
// pipeline's to count; Apply does not look at Err.
func (m *Mapper) Apply(ctx context.Context, rec *record.Record) (Result, error) {
	b := &boxer{vals: make([]any, len(m.fields))}
	res, err := m.ApplyTo(ctx, rec, b)
	if err != nil || res.Skip {
		return res, err
	}
	res.Values = b.vals
	return res, nil
}

// ApplyTo is Apply handing the values to w, typed, instead of boxing them
// into Result.Values, which it leaves nil. w hears of every target unless
// the record is skipped or the error return is set; when Result.Errs is set,
// what w heard is incomplete.
func (m *Mapper) ApplyTo(ctx context.Context, rec *record.Record, w RowWriter) (Result, error) {
	return m.ApplyToWith(ctx, rec, w, nil)
}

// DocCache keeps what the fields of a line record took from its document
// (every path not under LineItem or LineTotal) for the next record of the
// same document: the lines of a document come one after the other, and
// their document's fields are the same for all of them. A simple path's
// value depends on its text alone (no lookup, no rules); a field that
// failed is mapped again for every line, so each line reports it. One
// DocCache per goroutine; the zero value is empty.
type DocCache struct {
	doc  int // record.Record.Document of the values; 0: none
	vals []value
	set  []bool
}

// ApplyToWith is ApplyTo with a DocCache (nil: none).
func (m *Mapper) ApplyToWith(ctx context.Context, rec *record.Record, w RowWriter, dc *DocCache) (Result, error) {
	if dc != nil && (rec.LineItem == nil || rec.Document == 0) {
		dc = nil // not a line record: a document of its own
	}
	if dc != nil && dc.doc != rec.Document {
		if len(dc.vals) != len(m.fields) {
			dc.vals, dc.set = make([]value, len(m.fields)), make([]bool, len(m.fields))
		}
		clear(dc.set)
		dc.doc = rec.Document
	}
	var env *exprEnv
	if m.exprs != nil {
		env = m.exprs.env(rec)
		defer m.exprs.put(env)
	}
	if m.when != nil {
		v, err := env.run(m.when)
		if err != nil {
			return Result{Errs: []*FieldError{{Target: "when", Reason: err.Error()}}}, nil
		}
		if b, _ := v.(bool); !b {
			return Result{Skip: true}, nil
		}
	}
	var sheet, d1904 bool
	if h := rec.Header; h != nil {
		sheet, d1904 = h.SerialDates, h.Date1904
	}
	var res Result
	var v value
	var pc parentCache
	for i := range m.fields {
		f := &m.fields[i]
		if len(rec.Lines) > 1 && !f.perLine && f.src == srcColumn {
			f.sameInLines(rec, &res)
		}
		if f.simplePath && !f.perLine {
			cache := dc != nil && !f.ofLine
			if cache && dc.set[i] {
				dc.vals[i].emit(i, w)
				pc.ok = false // the parent was not looked up
				continue
			}
			errs := len(res.Errs)
			if f.applyPath(rec, sheet, d1904, &res, &v, &pc) {
				if cache && len(res.Errs) == errs {
					dc.vals[i], dc.set[i] = v, true
				}
				v.emit(i, w)
				continue
			}
			pc.ok = false
		} else {
			pc.ok = false
		}
		switch {
		case f.perLine:
			lv, err := f.applyLines(ctx, m, rec, sheet, d1904, &res)
			if err != nil {
				return Result{}, err
			}
			w.Value(i, lv)
		case f.hasConst:
			w.Value(i, f.constVal)
		case f.simple:
			f.applySimple(rec, sheet, d1904, &res, &v)
			v.emit(i, w)
		default:
			v, err := f.apply(ctx, rec, env, sheet, d1904, &res)
			if err != nil {
				return Result{}, err
			}
			w.Value(i, v)
		}
	}
	return res, nil
}

// sameInLines checks that the rows of a grouped record agree on a column
// the record takes once (from its first row): an order whose rows name two
// customers is two orders under one number, or a typo, and must not be
// created from whichever row came first.
func (f *field) sameInLines(rec *record.Record, res *Result) {
	first := rec.Lines[0]
	want, _ := f.cell(first)
	want = strings.TrimSpace(want)
	for _, l := range rec.Lines[1:] {
		got, _ := f.cell(l)
		if got = strings.TrimSpace(got); got != want {
			res.Errs = append(res.Errs, &FieldError{Target: f.target, Column: f.column, Value: got,
				Reason: fmt.Sprintf("row %d says %q, row %d %q: the rows of one group must agree on it (map it per row with a target like LineItems[].X if it belongs to a row)", first.Row, want, l.Row, got)})
			return
		}
	}
}

// applyLines maps a per-line field for every row of rec (rec alone when
// it is not grouped). A problem names the row it is on.
func (f *field) applyLines(ctx context.Context, m *Mapper, rec *record.Record, sheet, d1904 bool, res *Result) (LineValues, error) {
	lines := rec.Lines
	if len(lines) == 0 {
		lines = []*record.Record{rec}
	}
	out := make(LineValues, len(lines))
	for j, l := range lines {
		var env *exprEnv
		if m.exprs != nil && f.src == srcExpr {
			env = m.exprs.env(l)
		}
		n := len(res.Errs)
		var v any
		var err error
		if f.hasConst {
			v = f.constVal
		} else {
			v, err = f.apply(ctx, l, env, sheet, d1904, res)
		}
		if env != nil {
			m.exprs.put(env)
		}
		if err != nil {
			return nil, err
		}
		if len(lines) > 1 {
			for _, fe := range res.Errs[n:] {
				fe.Reason = fmt.Sprintf("row %d: %s", l.Row, fe.Reason)
			}
		}
		out[j] = v
	}
	return out, nil
}

// input is a field's raw value. Numbers that arrive typed (json.Number, int,
// decimal from expressions or ERP lookups) become text with machine set: they
// are read with a decimal point whatever the field's separator.
type input struct {
	text    string
	typed   any // bool, time.Time, lists, objects: values that are not text
	isText  bool
	machine bool
}

func classify(v any) input {
	switch v := v.(type) {
	case string:
		return input{text: v, isText: true}
	case nil:
		return input{isText: true}
	case json.Number:
		return input{text: string(v), isText: true, machine: true}
	case int:
		return input{text: strconv.Itoa(v), isText: true, machine: true}
	case int64:
		return input{text: strconv.FormatInt(v, 10), isText: true, machine: true}
	case int32:
		return input{text: strconv.FormatInt(int64(v), 10), isText: true, machine: true}
	case uint64:
		return input{text: strconv.FormatUint(v, 10), isText: true, machine: true}
	case uint:
		return input{text: strconv.FormatUint(uint64(v), 10), isText: true, machine: true}
	case float64:
		// Shortest text that reads back as the same float: 0.1, not
		// 0.1000000000000000055511151231257827.
		return input{text: strconv.FormatFloat(v, 'f', -1, 64), isText: true, machine: true}
	case float32:
		return input{text: strconv.FormatFloat(float64(v), 'f', -1, 32), isText: true, machine: true}
	case decimal.Decimal:
		return input{text: v.String(), isText: true, machine: true}
	}
	return input{typed: v}
}

// origText is the input as a user would recognise it, for messages.
func (in *input) origText() string {
	if in.isText {
		return in.text
	}
	s, _ := typedText(in.typed)
	return s
}

// typedText writes a typed value as text for transforms and lookups.
func typedText(v any) (string, bool) {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v), true
	case time.Time:
		return v.Format(time.RFC3339Nano), true
	}
	return fmt.Sprint(v), false
}

func (f *field) fail(res *Result, in *input, reason string) {
	res.Errs = append(res.Errs, &FieldError{Target: f.target, Column: f.column, Value: in.origText(), Reason: reason})
}

// cell is the field's column of rec as the field reads it. A text field
// (string, list) takes what the cell shows where a spreadsheet's number
// format shows what the stored value loses (record.Record.Shown): the
// postcode 01067, not the stored 1067; the date, not its day number. A
// typed field takes the stored value, as always: a number cell's number
// (machine: not text in the column's convention), a date's serial.
func (f *field) cell(rec *record.Record) (text string, machine bool) {
	if f.typ == String || f.typ == List {
		if s := rec.ShownAt(f.col); s != "" {
			return s, false
		}
	}
	if f.col < len(rec.Fields) {
		return rec.Fields[f.col], rec.IsNumeric(f.col)
	}
	return "", false
}

// read returns the field's raw input.
func (f *field) read(rec *record.Record, env *exprEnv) (input, error) {
	switch f.src {
	case srcColumn:
		text, machine := f.cell(rec)
		return input{text: text, isText: true, machine: machine}, nil
	case srcPath:
		v, _ := walkRec(rec, f.path)
		return classify(v), nil
	case srcConst:
		return input{text: f.value, isText: true}, nil
	}
	v, err := env.run(f.prog)
	if err != nil {
		return input{isText: true}, err
	}
	return classify(v), nil
}

// apply maps one field of one record: read, text transforms, lookup, empty
// check, typing, round/multiply, rules.
func (f *field) apply(ctx context.Context, rec *record.Record, env *exprEnv, sheet, d1904 bool, res *Result) (any, error) {
	if f.simple {
		var v value
		f.applySimple(rec, sheet, d1904, res, &v)
		return v.box(), nil
	}
	in, err := f.read(rec, env)
	if err != nil {
		f.fail(res, &in, err.Error())
		return nil, nil
	}
	if f.typ == List {
		return f.applyList(ctx, &in, res)
	}
	cur := in
	if !cur.isText && (len(f.tf.pre) > 0 || f.lookup != nil) {
		if s, ok := typedText(cur.typed); ok {
			cur = input{text: s, isText: true}
		}
	}
	if cur.isText {
		if cur.text, err = runSteps(f.tf.pre, cur.text); err != nil {
			f.fail(res, &in, err.Error())
			return nil, nil
		}
		if f.src == srcColumn && cur.text != in.text {
			cur.machine = false // a rewritten number cell is text again
		}
		if f.lookup != nil && cur.text != "" {
			v, ok, err := f.translate(ctx, cur.text)
			if err != nil {
				return nil, err
			}
			if !ok {
				f.fail(res, &in, notInLookup(ctx, f.lookup, cur.text))
				return nil, nil
			}
			cur = v
		}
	}
	if cur.isText && (cur.text == "" || f.typ != String && strings.TrimSpace(cur.text) == "") {
		if f.required {
			f.fail(res, &in, "required, but empty")
		}
		return nil, nil
	}
	var val any
	if cur.isText {
		var tv value
		if err = f.typeText(cur.text, cur.machine, sheet, d1904, &tv); err == nil {
			val = tv.box()
		}
	} else {
		val, err = f.typeValue(cur.typed)
	}
	if err != nil {
		reason := err.Error()
		if cur.isText && in.isText && cur.text != in.text {
			reason += fmt.Sprintf(" (after transforms: %q)", cur.text)
		}
		f.fail(res, &in, reason)
		return nil, nil
	}
	if f.rules != nil {
		text := cur.text
		if !cur.isText {
			text, _ = typedText(cur.typed)
		}
		f.rules.check(text, val, func(reason string) { f.fail(res, &in, reason) })
	}
	return val, nil
}

// applySimple is apply for the common field: a column, text transforms at
// most, a type, no lookup and no rules. The value goes to out.
func (f *field) applySimple(rec *record.Record, sheet, d1904 bool, res *Result, out *value) {
	out.kind = vNull
	cell, number := f.cell(rec)
	text := cell
	var err error
	if len(f.tf.pre) > 0 {
		if text, err = runSteps(f.tf.pre, text); err != nil {
			f.fail(res, &input{text: cell, isText: true}, err.Error())
			return
		}
	}
	if text == "" || f.typ != String && strings.TrimSpace(text) == "" {
		if f.required {
			f.fail(res, &input{text: cell, isText: true}, "required, but empty")
		}
		return
	}
	// a number cell is the stored number, unless a transform rewrote it
	machine := text == cell && number
	if err := f.typeText(text, machine, sheet, d1904, out); err != nil {
		out.kind = vNull
		reason := err.Error()
		if text != cell {
			reason += fmt.Sprintf(" (after transforms: %q)", text)
		}
		f.fail(res, &input{text: cell, isText: true}, reason)
	}
}

// parentCache is the map the last simplePath field's name was looked up in.
type parentCache struct {
	m  map[string]any
	ok bool // m is the parent of the previous field's path
}

// applyPath is apply for a simplePath field whose value is text, a JSON
// number or missing: the same steps, without boxing the value. It reports
// false, having done nothing, for any other value (apply maps those).
func (f *field) applyPath(rec *record.Record, sheet, d1904 bool, res *Result, out *value, pc *parentCache) bool {
	out.kind = vNull
	var parent map[string]any
	if f.sharesParent && pc.ok {
		parent = pc.m
	} else {
		parent = parentOfRec(rec, f.path)
		pc.m = parent
	}
	pc.ok = true
	var cell string
	machine := false
	last := &f.path[len(f.path)-1]
	if parent != nil {
		raw, found := parent[last.name]
		if found && last.hasIdx {
			arr, ok := raw.([]any)
			if !ok || last.idx < 0 || last.idx >= len(arr) {
				raw = nil
			} else {
				raw = arr[last.idx]
			}
		}
		switch v := raw.(type) {
		case nil:
		case string:
			cell = v
		case json.Number:
			cell, machine = string(v), true
		default:
			return false
		}
	}
	text := cell
	var err error
	if len(f.tf.pre) > 0 {
		if text, err = runSteps(f.tf.pre, text); err != nil {
			f.fail(res, &input{text: cell, isText: true}, err.Error())
			return true
		}
	}
	if text == "" || f.typ != String && strings.TrimSpace(text) == "" {
		if f.required {
			f.fail(res, &input{text: cell, isText: true}, "required, but empty")
		}
		return true
	}
	if err := f.typeText(text, machine, sheet, d1904, out); err != nil {
		out.kind = vNull
		reason := err.Error()
		if text != cell {
			reason += fmt.Sprintf(" (after transforms: %q)", text)
		}
		f.fail(res, &input{text: cell, isText: true}, reason)
	}
	return true
}

// isLine reports whether rec is a line record whose line has a map under
// the path's first key (record.Record.LineItem).
func isLine(rec *record.Record, segs []pathSeg) (map[string]any, bool) {
	if rec.LineItem == nil && rec.LineTotal == nil || segs[0].hasIdx {
		return nil, false
	}
	return rec.LineMap(segs[0].name)
}

// walkRec is walkPath in rec's document, its line's maps included.
func walkRec(rec *record.Record, segs []pathSeg) (any, bool) {
	if m, ok := isLine(rec, segs); ok {
		if len(segs) == 1 {
			return m, true
		}
		return walkPath(m, segs[1:])
	}
	return walkPath(rec.Doc, segs)
}

// parentOfRec is parentOf in rec's document, its line's maps included.
func parentOfRec(rec *record.Record, segs []pathSeg) map[string]any {
	if m, ok := isLine(rec, segs); ok {
		if len(segs) == 1 {
			return map[string]any{segs[0].name: m} // the line's map itself is the value
		}
		return parentOf(m, segs[1:])
	}
	return parentOf(rec.Doc, segs)
}

// parentOf walks all but the last segment of a path: the map the last
// name is looked up in, nil when there is none.
func parentOf(doc map[string]any, segs []pathSeg) map[string]any {
	if len(segs) == 1 {
		return doc
	}
	v, ok := walkPath(doc, segs[:len(segs)-1])
	if !ok {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}

// translate looks text up and applies the missing policy; ok=false means a
// missing key under missing: error.
func (f *field) translate(ctx context.Context, key string) (input, bool, error) {
	v, found, err := f.lookup.get(ctx, key)
	if err != nil {
		return input{}, false, fmt.Errorf("%s: lookup %q of %q: %w", f.target, f.lookup.name, key, err)
	}
	if found {
		if f.lookup.erp == nil {
			return input{text: v.(string), isText: true}, true, nil
		}
		return classify(v), true, nil
	}
	switch f.lookup.missing {
	case missingEmpty:
		return input{isText: true}, true, nil
	case missingKeep:
		return input{text: key, isText: true}, true, nil
	}
	return input{}, false, nil
}

// applyList maps a list field: split, per-element transforms and lookup,
// empty elements dropped, rules per element.
func (f *field) applyList(ctx context.Context, in *input, res *Result) (any, error) {
	var parts []string
	switch v := in.typed; {
	case in.isText:
		text, err := runSteps(f.tf.pre, in.text)
		if err != nil {
			f.fail(res, in, err.Error())
			return nil, nil
		}
		if f.tf.hasSplit {
			parts = strings.Split(text, f.tf.split)
		} else {
			parts = []string{text}
		}
	default:
		switch v := v.(type) {
		case []string:
			parts = v
		case []any:
			for _, el := range v {
				c := classify(el)
				if !c.isText {
					s, ok := typedText(c.typed)
					if !ok {
						f.fail(res, in, "list elements must be plain values")
						return nil, nil
					}
					c.text = s
				}
				parts = append(parts, c.text)
			}
		default:
			s, ok := typedText(v)
			if !ok {
				f.fail(res, in, "is an object, not a list")
				return nil, nil
			}
			parts = []string{s}
		}
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p, err := runSteps(f.tf.post, p)
		if err != nil {
			f.fail(res, in, fmt.Sprintf("element %q: %v", p, err))
			continue
		}
		if f.lookup != nil && p != "" {
			v, ok, err := f.translate(ctx, p)
			if err != nil {
				return nil, err
			}
			if !ok {
				f.fail(res, in, notInLookup(ctx, f.lookup, p))
				continue
			}
			if v.isText {
				p = v.text
			} else {
				p, _ = typedText(v.typed)
			}
		}
		if p == "" {
			continue
		}
		if f.rules != nil {
			f.rules.check(p, p, func(reason string) { f.fail(res, in, fmt.Sprintf("element %q %s", p, reason)) })
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		if f.required {
			f.fail(res, in, "required, but empty")
		}
		return nil, nil
	}
	return out, nil
}

// typeText converts non-empty text to the field's type. machine text (from
// typed numbers) always uses a decimal point. The value goes to out, which
// is the caller's: a value is large enough for copies to show.
func (f *field) typeText(s string, machine, sheet, d1904 bool, out *value) error {
	if f.typ == String {
		out.kind, out.s = vText, s
		return nil
	}
	s = strings.TrimSpace(s)
	sep := f.sep
	if machine {
		sep = SepPoint
	}
	switch f.typ {
	case Int:
		if len(f.tf.num) == 0 {
			v, err := parseInt(s, sep, sheet)
			if err != nil {
				return err
			}
			out.kind, out.i = vInt, v
			return nil
		}
		d, err := f.number(s, sep, sheet)
		if err != nil {
			return err
		}
		if !d.IsInteger() {
			return reasonf("%s is not a whole number after round/multiply", d.String())
		}
		if bi := d.BigInt(); !bi.IsInt64() {
			return reasonError("too large for an int (max 9223372036854775807)")
		} else {
			out.kind, out.i = vInt, bi.Int64()
			return nil
		}
	case Decimal:
		if len(f.tf.num) == 0 {
			if !sheet {
				if m, exp, ok := plainDecimal(s, sep); ok {
					out.kind, out.i, out.exp = vDec, m, exp
					return nil
				}
			}
			var n number
			if err := scanNumber(s, sep, sheet, &n); err != nil {
				return err
			}
			if m, exp, ok := n.small(); ok {
				out.kind, out.i, out.exp = vDec, m, exp
				return nil
			}
			out.kind, out.x = vAny, n.decimal()
			return nil
		}
		d, err := f.number(s, sep, sheet)
		if err != nil {
			return err
		}
		out.kind, out.x = vAny, d
		return nil
	case Bool:
		b, ok := parseBool(s)
		if !ok {
			return reasonError(boolHelp)
		}
		out.kind, out.i = vBool, 0
		if b {
			out.i = 1
		}
		return nil
	case Date, DateTime:
		if sheet && isPlainNumber(s) {
			if f.dates.layout != "" {
				if t, err := f.dates.parse(s); err == nil {
					out.kind, out.t = vTime, t
					return nil
				}
			}
			t, err := serialToTime(s, d1904, f.dates.loc)
			if err != nil {
				return err
			}
			out.kind, out.t = vTime, f.dates.finish(t)
			return nil
		}
		t, err := f.dates.parse(s)
		if err != nil {
			if sheet {
				if t, ok := f.dates.shown(s); ok {
					out.kind, out.t = vTime, t
					return nil
				}
			}
			return err
		}
		out.kind, out.t = vTime, t
		return nil
	}
	return reasonf("unsupported type %q", f.typ)
}

// number parses a decimal and applies round/multiply in order.
func (f *field) number(s string, sep DecimalSep, sheet bool) (decimal.Decimal, error) {
	var n number
	if err := scanNumber(s, sep, sheet, &n); err != nil {
		return decimal.Decimal{}, err
	}
	d := n.decimal()
	for i := range f.tf.num {
		d = f.tf.num[i].apply(d)
	}
	return d, nil
}

// typeValue converts a value that is not text (bool, time, list, object).
func (f *field) typeValue(v any) (any, error) {
	switch v := v.(type) {
	case bool:
		switch f.typ {
		case Bool:
			return v, nil
		case String:
			return strconv.FormatBool(v), nil
		}
	case time.Time:
		switch f.typ {
		case Date, DateTime:
			return f.dates.finish(v), nil
		case String:
			return v.Format(time.RFC3339Nano), nil
		}
	case []any, []string:
		return nil, reasonf("is a list; map it with type: list")
	case map[string]any:
		return nil, reasonf("is an object, not a value; map one of its fields with a dotted path")
	}
	return nil, reasonf("a %T value cannot be a %s", v, f.typ)
}

// pathSeg is one step of a dotted document path: name or name[idx].
type pathSeg struct {
	name   string
	idx    int
	hasIdx bool
}

// parsePath splits a dotted path once at Compile, with the same rules as
// record.Lookup.
func parsePath(p string) []pathSeg {
	var segs []pathSeg
	for part := range strings.SplitSeq(p, ".") {
		seg := pathSeg{name: part}
		if open := strings.IndexByte(part, '['); open >= 0 && strings.HasSuffix(part, "]") {
			if n, err := strconv.Atoi(part[open+1 : len(part)-1]); err == nil {
				seg = pathSeg{name: part[:open], idx: n, hasIdx: true}
			}
		}
		segs = append(segs, seg)
	}
	return segs
}

func walkPath(doc map[string]any, segs []pathSeg) (any, bool) {
	var cur any = doc
	for _, s := range segs {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[s.name]; !ok {
			return nil, false
		}
		if s.hasIdx {
			arr, ok := cur.([]any)
			if !ok || s.idx < 0 || s.idx >= len(arr) {
				return nil, false
			}
			cur = arr[s.idx]
		}
	}
	return cur, true
}
