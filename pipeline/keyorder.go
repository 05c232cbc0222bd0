package pipeline

import (
	"context"
	"hash/maphash"
)

// keyOrder makes the rows of a file that share a key (an item's SKU, a
// stock level's item and warehouse) write one after the other in file
// order, so that the last one wins as it would by hand; other rows still
// run in parallel. The planning pass notes which row comes before which;
// while writing, a row waits for its predecessor to be done. No deadlock:
// rows start in file order, so a predecessor has always started.
type keyOrder struct {
	// planning: hash of the key -> latest row seen. A hash, not the key, so
	// a 200,000-row file costs a few MB; a collision only makes a row wait.
	last map[uint64]int64
	seed maphash.Seed
	pred map[int64]int64 // row -> the earlier row with its key
	wake map[int64]chan struct{}
}

func newKeyOrder() *keyOrder {
	return &keyOrder{last: map[uint64]int64{}, pred: map[int64]int64{}, seed: maphash.MakeSeed()}
}

// see is called in file order, by the accounting goroutine, while planning.
func (k *keyOrder) see(key string, seq int64) {
	h := maphash.String(k.seed, key)
	if prev, ok := k.last[h]; ok {
		k.pred[seq] = prev
	}
	k.last[h] = seq
}

// forWriting keeps what the writing pass needs: nil when no key repeats.
func (k *keyOrder) forWriting() *keyOrder {
	if k == nil || len(k.pred) == 0 {
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
