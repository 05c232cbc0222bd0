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
	"sync"
	"sync/atomic"
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
//
// Entries are committed in groups: Put queues an entry and returns, and one
// goroutine commits what is queued every journalBatchSize entries or
// journalDelay, whichever comes first, in one bbolt transaction. Each
// commit is synced to disk (bbolt without NoSync: a commit whose data pages
// were not synced before its meta page can leave the file corrupt after a
// power cut). PutDurable queues an entry and waits until it, and everything
// queued before it, is on disk. Commits keep the order of the queue, so an
// entry on disk implies every entry queued before it is too; a crash or
// power cut loses at most the entries queued since the last commit.
type Journal struct {
	db    *bbolt.DB
	path  string
	input []byte // bucket name of the current input
	meta  journalMeta
	// fresh: the input's bucket held no record entry at Begin, so Get need
	// only look at what this run wrote (seen).
	fresh bool
	seen  []uint64 // bitset of the seqs this run put

	mu      sync.Mutex
	cur     *journalBatch // entries queued for the next commit
	flying  *journalBatch // the batch being committed, still visible to Get
	err     error         // the first commit that failed; later puts fail too
	closed  bool
	more    chan struct{} // cur got its first entry
	now     chan struct{} // commit without waiting for more entries
	quit    chan struct{}
	stopped chan struct{}

	delay     time.Duration
	batchSize int
	commitsN  atomic.Int64 // transactions that committed entries
}

// journalsCrashed makes every journal drop its commits from now on, as if
// the process had died: the tests' crash.
var journalsCrashed atomic.Bool

// journalBatch is one group commit.
type journalBatch struct {
	keys [][]byte
	vals [][]byte
	seqs []int64
	done chan struct{} // closed once committed (or failed)
	err  error
}

// Variables, so that tests can hold batches back.
var (
	// journalBatchSize entries make a commit without waiting for journalDelay:
	// enough that the commit's fixed cost (two syncs) is spread thin.
	journalBatchSize = 512
	// journalDelay bounds how long an entry waits for company. It is also
	// what a crash may lose of settle-able writes: their read-back covers it.
	// At 16 writes in flight and 20 ms per request, 5 ms made a synced
	// commit of about 8 entries each, a tenth of an import's CPU.
	journalDelay = 50 * time.Millisecond
)

var errJournalClosed = errors.New("journal is closed")

func newJournalBatch() *journalBatch { return &journalBatch{done: make(chan struct{})} }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// OpenJournal opens (or creates) the journal of a job in dir. A second run
// of the same job at the same time is refused rather than interleaved.
func OpenJournal(dir, job string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(job, "_")+".journal.db")
	// Every commit is synced: entries are committed in groups (see
	// Journal), so a sync costs per group, not per record.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("journal %s is locked: another run of job %q is in progress", path, job)
	}
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	// a journal file just created survives a power cut only with its
	// folder's entry on disk
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // not every system syncs a folder; the file's own syncs remain
		d.Close()
	}
	j := &Journal{db: db, path: path, cur: newJournalBatch(), delay: journalDelay, batchSize: journalBatchSize,
		more: make(chan struct{}, 1), now: make(chan struct{}, 1),
		quit: make(chan struct{}), stopped: make(chan struct{})}
	go j.commits()
	return j, nil
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
	var prev journalMeta
	if err := j.Flush(); err != nil { // entries of an earlier input
		return 0, prev, err
	}
	j.mu.Lock()
	j.input = []byte("input:" + inputHash)
	j.seen = j.seen[:0]
	j.mu.Unlock()
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
		j.fresh = !hasRecords(b)
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

// putMeta writes the meta entry after the entries queued before it.
func (j *Journal) putMeta() error {
	raw, err := json.Marshal(j.meta)
	if err != nil {
		return err
	}
	if err := j.Flush(); err != nil {
		return err
	}
	if journalsCrashed.Load() {
		return nil
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

// Get returns the entry of a record, if any: the latest put, committed or
// still queued.
func (j *Journal) Get(seq int64) (JournalEntry, bool, error) {
	var e JournalEntry
	j.mu.Lock()
	raw, queued := j.queued(seq)
	absent := j.fresh && !j.isSeen(seq)
	j.mu.Unlock()
	if queued {
		return e, true, json.Unmarshal(raw, &e)
	}
	if absent {
		return e, false, nil // a new input holds only what this run put
	}
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

// queued finds the newest queued entry of seq; j.mu is held.
func (j *Journal) queued(seq int64) ([]byte, bool) {
	for _, b := range []*journalBatch{j.cur, j.flying} {
		if b == nil {
			continue
		}
		for i := len(b.seqs) - 1; i >= 0; i-- {
			if b.seqs[i] == seq {
				return b.vals[i], true
			}
		}
	}
	return nil, false
}

func (j *Journal) isSeen(seq int64) bool {
	w := uint64(seq) / 64
	return w < uint64(len(j.seen)) && j.seen[w]&(1<<(uint64(seq)%64)) != 0
}

func (j *Journal) see(seq int64) {
	w := int(uint64(seq) / 64)
	if w >= len(j.seen) {
		j.seen = append(j.seen, make([]uint64, w+1-len(j.seen))...)
	}
	j.seen[w] |= 1 << (uint64(seq) % 64)
}

// Put queues the entry of a record for the next commit and returns: for
// writes whose outcome a later run can settle by reading the target back.
// An error is that of an earlier commit: the journal no longer records.
func (j *Journal) Put(seq int64, e JournalEntry) error {
	_, err := j.put(seq, e, false)
	return err
}

// PutDurable stores the entry of a record and returns once it is synced to
// disk: for a write only this entry can settle after a crash (a stock
// adjustment's level before and delta), which must not be sent before.
func (j *Journal) PutDurable(seq int64, e JournalEntry) error {
	b, err := j.put(seq, e, true)
	if err != nil {
		return err
	}
	<-b.done
	return b.err
}

func (j *Journal) put(seq int64, e JournalEntry, now bool) (*journalBatch, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return nil, j.err
	}
	if j.closed {
		return nil, errJournalClosed
	}
	b := j.cur
	b.keys = append(b.keys, seqKey(seq))
	b.vals = append(b.vals, raw)
	b.seqs = append(b.seqs, seq)
	j.see(seq)
	switch {
	case now || len(b.seqs) >= j.batchSize:
		signal(j.now)
	case len(b.seqs) == 1:
		signal(j.more)
	}
	return b, nil
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default: // one is already waiting, and the commit it causes takes all
	}
}

// Flush commits what is queued and returns once it is on disk.
func (j *Journal) Flush() error {
	j.mu.Lock()
	if j.closed {
		err := j.err
		j.mu.Unlock()
		return err
	}
	b := j.cur
	j.mu.Unlock()
	signal(j.now)
	<-b.done
	return b.err
}

// commits is the goroutine that commits the queue: at once when asked to,
// else journalDelay after the first entry of a batch.
func (j *Journal) commits() {
	defer close(j.stopped)
	timer := time.NewTimer(j.delay)
	timer.Stop()
	for {
		select {
		case <-j.now:
		case <-j.quit:
			j.commit()
			return
		case <-j.more:
			timer.Reset(j.delay)
			select {
			case <-timer.C:
			case <-j.now:
				timer.Stop()
			case <-j.quit:
				timer.Stop()
				j.commit()
				return
			}
		}
		j.commit()
	}
}

// commit writes the queued batch in one synced transaction.
func (j *Journal) commit() {
	j.mu.Lock()
	b := j.cur
	j.cur, j.flying = newJournalBatch(), b
	bucket, failed := j.input, j.err
	j.mu.Unlock()
	switch {
	case failed != nil:
		b.err = failed
	case len(b.keys) == 0 || journalsCrashed.Load():
	default:
		b.err = j.db.Update(func(tx *bbolt.Tx) error {
			bk := tx.Bucket(bucket)
			if bk == nil {
				return fmt.Errorf("journal: no input selected")
			}
			// records arrive nearly in order: full pages, not half-empty ones
			bk.FillPercent = 0.9
			for i, k := range b.keys {
				if err := bk.Put(k, b.vals[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if b.err == nil {
			j.commitsN.Add(1)
		}
	}
	j.mu.Lock()
	j.flying = nil
	if b.err != nil && j.err == nil {
		j.err = b.err
	}
	j.mu.Unlock()
	close(b.done)
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

// Close commits what is queued and releases the journal.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	j.mu.Unlock()
	close(j.quit)
	<-j.stopped
	err := j.err
	if cerr := j.db.Close(); err == nil {
		err = cerr
	}
	return err
}
