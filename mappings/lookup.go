package mappings

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// missingPolicy is what a key that is not in a table gives.
type missingPolicy uint8

const (
	missingError missingPolicy = iota // field error: not in lookup table "x"
	missingEmpty                      // empty value (nil, or a required error)
	missingKeep                       // the key itself
)

// lookup translates a field's text. Static tables (inline values, CSV file)
// are read-only maps; ERP tables resolve through Options.Resolver and cache.
type lookup struct {
	name    string
	missing missingPolicy
	values  map[string]string // static tables
	erp     *erpTable
}

// get returns the translation of key. found=false with a nil error means the
// key is not in the table and the missing policy has been applied by the
// caller. err is only a resolver failure.
func (l *lookup) get(ctx context.Context, key string) (any, bool, error) {
	if l.erp == nil {
		v, ok := l.values[key]
		return v, ok, nil
	}
	return l.erp.get(ctx, key)
}

// erpTable caches ERP resolutions for the run: one Resolve call per key, even
// when many workers ask for the same key at once.
type erpTable struct {
	table    string
	create   bool
	resolver Resolver
	cache    sync.Map // key -> *erpEntry
}

type erpEntry struct {
	done  chan struct{}
	val   any
	found bool
	err   error
}

func (t *erpTable) get(ctx context.Context, key string) (any, bool, error) {
	if e, ok := t.cache.Load(key); ok {
		return t.wait(ctx, e.(*erpEntry))
	}
	ent := &erpEntry{done: make(chan struct{})}
	if e, loaded := t.cache.LoadOrStore(key, ent); loaded {
		return t.wait(ctx, e.(*erpEntry))
	}
	func() {
		// Close even if Resolve panics, so that waiters do not hang; they
		// then see this error.
		defer close(ent.done)
		ent.err = errors.New("resolver panicked")
		ent.val, ent.found, ent.err = t.resolver.Resolve(ctx, t.table, key, t.create)
	}()
	if ent.err != nil {
		// A failure (timeout, connection) is not an answer; a later call may
		// ask again.
		t.cache.CompareAndDelete(key, ent)
	}
	return ent.val, ent.found, ent.err
}

func (t *erpTable) wait(ctx context.Context, e *erpEntry) (any, bool, error) {
	select {
	case <-e.done:
		return e.val, e.found, e.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// compileLookup checks a lookup spec and loads its table. bad reports a
// problem under a key below lookups.<name>.
func compileLookup(name string, ls *LookupSpec, opts *Options, bad func(key, msg string)) *lookup {
	l := &lookup{name: name}
	switch ls.Missing {
	case "", "error":
	case "empty":
		l.missing = missingEmpty
	case "keep":
		l.missing = missingKeep
	default:
		bad("missing", fmt.Sprintf("missing must be error, empty or keep, not %q", ls.Missing))
	}
	sources := 0
	for _, set := range []bool{ls.Values != nil, ls.File != "", ls.ERP != ""} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		bad("", "a lookup needs exactly one of values, file or erp")
		return nil
	}
	if ls.Create && ls.ERP == "" {
		bad("create", "create only applies to erp lookups")
	}
	if (ls.Key != "" || ls.Result != "") && ls.File == "" {
		bad("key", "key and result name the columns of a lookup file")
	}
	switch {
	case ls.Values != nil:
		l.values = ls.Values
	case ls.File != "":
		path := ls.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(opts.BaseDir, path)
		}
		vals, key, err := readLookupFile(path, ls.Key, ls.Result)
		if err != nil {
			bad(key, err.Error())
			return nil
		}
		l.values = vals
	default:
		if opts.Resolver == nil {
			bad("erp", fmt.Sprintf("erp lookup %q needs an ERP connection", ls.ERP))
			return nil
		}
		l.erp = &erpTable{table: ls.ERP, create: ls.Create, resolver: opts.Resolver}
	}
	return l
}

// readLookupFile loads a two-column translation from a CSV file. Without
// keyCol/resultCol the first and second columns are used. The returned key
// names the spec key an error belongs to.
func readLookupFile(path, keyCol, resultCol string) (map[string]string, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "file", err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, "file", fmt.Errorf("%s is not UTF-8; save it as UTF-8", filepath.Base(path))
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sniffDelimiter(data)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, "file", fmt.Errorf("%s is empty", filepath.Base(path))
	}
	if err != nil {
		return nil, "file", fmt.Errorf("%s: %v", filepath.Base(path), err)
	}
	col := func(name string, def int) (int, error) {
		if name == "" {
			if def >= len(header) {
				return 0, fmt.Errorf("%s has only %d column(s); a lookup file needs a key and a result column", filepath.Base(path), len(header))
			}
			return def, nil
		}
		for i, h := range header {
			if h == name {
				return i, nil
			}
		}
		return 0, fmt.Errorf("column %q is not in %s (columns: %s)", name, filepath.Base(path), listNames(header))
	}
	ki, err := col(keyCol, 0)
	if err != nil {
		return nil, "key", err
	}
	ri, err := col(resultCol, 1)
	if err != nil {
		return nil, "result", err
	}
	vals := make(map[string]string)
	lines := make(map[string]int)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "file", fmt.Errorf("%s: %v", filepath.Base(path), err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && rec[0] == "" {
			continue // blank line
		}
		if ki >= len(rec) || ri >= len(rec) {
			return nil, "file", fmt.Errorf("%s line %d: has %d fields, needs the key and result columns", filepath.Base(path), line, len(rec))
		}
		k, v := rec[ki], rec[ri]
		if old, dup := vals[k]; dup && old != v {
			return nil, "file", fmt.Errorf("%s: key %q appears on lines %d and %d with different results", filepath.Base(path), k, lines[k], line)
		}
		vals[k] = v
		lines[k] = line
	}
	return vals, "", nil
}

// sniffDelimiter picks the most frequent of , ; tab in the first line,
// outside quotes; "," on a tie.
func sniffDelimiter(data []byte) rune {
	line, _ := bufio.NewReader(bytes.NewReader(data)).ReadSlice('\n')
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(line) {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// listNames shortens a column list for messages.
func listNames(names []string) string {
	const max = 12
	shown := names
	if len(names) > max {
		shown = names[:max]
	}
	out := make([]string, len(shown))
	for i, n := range shown {
		out[i] = n
		if strings.ContainsAny(n, "\n\r\t") {
			out[i] = strconv.Quote(n) // a line break in a header cell, shown as \n
		}
	}
	if len(names) > max {
		return strings.Join(out, ", ") + fmt.Sprintf(", ... (%d in all)", len(names))
	}
	return strings.Join(out, ", ")
}
