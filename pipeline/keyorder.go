package pipeline

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/wawi-etl/etl/internal/diskmap"
)

// planNotesInMemory is how many keys the planning pass's notes (keyOrder,
// dupScan) keep in memory; past it they go to a temporary file, so that
// the memory of an import does not grow with its file.
const planNotesInMemory = 32768

// keyOrder makes the rows of a file that share a key (an item's SKU, a
// stock level's item and warehouse) write one after the other in file
// order, so that the last one wins as it would by hand; other rows still
// run in parallel. The planning pass notes which row comes before which;
// while writing, a row waits for its predecessor to be done. No deadlock:
// rows start in file order, so a predecessor has always started.
type keyOrder struct {
	// planning: hash of the key -> latest row seen. A hash, not the key; a
	// collision only makes a row wait.
	last *diskmap.Map
	seed maphash.Seed
	pred map[int64]int64 // row -> the earlier row with its key
	wake map[int64]chan struct{}
}

func newKeyOrder() *keyOrder {
	return &keyOrder{last: diskmap.New(1, planNotesInMemory), pred: map[int64]int64{}, seed: maphash.MakeSeed()}
}

// see is called in file order, by the accounting goroutine, while planning.
func (k *keyOrder) see(key string, seq int64) {
	h := maphash.String(k.seed, key)
	// an error is kept by last and ends the run after the pass (err)
	if prev, ok, _ := k.last.Swap(h, diskmap.Value{uint64(seq)}); ok {
		k.pred[seq] = int64(prev[0])
	}
}

// err is the first error of the notes' file: rows that share a key might
// not write in order.
func (k *keyOrder) err() error {
	if k == nil || k.last == nil {
		return nil
	}
	return k.last.Err()
}

// forWriting keeps what the writing pass needs: nil when no key repeats.
func (k *keyOrder) forWriting() *keyOrder {
	if k == nil {
		return nil
	}
	k.last.Close()
	if len(k.pred) == 0 {
		return nil
	}
	w := &keyOrder{pred: k.pred, wake: make(map[int64]chan struct{}, len(k.pred))}
	for _, p := range k.pred {
		w.wake[p] = make(chan struct{})
	}
	return w
}

func (k *keyOrder) wait(ctx context.Context, seq int64) {
	p, ok := k.pred[seq]
	if !ok {
		return
	}
	select {
	case <-k.wake[p]:
	case <-ctx.Done():
	}
}

func (k *keyOrder) done(seq int64) {
	if ch, ok := k.wake[seq]; ok {
		close(ch)
	}
}

// planNotesErr is the first error of the planning pass's notes.
func (r *runner) planNotesErr() error {
	for _, err := range []error{r.keys.err(), r.dups.err()} {
		if err != nil {
			return fmt.Errorf("planning notes: %w", err)
		}
	}
	return nil
}
