package bitrix24

import (
	"context"
	"sync"
	"time"
)

// batcher combines concurrent GetDialog calls into batch calls of up to 50.
//
// A batch leaves when it is full, or when no read has joined it for the
// window (so a burst of reads that trickles in over several windows still
// shares one call), and at the latest after maxWaitWindows windows. While
// the rate limiter would make the call wait anyway, the batch stays open and
// keeps collecting reads: under the portal's limit every request carries as
// many reads as there are.
type batcher struct {
	client *Client
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	pending []*pendingRead
	first   time.Time // when the oldest pending read joined
	last    time.Time // when the newest pending read joined
	gen     uint64    // which batch the timer belongs to
}

// maxWaitWindows caps how long reads wait for others to join: the window
// restarts with each new read, up to this many windows in all.
const maxWaitWindows = 5

type pendingRead struct {
	ctx    context.Context
	id     string
	done   chan struct{}
	dialog *Dialog
	err    error
}

func newBatcher(c *Client, window time.Duration) *batcher {
	return &batcher{client: c, window: window, now: time.Now}
}

func (b *batcher) get(ctx context.Context, id string) (*Dialog, error) {
	p := &pendingRead{ctx: ctx, id: id, done: make(chan struct{})}
	b.mu.Lock()
	now := b.now()
	b.pending = append(b.pending, p)
	b.last = now
	switch {
	case b.distinct() >= MaxBatchCommands:
		reads := b.take()
		b.mu.Unlock()
		go b.flush(reads)
	case len(b.pending) == 1:
		b.first = now
		b.schedule(b.window)
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

// schedule checks the batch again after d; the caller holds mu.
func (b *batcher) schedule(d time.Duration) {
	gen := b.gen
	time.AfterFunc(d, func() { b.check(gen) })
}

// check sends the batch, or waits longer when reads are still joining or
// the rate limiter would hold the call anyway.
func (b *batcher) check(gen uint64) {
	b.mu.Lock()
	if gen != b.gen || len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	now := b.now()
	if quiet := now.Sub(b.last); quiet < b.window && now.Sub(b.first) < maxWaitWindows*b.window {
		b.schedule(b.window - quiet)
		b.mu.Unlock()
		return
	}
	if wait := b.client.limiter.Delay(); wait > 0 {
		b.schedule(wait)
		b.mu.Unlock()
		return
	}
	reads := b.take()
	b.mu.Unlock()
	b.flush(reads)
}

// distinct counts the different dialog ids waiting; the caller holds mu.
func (b *batcher) distinct() int {
	seen := make(map[string]struct{}, len(b.pending))
	for _, p := range b.pending {
		seen[p.id] = struct{}{}
	}
	return len(seen)
}

// take empties the queue and retires its timer; the caller holds mu.
func (b *batcher) take() []*pendingRead {
	reads := b.pending
	b.pending = nil
	b.gen++
	return reads
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
