package pipeline

import (
	"fmt"
	"hash/maphash"
	"sort"
	"strconv"
	"strings"

	"github.com/wawi-etl/etl/internal/diskmap"
)

// Rows of one input that share a key (an item's SKU, a stock level's item
// and warehouse, a customer's number) would write one after the other, the
// last one winning, and the next run would write them all again. The
// planning pass finds them; what happens to them is options.duplicates:
//
//   - identical rows always collapse into the first, the others unchanged;
//   - error (default): rows with other values fail together, each naming the
//     other rows, so the merchant decides;
//   - first, last: the first (last) row of the key is written, the others
//     are skipped.
const (
	DuplicatesError = "error"
	DuplicatesFirst = "first"
	DuplicatesLast  = "last"
)

// dupScan notes, in file order, the first row of every key and groups the
// rows of keys seen twice. Keys are kept as hashes (on disk past
// planNotesInMemory); a group keeps its key's text, and a verdict applies
// only to rows whose key equals it, so a hash collision changes nothing.
type dupScan struct {
	seed   maphash.Seed
	first  *diskmap.Map // seq, row, values
	groups map[uint64]*dupGroup
	order  []uint64 // groups in the order found
}

type dupRow struct {
	seq    int64
	row    int
	values uint64 // hash of the mapped values
}

type dupGroup struct {
	key  string
	rows []dupRow
}

// dupVerdict is what becomes of one row of a duplicate key.
type dupVerdict struct {
	key     string
	outcome Outcome
	err     error
	note    string
}

func newDupScan() *dupScan {
	return &dupScan{seed: maphash.MakeSeed(), first: diskmap.New(3, planNotesInMemory), groups: map[uint64]*dupGroup{}}
}

// see is called in file order with every planned record that has a key.
func (d *dupScan) see(key string, seq int64, row int, values []any) {
	h := maphash.String(d.seed, key)
	r := dupRow{seq: seq, row: row, values: maphash.String(d.seed, fmt.Sprint(values...))}
	// an error is kept by first and ends the run after the pass (err)
	v, ok, _ := d.first.Add(h, diskmap.Value{uint64(r.seq), uint64(r.row), r.values})
	if !ok {
		return
	}
	f := dupRow{seq: int64(v[0]), row: int(v[1]), values: v[2]}
	g := d.groups[h]
	if g == nil {
		g = &dupGroup{key: key, rows: []dupRow{f}}
		d.groups[h] = g
		d.order = append(d.order, h)
	}
	g.rows = append(g.rows, r)
}

func (d *dupScan) found() bool { return d != nil && len(d.groups) > 0 }

// err is the first error of the notes' file: duplicates may have been
// missed.
func (d *dupScan) err() error {
	if d == nil {
		return nil
	}
	return d.first.Err()
}

// verdicts decides every row of every duplicate key; rows not in the map
// are planned as usual.
func (d *dupScan) verdicts(mode string) map[int64]dupVerdict {
	if mode == "" {
		mode = DuplicatesError
	}
	out := map[int64]dupVerdict{}
	for _, h := range d.order {
		g := d.groups[h]
		identical := true
		for _, r := range g.rows[1:] {
			identical = identical && r.values == g.rows[0].values
		}
		keep := g.rows[0]
		if !identical && mode == DuplicatesLast {
			keep = g.rows[len(g.rows)-1]
		}
		for _, r := range g.rows {
			others := rowList(g.rows, r.seq)
			switch {
			case r.seq == keep.seq && (identical || mode != DuplicatesError):
				continue
			case identical:
				out[r.seq] = dupVerdict{key: g.key, outcome: Unchanged,
					note: fmt.Sprintf("same as row %d (key %s): written once", keep.row, g.key)}
			case mode == DuplicatesError:
				out[r.seq] = dupVerdict{key: g.key, outcome: Failed,
					err: fmt.Errorf("%s %s the same key %s with other values: correct the file, or set options.duplicates to first or last to import one of them", others, hasHave(others), g.key)}
			default:
				out[r.seq] = dupVerdict{key: g.key, outcome: Skipped,
					note: fmt.Sprintf("%s %s the same key %s; options.duplicates: %s writes row %d", others, hasHave(others), g.key, mode, keep.row)}
			}
		}
	}
	return out
}

// rowList names the rows of a group other than seq: "row 7", "rows 3, 9".
func rowList(rows []dupRow, seq int64) string {
	var nums []int
	for _, r := range rows {
		if r.seq != seq {
			nums = append(nums, r.row)
		}
	}
	sort.Ints(nums)
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) == 1 {
		return "row " + parts[0]
	}
	return "rows " + strings.Join(parts, ", ")
}

func hasHave(rows string) string {
	if strings.HasPrefix(rows, "rows ") {
		return "have"
	}
	return "has"
}
