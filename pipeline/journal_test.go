package pipeline

import (
	"testing"
	"time"
)

// A run that stopped before its first write (a guardrail tripped, the
// planning pass failed) leaves nothing to resume: the input counts as new,
// so the merchant can rerun it with a loosened limit without --resume.
// Once a write was noted, the input is partial until a run finishes it.
func TestJournalNothingWrittenIsNew(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	step := func(want InputStatus, write bool, finish bool) {
		t.Helper()
		j, err := OpenJournal(dir, "job")
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		st, _, err := j.Begin("abc", "in.csv", false, now)
		if err != nil || st != want {
			t.Fatalf("status %v (%v), want %v", st, err, want)
		}
		if err := j.Start("in.csv", now); err != nil {
			t.Fatal(err)
		}
		if write {
			if err := j.Put(7, JournalEntry{State: JournalPending, Key: "A-1", At: now}); err != nil {
				t.Fatal(err)
			}
		}
		if err := j.Finish(finish, 0, 0, now); err != nil {
			t.Fatal(err)
		}
	}
	step(InputNew, false, false) // stopped by a guardrail
	step(InputNew, true, false)  // killed after a write was noted
	step(InputPartial, false, true)
	step(InputComplete, false, true)
}

func openTestJournal(t testing.TB, dir string) *Journal {
	t.Helper()
	j, err := OpenJournal(dir, "job")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.Begin("abc", "in.csv", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return j
}

// Entries are committed in groups, not one transaction each; a queued
// entry is already what Get answers.
func TestJournalGroupCommit(t *testing.T) {
	holdBatches(t, 512)
	j := openTestJournal(t, t.TempDir())
	defer j.Close()
	const n = 2*512 + 10
	for seq := range int64(n) {
		if err := j.Put(seq, JournalEntry{State: JournalApplied, Key: "A"}); err != nil {
			t.Fatal(err)
		}
	}
	if e, ok, err := j.Get(n - 1); err != nil || !ok || e.State != JournalApplied {
		t.Fatalf("queued entry: %+v %v %v", e, ok, err)
	}
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	// two full batches and the rest, or fewer when a commit found more
	// queued than a batch
	if c := j.commitsN.Load(); c < 1 || c > 3 {
		t.Errorf("%d entries took %d commits, want at most 3", n, c)
	}
}

// A durable entry is synced when PutDurable returns, and with it every
// entry queued before it; entries queued after it are what a crash loses.
func TestJournalDurableOrder(t *testing.T) {
	holdBatches(t, 1000)
	dir := t.TempDir()
	j := openTestJournal(t, dir)
	if j.db.NoSync {
		t.Fatal("the journal does not sync its commits: a power cut may lose a stock change's entry, or corrupt the file")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.Put(1, JournalEntry{State: JournalApplied}))
	must(j.PutDurable(2, JournalEntry{State: JournalPending, Detail: "5 3"}))
	if c := j.commitsN.Load(); c != 1 {
		t.Fatalf("%d commits after PutDurable, want 1", c)
	}
	must(j.Put(3, JournalEntry{State: JournalApplied}))
	journalsCrashed.Store(true) // the process dies with entry 3 queued
	j.Close()
	journalsCrashed.Store(false)

	j = openTestJournal(t, dir)
	defer j.Close()
	for seq, want := range map[int64]bool{1: true, 2: true, 3: false} {
		e, ok, err := j.Get(seq)
		if err != nil || ok != want {
			t.Errorf("entry %d after the crash: found %v (%+v, %v), want %v", seq, ok, e, err, want)
		}
		if seq == 2 && e.Detail != "5 3" {
			t.Errorf("entry 2: %+v", e)
		}
	}
}
