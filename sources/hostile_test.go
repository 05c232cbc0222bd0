package sources

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"
	"testing"
)

// Helpers that build damaged and hostile workbooks on the fly: a minimal
// package around a sheet part, and zip bombs (parts that unpack to
// gigabytes from a few MB).

const (
	minimalContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`
	minimalRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	minimalWorkbook = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`
	minimalWorkbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
)

// rawPart is a part whose deflate stream is given, with its checksum and
// unpacked size.
type rawPart struct {
	name string
	comp []byte
	crc  uint32
	size uint64
}

// writeBook writes a workbook of the minimal parts plus sheet as
// xl/worksheets/sheet1.xml (a plain or a raw part), and extra parts given
// as name, content pairs.
func writeBook(t testing.TB, path string, sheet any, extra ...string) {
	t.Helper()
	writeBookMethod(t, path, zip.Deflate, sheet, extra...)
}

// writeBookMethod is writeBook with the method of the plain parts: Store
// is much cheaper to write, for the fuzz target.
func writeBookMethod(t testing.TB, path string, method uint16, sheet any, extra ...string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, data string) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	add("[Content_Types].xml", minimalContentTypes)
	add("_rels/.rels", minimalRels)
	add("xl/workbook.xml", minimalWorkbook)
	add("xl/_rels/workbook.xml.rels", minimalWorkbookRels)
	switch s := sheet.(type) {
	case string:
		add("xl/worksheets/sheet1.xml", s)
	case rawPart:
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
			CRC32: s.crc, CompressedSize64: uint64(len(s.comp)), UncompressedSize64: s.size,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(s.comp); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		add(extra[i], extra[i+1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// bomb deflates head, then unit n times, then tail, without compressing n
// units: every unit after the second deflates to the same bytes (a sync
// flush ends each on a byte boundary, and deflate looks back only 32 KiB,
// which a unit of at least that size fills with itself), so that block is
// repeated. A 1 MiB unit of one byte deflates to about 1 KiB.
func bomb(t testing.TB, head, unit, tail string, n int) rawPart {
	t.Helper()
	if len(unit) < 32<<10 || n < 3 {
		t.Fatal("bomb: the unit must be at least 32 KiB and repeated at least 3 times")
	}
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	step := func(s string) []byte {
		from := out.Len()
		fw.Write([]byte(s))
		fw.Flush()
		return bytes.Clone(out.Bytes()[from:])
	}
	step(head)
	step(unit)
	second := step(unit)
	if third := step(unit); !bytes.Equal(second, third) {
		t.Fatal("bomb: the unit does not deflate to a repeating block")
	}
	var comp bytes.Buffer
	comp.Write(out.Bytes())
	for range n - 3 {
		comp.Write(second)
	}
	from := out.Len()
	fw.Write([]byte(tail))
	fw.Close()
	comp.Write(out.Bytes()[from:])

	crc := crc32.ChecksumIEEE([]byte(head))
	u := []byte(unit)
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, u)
	}
	crc = crc32.Update(crc, crc32.IEEETable, []byte(tail))
	return rawPart{comp: comp.Bytes(), crc: crc, size: uint64(len(head) + n*len(unit) + len(tail))}
}

// repeatTo repeats s to at least size bytes.
func repeatTo(s string, size int) string {
	return string(bytes.Repeat([]byte(s), (size+len(s)-1)/len(s)))
}
