package sinks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/datev"
)

// The files are checked as they are written, read back from disk: what
// the checks add up is datev.CheckSums of the files as committed, and a
// byte changed on disk after the writer wrote it, before the check read
// it, stops the export with nothing written.
func TestDATEVChecksTheFilesOnDisk(t *testing.T) {
	recs := benchRecords(20000) // some 400 KB a month: the writer flushes during the run
	for _, c := range []struct {
		name    string
		corrupt func(line []byte) // the first booking line of the first file
		want    string
	}{
		{"as written", nil, ""},
		{"an amount", func(l []byte) { l[0] = '1' + (l[0]-'0')%9 }, "does not add up"},
		{"a character Belegfeld 1 does not take", func(l []byte) { l[bytes.Index(l, []byte(`"RE2`))+2] = '_' },
			`EXTF_Buchungsstapel_202601_1.csv:3:11: Belegfeld 1 holds '_'`},
		{"a byte DATEV cannot read", func(l []byte) { l[len(l)-1] = 0x81 }, "does not add up"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := benchDATEVSink(t, dir)
			release := make(chan struct{})
			s.beforeCheckRead = func() { <-release }
			benchApply(t, s, benchPlan(t, s, recs))
			first := s.all[0]
			if n := first.chk.written.Load(); n < 3*64<<10 {
				t.Fatalf("%d bytes written before Close: the test needs flushes", n)
			}
			if c.corrupt != nil {
				data, err := os.ReadFile(first.tmp.TempName())
				if err != nil {
					t.Fatal(err)
				}
				lines := bytes.SplitN(data, []byte("\r\n"), 4)
				c.corrupt(lines[2])
				if err := os.WriteFile(first.tmp.TempName(), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			close(release)
			err := s.Close(context.Background(), true)
			files, _ := filepath.Glob(filepath.Join(dir, "out", "EXTF_Buchungsstapel_2*.csv"))
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Close: %v, want %q", err, c.want)
				}
				if len(files) != 0 {
					t.Errorf("files written: %v", files)
				}
				noTemp(t, filepath.Join(dir, "out"))
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 12 {
				t.Fatalf("%d files", len(files))
			}
			for _, f := range s.all {
				data, err := os.ReadFile(f.tmp.Path())
				if err != nil {
					t.Fatal(err)
				}
				want := map[datev.FileKey]decimal.Decimal{}
				vs, sumErr := datev.CheckSums(data, want)
				if len(vs) != 0 || sumErr != nil || !reflect.DeepEqual(f.violations, vs) {
					t.Errorf("%s: checked %v, CheckSums %v %v", f.tmp.Path(), f.violations, vs, sumErr)
				}
				if len(f.chk.sums) != len(want) {
					t.Errorf("%s: sums %v, CheckSums %v", f.tmp.Path(), f.chk.sums, want)
				}
				for k, v := range want {
					if !f.chk.sums[k].Equal(v) {
						t.Errorf("%s: %v %s, CheckSums %s", f.tmp.Path(), k, f.chk.sums[k], v)
					}
				}
			}
		})
	}
}

// A run that does not commit ends the checks and removes the files.
func TestDATEVDiscardEndsTheChecks(t *testing.T) {
	dir := t.TempDir()
	s := benchDATEVSink(t, dir)
	benchApply(t, s, benchPlan(t, s, benchRecords(20000)))
	if err := s.Close(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	for _, f := range s.all {
		select {
		case <-f.chk.done:
		default:
			t.Errorf("%s: the check still runs", f.tmp.Path())
		}
	}
	noTemp(t, filepath.Join(dir, "out"))
}
