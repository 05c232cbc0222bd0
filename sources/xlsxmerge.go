package sources

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
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
}

// scanSheet lists the merged ranges of a sheet by streaming its XML part
// once, and guesses its size. excelize's GetMergeCells unmarshals the whole
// worksheet instead (measured: 7 s and 670 MB of heap for 100k rows × 12
// columns), which would undo the streaming of the row reader.
//
// The scan is best effort: a package this cannot follow yields nothing and
// an error, and the caller goes on without it.
func scanSheet(file, sheet string) (sheetScan, error) {
	var scan sheetScan
	zr, err := zip.OpenReader(file)
	if err != nil {
		return scan, err
	}
	defer zr.Close()
	parts := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		// Part names are case-insensitive (OPC).
		parts[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}

	var pkgRels xmlRels
	if err := readXMLPart(parts, "_rels/.rels", &pkgRels); err != nil {
		return scan, err
	}
	wbPath := "xl/workbook.xml"
	for _, r := range pkgRels.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = resolveTarget("", r.Target)
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"id,attr"` // r:id
		} `xml:"sheets>sheet"`
	}
	if err := readXMLPart(parts, wbPath, &wb); err != nil {
		return scan, err
	}
	var wbRels xmlRels
	if err := readXMLPart(parts, path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"), &wbRels); err != nil {
		return scan, err
	}
	target := ""
	for _, s := range wb.Sheets {
		if strings.EqualFold(s.Name, sheet) {
			for _, r := range wbRels.Rels {
				if r.ID == s.RID {
					target = resolveTarget(path.Dir(wbPath), r.Target)
				}
			}
		}
	}
	part := parts[strings.ToLower(target)]
	if part == nil {
		return scan, errors.New("sheet part not found")
	}
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
	refs, err := scanMergeRefs(io.MultiReader(bytes.NewReader(head), rc))
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

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

func readXMLPart(parts map[string]*zip.File, name string, v any) error {
	f := parts[strings.ToLower(name)]
	if f == nil {
		return errors.New(name + " not found")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(v)
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
