package bitrix24

import (
	"context"
	"sync"
	"time"
)

// batcher combines concurrent GetDialog calls into batch calls: the first
// read waits up to window for others, and a full batch of 50 leaves at once.
type batcher struct {
	client *Client
	window time.Duration

	mu      sync.Mutex
	pending []*pendingRead
	gen     uint64 // which window the timer belongs to
}

type pendingRead struct {
	ctx    context.Context
	id     string
	done   chan struct{}
	dialog *Dialog
	err    error
}

func newBatcher(c *Client, window time.Duration) *batcher {
	return &batcher{client: c, window: window}
}

func (b *batcher) get(ctx context.Context, id string) (*Dialog, error) {
	p := &pendingRead{ctx: ctx, id: id, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, p)
	switch {
	case b.distinct() >= MaxBatchCommands:
		reads := b.take()
		b.mu.Unlock()
		go b.flush(reads)
	case len(b.pending) == 1:
		gen := b.gen
		time.AfterFunc(b.window, func() { b.onWindow(gen) })
		b.mu.Unlock()
	default:
		b.mu.Unlock()
	}
	select {
	case <-p.done:
		return p.dialog, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// distinct counts the different dialog ids waiting; the caller holds mu.
func (b *batcher) distinct() int {
	seen := make(map[string]struct{}, len(b.pending))
	for _, p := range b.pending {
		seen[p.id] = struct{}{}
	}
	return len(seen)
}

// take empties the queue and starts a new window; the caller holds mu.
func (b *batcher) take() []*pendingRead {
	reads := b.pending
	b.pending = nil
	b.gen++
	return reads
}

func (b *batcher) onWindow(gen uint64) {
	b.mu.Lock()
	if gen != b.gen || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	reads := b.take()
	b.mu.Unlock()
	b.flush(reads)
}

// flush sends one call for reads and hands each read its own answer. The
// call is cancelled only when every read that waits for it is cancelled.
func (b *batcher) flush(reads []*pendingRead) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(reads[0].ctx))
	finished := make(chan struct{})
	go func() {
		for _, p := range reads {
			select {
			case <-p.ctx.Done():
			case <-finished:
				return
			}
		}
		cancel()
	}()
	defer func() {
		close(finished)
		cancel()
	}()

	var ids []string
	byID := map[string][]*pendingRead{}
	for _, p := range reads {
		if _, ok := byID[p.id]; !ok {
			ids = append(ids, p.id)
		}
		byID[p.id] = append(byID[p.id], p)
	}
	b.client.debug(ctx, "Sending coalesced dialog reads", map[string]any{"reads": len(reads), "commands": len(ids)})
	results := b.client.readDialogs(ctx, ids)
	for i, id := range ids {
		for _, p := range byID[id] {
			p.dialog, p.err = results[i].dialog, results[i].err
			close(p.done)
		}
	}
}
