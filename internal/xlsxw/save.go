package xlsxw

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
)

// Write writes the workbook f to w as it is compressed, with the rows of
// the spooled tables spliced into their sheets (made by the caller, see
// Spool.Sheets). excelize's WriteTo and SaveAs build the whole zip in a
// bytes.Buffer first (tens of MB at a million rows, doubled while it
// grows); its ZipWriter hook lets Write compress straight into w instead.
//
// A nil spool is skipped, so a caller can pass Table.Spool of any table.
func Write(f *excelize.File, w io.Writer, spools ...*Spool) error {
	spools = slices.DeleteFunc(slices.Clone(spools), func(s *Spool) bool { return s == nil })
	parts := map[string]*spoolPart{}
	want := 0
	for id, name := range f.GetSheetMap() {
		for _, s := range spools {
			for _, p := range s.parts {
				if p.sheet == name {
					parts["xl/worksheets/sheet"+strconv.Itoa(id)+".xml"] = p
				}
			}
		}
	}
	for _, s := range spools {
		if err := s.Flush(); err != nil {
			return err
		}
		want += len(s.parts)
	}
	if len(parts) != want {
		return fmt.Errorf("internal: %d of %d spooled sheets found in the workbook", len(parts), want)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	z := &spliceZip{zw: zip.NewWriter(bw), parts: parts}
	// The parts excelize writes are compressed here, after the last row,
	// while nothing else is left to do (the spooled rows were compressed as
	// they came, at the same level): the fastest level takes a third of the
	// time for files about a fifth larger.
	z.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return &pooledFlate{getFlate(w)}, nil
	})
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })
	if _, err := f.WriteToBuffer(); err != nil { // the buffer stays empty: z writes to w
		return err
	}
	if z.err != nil {
		return z.err
	}
	if z.spliced != len(parts) {
		return fmt.Errorf("internal: %d of %d spooled sheets written", z.spliced, len(parts))
	}
	return bw.Flush()
}

// Save writes the workbook to path through a temporary file renamed into
// place (see atomicfile), with the permissions of opts.
func Save(f *excelize.File, path string, opts atomicfile.Options, spools ...*Spool) error {
	return atomicfile.WriteTo(path, opts, func(w io.Writer) error { return Write(f, w, spools...) })
}

// spliceZip is the ZipWriter excelize writes the workbook through: it
// compresses straight into the output, and fills the spooled sheets'
// <sheetData> with their rows.
type spliceZip struct {
	zw      *zip.Writer
	parts   map[string]*spoolPart
	pending *spoolPart
	name    string // the pending sheet's zip entry
	shell   bytes.Buffer
	spliced int
	err     error
	// sheet is the zip entry of a sheet excelize wrote whole (cell by cell
	// or through its StreamWriter), held in shell until its used range is
	// known (see fitDimension)
	sheet string
}

func (z *spliceZip) Create(name string) (io.Writer, error) {
	if err := z.splice(); err != nil {
		return nil, err
	}
	if p, ok := z.parts[name]; ok {
		// the entry is made when its size is known (splice)
		z.pending, z.name = p, name
		z.shell.Reset()
		return &z.shell, nil
	}
	if strings.HasPrefix(name, "xl/worksheets/sheet") && strings.HasSuffix(name, ".xml") {
		z.sheet = name
		z.shell.Reset()
		return &z.shell, nil
	}
	return z.zw.Create(name)
}

// dimensionRef finds the <dimension ref="..."> of a sheet; cellRef the
// reference of every cell (markup only: text in a sheet has its < escaped).
var (
	dimensionRef = regexp.MustCompile(`<dimension ref="[^"]*"`)
	cellRef      = regexp.MustCompile(`<c r="([A-Z]{1,3})([0-9]{1,7})"`)
)

// fitDimension sets a sheet's <dimension> to the range its cells span.
// excelize leaves it at A1 for sheets written cell by cell or streamed,
// and readers that trust it (openpyxl's read-only mode, the way Python
// scripts stream a large workbook) then see one cell of a whole table.
func fitDimension(sheet []byte) []byte {
	loc := dimensionRef.FindIndex(sheet)
	if loc == nil {
		return sheet
	}
	minCol, minRow, maxCol, maxRow := 0, 0, 0, 0
	for _, m := range cellRef.FindAllSubmatch(sheet[loc[1]:], -1) {
		col, err := excelize.ColumnNameToNumber(string(m[1]))
		row, err2 := strconv.Atoi(string(m[2]))
		if err != nil || err2 != nil {
			continue
		}
		if minRow == 0 {
			minCol, minRow, maxCol, maxRow = col, row, col, row
		}
		minCol, minRow, maxCol, maxRow = min(minCol, col), min(minRow, row), max(maxCol, col), max(maxRow, row)
	}
	ref := "A1"
	if minRow > 0 {
		from, _ := excelize.CoordinatesToCellName(minCol, minRow)
		to, _ := excelize.CoordinatesToCellName(maxCol, maxRow)
		if ref = from; to != from {
			ref += ":" + to
		}
	}
	return slices.Concat(sheet[:loc[0]], []byte(`<dimension ref="`+ref+`"`), sheet[loc[1]:])
}

func (z *spliceZip) AddFS(fsys fs.FS) error {
	if err := z.splice(); err != nil {
		return err
	}
	return z.zw.AddFS(fsys)
}

func (z *spliceZip) Close() error {
	if err := z.splice(); err != nil {
		return err
	}
	return z.zw.Close()
}

// splice writes the sheet held back by Create: a spooled sheet with its
// rows after the header row excelize made, any other with its used range
// (fitDimension).
func (z *spliceZip) splice() error {
	if z.sheet != "" {
		name := z.sheet
		z.sheet = ""
		w, err := z.zw.Create(name)
		if err == nil {
			_, err = w.Write(fitDimension(z.shell.Bytes()))
		}
		if err != nil && z.err == nil {
			z.err = err
		}
		return z.err
	}
	p := z.pending
	if p == nil {
		return z.err
	}
	z.pending = nil
	err := func() error {
		shell := z.shell.Bytes()
		end := bytes.Index(shell, []byte("</sheetData>"))
		if end < 0 {
			return fmt.Errorf("internal: no <sheetData> in the %s sheet", p.sheet)
		}
		head, tail := shell[:end], shell[end:]
		// the used range, which readers such as openpyxl take as the size
		if i := bytes.Index(head, []byte(`<dimension ref="`)); i >= 0 {
			i += len(`<dimension ref="`)
			if j := bytes.IndexByte(head[i:], '"'); j >= 0 {
				head = slices.Concat(head[:i], []byte(p.ref), head[i+j:])
			}
		}
		if p.file == nil { // a table without rows
			w, err := z.zw.Create(z.name)
			if err == nil {
				_, err = w.Write(slices.Concat(head, tail))
			}
			return err
		}
		// The rows are compressed already (spoolPart): the entry is the
		// head's deflate stream up to a byte boundary, the rows', and the
		// tail's, which ends it. Each stream refers to nothing before it, so
		// one after the other they are one stream. The CRC-32 is the
		// head's, the rows' and the tail's combined.
		var hz, tz bytes.Buffer
		if err := deflate(&hz, head, false); err != nil {
			return err
		}
		if err := deflate(&tz, tail, true); err != nil {
			return err
		}
		size, err := p.file.Seek(0, io.SeekEnd)
		if err != nil {
			return err
		}
		crc := crc32Combine(crc32.ChecksumIEEE(head), p.crc, p.raw)
		crc = crc32Combine(crc, crc32.ChecksumIEEE(tail), int64(len(tail)))
		w, err := z.zw.CreateRaw(&zip.FileHeader{Name: z.name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64:   uint64(int64(hz.Len()) + size + int64(tz.Len())),
			UncompressedSize64: uint64(int64(len(head)) + p.raw + int64(len(tail)))})
		if err != nil {
			return err
		}
		if _, err := w.Write(hz.Bytes()); err != nil {
			return err
		}
		if _, err := p.file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if n, err := io.Copy(w, p.file); err != nil || n != size {
			return cmp.Or(err, fmt.Errorf("internal: %d of %d compressed bytes of the %s sheet copied", n, size, p.sheet))
		}
		_, err = w.Write(tz.Bytes())
		return err
	}()
	if err != nil && z.err == nil {
		z.err = err
	}
	z.spliced++
	return z.err
}

// deflate compresses b into w as Write compresses entries; last ends the
// stream, else it stops at a byte boundary (a sync flush) for more to
// follow.
func deflate(w io.Writer, b []byte, last bool) error {
	fw := getFlate(w)
	defer putFlate(fw)
	if _, err := fw.Write(b); err != nil {
		return err
	}
	if last {
		return fw.Close()
	}
	return fw.Flush()
}

// flateWriters recycles the compressors of zip entries: a workbook has a
// dozen parts or more, and each new flate.Writer is about 1 MB to allocate
// and zero, whatever the size of its part. That was two thirds of the CPU
// of writing a small workbook (the DATEV control workbook: ~10 ms).
var flateWriters sync.Pool // of *flate.Writer at flate.BestSpeed

func getFlate(w io.Writer) *flate.Writer {
	if fw, ok := flateWriters.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return fw
	}
	fw, err := flate.NewWriter(w, flate.BestSpeed)
	if err != nil {
		panic(err) // only for a level out of range
	}
	return fw
}

// putFlate returns fw to the pool; it must not be used after.
func putFlate(fw *flate.Writer) {
	fw.Reset(io.Discard) // drops the reference to the destination
	flateWriters.Put(fw)
}

// pooledFlate is a zip entry's compressor, back in the pool once closed.
type pooledFlate struct{ fw *flate.Writer }

func (p *pooledFlate) Write(b []byte) (int, error) { return p.fw.Write(b) }

func (p *pooledFlate) Close() error {
	if p.fw == nil {
		return nil
	}
	err := p.fw.Close()
	putFlate(p.fw)
	p.fw = nil
	return err
}

// crc32Combine is the CRC-32 (IEEE) of a then b from theirs and b's
// length, as zlib's crc32_combine computes it: b's length in zero bits
// applied to crcA by squaring the operator of one zero bit, then xor.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = 0xedb88320 // the operator of one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four
	for {
		gf2Square(&even, &odd)
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		if lenB >>= 1; lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}
