package pipeline

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"go.etcd.io/bbolt"
)

// The journal records, per job and input file, which records were applied,
// so that a rerun after a crash or Ctrl-C never writes twice and a file that
// was already imported is recognised.
//
// Layout: one bbolt file per job in the state dir; a bucket per input
// (named by the sha256 of its content) holding "meta" and one entry per
// record, keyed by the record's position in the input.

// InputStatus is what the journal knows of an input before a run.
type InputStatus int

const (
	InputNew      InputStatus = iota // never run
	InputPartial                     // a run started but did not reach the end (crash, Ctrl-C, fatal error)
	InputComplete                    // a run reached the end; failed records went to its error workbook
)

// JournalState is the state of one record in the journal.
type JournalState string

const (
	// JournalPending: a write was about to be sent; whether it landed is unknown.
	JournalPending JournalState = "pending"
	JournalApplied JournalState = "applied"
	JournalFailed  JournalState = "failed"
)

// JournalEntry is what the journal keeps of a record.
type JournalEntry struct {
	State   JournalState `json:"state"`
	Outcome string       `json:"outcome,omitempty"`
	Key     string       `json:"key,omitempty"`
	// Detail is sink-specific, e.g. the stock before an adjustment, so that a
	// pending write can be checked against the Wawi after a crash.
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

type journalMeta struct {
	Status     InputStatus `json:"status"`
	Source     string      `json:"source"`
	StartedAt  time.Time   `json:"started_at"`
	FinishedAt time.Time   `json:"finished_at,omitzero"`
	Applied    int64       `json:"applied"`
	Failed     int64       `json:"failed"`
}

// Journal is open for one job.
type Journal struct {
	db    *bbolt.DB
	path  string
	input []byte // bucket name of the current input
	meta  journalMeta
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// OpenJournal opens (or creates) the journal of a job in dir. A second run
// of the same job at the same time is refused rather than interleaved.
func OpenJournal(dir, job string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(job, "_")+".journal.db")
	// NoSync: a killed process loses nothing (the kernel has every write);
	// only a power cut may lose the last entries, and the read-back checks
	// before writes cover that for all but stock adjustments.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("journal %s is locked: another run of job %q is in progress", path, job)
	}
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return &Journal{db: db, path: path}, nil
}

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// HashFile returns the sha256 of a file's content: the identity of an input.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Begin selects the input by its hash and reports what earlier runs did
// with it. With fresh, earlier entries of this input are dropped (--force).
func (j *Journal) Begin(inputHash, source string, fresh bool, now time.Time) (InputStatus, journalMeta, error) {
	j.input = []byte("input:" + inputHash)
	var prev journalMeta
	status := InputNew
	err := j.db.Update(func(tx *bbolt.Tx) error {
		if fresh {
			if err := tx.DeleteBucket(j.input); err != nil && !errors.Is(err, bbolt.ErrBucketNotFound) {
				return err
			}
		}
		b, err := tx.CreateBucketIfNotExists(j.input)
		if err != nil {
			return err
		}
		if raw := b.Get([]byte("meta")); raw != nil {
			if err := json.Unmarshal(raw, &prev); err != nil {
				return fmt.Errorf("journal meta: %w", err)
			}
			status = prev.Status
			if status == InputNew {
				status = InputPartial
			}
			// A run that stopped before its first write (a guardrail, a
			// failed planning pass) left nothing to resume.
			if status == InputPartial && !hasRecords(b) {
				status = InputNew
			}
		}
		return nil
	})
	if err != nil {
		return 0, prev, err
	}
	return status, prev, nil
}

// hasRecords reports whether an input's bucket holds a record entry: a
// write was about to be sent or was sent.
func hasRecords(b *bbolt.Bucket) bool {
	k, _ := b.Cursor().Seek([]byte{'r'})
	return k != nil && k[0] == 'r'
}

// Start marks the input as being run.
func (j *Journal) Start(source string, now time.Time) error {
	j.meta = journalMeta{Status: InputPartial, Source: source, StartedAt: now}
	return j.putMeta()
}

func (j *Journal) putMeta() error {
	raw, err := json.Marshal(j.meta)
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(j.input).Put([]byte("meta"), raw)
	})
}

func seqKey(seq int64) []byte {
	k := make([]byte, 9)
	k[0] = 'r'
	binary.BigEndian.PutUint64(k[1:], uint64(seq))
	return k
}

// Get returns the entry of a record, if any.
func (j *Journal) Get(seq int64) (JournalEntry, bool, error) {
	var e JournalEntry
	var found bool
	err := j.db.View(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(j.input).Get(seqKey(seq))
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &e)
	})
	return e, found, err
}

// Put stores the entry of a record.
func (j *Journal) Put(seq int64, e JournalEntry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(j.input)
		// records arrive nearly in order: full pages, not half-empty ones
		b.FillPercent = 0.9
		return b.Put(seqKey(seq), raw)
	})
}

// Finish records how the run ended: complete when it reached the end of the
// input. Records that failed are not retried by running the same file again:
// they are fixed and re-imported through the error workbook, a new input.
func (j *Journal) Finish(complete bool, applied, failed int64, now time.Time) error {
	j.meta.FinishedAt = now
	j.meta.Applied += applied
	j.meta.Failed = failed
	if complete {
		j.meta.Status = InputComplete
	} else {
		j.meta.Status = InputPartial
	}
	return j.putMeta()
}

// Close releases the journal.
func (j *Journal) Close() error { return j.db.Close() }
