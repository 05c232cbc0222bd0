package pipeline

import (
	"testing"
	"time"
)

// The journal's cost per written record: go test -bench Journal ./pipeline
//
// BenchmarkJournalRecord is what a write that a fresh plan settles costs
// the journal (look up, pending, applied); BenchmarkJournalDurable is a
// stock change's pending entry, synced before its request may leave.

func benchJournal(b *testing.B) *Journal {
	b.Helper()
	j, err := OpenJournal(b.TempDir(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	if _, _, err := j.Begin("bench", "in.csv", false, now); err != nil {
		b.Fatal(err)
	}
	if err := j.Start("in.csv", now); err != nil {
		b.Fatal(err)
	}
	return j
}

func journalRecord(b *testing.B, j *Journal, seq int64, now time.Time) {
	if _, _, err := j.Get(seq); err != nil {
		b.Fatal(err)
	}
	if err := j.Put(seq, JournalEntry{State: JournalPending, Outcome: "created", Key: "SKU-123456", At: now}); err != nil {
		b.Fatal(err)
	}
	if err := j.Put(seq, JournalEntry{State: JournalApplied, Outcome: "created", Key: "SKU-123456", At: now}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkJournalRecord: one record after another, as by one worker.
func BenchmarkJournalRecord(b *testing.B) {
	j := benchJournal(b)
	defer j.Close()
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		journalRecord(b, j, int64(i), now)
	}
	// what is queued is not journaled yet: the end of the run commits it
	if err := j.Finish(true, int64(b.N), 0, now); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkJournalRecordParallel: records from 8 workers per CPU at once,
// as an import with concurrency 8..16 sends them.
func BenchmarkJournalRecordParallel(b *testing.B) {
	j := benchJournal(b)
	defer j.Close()
	now := time.Now()
	var next int64
	mu := make(chan struct{}, 1)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu <- struct{}{}
			seq := next
			next++
			<-mu
			journalRecord(b, j, seq, now)
		}
	})
	if err := j.Finish(true, int64(b.N), 0, now); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "entries/s")
}
