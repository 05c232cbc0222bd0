package pipeline

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wawi-etl/etl/internal/i18n"
)

// fakeClock advances by step on every reading.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

// screenLines splits what a terminal shows: \r returns to the start of the
// same line, only \n starts a new one.
func redraws(out string) (lines []string, newlines int) {
	newlines = strings.Count(out, "\n")
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, strings.Split(l, "\r")...)
	}
	return lines, newlines
}

func runBar(t *testing.T, width int, lang i18n.Lang, phase string, total int64, n int64) string {
	t.Helper()
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Unix(0, 0), step: 50 * time.Millisecond}
	p := NewBar(&buf, BarOptions{Width: func() int { return width }, Lang: lang, Now: clk.now})
	if phase != "" {
		p.Phase(phase, total)
	}
	s := &Summary{}
	for i := int64(1); i <= n; i++ {
		s.RecordsRead = i
		switch i % 4 {
		case 0:
			s.Created++
		case 1:
			s.Updated++
		case 2:
			s.Unchanged++
		default:
			s.Failed++
		}
		p.Update(s)
	}
	p.Finish()
	return buf.String()
}

func TestBarFitsTheTerminal(t *testing.T) {
	for _, width := range []int{40, 60, 80, 120} {
		for _, lang := range []i18n.Lang{i18n.English, i18n.German} {
			for _, total := range []int64{-1, 400} {
				out := runBar(t, width, lang, "writing", total, 400)
				lines, newlines := redraws(out)
				if newlines != 0 {
					t.Errorf("width %d %s total %d: %d newlines; a redraw must return with \\r", width, lang, total, newlines)
				}
				drawn := 0
				for _, l := range lines {
					if n := utf8.RuneCountInString(l); n >= width {
						t.Errorf("width %d %s: a line of %d columns: %q", width, lang, n, l)
					}
					if strings.TrimSpace(l) != "" {
						drawn++
					}
				}
				if drawn < 10 {
					t.Errorf("width %d: %d redraws of 400 updates over 20s", width, drawn)
				}
				if total > 0 && width >= 60 && !strings.Contains(out, "[====") {
					t.Errorf("width %d %s: no bar worth the name: %q", width, lang, lines[len(lines)/2])
				}
				if !strings.HasSuffix(out, "\r") {
					t.Errorf("width %d: the line is not cleared at the end: %q", width, out[max(0, len(out)-100):])
				}
			}
		}
	}
}

func TestBarTalksTheLanguage(t *testing.T) {
	de := runBar(t, 120, i18n.German, "writing", 1000, 100)
	for _, want := range []string{"Schreiben:", "geändert", "unverändert", "fehlgeschlagen", "Sätze/s"} {
		if !strings.Contains(de, want) {
			t.Errorf("German line lacks %q: %q", want, de[:200])
		}
	}
	en := runBar(t, 120, i18n.English, "planning", -1, 100)
	for _, want := range []string{"planning:", "upd", "same", "fail", "rec/s"} {
		if !strings.Contains(en, want) {
			t.Errorf("English line lacks %q", want)
		}
	}
}

// The first redraw comes at once, before any record; no rate is shown
// until a second has passed (the first record's rate is noise).
func TestBarFirstSecond(t *testing.T) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Unix(0, 0), step: time.Millisecond}
	p := NewBar(&buf, BarOptions{Width: func() int { return 80 }, Now: clk.now})
	p.Phase("", -1)
	if !strings.Contains(buf.String(), "0 rec") || !strings.ContainsAny(buf.String(), string(spinner)) {
		t.Errorf("nothing shown before the first record: %q", buf.String())
	}
	buf.Reset()
	clk.step = 120 * time.Millisecond // past the redraw throttle, short of a second
	p.Update(&Summary{RecordsRead: 1, Created: 1})
	if strings.Contains(buf.String(), "rec/s") {
		t.Errorf("a rate after a few milliseconds: %q", buf.String())
	}
	if !strings.Contains(buf.String(), "new 1") || strings.Contains(buf.String(), "upd 0") {
		t.Errorf("the line should show the outcomes that occurred, only: %q", buf.String())
	}
	clk.step = 2 * time.Second
	p.Update(&Summary{RecordsRead: 5, Created: 5})
	if !strings.Contains(buf.String(), "rec/s") {
		t.Errorf("no rate after two seconds: %q", buf.String())
	}
	p.Finish()
}

func TestBarTicksWithoutRecords(t *testing.T) {
	var buf syncBuffer
	ticked := make(chan struct{}, 1)
	p := NewBar(&buf, BarOptions{Width: func() int { ticked <- struct{}{}; return 80 }, Tick: time.Millisecond})
	// no Phase, no Update: the ticker alone must draw
	<-ticked
	<-ticked
	p.Finish()
	if !strings.Contains(buf.String(), "0 rec") {
		t.Errorf("ticker drew nothing: %q", buf.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The bar is exactly as wide as asked, empty at the start, full at the end.
func TestBarCells(t *testing.T) {
	for _, w := range []int{3, 10, 41} {
		for _, n := range []int64{0, 1, 200, 399, 400, 900} {
			got := barCells(w, n, 400)
			if utf8.RuneCountInString(got) != w || got[0] != '[' || got[len(got)-1] != ']' {
				t.Fatalf("barCells(%d, %d) = %q", w, n, got)
			}
		}
	}
	if got := barCells(12, 400, 400); got != "[==========]" {
		t.Errorf("full bar %q", got)
	}
	if got := barCells(12, 0, 400); strings.Contains(got, "=") {
		t.Errorf("empty bar %q", got)
	}
}
