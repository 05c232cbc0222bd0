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
