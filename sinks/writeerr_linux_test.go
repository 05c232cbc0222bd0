//go:build linux

package sinks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/pipeline"
)

// fullDisk makes the open temporary file of a sink write to /dev/full: the
// sink runs as it would on a disk that filled up, and every write fails
// with ENOSPC.
func fullDisk(tmp *atomicfile.File) error {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer full.Close()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	for _, e := range fds {
		if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); target == tmp.TempName() {
			var fd int
			fmt.Sscan(e.Name(), &fd)
			return syscall.Dup3(int(full.Fd()), fd, syscall.O_CLOEXEC)
		}
	}
	return fmt.Errorf("%s is not open", tmp.TempName())
}

func init() {
	pipeline.RegisterSink("sinkstest-csvfull", func(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
		s, err := OpenCSV(ctx, spec, env)
		if err != nil || env.DryRun {
			return s, err
		}
		return s, fullDisk(s.(*CSVSink).tmp)
	})
	pipeline.RegisterSink("sinkstest-xlsxfull", func(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
		s, err := OpenXLSX(ctx, spec, env)
		if err != nil || env.DryRun {
			return s, err
		}
		return s, fullDisk(s.(*XLSXSink).tmp)
	})
}

// A disk that fills up is one error of the run, not one per record: the
// summary says nothing was written and names the output's problem, and the
// error workbook holds only the row that was wrong in itself, not the
// thousands that were fine.
func TestOutputWriteErrorIsOneRunError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	// 20000 rows fill the CSV sink's buffer many times over: the error
	// comes while writing; 10 rows fail only when the file is closed
	for _, tc := range []struct {
		sink string
		rows int
	}{{"sinkstest-csvfull", 20000}, {"sinkstest-csvfull", 10}, {"sinkstest-xlsxfull", 2000}} {
		t.Run(fmt.Sprint(tc.sink, tc.rows), func(t *testing.T) {
			key := t.Name()
			rows := make([][]string, tc.rows)
			for i := range rows {
				rows[i] = []string{fmt.Sprintf("S%05d", i), "1.50", "Artikel mit einem längeren Namen"}
			}
			rows[3][1] = "zwölf" // a row to fix, whatever the disk does
			memRows[key] = rows
			out, sum, err := runJob(t, tc.sink, key, false)
			if err == nil || !pipeline.IsFatal(err) || !strings.Contains(err.Error(), "no space left on device") {
				t.Errorf("err = %v, want the run's fatal output error", err)
			}
			if sum.Fatal == "" || sum.Created+sum.Updated != 0 || sum.Output != "" || !sum.Balanced() || sum.RecordsRead == 0 {
				t.Errorf("summary: %d read, %d created, output %q, fatal %q, balanced %v: want nothing written, the error fatal",
					sum.RecordsRead, sum.Created, sum.Output, sum.Fatal, sum.Balanced())
			}
			if n := bookRows(t, sum.ErrorWorkbook); n != 1 {
				t.Errorf("error workbook %s holds %d rows, want the one bad row", sum.ErrorWorkbook, n)
			}
			mustNotExist(t, out)
			noTemp(t, filepath.Dir(out))
		})
	}
}

// bookRows counts the record rows of an error workbook.
func bookRows(t *testing.T, path string) int {
	t.Helper()
	if path == "" {
		return 0
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return len(rows) - 1
}
