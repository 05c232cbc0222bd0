package pipeline

import (
	"context"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// unpivotSource turns a wide file into a long one as source.unpivot says
// (see mappings.UnpivotSpec): every record the file source yields becomes
// one record per matched column, numbered anew (Seq) and keeping the file's
// row (Row), so errors point at the line of the file.
type unpivotSource struct {
	src       Source
	u         *mappings.Unpivot
	path      string
	readsFile bool
	queue     []*record.Record
	seq       int64
}

var (
	_ SizeEstimator   = (*unpivotSource)(nil)
	_ InputIdentifier = (*unpivotSource)(nil)
)

func newUnpivotSource(src Source, spec *SourceSpec, readsFile bool) (Source, error) {
	u, err := mappings.NewUnpivot(spec.Unpivot, src.Header())
	if err != nil {
		src.Close()
		return nil, err
	}
	return &unpivotSource{src: src, u: u, path: spec.Path, readsFile: readsFile}, nil
}

func (s *unpivotSource) Header() *record.Header { return s.u.Header() }

func (s *unpivotSource) Next(ctx context.Context) (*record.Record, error) {
	for len(s.queue) == 0 {
		rec, err := s.src.Next(ctx)
		if err != nil || rec == nil {
			return rec, err
		}
		s.queue = s.u.Expand(rec)
	}
	r := s.queue[0]
	s.queue = s.queue[1:]
	r.Seq = s.seq
	s.seq++
	return r, nil
}

func (s *unpivotSource) Close() error { return s.src.Close() }

// SizeEstimate is the file's: the estimate only picks a strategy.
func (s *unpivotSource) SizeEstimate() int64 {
	if e, ok := s.src.(SizeEstimator); ok {
		return e.SizeEstimate()
	}
	return 0
}

// InputID is the file's identity, as without unpivot.
func (s *unpivotSource) InputID() (string, error) {
	if id, ok := s.src.(InputIdentifier); ok {
		return id.InputID()
	}
	if !s.readsFile || s.path == "" {
		return "", nil
	}
	return HashFile(s.path)
}
