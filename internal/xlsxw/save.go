package xlsxw

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"

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
	// The compression runs after the last row, while nothing else is left
	// to do: the fastest level takes a third of the time for files about a
	// fifth larger.
	z.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
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
	out     io.Writer
	shell   bytes.Buffer
	spliced int
	err     error
}

func (z *spliceZip) Create(name string) (io.Writer, error) {
	if err := z.splice(); err != nil {
		return nil, err
	}
	w, err := z.zw.Create(name)
	if err != nil {
		return nil, err
	}
	if p, ok := z.parts[name]; ok {
		z.pending, z.out = p, w
		z.shell.Reset()
		return &z.shell, nil
	}
	return w, nil
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

// splice writes the sheet excelize made with the spooled rows after its
// header row.
func (z *spliceZip) splice() error {
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
		head := shell[:end]
		// the used range, which readers such as openpyxl take as the size
		if i := bytes.Index(head, []byte(`<dimension ref="`)); i >= 0 {
			i += len(`<dimension ref="`)
			if j := bytes.IndexByte(head[i:], '"'); j >= 0 {
				if _, err := z.out.Write(head[:i]); err != nil {
					return err
				}
				if _, err := io.WriteString(z.out, p.ref); err != nil {
					return err
				}
				head = head[i+j:]
			}
		}
		if _, err := z.out.Write(head); err != nil {
			return err
		}
		if p.file != nil {
			if _, err := p.file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			if _, err := io.Copy(z.out, p.file); err != nil {
				return err
			}
		}
		_, err := z.out.Write(shell[end:])
		return err
	}()
	if err != nil && z.err == nil {
		z.err = err
	}
	z.spliced++
	return z.err
}
