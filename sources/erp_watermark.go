package sources

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/pipeline"
)

// Watermark is the state of an incremental export, kept in
// <state_dir>/<job>.watermark.json.
//
// Last is the largest value of DateField among the documents of the last
// successful run; IDs are the keys of the documents exported AT that
// instant. The next run asks for Field >= Last (a second earlier, since the
// API does not say whether its bound is inclusive) and skips documents
// before Last and those at Last whose key is in IDs: a document created in
// the same second as the last one exported, but after that run, is still
// exported, and none is exported twice.
type Watermark struct {
	Version   int       `json:"version"`
	Job       string    `json:"job"`
	Resource  string    `json:"resource"`
	Field     string    `json:"field"`
	DateField string    `json:"date_field"`
	Key       string    `json:"key"`
	Last      time.Time `json:"last"`
	IDs       []string  `json:"ids_at_last"`
	// Committed is when the run that wrote it finished; Documents how many
	// documents it exported.
	Committed time.Time `json:"committed_at"`
	Documents int       `json:"documents"`
}

// WatermarkPath is where the watermark of a job lives.
func WatermarkPath(stateDir, job string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, job)
	return filepath.Join(stateDir, safe+".watermark.json")
}

// ReadWatermark reads a watermark file; a missing file gives nil, nil.
func ReadWatermark(path string) (*Watermark, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var w Watermark
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%s: %w (delete it, or run with --full, to start over)", path, err)
	}
	return &w, nil
}

// incremental is the watermark of a run: read at Open, advanced in memory
// while documents are delivered, written by Commit.
type incremental struct {
	path                  string
	job, field, date, key string
	resource              string
	full                  bool
	old                   *Watermark // as read; nil on the first run
	seen                  map[string]struct{}
	now                   func() time.Time
	loc                   *time.Location
	maxDate               time.Time // largest date delivered by this run
	atMax                 map[string]struct{}
	committed             bool
}

func openIncremental(spec *pipeline.SourceSpec, env *pipeline.Env, def *erp.ResourceDef, s *ERPSource) (*incremental, error) {
	is := spec.Incremental
	p, ok := def.Filter(is.Field)
	if is.Field == "" || !ok || p.Type != "date-time" || filterRole(p.Name) != roleSince {
		var since []string
		for _, q := range def.ListQuery {
			if q.Type == "date-time" && filterRole(q.Name) == roleSince {
				since = append(since, q.Name)
			}
		}
		if len(since) == 0 {
			return nil, fmt.Errorf("source.incremental: %s has no date filter to feed a watermark", def.Name)
		}
		return nil, fmt.Errorf("source.incremental.field %q: use a date filter of %s: %s", is.Field, def.Name, strings.Join(since, ", "))
	}
	if def.Local(p.Name) != "" {
		return nil, fmt.Errorf("source.incremental: GET %s has no date filter (%s is applied by etl to the whole list), so an export of %s cannot ask for only what is new", def.ListPath, p.Name, def.Name)
	}
	date := is.Date
	if date == "" {
		date = docDateFields[def.Name][p.Name]
	}
	if date == "" {
		return nil, fmt.Errorf("source.incremental.date: name the document field that %s compares (e.g. Changed)", p.Name)
	}
	if s.dateField != "" && s.dateField != date {
		return nil, fmt.Errorf("source.incremental.date %q: the filters compare %s", date, s.dateField)
	}
	key := is.Key
	if key == "" {
		key = def.IDField
	}
	if key == "" {
		return nil, fmt.Errorf("source.incremental.key: %s has no id; name a field that identifies a document", def.Name)
	}
	if env.JobName == "" {
		if !env.DryRun {
			return nil, errors.New("source.incremental needs a job name (name: in the job file)")
		}
		// checking a job (etl validate): the spec is fine, there is no state
		s.dateField = date
		return &incremental{job: "", field: p.Name, date: date, key: key, resource: def.Name, now: time.Now, loc: s.loc,
			seen: map[string]struct{}{}, atMax: map[string]struct{}{}}, nil
	}
	dir := env.StateDir
	if dir == "" {
		dir = filepath.Join(env.JobDir, ".etl-state")
	}
	inc := &incremental{path: WatermarkPath(dir, env.JobName), job: env.JobName, field: p.Name, date: date, key: key,
		resource: def.Name, full: env.Full, now: env.Now, loc: s.loc, seen: map[string]struct{}{}, atMax: map[string]struct{}{}}
	if inc.now == nil {
		inc.now = time.Now
	}
	old, err := ReadWatermark(inc.path)
	if err != nil {
		return nil, fmt.Errorf("source.incremental: %w", err)
	}
	if old != nil && (old.Resource != def.Name || old.DateField != date || old.Key != key) {
		return nil, fmt.Errorf("source.incremental: %s was written for %s by %s, key %s; this job exports %s by %s, key %s: "+
			"delete it or run with --full to start over", inc.path, old.Resource, old.DateField, old.Key, def.Name, date, key)
	}
	inc.old = old
	s.dateField = date
	if old != nil && !env.Full && !old.Last.IsZero() {
		for _, id := range old.IDs {
			inc.seen[id] = struct{}{}
		}
		s.setLower(date, old.Last)
	}
	if !s.lower.IsZero() {
		s.query.Set(p.Name, s.lower.Add(-slack).In(s.loc).Format(queryTime))
	}
	return inc, nil
}

// skip reports whether a document was exported by an earlier run: it lies
// at the watermark and its key was seen there. Documents before the
// watermark are already cut by the period. Safe for concurrent use: it only
// reads.
func (inc *incremental) skip(date time.Time, key string) bool {
	if inc.full || inc.old == nil || !date.Equal(inc.old.Last) {
		return false
	}
	_, dup := inc.seen[key]
	return dup
}

// see records a delivered document (from Next's goroutine only).
func (inc *incremental) see(date time.Time, key string) {
	switch {
	case date.IsZero():
		return
	case date.After(inc.maxDate):
		inc.maxDate = date
		clear(inc.atMax)
		inc.atMax[key] = struct{}{}
	case date.Equal(inc.maxDate):
		inc.atMax[key] = struct{}{}
	}
}

func (inc *incremental) params() [][2]string {
	var state string
	switch {
	case inc.full && inc.old != nil:
		state = "ignored (--full); was " + inc.old.Last.In(inc.loc).Format(shownTime)
	case inc.full:
		state = "none (--full)"
	case inc.old == nil:
		state = "none (first run)"
	default:
		state = fmt.Sprintf("%s %s (%d already exported at that instant)", inc.field, inc.old.Last.In(inc.loc).Format(shownTime), len(inc.old.IDs))
	}
	return [][2]string{{"Incremental since", state}}
}

// next is the watermark this run leaves; nil when it leaves the old one.
func (inc *incremental) next(documents int) *Watermark {
	w := &Watermark{Version: 1, Job: inc.job, Resource: inc.resource, Field: inc.field, DateField: inc.date, Key: inc.key,
		Committed: inc.now().UTC(), Documents: documents}
	old := inc.old
	switch {
	case inc.maxDate.IsZero():
		return nil // nothing exported: the old watermark stands
	case old == nil || inc.maxDate.After(old.Last):
		w.Last = inc.maxDate
		w.IDs = keys(inc.atMax, nil)
	case inc.maxDate.Equal(old.Last):
		w.Last = old.Last
		w.IDs = keys(inc.atMax, old.IDs)
	default:
		return nil // a --full run of an older period never moves the watermark back
	}
	w.Last = w.Last.UTC()
	return w
}

// keys lists a set plus extra, sorted numerically where they are numbers.
func keys(set map[string]struct{}, extra []string) []string {
	out := make([]string, 0, len(set)+len(extra))
	for k := range set {
		out = append(out, k)
	}
	for _, k := range extra {
		if _, dup := set[k]; !dup {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, errA := strconv.ParseInt(out[i], 10, 64)
		b, errB := strconv.ParseInt(out[j], 10, 64)
		if errA == nil && errB == nil {
			return a < b
		}
		return out[i] < out[j]
	})
	return out
}

// Commit advances the export watermark to the documents this run delivered
// (Committer). Call it once the sink committed its output; a run that failed,
// was interrupted or was a dry run must not call it, and Commit refuses
// anyway when the source was not read to the end. Without incremental it
// does nothing. env.Full runs advance it too (never backwards).
//
// The file is replaced atomically (temporary file, fsync, rename), so a crash
// leaves the old watermark or the new one.
func (s *ERPSource) Commit() error {
	inc := s.inc
	if inc == nil || s.dryRun || inc.committed {
		return nil
	}
	if !s.eof || s.err != nil {
		return errors.New("erp source: the listing did not finish; the watermark stays where it was")
	}
	inc.committed = true
	w := inc.next(s.docs)
	if w == nil {
		return nil
	}
	return writeWatermark(inc.path, w)
}

func writeWatermark(path string, w *Watermark) error {
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return err
	}
	// 0600 as before: the file says what was exported when
	if err := atomicfile.WriteFile(path, append(b, '\n'), atomicfile.Options{Perm: 0o600}); err != nil {
		return fmt.Errorf("watermark: %w", err)
	}
	return nil
}
