package pipeline

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"

	"github.com/wawi-etl/etl/internal/i18n"
)

// Progress shows how a run is going. Update is called from one goroutine
// after every record; implementations throttle themselves. Phase starts a
// stage of the run (an import plans every record, then writes) with its
// record count when known (-1 when not), so that an ETA can be shown.
type Progress interface {
	Phase(name string, total int64)
	Update(s *Summary)
	Finish()
}

type nopProgress struct{}

func (nopProgress) Phase(string, int64) {}
func (nopProgress) Update(*Summary)     {}
func (nopProgress) Finish()             {}

// BarOptions configure the terminal progress line.
type BarOptions struct {
	// Width is the terminal's width in columns, asked before every redraw
	// so that a resized window is followed; nil means 80.
	Width func() int
	// Lang is the language of the phase names and counts.
	Lang i18n.Lang
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tick redraws the line on its own this often, so that a run shows
	// something (a spinner and the time) before its first record arrives,
	// e.g. while an export waits for its first page; 0 for none.
	Tick time.Duration
}

// NewBar draws a progress line on a terminal: counts by outcome, and a bar
// with an ETA once the number of records is known. It redraws one line in
// place (\r), never wider than the terminal, so that it never wraps.
func NewBar(w io.Writer, o BarOptions) Progress {
	p := &barProgress{w: w, o: o}
	if p.o.Width == nil {
		p.o.Width = func() int { return 80 }
	}
	if p.o.Now == nil {
		p.o.Now = time.Now
	}
	p.start = p.o.Now()
	p.total = -1
	if o.Tick > 0 {
		p.stop = make(chan struct{})
		p.done = make(chan struct{})
		go p.tick(o.Tick)
	}
	return p
}

type barProgress struct {
	w io.Writer
	o BarOptions

	mu       sync.Mutex
	phase    string
	total    int64
	start    time.Time // of the phase
	counts   Summary
	lastDraw time.Time
	drawn    int // runes on the line now; 0: nothing drawn
	spin     int
	finished bool

	stop, done chan struct{}
}

// redrawEvery bounds redraws from Update: a terminal needs no more.
const redrawEvery = 100 * time.Millisecond

// minRateAfter: the rate of the first instant (one record in a
// microsecond) is noise; it is shown from one second on.
const minRateAfter = time.Second

var spinner = []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

func (p *barProgress) tick(every time.Duration) {
	defer close(p.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if !p.finished {
				p.spin++
				p.draw()
			}
			p.mu.Unlock()
		}
	}
}

func (p *barProgress) Phase(name string, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	p.phase, p.total, p.start = name, total, p.o.Now()
	p.counts = Summary{}
	p.draw()
}

func (p *barProgress) Update(s *Summary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts.RecordsRead, p.counts.Created, p.counts.Updated = s.RecordsRead, s.Created, s.Updated
	p.counts.Unchanged, p.counts.Skipped, p.counts.Failed = s.Unchanged, s.Skipped, s.Failed
	if now := p.o.Now(); now.Sub(p.lastDraw) >= redrawEvery || p.drawn == 0 {
		p.spin++
		p.draw()
	}
}

// Finish clears the line: the summary printed next says it all.
func (p *barProgress) Finish() {
	p.mu.Lock()
	if p.stop != nil && !p.finished {
		close(p.stop)
	}
	p.finished = true
	p.clear()
	p.mu.Unlock()
	if p.done != nil {
		<-p.done
	}
}

// clear blanks the line drawn last and puts the cursor at its start.
func (p *barProgress) clear() {
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.drawn))
		p.drawn = 0
	}
}

// draw writes the line over the previous one.
func (p *barProgress) draw() {
	p.lastDraw = p.o.Now()
	line := p.line(p.o.Width())
	n := utf8.RuneCountInString(line)
	pad := ""
	if n < p.drawn {
		pad = strings.Repeat(" ", p.drawn-n)
	}
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
	p.drawn = max(n, p.drawn)
}

// line lays out one redraw in at most width-1 columns: a terminal that
// gets a character in its last column may wrap. The numbers on the right
// are kept; the bar shrinks to 10 cells, then the description is shortened
// with "…", then the bar goes.
func (p *barProgress) line(width int) string {
	if width <= 0 {
		width = 80
	}
	room := width - 1
	l := p.o.Lang
	c := p.counts
	elapsed := p.o.Now().Sub(p.start)
	var right []string
	if p.total > 0 {
		pct := min(100, c.RecordsRead*100/p.total)
		right = append(right, fmt.Sprintf("%3d%% %d/%d", pct, c.RecordsRead, p.total))
	} else {
		right = append(right, string(spinner[p.spin%len(spinner)]), fmt.Sprintf("%d %s", c.RecordsRead, l.T("unit.records")))
	}
	if elapsed >= minRateAfter && c.RecordsRead > 0 {
		rate := float64(c.RecordsRead) / elapsed.Seconds()
		right = append(right, fmt.Sprintf("%s %s/s", formatRate(l, rate), l.T("unit.records")))
		if p.total > 0 && c.RecordsRead < p.total {
			left := time.Duration(float64(p.total-c.RecordsRead) / rate * float64(time.Second))
			right = append(right, "ETA "+clock(left))
		}
	} else if p.total <= 0 {
		right = append(right, clock(elapsed))
	}
	rightText := strings.Join(right, " ")

	desc := ""
	if p.phase != "" {
		desc = phaseName(l, p.phase) + ": "
	}
	// only the outcomes that occurred: an export shows "new 1792", not
	// four zeros that push the numbers off an 80-column line
	var counts []string
	for _, n := range []struct {
		id i18n.Msg
		n  int64
	}{{"count.created", c.Created}, {"count.updated", c.Updated}, {"count.same", c.Unchanged},
		{"count.skipped", c.Skipped}, {"count.failed", c.Failed}} {
		if n.n > 0 {
			counts = append(counts, l.T(n.id, n.n))
		}
	}
	desc += strings.Join(counts, " · ")
	desc = strings.TrimSuffix(desc, ": ")

	rw := utf8.RuneCountInString(rightText)
	if rw >= room {
		return truncate(rightText, room)
	}
	avail := room - rw - 1 // one space before the numbers
	bar := ""
	if p.total > 0 {
		const minBar, maxBar = 10, 40
		dw := utf8.RuneCountInString(desc)
		bw := min(maxBar, avail-dw-1)
		if bw < minBar {
			bw = minBar
		}
		if avail-bw-1 < 8 { // no room for a description worth reading
			if avail >= minBar+2 {
				return barCells(min(bw, avail-2), c.RecordsRead, p.total) + " " + rightText
			}
			return truncate(rightText, room)
		}
		bar = barCells(bw, c.RecordsRead, p.total)
		avail -= bw + 1
	}
	parts := []string{truncate(desc, avail), bar, rightText}
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), " ")
}

// phaseName is a phase's name in l; a phase the catalog does not know
// keeps its own.
func phaseName(l i18n.Lang, phase string) string {
	id := i18n.Msg("phase." + phase)
	if s := l.T(id); s != string(id) {
		return s
	}
	return phase
}

// barCells draws [=====>    ] in w columns, brackets included. The bar is
// schollz/progressbar's; the line around it is laid out here, where the
// terminal's width, the language and the outcome counts are known.
func barCells(w int, n, total int64) string {
	inner := max(1, w-2)
	b := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(io.Discard),
		progressbar.OptionSetWidth(inner),
		progressbar.OptionSetTheme(progressbar.Theme{Saucer: "=", SaucerHead: ">", SaucerPadding: " ", BarStart: "[", BarEnd: "]"}),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false))
	_ = b.Set64(min(n, total))
	r := b.String()
	i, j := strings.IndexByte(r, '['), strings.LastIndexByte(r, ']')
	if i < 0 || j < i {
		return "[" + strings.Repeat(" ", inner) + "]"
	}
	return r[i : j+1]
}

// truncate shortens s to n columns, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ·:") + "…"
}

func formatRate(l i18n.Lang, r float64) string {
	if r >= 100 {
		return l.Decimal(r, 0)
	}
	return l.Decimal(r, 1)
}

// clock shows a duration as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// NewLogProgress logs a line every interval: for cron jobs and CI logs,
// where a redrawn bar would be noise.
func NewLogProgress(log *slog.Logger, every time.Duration) Progress {
	return &logProgress{log: log, every: every, last: time.Now()}
}

type logProgress struct {
	log   *slog.Logger
	every time.Duration
	last  time.Time
	phase string
	total int64
	start time.Time
}

func (p *logProgress) Phase(name string, total int64) {
	p.phase, p.total, p.start = name, total, time.Now()
	p.log.Info(name, "records", total)
}

func (p *logProgress) Update(s *Summary) {
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	args := []any{"read", s.RecordsRead, "created", s.Created, "updated", s.Updated,
		"unchanged", s.Unchanged, "skipped", s.Skipped, "failed", s.Failed}
	if p.phase != "" {
		args = append(args, "phase", p.phase)
	}
	if p.total > 0 && s.RecordsRead > 0 {
		left := time.Duration(float64(now.Sub(p.start)) / float64(s.RecordsRead) * float64(p.total-s.RecordsRead))
		args = append(args, "eta", left.Round(time.Second).String())
	}
	p.log.Info("progress", args...)
}

func (p *logProgress) Finish() {}
