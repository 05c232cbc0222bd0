package pipeline

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress shows how a run is going. Update is called from one goroutine
// after every record; implementations throttle themselves.
type Progress interface {
	Update(s *Summary)
	Finish()
}

type nopProgress struct{}

func (nopProgress) Update(*Summary) {}
func (nopProgress) Finish()         {}

// NewBar draws a progress bar with counts by outcome on a terminal.
func NewBar(w io.Writer, total int64) Progress {
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rec"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	)
	return &barProgress{bar: bar}
}

type barProgress struct {
	bar  *progressbar.ProgressBar
	last time.Time
}

func (p *barProgress) Update(s *Summary) {
	_ = p.bar.Set64(s.RecordsRead)
	if now := time.Now(); now.Sub(p.last) > 200*time.Millisecond {
		p.last = now
		p.bar.Describe(fmt.Sprintf("ok %d · upd %d · same %d · skip %d · fail %d", s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed))
	}
}

func (p *barProgress) Finish() { _ = p.bar.Finish() }

// NewLogProgress logs a line every interval: for cron jobs and CI logs,
// where a redrawn bar would be noise.
func NewLogProgress(log *slog.Logger, every time.Duration) Progress {
	return &logProgress{log: log, every: every, last: time.Now()}
}

type logProgress struct {
	mu    sync.Mutex
	log   *slog.Logger
	every time.Duration
	last  time.Time
	start time.Time
}

func (p *logProgress) Update(s *Summary) {
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.log.Info("progress", "read", s.RecordsRead, "created", s.Created, "updated", s.Updated,
		"unchanged", s.Unchanged, "skipped", s.Skipped, "failed", s.Failed)
}

func (p *logProgress) Finish() {}
