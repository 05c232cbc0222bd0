package pipeline

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"
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

// NewBar draws a progress bar with counts by outcome on a terminal, with an
// ETA once the number of records is known.
func NewBar(w io.Writer, total int64) Progress {
	p := &barProgress{w: w}
	p.bar = p.newBar(total, "")
	return p
}

type barProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	phase string
	last  time.Time
}

func (p *barProgress) newBar(total int64, phase string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(phase),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rec"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	)
}

func (p *barProgress) Phase(name string, total int64) {
	_ = p.bar.Finish()
	p.phase = name
	p.bar = p.newBar(total, name)
}

func (p *barProgress) Update(s *Summary) {
	_ = p.bar.Set64(s.RecordsRead)
	if now := time.Now(); now.Sub(p.last) > 200*time.Millisecond {
		p.last = now
		prefix := ""
		if p.phase != "" {
			prefix = p.phase + ": "
		}
		p.bar.Describe(fmt.Sprintf("%snew %d · upd %d · same %d · skip %d · fail %d", prefix, s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed))
	}
}

func (p *barProgress) Finish() { _ = p.bar.Finish() }

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
