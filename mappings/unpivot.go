package mappings

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/wawi-etl/etl/record"
)

// UnpivotSpec turns a wide file into a long one (source.unpivot): the
// columns whose names match Columns become rows. A price list with the
// columns "Händler ab 1", "Händler ab 10", "Großkunden ab 1" and the pattern
// `^(?P<Kundengruppe>.+) ab (?P<Menge>\d+)$` gives, per input row, one row
// per such column with the new columns Kundengruppe (Händler), Menge (10)
// and Value's column (the cell); the other columns are kept in every row.
// A long file (one row per price) needs no unpivot.
type UnpivotSpec struct {
	// Columns is a regular expression over the column names; its named
	// groups become columns that hold what they captured.
	Columns string `yaml:"columns" json:"columns" jsonschema:"description=regular expression over column names; its named groups (?P<Name>...) become columns"`
	// Value names the column that holds the matched cell's text.
	Value string `yaml:"value" json:"value" jsonschema:"description=name of the new column holding the cell of a matched column"`
	// KeepEmpty keeps the rows of empty cells (default: a price the file
	// leaves empty is not there).
	KeepEmpty bool `yaml:"keep_empty,omitempty" json:"keep_empty,omitempty" jsonschema:"description=also make records of empty cells (default: an empty cell gives no record)"`
}

// Unpivot expands the records of one header.
type Unpivot struct {
	in, out   *record.Header
	keep      []int      // input columns copied to every row
	wide      []int      // input columns that become rows
	captures  [][]string // per wide column: the named groups' values
	keepEmpty bool
	long      bool // the file has the new columns already: no change
}

func hasAll(h *record.Header, names []string) bool {
	for _, n := range names {
		if _, ok := h.Index(n); !ok {
			return false
		}
	}
	return true
}

// NewUnpivot checks spec against the input's header. It is an error when
// no column matches, when the pattern captures nothing by name, or when a
// new column's name is a column the input keeps.
func NewUnpivot(spec *UnpivotSpec, h *record.Header) (*Unpivot, error) {
	if h == nil {
		return nil, fmt.Errorf("source.unpivot needs a file with a header row")
	}
	re, err := regexp.Compile(spec.Columns)
	if err != nil {
		return nil, fmt.Errorf("source.unpivot.columns: %v", err)
	}
	var groups []string
	for _, n := range re.SubexpNames() {
		if n != "" {
			groups = append(groups, n)
		}
	}
	if strings.TrimSpace(spec.Value) == "" {
		return nil, fmt.Errorf("source.unpivot.value: name the column that holds the cells")
	}
	u := &Unpivot{in: h, keepEmpty: spec.KeepEmpty}
	var names []string
	for i, n := range h.Names {
		m := re.FindStringSubmatch(n)
		if m == nil {
			u.keep = append(u.keep, i)
			names = append(names, n)
			continue
		}
		var caps []string
		for j, g := range re.SubexpNames() {
			if g != "" {
				caps = append(caps, strings.TrimSpace(m[j]))
			}
		}
		u.wide = append(u.wide, i)
		u.captures = append(u.captures, caps)
	}
	if len(u.wide) == 0 && hasAll(h, append(slices.Clone(groups), spec.Value)) {
		// long already (errors.xlsx of an unpivoted run, a row per
		// price): the records pass as they are
		return &Unpivot{in: h, out: h, long: true}, nil
	}
	if len(u.wide) == 0 {
		return nil, fmt.Errorf("source.unpivot.columns %q matches no column (columns: %s)", spec.Columns, listNames(h.Names))
	}
	for _, n := range append(slices.Clone(groups), spec.Value) {
		if slices.Contains(names, n) {
			return nil, fmt.Errorf("source.unpivot: the new column %q is a column of the file already", n)
		}
		names = append(names, n)
	}
	u.out = record.NewHeader(names)
	u.out.SerialDates, u.out.Date1904 = h.SerialDates, h.Date1904
	return u, nil
}

// Header is the header of the expanded records.
func (u *Unpivot) Header() *record.Header { return u.out }

// Expand returns the rows of rec: one per wide column whose cell is not
// empty, in column order. They keep rec's Row (errors point at the line of
// the file) and Err; Seq is the caller's to number. A malformed record
// stays one record. A file that has the new columns already (and none
// that match) passes unchanged.
func (u *Unpivot) Expand(rec *record.Record) []*record.Record {
	if u.long || rec.Err != nil || rec.Header == nil {
		return []*record.Record{rec} // a malformed row keeps its columns for errors.xlsx
	}
	var out []*record.Record
	for k, col := range u.wide {
		cell := ""
		if col < len(rec.Fields) {
			cell = rec.Fields[col]
		}
		if !u.keepEmpty && strings.TrimSpace(cell) == "" {
			continue
		}
		f := make([]string, 0, len(u.out.Names))
		for _, i := range u.keep {
			if i < len(rec.Fields) {
				f = append(f, rec.Fields[i])
			} else {
				f = append(f, "")
			}
		}
		f = append(f, u.captures[k]...)
		f = append(f, cell)
		r := *rec
		r.Header, r.Fields = u.out, f
		u.marks(rec, &r, col)
		out = append(out, &r)
	}
	return out
}

// marks moves the per-cell marks of rec (Numeric, Shown) to the columns of
// its row r for the wide column col: a kept column's stay with it, col's go
// to the value column, the captured columns have none. Left as they were,
// they would mark other columns: a number cell's stored 13.45 read as text
// under decimal: comma (1345), or a cell's shown text in another column.
func (u *Unpivot) marks(rec, r *record.Record, col int) {
	r.Numeric, r.Shown = nil, nil
	if rec.Numeric == nil && rec.Shown == nil {
		return
	}
	n := len(r.Fields)
	move := func(to, from int) {
		if rec.IsNumeric(from) {
			if r.Numeric == nil {
				r.Numeric = make([]bool, n)
			}
			r.Numeric[to] = true
		}
		if s := rec.ShownAt(from); s != "" {
			if r.Shown == nil {
				r.Shown = make([]string, n)
			}
			r.Shown[to] = s
		}
	}
	for to, from := range u.keep {
		move(to, from)
	}
	move(n-1, col)
}
