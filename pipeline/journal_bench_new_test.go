package pipeline

import (
	"testing"
	"time"
)

// BenchmarkJournalDurable: each entry synced to disk before the next, as a
// stock change's pending entry is (one worker; workers in parallel share
// commits).
func BenchmarkJournalDurable(b *testing.B) {
	j := benchJournal(b)
	defer j.Close()
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := j.PutDurable(int64(i), JournalEntry{State: JournalPending, Outcome: "updated", Key: "SKU-123456", Detail: "12 3", At: now}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkJournalDurableParallel: stock changes from 8 workers per CPU;
// entries that wait at the same time share a commit.
func BenchmarkJournalDurableParallel(b *testing.B) {
	j := benchJournal(b)
	defer j.Close()
	now := time.Now()
	next := make(chan int64, 1)
	next <- 0
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			seq := <-next
			next <- seq + 1
			if err := j.PutDurable(seq, JournalEntry{State: JournalPending, Outcome: "updated", Key: "SKU-123456", Detail: "12 3", At: now}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
