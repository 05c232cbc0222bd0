package sources

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// mergeRange is a merged cell range, 1-based and inclusive.
type mergeRange struct {
	ref            string
	c1, r1, c2, r2 int
}

// sheetScan is what one streaming pass over a sheet's XML part tells
// before the rows are read.
type sheetScan struct {
	merges []mergeRange
	// lastRow is the sheet's last row as far as can be told without reading
	// the rows: from its <dimension>, else from the part's size and the
	// density of rows at its start; 0 when unknown.
	lastRow int64
	err     error // set when the part is past a limit
}

// scanSheet lists the merged ranges of a sheet by streaming its XML part
// once, and guesses its size. excelize's GetMergeCells unmarshals the whole
// worksheet instead (measured: 7 s and 670 MB of heap for 100k rows × 12
// columns), which would undo the streaming of the row reader.
//
// The scan is best effort: a part this cannot follow yields nothing and an
// error, and the caller goes on without it; the row reader finds damage.
// Only a run of more than lim.cell bytes without markup (a bomb of spaces
// or of one huge cell) is reported in scan.err, so that it is refused before
// the rest of the part is unpacked.
func scanSheet(part *zip.File, display string, lim limits) (sheetScan, error) {
	var scan sheetScan
	rc, err := part.Open()
	if err != nil {
		return scan, err
	}
	defer rc.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(rc, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return scan, err
	}
	head = head[:n]
	scan.lastRow = guessLastRow(head, int64(part.UncompressedSize64))
	gap := &markupGap{r: io.MultiReader(bytes.NewReader(head), rc), max: lim.cell + 64<<10}
	refs, err := scanMergeRefs(gap)
	if gap.over {
		scan.err = limitf(display, 0, "max_cell_bytes", lim.cell, "the sheet holds a value or a run of spaces of more than that")
	}
	out := make([]mergeRange, 0, len(refs))
	for _, ref := range refs {
		from, to, ok := strings.Cut(strings.ReplaceAll(ref, "$", ""), ":")
		if !ok {
			continue // a single cell is not merged with anything
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(from)
		c2, r2, err2 := excelize.CellNameToCoordinates(to)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, mergeRange{ref, min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)})
	}
	scan.merges = out
	return scan, err
}

// markupGap passes bytes through and fails once more than max of them come
// without a '<'.
type markupGap struct {
	r    io.Reader
	run  int64
	max  int64
	over bool
}

func (g *markupGap) Read(p []byte) (int, error) {
	if g.over {
		return 0, errTokenTooLarge
	}
	n, err := g.r.Read(p)
	b := p[:n]
	if i := bytes.IndexByte(b, '<'); i < 0 {
		g.run += int64(len(b))
	} else {
		if g.run+int64(i) > g.max {
			g.run += int64(i)
		} else {
			g.run = int64(len(b) - bytes.LastIndexByte(b, '<') - 1)
		}
	}
	if g.run > g.max {
		g.over = true
		return n, errTokenTooLarge
	}
	return n, err
}

// dimensionRef finds <dimension ref="A1:L1001"/>, which Excel, LibreOffice,
// excelize and openpyxl write before the rows.
var dimensionRef = regexp.MustCompile(`<(?:[\w.-]+:)?dimension\s+ref="\$?[A-Z]*\$?\d*:?\$?[A-Z]+\$?(\d+)"`)

// guessLastRow reads the last row from the dimension at the start of a
// sheet part, or estimates it from the part's size and how many rows its
// first bytes hold. Streaming writers (excelize's StreamWriter among them)
// cannot know the dimension up front and write A1.
func guessLastRow(head []byte, size int64) int64 {
	if m := dimensionRef.FindSubmatch(head); m != nil {
		if n, err := strconv.ParseInt(string(m[1]), 10, 64); err == nil && n > 1 {
			return n
		}
	}
	first := bytes.Index(head, []byte("<row "))
	if first < 0 {
		return 0
	}
	rows := int64(bytes.Count(head[first:], []byte("<row ")))
	if int64(len(head)) >= size {
		return rows
	}
	// the rows seen, scaled from the bytes they took to the rest of the part
	return rows * (size - int64(first)) / int64(len(head)-first)
}

// resolveTarget resolves a relationship target: absolute from the package
// root, or relative to the folder of the part that owns the relationship.
func resolveTarget(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Join(dir, target)
}

// scanMergeRefs finds <mergeCells> (after <sheetData>, so at the end of the
// part) with a byte search, which is far cheaper than tokenizing the rows,
// and decodes only that element. A '<' in cell text is always escaped, so a
// '<' followed by an optional prefix and "mergeCells" can only be the tag.
func scanMergeRefs(r io.Reader) ([]string, error) {
	const (
		chunk = 64 << 10
		keep  = 128 // bytes carried over, for a tag cut at a chunk edge
	)
	tag := []byte("mergeCells")
	win := make([]byte, 0, chunk+keep)
	for {
		n, err := io.ReadFull(r, win[len(win):cap(win)])
		win = win[:len(win)+n]
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return nil, err
		}
		for from := 0; ; {
			i := bytes.Index(win[from:], tag)
			if i < 0 {
				break
			}
			i += from
			from = i + 1
			end := i + len(tag)
			if end >= len(win) {
				break // the next chunk tells what follows
			}
			if start := tagStart(win, i); start >= 0 && strings.IndexByte(" \t\r\n>/", win[end]) >= 0 {
				return decodeMergeRefs(io.MultiReader(bytes.NewReader(win[start:]), r))
			}
		}
		if eof {
			return nil, nil
		}
		if len(win) > keep {
			win = win[:copy(win, win[len(win)-keep:])]
		}
	}
}

// tagStart returns the index of the '<' that opens the element whose local
// name starts at i, or -1.
func tagStart(b []byte, i int) int {
	j := i - 1
	if j < 0 {
		return -1
	}
	if b[j] == '<' {
		return j
	}
	if b[j] != ':' {
		return -1
	}
	k := j - 1
	for k >= 0 && (b[k] == '_' || b[k] == '-' || b[k] == '.' ||
		'a' <= b[k] && b[k] <= 'z' || 'A' <= b[k] && b[k] <= 'Z' || '0' <= b[k] && b[k] <= '9') {
		k--
	}
	if k >= 0 && k < j-1 && b[k] == '<' {
		return k
	}
	return -1
}

func decodeMergeRefs(r io.Reader) ([]string, error) {
	var refs []string
	dec := xml.NewDecoder(r)
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return refs, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "mergeCell" {
				for _, a := range t.Attr {
					if a.Name.Local == "ref" {
						refs = append(refs, a.Value)
					}
				}
			}
		case xml.EndElement:
			if t.Name.Local == "mergeCells" {
				return refs, nil
			}
		}
	}
}
